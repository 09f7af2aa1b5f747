import { decodeInstruction, isGripResponse, PrevIdWithoutLinkError, prevIdWithoutLinkMessage } from '../../../src/grip/instruction';
import type { BackendResponse, Instruction } from '../../../src/grip/types';

const URI = 'http://example.com:7999/stream/path?x=1';

function res(headers: Array<[string, string]>, body = '', code = 200, reason = 'OK'): BackendResponse {
  return { code, reason, headers, body: Buffer.from(body) };
}

function decode(headers: Array<[string, string]>, body = '', code = 200, reason = 'OK'): Instruction {
  const r = decodeInstruction(res(headers, body, code, reason), URI);
  if (!r.ok) throw new Error(`unexpected error: ${r.error.message}`);
  return r.value;
}

function decodeError(headers: Array<[string, string]>): { code: string; message: string } {
  const r = decodeInstruction(res(headers), URI);
  if (r.ok) throw new Error('expected an error');
  return { code: r.error.code, message: r.error.message };
}

describe('isGripResponse', () => {
  it.each<[Array<[string, string]>, boolean]>([
    [[['Grip-Hold', 'stream']], true],
    [[['grip-foo', 'x']], true],
    [[['GRIP-CHANNEL', 'x']], true],
    [[['Content-Type', 'application/grip-instruct']], true],
    [[['Content-Type', 'application/grip-instruct; charset=utf-8']], true],
    [[['content-type', ' application/grip-instruct ']], true],
    [[['Content-Type', 'Application/Grip-Instruct']], false],
    [[['Content-Type', 'application/grip-instructions']], false],
    [[['Content-Type', 'text/plain'], ['Content-Type', 'application/grip-instruct']], false],
    [[['X-Grip-Hold', 'stream']], false],
    [[['Grip', 'x']], false],
    [[], false],
  ])('%j -> %s', (headers, expected) => {
    expect(isGripResponse(headers)).toBe(expected);
  });
});

describe('the client response', () => {
  it('matches the spec example: Grip-Status, Grip-* and Content-Length removed', () => {
    const i = decode(
      [
        ['Content-Type', 'text/plain'],
        ['Grip-Status', '404 Nope'],
        ['Date', 'Sat, 21 Nov 2026 21:20:43 GMT'],
        ['Content-Length', '12'],
      ],
      'status test\n',
    );
    expect(i).toEqual({
      channels: [],
      timeoutSec: 55,
      meta: {},
      response: {
        code: 404,
        reason: 'Nope',
        headers: [
          ['Content-Type', 'text/plain'],
          ['Date', 'Sat, 21 Nov 2026 21:20:43 GMT'],
        ],
        body: Buffer.from('status test\n'),
      },
    });
    expect(i.hold).toBeUndefined();
    expect(i.keepAlive).toBeUndefined();
    expect(i.nextLink).toBeUndefined();
  });

  it('drops unknown Grip-* headers and connection-level headers, keeps repeats and order', () => {
    const i = decode([
      ['Grip-Foo', 'x'],
      ['Set-Cookie', 'a=1'],
      ['Connection', 'keep-alive'],
      ['Keep-Alive', 'timeout=5'],
      ['Transfer-Encoding', 'chunked'],
      ['content-length', '3'],
      ['Set-Cookie', 'b=2'],
      ['Content-Encoding', 'gzip'],
      ['grip-session-id', 's'],
    ]);
    expect(i.response.headers).toEqual([
      ['Set-Cookie', 'a=1'],
      ['Set-Cookie', 'b=2'],
      ['Content-Encoding', 'gzip'],
    ]);
  });

  it('keeps only the headers listed in Grip-Expose-Headers (case-insensitive, all lines)', () => {
    const i = decode([
      ['X-A', '1'],
      ['X-B', '2'],
      ['X-C', '3'],
      ['Content-Type', 'text/plain'],
      ['Content-Length', '0'],
      ['Grip-Expose-Headers', 'x-a, Content-Length'],
      ['Grip-Expose-Headers', 'X-C'],
    ]);
    expect(i.response.headers).toEqual([
      ['X-A', '1'],
      ['X-C', '3'],
    ]);
  });

  it('ignores an empty Grip-Expose-Headers', () => {
    const i = decode([
      ['X-A', '1'],
      ['Grip-Expose-Headers', ''],
    ]);
    expect(i.response.headers).toEqual([['X-A', '1']]);
  });

  it.each<[string | undefined, string, number, string]>([
    [undefined, 'OK', 200, 'OK'],
    [undefined, 'Fine Thanks', 200, 'Fine Thanks'],
    [undefined, '', 200, 'OK'],
    ['201', 'OK', 201, 'Created'],
    ['404', 'OK', 404, 'Not Found'],
    ['404 Nothing To See Here', 'OK', 404, 'Nothing To See Here'],
    ['200 ', 'Whatever', 200, 'OK'],
    ['0', 'OK', 0, 'Unknown'],
    ['999 Max', 'OK', 999, 'Max'],
    ['', 'OK', 200, 'OK'],
  ])('Grip-Status %j with backend reason %j -> %d %s', (status, backendReason, code, reason) => {
    const headers: Array<[string, string]> = [['Grip-Channel', 'x']];
    if (status !== undefined) headers.push(['Grip-Status', status]);
    const i = decode(headers, '', 200, backendReason);
    expect(i.response.code).toBe(code);
    expect(i.response.reason).toBe(reason);
  });

  it('uses only the first Grip-Status line', () => {
    const i = decode([
      ['Grip-Status', '201'],
      ['Grip-Status', '404'],
    ]);
    expect(i.response.code).toBe(201);
  });
});

describe('Grip-Hold and Grip-Timeout', () => {
  it('reads the hold mode from the first line only', () => {
    expect(decode([['Grip-Hold', 'response']]).hold).toBe('response');
    expect(decode([['grip-hold', 'stream'], ['Grip-Hold', 'bogus']]).hold).toBe('stream');
  });

  it.each<[string | undefined, number]>([
    [undefined, 55],
    ['120', 120],
    ['6', 6],
    ['5', 5],
    ['4', 5],
    ['1', 5],
    ['0', 5],
  ])('Grip-Timeout %j -> %d s', (value, sec) => {
    const headers: Array<[string, string]> = [['Grip-Hold', 'response']];
    if (value !== undefined) headers.push(['Grip-Timeout', value]);
    expect(decode(headers).timeoutSec).toBe(sec);
  });
});

describe('Grip-Channel', () => {
  it('reads several channels over several lines with prev-id and repeated filters', () => {
    const i = decode([
      ['Grip-Hold', 'response'],
      ['Grip-Channel', 'apple; prev-id=item1; filter=f1'],
      ['Grip-Channel', 'banana; filter=f2, cherry; filter=f1; FILTER=f2'],
    ]);
    expect(i.channels).toEqual([
      { name: 'apple', prevId: 'item1', filters: ['f1'] },
      { name: 'banana', filters: ['f2'] },
      { name: 'cherry', filters: ['f1', 'f2'] },
    ]);
  });

  it('keeps empty names, quotes prev-ids, skips unterminated quotes, decodes UTF-8', () => {
    const utf8 = Buffer.from('frü', 'utf8').toString('latin1');
    const i = decode([['Grip-Channel', `a, , b; prev-id="x, y", c; prev-id="open, ${utf8}`]]);
    expect(i.channels).toEqual([
      { name: 'a', filters: [] },
      { name: '', filters: [] },
      { name: 'b', prevId: 'x, y', filters: [] },
    ]);
    expect(decode([['Grip-Channel', utf8]]).channels).toEqual([{ name: 'frü', filters: [] }]);
  });

  it('takes an open quote in the first part literally (Pushpin 1.36, checked side by side)', () => {
    expect(decodeInstruction(res([['Grip-Hold', 'stream'], ['Grip-Channel', '"ab, c; prev-id=1']]), URI)).toMatchObject({
      ok: false,
      error: { message: "channel '\"ab, c' specifies prev-id, but no next link found" },
    });
  });

  it('treats a bare prev-id flag as no prev-id and an empty one as empty', () => {
    expect(decode([['Grip-Channel', 'a; prev-id']]).channels[0]?.prevId).toBeUndefined();
    expect(decode([['Grip-Channel', 'a; prev-id=']]).channels[0]?.prevId).toBe('');
  });
});

describe('Grip-Set-Meta', () => {
  it('reads quoted and bare values, flags as empty strings, later keys overwrite', () => {
    const i = decode([
      ['Grip-Set-Meta', 'user="alice", name=Bob'],
      ['Grip-Set-Meta', 'flag, name="Robert, Jr."; ignored=1, User=Case'],
    ]);
    expect(i.meta).toEqual({ user: 'alice', name: 'Robert, Jr.', flag: '', User: 'Case' });
  });

  it('stores a __proto__ key as data', () => {
    const i = decode([['Grip-Set-Meta', '__proto__=x']]);
    expect(Object.keys(i.meta)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(i.meta)).toBe(Object.prototype);
  });
});

describe('Grip-Link', () => {
  it('resolves relative links against the request URI, default timeout 120', () => {
    expect(decode([['Grip-Link', '</next2>; rel=next']]).nextLink).toEqual({
      uri: 'http://example.com:7999/next2',
      timeoutSec: 120,
    });
    expect(decode([['Grip-Link', '<?after=3>; rel=next; timeout=10']]).nextLink).toEqual({
      uri: 'http://example.com:7999/stream/path?after=3',
      timeoutSec: 10,
    });
    expect(decode([['Grip-Link', '<other/x>; rel=next; timeout=0']]).nextLink).toEqual({
      uri: 'http://example.com:7999/stream/other/x',
      timeoutSec: 0,
    });
  });

  it('keeps absolute links, lets the last rel=next win, ignores other rels and bare links', () => {
    const i = decode([
      ['Grip-Link', '<http://a.example/1>; rel=next, </prev>; rel=prev'],
      ['Grip-Link', '<https://b.example:8443/2?q>; REL=next, </gone>; rel=gone, </bare>'],
      ['Grip-Link', '</upper>; rel=Next'],
    ]);
    expect(i.nextLink).toEqual({ uri: 'https://b.example:8443/2?q', timeoutSec: 120 });
  });

  it('ignores a link with no parameters even when malformed', () => {
    expect(decode([['Grip-Link', 'not-a-link']]).nextLink).toBeUndefined();
  });
});

describe('header errors', () => {
  it.each<[Array<[string, string]>, string]>([
    [[['Grip-Hold', 'Stream']], "Grip-Hold must be set to either 'response' or 'stream'"],
    [[['Grip-Hold', '']], "Grip-Hold must be set to either 'response' or 'stream'"],
    [[['Grip-Hold', 'response, stream']], "Grip-Hold must be set to either 'response' or 'stream'"],
    [[['Grip-Timeout', 'abc']], 'failed to parse Grip-Timeout'],
    [[['Grip-Timeout', '1.5']], 'failed to parse Grip-Timeout'],
    [[['Grip-Timeout', '']], 'failed to parse Grip-Timeout'],
    [[['Grip-Timeout', '10, 20']], 'failed to parse Grip-Timeout'],
    [[['Grip-Timeout', '-1']], 'Grip-Timeout has invalid value'],
    [[['Grip-Keep-Alive', '; timeout=1']], 'Grip-Keep-Alive cannot be empty'],
    [[['Grip-Keep-Alive', 'x\\; format=cstring']], 'failed to parse Grip-Keep-Alive cstring format'],
    [[['Grip-Set-Meta', 'a=1, , b=2']], 'Grip-Set-Meta cannot be empty'],
    [[['Grip-Status', 'abc']], 'Grip-Status contains invalid status code'],
    [[['Grip-Status', '1000']], 'Grip-Status contains invalid status code'],
    [[['Grip-Status', '-1 Neg']], 'Grip-Status contains invalid status code'],
    [[['Grip-Link', '/next; rel=next']], 'failed to parse Grip-Link value'],
    [[['Grip-Link', '<>; rel=next']], 'failed to parse Grip-Link value'],
    [[['Grip-Link', '</x; rel=next']], 'failed to parse Grip-Link value'],
    [[['Grip-Link', '</x>; rel=prev, nope; rel=prev']], 'failed to parse Grip-Link value'],
    [[['Grip-Link', '<http://[bad/>; rel=next']], 'Grip-Link contains invalid link'],
    [[['Grip-Link', '<http://h:99999/>; rel=next']], 'Grip-Link contains invalid link'],
    [[['Grip-Link', '</x>; rel=next; timeout=soon']], 'failed to parse Grip-Link timeout value'],
    [[['Grip-Link', '</x>; rel=next; timeout']], 'failed to parse Grip-Link timeout value'],
    [[['Grip-Link', '</x>; rel=next; timeout=-5']], 'Grip-Link timeout has invalid value'],
  ])('%j -> %s', (headers, message) => {
    expect(decodeError(headers)).toEqual({ code: 'GRIP_INVALID', message });
  });

  it('reports the first error in Pushpin order (hold, timeout, keep-alive, meta, status, link)', () => {
    const all: Array<[string, string]> = [
      ['Grip-Link', 'bad; rel=next'],
      ['Grip-Status', 'x'],
      ['Grip-Set-Meta', ','],
      ['Grip-Keep-Alive', '; a'],
      ['Grip-Timeout', 'x'],
      ['Grip-Hold', 'x'],
    ];
    const expected = [
      "Grip-Hold must be set to either 'response' or 'stream'",
      'failed to parse Grip-Timeout',
      'Grip-Keep-Alive cannot be empty',
      'Grip-Set-Meta cannot be empty',
      'Grip-Status contains invalid status code',
      'failed to parse Grip-Link value',
    ];
    for (const message of expected) {
      expect(decodeError(all).message).toBe(message);
      all.pop();
    }
    expect(decodeInstruction(res(all), URI).ok).toBe(true);
  });
});

describe('prev-id on stream holds', () => {
  it('fails a stream hold with prev-id and no next link, keeping the instruction', () => {
    const r = decodeInstruction(
      res(
        [
          ['Grip-Hold', 'stream'],
          ['Grip-Channel', 'a, fruit; prev-id=3, veg; prev-id=4'],
        ],
        'start\n',
      ),
      URI,
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('GRIP_PREV_ID_NO_LINK');
    expect(r.error.message).toBe("channel 'fruit' specifies prev-id, but no next link found");
    expect(r.error).toBeInstanceOf(PrevIdWithoutLinkError);
    const instr = (r.error as PrevIdWithoutLinkError).instruction;
    expect(instr.hold).toBe('stream');
    expect(instr.response.body).toEqual(Buffer.from('start\n'));
    expect(prevIdWithoutLinkMessage(instr)).toBe(r.error.message);
  });

  it('accepts prev-id with a next link, on response holds and without a hold', () => {
    const link: [string, string] = ['Grip-Link', '</fruit/?after=3>; rel=next; timeout=120'];
    expect(decode([['Grip-Hold', 'stream'], ['Grip-Channel', 'fruit; prev-id=3'], link]).channels[0]?.prevId).toBe('3');
    expect(decode([['Grip-Hold', 'response'], ['Grip-Channel', 'fruit; prev-id=3']]).hold).toBe('response');
    expect(decode([['Grip-Channel', 'fruit; prev-id=3']]).hold).toBeUndefined();
    expect(prevIdWithoutLinkMessage({ hold: 'stream', channels: [{ name: 'a', filters: [] }] })).toBeUndefined();
  });
});
