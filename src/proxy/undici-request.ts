import type { Agent as UndiciAgent, Dispatcher } from 'undici';
import type { RouteTarget } from '../config/route-types';
import { tlsServerName } from './backend-headers';
import { DispatchedResponse, rawHeaderStrings } from './backend-response';
import { flatHeaderList } from './undici-headers';
import type { BackendOutcome, BackendRequest } from './backend-client';

// Only undici's Agent (and what it loads) instead of the whole package with fetch and web streams: about
// 8 MB less RSS in every process. The package has no `exports` map, so this path is public to Node.
// A CommonJS file without type declarations: typed from the package's own.
const Agent = require('undici/lib/dispatcher/agent') as typeof UndiciAgent;

// undici's HTTP parser in WebAssembly without SIMD: the SIMD build costs ~13 MB of RSS per process at the
// first backend request against ~4 MB, and parses our response heads no faster (measured: 18-23 us per
// request either way). Set before the first connection, which is when undici compiles it; a value the
// user set is kept.
process.env.UNDICI_NO_WASM_SIMD ??= '1';

/**
 * Backend requests through undici's dispatcher: keep-alive pools per origin, one request per connection at a
 * time (no pipelining: a held backend response must not delay the next request), no connection cap.
 * About half the client CPU per request of `http.request` with a keep-alive Agent (docs/PERFORMANCE.md).
 */
const pools = { verifying: makeAgent(true), insecure: makeAgent(false) };

function makeAgent(rejectUnauthorized: boolean): UndiciAgent {
  // Timeouts are the caller's (one timer per request, from sending to the response head: a backend that
  // never accepts the connection gets 504 like one that never answers); the body may take forever (a
  // relayed stream). So undici's own connect, head and body timeouts are off.
  return new Agent({ connections: null, pipelining: 1, headersTimeout: 0, bodyTimeout: 0, connect: { rejectUnauthorized, timeout: 0 } });
}

/** Error codes of a connection that never opened: the caller may try the next target. */
const CONNECT_ERRORS = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** The origin undici pools by, e.g. `http://127.0.0.1:8080`. */
function originOf(t: RouteTarget): string {
  const host = t.host.includes(':') && !t.host.startsWith('[') ? `[${t.host}]` : t.host;
  return `${t.ssl ? 'https' : 'http'}://${host}:${t.port}`;
}

/**
 * Sends `req` with undici. `settle` is called once, with the response head or the failure; the response's
 * body then arrives on the returned stream.
 */
export function dispatchBackendRequest(req: BackendRequest, settle: (outcome: BackendOutcome) => void): { abort(): void } {
  const t = req.target;
  // One agent serves plain and TLS origins alike; only `insecure` TLS targets need their own.
  const agent = t.ssl && t.insecure ? pools.insecure : pools.verifying;
  let abortRequest: ((err?: Error) => void) | undefined;
  let aborted = false;
  let response: DispatchedResponse | undefined;
  const options: Dispatcher.DispatchOptions & { origin: string; servername?: string } = {
    origin: originOf(t),
    method: req.method as Dispatcher.HttpMethod,
    path: req.path,
    headers: flatHeaderList(req.headers),
    body: req.bodyStream ?? req.body ?? null,
  };
  if (t.ssl) options.servername = tlsServerName(t);
  const handler: Dispatcher.DispatchHandler = {
    onConnect(abort) {
      abortRequest = abort;
      if (aborted) abort();
    },
    onHeaders(statusCode, rawHeaders, resume, statusText) {
      response = new DispatchedResponse(statusCode, statusText, rawHeaderStrings(rawHeaders));
      response.resumeParser = resume;
      response.abortRequest = abortRequest;
      settle({ ok: true, response });
      return true;
    },
    onData(chunk) {
      return (response as DispatchedResponse).receive(chunk);
    },
    onComplete() {
      (response as DispatchedResponse).finish();
    },
    onError(err: Error & { code?: string }) {
      if (response !== undefined) {
        // Cut off mid-body: like Node's IncomingMessage, 'aborted', then 'error' only to a listener for it.
        if (response.destroyed) return;
        response.emit('aborted');
        response.destroy(response.listenerCount('error') > 0 ? err : undefined);
        return;
      }
      const code = err.code ?? '';
      const failure = abortRequest === undefined && CONNECT_ERRORS.has(code) ? 'connect' : 'reset';
      settle({ ok: false, failure, detail: `${t.host}:${t.port}: ${code.startsWith('UND_ERR') ? err.message : code || err.message}` });
    },
  };
  agent.dispatch(options, handler);
  return {
    abort() {
      aborted = true;
      abortRequest?.();
    },
  };
}
