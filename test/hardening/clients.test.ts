import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { SignJWT } from 'jose';
import { startBackend, request, until, type Backend } from '../helpers/harness';
import { open, wsUrl } from '../integration/websocket/ws-helpers';
import { Bystander, holdBystander, rawExchange, startHardened, statusOf, type HardenedProxy } from './hardening-helpers';

/**
 * Hostile clients (issue 7, item 1): each attack gets its client-visible answer, and a bystander stream
 * opened before it still receives what is published after it.
 */
describe('hardening: hostile clients', () => {
  let backend: Backend;
  let proxy: HardenedProxy;
  let bystander: Bystander;

  beforeAll(async () => {
    backend = await startBackend((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (path === '/echo') {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(req.headers));
      } else if (path === '/firehose') {
        res.writeHead(200, { 'Content-Type': 'text/plain', 'Grip-Hold': 'stream', 'Grip-Channel': 'firehose' });
        res.end('firehose\n');
      } else holdBystander(res);
    });
    proxy = await startHardened({
      routes: [`*,path_beg=/ws,id=wstest test`, `*,id=main 127.0.0.1:${backend.port}`],
      config: { clientHeadersTimeout: 1, clientBufferSize: 8192, messageRate: undefined },
      maxQueuedBytes: 256 * 1024,
    });
    proxy.thumbtack.worker.websockets.limits.maxMessageBytes = 1000;
    bystander = await Bystander.open(proxy);
  });
  afterAll(async () => {
    bystander.close();
    await proxy.close();
    await backend.close();
  });

  it('answers 431 to an oversize request line and to oversize headers', async () => {
    const longLine = await rawExchange(proxy.port, [`GET /${'a'.repeat(10_000)} HTTP/1.1\r\nHost: x\r\n\r\n`]);
    expect(statusOf(longLine.data)).toBe(431);
    expect(longLine.closed).toBe(true);
    const manyHeaders = Array.from({ length: 200 }, (_, i) => `X-H${i}: ${'v'.repeat(60)}\r\n`).join('');
    const big = await rawExchange(proxy.port, [`GET /echo HTTP/1.1\r\nHost: x\r\n${manyHeaders}\r\n`]);
    expect(statusOf(big.data)).toBe(431);
    expect(big.data).toContain('Request header too large.');
    await bystander.stillServed();
  });

  it('times out a slowloris client trickling headers (408 after client_headers_timeout), and a silent one', async () => {
    const trickle = Array.from({ length: 40 }, (_, i) => (i === 0 ? 'GET /echo HTTP/1.1\r\n' : `X-Slow-${i}: y\r\n`));
    const [slow, silent] = await Promise.all([
      rawExchange(proxy.port, trickle, { gapMs: 100, ms: 4000 }),
      rawExchange(proxy.port, [], { ms: 4000 }),
    ]);
    for (const r of [slow, silent]) {
      expect(statusOf(r.data)).toBe(408);
      expect(r.closed).toBe(true);
      expect(r.elapsedMs).toBeGreaterThanOrEqual(900);
      expect(r.elapsedMs).toBeLessThan(3000);
    }
    await bystander.stillServed();
  });

  it('answers 400 to invalid HTTP: garbage, a bad Content-Length, Content-Length with Transfer-Encoding', async () => {
    const attempts = [
      'HELLO WORLD\r\n\r\n',
      'GET /echo HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n',
      'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      'GET /echo HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n',
      Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03]), // a TLS ClientHello
    ];
    for (const bytes of attempts) {
      const r = await rawExchange(proxy.port, [bytes]);
      expect([JSON.stringify(bytes.toString()), statusOf(r.data)]).toEqual([JSON.stringify(bytes.toString()), 400]);
      expect(r.closed).toBe(true);
    }
    expect((await request(`${proxy.url}/echo`)).status).toBe(200);
    await bystander.stillServed();
  });

  it('closes a WebSocket that sends invalid frames with 1002 (reserved opcode, unmasked frame)', async () => {
    const reservedOpcode = Buffer.concat([Buffer.from([0x83, 0x80]), randomBytes(4)]);
    const unmasked = Buffer.from([0x81, 0x02, 0x68, 0x69]);
    for (const frame of [reservedOpcode, unmasked]) {
      const ws = await rawWebSocket(proxy.port, '/ws/echo');
      ws.socket.write(frame);
      const closeFrame = await ws.closeFrame();
      expect(closeFrame.code).toBe(1002);
      await ws.closed;
    }
    await bystander.stillServed();
  });

  it('closes a WebSocket that sends a message over the size limit with 1009', async () => {
    const client = await open(wsUrl(proxy.url, '/ws/big'));
    client.ws.send('x'.repeat(500));
    expect((await client.next()).text).toHaveLength(500);
    client.ws.send('x'.repeat(5000));
    expect((await client.closed).code).toBe(1009);
    await bystander.stillServed();
  });

  it('closes a stream client that never reads once its queue passes the bound, and says why in the log', async () => {
    const counters = proxy.thumbtack.worker.hold.counters;
    const socket = net.connect(proxy.port, '127.0.0.1');
    let closed = false;
    socket.on('close', () => (closed = true));
    socket.on('error', () => undefined);
    socket.write('GET /firehose HTTP/1.1\r\nHost: x\r\n\r\n');
    socket.pause(); // never reads
    await until(() => (proxy.thumbtack.worker.hold.index.get('firehose')?.size ?? 0) > 0, 5000, 'the reader-less stream to be held');
    const content = 'z'.repeat(64 * 1024);
    for (let i = 0; i < 2000 && counters.closedSlow === 0; i++) {
      proxy.thumbtack.publish([{ channel: 'firehose', meta: {}, noSeq: true, formats: { 'http-stream': { action: 'send', content: Buffer.from(content) } } }]);
      await new Promise((r) => setImmediate(r));
    }
    expect(counters.closedSlow).toBe(1);
    const entry = await proxy.logged(/closing slow stream client/, { route: 'main' });
    // The user-space queue never grew past the bound by more than the item that crossed it.
    expect(entry.queuedBytes as number).toBeLessThan(256 * 1024 + 2 * 64 * 1024);
    expect(proxy.thumbtack.worker.hold.index.get('firehose')?.size ?? 0).toBe(0);
    socket.resume();
    await until(() => closed, 5000, 'the slow client to be disconnected');
    await bystander.stillServed();
  });

  it('does not trust client Grip-* headers, not even a Grip-Sig correctly signed with sig_key', async () => {
    const secret = new TextEncoder().encode(proxy.config.sigKey);
    const forged = await new SignJWT({ iss: proxy.config.sigIss }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(secret);
    const res = await request(`${proxy.url}/echo`, {
      headers: { 'Grip-Sig': forged, 'Grip-Last': 'c; last-id=1', 'Grip-Feature': 'evil', 'Grip-Hold': 'stream', 'Grip-Channel': 'x' },
    });
    const seen = JSON.parse(res.text) as Record<string, string>;
    expect(seen['grip-sig']).toBeDefined();
    expect(seen['grip-sig']).not.toBe(forged); // replaced by the proxy's own
    expect(seen['grip-last']).toBeUndefined();
    expect(seen['grip-hold']).toBeUndefined();
    expect(seen['grip-channel']).toBeUndefined();
    expect(seen['grip-feature']).not.toContain('evil');
    await bystander.stillServed();
  });
});

describe('hardening: client_maxconn', () => {
  let backend: Backend;
  let proxy: HardenedProxy;

  beforeAll(async () => {
    backend = await startBackend((req, res) => {
      if (req.url === '/plain') res.end('plain\n');
      else holdBystander(res);
    });
    proxy = await startHardened({ routes: [`* 127.0.0.1:${backend.port}`], config: { clientMaxconn: 3 } });
  });
  afterAll(async () => {
    await proxy.close();
    await backend.close();
  });

  it('refuses connections over the limit with 503 and Retry-After, leaving the open ones alone', async () => {
    const connections = proxy.thumbtack.worker.proxy.connections;
    const bystander = await Bystander.open(proxy);
    const fillers = [net.connect(proxy.port, '127.0.0.1'), net.connect(proxy.port, '127.0.0.1')];
    for (const f of fillers) f.on('error', () => undefined);
    await until(() => connections.count === 3, 3000, 'three open connections');
    const refused = await rawExchange(proxy.port, ['GET /plain HTTP/1.1\r\nHost: x\r\n\r\n']);
    expect(statusOf(refused.data)).toBe(503);
    expect(refused.data).toMatch(/\r\nRetry-After: 1\r\n/);
    expect(refused.data).toContain('Too many connections');
    expect(refused.closed).toBe(true);
    expect(connections.refused).toBe(1);
    await proxy.logged(/client_maxconn reached/);
    await bystander.stillServed();
    // A freed slot is usable again.
    fillers[0]?.destroy();
    await until(() => connections.count === 2, 3000, 'the filler to be gone');
    expect((await request(`${proxy.url}/plain`)).text).toBe('plain\n');
    fillers[1]?.destroy();
    bystander.close();
  });
});

/** A WebSocket opened by hand on a raw socket, to send frames no client library would. */
async function rawWebSocket(port: number, path: string): Promise<{ socket: net.Socket; closeFrame(): Promise<{ code: number }>; closed: Promise<void> }> {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  let buffer = Buffer.alloc(0);
  const waiters: Array<() => void> = [];
  socket.on('data', (d: Buffer) => {
    buffer = Buffer.concat([buffer, d]);
    for (const w of waiters.splice(0)) w();
  });
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  const wait = (pred: () => boolean, what: string): Promise<void> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}; got ${JSON.stringify(buffer.toString('latin1'))}`)), 3000);
      const check = (): void => {
        if (pred()) {
          clearTimeout(timer);
          resolve();
        } else waiters.push(check);
      };
      check();
    });
  socket.write(
    `GET ${path} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  await wait(() => buffer.includes('\r\n\r\n'), 'the 101');
  expect(statusOf(buffer.toString('latin1'))).toBe(101);
  const headEnd = buffer.indexOf('\r\n\r\n') + 4;
  return {
    socket,
    closed,
    closeFrame: async () => {
      await wait(() => buffer.length >= headEnd + 4, 'a close frame');
      const frame = buffer.subarray(headEnd);
      expect(frame[0]).toBe(0x88);
      return { code: frame.readUInt16BE(2) };
    },
  };
}
