/** The decoded form of a GRIP instruction: header GRIP and `application/grip-instruct` JSON decode to this. */

export type HoldMode = 'response' | 'stream';

export interface ChannelSubscription {
  /** Channel name as the backend gave it (the route `prefix=` is applied later by the proxy). */
  name: string;
  /** `prev-id`: the id of the last item the backend included in this response. */
  prevId?: string;
  /** `filter=` values in order (unknown names are kept; the filter stage ignores them). */
  filters: string[];
}

export interface KeepAlive {
  /** Bytes written into the stream on each keep-alive. */
  data: Buffer;
  /** Seconds between keep-alives (default 55, minimum 1). */
  timeoutSec: number;
  /** `idle`: restarted by traffic; `interval`: fixed period. JSON instructions are always `interval`. */
  mode: 'idle' | 'interval';
}

export interface NextLink {
  /** Absolute URI, resolved against the request URI. */
  uri: string;
  /** Seconds of idleness after which the proxy re-fetches the link (default 120). */
  timeoutSec: number;
}

/** What the client is sent from this instruction: at once (no hold), at stream start, or on long-poll timeout. */
export interface ClientResponse {
  code: number;
  reason: string;
  /** Header pairs in order, repeats allowed; `Grip-*` and `Content-Length` already removed. */
  headers: Array<[string, string]>;
  body: Buffer;
}

export interface Instruction {
  /** Absent: deliver the response now (followed by the next link if any). */
  hold?: HoldMode;
  channels: ChannelSubscription[];
  /** Long-poll timeout in seconds (default 55, minimum 5). */
  timeoutSec: number;
  keepAlive?: KeepAlive;
  /** `Grip-Set-Meta` / JSON `meta`. */
  meta: Record<string, string>;
  nextLink?: NextLink;
  response: ClientResponse;
}

/** The backend response as the decoder sees it (the body fully buffered, at most 100,000 bytes). */
export interface BackendResponse {
  code: number;
  reason: string;
  headers: Array<[string, string]>;
  body: Buffer;
}
