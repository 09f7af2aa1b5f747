import http from 'node:http';
import https from 'node:https';
import type { BackendOutcome, BackendRequest } from './backend-client';
import { tlsServerName } from './backend-headers';

/**
 * Backend requests through Node's own client, for the few requests undici will not send as they are
 * (undici-headers.ts). Keep-alive pools, one agent per scheme (Node's agents pool per host:port).
 */
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

/** Sends `req` with `http.request`; `settle` is called once, with the response head or the failure. */
export function nodeBackendRequest(req: BackendRequest, settle: (outcome: BackendOutcome) => void): { abort(): void } {
  const t = req.target;
  const lib = t.ssl ? https : http;
  const agent = t.ssl ? (t.insecure ? insecureAgent : httpsAgent) : httpAgent;
  let connected = false;
  const outgoing = lib.request({
    host: t.host,
    port: t.port,
    method: req.method,
    path: req.path,
    headers: headersObject(req.headers),
    agent,
    servername: t.ssl ? tlsServerName(t) : undefined,
    setHost: false,
  });
  outgoing.on('socket', (socket) => {
    if (!socket.connecting) connected = true;
    else socket.once('connect', () => (connected = true));
  });
  outgoing.on('response', (response) => settle({ ok: true, response }));
  outgoing.on('error', (err: NodeJS.ErrnoException) => {
    settle({ ok: false, failure: connected && !outgoing.reusedSocket ? 'reset' : 'connect', detail: `${t.host}:${t.port}: ${err.code ?? err.message}` });
  });
  if (req.bodyStream) req.bodyStream.pipe(outgoing);
  else outgoing.end(req.body);
  return { abort: () => outgoing.destroy() };
}
