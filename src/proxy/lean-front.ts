/**
 * The proxy's lean front (issue 6): client connections are accepted by a plain `net.Server` and their
 * requests read by `client-request-head.ts` instead of Node's HTTP server, whose per-connection set-up
 * (parser, listeners, bound closures, timeout tracking) and parsing were about half of the CPU a new held
 * connection cost the proxy. Each request still gets Node's own `IncomingMessage` and `ServerResponse`,
 * built standalone the way Node's server builds them, so everything after the head (routing, the session,
 * holds, pass-through, error answers) runs unchanged and writes the same bytes.
 *
 * It reads only plain requests: a complete head in the bytes at hand, a method and target it knows, no
 * Transfer-Encoding, Upgrade or Expect, and the whole body (Content-Length) already there. On anything else
 * the connection goes, from that byte on, to Node's HTTP server (`emit('connection')` and the bytes read so
 * far), which answers bad requests, `client_buffer_size`, `client_headers_timeout`, upgrades and streamed
 * bodies as before. One request at a time: bytes that come meanwhile wait (and past `PENDING_MAX` the
 * socket is not read) until the response is done. A connection whose first head is not complete within
 * `client_headers_timeout` of its start gets 408, whether or not it was handed over meanwhile; one idle
 * between requests is closed after the keep-alive timeout, as with Node's server.
 *
 * Relies on what Node's server itself does with these objects (`_addHeaderLines`, `assignSocket`,
 * `detachSocket`, `_keepAliveTimeout`, `_dump`); `leanFrontSupported()` checks they are there.
 */
import { IncomingMessage, ServerResponse, type Server as HttpServer } from 'node:http';
import net, { type Socket } from 'node:net';
import { isRefused } from './client-connections';
import { parseClientHead, type ClientRequestHead } from './client-request-head';

const LEAN = Symbol('thumbtack.leanConnection');
/** On a socket handed over before its first head was complete: the timer of that head's deadline. */
const HEAD_DUE = Symbol('thumbtack.headDue');
/** Bytes a client may send ahead while its request is answered before the socket stops being read. */
const PENDING_MAX = 64 * 1024;
/** What Node's server adds to its keep-alive timeout before closing an idle connection (its own margin). */
const KEEP_ALIVE_MARGIN_MS = 1000;

/**
 * How often first heads are checked against their deadline: as the proxy's Node server checks its own
 * (`connectionsCheckingInterval`), a quarter of the timeout within 100 ms..5 s. A 408 comes at most this late.
 */
export function headCheckIntervalMs(headersTimeoutMs: number): number {
  return Math.min(5_000, Math.max(100, Math.floor(headersTimeoutMs / 4)));
}

export interface LeanFrontOptions {
  /** `client_buffer_size`: the longest head read here (a longer one goes to Node, which answers 431). */
  maxHeadBytes: number;
  /** `client_headers_timeout`: a connection silent that long from its start gets 408. */
  headersTimeoutMs: number;
  /** Idle time between requests before a keep-alive connection closes (as `Keep-Alive: timeout=` says). */
  keepAliveTimeoutMs: number;
  /** Node's server for this listener: it takes the connections this front does not read. */
  fallback: HttpServer;
  /** Answers a request (the same handler Node's server calls). */
  onRequest: (req: IncomingMessage, res: ServerResponse) => void;
  /**
   * Offered each request first, before any Node object is made for it: true when it takes the request
   * (and makes the response through `LeanRequest.response()` if it needs one), false to leave it to
   * `onRequest`.
   */
  onLeanRequest?: (request: LeanRequest) => boolean;
  /** Answers a connection that sent no request within the headers timeout (Node's `clientError` path). */
  onHeadersTimeout: (socket: Socket) => void;
}

/** Node internals of the request and response this module uses, as Node's own server does. */
type NodeIncoming = IncomingMessage & {
  upgrade: boolean;
  _addHeaderLines(headers: string[], n: number): void;
  _consuming: boolean;
  _dump(): void;
  _readableState: { resumeScheduled: boolean };
};
type NodeResponse = ServerResponse & { _keepAliveTimeout: number; _last: boolean; _closed: boolean };

/**
 * Node's mark on a response whose last write did not fit the socket's buffer: its server (or client) turns
 * the socket's `drain` into the response's own when it is set. Found on a response, as it is not exported.
 */
const NEED_DRAIN: symbol | undefined = Object.getOwnPropertySymbols(new ServerResponse(new IncomingMessage(new net.Socket()))).find(
  (s) => s.description === 'kNeedDrain',
);

/** Whether this Node has the internals the lean front uses (else Node's server keeps every connection). */
export function leanFrontSupported(): boolean {
  const incoming = IncomingMessage.prototype as Partial<NodeIncoming>;
  const response = ServerResponse.prototype as Partial<ServerResponse>;
  return NEED_DRAIN !== undefined && typeof incoming._addHeaderLines === 'function' && typeof incoming._dump === 'function' &&
    typeof response.assignSocket === 'function' && typeof response.detachSocket === 'function';
}

/** One client connection while the lean front reads it. */
class LeanConnection {
  /** The request being answered, and its response (once made: see `LeanRequest`). */
  req: NodeIncoming | undefined = undefined;
  res: NodeResponse | undefined = undefined;
  /** Whether a request is being answered (its response may not be made yet). */
  busy = false;
  /** Bytes received after the current request (the start of the next one). */
  pending: Buffer | undefined = undefined;
  /** Whether the socket has its keep-alive timeout armed (between requests). */
  timed = false;
  /** Whether a request was read (a timeout is then the keep-alive one). */
  served = false;
  /** When the connection was accepted (ms, `performance.now()`): its first head is due by then + timeout. */
  readonly startedAt = performance.now();

  constructor(
    readonly front: LeanFront,
    readonly socket: Socket,
  ) {}
}

type LeanSocket = Socket & { [LEAN]?: LeanConnection; [HEAD_DUE]?: NodeJS.Timeout };

/** Node's server has read a complete head on a socket handed over to it: no deadline of ours is left. */
function headSeen(req: IncomingMessage): void {
  const socket = req.socket as LeanSocket | null;
  const due = socket?.[HEAD_DUE];
  if (socket === null || due === undefined) return;
  clearTimeout(due);
  socket[HEAD_DUE] = undefined;
}

function onHeadOverdue(front: LeanFront, socket: LeanSocket): void {
  socket[HEAD_DUE] = undefined;
  // Anything Node's server wrote (an answer, `100 Continue`, a 417) means it read a complete head.
  if (!socket.destroyed && socket.bytesWritten === 0) front.headOverdue(socket);
}

// Shared listeners (`this` is the socket): no closures per connection.
function onLeanData(this: LeanSocket, chunk: Buffer): void {
  const conn = this[LEAN];
  if (conn === undefined) return;
  if (conn.busy) {
    const pending = conn.pending === undefined ? chunk : Buffer.concat([conn.pending, chunk]);
    conn.pending = pending;
    if (pending.length > PENDING_MAX) this.pause();
    return;
  }
  let bytes = chunk;
  if (conn.pending !== undefined) {
    bytes = Buffer.concat([conn.pending, chunk]);
    conn.pending = undefined;
  }
  conn.front.serve(conn, bytes);
}

/** The client ended its side: as Node's server does (`httpAllowHalfOpen` off), end ours. */
function onLeanEnd(this: LeanSocket): void {
  if (this.writable) this.end();
}

/** The keep-alive timeout between requests (first heads are timed by the front's check, not the socket). */
function onLeanTimeout(this: LeanSocket): void {
  const conn = this[LEAN];
  if (conn === undefined || conn.busy || !conn.served) return;
  this.destroy();
}

/** The socket drained: so has the response waiting for it (what Node's server does for its responses). */
function onLeanDrain(this: LeanSocket): void {
  const res = this[LEAN]?.res as (NodeResponse & Record<symbol, unknown>) | undefined;
  if (res === undefined || res.finished || NEED_DRAIN === undefined || res[NEED_DRAIN] !== true) return;
  res[NEED_DRAIN] = false;
  res.emit('drain');
}

function onLeanError(): void {
  // A reset or a broken pipe: `close` follows, and the response (if any) sees it.
}

/** As Node's server, a request whose response was not finished is aborted when its connection closes. */
function onLeanClose(this: LeanSocket): void {
  const conn = this[LEAN];
  if (conn === undefined) return;
  conn.front.stopHeadClock(conn);
  const req = conn.req;
  conn.req = undefined;
  if (req !== undefined && !req.readableEnded) req.destroy();
}

/** The front's listeners on each socket it reads, put on and taken off together. */
// `onLeanData` is cast to a plain listener: it is only ever called by `data`, with a Buffer.
const LEAN_LISTENERS = [
  ['data', onLeanData as (...args: unknown[]) => void],
  ['end', onLeanEnd],
  ['timeout', onLeanTimeout],
  ['error', onLeanError],
  ['close', onLeanClose],
  ['drain', onLeanDrain],
] as const;

function emitClose(res: NodeResponse): void {
  if (res._closed) return;
  res.destroyed = true;
  res._closed = true;
  res.emit('close');
}

/** A response is done (Node's `resOnFinish`): keep the connection for the next request, or close it. */
function onLeanFinish(this: NodeResponse): void {
  const socket = this.socket as LeanSocket | null;
  const conn = socket?.[LEAN];
  if (socket === null || conn === undefined || conn.res !== this) return;
  const req = conn.req;
  if (req !== undefined && !req._consuming && !req._readableState.resumeScheduled) req._dump();
  this.detachSocket(socket);
  process.nextTick(emitClose, this);
  conn.req = undefined;
  conn.res = undefined;
  conn.busy = false;
  if (this._last) {
    socket.destroySoon();
    return;
  }
  conn.front.idle(conn);
}

/** The lean front of one listening address. */
export class LeanFront {
  readonly server: net.Server;
  /** Requests read here, and connections handed over to Node's server, since start. */
  requests = 0;
  handedOver = 0;
  /** Requests whose socket a held stream took without a response object ever made (client-exchange.ts). */
  heldWithoutResponse = 0;
  /**
   * Connections that have sent nothing yet, oldest first (a Set keeps insertion order, and every deadline is
   * start + the same timeout). One shared check instead of a timer per socket: a Node timer armed and
   * cleared per new connection cost ~2.5 µs, and the socket kept the cleared one (120 bytes) while held.
   */
  private readonly silent = new Set<LeanConnection>();
  private headCheck: NodeJS.Timeout | undefined = undefined;

  constructor(private readonly opts: LeanFrontOptions) {
    // As Node's HTTP server: half-open allowed (it decides when to end), Nagle off.
    this.server = net.createServer({ allowHalfOpen: true, noDelay: true });
    this.server.on('connection', (socket: Socket) => this.onConnection(socket));
    // Node's server starts its own headers clock at the hand-over; a first head must still come within
    // `client_headers_timeout` of the connection's start, as when Node's server accepted it.
    opts.fallback.prependListener('request', headSeen);
    opts.fallback.prependListener('upgrade', headSeen);
  }

  private onConnection(socket: LeanSocket): void {
    if (isRefused(socket)) return; // over client_maxconn: it got its 503
    const conn = new LeanConnection(this, socket);
    socket[LEAN] = conn;
    if (this.opts.headersTimeoutMs > 0) {
      this.silent.add(conn);
      this.headCheck ??= setInterval(() => this.checkHeads(), headCheckIntervalMs(this.opts.headersTimeoutMs)).unref();
    }
    for (const [event, listener] of LEAN_LISTENERS) socket.on(event, listener);
  }

  /** The connection closed, or its first bytes came: no head deadline of ours is left. */
  stopHeadClock(conn: LeanConnection): void {
    this.silent.delete(conn);
  }

  /** 408 to each connection silent past its deadline; the check stops while none is waiting. */
  private checkHeads(): void {
    const now = performance.now();
    for (const conn of this.silent) {
      if (now - conn.startedAt < this.opts.headersTimeoutMs) break; // the rest started later
      this.silent.delete(conn);
      const socket = conn.socket as LeanSocket;
      if (socket.destroyed || socket[LEAN] !== conn) continue;
      this.release(socket);
      this.headOverdue(socket);
    }
    if (this.silent.size === 0 && this.headCheck !== undefined) {
      clearInterval(this.headCheck);
      this.headCheck = undefined;
    }
  }

  /** Reads the request at the start of `bytes`, or gives the connection to Node's server. */
  serve(conn: LeanConnection, bytes: Buffer): void {
    this.silent.delete(conn);
    const parsed = parseClientHead(bytes, this.opts.maxHeadBytes);
    if (parsed.kind !== 'request') {
      this.handOver(conn, bytes);
      return;
    }
    const bodyEnd = parsed.length + parsed.head.contentLength;
    if (bytes.length < bodyEnd) {
      this.handOver(conn, bytes); // a body still arriving: Node's server streams it
      return;
    }
    const { socket } = conn;
    if (conn.timed) {
      socket.setTimeout(0);
      conn.timed = false;
    }
    conn.served = true;
    conn.busy = true;
    this.requests++;
    if (bytes.length > bodyEnd) conn.pending = bytes.subarray(bodyEnd);
    const head = parsed.head;
    const body = bodyEnd > parsed.length ? bytes.subarray(parsed.length, bodyEnd) : undefined;
    const offered = this.opts.onLeanRequest;
    if (offered !== undefined && offered(new LeanRequest(this, conn, head, body))) return;
    const req = this.build(conn, head);
    this.opts.onRequest(req, conn.res as NodeResponse);
    // The body, then its end, after the handler has attached its listeners (as Node's parser does).
    if (body !== undefined) req.push(body);
    req.complete = true;
    req.push(null);
  }

  /** The request and response as Node's server builds them (`parserOnHeadersComplete`, `parserOnIncoming`). */
  build(conn: LeanConnection, head: ClientRequestHead): NodeIncoming {
    const { socket } = conn;
    const req = new IncomingMessage(socket) as NodeIncoming;
    req.httpVersionMajor = 1;
    req.httpVersionMinor = head.minorVersion;
    req.httpVersion = head.minorVersion === 1 ? '1.1' : '1.0';
    req.method = head.method;
    req.url = head.url;
    req.upgrade = false;
    req._addHeaderLines(head.rawHeaders, head.rawHeaders.length);
    // Node's server passes the socket's high-water mark (the second argument is missing from @types/node).
    const Response = ServerResponse as unknown as new (req: IncomingMessage, options: { highWaterMark: number }) => NodeResponse;
    const res = new Response(req, { highWaterMark: socket.writableHighWaterMark });
    res._keepAliveTimeout = this.opts.keepAliveTimeoutMs;
    res.shouldKeepAlive = head.keepAlive;
    res.assignSocket(socket);
    res.on('finish', onLeanFinish);
    conn.req = req;
    conn.res = res;
    return req;
  }

  get keepAliveTimeoutMs(): number {
    return this.opts.keepAliveTimeoutMs;
  }

  /** Between requests: the keep-alive timeout runs, and bytes that came early are read. */
  idle(conn: LeanConnection): void {
    const { socket } = conn;
    socket.setTimeout(this.opts.keepAliveTimeoutMs + KEEP_ALIVE_MARGIN_MS);
    conn.timed = true;
    if (socket.isPaused()) socket.resume();
    const pending = conn.pending;
    if (pending !== undefined && !socket.destroyed) {
      conn.pending = undefined;
      this.serve(conn, pending);
    }
  }

  /** A connection's first head is past its deadline (read here or handed over): 408, as Node answers. */
  headOverdue(socket: Socket): void {
    this.opts.onHeadersTimeout(socket);
  }

  /** Node's HTTP server takes the connection from `bytes` on (the start of a request this front does not read). */
  private handOver(conn: LeanConnection, bytes: Buffer): void {
    const socket = conn.socket as LeanSocket;
    this.release(socket);
    this.handedOver++;
    const timeoutMs = this.opts.headersTimeoutMs;
    if (!conn.served && timeoutMs > 0) {
      const left = Math.max(1, timeoutMs - (performance.now() - conn.startedAt));
      socket[HEAD_DUE] = setTimeout(onHeadOverdue, left, this, socket).unref();
    }
    this.opts.fallback.emit('connection', socket);
    socket.emit('data', bytes);
  }

  /**
   * The front lets go of a socket between or after requests: to Node's server, or to a held stream
   * (`held-socket.ts`), which then reads nothing more from it.
   */
  release(socket: Socket): void {
    const s = socket as LeanSocket;
    const conn = s[LEAN];
    if (conn === undefined) return;
    s[LEAN] = undefined;
    if (conn.busy && conn.res === undefined) this.heldWithoutResponse++;
    this.silent.delete(conn);
    conn.pending = undefined;
    if (conn.timed) socket.setTimeout(0);
    for (const [event, listener] of LEAN_LISTENERS) socket.removeListener(event, listener);
    // Read again if the front had stopped (a client far ahead): whoever has the socket now must see its end.
    if (socket.isPaused()) socket.resume();
  }

  /**
   * Closes the connections waiting for their next request (shutdown), among `sockets`. A new connection
   * is not idle (its request may be on its way), as with Node's server: the headers timeout covers it.
   */
  closeIdle(sockets: Iterable<Socket>): void {
    for (const socket of sockets) {
      const conn = (socket as LeanSocket)[LEAN];
      if (conn !== undefined && conn.front === this && conn.served && !conn.busy) socket.destroy();
    }
  }
}

/**
 * Lets go of a socket a held stream takes over, whichever lean front read it. False when no lean front
 * reads it (Node's server does).
 */
export function releaseLeanSocket(socket: Socket): boolean {
  const conn = (socket as LeanSocket)[LEAN];
  if (conn === undefined) return false;
  conn.front.release(socket);
  return true;
}

/**
 * A request the lean front read and offered before making Node's objects for it (`onLeanRequest`). Whoever
 * takes it answers it: through `response()`, which makes the request and response as the front otherwise
 * would (the request already read to its end), or by holding the socket as a stream (`held-socket.ts`).
 */
export class LeanRequest {
  private res: ServerResponse | undefined = undefined;

  constructor(
    private readonly front: LeanFront,
    private readonly conn: LeanConnection,
    readonly head: ClientRequestHead,
    /** The request body (Content-Length), whole; undefined without one. */
    readonly body: Buffer | undefined,
  ) {}

  get socket(): Socket {
    return this.conn.socket;
  }

  /** How long the connection stays open between requests (what a response head announces). */
  get keepAliveTimeoutMs(): number {
    return this.front.keepAliveTimeoutMs;
  }

  /** Node's response to this request, made on the first call. */
  response(): ServerResponse {
    if (this.res !== undefined) return this.res;
    const req = this.front.build(this.conn, this.head);
    this.res = this.conn.res as NodeResponse;
    if (this.body !== undefined) req.push(this.body);
    req.complete = true;
    req.push(null);
    req.resume(); // nobody reads it: its end comes, as for a request Node's server read and the proxy resumed
    // A client already gone: the response closes, as Node's server closes it when its socket closes.
    if (this.conn.socket.destroyed) process.nextTick(emitClose, this.res);
    return this.res;
  }
}
