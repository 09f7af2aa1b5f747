/**
 * The client side of one request, as the HTTP session answers it. A request Node's HTTP server read comes
 * with its `ServerResponse`. A request the lean front read (issue 6) comes without one: the response object
 * is made only when the session needs it (a pass-through, an error, a long-poll), and a plain stream hold
 * never makes it: its head goes straight to the socket (`hold-start.ts`). Until then the socket says whether
 * the client is gone.
 */
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { attachAccess, type AccessRecord } from './access-log';

type CloseListener = () => void;

export class ClientExchange {
  private made: ServerResponse | undefined;
  /** The `close` listener the session watches the client with, and what it is on (the socket or `res`). */
  private closeListener: CloseListener | undefined = undefined;
  /** The access-log record of a request whose response is not made yet (moved to it when it is). */
  access: AccessRecord | undefined = undefined;

  private constructor(
    readonly socket: Socket,
    res: ServerResponse | undefined,
    private readonly make: (() => ServerResponse) | undefined,
    /**
     * The connection's keep-alive timeout, which a head written without the response object announces;
     * undefined when no head may be written without it (the request does not keep its connection).
     */
    readonly keepAliveTimeoutMs: number | undefined,
  ) {
    this.made = res;
  }

  /** A request that came with its response (Node's HTTP server, or the lean front's fallback). */
  static of(res: ServerResponse): ClientExchange {
    return new ClientExchange(res.socket as Socket, res, undefined, undefined);
  }

  /** A request whose response `make` builds when first asked for, on a connection kept alive that long. */
  static deferred(socket: Socket, keepAliveTimeoutMs: number | undefined, make: () => ServerResponse): ClientExchange {
    return new ClientExchange(socket, undefined, make, keepAliveTimeoutMs);
  }

  /** Whether the response object exists (made now or given). */
  get hasResponse(): boolean {
    return this.made !== undefined;
  }

  /** The response, made now if it was not yet. */
  get res(): ServerResponse {
    if (this.made !== undefined) return this.made;
    const res = (this.make as () => ServerResponse)();
    this.made = res;
    if (this.access !== undefined) {
      attachAccess(res, this.access);
      this.access = undefined;
    }
    const listener = this.closeListener;
    if (listener !== undefined) {
      // From now on the response says when the exchange is over, as for a response made at once.
      this.socket.removeListener('close', listener);
      res.once('close', listener);
    }
    return res;
  }

  /**
   * The client left before anything was answered: a response made at once would have closed with its
   * socket and logged its line; this one is made now to do the same (rare: no cost on the usual path).
   */
  settleAbandoned(): void {
    if (this.made === undefined && this.access !== undefined) void this.res;
  }

  get destroyed(): boolean {
    return this.made !== undefined ? this.made.destroyed : this.socket.destroyed;
  }

  /** Calls `listener` once when the client goes away (or the response closes). One at a time. */
  watchClose(listener: CloseListener): void {
    this.closeListener = listener;
    if (this.made !== undefined) this.made.once('close', listener);
    else this.socket.once('close', listener);
  }

  unwatchClose(listener: CloseListener): void {
    if (this.closeListener !== listener) return;
    this.closeListener = undefined;
    if (this.made !== undefined) this.made.removeListener('close', listener);
    else this.socket.removeListener('close', listener);
  }
}
