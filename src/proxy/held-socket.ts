/**
 * Lean held streams (issue 6 item 2): once a stream's head is on its way, the client socket is taken back
 * from Node's HTTP server the way Node itself hands over an upgraded connection. The HTTP parser goes back
 * to its pool, the server's per-socket listeners and wrappers are removed, and the held stream writes
 * straight to the socket, framing chunks itself. What stays per connection is the socket and the
 * subscriber's own record, not the parser, its listener closures and the response's stream state.
 *
 * This relies on Node internals that `upgrade` uses (`socket.parser`, `_http_common.freeParser`,
 * `ServerResponse.detachSocket`). When any of them is missing or the request is not in a state where
 * handing over is safe, `detachHeldSocket` returns undefined and the stream stays on `ServerResponse`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { ClientStream } from '../hold/client-stream';
import { flushAtEndOfTurn, type EndOfTurnWriter } from '../core/end-of-turn';
import { joinParts } from './write-coalescer';
import { releaseLeanSocket } from './lean-front';

/** The parts of Node's internal HTTP parser object this module touches. */
interface NodeParser {
  _consumed?: boolean;
  unconsume?: () => void;
}

type ParsedSocket = Socket & {
  parser?: NodeParser | null;
  _httpMessage?: unknown;
  /** net.Socket's cache of `remoteAddress` (an object and a string per connection). */
  _peername?: unknown;
};

interface HttpCommon {
  freeParser?: (parser: NodeParser, req: IncomingMessage | null, socket: Socket) => void;
}

// `_http_common` is Node's own module behind `http` (no types are published for it).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const httpCommon = require('_http_common') as HttpCommon;

/** Listeners Node's HTTP server puts on each client socket (by function name; bound ones are "bound x"). */
const SERVER_LISTENERS = new Set([
  'socketOnData',
  'socketOnEnd',
  'socketOnClose',
  'socketOnDrain',
  'socketOnError',
  'socketOnTimeout',
  'onSocketResume',
  'onSocketPause',
  'onServerResponseClose',
]);
const SOCKET_EVENTS = ['data', 'end', 'close', 'drain', 'error', 'timeout', 'resume', 'pause'] as const;
/** Own properties the server sets on a socket whose parser consumes the stream (they wrap `on` & co). */
const WRAPPED_METHODS = ['on', 'addListener', 'prependListener', 'setEncoding'] as const;

const CHUNK_END = Buffer.from('\r\n');
const LAST_CHUNK = Buffer.from('0\r\n\r\n');

/** A client that ends its side is gone: a held stream has nothing more to read from it. */
function onClientEnd(this: Socket): void {
  this.destroy();
}

/**
 * Node's own `end` listener on every socket (`net`'s `onReadableStreamEnd`), which only acts when the
 * socket does not allow half-open connections. Client sockets do (Node's HTTP server and the lean front
 * accept with `allowHalfOpen`), so on a held one it does nothing; without it the socket's `end` event holds
 * `onClientEnd` alone instead of an array of two (64 bytes per held connection).
 */
const NODE_END_LISTENER = 'onReadableStreamEnd';

type Listener = (...args: unknown[]) => void;

function isNodeEndListener(fn: Listener): boolean {
  return fn.name === NODE_END_LISTENER;
}

/** Removes the socket's `event` listeners that `matches` picks (Node's own are known by name only). */
function removeListeners(socket: Socket, event: string, matches: (fn: Listener) => boolean): void {
  for (const fn of socket.listeners(event) as Listener[]) if (matches(fn)) socket.removeListener(event, fn);
}

/**
 * What Node keeps on a client socket that a held connection (a stream, a WebSocket) no longer needs: its own
 * `end` listener where the socket allows half-open connections (it does nothing there), and the peer address
 * it cached when the request was read (read again, one system call, if anything asks).
 */
export function releaseNodeSocketState(socket: Socket): void {
  if (socket.allowHalfOpen) removeListeners(socket, 'end', isNodeEndListener);
  (socket as ParsedSocket)._peername = undefined;
}

function ignoreData(): void {
  // Bytes after the held request (a pipelined request, a stray newline): a held stream never answers them.
}

function onSocketError(this: Socket): void {
  // A reset or a broken pipe: the socket closes, and `close` ends the stream.
}

function serverListener(fn: Listener): boolean {
  const name = fn.name.startsWith('bound ') ? fn.name.slice(6) : fn.name;
  return SERVER_LISTENERS.has(name);
}

type ServerState = ServerResponse & { _onPendingData?: unknown };

function noPendingData(): void {
  // The server's per-connection write accounting is gone with the detached socket.
}

/**
 * What Node's server still hangs on the response: its `finish` listener and pending-data callback are bound
 * to the connection's parser state (closures over the socket, parser and queue), and `req` keeps the
 * request with its header arrays. None of it is used once the socket is detached.
 */
function releaseServerState(res: ServerState): void {
  res.removeAllListeners('finish');
  res._onPendingData = noPendingData;
  (res as unknown as { req: IncomingMessage | null }).req = null;
}

/** Takes a socket back from Node's HTTP server (as its `upgrade` does); false when this Node differs. */
function releaseFromNodeServer(socket: ParsedSocket, req: IncomingMessage): boolean {
  const freeParser = httpCommon.freeParser;
  if (!socket.parser || typeof freeParser !== 'function') return false;
  for (const event of SOCKET_EVENTS) removeListeners(socket, event, serverListener);
  freeParser(socket.parser, req, socket);
  // Back to the plain methods. Assigned, not deleted: a deleted property turns the socket into a
  // dictionary-mode object, about 1.6 KB more per connection.
  const own = socket as unknown as Record<string, unknown>;
  const proto = Object.getPrototypeOf(socket) as Record<string, unknown>;
  for (const key of WRAPPED_METHODS) if (Object.prototype.hasOwnProperty.call(socket, key)) own[key] = proto[key];
  return true;
}

/**
 * Takes the client socket of `res` away from Node's HTTP server, after its head (and any initial body) was
 * written through `res`. Undefined when it is not safe: the request body is still arriving, the response is
 * not the socket's current one, or this Node's internals differ. From then on the socket, not `res`, says
 * when the client is gone (`close`); `res` is left to the garbage collector with the request.
 */
export function detachHeldSocket(res: ServerResponse): { socket: Socket; stream: RawClientStream } | undefined {
  const req = res.req;
  const socket = res.socket as ParsedSocket | null;
  if (!socket || socket.destroyed || !res.headersSent || !req.complete || socket._httpMessage !== res) return undefined;
  // A socket read by the lean front (lean-front.ts) has no parser or server listeners to take back, only its own.
  if (!releaseLeanSocket(socket) && !releaseFromNodeServer(socket, req)) return undefined;
  const chunked = (res as ServerResponse & { chunkedEncoding?: boolean }).chunkedEncoding === true;
  res.detachSocket(socket);
  releaseServerState(res);
  return { socket, stream: holdSocket(socket, chunked) };
}

/**
 * A held stream's head was written straight to a socket the lean front read (no response object was
 * made): the front lets go of it, and the stream writes to it from now on. Undefined when no lean front
 * reads it.
 */
export function holdLeanSocket(socket: Socket, chunked: boolean): RawClientStream | undefined {
  if (!releaseLeanSocket(socket)) return undefined;
  return holdSocket(socket, chunked);
}

/** The socket once nothing but a held stream has it: no timeout, nothing read, its end and errors seen. */
function holdSocket(socket: Socket, chunked: boolean): RawClientStream {
  socket.setTimeout(0);
  socket.on('error', onSocketError);
  releaseNodeSocketState(socket);
  socket.on('end', onClientEnd);
  socket.on('data', ignoreData);
  return new RawClientStream(socket, chunked);
}

const CHUNKED = 1;
const ENDED = 2;
/** `pending` when this turn's first write has gone straight to the socket and nothing waits. */
const WROTE_THIS_TURN = Buffer.alloc(0);

/**
 * A held response written straight to its socket: each body piece is framed as one chunk when the response
 * is chunked. The frame of the last piece is kept, so an item fanned out to many subscribers is framed once
 * and the same bytes go to every socket. The first write of a turn of the event loop goes out at once;
 * what follows it in the same turn goes out in one system call at the end of the turn (`write-coalescer.ts`).
 */
export class RawClientStream implements ClientStream, EndOfTurnWriter {
  /** CHUNKED and ENDED bits (one field: every held connection carries this record). */
  private flags: number;
  /** Frames written this turn after its first, not yet given to the socket (or WROTE_THIS_TURN). */
  private pending: Buffer | Buffer[] | undefined = undefined;

  constructor(
    private readonly socket: Socket,
    chunked: boolean,
  ) {
    this.flags = chunked ? CHUNKED : 0;
  }

  get writableLength(): number {
    const pending = this.pending;
    if (pending === undefined) return this.socket.writableLength;
    if (!Array.isArray(pending)) return this.socket.writableLength + pending.length;
    let bytes = this.socket.writableLength;
    for (const part of pending) bytes += part.length;
    return bytes;
  }

  get writableNeedDrain(): boolean {
    return this.socket.writableNeedDrain;
  }

  get writableEnded(): boolean {
    return (this.flags & ENDED) !== 0;
  }

  get destroyed(): boolean {
    return this.socket.destroyed;
  }

  write(data: Buffer): boolean {
    if (this.flags & ENDED || data.length === 0) return true;
    const frame = this.flags & CHUNKED ? chunkFrame(data) : data;
    const pending = this.pending;
    if (pending === undefined) {
      // The turn's first write goes out now (no added latency); later ones wait for the end of the turn.
      this.pending = WROTE_THIS_TURN;
      flushAtEndOfTurn(this);
      return this.socket.write(frame);
    }
    if (pending === WROTE_THIS_TURN) this.pending = frame;
    else if (Array.isArray(pending)) pending.push(frame);
    else this.pending = [pending, frame];
    return !this.socket.writableNeedDrain;
  }

  flushPending(): void {
    const pending = this.pending;
    this.pending = undefined;
    if (pending === undefined || pending === WROTE_THIS_TURN || this.socket.destroyed) return;
    this.socket.write(Array.isArray(pending) ? joinParts(pending) : pending);
  }

  end(): void {
    if (this.flags & ENDED) return;
    this.flags |= ENDED;
    if (this.socket.destroyed || !this.socket.writable) {
      this.pending = undefined;
      return; // the client is gone: nothing to end
    }
    this.flushPending();
    if (this.flags & CHUNKED) this.socket.end(LAST_CHUNK);
    else this.socket.end();
  }

  destroy(): void {
    this.pending = undefined;
    this.socket.destroy();
  }

  once(event: 'drain', listener: () => void): this {
    this.socket.once(event, listener);
    return this;
  }
}

let lastData: Buffer | undefined;
let lastFrame: Buffer | undefined;

/** `data` as one HTTP/1.1 chunk (size line, data, CRLF); the last result is reused for the same buffer. */
export function chunkFrame(data: Buffer): Buffer {
  if (data === lastData && lastFrame !== undefined) return lastFrame;
  const head = Buffer.from(`${data.length.toString(16)}\r\n`, 'latin1');
  const frame = Buffer.concat([head, data, CHUNK_END], head.length + data.length + 2);
  lastData = data;
  lastFrame = frame;
  return frame;
}
