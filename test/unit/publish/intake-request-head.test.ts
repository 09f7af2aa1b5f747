import { BAD_HEAD, HEAD_TOO_LARGE, parseRequestHead, type IntakeRequestHead } from '../../../src/publish/intake-request-head';

function head(text: string, max = 8192): { head: IntakeRequestHead; length: number } {
  const r = parseRequestHead(Buffer.from(text, 'latin1'), max);
  if (!r.ok) throw new Error(`unexpected error: ${r.error.message}`);
  if (r.value.kind !== 'head') throw new Error('incomplete');
  return { head: r.value.head, length: r.value.length };
}

function error(text: string, max = 8192): { code: string; message: string } {
  const r = parseRequestHead(Buffer.from(text, 'latin1'), max);
  if (r.ok) throw new Error(`expected an error, got ${r.value.kind}`);
  return { code: r.error.code, message: r.error.message };
}

describe('parseRequestHead', () => {
  it('parses a publish head and says where its body starts', () => {
    const text = 'POST /publish/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 12\r\n\r\n{"items":[]}';
    const { head: h, length } = head(text);
    expect(h).toEqual({
      method: 'POST',
      url: '/publish/',
      minorVersion: 1,
      headers: new Map([
        ['host', 'x'],
        ['content-type', 'application/json'],
        ['content-length', '12'],
      ]),
      contentLength: 12,
      transferEncoding: false,
      keepAlive: true,
      expect: 'none',
    });
    expect(text.slice(length)).toBe('{"items":[]}');
  });

  it('needs more bytes until the empty line, and skips empty lines before the request line', () => {
    for (const part of ['', 'POST /publish/ HTTP/1.1\r\n', 'POST /publish/ HTTP/1.1\r\nHost: x\r\n', 'GET / HTTP/1.1\r\nHost: x\r\n\r']) {
      const r = parseRequestHead(Buffer.from(part), 8192);
      expect(r.ok && r.value.kind).toBe('incomplete');
    }
    const text = '\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\nnext';
    const { head: h, length } = head(text);
    expect([h.method, h.url, text.slice(length)]).toEqual(['GET', '/', 'next']);
  });

  it('keeps connections as the version and Connection say', () => {
    expect(head('GET / HTTP/1.1\r\nHost: x\r\n\r\n').head.keepAlive).toBe(true);
    expect(head('GET / HTTP/1.1\r\nHost: x\r\nConnection: Keep-Alive, Close\r\n\r\n').head.keepAlive).toBe(false);
    expect(head('GET / HTTP/1.0\r\n\r\n').head.keepAlive).toBe(false);
    expect(head('GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n').head.keepAlive).toBe(true);
  });

  it('reads Expect, Transfer-Encoding, and repeated headers (joined, or the first for Authorization)', () => {
    expect(head('POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-Continue\r\nContent-Length: 5\r\n\r\n').head.expect).toBe('continue');
    expect(head('POST / HTTP/1.1\r\nHost: x\r\nExpect: later\r\n\r\n').head.expect).toBe('other');
    const te = head('POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n').head;
    expect([te.transferEncoding, te.contentLength]).toEqual([true, undefined]);
    const h = head('POST / HTTP/1.1\r\nHost: x\r\nAccept: text/plain\r\naccept: application/json\r\nAuthorization: Bearer a\r\nAuthorization: Bearer b\r\n\r\n').head;
    expect([h.headers.get('accept'), h.headers.get('authorization')]).toEqual(['text/plain, application/json', 'Bearer a']);
    expect(head('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n').head.contentLength).toBe(3);
    expect(head('GET / HTTP/1.1\r\nHost: x\r\nX-Empty:\r\nX-Spaced: \t a b \t\r\n\r\n').head.headers).toEqual(
      new Map([
        ['host', 'x'],
        ['x-empty', ''],
        ['x-spaced', 'a b'],
      ]),
    );
  });

  it.each([
    ['BLAH\r\n\r\n', 'the request line is not "METHOD target HTTP/1.x"'],
    ['GET  / HTTP/1.1\r\nHost: x\r\n\r\n', 'the request line is not "METHOD target HTTP/1.x"'],
    ['G(T / HTTP/1.1\r\nHost: x\r\n\r\n', 'the method is not a token'],
    ['GET /\x01 HTTP/1.1\r\nHost: x\r\n\r\n', 'the request target is empty or has controls'],
    ['GET / HTTP/2.0\r\nHost: x\r\n\r\n', 'unsupported version "HTTP/2.0"'],
    ['GET / HTTP/1.1\r\n\r\n', 'an HTTP/1.1 request without Host'],
    ['GET / HTTP/1.1\r\nHost: x\r\n Folded: y\r\n\r\n', 'a folded header line'],
    ['GET / HTTP/1.1\r\nHost: x\r\nBad Name: y\r\n\r\n', 'a header name is not a token'],
    ['GET / HTTP/1.1\r\nHost: x\r\nNo colon\r\n\r\n', 'a header name is not a token'],
    ['GET / HTTP/1.1\r\nHost: x\r\n: empty name\r\n\r\n', 'a header name is not a token'],
    ['GET / HTTP/1.1\r\nHost: x\r\nX: a\x00b\r\n\r\n', 'control characters in header X'],
    ['POST / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n', 'Content-Length is not a number'],
    ['POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n', 'Content-Length is not a number'],
    ['POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1, 1\r\n\r\n', 'Content-Length is not a number'],
    ['POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n', 'conflicting Content-Length headers'],
  ])('refuses %j: %s', (text, message) => {
    expect(error(text)).toEqual({ code: BAD_HEAD, message });
  });

  it('refuses a bare LF at once, complete or not', () => {
    for (const text of ['GET / HTTP/1.1\nHost: x\n\n', 'GET / HTTP/1.1\r\nHost: x\n', '\nGET / HTTP/1.1\r\nHost: x\r\n\r\n']) {
      expect(error(text)).toEqual({ code: BAD_HEAD, message: 'a line ends in LF without CR' });
    }
  });

  it('refuses a head over the limit, finished or still arriving', () => {
    const big = `GET / HTTP/1.1\r\nHost: x\r\nX: ${'a'.repeat(100)}\r\n\r\n`;
    expect(error(big, 64)).toEqual({ code: HEAD_TOO_LARGE, message: 'request head over 64 bytes' });
    expect(error(big.slice(0, 80), 64).code).toBe(HEAD_TOO_LARGE);
    expect(head(big, big.length).length).toBe(big.length);
  });
});
