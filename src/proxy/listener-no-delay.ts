import type { Server } from 'node:net';

/** A server's own fields used here (untyped in @types/node): its listening handle and its `noDelay` option. */
type ListeningServer = Server & {
  noDelay?: boolean;
  /** A real TCP handle has `setNoDelay`; a cluster worker's round-robin stand-in does not. */
  _handle?: { setNoDelay?: (enable: boolean) => number } | null;
};

/**
 * Turns Nagle's algorithm off on the listening socket itself instead of on each accepted one. Linux copies
 * TCP_NODELAY from the listener to every connection it accepts, so Node's per-connection `setsockopt` (one
 * system call per new connection, ~1.3 µs here) is no longer needed. Returns false, changing nothing, when
 * the server does not hold the real listening socket (a cluster worker in round-robin mode, whose
 * connections the supervisor accepts): Node then sets it on each connection as before.
 */
export function setNoDelayOnListener(server: Server): boolean {
  const listening = server as ListeningServer;
  if (process.platform !== 'linux' || listening.noDelay !== true) return false;
  const handle = listening._handle;
  if (typeof handle?.setNoDelay !== 'function' || handle.setNoDelay(true) !== 0) return false;
  listening.noDelay = false;
  return true;
}
