import {
  applySetMeta,
  clientHandshakeHeaders,
  isEventsRequest,
  isEventsResponse,
  metaRequestHeaders,
  parseKeepAliveInterval,
  wohForwardedHeaders,
} from '../../../src/grip/ws-over-http-headers';

describe('wohForwardedHeaders', () => {
  it('drops Accept, Content-*, Connection-Id, Meta-* (clients cannot forge meta) and the extension offer', () => {
    const out = wohForwardedHeaders([
      ['Host', 'example.com'],
      ['Accept', '*/*'],
      ['Content-Length', '3'],
      ['Content-Type', 'application/websocket-events'],
      ['Connection-Id', 'forged'],
      ['Meta-User', 'mallory'],
      ['meta-role', 'admin'],
      ['Sec-WebSocket-Extensions', 'permessage-deflate'],
      ['Sec-WebSocket-Key', 'k'],
      ['Sec-WebSocket-Protocol', 'chat'],
      ['Metadata', 'kept'],
    ]);
    expect(out).toEqual([
      ['Host', 'example.com'],
      ['Sec-WebSocket-Key', 'k'],
      ['Sec-WebSocket-Protocol', 'chat'],
      ['Metadata', 'kept'],
    ]);
  });
});

describe('connection meta', () => {
  it('stores Set-Meta-* values, replaces case-insensitively, deletes on empty', () => {
    let meta = applySetMeta([], [
      ['Set-Meta-User', 'alice'],
      ['Content-Type', 'x'],
      ['set-meta-room', '7'],
    ]);
    expect(meta).toEqual([
      ['User', 'alice'],
      ['room', '7'],
    ]);
    meta = applySetMeta(meta, [
      ['Set-Meta-user', 'bob'],
      ['Set-Meta-Room', ''],
    ]);
    expect(meta).toEqual([['user', 'bob']]);
    expect(metaRequestHeaders(meta)).toEqual([['Meta-user', 'bob']]);
  });

  it('ignores a Set-Meta- header without a name and leaves the input unchanged', () => {
    const before: Array<[string, string]> = [['User', 'alice']];
    expect(applySetMeta(before, [['Set-Meta-', 'x']])).toEqual([['User', 'alice']]);
    applySetMeta(before, [['Set-Meta-User', '']]);
    expect(before).toEqual([['User', 'alice']]);
  });
});

describe('parseKeepAliveInterval', () => {
  it('is undefined when absent', () => {
    expect(parseKeepAliveInterval([])).toBeUndefined();
  });
  it('raises values below 20 s to 20', () => {
    expect(parseKeepAliveInterval([['Keep-Alive-Interval', '25']])).toBe(25);
    expect(parseKeepAliveInterval([['keep-alive-interval', '5']])).toBe(20);
    expect(parseKeepAliveInterval([['Keep-Alive-Interval', ' 30 ']])).toBe(30);
  });
  it('turns keep-alives off for 0, negative or garbage', () => {
    expect(parseKeepAliveInterval([['Keep-Alive-Interval', '0']])).toBeNull();
    expect(parseKeepAliveInterval([['Keep-Alive-Interval', '-3']])).toBeNull();
    expect(parseKeepAliveInterval([['Keep-Alive-Interval', 'soon']])).toBeNull();
    expect(parseKeepAliveInterval([['Keep-Alive-Interval', '2.5']])).toBeNull();
  });
});

describe('content type rules', () => {
  it('accepts only status 200 with exactly application/websocket-events', () => {
    expect(isEventsResponse(200, [['Content-Type', 'application/websocket-events']])).toBe(true);
    expect(isEventsResponse(200, [['Content-Type', 'application/websocket-events; charset=utf-8']])).toBe(false);
    expect(isEventsResponse(201, [['Content-Type', 'application/websocket-events']])).toBe(false);
    expect(isEventsResponse(200, [['Content-Type', 'text/plain']])).toBe(false);
    expect(isEventsResponse(200, [])).toBe(false);
  });

  it('spots a client request claiming to carry events, parameters ignored', () => {
    expect(isEventsRequest([['content-type', 'application/websocket-events; x=1']])).toBe(true);
    expect(isEventsRequest([['Content-Type', 'application/json']])).toBe(false);
    expect(isEventsRequest([])).toBe(false);
  });
});

describe('clientHandshakeHeaders', () => {
  it('keeps the backend headers but the private ones, Set-Meta-* and the extension', () => {
    expect(
      clientHandshakeHeaders([
        ['Content-Type', 'application/websocket-events'],
        ['Content-Length', '6'],
        ['Keep-Alive-Interval', '25'],
        ['Set-Meta-User', 'alice'],
        ['Sec-WebSocket-Extensions', 'grip'],
        ['Sec-WebSocket-Protocol', 'chat'],
        ['Date', 'Sat, 21 Nov 2026 23:29:59 GMT'],
        ['Keep-Alive', 'timeout=5'],
        ['Connection', 'keep-alive'],
        ['X-Backend', 'yes'],
      ]),
    ).toEqual([
      ['Sec-WebSocket-Protocol', 'chat'],
      ['Date', 'Sat, 21 Nov 2026 23:29:59 GMT'],
      ['Keep-Alive', 'timeout=5'],
      ['X-Backend', 'yes'],
    ]);
  });
});

describe('parseKeepAliveInterval with a lower minimum', () => {
  it('applies the given minimum instead of 20', () => {
    expect(parseKeepAliveInterval([['Keep-Alive-Interval', '1']], 1)).toBe(1);
    expect(parseKeepAliveInterval([['Keep-Alive-Interval', '1']], 5)).toBe(5);
  });
});
