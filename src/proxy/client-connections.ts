/**
 * The client sockets of one worker, across all its listeners: counted against `client_maxconn` (a socket
 * over the limit is answered `503` and closed, the open ones are not touched), and dropped as a whole at
 * the end of a shutdown. WebSockets count too: an upgraded socket stays the same socket.
 */
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from '../core/logger';

const REJECTED = Symbol('thumbtack.rejected');
const OWNER = Symbol('thumbtack.connections');
type MarkedSocket = Duplex & { [REJECTED]?: true; [OWNER]?: ClientConnections };

/** Milliseconds a refused socket is kept to let its 503 reach the client before it is destroyed. */
export const REFUSED_LINGER_MS = 1000;
/** Seconds a refused client is told to wait (`Retry-After`). */
export const REFUSED_RETRY_AFTER_SEC = 1;
/** Milliseconds between two warnings about refused connections (a flood logs once per period). */
const WARN_PERIOD_MS = 10_000;

const REFUSED_BODY = 'Too many connections; retry later.\n';
const REFUSED_RESPONSE =
  'HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\n' +
  `Retry-After: ${REFUSED_RETRY_AFTER_SEC}\r\nContent-Length: ${REFUSED_BODY.length}\r\nConnection: close\r\n\r\n${REFUSED_BODY}`;

function destroySocket(socket: Socket): void {
  socket.destroy();
}

// Shared 'close' listener: the socket finds its owner through a back-reference (no closure per connection).
function onSocketClose(this: Socket): void {
  (this as MarkedSocket)[OWNER]?.removed(this);
}

/** Whether the socket was refused over `client_maxconn` (its requests must be ignored: it got its 503). */
export function isRefused(socket: Duplex | null | undefined): boolean {
  return socket !== null && socket !== undefined && (socket as MarkedSocket)[REJECTED] === true;
}

export class ClientConnections {
  private readonly sockets = new Set<Socket>();
  /** Connections refused since start (over `client_maxconn`). */
  refused = 0;
  private refusedSinceWarn = 0;
  private lastWarnAt = 0;
  /** Told the count after every change (the young-generation policy, core/young-generation.ts). */
  onCountChanged?: (count: number) => void;

  constructor(
    /** `client_maxconn`: sockets open at once. */
    private readonly max: number,
    private readonly logger: Logger,
  ) {}

  /** Client sockets open now. */
  get count(): number {
    return this.sockets.size;
  }

  /**
   * The `connection` listener of every client server. Must run before Node's HTTP parser is attached
   * (`prependListener`): a refused socket is marked so that requests parsed on it anyway are ignored.
   */
  readonly onConnection = (socket: Socket): void => {
    if (this.sockets.size >= this.max) {
      this.refuse(socket);
      return;
    }
    this.sockets.add(socket);
    (socket as MarkedSocket)[OWNER] = this;
    socket.on('close', onSocketClose); // shared and idempotent: no `once` wrapper per socket
    this.onCountChanged?.(this.sockets.size);
  };

  /** A client socket closed. */
  removed(socket: Socket): void {
    if (this.sockets.delete(socket)) this.onCountChanged?.(this.sockets.size);
  }

  /** Every client socket open now. */
  all(): Iterable<Socket> {
    return this.sockets.values();
  }

  /** Destroys every client socket still open (the end of a shutdown). */
  destroyAll(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  private refuse(socket: Socket): void {
    (socket as MarkedSocket)[REJECTED] = true;
    this.refused++;
    this.refusedSinceWarn++;
    const now = Date.now();
    if (now - this.lastWarnAt >= WARN_PERIOD_MS) {
      this.logger.warn('client_maxconn reached; refusing new connections with 503', { max: this.max, refused: this.refusedSinceWarn });
      this.lastWarnAt = now;
      this.refusedSinceWarn = 0;
    }
    socket.on('error', ignoreError);
    socket.end(REFUSED_RESPONSE);
    setTimeout(destroySocket, REFUSED_LINGER_MS, socket).unref();
  }
}

function ignoreError(): void {
  // A refused client that resets: nothing to do, the socket is closing anyway.
}
