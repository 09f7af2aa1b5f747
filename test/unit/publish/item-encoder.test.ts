import { decodeTnetstring } from '../../../src/core/tnetstring';
import { decodePublishItem } from '../../../src/publish/item-decoder';
import { encodePublishItemJson, encodePublishItemTnet } from '../../../src/publish/item-encoder';
import type { PublishItem } from '../../../src/publish/item-types';
import { decodePullMessage } from '../../../src/publish/zmq-message';

function viaJson(item: PublishItem): PublishItem {
  const wire = JSON.parse(JSON.stringify(encodePublishItemJson(item))) as unknown;
  const r = decodePublishItem(wire, 'json');
  if (!r.ok) throw new Error(`unexpected failure: ${r.error.message}`);
  return r.value;
}

function viaTnet(item: PublishItem): PublishItem {
  const r = decodePullMessage(encodePublishItemTnet(item));
  if (!r.ok) throw new Error(`unexpected failure: ${r.error.message}`);
  return r.value;
}

const binary = Buffer.from([0x00, 0xff, 0xfe, 0x80]);

const items: Array<[string, PublishItem]> = [
  [
    'all three formats',
    {
      channel: 'fruit',
      id: '4',
      prevId: '3',
      meta: { sender: 'alice' },
      noSeq: false,
      formats: {
        'http-response': { action: 'send', code: 201, headers: [['X-A', '1'], ['X-A', '2']], body: Buffer.from('apple\n') },
        'http-stream': { action: 'send', content: Buffer.from('apple\n') },
        'ws-message': { action: 'send', type: 'text', content: Buffer.from('apple') },
      },
    },
  ],
  [
    'binary payloads',
    {
      channel: 'bin',
      meta: {},
      noSeq: true,
      size: 4,
      formats: {
        'http-response': { action: 'send', code: 200, reason: 'Okay', headers: [], body: binary },
        'http-stream': { action: 'send', content: binary, contentFilters: ['build-id'] },
        'ws-message': { action: 'send', type: 'binary', content: binary },
      },
    },
  ],
  [
    'types that differ from the default',
    {
      channel: 'c',
      meta: {},
      noSeq: false,
      formats: {
        'http-stream': { action: 'send', content: Buffer.alloc(0) },
        'ws-message': { action: 'send', type: 'text', content: binary },
      },
    },
  ],
  ['ws binary with UTF-8 bytes', { channel: 'c', meta: {}, noSeq: false, formats: { 'ws-message': { action: 'send', type: 'binary', content: Buffer.from('hi') } } }],
  ['ws ping', { channel: 'c', meta: {}, noSeq: false, formats: { 'ws-message': { action: 'send', type: 'ping' } } }],
  ['ws close', { channel: 'c', meta: {}, noSeq: false, formats: { 'ws-message': { action: 'close', type: 'text', code: 4001, reason: 'bye now' } } }],
  [
    'hint and close actions',
    {
      channel: 'c',
      meta: {},
      noSeq: false,
      formats: {
        'http-response': { action: 'hint', code: 200, headers: [] },
        'http-stream': { action: 'close' },
        'ws-message': { action: 'hint', type: 'text' },
      },
    },
  ],
  [
    'body-patch',
    {
      channel: 'c',
      meta: {},
      noSeq: false,
      formats: {
        'http-response': {
          action: 'send',
          code: 200,
          headers: [],
          bodyPatch: [{ op: 'replace', path: '/a', value: 2.5 }, { op: 'add', path: '/b/-', value: { s: 'x', n: null, t: true } }],
        },
      },
    },
  ],
];

describe('round trips decode(encode(item)) == item', () => {
  it.each(items)('JSON: %s', (_name, item) => {
    expect(viaJson(item)).toEqual(item);
  });

  it.each(items)('tnetstring: %s', (_name, item) => {
    expect(viaTnet(item)).toEqual(item);
  });
});

describe('encodePublishItemJson', () => {
  it('writes what pushpin-publish sends', () => {
    const item: PublishItem = {
      channel: 'test',
      id: 'i1',
      prevId: 'i0',
      meta: { k: 'v', sender: 'bob' },
      noSeq: false,
      formats: {
        'http-response': { action: 'send', code: 201, headers: [['X-A', '1']], body: Buffer.from('hello there\n') },
        'http-stream': { action: 'send', content: Buffer.from('hello there\n') },
        'ws-message': { action: 'send', type: 'text', content: Buffer.from('hello there') },
      },
    };
    expect(JSON.stringify(encodePublishItemJson(item))).toBe(
      '{"channel":"test","id":"i1","prev-id":"i0","formats":{"http-response":{"code":201,"headers":[["X-A","1"]],"body":"hello there\\n"},' +
        '"http-stream":{"content":"hello there\\n"},"ws-message":{"content":"hello there"}},"meta":{"k":"v","sender":"bob"}}',
    );
  });

  it('uses -bin fields for bytes that are not UTF-8', () => {
    const wire = encodePublishItemJson({
      channel: 'c',
      meta: {},
      noSeq: true,
      formats: {
        'http-response': { action: 'send', code: 200, headers: [], body: binary },
        'ws-message': { action: 'send', type: 'binary', content: binary },
      },
    }) as Record<string, any>; // any: test navigation of a known shape
    expect(wire.formats['http-response']).toEqual({ code: 200, 'body-bin': binary.toString('base64') });
    expect(wire.formats['ws-message']).toEqual({ 'content-bin': binary.toString('base64') });
    expect(wire['no-seq']).toBe(true);
  });
});

describe('encodePublishItemTnet', () => {
  it('writes the §3 example bytes', () => {
    const bytes = encodePublishItemTnet({
      channel: 's1',
      meta: {},
      noSeq: false,
      formats: { 'http-stream': { action: 'send', content: Buffer.from('pull T tnet\n') } },
    });
    expect(bytes.toString('latin1')).toBe('74:7:channel,2:s1,7:formats,45:11:http-stream,26:7:content,12:pull T tnet\n,}}}');
  });

  it('puts bytes directly, not base64', () => {
    const bytes = encodePublishItemTnet({
      channel: 'c',
      meta: {},
      noSeq: false,
      formats: { 'http-stream': { action: 'send', content: binary } },
    });
    const v = decodeTnetstring(bytes);
    expect(v.ok && (v.value as Record<string, any>).formats['http-stream'].content).toEqual(binary); // any: shape known
  });
});
