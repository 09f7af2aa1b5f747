/**
 * The publish intake's HTTP/1.1 server, on plain TCP sockets: heads parsed by `intake-request-head.ts`,
 * bodies framed by Content-Length, one answer per request in order, keep-alive as the client asks. It
 * replaces Node's HTTP server for this port only; the publish API needs none of what that server adds per
 * request (request and response streams, chunked bodies, upgrades), and a publish through it cost about
 * twice as much CPU.
 *
 * What it answers by itself, as Node's server did: 400 `Bad request.` (or `Request header too large.`) to
 * a head it cannot parse, then closes; 417 to an expectation other than `100-continue`, then closes; `100 Continue`
 * before reading a body the client waits to send; 400 `Request body too large.` to a Content-Length over
 * the limit, without reading the body, then closes. A body with Transfer-Encoding has no length here: the
 * handler answers it (the publish API says 411) and the connection closes. Idle keep-alive connections
 * close after `KEEP_ALIVE_S` seconds, as the `Keep-Alive` header tells clients. A client that sends faster
 * than it reads the answers is not read from until they drain.
 */
import net from 'node:net';
import type { Logger } from '../core/logger';
import { HEAD_TOO_LARGE, parseRequestHead, type IntakeRequestHead } from './intake-request-head';

export interface IntakeRequest {
  head: IntakeRequestHead;
  /** The whole body (empty without Content-Length). */
  body: Buffer;
  /** The client's address (read when asked: a system call). */
  peer(): string | undefined;
}

export interface IntakeReply {
  code: number;
  reason: string;
  /** Content type of `body`. */
  contentType: string;
  body: string;
  /** Header fields after Content-Type (e.g. `Allow`, `WWW-Authenticate`). */
  extra?: ReadonlyArray<readonly [string, string]>;
}

/** Answers a request; a promise holds the connection's later requests back until it settles. */
export type IntakeHandler = (req: IntakeRequest) => IntakeReply | Promise<IntakeReply>;

export interface IntakeServerOptions {
  maxHeadBytes: number;
  maxBodyBytes: number;
  logger: Logger;
}

/** Seconds an idle keep-alive connection stays open (Node's HTTP server default, sent as `Keep-Alive`). */
export const KEEP_ALIVE_S = 5;
/** Milliseconds a connection may go silent in the middle of a request before it is closed. */
const REQUEST_IDLE_MS = 60_000;
/** Milliseconds a connection that got its last answer is kept for the answer to leave. */
const CLOSE_LINGER_MS = 1000;

const KEEP_ALIVE_FIELDS = `Connection: keep-alive\r\nKeep-Alive: timeout=${KEEP_ALIVE_S}\r\n`;
const CONTINUE = Buffer.from('HTTP/1.1 100 Continue\r\n\r\n', 'latin1');

/** The fixed answer to a head that cannot be parsed (the same bytes Node's server sent here before). */
function badRequest(text: string): string {
  return `HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nConnection: close\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`;
}

/** The bytes of a request's body this server reads: none with Transfer-Encoding (no length to read by). */
function bodyLength(head: IntakeRequestHead): number {
  return head.transferEncoding ? 0 : (head.contentLength ?? 0);
}

/** A reply's bytes: status line, Content-Type, extra fields, Content-Length, connection fields, body. */
export function serializeReply(reply: IntakeReply, keepAlive: boolean, withBody = true): string {
  let head = `HTTP/1.1 ${reply.code} ${reply.reason}\r\nContent-Type: ${reply.contentType}\r\n`;
  if (reply.extra) for (const [name, value] of reply.extra) head += `${name}: ${value}\r\n`;
  head += `Content-Length: ${Buffer.byteLength(reply.body)}\r\n`;
  head += keepAlive ? KEEP_ALIVE_FIELDS : 'Connection: close\r\n';
  return withBody ? `${head}\r\n${reply.body}` : `${head}\r\n`;
}

/** Replies the handler gives again and again (`Published`, frozen), serialized once per keep-alive choice. */
const serialized = new WeakMap<IntakeReply, [Buffer, Buffer]>();

function replyBytes(reply: IntakeReply, keepAlive: boolean, withBody: boolean): Buffer | string {
  if (!withBody || !Object.isFrozen(reply)) return serializeReply(reply, keepAlive, withBody);
  let pair = serialized.get(reply);
  if (pair === undefined) {
    pair = [Buffer.from(serializeReply(reply, false)), Buffer.from(serializeReply(reply, true))];
    serialized.set(reply, pair);
  }
  return pair[keepAlive ? 1 : 0];
}

export class IntakeServer {
  readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();

  constructor(
    private readonly opts: IntakeServerOptions,
    private readonly handler: IntakeHandler,
  ) {
    // Half-open: a client may send its last request and shut its side before the answer is ready.
    this.server = net.createServer({ noDelay: true, allowHalfOpen: true }, (socket) => this.accept(socket));
  }

  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ port, host }, () => {
        this.server.off('error', reject);
        resolve((this.server.address() as net.AddressInfo).port);
      });
    });
  }

  /** Stops listening and closes every connection, answered or not. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      for (const socket of this.sockets) socket.destroy();
    });
  }

  private accept(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    new IntakeConnection(socket, this.opts, this.handler);
  }
}

/** One client connection: reads requests one after another and answers each in turn. */
class IntakeConnection {
  /** Bytes received and not yet parsed. */
  private buffered: Buffer | undefined;
  /** The request whose body is still arriving. */
  private waiting: IntakeRequestHead | undefined;
  /** The waiting request's body, filled as it arrives (one copy, however many pieces it comes in). */
  private body: { bytes: Buffer; filled: number } | undefined;
  /** A handler's promise is pending: later requests wait in `buffered`. */
  private busy = false;
  /** The last answer is written (or the connection failed): nothing more is read. */
  private done = false;
  /** The client shut its side: close once what it sent is answered. */
  private clientEnded = false;
  /** Answers wait in the socket's buffer: reading stops until they drain. */
  private awaitingDrain = false;
  /** The socket's current inactivity timeout, ms (set only when it changes). */
  private timeoutMs = -1;

  constructor(
    private readonly socket: net.Socket,
    private readonly opts: IntakeServerOptions,
    private readonly handler: IntakeHandler,
  ) {
    this.idleAfter(KEEP_ALIVE_S * 1000);
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('end', () => {
      this.clientEnded = true;
      if (!this.busy) this.advance();
    });
    socket.on('timeout', () => socket.destroy());
    socket.on('error', () => {
      // A reset or a broken pipe: `close` follows; an answer in progress is dropped with the connection.
    });
  }

  private receive(chunk: Buffer): void {
    if (this.done) return;
    const body = this.body;
    if (body !== undefined) {
      const taken = chunk.copy(body.bytes, body.filled);
      body.filled += taken;
      if (body.filled < body.bytes.length) return;
      if (taken === chunk.length) {
        this.advance();
        return;
      }
      chunk = chunk.subarray(taken); // the start of a pipelined request
    }
    this.buffered = this.buffered === undefined ? chunk : Buffer.concat([this.buffered, chunk]);
    if (!this.busy) this.advance();
    else if (this.buffered.length > this.opts.maxHeadBytes + this.opts.maxBodyBytes) this.socket.pause(); // a pipelining client waits
  }

  /** Parses and answers what is buffered, until it runs out, a handler is pending, or the connection ends. */
  private advance(): void {
    while (!this.done && !this.busy) {
      const buf = this.buffered;
      if (this.waiting === undefined) {
        if (buf === undefined) break;
        const parsed = parseRequestHead(buf, this.opts.maxHeadBytes);
        if (!parsed.ok) {
          this.finish(badRequest(parsed.error.code === HEAD_TOO_LARGE ? 'Request header too large.\n' : 'Bad request.\n'));
          return;
        }
        if (parsed.value.kind === 'incomplete') break;
        const head = parsed.value.head;
        this.buffered = parsed.value.length < buf.length ? buf.subarray(parsed.value.length) : undefined;
        if (head.expect === 'other') {
          this.finish(serializeReply({ code: 417, reason: 'Expectation Failed', contentType: 'text/plain', body: 'Expectation failed.\n' }, false));
          return;
        }
        if (head.contentLength !== undefined && head.contentLength > this.opts.maxBodyBytes) {
          this.finish(serializeReply({ code: 400, reason: 'Bad Request', contentType: 'text/plain', body: 'Request body too large.\n' }, false));
          return;
        }
        this.waiting = head;
        if (head.expect === 'continue' && bodyLength(head) > (this.buffered?.length ?? 0)) this.socket.write(CONTINUE);
        continue;
      }
      const head = this.waiting;
      const length = bodyLength(head);
      let body: Buffer;
      if (this.body !== undefined) {
        if (this.body.filled < length) break;
        body = this.body.bytes;
        this.body = undefined;
      } else {
        const have = buf?.length ?? 0;
        if (have < length) {
          // The rest of the body goes straight into its own buffer as it arrives (see `receive`).
          const bytes = Buffer.allocUnsafe(length);
          this.body = { bytes, filled: buf === undefined ? 0 : buf.copy(bytes) };
          this.buffered = undefined;
          break;
        }
        body = buf === undefined || length === 0 ? EMPTY : length === have ? buf : buf.subarray(0, length);
        this.buffered = length < have ? buf?.subarray(length) : undefined;
      }
      this.waiting = undefined;
      this.dispatch({ head, body, peer: this.peer });
    }
    if (this.busy || this.done) return;
    const between = this.buffered === undefined && this.waiting === undefined;
    if (this.clientEnded) {
      // Nothing more will come: a request cut short is dropped, as the client gave up on it.
      this.done = true;
      this.socket.end();
    } else this.idleAfter(between ? KEEP_ALIVE_S * 1000 : REQUEST_IDLE_MS);
  }

  private idleAfter(ms: number): void {
    if (ms === this.timeoutMs) return;
    this.timeoutMs = ms;
    this.socket.setTimeout(ms);
  }

  private dispatch(req: IntakeRequest): void {
    let reply: IntakeReply | Promise<IntakeReply>;
    try {
      reply = this.handler(req);
    } catch (err) {
      reply = this.internalError(err);
    }
    if (!(reply instanceof Promise)) {
      this.answer(req.head, reply);
      return;
    }
    this.busy = true;
    this.idleAfter(0);
    reply
      .catch((err: unknown) => this.internalError(err))
      .then((settled) => {
        this.busy = false;
        if (this.socket.destroyed) return;
        this.answer(req.head, settled);
        if (!this.awaitingDrain) this.socket.resume();
        this.advance();
      });
  }

  private answer(head: IntakeRequestHead, reply: IntakeReply): void {
    // A Transfer-Encoding body was not read: what follows it cannot be told from the next request.
    const keepAlive = head.keepAlive && !head.transferEncoding;
    const bytes = replyBytes(reply, keepAlive, head.method !== 'HEAD');
    if (!keepAlive) {
      this.finish(bytes);
      return;
    }
    if (!this.socket.write(bytes) && !this.awaitingDrain) {
      this.awaitingDrain = true;
      this.socket.pause();
      this.socket.once('drain', this.resumeAfterDrain);
    }
  }

  /** The client's address, for every request of the connection (one function, not one per request). */
  private readonly peer = (): string | undefined => this.socket.remoteAddress;

  private readonly resumeAfterDrain = (): void => {
    this.awaitingDrain = false;
    if (!this.busy) this.socket.resume();
  };

  /** Writes the last answer and closes (after `CLOSE_LINGER_MS` if the client keeps the connection). */
  private finish(bytes: Buffer | string): void {
    this.done = true;
    this.buffered = undefined;
    this.idleAfter(CLOSE_LINGER_MS);
    this.socket.end(bytes);
  }

  private internalError(err: unknown): IntakeReply {
    this.opts.logger.error('publish request failed unexpectedly', { error: err instanceof Error ? err.stack : String(err) });
    return { code: 500, reason: 'Internal Server Error', contentType: 'text/plain', body: 'Internal error.\n' };
  }
}

const EMPTY = Buffer.alloc(0);
