/**
 * Sends a next-link request (spec grip-headers.md §7.1): always `GET`, no body, none of the client's
 * headers; `Host` is the link's; `Grip-Sig` and `Grip-Feature` as on any GRIP request, plus `Grip-Last`.
 * A link with the scheme, host and port of the URI it was resolved against goes through the client's route
 * (its path rewriting, `header=` entries and targets with fail-over); any other link goes straight to its
 * own host and port.
 */
import type { RouteTarget } from '../config/route-types';
import { GRIP_FEATURE } from '../grip/grip-sig';
import { linkMode } from '../hold/next-link';
import type { LinkResponse } from '../hold/stream-types';
import { sendBackendRequest, type BackendOutcome } from './backend-client';
import { backendHeaders } from './backend-headers';
import { backendPath } from './backend-path';
import type { ClientRequestInfo } from './client-request';
import type { ProxyContext } from './proxy-context';

function directTarget(u: URL): RouteTarget {
  const ssl = u.protocol === 'https:';
  return {
    kind: 'net',
    host: u.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: u.port !== '' ? Number(u.port) : ssl ? 443 : 80,
    ssl,
    insecure: false,
    overHttp: false,
    oneEvent: false,
    subs: [],
    untrusted: false,
    trustConnectHost: false,
  };
}

/**
 * GETs `uri` for the stream of client request `info`.
 * @param currentUri the URI the link was resolved against (the client's, then the previous link).
 * @param extra headers to add (`Grip-Last`).
 */
export async function fetchLink(
  ctx: ProxyContext,
  info: ClientRequestInfo,
  uri: string,
  currentUri: string,
  extra: Array<[string, string]>,
): Promise<LinkResponse> {
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    return { ok: false, detail: `invalid next link ${uri}` };
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return { ok: false, detail: `unsupported next link ${uri}` };
  const route = info.route;
  const sig = await ctx.gripSig(route);
  const pathAndQuery = u.pathname + u.search;
  const request: ClientRequestInfo = {
    method: 'GET',
    url: pathAndQuery,
    host: u.host,
    headers: [['Host', u.host]],
    isTls: u.protocol === 'https:',
    peerAddress: info.peerAddress,
    route,
    body: Buffer.alloc(0),
    bodyTooLarge: false,
    trusted: false,
  };
  const viaRoute = linkMode(currentUri, uri) === 'route' && route.targets.some((t) => t.kind === 'net');
  const targets = viaRoute ? route.targets.filter((t) => t.kind === 'net') : [directTarget(u)];
  const path = viaRoute ? backendPath(route, pathAndQuery) : pathAndQuery;
  let outcome: BackendOutcome | undefined;
  for (const target of targets) {
    const headers: Array<[string, string]> = viaRoute
      ? backendHeaders(request, {
          target,
          gripSig: sig,
          gripFeature: GRIP_FEATURE,
          extra,
          acceptPushpinRoute: ctx.settings.acceptPushpinRoute,
          acceptXForwardedProtocol: ctx.settings.acceptXForwardedProtocol,
          setXForwardedProtocol: ctx.settings.setXForwardedProtocol,
          xForwardedFor: ctx.settings.xForwardedFor,
          xForwardedForTrusted: ctx.settings.xForwardedForTrusted,
          cdnLoop: ctx.settings.cdnLoop,
        })
      : [['Host', u.host], ['Grip-Sig', sig], ['Grip-Feature', GRIP_FEATURE], ...extra];
    outcome = await sendBackendRequest({
      target,
      method: 'GET',
      path,
      headers,
      body: Buffer.alloc(0),
      timeoutMs: ctx.settings.backendTimeoutMs,
      observer: ctx.backendObserver,
    });
    if (outcome.ok || outcome.failure !== 'connect') break;
  }
  if (outcome === undefined) return { ok: false, detail: 'no targets' };
  if (!outcome.ok) return { ok: false, detail: outcome.detail };
  return { ok: true, response: outcome.response };
}
