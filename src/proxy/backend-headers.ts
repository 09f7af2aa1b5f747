import type { Route, RouteTarget } from '../config/route-types';
import type { ClientRequestInfo } from './client-request';
import { headerNameIs } from '../core/http-syntax';

/** How X-Forwarded-For is rewritten: keep the last `truncate` existing values, then `append` the peer. */
export interface XffRule {
  truncate?: number;
  append: boolean;
}

export interface BackendHeaderOptions {
  target: RouteTarget;
  /** `Grip-Sig` token, or undefined on `no_grip` routes. */
  gripSig?: string;
  /** `Grip-Feature` value, or undefined on `no_grip` routes. */
  gripFeature?: string;
  /** Extra headers the proxy adds (`Grip-Last` on re-requests). */
  extra?: Array<[string, string]>;
  acceptPushpinRoute: boolean;
  acceptXForwardedProtocol: boolean;
  setXForwardedProtocol: 'true' | 'proto-only' | 'off';
  xForwardedFor: XffRule;
  /** The X-Forwarded-For rule for trusted clients (`x_forwarded_for_trusted`). */
  xForwardedForTrusted: XffRule;
  cdnLoop: string;
  /** Copy every client header again with this prefix (`orig_headers`). */
  origHeadersPrefix?: string;
}

/**
 * Client headers never forwarded: exactly Pushpin's list (spec grip-headers.md §10). Pushpin forwards the
 * other hop-by-hop headers (`TE`, `Upgrade: h2c`, names listed in `Connection`), and so does Thumbtack.
 */
const NOT_FORWARDED = new Set(['connection', 'keep-alive', 'accept-encoding', 'content-encoding', 'transfer-encoding', 'expect']);

/** The lower-cased client header names not forwarded on a route, kept per route (not built per request). */
const droppedByRoute = new WeakMap<Route, { options: number; names: ReadonlySet<string> }>();

/** NOT_FORWARDED, the names the options drop, and the route's `header=` names (which replace the client's). */
function droppedNames(route: Route, opts: BackendHeaderOptions): ReadonlySet<string> {
  const xForwardedProto = opts.acceptXForwardedProtocol || opts.setXForwardedProtocol !== 'off';
  const options = (opts.acceptPushpinRoute ? 1 : 0) | (xForwardedProto ? 2 : 0);
  const cached = droppedByRoute.get(route);
  if (cached !== undefined && cached.options === options) return cached.names;
  const names = new Set(NOT_FORWARDED);
  if (opts.acceptPushpinRoute) names.add('pushpin-route');
  if (xForwardedProto) {
    names.add('x-forwarded-proto');
    names.add('x-forwarded-protocol');
  }
  for (const [name] of route.headers) names.add(name.toLowerCase());
  droppedByRoute.set(route, { options, names });
  return names;
}

/**
 * The headers forwarded to the backend (spec grip-headers.md §10): client headers minus `Grip-*` and
 * hop-by-hop ones, then the route's `header=` entries, Host rewriting, X-Forwarded-*, and the GRIP headers.
 */
export function backendHeaders(req: ClientRequestInfo, opts: BackendHeaderOptions): Array<[string, string]> {
  const route = req.route;
  const dropped = droppedNames(route, opts);

  const out: Array<[string, string]> = [];
  const xff: string[] = [];
  const xffRule = req.trusted ? opts.xForwardedForTrusted : opts.xForwardedFor;
  const rewritesXff = xffRule.append || xffRule.truncate !== undefined;
  for (const [name, value] of req.headers) {
    const lower = name.toLowerCase();
    if ((lower.startsWith('grip-') && !req.trusted) || dropped.has(lower)) continue;
    if (lower === 'x-forwarded-for' && rewritesXff) {
      xff.push(...value.split(',').map((v) => v.trim()).filter((v) => v !== ''));
      continue;
    }
    out.push([name, value]);
  }
  if (opts.origHeadersPrefix !== undefined) {
    for (const [name, value] of req.headers) out.push([opts.origHeadersPrefix + name, value]);
  }
  for (const [name, value] of route.headers) if (value !== '') out.push([name, value]);

  const host = route.asHost ?? opts.target.hostHeader;
  if (host !== undefined) replaceHeader(out, 'Host', host);

  if (rewritesXff) {
    const kept = xffRule.truncate !== undefined ? xff.slice(Math.max(0, xff.length - xffRule.truncate)) : xff;
    if (xffRule.truncate === 0) kept.length = 0;
    if (xffRule.append) kept.push(req.peerAddress);
    if (kept.length > 0) out.push(['X-Forwarded-For', kept.join(', ')]);
  }
  if (req.isTls && opts.setXForwardedProtocol !== 'off') {
    const proto = req.headers.some(([k]) => headerNameIs(k, 'upgrade')) ? 'wss' : 'https';
    out.push(['X-Forwarded-Proto', proto]);
    if (opts.setXForwardedProtocol === 'true') out.push(['X-Forwarded-Protocol', proto]);
  }
  if (opts.cdnLoop !== '') out.push(['CDN-Loop', opts.cdnLoop]);
  if (opts.gripSig !== undefined && !req.trusted) out.push(['Grip-Sig', opts.gripSig]);
  if (opts.gripFeature !== undefined) out.push(['Grip-Feature', opts.gripFeature]);
  if (opts.extra) out.push(...opts.extra);
  return out;
}

function replaceHeader(headers: Array<[string, string]>, name: string, value: string): void {
  const lower = name.toLowerCase();
  const index = headers.findIndex(([k]) => headerNameIs(k, lower));
  if (index >= 0) headers[index] = [name, value];
  else headers.unshift([name, value]);
  for (let i = headers.length - 1; i > index && index >= 0; i--) {
    if (headerNameIs((headers[i] as [string, string])[0], lower)) headers.splice(i, 1);
  }
}

/** The TLS server name (SNI) for a target: its `host=` value, else its host, without a port. */
export function tlsServerName(target: RouteTarget): string {
  return (target.hostHeader ?? target.host).replace(/:\d+$/, '');
}

/** Response headers that describe the backend connection; every other header reaches the client, as in Pushpin. */
const NOT_RELAYED = new Set(['connection', 'keep-alive', 'transfer-encoding']);

/** Headers of a backend response that are relayed to the client on pass-through. */
export function clientResponseHeaders(raw: Array<[string, string]>, stripGrip: boolean): Array<[string, string]> {
  const dropped = NOT_RELAYED;
  return raw.filter(([name]) => {
    const lower = name.toLowerCase();
    return !dropped.has(lower) && !(stripGrip && lower.startsWith('grip-'));
  });
}
