/**
 * The socket hand-over of a held stream (src/proxy/held-socket.ts) on a real Node HTTP server and real
 * client sockets: what the client receives, what is left on the socket, and that `close` still reaches the
 * response's listeners.
 */
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { chunkFrame, detachHeldSocket, type RawClientStream } from '../../../src/proxy/held-socket';

interface Held {
  req: http.IncomingMessage;
  res: http.ServerResponse;
  out: RawClientStream | undefined;
  socket: net.Socket;
}

/** A server that writes a stream head, then detaches; `held` resolves with the parts for each request. */
async function heldServer(): Promise<{ port: number; next: () => Promise<Held>; close: () => Promise<void> }> {
  const waiting: Array<(h: Held) => void> = [];
  const ready: Held[] = [];
  const server = http.createServer((req, res) => {
    req.resume();
    req.once('end', () => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream' });
      res.write('first\n');
      const socket = res.socket as net.Socket;
      const detached = detachHeldSocket(res);
      if (detached) expect(detached.socket).toBe(socket);
      const held: Held = { req, res, socket, out: detached?.stream };
      const w = waiting.shift();
      if (w) w(held);
      else ready.push(held);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    next: () => {
      const h = ready.shift();
      return h ? Promise.resolve(h) : new Promise((resolve) => waiting.push(resolve));
    },
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** A raw client: sends `request`, collects everything it receives until told to stop or the server closes. */
function rawClient(port: number, request: string): { socket: net.Socket; received: () => string; ended: Promise<void> } {
  const socket = net.connect(port, '127.0.0.1');
  let data = '';
  socket.on('data', (d: Buffer) => (data += d.toString('latin1')));
  const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.write(request);
  return { socket, received: () => data, ended };
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('chunkFrame', () => {
  it('frames data as one HTTP/1.1 chunk with a hex size', () => {
    expect(chunkFrame(Buffer.from('hello')).toString('latin1')).toBe('5\r\nhello\r\n');
    expect(chunkFrame(Buffer.alloc(26, 'a')).toString('latin1')).toBe(`1a\r\n${'a'.repeat(26)}\r\n`);
  });

  it('returns the same frame object for the same buffer (framed once per fan-out), a new one otherwise', () => {
    const item = Buffer.from('data: x\n\n');
    const first = chunkFrame(item);
    expect(chunkFrame(item)).toBe(first);
    const other = chunkFrame(Buffer.from('data: x\n\n'));
    expect(other).not.toBe(first);
    expect(other.equals(first)).toBe(true);
  });
});

describe('detachHeldSocket', () => {
  let srv: Awaited<ReturnType<typeof heldServer>>;
  beforeEach(async () => {
    srv = await heldServer();
  });
  afterEach(async () => {
    await srv.close();
  });

  it('hands an HTTP/1.1 stream over: parser and server listeners gone, chunks framed, clean end', async () => {
    const client = rawClient(srv.port, 'GET /s HTTP/1.1\r\nHost: x\r\n\r\n');
    const held = await srv.next();
    expect(held.out).toBeDefined();
    const socket = held.socket as net.Socket & { parser?: unknown; _httpMessage?: unknown };
    expect(socket.parser).toBeNull();
    expect(socket._httpMessage).toBeNull();
    const names = (event: string): string[] => socket.listeners(event).map((f) => f.name);
    for (const event of ['data', 'end', 'close', 'drain', 'error', 'timeout']) {
      expect(names(event).filter((n) => n.includes('socketOn') || n === 'onServerResponseClose')).toEqual([]);
    }
    expect(Object.prototype.hasOwnProperty.call(held.res, 'req') ? (held.res as { req: unknown }).req : null).toBeNull();
    held.out?.write(Buffer.from('data: one\n\n'));
    held.out?.write(Buffer.alloc(0)); // nothing: an empty chunk would end the response
    held.out?.write(Buffer.from('data: two\n\n'));
    held.out?.end();
    await client.ended;
    const text = client.received();
    expect(text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(text).toMatch(/Transfer-Encoding: chunked\r\n/i);
    const body = text.slice(text.indexOf('\r\n\r\n') + 4);
    expect(body).toBe('6\r\nfirst\n\r\nb\r\ndata: one\n\n\r\nb\r\ndata: two\n\n\r\n0\r\n\r\n');
    expect(held.out?.writableEnded).toBe(true);
  });

  it('sends the first write of a turn at once and the rest of the turn in one socket write, in order', async () => {
    const client = rawClient(srv.port, 'GET /s HTTP/1.1\r\nHost: x\r\n\r\n');
    const held = await srv.next();
    await until(() => client.received().includes('first'), 'the first chunk');
    const writes: Buffer[] = [];
    const realWrite = held.socket.write.bind(held.socket) as (chunk: Buffer) => boolean;
    (held.socket as unknown as { write: (chunk: Buffer) => boolean }).write = (chunk: Buffer) => {
      writes.push(chunk);
      return realWrite(chunk);
    };
    const out = held.out as RawClientStream;
    out.write(Buffer.from('a\n'));
    expect(writes.map(String)).toEqual(['2\r\na\n\r\n']); // not delayed
    out.write(Buffer.from('b\n'));
    out.write(Buffer.from('c\n'));
    expect(writes).toHaveLength(1);
    expect(out.writableLength).toBe(held.socket.writableLength + 14); // the two waiting frames count as queued
    await new Promise((r) => setImmediate(r));
    expect(writes.map(String)).toEqual(['2\r\na\n\r\n', '2\r\nb\n\r\n2\r\nc\n\r\n']);
    // A new turn: its first write goes out at once again; end() sends what waits before the last chunk.
    out.write(Buffer.from('d\n'));
    out.write(Buffer.from('e\n'));
    out.end();
    await client.ended;
    const text = client.received();
    expect(text.slice(text.indexOf('\r\n\r\n') + 4)).toBe('6\r\nfirst\n\r\n2\r\na\n\r\n2\r\nb\n\r\n2\r\nc\n\r\n2\r\nd\n\r\n2\r\ne\n\r\n0\r\n\r\n');
    expect(writes.length).toBe(4); // a, b+c, d, e (flushed by end)
  });

  it('drops what waits when the stream is destroyed', async () => {
    const client = rawClient(srv.port, 'GET /s HTTP/1.1\r\nHost: x\r\n\r\n');
    const held = await srv.next();
    await until(() => client.received().includes('first'), 'the first chunk');
    const out = held.out as RawClientStream;
    out.write(Buffer.from('sent\n'));
    out.write(Buffer.from('never\n'));
    out.destroy();
    await client.ended;
    await new Promise((r) => setImmediate(r));
    expect(client.received()).not.toContain('never');
  });

  it('writes an HTTP/1.0 stream unframed and closes the connection at its end', async () => {
    const client = rawClient(srv.port, 'GET /s HTTP/1.0\r\n\r\n');
    const held = await srv.next();
    expect(held.out).toBeDefined();
    held.out?.write(Buffer.from('two\n'));
    held.out?.end();
    await client.ended;
    const text = client.received();
    expect(text.slice(text.indexOf('\r\n\r\n') + 4)).toBe('first\ntwo\n');
  });

  it('tells of the client going away on the socket (`close`, once), no longer on the response', async () => {
    const client = rawClient(srv.port, 'GET /s HTTP/1.1\r\nHost: x\r\n\r\n');
    const held = await srv.next();
    let closes = 0;
    let responseCloses = 0;
    held.socket.on('close', () => closes++);
    held.res.on('close', () => responseCloses++);
    await until(() => client.received().includes('first'), 'the first chunk');
    client.socket.destroy();
    await until(() => closes > 0, 'close on the response');
    await new Promise((r) => setTimeout(r, 50));
    expect(closes).toBe(1);
    expect(responseCloses).toBe(0);
    expect(held.out?.destroyed).toBe(true);
  });

  it("keeps one `end` listener on a held socket, its own (Node's does nothing with allowHalfOpen): no listener array", async () => {
    const client = rawClient(srv.port, 'GET /s HTTP/1.1\r\nHost: x\r\n\r\n');
    const held = await srv.next();
    try {
      expect(held.socket.allowHalfOpen).toBe(true);
      expect(held.socket.listeners('end').map((f) => f.name)).toEqual(['onClientEnd']);
      // EventEmitter keeps a lone listener as the function itself; two or more take an array.
      const events = (held.socket as net.Socket & { _events: Record<string, unknown> })._events;
      expect(typeof events.end).toBe('function');
    } finally {
      client.socket.destroy();
    }
  });

  it('treats a client half-close as gone (the held socket is destroyed)', async () => {
    const client = rawClient(srv.port, 'GET /s HTTP/1.1\r\nHost: x\r\n\r\n');
    const held = await srv.next();
    let closed = false;
    held.socket.on('close', () => (closed = true));
    client.socket.end();
    await until(() => closed, 'close after the client half-closed');
    expect(held.socket.destroyed).toBe(true);
  });

  it('ignores bytes the client sends after the held request and survives a reset', async () => {
    const client = rawClient(srv.port, 'GET /s HTTP/1.1\r\nHost: x\r\n\r\n');
    const held = await srv.next();
    client.socket.write('GET /again HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise((r) => setTimeout(r, 50));
    held.out?.write(Buffer.from('still\n'));
    await until(() => client.received().includes('still'), 'a write after the stray request');
    expect(client.received()).not.toMatch(/HTTP\/1\.1 \d{3}[^]*HTTP\/1\.1 \d{3}/); // no second response
    client.socket.resetAndDestroy();
    await client.ended;
    await until(() => held.socket.destroyed, 'the held socket to close after a reset');
  });

  it('refuses while the request body is still arriving (the stream stays on ServerResponse)', async () => {
    const results: Array<RawClientStream | undefined> = [];
    const server = http.createServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.flushHeaders();
      results.push(detachHeldSocket(res)?.stream);
      res.end('x');
      req.resume();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const client = rawClient(port, 'POST /s HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nConnection: close\r\n\r\n12345');
    await until(() => results.length === 1, 'the request');
    client.socket.write('67890');
    await client.ended;
    server.close();
    expect(results[0]).toBeUndefined();
    expect(client.received()).toMatch(/\r\n\r\n1\r\nx\r\n0\r\n\r\n$/);
  });
});
