import { decodeTnetstring } from '../../../src/core/tnetstring';
import { decodePublishItem } from '../../../src/publish/item-decoder';
import { encodePublishItemJson, encodePublishItemTnet } from '../../../src/publish/item-encoder';
import { buildPublishItem, parseCode, type PublishItemArgs } from '../../../src/publish/publisher-item';
import { parseHttpSpec, resolveContent } from '../../../src/publish/publisher';

const base: PublishItemArgs = {
  channel: 'test',
  content: { kind: 'text', text: 'hello there' },
  code: 200,
  headers: [],
  meta: [],
  hint: false,
  close: false,
  patch: false,
  noSeq: false,
  noEol: false,
};

/** The JSON a publisher sends for these arguments (what goes in `{"items":[...]}`). */
function json(args: Partial<PublishItemArgs>): unknown {
  const item = buildPublishItem({ ...base, ...args });
  if (!item.ok) throw item.error;
  return JSON.parse(JSON.stringify(encodePublishItemJson(item.value)));
}

function error(args: Partial<PublishItemArgs>): string {
  const item = buildPublishItem({ ...base, ...args });
  if (item.ok) throw new Error('expected an error');
  return item.error.message;
}

describe('buildPublishItem (pushpin-publish 1.36 items, publishing.md §9)', () => {
  it('builds the documented example item exactly', () => {
    expect(
      json({ id: 'i1', prevId: 'i0', sender: 'bob', meta: ['k=v'], headers: ['X-A: 1'], code: 201 }),
    ).toEqual({
      channel: 'test',
      id: 'i1',
      'prev-id': 'i0',
      meta: { k: 'v', sender: 'bob' },
      formats: {
        'http-response': { code: 201, headers: [['X-A', '1']], body: 'hello there\n' },
        'http-stream': { content: 'hello there\n' },
        'ws-message': { content: 'hello there' },
      },
    });
  });

  it('--no-eol drops the newline, --no-seq adds no-seq, empty ids are left out', () => {
    expect(json({ content: { kind: 'text', text: 'hi' }, noEol: true, noSeq: true, id: '', prevId: '' })).toEqual({
      channel: 'test',
      'no-seq': true,
      formats: {
        'http-response': { code: 200, body: 'hi' },
        'http-stream': { content: 'hi' },
        'ws-message': { content: 'hi' },
      },
    });
  });

  it('--hint wins over --close and needs no content; --close has no http-response', () => {
    const hint = { action: 'hint' };
    expect(json({ hint: true, close: true, content: undefined, code: 5000 })).toEqual({
      channel: 'test',
      formats: { 'http-response': hint, 'http-stream': hint, 'ws-message': hint },
    });
    expect(json({ close: true, content: undefined, headers: ['A: b'] })).toEqual({
      channel: 'test',
      formats: { 'http-stream': { action: 'close' }, 'ws-message': { action: 'close' } },
    });
  });

  it('--patch sends only http-response with body-patch and the code', () => {
    const patch = [{ op: 'add', path: '/a', value: 1 }];
    expect(json({ patch: true, content: { kind: 'text', text: JSON.stringify(patch) }, code: 202 })).toEqual({
      channel: 'test',
      formats: { 'http-response': { code: 202, 'body-patch': patch } },
    });
    expect(error({ patch: true, content: { kind: 'text', text: '{"a":1}' } })).toBe('patch content must be a JSON array');
    expect(error({ patch: true, content: { kind: 'text', text: 'notjson' } })).toMatch(/JSON/);
  });

  it('file bytes are sent as they are: no newline; base64 -bin fields over JSON when not UTF-8', () => {
    expect(json({ content: { kind: 'bytes', bytes: Buffer.from('abc') } })).toEqual({
      channel: 'test',
      formats: { 'http-response': { code: 200, body: 'abc' }, 'http-stream': { content: 'abc' }, 'ws-message': { content: 'abc' } },
    });
    const bin = Buffer.from([0xff, 0xfe, 0x00]);
    expect(json({ content: { kind: 'bytes', bytes: bin } })).toEqual({
      channel: 'test',
      formats: {
        'http-response': { code: 200, 'body-bin': '//4A' },
        'http-stream': { 'content-bin': '//4A' },
        'ws-message': { 'content-bin': '//4A' },
      },
    });
  });

  it('meta: sender first, then -M in order (a later one wins); values trimmed, split at the first separator', () => {
    expect(json({ sender: 'bob', meta: ['sender=eve', 'x= a=b '] })).toMatchObject({ meta: { sender: 'eve', x: 'a=b' } });
    expect(json({ headers: ['X-Y:  v: w ', 'X-Y: 2'] })).toMatchObject({
      formats: { 'http-response': { headers: [['X-Y', 'v: w'], ['X-Y', '2']] } },
    });
  });

  it("refuses what pushpin-publish refuses, with its messages", () => {
    expect(error({ content: undefined })).toBe('must specify content');
    expect(error({ code: 1000 })).toBe('code must be an integer between 0 and 999');
    expect(error({ headers: ['bad'] })).toBe('header must be in the form "name: value"');
    expect(error({ meta: ['bad'] })).toBe('meta must be in the form "name=value"');
    // The content is checked before the headers, as pushpin-publish does.
    expect(error({ content: undefined, headers: ['bad'] })).toBe('must specify content');
  });

  it('round-trips through both wire encodings to the same item', () => {
    const built = buildPublishItem({ ...base, id: 'a', headers: ['X: 1'], meta: ['m=1'] });
    if (!built.ok) throw built.error;
    const fromJson = decodePublishItem(JSON.parse(JSON.stringify(encodePublishItemJson(built.value))), 'json');
    expect(fromJson.ok && fromJson.value).toEqual(built.value);
    const tnet = decodeTnetstring(encodePublishItemTnet(built.value));
    const fromTnet = tnet.ok ? decodePublishItem(tnet.value, 'tnetstring') : tnet;
    expect(fromTnet.ok && fromTnet.value).toEqual(built.value);
  });
});

describe('parseCode', () => {
  it('accepts an unsigned 16-bit integer and reports Rust-like errors', () => {
    expect(parseCode('201')).toEqual({ ok: true, value: 201 });
    expect(parseCode('1000')).toEqual({ ok: true, value: 1000 }); // range checked when sending content
    const msg = (s: string): string => {
      const r = parseCode(s);
      return r.ok ? '' : r.error.message;
    };
    expect(msg('abc')).toBe('failed to parse code: invalid digit found in string');
    expect(msg('-1')).toBe('failed to parse code: invalid digit found in string');
    expect(msg('70000')).toBe('failed to parse code: number too large to fit in target type');
    expect(msg('')).toBe('failed to parse code: cannot parse integer from empty string');
  });
});

describe('parseHttpSpec', () => {
  it('keeps the path as written and defaults the port by scheme', () => {
    expect(parseHttpSpec('http://127.0.0.1:5561')).toEqual({
      ok: true,
      value: { scheme: 'http', host: '127.0.0.1:5561', hostname: '127.0.0.1', port: 5561, path: '' },
    });
    const p = parseHttpSpec('https://api.example.com/prefix/');
    expect(p.ok && p.value).toMatchObject({ host: 'api.example.com', port: 443, path: '/prefix/' });
    const v6 = parseHttpSpec('http://[::1]:8080/x');
    expect(v6.ok && v6.value).toMatchObject({ hostname: '::1', port: 8080, path: '/x' });
  });

  it('rejects what is not an http(s) URL with a host', () => {
    for (const bad of ['http:/x', 'http://', 'http://h:99999', 'http://h:abc/']) {
      const r = parseHttpSpec(bad);
      expect(!r.ok && r.error.message).toBe('invalid URL');
    }
  });
});

describe('resolveContent', () => {
  it('uses text as given, reads @file as bytes, and reports unreadable files', async () => {
    expect(await resolveContent('hi')).toEqual({ ok: true, value: { kind: 'text', text: 'hi' } });
    const file = await resolveContent(`@${__filename}`);
    expect(file.ok && file.value?.kind).toBe('bytes');
    const missing = await resolveContent('@/nonexistent/file');
    expect(!missing.ok && missing.error.message).toMatch(/^can't read file \/nonexistent\/file: /);
  });

  it('reads standard input when the argument is absent: one trailing newline removed; empty is an error', async () => {
    const stdin = (s: string | Buffer) => () => Promise.resolve(Buffer.from(s));
    expect(await resolveContent(undefined, stdin('line1\nline2\n'))).toEqual({ ok: true, value: { kind: 'text', text: 'line1\nline2' } });
    expect(await resolveContent(undefined, stdin('crlf\r\n'))).toEqual({ ok: true, value: { kind: 'text', text: 'crlf' } });
    const bin = await resolveContent(undefined, stdin(Buffer.from([0xff, 0x00])));
    expect(bin.ok && bin.value).toEqual({ kind: 'bytes', bytes: Buffer.from([0xff, 0x00]) });
    const empty = await resolveContent(undefined, stdin(''));
    expect(!empty.ok && empty.error.message).toBe('must specify content (standard input was empty)');
    expect(await resolveContent(undefined)).toEqual({ ok: true, value: undefined });
  });
});
