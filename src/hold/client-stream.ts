/**
 * Where a held stream writes: the client's `ServerResponse` while Node's HTTP server still owns the
 * connection, or the bare socket once it has been detached (`proxy/held-socket.ts`). `ServerResponse`
 * satisfies this contract as it is.
 */
export interface ClientStream {
  /** Appends body bytes (chunk-framed when the response is chunked). */
  write(data: Buffer): unknown;
  /** Ends the response cleanly (the terminating chunk, then the connection's end). */
  end(): unknown;
  /** Drops the connection at once. */
  destroy(): unknown;
  /** Bytes accepted but not yet handed to the kernel. */
  readonly writableLength: number;
  readonly writableNeedDrain: boolean;
  readonly writableEnded: boolean;
  readonly destroyed: boolean;
  once(event: 'drain', listener: () => void): unknown;
}
