import http from 'node:http';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import type { RouteTarget } from '../config/route-types';

/** Why a backend request produced no response. */
export type BackendFailure = 'connect' | 'timeout' | 'reset';

export interface BackendRequest {
  target: RouteTarget;
  method: string;
  path: string;
  headers: Array<[string, string]>;
  /** The body: a live stream (first request) or a buffered copy (re-requests, fail-over). */
  body?: Buffer;
  bodyStream?: Readable;
  /** Milliseconds to wait for the response head before giving up with `timeout`. */
  timeoutMs: number;
  /** Told of the outcome once it is known (metrics); absent = nothing is measured. */
  observer?: BackendObserver;
}

export type BackendOutcome =
  | { ok: true; response: http.IncomingMessage; request: http.ClientRequest }
  | { ok: false; failure: BackendFailure; detail: string };

/**
 * Receives each backend request's outcome and the milliseconds from sending to the response head (or to the
 * failure). Kept as a plain callback so this hot-path module needs no metrics library.
 */
export type BackendObserver = (req: BackendRequest, outcome: BackendOutcome, durationMs: number) => void;

/** Keep-alive pools, one agent per scheme (Node's agents pool per host:port). */
const httpAgent = new http.Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 256 });
const httpsAgent = new https.Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 256 });
const insecureAgent = new https.Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 256, rejectUnauthorized: false });

/** Header pairs as Node's request options want them (a repeated name becomes an array: repeated lines). */
export function headersObject(pairs: Array<[string, string]>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of pairs) {
    const existing = out[name];
    if (existing === undefined) out[name] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else out[name] = [existing, value];
  }
  return out;
}

/**
 * Sends one request to one target and resolves with the response head, or with why there was none.
 * Connection errors before any response are `connect` (the caller may fail over to the next target).
 */
export function sendBackendRequest(req: BackendRequest): Promise<BackendOutcome> {
  return new Promise((resolve) => {
    const t = req.target;
    const lib = t.ssl ? https : http;
    const agent = t.ssl ? (t.insecure ? insecureAgent : httpsAgent) : httpAgent;
    let settled = false;
    let connected = false;
    const started = req.observer ? performance.now() : 0;
    const finish = (outcome: BackendOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
      req.observer?.(req, outcome, performance.now() - started);
    };
    const outgoing = lib.request({
      host: t.host,
      port: t.port,
      method: req.method,
      path: req.path,
      headers: headersObject(req.headers),
      agent,
      servername: t.ssl ? (t.hostHeader ?? t.host).replace(/:\d+$/, '') : undefined,
      setHost: false,
    });
    // One timer per in-flight backend request (not per held connection): bounded by open requests.
    const timer = setTimeout(() => {
      finish({ ok: false, failure: 'timeout', detail: `no response from ${t.host}:${t.port} within ${req.timeoutMs} ms` });
      outgoing.destroy();
    }, req.timeoutMs);
    outgoing.on('socket', (socket) => {
      if (!socket.connecting) connected = true;
      else socket.once('connect', () => (connected = true));
    });
    outgoing.on('response', (response) => finish({ ok: true, response, request: outgoing }));
    outgoing.on('error', (err: NodeJS.ErrnoException) => {
      finish({ ok: false, failure: connected && !outgoing.reusedSocket ? 'reset' : 'connect', detail: `${t.host}:${t.port}: ${err.code ?? err.message}` });
    });
    if (req.bodyStream) {
      req.bodyStream.pipe(outgoing);
    } else {
      outgoing.end(req.body);
    }
  });
}
