import { MarkerCounter, messageStamp, postJsonRequest, publishBatchBody, publishBody, ResponseFramer, StampScanner, STAMP_MARKER } from '../../../tools/bench/wire';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

describe('ResponseFramer', () => {
  it('frames Content-Length responses, also split byte by byte and back to back', () => {
    const two = 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\nHTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n';
    expect(new ResponseFramer().feed(b(two))).toEqual([200, 404]);
    const framer = new ResponseFramer();
    const seen: number[] = [];
    for (const ch of two) seen.push(...framer.feed(b(ch)));
    expect(seen).toEqual([200, 404]);
  });

  it('frames chunked responses with trailers and split chunk sizes', () => {
    const text = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\nX-T: 1\r\n\r\n';
    const framer = new ResponseFramer();
    expect(framer.feed(b(text.slice(0, 60)))).toEqual([]);
    expect(framer.feed(b(text.slice(60)))).toEqual([200]);
  });

  it('knows bodiless statuses and Connection: close', () => {
    const framer = new ResponseFramer();
    expect(framer.feed(b('HTTP/1.1 204 No Content\r\n\r\n'))).toEqual([204]);
    expect(framer.closing).toBe(false);
    expect(framer.feed(b('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nhi'))).toEqual([200]);
    expect(framer.closing).toBe(true);
    const old = new ResponseFramer();
    old.feed(b('HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n'));
    expect(old.closing).toBe(true);
  });

  it('keeps no reference to the bytes it was fed (a socket reuses its onread buffer)', () => {
    const text = 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n';
    const shared = Buffer.alloc(64);
    const framer = new ResponseFramer();
    const seen: number[] = [];
    // Split inside the second head; after each feed the shared buffer is overwritten.
    for (const piece of [text.slice(0, 50), text.slice(50)]) {
      const n = shared.write(piece, 'latin1');
      seen.push(...framer.feed(shared.subarray(0, n)));
      shared.fill(0x58);
    }
    expect(seen).toEqual([200, 201]);
  });

  it('throws on bytes that are not a response', () => {
    expect(() => new ResponseFramer().feed(b('SSH-2.0-OpenSSH\r\n\r\n'))).toThrow(/not an HTTP response/);
    expect(() => new ResponseFramer().feed(b('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'))).toThrow(/chunk size/);
    expect(() => new ResponseFramer().feed(b('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nabc\r\n'))).toThrow(/longer/);
  });
});

describe('StampScanner', () => {
  it('finds stamps split across pieces at any point', () => {
    const text = `HTTP/1.1 200 OK\r\n\r\n1a\r\ndata: ${STAMP_MARKER}1700000000123.456\n\n\r\n1a\r\ndata: ${STAMP_MARKER}1700000000124.5\n\n`;
    for (let cut = 0; cut <= text.length; cut++) {
      const scanner = new StampScanner();
      const found = [...scanner.feed(text.slice(0, cut)), ...scanner.feed(text.slice(cut))];
      expect(found).toEqual([1700000000123.456, 1700000000124.5]);
    }
  });

  it('ignores a marker without a number and keeps little carry', () => {
    const scanner = new StampScanner();
    expect(scanner.feed(`${STAMP_MARKER}abc\n`)).toEqual([]);
    expect(scanner.feed('x'.repeat(10000))).toEqual([]);
    expect(scanner.feed(`${STAMP_MARKER}5\n`)).toEqual([5]);
  });

  it('reads what publishBody writes', () => {
    const body = JSON.parse(publishBody('ch', 12.3456)) as { items: Array<{ channel: string; formats: { 'http-stream': { content: string } } }> };
    expect(body.items[0]?.channel).toBe('ch');
    expect(new StampScanner().feed(body.items[0]?.formats['http-stream'].content ?? '')).toEqual([12.346]);
  });
});

describe('MarkerCounter', () => {
  it('counts markers split across pieces', () => {
    const text = ':ka\n\n:ka\n\ndata: x\n\n:ka\n\n';
    for (let cut = 0; cut <= text.length; cut++) {
      const counter = new MarkerCounter(':ka\n');
      expect(counter.feed(text.slice(0, cut)) + counter.feed(text.slice(cut))).toBe(3);
    }
    expect(() => new MarkerCounter('')).toThrow(RangeError);
  });
});

describe('postJsonRequest', () => {
  it('counts the body in bytes, not characters', () => {
    const request = postJsonRequest('/publish/', '127.0.0.1', '"é"').toString('utf8');
    expect(request).toContain('Content-Length: 4\r\n');
    expect(request.endsWith('\r\n\r\n"é"')).toBe(true);
  });
});

describe('publishBatchBody', () => {
  it('one item per channel, same stamp', () => {
    const body = JSON.parse(publishBatchBody(['a', 'b'], 7)) as { items: Array<{ channel: string; formats: { 'http-stream': { content: string } } }> };
    expect(body.items.map((i) => i.channel)).toEqual(['a', 'b']);
    const scanner = new StampScanner();
    expect(body.items.flatMap((i) => scanner.feed(i.formats['http-stream'].content))).toEqual([7, 7]);
    expect(JSON.parse(publishBatchBody([], 1))).toEqual({ items: [] });
  });
});

describe('ws-message publishes', () => {
  it('carry the bare stamp as the message content', () => {
    expect(JSON.parse(publishBody('w1', 1700000000123.4567, 'ws-message'))).toEqual({
      items: [{ channel: 'w1', formats: { 'ws-message': { content: `${STAMP_MARKER}1700000000123.457` } } }],
    });
    const batch = JSON.parse(publishBatchBody(['a', 'b'], 7, 'ws-message')) as { items: Array<{ channel: string; formats: Record<string, { content: string }> }> };
    expect(batch.items.map((i) => [i.channel, Object.keys(i.formats), i.formats['ws-message']?.content])).toEqual([
      ['a', ['ws-message'], `${STAMP_MARKER}7.000`],
      ['b', ['ws-message'], `${STAMP_MARKER}7.000`],
    ]);
  });

  it('the default format is still http-stream', () => {
    expect(publishBody('c', 1)).toBe(publishBody('c', 1, 'http-stream'));
    expect(Object.keys((JSON.parse(publishBody('c', 1)) as { items: Array<{ formats: object }> }).items[0]?.formats ?? {})).toEqual(['http-stream']);
  });
});

describe('messageStamp', () => {
  it('reads the stamp of a whole message', () => {
    expect(messageStamp(`${STAMP_MARKER}1700000000123.457`)).toBe(1700000000123.457);
    expect(messageStamp(`${STAMP_MARKER}12`)).toBe(12);
    const content = (JSON.parse(publishBody('w', 5.5, 'ws-message')) as { items: Array<{ formats: Record<string, { content: string }> }> }).items[0]?.formats['ws-message']?.content ?? '';
    expect(messageStamp(content)).toBe(5.5);
  });

  it('gives undefined without a marker or with something other than a number after it', () => {
    expect(messageStamp('hello')).toBeUndefined();
    expect(messageStamp(STAMP_MARKER)).toBeUndefined();
    expect(messageStamp(`${STAMP_MARKER}12x`)).toBeUndefined();
    expect(messageStamp(`${STAMP_MARKER}-1`)).toBeUndefined();
    expect(messageStamp(`${STAMP_MARKER}1e3`)).toBeUndefined();
  });
});
