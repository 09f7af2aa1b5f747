import type { Route } from '../config/route-types';
import type { Logger } from '../core/logger';
import type { HoldContext } from '../hold/hold-context';
import type { BackendObserver } from './backend-client';
import type { XffRule } from './backend-headers';

/** The slice of the configuration the client-facing proxy reads. */
export interface ProxySettings {
  debug: boolean;
  autoCrossOrigin: boolean;
  acceptXForwardedProtocol: boolean;
  setXForwardedProtocol: 'true' | 'proto-only' | 'off';
  xForwardedFor: XffRule;
  xForwardedForTrusted: XffRule;
  acceptPushpinRoute: boolean;
  cdnLoop: string;
  connectionSubscriptionMax: number;
  /** Milliseconds to wait for a backend's response head before answering 504. */
  backendTimeoutMs: number;
  /** Bytes of request header block a client may send (`client_buffer_size`). */
  clientBufferSize: number;
  /** Client sockets the worker keeps open at once (`client_maxconn`); more are answered 503 and closed. */
  clientMaxconn: number;
  /** Milliseconds a client may take to send a complete request head (`client_headers_timeout`); 408 after. */
  clientHeadersTimeoutMs: number;
  /**
   * Held streams take their socket back from Node's HTTP server and write to it directly (issue 6: less
   * memory per connection, one write per delivery). Off only to compare (`THUMBTACK_LEAN_STREAMS=0`).
   */
  leanStreams?: boolean;
  /**
   * Client requests are read by the lean front (lean-front.ts) instead of Node's HTTP server, which keeps
   * the rest (issue 6: about half the CPU of a new connection). Off only to compare
   * (`THUMBTACK_LEAN_FRONT=0`), or when this Node lacks what it uses.
   */
  leanFront?: boolean;
}

/** What every HTTP session of one worker shares. */
export interface ProxyContext {
  settings: ProxySettings;
  hold: HoldContext;
  logger: Logger;
  /** A `Grip-Sig` token for requests on this route (route key/issuer when both are set). */
  gripSig(route: Route): Promise<string>;
  /** Whether a client `Grip-Sig` verifies with `upstream_key` (always false when no key is set). */
  isTrustedSig(token: string): Promise<boolean>;
  /** Told of every backend request's outcome and duration (worker metrics); absent = not measured. */
  backendObserver?: BackendObserver;
}
