/**
 * Backend requests over plain TCP with our own HTTP/1.1 client: keep-alive connections pooled per target,
 * one request per connection at a time (a held backend response must not delay the next request), no
 * connection cap. The request head is the one undici writes (`backend-request-head.ts`), written together
 * with the body in one system call; the response head and body are parsed by `backend-response-head.ts`
 * and `chunked-decoder.ts`, and the body reaches the proxy as the same `DispatchedResponse` stream undici's
 * responses use, whole when it came with its head.
 *
 * It carries requests to plain-HTTP targets whose body is known in advance (none, or a buffered copy).
 * TLS targets and bodies still streaming from the client go through undici. On the connect path undici's
 * per-request machinery (request object, header checks, dispatcher chain, wasm parser, promise hops) was
 * most of the backend request's user-space CPU (docs/PERFORMANCE.md).
 */
import net from 'node:net';
import type { BackendFailure, BackendOutcome, BackendRequest } from './backend-client';
import { backendRequestHead, defaultHostLine } from './backend-request-head';
import { parseResponseHead, type BodyFraming } from './backend-response-head';
import { DispatchedResponse } from './backend-response';
import { ChunkedDecoder } from './chunked-decoder';

/** A response head longer than this fails the request (undici's and Node's default limit). */
const MAX_RESPONSE_HEAD = 16 * 1024;
/** Milliseconds an idle pooled connection is kept when the backend gives no `Keep-Alive: timeout`. */
const DEFAULT_IDLE_MS = 4_000;
/** Taken off the backend's own keep-alive timeout, so that we close first and never write to a closing socket. */
const IDLE_MARGIN_MS = 1_000;
/** Error codes of a connection that never opened: the caller may try the next target. */
const CONNECT_ERRORS = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'ETIMEDOUT']);

/** Whether this client carries `req` (else undici or Node's client does). */
export function rawClientSends(req: BackendRequest): boolean {
  return !req.target.ssl && req.bodyStream === undefined;
}

/**
 * Every backend connection reads into this one buffer (`onread`): no Buffer per read, and no trip through
 * the socket's Readable (`push`, the `data` event, a `process.nextTick` per read). What outlives the read
 * callback is copied: a split head, body bytes.
 */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

/** `buf` itself, or a copy of it when it is a view of READ_BUFFER (which the next read overwrites). */
function ownBytes(buf: Buffer): Buffer {
  return buf.buffer === READ_BUFFER.buffer ? Buffer.from(buf) : buf;
}

/** Idle connections by `host:port`, the most recently used last. */
const idle = new Map<string, BackendConnection[]>();

/** Idle pooled connections to every backend (for tests and monitoring). */
export function idleBackendConnections(): number {
  let n = 0;
  for (const list of idle.values()) n += list.length;
  return n;
}

/** One request and its response on a connection. */
interface Exchange {
  req: BackendRequest;
  head: string;
  settle: (outcome: BackendOutcome) => void;
  /** The response once its head arrived (the request is settled from then on). */
  response: DispatchedResponse | undefined;
  aborted: boolean;
  /** Sent a second time after a reused connection closed under it. */
  retried: boolean;
  /** The caller has the response (a body that breaks off before then is reported after it). */
  told: boolean;
  /** The connection carrying the exchange (a retry moves it to a new one). */
  connection: BackendConnection | undefined;
}

/**
 * Sends `req` to its plain-HTTP target. `settle` is called once, with the response head (the body then
 * arrives on the response stream) or with why there was none; `abort` drops the connection.
 */
export function rawBackendRequest(req: BackendRequest, settle: (outcome: BackendOutcome) => void): { abort(): void } {
  const t = req.target;
  const head = backendRequestHead(req.method, req.path, req.headers, req.body?.length ?? 0, defaultHostLine(t.host, t.port));
  const exchange: Exchange = { req, head: head.ok ? head.value : '', settle, response: undefined, aborted: false, retried: false, told: false, connection: undefined };
  if (!head.ok) queueMicrotask(() => settle({ ok: false, failure: 'reset', detail: `${t.host}:${t.port}: ${head.error.message}` }));
  else assign(exchange, true);
  return {
    abort() {
      exchange.aborted = true;
      // The connection the exchange is on now (a retry moves it to a new one), unless it is done there.
      exchange.connection?.drop(exchange);
    },
  };
}

/**
 * Puts `exchange` on an idle connection to its target (when `reuse`) or on a new one, and sends it. A
 * reused connection is written to only after the event loop's next poll (as undici does): a close, a
 * reset or stray bytes from the backend already on their way are seen first, and the request goes to a
 * new connection instead of being lost or answered by someone else's bytes.
 */
function assign(exchange: Exchange, reuse: boolean): void {
  const t = exchange.req.target;
  const key = `${t.host}:${t.port}`;
  const pooled = reuse ? idle.get(key)?.pop() : undefined;
  const connection = pooled ?? new BackendConnection(key, t.host, t.port);
  exchange.connection = connection;
  if (pooled === undefined) connection.send(exchange);
  else {
    pooled.reserve(exchange);
    toValidate.push(pooled);
    if (toValidate.length === 1) setImmediate(sendValidated);
  }
}

/** Reused connections reserved this turn, written to after the next poll. */
let toValidate: BackendConnection[] = [];

function sendValidated(): void {
  const connections = toValidate;
  toValidate = [];
  for (const connection of connections) connection.sendReserved();
}

/** As Node's IncomingMessage does when its body breaks off: 'aborted', then 'error' only to a listener for it. */
function abortResponse(response: DispatchedResponse, detail: string): void {
  if (response.destroyed) return;
  response.emit('aborted');
  response.destroy(response.listenerCount('error') > 0 ? new Error(detail) : undefined);
}

const HEAD = 0;
const BODY = 1;

/** One keep-alive connection to a backend. */
class BackendConnection {
  private readonly socket: net.Socket;
  private exchange: Exchange | undefined = undefined;
  /** The exchange this reused connection is reserved for until it is validated (see `assign`). */
  private reserved: Exchange | undefined = undefined;
  /** Response bytes before the end of the head (a head split over reads). */
  private pendingHead: Buffer | undefined = undefined;
  private phase = HEAD;
  private framing: BodyFraming = { kind: 'none' };
  private remaining = 0;
  private decoder: ChunkedDecoder | undefined = undefined;
  private keepAlive = false;
  private idleMs = DEFAULT_IDLE_MS;
  /** Requests this connection has completed (a failure on a reused one may be a race with its idle close). */
  private completed = 0;
  private connected = false;
  private errorCode = '';
  /** Reading was stopped for back pressure (the response's stream buffer was full). */
  private readPaused = false;

  constructor(
    private readonly key: string,
    host: string,
    port: number,
  ) {
    this.socket = net.connect({
      host,
      port,
      noDelay: true,
      keepAlive: true,
      keepAliveInitialDelay: 60_000,
      // A false return stops reading (back pressure) until `socket.resume()`.
      onread: { buffer: READ_BUFFER, callback: (nread: number) => this.onRead(nread) },
    });
    this.socket.once('connect', () => (this.connected = true));
    this.socket.on('end', () => this.onEnd());
    this.socket.on('error', (err: NodeJS.ErrnoException) => (this.errorCode = err.code ?? err.message));
    this.socket.on('close', () => this.onClose());
    this.socket.on('timeout', () => this.socket.destroy());
  }

  reserve(exchange: Exchange): void {
    this.reserved = exchange;
    this.socket.ref();
  }

  /** Sends the reserved exchange if the connection is still open and quiet; else it goes to a new one. */
  sendReserved(): void {
    const exchange = this.reserved;
    this.reserved = undefined;
    if (exchange === undefined || exchange.aborted) return;
    if (this.socket.destroyed || !this.socket.writable || this.socket.readableEnded) {
      this.socket.destroy();
      assign(exchange, false);
    } else this.send(exchange);
  }

  send(exchange: Exchange): void {
    this.exchange = exchange;
    this.phase = HEAD;
    this.socket.setTimeout(0);
    this.socket.ref();
    const body = exchange.req.body;
    if (body !== undefined && body.length > 0) {
      const headBytes = Buffer.byteLength(exchange.head, 'latin1');
      const out = Buffer.allocUnsafe(headBytes + body.length);
      out.write(exchange.head, 0, 'latin1');
      body.copy(out, headBytes);
      this.socket.write(out);
    } else this.socket.write(exchange.head, 'latin1');
  }

  /** Closes the connection if it still carries `exchange` (aborted, or its response destroyed early). */
  drop(exchange: Exchange): void {
    if (this.exchange === exchange || this.reserved === exchange) this.socket.destroy();
  }

  private onRead(nread: number): boolean {
    this.onData(READ_BUFFER.subarray(0, nread));
    return !this.readPaused;
  }

  /** Resumes reading after back pressure. */
  private resumeReading(): void {
    if (!this.readPaused) return;
    this.readPaused = false;
    this.socket.resume();
  }

  /** `chunk` is a view of READ_BUFFER, valid only until this returns. */
  private onData(chunk: Buffer): void {
    const exchange = this.exchange;
    if (exchange === undefined) {
      this.socket.destroy(); // bytes nobody asked for: the connection's state is unknown
      return;
    }
    if (this.phase === BODY) {
      this.readBody(exchange, chunk);
      return;
    }
    let buf = this.pendingHead === undefined ? chunk : Buffer.concat([this.pendingHead, chunk]);
    for (;;) {
      const parsed = parseResponseHead(buf, MAX_RESPONSE_HEAD, exchange.req.method);
      if (!parsed.ok) {
        this.fail(exchange, 'reset', parsed.error.message);
        return;
      }
      if (parsed.value.kind === 'incomplete') {
        this.pendingHead = ownBytes(buf);
        return;
      }
      const { head, length } = parsed.value;
      buf = buf.subarray(length);
      if (head.statusCode >= 100 && head.statusCode < 200) {
        if (head.statusCode === 101) {
          this.fail(exchange, 'reset', 'unexpected 101 Switching Protocols');
          return;
        }
        continue; // an interim response (100 Continue, 103 Early Hints): the final one follows
      }
      this.pendingHead = undefined;
      this.phase = BODY;
      this.framing = head.framing;
      this.keepAlive = head.keepAlive;
      this.idleMs = head.keepAliveTimeoutS === undefined ? DEFAULT_IDLE_MS : Math.max(head.keepAliveTimeoutS * 1000 - IDLE_MARGIN_MS, 0);
      this.remaining = head.framing.kind === 'length' ? head.framing.length : 0;
      this.decoder = head.framing.kind === 'chunked' ? new ChunkedDecoder() : undefined;
      const response = new DispatchedResponse(head.statusCode, head.statusMessage, head.rawHeaders);
      // Only while the connection still carries this exchange (a finished response's stream may still ask).
      response.resumeParser = () => {
        if (this.exchange === exchange) this.resumeReading();
      };
      response.abortRequest = () => this.drop(exchange);
      exchange.response = response;
      // The body that came with the head goes in first, so that a complete one can be taken whole.
      if (head.framing.kind === 'none' || (head.framing.kind === 'length' && head.framing.length === 0)) this.complete(exchange, buf);
      else if (buf.length > 0) this.readBody(exchange, buf);
      exchange.told = true;
      exchange.settle({ ok: true, response });
      return;
    }
  }

  private readBody(exchange: Exchange, received: Buffer): void {
    // The response keeps body bytes past this read (its early chunks, its stream buffer).
    const chunk = ownBytes(received);
    const response = exchange.response as DispatchedResponse;
    let more = true;
    let rest: Buffer | undefined;
    if (this.framing.kind === 'length') {
      const take = Math.min(this.remaining, chunk.length);
      if (take > 0) more = response.receive(take === chunk.length ? chunk : chunk.subarray(0, take));
      this.remaining -= take;
      if (this.remaining === 0) rest = chunk.subarray(take);
    } else if (this.framing.kind === 'chunked') {
      const decoded = (this.decoder as ChunkedDecoder).push(chunk);
      if (!decoded.ok) {
        this.cutOff(exchange, decoded.error.message);
        return;
      }
      for (const piece of decoded.value.data) if (piece.length > 0) more = response.receive(piece);
      if (decoded.value.done) rest = decoded.value.rest;
    } else more = response.receive(chunk);
    if (rest !== undefined) this.complete(exchange, rest);
    else if (!more) this.readPaused = true; // onRead stops reading; the response's `_read` resumes it
  }

  /** The response is complete; `rest` holds any bytes after it (a backend that sent more than it said). */
  private complete(exchange: Exchange, rest: Buffer): void {
    const response = exchange.response as DispatchedResponse;
    response.finish();
    // A held stream may keep its backend response: it must not keep this connection and request too.
    response.resumeParser = undefined;
    response.abortRequest = undefined;
    this.exchange = undefined;
    this.completed++;
    if (!this.keepAlive || this.idleMs <= 0 || rest.length > 0 || this.socket.destroyed || !this.socket.writable || exchange.aborted) {
      this.socket.destroy();
      return;
    }
    this.resumeReading();
    this.socket.setTimeout(this.idleMs);
    this.socket.unref();
    let list = idle.get(this.key);
    if (list === undefined) idle.set(this.key, (list = []));
    list.push(this);
  }

  /** The request failed before its response head: told to the caller, the connection closed. */
  private fail(exchange: Exchange, failure: BackendFailure, detail: string): void {
    this.exchange = undefined;
    this.socket.destroy();
    if (!exchange.aborted) exchange.settle({ ok: false, failure, detail: `${exchange.req.target.host}:${exchange.req.target.port}: ${detail}` });
  }

  /** The body broke off (reported once the caller has the response, if it does not yet). */
  private cutOff(exchange: Exchange, detail: string): void {
    this.exchange = undefined;
    this.socket.destroy();
    const response = exchange.response as DispatchedResponse;
    if (exchange.told) abortResponse(response, detail);
    else setImmediate(abortResponse, response, detail);
  }

  private onEnd(): void {
    const exchange = this.exchange;
    if (exchange === undefined) this.socket.destroy(); // idle or reserved: the backend closed it
    else if (this.phase === BODY && this.framing.kind === 'close') this.complete(exchange, Buffer.alloc(0));
  }

  private onClose(): void {
    this.forget();
    const reserved = this.reserved;
    this.reserved = undefined;
    if (reserved !== undefined && !reserved.aborted) assign(reserved, false);
    const exchange = this.exchange;
    if (exchange === undefined) return;
    this.exchange = undefined;
    if (exchange.response !== undefined) {
      this.cutOff(exchange, `connection closed during the response body${this.errorCode ? ` (${this.errorCode})` : ''}`);
      return;
    }
    if (exchange.aborted) return;
    // A reused connection that closed before any byte of the response: most likely the backend closed it
    // idle as we wrote to it (its keep-alive timeout, a restart). Sent once more on a new connection, as
    // browsers do, whatever the method: a backend that took a request does not close without answering.
    if (this.completed > 0 && this.pendingHead === undefined && !exchange.retried) {
      exchange.retried = true;
      assign(exchange, false);
      return;
    }
    const failure: BackendFailure = !this.connected && (this.errorCode === '' || CONNECT_ERRORS.has(this.errorCode)) ? 'connect' : 'reset';
    exchange.settle({ ok: false, failure, detail: `${exchange.req.target.host}:${exchange.req.target.port}: ${this.errorCode || 'connection closed'}` });
  }

  /** Takes the connection out of the idle pool, if it is there. */
  private forget(): void {
    const list = idle.get(this.key);
    if (list === undefined) return;
    const at = list.indexOf(this);
    if (at >= 0) list.splice(at, 1);
    if (list.length === 0) idle.delete(this.key);
  }
}
