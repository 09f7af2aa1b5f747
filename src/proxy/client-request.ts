import type { Route } from '../config/route-types';
import { headerNameIs } from '../core/http-syntax';

/**
 * What the proxy keeps of a client request: enough to forward it, and to re-send it later (long-poll
 * re-requests) after the live request object is gone.
 */
export interface ClientRequestInfo {
  method: string;
  /** Raw path and query as the client sent them. */
  url: string;
  /** Host header value as sent (may include a port); '' when absent. */
  host: string;
  /** Client header pairs in order (rawHeaders). */
  headers: Array<[string, string]>;
  isTls: boolean;
  peerAddress: string;
  route: Route;
  /** A copy of the body when it fit in the re-request buffer (100,000 bytes). */
  body?: Buffer;
  /** The body went past the re-request buffer: GRIP holds are refused with 400. */
  bodyTooLarge: boolean;
  /**
   * The client is an upstream GRIP proxy whose `Grip-Sig` verified with `upstream_key`: its `Grip-*`
   * headers pass through and the response's GRIP instructions are left for it. Decided on the first pass.
   */
  trusted?: boolean;
}

/** The re-request buffer size and the GRIP instruction body limit of Pushpin 1.36. */
export const GRIP_BODY_LIMIT = 100_000;

/** Header pairs from Node's flat rawHeaders array. */
export function pairsFromRaw(raw: readonly string[]): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (let i = 0; i + 1 < raw.length; i += 2) pairs.push([raw[i] as string, raw[i + 1] as string]);
  return pairs;
}

/** The first value of a header (case-insensitive), or undefined. */
export function headerValue(headers: ReadonlyArray<readonly [string, string]>, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [k, v] of headers) if (headerNameIs(k, lower)) return v;
  return undefined;
}

/** The absolute URI of the request, as GRIP links resolve against it. */
export function requestUri(req: Pick<ClientRequestInfo, 'isTls' | 'host' | 'url'>): string {
  return `${req.isTls ? 'https' : 'http'}://${req.host || 'localhost'}${req.url}`;
}
