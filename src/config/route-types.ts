/** The decoded form of a routes-file line. Names follow Pushpin's options (spec/config.md §2-4). */

export interface RouteTarget {
  /** `host:port` network target, or Pushpin's built-in `test` handler. */
  kind: 'net' | 'test';
  host: string;
  port: number;
  /** `ssl`: TLS to the backend. */
  ssl: boolean;
  /** `insecure`: accept invalid TLS certificates. */
  insecure: boolean;
  /** `host=`: Host header / TLS name to send. */
  hostHeader?: string;
  /** `over_http`: WebSocket clients are served with WebSocket-over-HTTP. */
  overHttp: boolean;
  /** `one_event`: WebSocket-over-HTTP at most one event per request. */
  oneEvent: boolean;
  /** `sub=`: channels every held connection of this target is subscribed to (no prefix). */
  subs: string[];
  untrusted: boolean;
  trustConnectHost: boolean;
}

export interface Route {
  /** `id=`, or an id derived from the condition when absent. */
  id: string;
  /** `true` when `id=` was given explicitly. */
  explicitId: boolean;
  /** Lower-cased host name, or `*`; `''` for an id-only route (condition `,id=x`), reachable only by id. */
  domain: string;
  proto?: 'http' | 'ws';
  ssl?: boolean;
  pathBeg?: string;
  sigIss?: string;
  sigKey?: string;
  /** `prefix=`: prepended to every channel the backend subscribes to ('' when absent). */
  prefix: string;
  asHost?: string;
  pathRem?: number;
  /** `replace_beg=`: replaces the matched `pathBeg`; when set, `pathRem` is absent (replace_beg overrides it). */
  replaceBeg?: string;
  /** `header=Name:value` entries in order; an empty value removes the header. */
  headers: Array<[string, string]>;
  origHeaders: boolean;
  noGrip: boolean;
  debug: boolean;
  aco: boolean;
  targets: RouteTarget[];
  /** Where the route came from, for messages: file name (or `--route`) and 1-based line. */
  source: { file: string; line: number };
}

export interface RouteRequest {
  /** Host of the request without port, lower-cased. */
  host: string;
  /** Raw (percent-encoded) path, without the query. */
  path: string;
  isWebSocket: boolean;
  isTls: boolean;
}

export interface RouteProblem {
  file: string;
  line: number;
  message: string;
}
