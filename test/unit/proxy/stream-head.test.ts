import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import { streamHead } from '../../../src/proxy/stream-head';

/** What Node's ServerResponse writes for writeHead + flushHeaders on an HTTP/1.1 keep-alive request. */
function nodeHead(code: number, reason: string, headers: Array<[string, string]>, keepAliveTimeoutMs: number): string {
  const wire = new PassThrough();
  const req = new IncomingMessage(new Socket());
  req.httpVersionMajor = 1;
  req.httpVersionMinor = 1;
  req.httpVersion = '1.1';
  req.method = 'GET';
  const res = new ServerResponse(req);
  (res as ServerResponse & { _keepAliveTimeout: number })._keepAliveTimeout = keepAliveTimeoutMs;
  res.shouldKeepAlive = true;
  res.sendDate = false;
  res.assignSocket(wire as unknown as Socket);
  const flat: string[] = [];
  for (const [k, v] of headers) flat.push(k, v);
  res.writeHead(code, reason, flat);
  res.flushHeaders();
  const out = wire.read() as Buffer | null;
  return out === null ? '' : out.toString('latin1');
}

describe('streamHead', () => {
  const plain: Array<[number, string, Array<[string, string]>]> = [
    [200, 'OK', [['Content-Type', 'text/event-stream'], ['Cache-Control', 'no-cache']]],
    // A backend's Date is relayed as it came (Node adds none of its own with sendDate off).
    [200, 'OK', [['Date', 'Mon, 07 Dec 2026 10:00:00 GMT'], ['Content-Type', 'text/event-stream']]],
    [200, '', []],
    [201, 'Created Here', [['X-Dup', 'a'], ['x-dup', 'b'], ['X-Tab', 'a\tb'], ['X-Empty', '']]],
    [299, 'OK', [['Access-Control-Allow-Origin', '*'], ['Grip-Hold', 'stream']]],
    [404, 'Not Found', [['Content-Type', 'text/plain']]],
  ];

  it('is byte for byte what Node writes, for the responses it builds', () => {
    for (const [code, reason, headers] of plain) {
      for (const keepAlive of [5_000, 0, 65_500]) {
        const built = streamHead(code, reason, headers, keepAlive);
        expect(built).toBeDefined();
        expect(built).toBe(nodeHead(code, reason, headers, keepAlive));
      }
    }
  });

  it('leaves to Node what Node would write differently or refuse', () => {
    const ok: Array<[string, string]> = [['Content-Type', 'text/event-stream']];
    expect(streamHead(204, 'No Content', ok, 5_000)).toBeUndefined();
    expect(streamHead(304, 'Not Modified', ok, 5_000)).toBeUndefined();
    expect(streamHead(101, 'Switching', ok, 5_000)).toBeUndefined();
    expect(streamHead(1000, 'Big', ok, 5_000)).toBeUndefined();
    expect(streamHead(200, 'O\nK', ok, 5_000)).toBeUndefined();
    for (const name of ['Connection', 'content-length', 'Transfer-Encoding', 'Keep-Alive', 'Trailer', 'Expect']) {
      expect(streamHead(200, 'OK', [...ok, [name, 'x']], 5_000)).toBeUndefined();
    }
    expect(streamHead(200, 'OK', [['Bad Name', 'x']], 5_000)).toBeUndefined();
    expect(streamHead(200, 'OK', [['X-Ctl', 'a\u0001b']], 5_000)).toBeUndefined();
    expect(streamHead(200, 'OK', [['X-Wide', '\u0100']], 5_000)).toBeUndefined();
    // Node writes a latin1 byte as UTF-8 when the head goes alone: not built here either.
    expect(streamHead(200, 'OK', [['X-Latin1', 'caf\u00e9']], 5_000)).toBeUndefined();
    expect(nodeHead(200, 'OK', [['X-Latin1', 'caf\u00e9']], 5_000)).toContain('caf\u00c3\u00a9');
    expect(() => nodeHead(200, 'OK', [['X-Ctl', 'a\u0001b']], 5_000)).toThrow();
  });
});
