import { decodeTnetstring, encodeTnetstring } from '../../../src/core/tnetstring';
import type { TnetEncodable } from '../../../src/core/tnetstring';
import { decodePublishItem } from '../../../src/publish/item-decoder';
import type { PublishItem } from '../../../src/publish/item-types';

/** Decodes a JSON item (as JSON.parse would produce it). */
function json(v: unknown, channel?: string): PublishItem {
  const r = decodePublishItem(JSON.parse(JSON.stringify(v)), 'json', channel === undefined ? undefined : { channel });
  if (!r.ok) throw new Error(`unexpected failure: ${r.error.message}`);
  return r.value;
}

/** Decodes the same item after a trip through tnetstring bytes, as the PULL intake would see it. */
function tnet(v: TnetEncodable, channel?: string): PublishItem {
  const decoded = decodeTnetstring(encodeTnetstring(v));
  if (!decoded.ok) throw new Error(decoded.error.message);
  const r = decodePublishItem(decoded.value, 'tnetstring', channel === undefined ? undefined : { channel });
  if (!r.ok) throw new Error(`unexpected failure: ${r.error.message}`);
  return r.value;
}

function jsonErr(v: unknown): { code: string; message: string } {
  const r = decodePublishItem(JSON.parse(JSON.stringify(v)), 'json');
  if (r.ok) throw new Error('expected a failure');
  return { code: r.error.code, message: r.error.message };
}

function tnetErr(v: TnetEncodable): { code: string; message: string } {
  const decoded = decodeTnetstring(encodeTnetstring(v));
  if (!decoded.ok) throw new Error(decoded.error.message);
  const r = decodePublishItem(decoded.value, 'tnetstring');
  if (r.ok) throw new Error('expected a failure');
  return { code: r.error.code, message: r.error.message };
}

const stream = { 'http-stream': { content: 'x' } };

describe('decodePublishItem: the full item of §1', () => {
  const full = {
    channel: 'fruit',
    id: '4',
    'prev-id': '3',
    formats: {
      'http-response': { code: 200, headers: { 'Content-Type': 'text/plain' }, body: 'apple\n' },
      'http-stream': { content: 'apple\n' },
      'ws-message': { content: 'apple' },
    },
    meta: { sender: 'alice' },
    'no-seq': false,
  };

  it('decodes every field', () => {
    expect(json(full)).toEqual({
      channel: 'fruit',
      id: '4',
      prevId: '3',
      meta: { sender: 'alice' },
      noSeq: false,
      formats: {
        'http-response': {
          action: 'send',
          code: 200,
          headers: [['Content-Type', 'text/plain']],
          body: Buffer.from('apple\n'),
        },
        'http-stream': { action: 'send', content: Buffer.from('apple\n') },
        'ws-message': { action: 'send', type: 'text', content: Buffer.from('apple') },
      },
    });
  });

  it('gives the same item from JSON and from tnetstring', () => {
    expect(tnet(full)).toEqual(json(full));
    const more = {
      channel: 'c',
      size: 10,
      'no-seq': true,
      formats: {
        'http-response': { code: 404, reason: 'Nope', headers: [['A', '1'], ['A', '2']], body: '' },
        'ws-message': { type: 'binary', content: 'b', 'content-filters': ['build-id'] },
        'http-stream': { action: 'close' },
      },
    };
    expect(tnet(more)).toEqual(json(more));
    const patch = { channel: 'c', formats: { 'http-response': { 'body-patch': [{ op: 'add', path: '/a', value: { s: 'x', n: [1, null] } }] } } };
    expect(tnet(patch)).toEqual(json(patch));
  });

  it('decodes the example tnetstring bytes of §3', () => {
    const bytes = Buffer.from('74:7:channel,2:s1,7:formats,45:11:http-stream,26:7:content,12:pull T tnet\n,}}}');
    const v = decodeTnetstring(bytes);
    expect(v.ok).toBe(true);
    const r = decodePublishItem(v.ok ? v.value : null, 'tnetstring');
    expect(r.ok && r.value).toEqual({
      channel: 's1',
      meta: {},
      noSeq: false,
      formats: { 'http-stream': { action: 'send', content: Buffer.from('pull T tnet\n') } },
    });
  });
});

describe('decodePublishItem: item-level rules', () => {
  it('accepts the legacy flat form', () => {
    expect(json({ channel: 'a', 'http-stream': { content: 'x' } }).formats).toEqual({
      'http-stream': { action: 'send', content: Buffer.from('x') },
    });
  });

  it('lets the SUB topic supply or override the channel', () => {
    expect(json({ formats: stream }, 'topic').channel).toBe('topic');
    expect(json({ channel: 'other', formats: stream }, 'topic').channel).toBe('topic');
    expect(tnet({ channel: 'other', formats: stream }, 'topic').channel).toBe('topic');
    // an empty topic falls back to the field, as in Pushpin
    expect(json({ channel: 'field', formats: stream }, '').channel).toBe('field');
  });

  it('ignores unknown fields and unknown format names next to known ones', () => {
    const item = json({ channel: 'a', bogus: 1, formats: { ...stream, 'x-format': {} } });
    expect(Object.keys(item.formats)).toEqual(['http-stream']);
  });

  it('reads size (integer-like) and no-seq', () => {
    expect(json({ channel: 'a', formats: stream, size: 5 }).size).toBe(5);
    expect(json({ channel: 'a', formats: stream, size: '7' }).size).toBe(7);
    expect(json({ channel: 'a', formats: stream, 'no-seq': true }).noSeq).toBe(true);
    expect(tnet({ channel: 'a', formats: stream, 'no-seq': true }).noSeq).toBe(true);
  });

  it('keeps a "__proto__" meta key as data', () => {
    const item = json(JSON.parse('{"channel":"a","formats":{"http-stream":{"content":"x"}},"meta":{"__proto__":"v"}}'));
    expect(Object.keys(item.meta)).toEqual(['__proto__']);
    expect(item.meta['__proto__']).toBe('v');
  });
});

describe('decodePublishItem: item error texts', () => {
  const cases: Array<[string, unknown, string]> = [
    ['not an object', 5, 'publish item object is not an object'],
    ['an array', [], 'publish item object is not an object'],
    ['null', null, 'publish item object is not an object'],
    ['no channel', { formats: stream }, "publish item object does not contain 'channel'"],
    ['channel wrong type', { channel: 5, formats: stream }, "publish item object contains 'channel' with wrong type"],
    ['channel null', { channel: null, formats: stream }, "publish item object contains 'channel' with wrong type"],
    ['id wrong type', { channel: 'a', id: 5, formats: stream }, "publish item object contains 'id' with wrong type"],
    ['prev-id wrong type', { channel: 'a', 'prev-id': 5, formats: stream }, "publish item object contains 'prev-id' with wrong type"],
    ['formats wrong type', { channel: 'a', formats: 5 }, "publish item object contains 'formats' with wrong type"],
    ['formats null', { channel: 'a', formats: null }, "publish item object contains 'formats' with wrong type"],
    ['formats empty', { channel: 'a', formats: {} }, 'no formats specified'],
    ['only unknown formats', { channel: 'a', formats: { foo: {} } }, 'no formats specified'],
    ['no formats at all', { channel: 'a' }, 'no formats specified'],
    ['meta wrong type', { channel: 'a', formats: stream, meta: 5 }, "publish item object contains 'meta' with wrong type"],
    ['meta value wrong type', { channel: 'a', formats: stream, meta: { k: 1 } }, "'meta' contains 'k' with wrong type"],
    ['size wrong type', { channel: 'a', formats: stream, size: true }, "publish item object contains 'size' with wrong type"],
    ['size negative', { channel: 'a', formats: stream, size: -1 }, "publish item object contains 'size' with invalid value"],
    ['size not numeric', { channel: 'a', formats: stream, size: 'x' }, "publish item object contains 'size' with invalid value"],
    ['no-seq wrong type', { channel: 'a', formats: stream, 'no-seq': 1 }, "publish item object contains 'no-seq' with wrong type"],
    ['no-seq string', { channel: 'a', formats: stream, 'no-seq': 'true' }, "publish item object contains 'no-seq' with wrong type"],
  ];

  it.each(cases)('%s', (_name, item, message) => {
    expect(jsonErr(item)).toEqual({ code: 'PUBLISH_INVALID_ITEM', message });
  });

  it('reports the same errors for tnetstring items', () => {
    expect(tnetErr({ formats: stream }).message).toBe("publish item object does not contain 'channel'");
    expect(tnetErr({ channel: 'a', formats: stream, meta: { k: 1 } }).message).toBe("'meta' contains 'k' with wrong type");
    expect(tnetErr({ channel: 'a', formats: stream, 'no-seq': 'true' }).message).toBe(
      "publish item object contains 'no-seq' with wrong type",
    );
    expect(tnetErr({ channel: 'a', formats: [] }).message).toBe("publish item object contains 'formats' with wrong type");
  });
});

describe('decodePublishItem: control characters in channels and ids', () => {
  it.each(['a\nb', 'a\rb', 'a\u0000b', 'a\u007fb', '\u001b[31m'])('rejects channel %j', (channel) => {
    const e = jsonErr({ channel, formats: stream });
    expect(e.code).toBe('PUBLISH_INVALID_ITEM');
    expect(e.message).toBe(`publish item object contains 'channel' ${JSON.stringify(channel)} with a control character`);
  });

  it('rejects a control character in a SUB topic channel', () => {
    const r = decodePublishItem({ formats: stream }, 'json', { channel: 'a\r\nX-Evil: 1' });
    expect(!r.ok && r.error.message).toBe(
      'publish item object contains \'channel\' "a\\r\\nX-Evil: 1" with a control character',
    );
  });

  it('rejects control characters in id and prev-id', () => {
    expect(jsonErr({ channel: 'a', id: 'x\ny', formats: stream }).message).toBe(
      "publish item object contains 'id' \"x\\ny\" with a control character",
    );
    expect(jsonErr({ channel: 'a', 'prev-id': '\u0000', formats: stream }).message).toBe(
      "publish item object contains 'prev-id' \"\\u0000\" with a control character",
    );
  });

  it('accepts non-ASCII channels', () => {
    expect(json({ channel: 'fruits/pomme-é', formats: stream }).channel).toBe('fruits/pomme-é');
    expect(tnet({ channel: 'fruits/pomme-é', formats: stream }).channel).toBe('fruits/pomme-é');
  });
});
