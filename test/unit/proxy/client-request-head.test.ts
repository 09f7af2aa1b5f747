import { parseClientHead, type ClientHeadParse } from '../../../src/proxy/client-request-head';

const LIMIT = 8192;

function parse(text: string, limit = LIMIT): ClientHeadParse {
  return parseClientHead(Buffer.from(text, 'latin1'), limit);
}

function head(text: string) {
  const r = parse(text);
  if (r.kind !== 'request') throw new Error(`expected a request, got ${JSON.stringify(r)}`);
  return r;
}

describe('parseClientHead', () => {
  it('reads a plain GET: method, target, version, raw headers in order, length of the head', () => {
    const text = 'GET /stream/news?x=1 HTTP/1.1\r\nHost: example.com\r\nAccept: text/event-stream\r\n\r\n';
    const r = head(text + 'GET /next');
    expect(r.length).toBe(text.length);
    expect(r.head).toEqual({
      method: 'GET',
      url: '/stream/news?x=1',
      minorVersion: 1,
      rawHeaders: ['Host', 'example.com', 'Accept', 'text/event-stream'],
      contentLength: 0,
      keepAlive: true,
    });
  });

  it('keeps names as sent and repeats, and trims spaces and tabs around values as llhttp does', () => {
    const r = head('GET / HTTP/1.1\r\nHost: a\r\nX-A:  spaced  value \t \r\nX-B:\r\nX-C:\tt\r\nx-a: two\r\n\r\n');
    expect(r.head.rawHeaders).toEqual(['Host', 'a', 'X-A', 'spaced  value', 'X-B', '', 'X-C', 't', 'x-a', 'two']);
  });

  it('reads Content-Length as the body length', () => {
    expect(head('POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 12\r\n\r\n').head.contentLength).toBe(12);
    expect(head('POST /p HTTP/1.1\r\nHost: a\r\ncontent-length: 0\r\n\r\n').head.contentLength).toBe(0);
  });

  it('decides keep-alive as llhttp does: 1.1 unless close, 1.0 only when asked', () => {
    expect(head('GET / HTTP/1.1\r\nHost: a\r\n\r\n').head.keepAlive).toBe(true);
    expect(head('GET / HTTP/1.1\r\nHost: a\r\nConnection: Close\r\n\r\n').head.keepAlive).toBe(false);
    expect(head('GET / HTTP/1.1\r\nHost: a\r\nConnection: TE, close\r\n\r\n').head.keepAlive).toBe(false);
    expect(head('GET / HTTP/1.0\r\n\r\n').head.keepAlive).toBe(false);
    expect(head('GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n').head.keepAlive).toBe(true);
    expect(head('GET / HTTP/1.0\r\nHost: a\r\n\r\n').head.minorVersion).toBe(0);
  });

  it('says incomplete until the empty line has arrived', () => {
    expect(parse('GET / HTTP/1.1\r\nHost: a\r\n').kind).toBe('incomplete');
    expect(parse('GET / HTTP/1.1\r\nHost: a\r\n\r').kind).toBe('incomplete');
    expect(parse('').kind).toBe('incomplete');
  });

  it.each([
    ['an upgrade', 'GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n'],
    ['an expectation', 'POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n'],
    ['a chunked body', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n'],
    ['a repeated Content-Length', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n'],
    ['a signed Content-Length', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +3\r\n\r\n'],
    ['CONNECT', 'CONNECT a:443 HTTP/1.1\r\nHost: a\r\n\r\n'],
    ['an unknown method', 'BREW /pot HTTP/1.1\r\nHost: a\r\n\r\n'],
    ['a lower-case method', 'get / HTTP/1.1\r\nHost: a\r\n\r\n'],
    ['an absolute-form target', 'GET http://a/ HTTP/1.1\r\nHost: a\r\n\r\n'],
    ['an asterisk target', 'OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n'],
    ['a target with a byte over 0x7e', 'GET /\xe9 HTTP/1.1\r\nHost: a\r\n\r\n'],
    ['HTTP/2.0', 'GET / HTTP/2.0\r\nHost: a\r\n\r\n'],
    ['HTTP/0.9 style', 'GET /\r\n\r\n'],
    ['two spaces in the request line', 'GET  / HTTP/1.1\r\nHost: a\r\n\r\n'],
    ['HTTP/1.1 without Host', 'GET / HTTP/1.1\r\nAccept: */*\r\n\r\n'],
    ['a folded line', 'GET / HTTP/1.1\r\nHost: a\r\nX-A: one\r\n two\r\n\r\n'],
    ['a space before the colon', 'GET / HTTP/1.1\r\nHost : a\r\n\r\n'],
    ['a line without a colon', 'GET / HTTP/1.1\r\nHost: a\r\nnonsense\r\n\r\n'],
    ['obs-text in a value', 'GET / HTTP/1.1\r\nHost: a\r\nX-A: caf\xe9\r\n\r\n'],
    ['a control in a value', 'GET / HTTP/1.1\r\nHost: a\r\nX-A: a\x01b\r\n\r\n'],
    ['a bare LF', 'GET / HTTP/1.1\nHost: a\r\n\r\n'],
    ['a bare CR', 'GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n'],
    ['a leading empty line', '\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n'],
    ['both close and keep-alive', 'GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n'],
  ])('leaves %s to Node', (_what, text) => {
    expect(parse(text).kind).toBe('other');
  });

  it('leaves a head over the limit to Node, complete or not', () => {
    const big = `GET / HTTP/1.1\r\nHost: a\r\nX-Big: ${'b'.repeat(200)}\r\n\r\n`;
    expect(parse(big, 100).kind).toBe('other');
    expect(parse(big.slice(0, 150), 100).kind).toBe('other');
    expect(parse(big, big.length).kind).toBe('request');
  });

  it('leaves more than 1,000 fields to Node (it keeps only 2,000 entries of rawHeaders)', () => {
    const fields = (n: number) => `GET / HTTP/1.1\r\nHost: a\r\n${'X: y\r\n'.repeat(n - 1)}\r\n`;
    expect(parse(fields(1000), 1 << 20).kind).toBe('request');
    expect(parse(fields(1001), 1 << 20).kind).toBe('other');
  });
});
