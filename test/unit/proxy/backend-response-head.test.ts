import { BACKEND_HEAD_TOO_LARGE, BAD_BACKEND_RESPONSE, parseResponseHead, type BackendResponseHead } from '../../../src/proxy/backend-response-head';

function head(text: string, method = 'GET'): { head: BackendResponseHead; length: number } {
  const parsed = parseResponseHead(Buffer.from(text, 'latin1'), 16 * 1024, method);
  if (!parsed.ok) throw parsed.error;
  if (parsed.value.kind !== 'head') throw new Error('incomplete');
  return parsed.value;
}

function errorCode(text: string, max = 16 * 1024): string {
  const parsed = parseResponseHead(Buffer.from(text, 'latin1'), max, 'GET');
  if (parsed.ok) throw new Error(`parsed: ${JSON.stringify(parsed.value)}`);
  return parsed.error.code;
}

describe('parseResponseHead', () => {
  it('reads status, reason and the raw headers in order, values without surrounding blanks', () => {
    const text = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-A:  1 \r\nx-a:\t2\r\nContent-Length: 5\r\n\r\nhello';
    const { head: h, length } = head(text);
    expect(h.statusCode).toBe(200);
    expect(h.statusMessage).toBe('OK');
    expect(h.rawHeaders).toEqual(['Content-Type', 'text/plain', 'X-A', '1', 'x-a', '2', 'Content-Length', '5']);
    expect(h.framing).toEqual({ kind: 'length', length: 5 });
    expect(h.keepAlive).toBe(true);
    expect(text.slice(length)).toBe('hello');
  });

  it('takes a reason phrase with spaces, or none at all', () => {
    expect(head('HTTP/1.1 404 Not Found Here\r\nContent-Length: 0\r\n\r\n').head.statusMessage).toBe('Not Found Here');
    expect(head('HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n').head.statusMessage).toBe('');
  });

  it('accepts lines ending in a bare LF', () => {
    const { head: h, length } = head('HTTP/1.1 200 OK\nA: b\n\nbody');
    expect(h.rawHeaders).toEqual(['A', 'b']);
    expect(length).toBe('HTTP/1.1 200 OK\nA: b\n\n'.length);
  });

  it('is incomplete until the empty line, whatever the split', () => {
    const text = 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n';
    for (let cut = 0; cut < text.length; cut++) {
      const parsed = parseResponseHead(Buffer.from(text.slice(0, cut)), 16 * 1024, 'GET');
      expect(parsed.ok && parsed.value.kind).toBe('incomplete');
    }
  });

  it('frames the body: chunked, Content-Length, until close, or none', () => {
    expect(head('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n').head.framing).toEqual({ kind: 'chunked' });
    expect(head('HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n').head.framing).toEqual({ kind: 'chunked' });
    const gz = head('HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n').head;
    expect(gz.framing).toEqual({ kind: 'close' });
    expect(gz.keepAlive).toBe(false);
    const noLength = head('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n').head;
    expect(noLength.framing).toEqual({ kind: 'close' });
    expect(noLength.keepAlive).toBe(false);
    for (const status of ['204 No Content', '304 Not Modified', '100 Continue', '103 Early Hints']) {
      expect(head(`HTTP/1.1 ${status}\r\nContent-Length: 10\r\n\r\n`).head.framing).toEqual({ kind: 'none' });
    }
    expect(head('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n', 'HEAD').head.framing).toEqual({ kind: 'none' });
  });

  it('lets Transfer-Encoding win over Content-Length, and then does not reuse the connection', () => {
    const h = head('HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n').head;
    expect(h.framing).toEqual({ kind: 'chunked' });
    expect(h.keepAlive).toBe(false);
  });

  it('accepts repeated Content-Length values that agree, and refuses ones that do not', () => {
    expect(head('HTTP/1.1 200 OK\r\nContent-Length: 4\r\nContent-Length: 4\r\n\r\n').head.framing).toEqual({ kind: 'length', length: 4 });
    expect(head('HTTP/1.1 200 OK\r\nContent-Length: 4, 4\r\n\r\n').head.framing).toEqual({ kind: 'length', length: 4 });
    expect(errorCode('HTTP/1.1 200 OK\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\n')).toBe(BAD_BACKEND_RESPONSE);
    expect(errorCode('HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n')).toBe(BAD_BACKEND_RESPONSE);
    expect(errorCode('HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n')).toBe(BAD_BACKEND_RESPONSE);
  });

  it('keeps the connection by version and Connection, and reads the Keep-Alive timeout', () => {
    expect(head('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n').head.keepAlive).toBe(false);
    expect(head('HTTP/1.1 200 OK\r\nConnection: Upgrade, Close\r\nContent-Length: 0\r\n\r\n').head.keepAlive).toBe(false);
    expect(head('HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n').head.keepAlive).toBe(false);
    const ka = head('HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5, max=100\r\nContent-Length: 0\r\n\r\n').head;
    expect(ka.keepAlive).toBe(true);
    expect(ka.keepAliveTimeoutS).toBe(5);
    expect(head('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n').head.keepAliveTimeoutS).toBeUndefined();
  });

  it('refuses what is not an HTTP/1.x response head, with a precise message', () => {
    const cases: Array<[string, RegExp]> = [
      ['HTTP/2 200 OK\r\n\r\n', /status line/],
      ['HTTP/1.1 20 OK\r\n\r\n', /status line/],
      ['SSH-2.0-OpenSSH\r\n\r\n', /status line/],
      ['HTTP/1.1 099 X\r\n\r\n', /below 100/],
      ['HTTP/1.1 200 OK\r\nA: b\r\n  folded\r\n\r\n', /folded/],
      ['HTTP/1.1 200 OK\r\nBad Name: b\r\n\r\n', /not a token/],
      ['HTTP/1.1 200 OK\r\nno colon\r\n\r\n', /not a token/],
      ['HTTP/1.1 200 OK\r\nA: b\x00c\r\n\r\n', /control/],
      ['\r\nHTTP/1.1 200 OK\r\n\r\n', /empty line/],
    ];
    for (const [text, message] of cases) {
      const parsed = parseResponseHead(Buffer.from(text, 'latin1'), 16 * 1024, 'GET');
      expect(parsed.ok).toBe(false);
      if (!parsed.ok) {
        expect(parsed.error.code).toBe(BAD_BACKEND_RESPONSE);
        expect(parsed.error.message).toMatch(message);
      }
    }
  });

  it('refuses a head over the limit, complete or not', () => {
    const big = `HTTP/1.1 200 OK\r\nX: ${'a'.repeat(200)}\r\n`;
    expect(errorCode(big, 100)).toBe(BACKEND_HEAD_TOO_LARGE);
    expect(errorCode(`${big}\r\n`, 100)).toBe(BACKEND_HEAD_TOO_LARGE);
    expect(head(`${big}\r\n`).head.rawHeaders[1]).toHaveLength(200);
  });
});
