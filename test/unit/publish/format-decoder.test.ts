import { decodeTnetstring, encodeTnetstring } from '../../../src/core/tnetstring';
import type { TnetEncodable } from '../../../src/core/tnetstring';
import { decodeHttpResponse, decodeHttpStream, decodeWsMessage } from '../../../src/publish/format-decoder';
import { decodePublishItem } from '../../../src/publish/item-decoder';
import type { PublishFormats } from '../../../src/publish/item-types';

type Enc = 'json' | 'tnetstring';

/** Decodes `formats` wrapped in an item, from JSON or from real tnetstring bytes. */
function decode(formats: Record<string, unknown>, enc: Enc = 'json') {
  const item = { channel: 'c', formats };
  let value: unknown;
  if (enc === 'json') {
    value = JSON.parse(JSON.stringify(item));
  } else {
    const d = decodeTnetstring(encodeTnetstring(item as TnetEncodable));
    if (!d.ok) throw new Error(d.error.message);
    value = d.value;
  }
  return decodePublishItem(value, enc);
}

function formatsOf(formats: Record<string, unknown>, enc: Enc = 'json'): PublishFormats {
  const r = decode(formats, enc);
  if (!r.ok) throw new Error(`unexpected failure: ${r.error.message}`);
  return r.value.formats;
}

function errOf(formats: Record<string, unknown>, enc: Enc = 'json'): string {
  const r = decode(formats, enc);
  if (r.ok) throw new Error('expected a failure');
  return r.error.message;
}

const hr = (f: Record<string, unknown>, enc: Enc = 'json') => formatsOf({ 'http-response': f }, enc)['http-response'];
const hrErr = (f: unknown, enc: Enc = 'json') => errOf({ 'http-response': f }, enc);
const ws = (f: Record<string, unknown>, enc: Enc = 'json') => formatsOf({ 'ws-message': f }, enc)['ws-message'];
const wsErr = (f: unknown, enc: Enc = 'json') => errOf({ 'ws-message': f }, enc);
const hs = (f: Record<string, unknown>, enc: Enc = 'json') => formatsOf({ 'http-stream': f }, enc)['http-stream'];
const hsErr = (f: unknown, enc: Enc = 'json') => errOf({ 'http-stream': f }, enc);

describe('actions', () => {
  it('defaults to send and accepts hint, close and refresh without other fields', () => {
    expect(hr({ body: 'x' })?.action).toBe('send');
    expect(hr({ action: 'send', body: 'x' })?.action).toBe('send');
    expect(hr({ action: 'hint' })).toEqual({ action: 'hint', code: 200, headers: [] });
    expect(hs({ action: 'close' })).toEqual({ action: 'close' });
    expect(hs({ action: 'hint' })).toEqual({ action: 'hint' });
    expect(ws({ action: 'refresh' })).toEqual({ action: 'refresh', type: 'text' });
    expect(hs({ action: 'close', content: '' })).toEqual({ action: 'close' }); // the JS library's close
  });

  it('fails an unknown action with an empty message and its own code', () => {
    for (const formats of [{ 'http-response': { action: 'bogus' } }, { 'http-stream': { action: 'x' } }, { 'ws-message': { action: '' } }]) {
      const r = decode(formats);
      expect(r.ok).toBe(false);
      expect(!r.ok && r.error.code).toBe('PUBLISH_BAD_ACTION');
      expect(!r.ok && r.error.message).toBe('');
    }
  });

  it('rejects a non-string action', () => {
    expect(hrErr({ action: 5 })).toBe("'http-response' contains 'action' with wrong type");
  });

  it('rejects a format that is not an object', () => {
    expect(hrErr(5)).toBe("'http-response' is not an object");
    expect(hsErr('x')).toBe("'http-stream' is not an object");
    expect(wsErr([])).toBe("'ws-message' is not an object");
  });
});

describe('http-response code', () => {
  it('defaults to 200 and accepts integers 0-999', () => {
    expect(hr({ body: '' })?.code).toBe(200);
    expect(hr({ code: 0, body: '' })?.code).toBe(0);
    expect(hr({ code: 999, body: '' })?.code).toBe(999);
    expect(hr({ code: 404, body: '' }, 'tnetstring')?.code).toBe(404);
  });

  it('accepts a numeric string, as the official JS library sends', () => {
    expect(hr({ code: '201', body: '' })?.code).toBe(201);
    expect(hr({ code: '201', body: '' }, 'tnetstring')?.code).toBe(201);
  });

  it('rounds a float', () => {
    expect(hr({ code: 404.7, body: '' })?.code).toBe(405);
    expect(hr({ code: 404.2, body: '' }, 'tnetstring')?.code).toBe(404);
  });

  it('rejects a non-numeric string instead of turning it into 0 (deliberate fix over Pushpin)', () => {
    expect(hrErr({ code: 'abc', body: '' })).toBe("'http-response' contains 'code' with invalid value");
    expect(hrErr({ code: '', body: '' })).toBe("'http-response' contains 'code' with invalid value");
    expect(hrErr({ code: '20x', body: '' })).toBe("'http-response' contains 'code' with invalid value");
    expect(hrErr({ code: 'abc', body: '' }, 'tnetstring')).toBe("'http-response' contains 'code' with invalid value");
  });

  it('rejects out-of-range codes', () => {
    expect(hrErr({ code: 1000, body: '' })).toBe("'http-response' contains 'code' with invalid value");
    expect(hrErr({ code: -1, body: '' })).toBe("'http-response' contains 'code' with invalid value");
    expect(hrErr({ code: '1000', body: '' })).toBe("'http-response' contains 'code' with invalid value");
  });

  it('rejects codes of the wrong type', () => {
    expect(hrErr({ code: null, body: '' })).toBe("'http-response' contains 'code' with wrong type");
    expect(hrErr({ code: [1], body: '' })).toBe("'http-response' contains 'code' with wrong type");
    expect(hrErr({ code: true, body: '' })).toBe("'http-response' contains 'code' with wrong type");
  });
});

describe('http-response reason, headers and body', () => {
  it('keeps a reason, leaves an empty one to the default phrase', () => {
    expect(hr({ reason: 'Fine', body: '' })?.reason).toBe('Fine');
    expect(hr({ reason: '', body: '' })).not.toHaveProperty('reason');
    expect(hrErr({ reason: 5, body: '' })).toBe("'http-response' contains 'reason' with wrong type");
    expect(hrErr({ reason: 'OK\r\nX-Evil: 1', body: '' })).toBe(
      "'http-response' contains 'reason' with a CR, LF, NUL or other control character",
    );
  });

  it('reads headers as an object or as ordered pairs with repeats', () => {
    expect(hr({ headers: { A: '1', 'B-2': 'two' }, body: '' })?.headers).toEqual([['A', '1'], ['B-2', 'two']]);
    expect(hr({ headers: [['Set-Cookie', 'a=1'], ['Set-Cookie', 'b=2']], body: '' })?.headers).toEqual([
      ['Set-Cookie', 'a=1'],
      ['Set-Cookie', 'b=2'],
    ]);
    expect(hr({ headers: [['X', 'y']], body: '' }, 'tnetstring')?.headers).toEqual([['X', 'y']]);
    expect(hr({ headers: { X: 'y' }, body: '' }, 'tnetstring')?.headers).toEqual([['X', 'y']]);
    expect(hr({ headers: { X: 'a\tb' }, body: '' })?.headers).toEqual([['X', 'a\tb']]);
  });

  it('reports header shape errors with Pushpin texts', () => {
    expect(hrErr({ headers: 5, body: '' })).toBe("'http-response' contains 'headers' with wrong type");
    expect(hrErr({ headers: [5], body: '' })).toBe('headers contains element with wrong type');
    expect(hrErr({ headers: [['a']], body: '' })).toBe('headers contains list with wrong number of elements');
    expect(hrErr({ headers: [['a', 'b', 'c']], body: '' })).toBe('headers contains list with wrong number of elements');
    expect(hrErr({ headers: [[1, 'a']], body: '' })).toBe('header contains name element with wrong type');
    expect(hrErr({ headers: [['a', 1]], body: '' })).toBe('header contains value element with wrong type');
    expect(hrErr({ headers: { A: 1 }, body: '' })).toBe("headers contains 'A' with wrong type");
  });

  it('rejects header injection: CR, LF, NUL in values, non-token names', () => {
    expect(hrErr({ headers: { A: 'x\r\nSet-Cookie: evil=1' }, body: '' })).toBe(
      "'http-response' contains header 'A' whose value has a CR, LF, NUL or other control character",
    );
    expect(hrErr({ headers: [['A', 'x\ny']], body: '' })).toMatch(/header 'A' whose value has a CR, LF, NUL/);
    expect(hrErr({ headers: [['A', 'x\u0000']], body: '' })).toMatch(/header 'A' whose value/);
    expect(hrErr({ headers: [['A', 'x\ry']], body: '' }, 'tnetstring')).toMatch(/header 'A' whose value/);
    expect(hrErr({ headers: [['X-A\r\nX-B', 'v']], body: '' })).toBe(
      "'http-response' contains header name \"X-A\\r\\nX-B\" that is not a valid token",
    );
    expect(hrErr({ headers: [['Bad Name', 'v']], body: '' })).toBe(
      "'http-response' contains header name \"Bad Name\" that is not a valid token",
    );
    expect(hrErr({ headers: { 'A:B': 'v' }, body: '' })).toMatch(/"A:B" that is not a valid token/);
    expect(hrErr({ headers: [['', 'v']], body: '' })).toMatch(/header name "" that is not a valid token/);
  });

  it('reads body as text (JSON) or bytes (tnetstring)', () => {
    expect(hr({ body: 'héllo' })?.body).toEqual(Buffer.from('héllo'));
    expect(hr({ body: Buffer.from([0, 255]) }, 'tnetstring')?.body).toEqual(Buffer.from([0, 255]));
    expect(hrErr({ body: 5 })).toBe("'http-response' contains 'body' with wrong type");
  });

  it('reads body-bin as strict base64 in JSON, taking precedence over body', () => {
    expect(hr({ 'body-bin': 'AAEC' })?.body).toEqual(Buffer.from([0, 1, 2]));
    expect(hr({ 'body-bin': 'AAE=', body: 'ignored' })?.body).toEqual(Buffer.from([0, 1]));
    expect(hr({ 'body-bin': 'AAE' })?.body).toEqual(Buffer.from([0, 1])); // unpadded
    expect(hr({ 'body-bin': '' })?.body).toEqual(Buffer.alloc(0));
    expect(hrErr({ 'body-bin': 5 })).toBe("'http-response' contains 'body-bin' with wrong type");
    for (const bad of ['!!!!', 'AA EC', 'AAEC\n', 'A', 'AA=', 'A=BC', 'AAE-', 'AAE_', 'AA===']) {
      expect(hrErr({ 'body-bin': bad })).toBe("'body-bin' is not valid base64");
    }
  });

  it('does not recognise body-bin in tnetstring', () => {
    expect(hrErr({ 'body-bin': 'AAEC' }, 'tnetstring')).toBe("'http-response' does not contain 'body' or 'body-patch'");
    expect(hr({ 'body-bin': 'AAEC', body: 'b' }, 'tnetstring')?.body).toEqual(Buffer.from('b'));
  });

  it('reads body-patch as an array (tnetstring values become JSON values)', () => {
    const patch = [{ op: 'replace', path: '/a', value: 2 }, { op: 'add', path: '/b/-', value: 'three' }];
    expect(hr({ 'body-patch': patch })?.bodyPatch).toEqual(patch);
    expect(hr({ 'body-patch': patch }, 'tnetstring')?.bodyPatch).toEqual(patch);
    expect(hrErr({ 'body-patch': {} })).toBe("'http-response' contains 'body-patch' with wrong type");
    expect(hr({ body: 'b', 'body-patch': patch })).not.toHaveProperty('bodyPatch'); // body wins
  });

  it('requires a body for send', () => {
    expect(hrErr({})).toBe("'http-response' does not contain 'body', 'body-bin', or 'body-patch'");
    expect(hrErr({ code: 200 }, 'tnetstring')).toBe("'http-response' does not contain 'body' or 'body-patch'");
  });

  it('reads content-filters as an array of strings', () => {
    expect(hr({ body: '', 'content-filters': ['build-id', 'skip-self'] })?.contentFilters).toEqual(['build-id', 'skip-self']);
    expect(hr({ body: '', 'content-filters': ['build-id'] }, 'tnetstring')?.contentFilters).toEqual(['build-id']);
    expect(hrErr({ body: '', 'content-filters': 'x' })).toBe("'http-response' contains 'content-filters' with wrong type");
    expect(hrErr({ body: '', 'content-filters': [1] })).toBe('content-filters contains element with wrong type');
  });
});

describe('http-stream', () => {
  it('reads content and content-bin (JSON only)', () => {
    expect(hs({ content: 'hello\n' })).toEqual({ action: 'send', content: Buffer.from('hello\n') });
    expect(hs({ 'content-bin': 'AAEC', content: 'x' })?.content).toEqual(Buffer.from([0, 1, 2]));
    expect(hs({ content: Buffer.from([1]) }, 'tnetstring')?.content).toEqual(Buffer.from([1]));
    expect(hs({ content: '', 'content-filters': ['f'] })?.contentFilters).toEqual(['f']);
  });

  it('reports its errors', () => {
    expect(hsErr({})).toBe("'http-stream' does not contain 'content' or 'content-bin'");
    expect(hsErr({ 'content-bin': 'AAEC' }, 'tnetstring')).toBe("'http-stream' does not contain 'content'");
    expect(hsErr({ content: 5 })).toBe("'http-stream' contains 'content' with wrong type");
    expect(hsErr({ 'content-bin': 5 })).toBe("'http-stream' contains 'content-bin' with wrong type");
    expect(hsErr({ 'content-bin': '%%' })).toBe("'content-bin' is not valid base64");
    expect(hsErr({ content: '', 'content-filters': 'x' })).toBe("'http-stream' contains 'content-filters' with wrong type");
  });
});

describe('ws-message', () => {
  it('defaults type to text for content and binary for content-bin', () => {
    expect(ws({ content: 'hi' })).toEqual({ action: 'send', type: 'text', content: Buffer.from('hi') });
    expect(ws({ 'content-bin': 'AAEC' })).toEqual({ action: 'send', type: 'binary', content: Buffer.from([0, 1, 2]) });
    expect(ws({ 'content-bin': Buffer.from([0, 1, 2]) }, 'tnetstring')).toEqual({
      action: 'send',
      type: 'binary',
      content: Buffer.from([0, 1, 2]),
    });
    expect(ws({ content: 'hi' }, 'tnetstring')?.type).toBe('text');
  });

  it('honours an explicit type', () => {
    expect(ws({ type: 'binary', content: 'x' })?.type).toBe('binary');
    expect(ws({ type: 'text', 'content-bin': 'AAEC' })?.type).toBe('text');
    expect(ws({ type: 'ping' })).toEqual({ action: 'send', type: 'ping' });
    expect(ws({ type: 'pong' }, 'tnetstring')).toEqual({ action: 'send', type: 'pong' });
  });

  it('reports type and content errors', () => {
    expect(wsErr({ type: 'shout', content: 'x' })).toBe("'ws-message' contains 'type' with unknown value");
    expect(wsErr({ type: 5, content: 'x' })).toBe("'ws-message' contains 'type' with wrong type");
    expect(wsErr({})).toBe("'ws-message' does not contain 'content' or 'content-bin'");
    expect(wsErr({ type: 'binary' })).toBe("'ws-message' does not contain 'content' or 'content-bin'");
    expect(wsErr({ content: 5 })).toBe("'ws-message' contains 'content' with wrong type");
    expect(wsErr({ 'content-bin': 5 })).toBe("'ws-message' contains 'content-bin' with wrong type");
    expect(wsErr({ 'content-bin': 'AAE C' })).toBe("'content-bin' is not valid base64");
    // tnetstring content-bin must be raw bytes, not a number or list
    expect(wsErr({ 'content-bin': 5 }, 'tnetstring')).toBe("'ws-message' contains 'content-bin' with wrong type");
    expect(wsErr({ 'content-bin': [] }, 'tnetstring')).toBe("'ws-message' contains 'content-bin' with wrong type");
  });

  it('reads close code and reason', () => {
    expect(ws({ action: 'close', code: 4001, reason: 'bye now' })).toEqual({
      action: 'close',
      type: 'text',
      code: 4001,
      reason: 'bye now',
    });
    expect(ws({ action: 'close' })).toEqual({ action: 'close', type: 'text' });
    expect(ws({ action: 'close', code: 1000 }, 'tnetstring')?.code).toBe(1000);
    expect(wsErr({ action: 'close', code: -1 })).toBe("'ws-message' contains 'code' with invalid value");
    expect(wsErr({ action: 'close', code: 70000 })).toBe("'ws-message' contains 'code' with invalid value");
    expect(wsErr({ action: 'close', code: 'x' })).toBe("'ws-message' contains 'code' with invalid value");
    expect(wsErr({ action: 'close', code: null })).toBe("'ws-message' contains 'code' with wrong type");
    expect(wsErr({ action: 'close', reason: 5 })).toBe("'ws-message' contains 'reason' with wrong type");
  });
});

describe('format decoders called directly', () => {
  it('reject non-objects', () => {
    expect(decodeHttpResponse(null, 'json').ok).toBe(false);
    expect(decodeHttpStream(Buffer.from('x'), 'tnetstring').ok).toBe(false);
    expect(decodeWsMessage(undefined, 'json').ok).toBe(false);
  });

  it('read only own properties', () => {
    const proto = { content: 'inherited' };
    const v = Object.create(proto) as Record<string, unknown>;
    const r = decodeHttpStream(v, 'json');
    expect(!r.ok && r.error.message).toBe("'http-stream' does not contain 'content' or 'content-bin'");
  });
});
