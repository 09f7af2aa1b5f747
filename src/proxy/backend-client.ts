import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import type { RouteTarget } from '../config/route-types';
import type { BackendResponse } from './backend-response';
import { nodeBackendRequest } from './node-http-request';
import { undiciSends } from './undici-headers';
import { dispatchBackendRequest } from './undici-request';
import { rawBackendRequest, rawClientSends } from './raw-backend-client';

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

export type BackendOutcome = { ok: true; response: BackendResponse } | { ok: false; failure: BackendFailure; detail: string };

/**
 * Receives each backend request's outcome and the milliseconds from sending to the response head (or to the
 * failure). Kept as a plain callback so this hot-path module needs no metrics library.
 */
export type BackendObserver = (req: BackendRequest, outcome: BackendOutcome, durationMs: number) => void;

/**
 * Sends one request to one target and resolves with the response head, or with why there was none.
 * Connection errors before any response are `connect` (the caller may fail over to the next target).
 * Our own client (`raw-backend-client.ts`) carries plain-HTTP requests whose body is known in advance,
 * undici TLS targets and bodies still streaming from the client, and Node's client the requests whose
 * headers only it sends as they are (`undici-headers.ts`).
 */
export function sendBackendRequest(req: BackendRequest): Promise<BackendOutcome> {
  return new Promise((resolve) => {
    const t = req.target;
    let settled = false;
    const started = req.observer ? performance.now() : 0;
    const settle = (outcome: BackendOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
      req.observer?.(req, outcome, performance.now() - started);
    };
    // One timer per in-flight backend request (not per held connection): bounded by open requests.
    const timer = setTimeout(() => {
      settle({ ok: false, failure: 'timeout', detail: `no response from ${t.host}:${t.port} within ${req.timeoutMs} ms` });
      sent.abort();
    }, req.timeoutMs);
    const sent = !undiciSends(req.headers)
      ? nodeBackendRequest(req, settle)
      : rawClientSends(req)
        ? rawBackendRequest(req, settle)
        : dispatchBackendRequest(req, settle);
  });
}
