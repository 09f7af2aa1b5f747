/**
 * Header rules of WebSocket-over-HTTP (spec websocket.md §4.1, §4.3): what the proxy forwards and adds
 * on each request, what it reads from each response (`Set-Meta-*`, `Keep-Alive-Interval`, content type),
 * and what of the `OPEN` reply reaches the client's `101`. Pure: no I/O.
 */
import { firstHeaderValue, parseHeaderInt, type HeaderPairs } from './header-params';
import { WS_EVENTS_CONTENT_TYPE } from './websocket-events';

/** Keep-alive intervals below this many seconds are raised to it. */
export const MIN_KEEP_ALIVE_INTERVAL_SEC = 20;

/** Connection meta set by the backend with `Set-Meta-<Name>`; names keep their case, compare without it. */
export type ConnectionMeta = ReadonlyArray<readonly [string, string]>;

const SET_META = 'set-meta-';

/**
 * The client's handshake headers as forwarded on every request: `Accept`, `Content-Length`,
 * `Content-Type`, `Connection-Id`, any `Meta-*` (clients cannot forge meta) and `Sec-WebSocket-Extensions`
 * are removed (the caller adds its own). Hop-by-hop headers are expected to be gone already.
 */
export function wohForwardedHeaders(headers: HeaderPairs): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const [name, value] of headers) {
    const lower = name.toLowerCase();
    if (
      lower === 'accept' ||
      lower === 'content-length' ||
      lower === 'content-type' ||
      lower === 'connection-id' ||
      lower === 'sec-websocket-extensions' ||
      lower === 'upgrade' ||
      lower.startsWith('meta-')
    ) {
      continue;
    }
    out.push([name, value]);
  }
  return out;
}

/** `Meta-<Name>: <value>` request headers for the stored connection meta. */
export function metaRequestHeaders(meta: ConnectionMeta): Array<[string, string]> {
  return meta.map(([name, value]): [string, string] => [`Meta-${name}`, value]);
}

/**
 * Applies a response's `Set-Meta-<Name>` headers to the connection meta: a value replaces any entry of the
 * same name (case-insensitive), an empty value deletes it. Returns the new list (the input is not changed).
 */
export function applySetMeta(meta: ConnectionMeta, headers: HeaderPairs): Array<[string, string]> {
  let out = meta.map(([k, v]): [string, string] => [k, v]);
  for (const [header, value] of headers) {
    if (header.length <= SET_META.length || header.slice(0, SET_META.length).toLowerCase() !== SET_META) continue;
    const name = header.slice(SET_META.length);
    const lower = name.toLowerCase();
    out = out.filter(([k]) => k.toLowerCase() !== lower);
    if (value !== '') out.push([name, value]);
  }
  return out;
}

/**
 * Reads `Keep-Alive-Interval`: `undefined` when the header is absent (the interval in force stays),
 * `null` when it turns keep-alives off (0, negative or not an integer), else seconds, at least `minSec`
 * (default 20, Pushpin's minimum).
 */
export function parseKeepAliveInterval(headers: HeaderPairs, minSec = MIN_KEEP_ALIVE_INTERVAL_SEC): number | null | undefined {
  const raw = firstHeaderValue(headers, 'Keep-Alive-Interval');
  if (raw === undefined) return undefined;
  const n = parseHeaderInt(raw);
  if (n === undefined || n <= 0) return null;
  return Math.max(n, minSec);
}

/** Whether a backend response is a usable events reply: status 200 and the exact content type (no parameters). */
export function isEventsResponse(code: number, headers: HeaderPairs): boolean {
  return code === 200 && firstHeaderValue(headers, 'Content-Type') === WS_EVENTS_CONTENT_TYPE;
}

/** Whether a client's plain HTTP request claims to carry WebSocket events (refused on `over_http` targets). */
export function isEventsRequest(headers: HeaderPairs): boolean {
  const ct = firstHeaderValue(headers, 'Content-Type');
  if (ct === undefined) return false;
  const semi = ct.indexOf(';');
  return (semi === -1 ? ct : ct.slice(0, semi)) === WS_EVENTS_CONTENT_TYPE;
}

const NOT_FOR_CLIENT = new Set([
  'content-length',
  'content-type',
  'keep-alive-interval',
  'sec-websocket-extensions',
  'transfer-encoding',
  'connection',
  'upgrade',
  'sec-websocket-accept',
]);

/**
 * The headers of a backend's handshake answer (the 101 in passthrough, the `OPEN` reply over HTTP) that are
 * relayed in the client's `101`: everything except the private WebSocket-over-HTTP headers, `Set-Meta-*`,
 * the extension header and what the proxy writes itself (`Connection`, `Upgrade`, `Sec-WebSocket-Accept`).
 */
export function clientHandshakeHeaders(headers: HeaderPairs): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const [name, value] of headers) {
    const lower = name.toLowerCase();
    if (NOT_FOR_CLIENT.has(lower) || lower.startsWith(SET_META)) continue;
    out.push([name, value]);
  }
  return out;
}
