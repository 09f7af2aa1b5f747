import net from 'node:net';
import { silentLogger } from '../../../src/core/logger';
import { IntakeServer, type IntakeReply, type IntakeRequest } from '../../../src/publish/intake-server';
import { rawExchange } from '../../hardening/hardening-helpers';

/** The publish intake's HTTP/1.1 server on its own, with a handler that records what it was asked. */
describe('IntakeServer', () => {
  let server: IntakeServer;
  let port: number;
  const seen: Array<{ method: string; url: string; body: string }> = [];
  /** Paths whose answer comes later (a promise), ms. */
  const delays: Record<string, number> = { '/slow': 150 };

  /** `/big...` answers carry 64 KiB more, so that answers can outgrow the socket buffers. */
  const answer = (req: IntakeRequest): IntakeReply => ({
    code: 200,
    reason: 'OK',
    contentType: 'text/plain',
    body: `${req.head.url} ${req.body.length}\n${req.head.url.startsWith('/big') ? 'x'.repeat(65536) : ''}`,
  });

  beforeAll(async () => {
    server = new IntakeServer({ maxHeadBytes: 1024, maxBodyBytes: 100, logger: silentLogger }, (req) => {
      seen.push({ method: req.head.method, url: req.head.url, body: req.body.toString() });
      if (req.head.url === '/throw') throw new Error('handler bug');
      const delay = delays[req.head.url];
      return delay === undefined ? answer(req) : new Promise((resolve) => setTimeout(() => resolve(answer(req)), delay));
    });
    port = await server.listen(0, '127.0.0.1');
  });
  afterAll(() => server.close());
  beforeEach(() => {
    seen.length = 0;
  });

  const post = (path: string, body: string, extra = ''): string =>
    `POST ${path} HTTP/1.1\r\nHost: x\r\n${extra}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  const bodies = (data: string): string[] => data.split(/HTTP\/1\.1 \d+ [^\r]*\r\n(?:[^\r]+\r\n)*\r\n/).slice(1);

  it('answers pipelined requests in order, a slow one holding back those after it', async () => {
    const r = await rawExchange(port, [post('/slow', 'abc') + post('/fast', 'de') + post('/fast', '')], { ms: 600 });
    expect(bodies(r.data)).toEqual(['/slow 3\n', '/fast 2\n', '/fast 0\n']);
    expect(seen.map((s) => s.body)).toEqual(['abc', 'de', '']);
    expect(r.closed).toBe(false);
  });

  it('waits for a body that arrives in pieces, and answers HEAD without a body', async () => {
    const whole = post('/pieces', '0123456789');
    // The body's last piece and the next request come in one write.
    const r = await rawExchange(port, [whole.slice(0, 20), whole.slice(20, whole.length - 4), whole.slice(-4) + 'HEAD /h HTTP/1.1\r\nHost: x\r\n\r\n'], { gapMs: 50, ms: 500 });
    expect(seen.map((s) => [s.method, s.body])).toEqual([
      ['POST', '0123456789'],
      ['HEAD', ''],
    ]);
    expect(r.data).toMatch(/\r\n\r\n\/pieces 10\nHTTP\/1\.1 200 OK\r\n[^]*Content-Length: 5\r\n[^]*\r\n\r\n$/);
  });

  it('sends 100 Continue before a body the client waits to send', async () => {
    const r = await rawExchange(port, [`POST /c HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n`, 'body'], { gapMs: 100, ms: 400 });
    expect(r.data).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK\r\n[^]*\/c 4\n$/);
  });

  it('refuses a body over the limit without reading it, and an unknown expectation, then closes', async () => {
    const big = await rawExchange(port, [`POST /big HTTP/1.1\r\nHost: x\r\nContent-Length: 101\r\n\r\n`], { ms: 1500 });
    expect(big.data).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n[^]*Connection: close\r\n[^]*Request body too large\.\n$/);
    expect(big.closed).toBe(true);
    const expect417 = await rawExchange(port, [post('/e', 'x', 'Expect: soon\r\n')], { ms: 1500 });
    expect(expect417.data).toMatch(/^HTTP\/1\.1 417 Expectation Failed\r\n/);
    expect(expect417.closed).toBe(true);
    expect(seen).toEqual([]);
  });

  it('answers 400 to a malformed head or one over the limit, closes, and never calls the handler', async () => {
    const bad = await rawExchange(port, [post('/ok', '') + 'NOT HTTP\r\n\r\n'], { ms: 1500 });
    expect(bodies(bad.data)).toEqual(['/ok 0\n', 'Bad request.\n']);
    expect(bad.closed).toBe(true);
    const long = await rawExchange(port, [`GET / HTTP/1.1\r\nHost: x\r\nX: ${'a'.repeat(2000)}`], { ms: 1500 });
    expect(bodies(long.data)).toEqual(['Request header too large.\n']);
    expect(long.closed).toBe(true);
    expect(seen.map((s) => s.url)).toEqual(['/ok']);
  });

  it('closes after answering a Transfer-Encoding request (its body has no length here)', async () => {
    const r = await rawExchange(port, ['POST /te HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n'], { ms: 1500 });
    expect(r.data).toMatch(/^HTTP\/1\.1 200 OK\r\n[^]*Connection: close\r\n\r\n\/te 0\n$/);
    expect(r.closed).toBe(true);
    expect(seen.map((s) => s.url)).toEqual(['/te']);
  });

  it('answers 500 when the handler throws, and keeps serving', async () => {
    const r = await rawExchange(port, [post('/throw', '') + post('/after', '')], { ms: 400 });
    expect(bodies(r.data)).toEqual(['Internal error.\n', '/after 0\n']);
    expect(r.data).toMatch(/^HTTP\/1\.1 500 Internal Server Error\r\n/);
  });

  it('answers a client that shut its side after sending, then closes', async () => {
    const data = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => socket.end(post('/slow', 'x')));
      let got = '';
      socket.on('data', (d: Buffer) => (got += d.toString('latin1')));
      socket.on('close', () => resolve(got));
      socket.on('error', reject);
    });
    expect(bodies(data)).toEqual(['/slow 1\n']);
  });

  it('answers every pipelined request of a client that reads late, in order (the server waits for drains)', async () => {
    const count = 400; // 26 MB of answers, more than loopback's socket buffers hold
    const requests = Array.from({ length: count }, (_, i) => post(`/big${i}`, '')).join('');
    const data = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.pause(); // answers pile up in the server until this client reads
        socket.write(requests);
        setTimeout(() => socket.resume(), 300);
      });
      const parts: Buffer[] = [];
      const mark = 'HTTP/1.1 200 OK';
      let tail = ''; // shorter than the mark: an answer's start split between two reads counts once
      let answers = 0;
      socket.on('data', (d: Buffer) => {
        parts.push(d);
        const text = tail + d.toString('latin1');
        for (let at = text.indexOf(mark); at >= 0; at = text.indexOf(mark, at + 1)) answers++;
        tail = text.slice(-(mark.length - 1));
        if (answers >= count) socket.end();
      });
      socket.on('close', () => resolve(Buffer.concat(parts).toString('latin1')));
      socket.on('error', reject);
    });
    const answered = bodies(data);
    expect(answered.length).toBe(count);
    expect(answered.every((b, i) => b === `/big${i} 0\n${'x'.repeat(65536)}`)).toBe(true);
    expect(seen.length).toBe(count);
  });

  it('closes open connections on close()', async () => {
    const other = new IntakeServer({ maxHeadBytes: 1024, maxBodyBytes: 100, logger: silentLogger }, answer);
    const otherPort = await other.listen(0, '127.0.0.1');
    const pending = rawExchange(otherPort, [post('/x', '')], { ms: 3000 });
    await new Promise((r) => setTimeout(r, 100));
    await other.close();
    const r = await pending;
    expect(bodies(r.data)).toEqual(['/x 0\n']);
    expect([r.closed, r.elapsedMs < 2000]).toEqual([true, true]);
  });
});
