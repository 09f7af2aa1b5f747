/** The decoded form of a publish item (spec/publishing.md §1-3); JSON and tnetstring decode to this. */

export type PublishAction = 'send' | 'hint' | 'close' | 'refresh';

export interface HttpResponseFormat {
  action: PublishAction;
  code: number;
  /** Absent: the standard phrase for `code`. */
  reason?: string;
  headers: Array<[string, string]>;
  body?: Buffer;
  /** RFC 6902 operations to apply to the long-poll's original JSON body. */
  bodyPatch?: unknown[];
  contentFilters?: string[];
}

export interface HttpStreamFormat {
  action: PublishAction;
  content?: Buffer;
  contentFilters?: string[];
}

export type WsMessageType = 'text' | 'binary' | 'ping' | 'pong';

export interface WsMessageFormat {
  action: PublishAction;
  type: WsMessageType;
  content?: Buffer;
  /** `close` action: close code and reason. */
  code?: number;
  reason?: string;
  contentFilters?: string[];
}

export interface PublishFormats {
  'http-response'?: HttpResponseFormat;
  'http-stream'?: HttpStreamFormat;
  'ws-message'?: WsMessageFormat;
}

export interface PublishItem {
  channel: string;
  id?: string;
  prevId?: string;
  meta: Record<string, string>;
  size?: number;
  noSeq: boolean;
  formats: PublishFormats;
  /**
   * When the supervisor accepted the item, in ms on the `performance.timeOrigin + performance.now()` clock
   * (comparable across processes of one machine): set by `Thumbtack.publish`, read once per item by each
   * worker for the publish-to-write latency histogram. Absent for items that did not come through it.
   */
  acceptedAt?: number;
}
