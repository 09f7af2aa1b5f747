import { backendRequestHead, BAD_BACKEND_REQUEST, defaultHostLine } from '../../../src/proxy/backend-request-head';

function headText(method: string, path: string, headers: Array<[string, string]>, bodyLength = 0): string {
  const head = backendRequestHead(method, path, headers, bodyLength, 'backend:8080');
  if (!head.ok) throw head.error;
  return head.value;
}

describe('backendRequestHead', () => {
  it('writes host first, then connection, the headers in order, and the body length last', () => {
    expect(headText('POST', '/a?b=1', [['Accept', '*/*'], ['Host', 'example.com'], ['X-A', '1'], ['x-a', '2'], ['Content-Length', '999']], 5)).toBe(
      'POST /a?b=1 HTTP/1.1\r\nhost: example.com\r\nconnection: keep-alive\r\nAccept: */*\r\nX-A: 1\r\nx-a: 2\r\ncontent-length: 5\r\n\r\n',
    );
  });

  it("uses the target's host and port without a Host header", () => {
    expect(headText('GET', '/', [])).toBe('GET / HTTP/1.1\r\nhost: backend:8080\r\nconnection: keep-alive\r\n\r\n');
    expect(defaultHostLine('127.0.0.1', 80)).toBe('127.0.0.1');
    expect(defaultHostLine('::1', 8080)).toBe('[::1]:8080');
    expect(defaultHostLine('[::1]', 8080)).toBe('[::1]:8080');
  });

  it('announces an empty body only for methods that expect one', () => {
    expect(headText('PUT', '/', [['Host', 'h']])).toContain('content-length: 0\r\n');
    expect(headText('POST', '/', [['Host', 'h']])).toContain('content-length: 0\r\n');
    expect(headText('DELETE', '/', [['Host', 'h'], ['Content-Length', '0']])).not.toContain('content-length');
    expect(headText('GET', '/', [['Host', 'h']])).not.toContain('content-length');
    expect(headText('GET', '/', [['Host', 'h']], 3)).toContain('content-length: 3\r\n');
  });

  it('refuses what cannot be written: controls in values, bad names, methods and targets', () => {
    const bad: Array<[string, string, Array<[string, string]>]> = [
      ['GET', '/', [['X', 'a\r\nInjected: 1']]],
      ['GET', '/', [['X', 'a\x00']]],
      ['GET', '/', [['Bad Name', 'a']]],
      ['G ET', '/', []],
      ['GET', '/a b', []],
      ['GET', '', []],
    ];
    for (const [method, path, headers] of bad) {
      const head = backendRequestHead(method, path, headers, 0, 'h');
      expect(head.ok).toBe(false);
      if (!head.ok) expect(head.error.code).toBe(BAD_BACKEND_REQUEST);
    }
  });
});
