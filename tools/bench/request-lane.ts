/**
 * One request lane of the load generator: sends a request, waits for its response, sends the next, over a
 * keep-alive connection, and opens a new connection when the server closes it (both Pushpin's and
 * Thumbtack's publish APIs answer `Connection: close`). Raw sockets: lighter than node:http.
 */
import net from 'node:net';
import { READ_BUFFER } from './read-buffer';
import { ResponseFramer } from './wire';

export interface LaneOptions {
  port: number;
  /** Source address; leave it out for short-lived connections (the kernel then reuses TIME_WAIT ports). */
  localAddress?: string;
  /** The next request's bytes, or undefined when the lane is done. Called just before writing. */
  next(): Buffer | undefined;
  onResponse(status: number): void;
  /** A connection error or a connection closed with a request in flight. */
  onError(): void;
  /** Called once, when `next` returned undefined or after `maxErrors` errors. */
  onDone(): void;
  maxErrors?: number;
}

/**
 * Starts a lane; it runs until `next` returns undefined or `maxErrors` (default 100) errors happened, then
 * calls `onDone` once. It has no timer of its own: callers bound it through `next`.
 */
export function runLane(opts: LaneOptions): void {
  let errors = 0;
  let done = false;
  const maxErrors = opts.maxErrors ?? 100;
  const finish = (): void => {
    if (done) return;
    done = true;
    opts.onDone();
  };
  const connect = (first: Buffer): void => {
    const socket = net.connect({
      host: '127.0.0.1',
      port: opts.port,
      localAddress: opts.localAddress,
      onread: { buffer: READ_BUFFER, callback: (nread: number) => onBytes(READ_BUFFER.subarray(0, nread)) },
    });
    const framer = new ResponseFramer();
    let inFlight = true;
    let retired = false;
    const retire = (): void => {
      retired = true;
      socket.destroy();
    };
    const failed = (): void => {
      if (retired) return;
      retire();
      opts.onError();
      if (++errors >= maxErrors) return finish();
      const request = opts.next();
      if (request) connect(request);
      else finish();
    };
    socket.setNoDelay(true);
    socket.once('connect', () => socket.write(first));
    const onBytes = (chunk: Buffer): boolean => {
      let statuses: number[];
      try {
        statuses = framer.feed(chunk);
      } catch {
        failed();
        return true;
      }
      if (statuses.length === 0) return true;
      for (const status of statuses) opts.onResponse(status);
      inFlight = false;
      const request = opts.next();
      if (!request) {
        retire();
        finish();
      } else if (framer.closing) {
        retire();
        connect(request);
      } else {
        inFlight = true;
        socket.write(request);
      }
      return true;
    };
    socket.on('error', failed);
    socket.on('close', () => {
      if (retired) return;
      if (inFlight) return failed();
      retire();
    });
  };
  const request = opts.next();
  if (request) connect(request);
  else finish();
}
