import { decodeInstruction } from '../../../src/grip/instruction';
import type { BackendResponse, Instruction } from '../../../src/grip/types';

const URI = 'http://example.com/path/req';
const CT: [string, string] = ['Content-Type', 'application/grip-instruct'];

function jsonRes(body: unknown, extra: Array<[string, string]> = [], code = 200, reason = 'OK'): BackendResponse {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return { code, reason, headers: [CT, ...extra], body: Buffer.from(text) };
}

function decodeJson(body: unknown, extra: Array<[string, string]> = [], code = 200, reason = 'OK'): Instruction {
  const r = decodeInstruction(jsonRes(body, extra, code, reason), URI);
  if (!r.ok) throw new Error(`unexpected error: ${r.error.message}`);
  return r.value;
}

function decodeHeaders(headers: Array<[string, string]>, body = '', code = 200, reason = 'OK'): Instruction {
  const r = decodeInstruction({ code, reason, headers, body: Buffer.from(body) }, URI);
  if (!r.ok) throw new Error(`unexpected error: ${r.error.message}`);
  return r.value;
}

describe('application/grip-instruct', () => {
  it('decodes the spec example', () => {
    const i = decodeJson({
      hold: {
        mode: 'response',
        channels: [{ name: 'i1', 'prev-id': '7', filters: ['skip-self'] }],
        timeout: 5,
        'keep-alive': { content: 'kk\n', timeout: 2 },
        meta: { user: 'alice' },
      },
      response: {
        code: 202,
        reason: 'Accepted',
        headers: { 'Content-Type': 'text/plain', 'X-Inner': 'inner' },
        body: 'instruct timeout\n',
      },
    });
    expect(i).toEqual({
      hold: 'response',
      channels: [{ name: 'i1', prevId: '7', filters: ['skip-self'] }],
      timeoutSec: 5,
      keepAlive: { data: Buffer.from('kk\n'), timeoutSec: 2, mode: 'interval' },
      meta: { user: 'alice' },
      response: {
        code: 202,
        reason: 'Accepted',
        headers: [
          ['Content-Type', 'text/plain'],
          ['X-Inner', 'inner'],
        ],
        body: Buffer.from('instruct timeout\n'),
      },
    });
  });

  it('discards outer headers and body; without response: 200, outer reason, nothing else', () => {
    const i = decodeJson({ hold: { channels: [{ name: 'c' }] } }, [['X-Outer', '1'], ['Date', 'today']]);
    expect(i.hold).toBe('response');
    expect(i.response).toEqual({ code: 200, reason: 'OK', headers: [], body: Buffer.alloc(0) });
    expect(decodeJson({}, [], 200, 'Fine').response.reason).toBe('Fine');
    expect(decodeJson({}).hold).toBeUndefined();
  });

  it('lets Grip-Status apply without a response member, and a JSON code override it', () => {
    expect(decodeJson({}, [['Grip-Status', '404']]).response).toMatchObject({ code: 404, reason: 'Not Found' });
    expect(decodeJson({ response: { code: 201 } }, [['Grip-Status', '404 Nope']]).response).toMatchObject({
      code: 201,
      reason: 'Created',
    });
    expect(decodeJson({ response: { reason: 'Mine' } }, [['Grip-Status', '404 Nope']]).response).toMatchObject({
      code: 404,
      reason: 'Mine',
    });
    expect(decodeJson({ response: { reason: '' } }, [['Grip-Status', '404 Nope']]).response.reason).toBe('Nope');
  });

  it('combines with outer Grip-* headers: channels from both, JSON hold mode wins, header link kept', () => {
    const i = decodeJson({ hold: { mode: 'stream', channels: [{ name: 'json' }] } }, [
      ['Grip-Hold', 'response'],
      ['Grip-Channel', 'hdr; prev-id=1'],
      ['Grip-Link', '</more>; rel=next'],
      ['Grip-Set-Meta', 'a=1, b=2'],
      ['Grip-Timeout', '30'],
    ]);
    expect(i.hold).toBe('stream');
    expect(i.channels).toEqual([
      { name: 'hdr', prevId: '1', filters: [] },
      { name: 'json', filters: [] },
    ]);
    expect(i.nextLink).toEqual({ uri: 'http://example.com/more', timeoutSec: 120 });
    expect(i.meta).toEqual({ a: '1', b: '2' });
    expect(i.timeoutSec).toBe(30);
  });

  it('keeps the header keep-alive mode and data unless the JSON replaces them', () => {
    const hdr: [string, string] = ['Grip-Keep-Alive', 'hdr; timeout=9'];
    expect(decodeJson({ hold: { mode: 'stream', channels: [], 'keep-alive': {} } }, [hdr]).keepAlive).toEqual({
      data: Buffer.from('hdr'),
      timeoutSec: 55,
      mode: 'idle',
    });
    expect(decodeJson({ hold: { channels: [], 'keep-alive': { 'content-bin': 'AAE=' } } }).keepAlive).toEqual({
      data: Buffer.from([0, 1]),
      timeoutSec: 55,
      mode: 'interval',
    });
    expect(decodeJson({ hold: { channels: [], 'keep-alive': { content: 'x', timeout: 0 } } }).keepAlive?.timeoutSec).toBe(1);
    expect(decodeJson({ hold: { channels: [], 'keep-alive': {} } }).keepAlive?.data).toEqual(Buffer.alloc(0));
  });

  it('accepts headers as pairs, body-bin over body, integer-like numbers', () => {
    const i = decodeJson({
      hold: { channels: [], timeout: '7' },
      response: {
        code: 404.4,
        headers: [
          ['Set-Cookie', 'a'],
          ['Set-Cookie', 'b'],
          ['Content-Length', '99'],
          ['Grip-Foo', 'x'],
        ],
        'body-bin': 'aGk=',
        body: 'ignored',
      },
    });
    expect(i.timeoutSec).toBe(7);
    expect(i.response).toEqual({
      code: 404,
      reason: 'Not Found',
      // Pushpin relays Grip-* headers given in the JSON response (checked side by side)
      headers: [
        ['Set-Cookie', 'a'],
        ['Set-Cookie', 'b'],
        ['Grip-Foo', 'x'],
      ],
      body: Buffer.from('hi'),
    });
    expect(decodeJson({ response: { code: 200.5 } }).response.code).toBe(201);
    expect(decodeJson({ response: { code: 201.4 } }).response.code).toBe(201);
    expect(decodeJson({ response: { code: ' 202 ' } }).response.code).toBe(202);
    // Pushpin 1.36 turns any other string into 0 and booleans into 0/1 (checked side by side)
    expect(decodeJson({ response: { code: '202x' } }).response.code).toBe(0);
    expect(decodeJson({ response: { code: '' } }).response.code).toBe(0);
    expect(decodeJson({ hold: { channels: [], timeout: 'soon' } }).timeoutSec).toBe(5);
    expect(decodeJson({ hold: { channels: [], timeout: '30' } }).timeoutSec).toBe(30);
    expect(decodeJson({ hold: { channels: [], 'keep-alive': { timeout: true } } }).keepAlive?.timeoutSec).toBe(1);
    expect(decodeJson({ hold: { channels: [], timeout: 1 } }).timeoutSec).toBe(5);
  });

  it('turns non-ASCII JSON header text into UTF-8 byte strings, body into UTF-8', () => {
    const i = decodeJson({ response: { headers: { 'X-Name': 'café' }, body: 'ü' } });
    expect(i.response.headers).toEqual([['X-Name', Buffer.from('café').toString('latin1')]]);
    expect(i.response.body).toEqual(Buffer.from('ü', 'utf8'));
  });

  it('applies the prev-id rule to JSON stream holds', () => {
    const r = decodeInstruction(jsonRes({ hold: { mode: 'stream', channels: [{ name: 'p', 'prev-id': '1' }] } }), URI);
    expect(r.ok ? '' : r.error.code).toBe('GRIP_PREV_ID_NO_LINK');
  });

  it.each<[unknown, string]>([
    ['{not json', 'failed to parse application/grip-instruct content as JSON'],
    ['', 'failed to parse application/grip-instruct content as JSON'],
    [[1, 2], 'instruct must be an object'],
    ['"str"', 'instruct must be an object'],
    [{ hold: 'x' }, "instruct contains 'hold' with wrong type"],
    [{ hold: [] }, "instruct contains 'hold' with wrong type"],
    [{ response: 5 }, "instruct contains 'response' with wrong type"],
    [{ hold: { mode: 1, channels: [] } }, "hold contains 'mode' with wrong type"],
    [{ hold: { mode: 'Stream', channels: [] } }, "hold 'mode' must be set to either 'response' or 'stream'"],
    [{ hold: {} }, "hold does not contain 'channels'"],
    [{ hold: { channels: {} } }, "hold contains 'channels' with wrong type"],
    [{ hold: { channels: ['a'] } }, 'channel is not an object'],
    [{ hold: { channels: [{}] } }, "channel does not contain 'name'"],
    [{ hold: { channels: [{ name: 1 }] } }, "channel contains 'name' with wrong type"],
    [{ hold: { channels: [{ name: 'a', 'prev-id': 1 }] } }, "channel contains 'prev-id' with wrong type"],
    [{ hold: { channels: [{ name: 'a', 'prev-id': null }] } }, "channel contains 'prev-id' with wrong type"],
    [{ hold: { channels: [{ name: 'a', filters: 'x' }] } }, "channel contains 'filters' with wrong type"],
    [{ hold: { channels: [{ name: 'a', filters: [1] }] } }, 'filters contains value with wrong type'],
    [{ hold: { channels: [], timeout: null } }, "hold contains 'timeout' with wrong type"],
    [{ hold: { channels: [], timeout: {} } }, "hold contains 'timeout' with wrong type"],
    [{ hold: { channels: [], timeout: -1 } }, "hold contains 'timeout' with invalid value"],
    [{ hold: { channels: [], 'keep-alive': 'x' } }, "hold contains 'keep-alive' with wrong type"],
    [{ hold: { channels: [], 'keep-alive': { content: 1 } } }, "keep-alive contains 'content' with wrong type"],
    [{ hold: { channels: [], 'keep-alive': { 'content-bin': 1 } } }, "keep-alive contains 'content-bin' with wrong type"],
    [{ hold: { channels: [], 'keep-alive': { timeout: [] } } }, "keep-alive contains 'timeout' with wrong type"],
    [{ hold: { channels: [], 'keep-alive': { timeout: -2 } } }, "keep-alive contains 'timeout' with invalid value"],
    [{ hold: { channels: [], meta: [] } }, "hold contains 'meta' with wrong type"],
    [{ hold: { channels: [], meta: { user: 1 } } }, "'meta' contains 'user' with wrong type"],
    [{ response: { code: null } }, "response contains 'code' with wrong type"],
    [{ response: { code: 1e12 } }, "response contains 'code' with wrong type"],
    [{ response: { code: 1000 } }, "response contains 'code' with invalid value"],
    [{ response: { code: -1 } }, "response contains 'code' with invalid value"],
    [{ response: { reason: 5 } }, "response contains 'reason' with wrong type"],
    [{ response: { headers: 'x' } }, "response contains 'headers' with wrong type"],
    [{ response: { headers: ['x'] } }, 'headers contains element with wrong type'],
    [{ response: { headers: [['a']] } }, 'headers contains list with wrong number of elements'],
    [{ response: { headers: [[1, 'v']] } }, 'header contains name element with wrong type'],
    [{ response: { headers: [['n', 2]] } }, 'header contains value element with wrong type'],
    [{ response: { headers: { 'X-A': 1 } } }, "headers contains 'X-A' with wrong type"],
    [{ response: { body: 1 } }, "response contains 'body' with wrong type"],
    [{ response: { 'body-bin': false } }, "response contains 'body-bin' with wrong type"],
  ])('%j -> %s', (body, message) => {
    const r = decodeInstruction(jsonRes(body), URI);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('GRIP_INVALID');
    expect(r.error.message).toBe(message);
  });

  it('requires status 200 for the JSON form', () => {
    const r = decodeInstruction(jsonRes({}, [], 201, 'Created'), URI);
    expect(r.ok ? '' : r.error.message).toBe('response code for application/grip-instruct content must be 200');
  });

  it('reports outer header errors before JSON errors', () => {
    const r = decodeInstruction(jsonRes('{bad', [['Grip-Hold', 'nope']]), URI);
    expect(r.ok ? '' : r.error.message).toBe("Grip-Hold must be set to either 'response' or 'stream'");
  });
});

describe('header form and JSON form agree', () => {
  const cases: Array<[string, Array<[string, string]>, string, unknown]> = [
    [
      'response hold with channels and timeout',
      [
        ['Content-Type', 'text/plain'],
        ['Grip-Hold', 'response'],
        ['Grip-Channel', 'a, b; filter=skip-self; filter=var-subst'],
        ['Grip-Timeout', '30'],
      ],
      'timeout body\n',
      {
        hold: { mode: 'response', channels: [{ name: 'a' }, { name: 'b', filters: ['skip-self', 'var-subst'] }], timeout: 30 },
        response: { headers: { 'Content-Type': 'text/plain' }, body: 'timeout body\n' },
      },
    ],
    [
      'stream hold with cstring keep-alive in interval mode',
      [
        ['Grip-Hold', 'stream'],
        ['Grip-Channel', 'k1'],
        ['Grip-Keep-Alive', 'ka\\n; format=cstring; timeout=2; mode=interval'],
      ],
      'start\n',
      {
        hold: { mode: 'stream', channels: [{ name: 'k1' }], 'keep-alive': { content: 'ka\n', timeout: 2 } },
        response: { body: 'start\n' },
      },
    ],
    [
      'base64 keep-alive and content-bin',
      [
        ['Grip-Hold', 'stream'],
        ['Grip-Channel', 'k'],
        ['Grip-Keep-Alive', 'AP8K; format=base64; mode=interval'],
      ],
      '',
      { hold: { mode: 'stream', channels: [{ name: 'k' }], 'keep-alive': { 'content-bin': 'AP8K' } } },
    ],
    [
      'meta and prev-id with a link',
      [
        ['Grip-Hold', 'stream'],
        ['Grip-Channel', 'fruit; prev-id=3'],
        ['Grip-Set-Meta', 'user="alice", name=Bob'],
      ],
      '',
      { hold: { mode: 'stream', channels: [{ name: 'fruit', 'prev-id': '3' }], meta: { user: 'alice', name: 'Bob' } } },
    ],
    [
      'status code only',
      [
        ['Grip-Status', '202'],
        ['X-A', '1'],
      ],
      'b',
      { response: { code: 202, headers: [['X-A', '1']], body: 'b' } },
    ],
    [
      'status code and reason, minimum timeout',
      [
        ['Grip-Hold', 'response'],
        ['Grip-Channel', 'c'],
        ['Grip-Timeout', '1'],
        ['Grip-Status', '404 Nope'],
      ],
      '',
      { hold: { channels: [{ name: 'c' }], timeout: 1 }, response: { code: 404, reason: 'Nope' } },
    ],
    ['no hold at all', [['Grip-Foo', 'x']], '', {}],
  ];

  it.each(cases)('%s', (_name, headers, body, json) => {
    const link: [string, string] = ['Grip-Link', '</next>; rel=next'];
    const withLink = headers.some(([, v]) => v.includes('prev-id'));
    const fromHeaders = decodeHeaders(withLink ? [...headers, link] : headers, body);
    const fromJson = decodeJson(json, withLink ? [link] : []);
    expect(fromJson).toEqual(fromHeaders);
  });
});
