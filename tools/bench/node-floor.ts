/**
 * `--target floor`: the least a Node.js program does for the bench's SSE scenarios (idle, connect, fanout,
 * throughput, proxy), as a reference for "as close to the limits as Node allows" (issue 6). It is not a
 * proxy anyone should run: one process, the bench backend's answers assumed, no routes, logs, metrics,
 * stats, timers, limits, keep-alives or error answers beyond closing the connection.
 *
 * What it does do is the work each counted unit needs, the way a Node program must do it:
 * - a client request (without a body, as the scenarios send): accept (`net.Server`, TCP_NODELAY), read its
 *   head, send it unchanged to the backend over a pooled keep-alive connection, read the response head;
 * - a hold (`Grip-Hold` in that head): write a chunked `text/event-stream` head and subscribe the socket
 *   to the `Grip-Channel`; otherwise pass the response (Content-Length bodies) back to the client;
 * - a publish (a POST with a Content-Length JSON body on its own port, items as Pushpin takes them; the
 *   path is not looked at): each item's `http-stream` content framed once as a chunk, the same bytes
 *   written to every subscriber, then `200`.
 *
 * A reference for rates, not memory: it keeps three listener closures per connection, so its bytes per
 * held connection are no floor. Publishes are written as they come, one `write` per subscriber each: Thumbtack joins what one subscriber
 * gets in one turn of the event loop into one `write`, so `throughput` is no floor for it.
 *
 * Usage: node node-floor.js --port P --publish-port Q --backend-port B
 */
import net, { type Socket } from 'node:net';

const STREAM_HEAD = Buffer.from('HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n', 'latin1');
const HEAD_END = Buffer.from('\r\n\r\n', 'latin1');
const CRLF = Buffer.from('\r\n', 'latin1');
/** A head longer than this ends the connection. */
const MAX_HEAD = 16 * 1024;

/** A client connection: bytes not yet a whole request head, and whether it is held. */
interface Client {
  socket: Socket;
  pending: Buffer;
  held: boolean;
  channel: string | undefined;
  /** A request is at the backend (one at a time; later heads wait in `pending`). */
  busy: boolean;
}

/** A backend response head's parts the floor acts on. */
export interface FloorResponseHead {
  status: number;
  hold: boolean;
  channel: string | undefined;
  contentLength: number;
}

/** Parses a response head (without its blank line); undefined when it is not HTTP/1.x. */
export function parseFloorResponseHead(head: string): FloorResponseHead | undefined {
  const lines = head.split('\r\n');
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '');
  if (!status) return undefined;
  const out: FloorResponseHead = { status: Number(status[1]), hold: false, channel: undefined, contentLength: 0 };
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'grip-hold') out.hold = value === 'stream';
    else if (name === 'grip-channel') out.channel = value.split(';')[0]?.trim();
    else if (name === 'content-length') out.contentLength = Number(value) || 0;
  }
  return out;
}

/** `data` as one HTTP/1.1 chunk. */
export function floorChunk(data: Buffer): Buffer {
  const size = Buffer.from(`${data.length.toString(16)}\r\n`, 'latin1');
  return Buffer.concat([size, data, CRLF]);
}

class Floor {
  private readonly channels = new Map<string, Set<Socket>>();
  private readonly idle: BackendConnection[] = [];

  constructor(private readonly backendPort: number) {}

  accept(socket: Socket): void {
    const client: Client = { socket, pending: Buffer.alloc(0), held: false, channel: undefined, busy: false };
    socket.on('data', (chunk: Buffer) => this.onClientData(client, chunk));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.unsubscribe(client));
  }

  private onClientData(client: Client, chunk: Buffer): void {
    if (client.held) return; // a held client has nothing more to say
    client.pending = client.pending.length === 0 ? chunk : Buffer.concat([client.pending, chunk]);
    this.next(client);
  }

  /** Sends the next whole request head of `client` to the backend, if it has one and none is in flight. */
  private next(client: Client): void {
    if (client.busy || client.held) return;
    const end = client.pending.indexOf(HEAD_END);
    if (end < 0) {
      if (client.pending.length > MAX_HEAD) client.socket.destroy();
      return;
    }
    const head = client.pending.subarray(0, end + 4);
    client.pending = client.pending.subarray(end + 4);
    client.busy = true;
    this.backend().send(head, (response, body) => this.answer(client, response, body));
  }

  private answer(client: Client, response: FloorResponseHead | undefined, raw: Buffer): void {
    client.busy = false;
    const socket = client.socket;
    if (socket.destroyed) return;
    if (response === undefined) {
      socket.destroy();
      return;
    }
    if (response.hold && response.channel !== undefined) {
      client.held = true;
      client.pending = Buffer.alloc(0);
      client.channel = response.channel;
      let subscribers = this.channels.get(response.channel);
      if (subscribers === undefined) this.channels.set(response.channel, (subscribers = new Set()));
      subscribers.add(socket);
      socket.write(STREAM_HEAD);
      return;
    }
    socket.write(raw);
    this.next(client);
  }

  private unsubscribe(client: Client): void {
    if (client.channel === undefined) return;
    const subscribers = this.channels.get(client.channel);
    subscribers?.delete(client.socket);
    if (subscribers?.size === 0) this.channels.delete(client.channel);
  }

  private backend(): BackendConnection {
    return this.idle.pop() ?? new BackendConnection(this.backendPort, (c) => this.idle.push(c), (c) => this.forget(c));
  }

  private forget(connection: BackendConnection): void {
    const at = this.idle.indexOf(connection);
    if (at >= 0) this.idle.splice(at, 1);
  }

  /** Writes `content` framed once to every subscriber of `channel`. */
  publish(channel: string, content: Buffer): void {
    const subscribers = this.channels.get(channel);
    if (subscribers === undefined || content.length === 0) return;
    const frame = floorChunk(content);
    for (const socket of subscribers) socket.write(frame);
  }
}

type Answer = (response: FloorResponseHead | undefined, raw: Buffer) => void;

/** One keep-alive connection to the backend carrying one request at a time. */
class BackendConnection {
  private readonly socket: Socket;
  private pending: Buffer = Buffer.alloc(0);
  private answer: Answer | undefined;
  private response: FloorResponseHead | undefined;
  private headLength = 0;

  constructor(
    port: number,
    private readonly release: (c: BackendConnection) => void,
    private readonly forget: (c: BackendConnection) => void,
  ) {
    this.socket = net.connect({ host: '127.0.0.1', port, noDelay: true });
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('error', () => this.socket.destroy());
    this.socket.on('close', () => {
      this.forget(this);
      const answer = this.answer;
      this.answer = undefined;
      answer?.(undefined, Buffer.alloc(0));
    });
  }

  send(head: Buffer, answer: Answer): void {
    this.answer = answer;
    this.socket.write(head);
  }

  private onData(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    if (this.response === undefined) {
      const end = this.pending.indexOf(HEAD_END);
      if (end < 0) return;
      this.response = parseFloorResponseHead(this.pending.toString('latin1', 0, end));
      this.headLength = end + 4;
      if (this.response === undefined) {
        this.socket.destroy();
        return;
      }
    }
    const total = this.headLength + this.response.contentLength;
    if (this.pending.length < total) return;
    const raw = this.pending.subarray(0, total);
    const response = this.response;
    const answer = this.answer;
    this.pending = this.pending.subarray(total);
    this.response = undefined;
    this.answer = undefined;
    this.release(this);
    answer?.(response, raw);
  }
}

/** The items of a Pushpin-style JSON publish body as (channel, http-stream content) pairs; throws on bad JSON. */
export function floorItems(body: string): Array<{ channel: string; content: Buffer }> {
  const parsed = JSON.parse(body) as { items?: Array<{ channel?: unknown; formats?: Record<string, { content?: unknown }> }> };
  const out: Array<{ channel: string; content: Buffer }> = [];
  for (const item of parsed.items ?? []) {
    const content = item.formats?.['http-stream']?.content;
    if (typeof item.channel === 'string' && typeof content === 'string') out.push({ channel: item.channel, content: Buffer.from(content) });
  }
  return out;
}

const PUBLISHED = Buffer.from('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 10\r\n\r\nPublished\n', 'latin1');
const BAD_PUBLISH = Buffer.from('HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: 9\r\n\r\nbad json\n', 'latin1');

/** The Content-Length of a request head (0 without one). */
export function floorContentLength(head: string): number {
  const match = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  return match ? Number(match[1]) : 0;
}

/** The publish endpoint on a plain `net.Server`: keep-alive requests with Content-Length JSON bodies. */
function publishServer(floor: Floor): net.Server {
  return net.createServer({ noDelay: true }, (socket) => {
    let pending: Buffer = Buffer.alloc(0);
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      for (;;) {
        const end = pending.indexOf(HEAD_END);
        if (end < 0) {
          if (pending.length > MAX_HEAD) socket.destroy();
          return;
        }
        const total = end + 4 + floorContentLength(pending.toString('latin1', 0, end));
        if (pending.length < total) return;
        const body = pending.toString('utf8', end + 4, total);
        pending = pending.subarray(total);
        let items: Array<{ channel: string; content: Buffer }>;
        try {
          items = floorItems(body);
        } catch {
          socket.write(BAD_PUBLISH);
          continue;
        }
        for (const item of items) floor.publish(item.channel, item.content);
        socket.write(PUBLISHED);
      }
    });
  });
}

function numberArg(name: string): number {
  const at = process.argv.indexOf(name);
  const value = at >= 0 ? Number(process.argv[at + 1]) : NaN;
  if (!Number.isInteger(value) || value < 0 || value > 65_535) {
    process.stderr.write(`node-floor: ${name} PORT is required\n`);
    process.exit(2);
  }
  return value;
}

function main(): void {
  const port = numberArg('--port');
  const publishPort = numberArg('--publish-port');
  const floor = new Floor(numberArg('--backend-port'));
  const server = net.createServer({ noDelay: true }, (socket) => floor.accept(socket));
  server.listen(port, '127.0.0.1'); // Node's default backlog, as Thumbtack's
  publishServer(floor).listen(publishPort, '127.0.0.1');
  process.on('SIGTERM', () => process.exit(0));
}

if (require.main === module) main();
