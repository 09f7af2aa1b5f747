/** The IPC messages between the bench runner and its load-generator processes (`load-worker.ts`). */

/** What a held stream is: an SSE response (`GET`, 200) or a WebSocket (`Upgrade`, 101). */
export type StreamKind = 'sse' | 'ws';

export type WorkerCommand =
  | {
      type: 'open';
      id: number;
      /** Proxy client port on 127.0.0.1. */
      port: number;
      hostHeader: string;
      /** Source address of this worker's sockets, e.g. 127.0.0.2. */
      localAddress: string;
      /** Streams to open; stream i asks for `${pathPrefix}${channelPrefix}${(offset + i) % channels}`. */
      count: number;
      offset: number;
      channels: number;
      pathPrefix: string;
      channelPrefix: string;
      /** At most this many connections waiting for their response head at once. */
      maxPending: number;
      deadlineMs: number;
      /** `sse` (default): GET, a 200 stream; `ws`: a WebSocket upgrade, then frames. */
      kind?: StreamKind;
      /** Also report each connection's time from connect() to its response head (`connectMs`). */
      timings?: boolean;
    }
  | { type: 'collect'; id: number; reset: boolean }
  | {
      type: 'http-load';
      id: number;
      port: number;
      hostHeader: string;
      localAddress: string;
      method: 'GET' | 'POST';
      path: string;
      /** POST: the channel of the single-item publish body (with a timestamp). */
      channel?: string;
      concurrency: number;
      durationMs: number;
    }
  | { type: 'close-all'; id: number };

export interface OpenResult {
  established: number;
  failed: number;
  /** Why the first connection failed (errno code or 'closed by peer'). */
  firstFailure?: string;
  /** How many were established when the first failure happened (-1: none failed). */
  establishedAtFirstFailure: number;
  /** Wall-clock ms. */
  startedAt: number;
  lastEstablishedAt: number;
  elapsedMs: number;
  /** With `timings`: ms from connect() to the response head, per established connection. */
  connectMs?: number[];
}

export interface CollectResult {
  deliveries: number;
  keepAlives: number;
  /** Streams established and still open. */
  alive: number;
  /** Streams the proxy closed after establishing them. */
  closed: number;
  /** Wall-clock ms of the first and last delivery since the last reset (0 if none). */
  firstArrival: number;
  lastArrival: number;
  /** Publish-to-arrival latencies (ms) since the last reset; only sent when resetting. */
  latencies: number[];
}

export interface HttpLoadResult {
  ok: number;
  other: number;
  errors: number;
  elapsedMs: number;
}

export type WorkerReply =
  | { type: 'ready'; id: 0 }
  | { type: 'open'; id: number; result: OpenResult }
  | { type: 'collect'; id: number; result: CollectResult }
  | { type: 'http-load'; id: number; result: HttpLoadResult }
  | { type: 'close-all'; id: number }
  | { type: 'error'; id: number; message: string };
