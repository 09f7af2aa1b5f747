/**
 * The lean front (src/proxy/lean-front.ts) on real sockets: two real Thumbtacks on the same backend, one
 * reading client requests with the lean front (the default) and one with Node's HTTP server only
 * (`THUMBTACK_LEAN_FRONT=0`), sent the same raw bytes: the clients must receive the same bytes from both,
 * whichever of the two parts of the lean one read the request. Then what only the front does: timeouts,
 * a client gone mid-request, a body or head arriving in pieces.
 */
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import * as fc from 'fast-check';
import { headCheckIntervalMs, LeanFront } from '../../../src/proxy/lean-front';
import { runs } from '../../fuzz/fuzz-settings';
import { startBackend, startProxy, until, type Backend, type RunningProxy } from '../../helpers/harness';

/** Sends `parts` (one write each, `gapMs` apart), returns all bytes received until the server closes. */
async function exchange(port: number, parts: string[], opts: { gapMs?: number; closeAfterMs?: number; until?: (text: string) => boolean } = {}): Promise<string> {
  const socket = net.connect(port, '127.0.0.1');
  let text = '';
  socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  for (const part of parts) {
    socket.write(part);
    if (opts.gapMs) await new Promise((r) => setTimeout(r, opts.gapMs));
  }
  if (opts.until) {
    const check = opts.until;
    await until(() => check(text), 5000, 'the expected bytes');
    socket.destroy();
  } else if (opts.closeAfterMs !== undefined) {
    await new Promise((r) => setTimeout(r, opts.closeAfterMs));
    socket.destroy();
  }
  await closed;
  return text;
}

function withoutDate(text: string): string {
  return text.replace(/\r\nDate: [^\r]*/g, '');
}

function portOf(proxy: RunningProxy): number {
  return Number(new URL(proxy.url).port);
}

function counts(proxy: RunningProxy): { requests: number; handedOver: number; heldWithoutResponse: number } {
  return proxy.thumbtack.worker.proxy.leanFrontCounts();
}

describe('lean front', () => {
  let backend: Backend;
  let lean: RunningProxy;
  let node: RunningProxy;
  /** Slow backend requests answered so far. */
  const answered: string[] = [];
  /** The lean proxy's log lines (info level: the access log). */
  const leanLog: string[] = [];

  beforeAll(async () => {
    backend = await startBackend((req, res) => {
      res.sendDate = false; // the same bytes every time
      const url = req.url ?? '/';
      if (url === '/plain') {
        res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': '6' });
        res.end(req.method === 'HEAD' ? undefined : 'hello\n');
      } else if (url.startsWith('/stream/')) {
        res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Grip-Hold': 'stream', 'Grip-Channel': url.slice(8) });
        res.end('start\n');
      } else if (url === '/echo') {
        const body = (backend.requests[backend.requests.length - 1]?.body ?? '');
        res.writeHead(200, { 'Content-Type': 'text/plain', 'X-Method': req.method ?? '' });
        res.end(`got ${body.length}: ${body}\n`);
      } else if (url.startsWith('/stream-latin1/')) {
        res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Grip-Hold': 'stream', 'Grip-Channel': url.slice(15), 'X-Name': 'caf\u00e9' });
        res.end();
      } else if (url.startsWith('/slow-stream/')) {
        setTimeout(() => {
          res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Grip-Hold': 'stream', 'Grip-Channel': url.slice(13) });
          res.end('start\n');
          answered.push(url);
        }, 400);
      } else {
        res.writeHead(404, { 'Content-Type': 'text/plain' });
        res.end('no such thing\n');
      }
    });
    const routes = [`* 127.0.0.1:${backend.port}`];
    const config = { clientHeadersTimeout: 1 };
    // Each proxy's front is chosen here, whatever THUMBTACK_LEAN_FRONT the suite runs with.
    const before = process.env.THUMBTACK_LEAN_FRONT;
    try {
      process.env.THUMBTACK_LEAN_FRONT = '1';
      lean = await startProxy({ routes, config, logLines: leanLog });
      process.env.THUMBTACK_LEAN_FRONT = '0';
      node = await startProxy({ routes, config });
    } finally {
      if (before === undefined) delete process.env.THUMBTACK_LEAN_FRONT;
      else process.env.THUMBTACK_LEAN_FRONT = before;
    }
  });

  afterAll(async () => {
    await lean.close();
    await node.close();
    await backend.close();
  });

  it('reads plain requests itself and answers them byte for byte as Node\'s server does', async () => {
    const cases = [
      'GET /plain HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      // Three pipelined requests in one write, answered in order on one connection.
      'GET /plain HTTP/1.1\r\nHost: x\r\n\r\nHEAD /plain HTTP/1.1\r\nHost: x\r\n\r\nGET /missing HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      'GET /plain HTTP/1.0\r\n\r\n',
      'GET /plain HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /plain HTTP/1.0\r\n\r\n',
      'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n\r\nhello there' +
        'PUT /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n',
      'DELETE /plain HTTP/1.1\r\nHost: x\r\nX-Spaced:   a  b \t\r\nConnection: close\r\n\r\n',
    ];
    for (const raw of cases) {
      const before = counts(lean);
      const viaLean = await exchange(portOf(lean), [raw]);
      const viaNode = await exchange(portOf(node), [raw]);
      expect(viaLean).toBe(viaNode);
      expect(viaLean).toMatch(/^HTTP\/1\.[01] 200 OK\r\n/);
      const requests = raw.split(/(?:GET|HEAD|POST|PUT|DELETE) \//).length - 1;
      expect(counts(lean).requests - before.requests).toBe(requests);
      expect(counts(lean).handedOver).toBe(before.handedOver);
      expect(counts(lean).heldWithoutResponse).toBe(before.heldWithoutResponse);
    }
    expect(counts(node)).toEqual({ requests: 0, handedOver: 0, heldWithoutResponse: 0 });
  });

  it('holds a stream read by the front: same head and initial body, then published items arrive', async () => {
    const raw = 'GET /stream/lean-s HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n';
    const viaNode = exchange(portOf(node), [raw], { until: (t) => t.endsWith('start\n\r\n') });
    const before = counts(lean);
    const socket = net.connect(portOf(lean), '127.0.0.1');
    let text = '';
    socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
    socket.write(raw);
    await until(() => text.endsWith('start\n\r\n'), 5000, 'the stream head');
    expect(text).toBe(await viaNode);
    expect(counts(lean).requests).toBe(before.requests + 1);
    // Its head went straight to the socket: no Node request or response was made for it.
    expect(counts(lean).heldWithoutResponse).toBe(before.heldWithoutResponse + 1);
    await until(() => (lean.thumbtack.worker.hold.index.get('lean-s')?.size ?? 0) === 1, 5000, 'the subscription');
    const res = await fetch(`${lean.publishUrl}/publish/`, {
      method: 'POST',
      body: JSON.stringify({ items: [{ channel: 'lean-s', formats: { 'http-stream': { content: 'item\n' } } }] }),
    });
    expect(res.status).toBe(200);
    await until(() => text.endsWith('5\r\nitem\n\r\n'), 5000, 'the published item');
    socket.destroy();
  });

  it('leaves to Node a stream head it would write differently, and writes the same bytes', async () => {
    // A byte past ASCII in a header: Node writes a head sent alone as UTF-8 (stream-head.ts), so Node writes it.
    const raw = 'GET /stream-latin1/lean-l HTTP/1.1\r\nHost: x\r\n\r\n';
    const viaNode = exchange(portOf(node), [raw], { until: (t) => t.includes('\r\n\r\n') });
    const before = counts(lean);
    const viaLean = await exchange(portOf(lean), [raw], { until: (t) => t.includes('\r\n\r\n') });
    expect(viaLean).toBe(await viaNode);
    expect(viaLean).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(counts(lean).requests).toBe(before.requests + 1);
    expect(counts(lean).heldWithoutResponse).toBe(before.heldWithoutResponse);
  });

  it.each([
    ['HTTP/1.0', 'GET /stream/lean-10 HTTP/1.0\r\nHost: x\r\n\r\n'],
    ['Connection: close', 'GET /stream/lean-close HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'],
  ])('leaves to Node the stream head of a request that does not keep its connection (%s)', async (_name, raw) => {
    const viaNode = exchange(portOf(node), [raw], { until: (t) => t.endsWith('start\n') || t.endsWith('start\n\r\n') });
    const before = counts(lean);
    const viaLean = await exchange(portOf(lean), [raw], { until: (t) => t.endsWith('start\n') || t.endsWith('start\n\r\n') });
    expect(viaLean).toBe(await viaNode);
    expect(viaLean).toMatch(/\r\nConnection: close\r\n/);
    expect(counts(lean).heldWithoutResponse).toBe(before.heldWithoutResponse);
  });

  it('logs a request whose client left before the backend answered, as when the response was made at once', async () => {
    const lines = leanLog;
    const socket = net.connect(portOf(lean), '127.0.0.1');
    socket.on('error', () => undefined);
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write('GET /slow-stream/left-early HTTP/1.1\r\nHost: x\r\n\r\n');
    await until(() => backend.requests.some((r) => r.url === '/slow-stream/left-early'), 5000, 'the backend request');
    socket.destroy();
    await until(() => answered.includes('/slow-stream/left-early'), 5000, 'the backend answer');
    await until(() => lines.some((l) => l.includes('/slow-stream/left-early')), 5000, 'the access-log line');
    const entry = JSON.parse(lines.find((l) => l.includes('/slow-stream/left-early')) as string) as Record<string, unknown>;
    expect(entry).toMatchObject({ held: false, completed: false });
    expect(lean.thumbtack.worker.hold.index.get('left-early')?.size ?? 0).toBe(0);
  });

  it('ends the hold of a client that sent far ahead of its held request when it goes away', async () => {
    // 100 KB after the request: the front stops reading past 64 KB while the request is answered.
    const socket = net.connect(portOf(lean), '127.0.0.1');
    let text = '';
    socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
    socket.write(`GET /slow-stream/far-ahead HTTP/1.1\r\nHost: x\r\n\r\n${'x'.repeat(100_000)}`);
    await until(() => (lean.thumbtack.worker.hold.index.get('far-ahead')?.size ?? 0) === 1, 5000, 'the hold');
    await until(() => text.endsWith('start\n\r\n'), 5000, 'the stream head');
    socket.end();
    await until(() => (lean.thumbtack.worker.hold.index.get('far-ahead')?.size ?? 0) === 0, 5000, 'the hold to end');
    socket.destroy();
  });

  it.each([
    ['a chunked request body', ['POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n']],
    ['Expect: 100-continue', ['POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi']],
    ['a malformed request line', ['G@T / HTTP/1.1\r\nHost: x\r\n\r\n']],
    ['HTTP/1.1 without Host', ['GET /plain HTTP/1.1\r\n\r\n']],
    ['a head over client_buffer_size', [`GET /plain HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(9000)}\r\n\r\n`]],
    ['a head in pieces', ['GET /plain HT', 'TP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n']],
    ['a body in pieces', ['POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nConnection: close\r\n\r\nhello', ' body']],
    ['a plain request, then one the front does not read', ['GET /plain HTTP/1.1\r\nHost: x\r\n\r\nPOST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n2\r\nok\r\n0\r\n\r\n']],
  ])('hands %s over to Node\'s server, which answers as it alone would', async (_what, parts) => {
    const before = counts(lean).handedOver;
    const viaLean = await exchange(portOf(lean), parts, { gapMs: 100 });
    const viaNode = await exchange(portOf(node), parts, { gapMs: 100 });
    // Node's own answers (400 to a request without Host) carry the time, which may tick in between.
    expect(withoutDate(viaLean)).toBe(withoutDate(viaNode));
    expect(viaLean).toMatch(/^HTTP\/1\.1 /);
    expect(counts(lean).handedOver).toBe(before + 1);
  });

  it('answers any mix of pipelined requests, split anywhere, with the same bytes as Node\'s server', async () => {
    const REQUESTS = [
      'GET /plain HTTP/1.1\r\nHost: x\r\n\r\n',
      'HEAD /plain HTTP/1.1\r\nHost: x\r\n\r\n',
      'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello',
      'POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
      'GET /missing HTTP/1.1\r\nHost: x\r\n\r\n',
      'GET /plain HTTP/1.0\r\nConnection: keep-alive\r\n\r\n',
      'PUT /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n',
    ];
    const LAST = 'GET /plain HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n';
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom(...REQUESTS), { minLength: 1, maxLength: 4 }),
        fc.array(fc.nat(), { maxLength: 3 }),
        async (picked, cuts) => {
          const wire = picked.join('') + LAST;
          const at = [...new Set(cuts.map((c) => 1 + (c % (wire.length - 1))))].sort((a, b) => a - b);
          const parts = [0, ...at].map((start, i) => wire.slice(start, at[i] ?? wire.length));
          const viaLean = await exchange(portOf(lean), parts, { gapMs: 15 });
          const viaNode = await exchange(portOf(node), parts, { gapMs: 15 });
          expect(viaLean).toBe(viaNode);
          expect(viaLean.split('HTTP/1.').length - 1).toBe(picked.length + 1);
        },
      ),
      runs(25), // FUZZ_SEED / FUZZ_RUNS explore further (test/fuzz/fuzz-settings.ts)
    );
  }, 60_000);

  it('hands a WebSocket upgrade over: the handshake is answered as before', async () => {
    const raw = 'GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n';
    const done = (t: string) => t.includes('\r\n\r\n');
    const before = counts(lean).handedOver;
    const viaLean = await exchange(portOf(lean), [raw], { until: done });
    const viaNode = await exchange(portOf(node), [raw], { until: done });
    expect(viaLean.split('\r\n')[0]).toBe(viaNode.split('\r\n')[0]);
    expect(counts(lean).handedOver).toBe(before + 1);
  });

  it('answers 408 to a connection that sends nothing within client_headers_timeout', async () => {
    const started = Date.now();
    const viaLean = await exchange(portOf(lean), []);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    const viaNode = await exchange(portOf(node), []);
    expect(viaLean).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(viaLean).toBe(viaNode);
  });

  it('answers 408 to a first head still incomplete client_headers_timeout after the connection began, handed over or not', async () => {
    // Silent for 0.9 s, then a partial head: the front hands it over at once; Node's server alone would
    // answer 408 1 s after the connection began, and so must the pair (not 1 s after the hand-over).
    const late = async (port: number): Promise<{ text: string; ms: number }> => {
      const socket = net.connect(port, '127.0.0.1');
      const started = Date.now();
      let text = '';
      let firstAt = 0;
      socket.on('data', (d: Buffer) => {
        firstAt ||= Date.now();
        text += d.toString('latin1');
      });
      socket.on('error', () => undefined);
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      await new Promise((r) => setTimeout(r, 900));
      socket.write('GET /plain HTTP/1.1\r\nHo');
      await closed;
      return { text, ms: firstAt - started };
    };
    const before = counts(lean).handedOver;
    const viaLean = await late(portOf(lean));
    expect(counts(lean).handedOver).toBe(before + 1);
    expect(viaLean.text).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(viaLean.ms).toBeGreaterThanOrEqual(900);
    expect(viaLean.ms).toBeLessThan(1600);
    const viaNode = await late(portOf(node));
    expect(viaLean.text).toBe(viaNode.text);
    // A head that completes in time, after the hand-over, is answered as usual (no 408 later on).
    const slowButInTime = await exchange(portOf(lean), ['GET /plain HTTP/1.1\r\nHo', 'st: x\r\n\r\n'], { gapMs: 300, closeAfterMs: 1200 });
    expect(slowButInTime).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(slowButInTime).not.toContain('408');
  });

  it('does not hold a client gone before the backend answered, and forgets its connection', async () => {
    const connections = lean.thumbtack.worker.proxy.connections;
    await exchange(portOf(lean), ['GET /slow-stream/gone HTTP/1.1\r\nHost: x\r\n\r\n'], { closeAfterMs: 100 });
    await until(() => answered.includes('/slow-stream/gone'), 5000, 'the backend answer');
    await new Promise((r) => setTimeout(r, 100));
    expect(lean.thumbtack.worker.hold.index.get('gone')?.size ?? 0).toBe(0);
    expect(connections.count).toBe(0);
    // A client still there is held (the same request, waited for).
    const socket = net.connect(portOf(lean), '127.0.0.1');
    let text = '';
    socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
    socket.write('GET /slow-stream/stays HTTP/1.1\r\nHost: x\r\n\r\n');
    await until(() => (lean.thumbtack.worker.hold.index.get('stays')?.size ?? 0) === 1, 5000, 'the hold');
    await until(() => text.endsWith('start\n\r\n'), 5000, 'the stream head');
    socket.destroy();
  });
});

describe('LeanFront on its own', () => {
  it('closes a keep-alive connection idle past its timeout (plus Node\'s 1 s margin), not before', async () => {
    const fallback = http.createServer();
    const front = new LeanFront({
      maxHeadBytes: 8192,
      headersTimeoutMs: 10_000,
      keepAliveTimeoutMs: 200,
      fallback,
      onRequest: (_req, res) => res.end('ok'),
      onHeadersTimeout: (socket) => socket.destroy(),
    });
    await new Promise<void>((resolve) => front.server.listen(0, '127.0.0.1', resolve));
    const port = (front.server.address() as AddressInfo).port;
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
    const closedAt = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now())));
    socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await until(() => text.endsWith('ok'), 5000, 'the answer');
    const answeredAt = Date.now();
    expect(text).toMatch(/\r\nKeep-Alive: timeout=0\r\n/); // 200 ms, as Node rounds it down
    const idleMs = (await closedAt) - answeredAt;
    expect(idleMs).toBeGreaterThanOrEqual(1100);
    expect(idleMs).toBeLessThan(3000);
    expect(front.requests).toBe(1);
    front.server.close();
  });

  it('times each silent connection from its own start with one shared check, and keeps no timer on a served socket', async () => {
    const fallback = http.createServer();
    const overdue: Array<{ name: string; ms: number }> = [];
    const started = new Map<net.Socket, { name: string; at: number }>();
    /**
     * Each served request's socket timer when its request came: Node keeps a socket's last timer in its
     * `kTimeout` slot (null from the constructor) even once cleared, so a timer armed per connection would
     * stay on every held socket.
     */
    const timersAtRequest: unknown[] = [];
    const front = new LeanFront({
      maxHeadBytes: 8192,
      headersTimeoutMs: 600,
      keepAliveTimeoutMs: 5000,
      fallback,
      onRequest: (req, res) => {
        const slot = Object.getOwnPropertySymbols(req.socket).find((sym) => sym.description === 'timeout');
        timersAtRequest.push(slot === undefined ? 'no kTimeout slot' : (req.socket as unknown as Record<symbol, unknown>)[slot]);
        res.end('ok');
      },
      onHeadersTimeout: (socket) => {
        const who = [...started.entries()].find(([client]) => client.localPort === socket.remotePort)?.[1];
        overdue.push({ name: who?.name ?? '?', ms: Date.now() - (who?.at ?? 0) });
        socket.destroy();
      },
    });
    await new Promise<void>((resolve) => front.server.listen(0, '127.0.0.1', resolve));
    const port = (front.server.address() as AddressInfo).port;
    const open = async (name: string): Promise<net.Socket> => {
      const socket = net.connect(port, '127.0.0.1');
      socket.on('error', () => undefined);
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      started.set(socket, { name, at: Date.now() });
      return socket;
    };
    const clients: net.Socket[] = [];
    try {
      clients.push(await open('first'));
      await new Promise((r) => setTimeout(r, 400));
      clients.push(await open('second'));
      // One that speaks in time is served, and no Node timer was armed on its socket before its request.
      const speaker = await open('speaker');
      clients.push(speaker);
      let text = '';
      speaker.on('data', (d: Buffer) => (text += d.toString('latin1')));
      speaker.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
      await until(() => text.endsWith('ok'), 5000, 'the answer');
      await until(() => overdue.length === 2, 5000, 'both silent connections timed out');
      // The check runs every 150 ms here (a quarter of 600): each is cut 600–~800 ms after its own start.
      expect(overdue.map((o) => o.name)).toEqual(['first', 'second']);
      for (const o of overdue) {
        expect(o.ms).toBeGreaterThanOrEqual(590);
        expect(o.ms).toBeLessThan(1200);
      }
      expect(timersAtRequest).toEqual([null]);
    } finally {
      for (const socket of clients) socket.destroy();
      front.server.close();
    }
  });
});

describe('headCheckIntervalMs', () => {
  it('is a quarter of the headers timeout within 100 ms..5 s, as the Node server of the proxy checks', () => {
    expect(headCheckIntervalMs(1000)).toBe(250);
    expect(headCheckIntervalMs(200)).toBe(100);
    expect(headCheckIntervalMs(60_000)).toBe(5000);
  });
});
