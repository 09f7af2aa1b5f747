import net from 'node:net';
import { openStream, request, type FullResponse, type OpenStream } from '../helpers/harness';
import { groupHeaders } from './conformance-backend';

/** One proxy under comparison: where to send requests, where to publish, how to wait for a subscription. */
export interface Side {
  name: 'pushpin' | 'thumbtack';
  url: string;
  publishUrl: string;
  subscribed(channel: string): Promise<void>;
}

/** The Host every comparison request carries, so both backends see the same one. */
export const HOST = 'conformance.test';

/** Response headers that are framing or time, not behaviour. */
const FRAMING = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding']);

/** What is compared of a response: status, reason, headers (minus framing, repeats kept in order), body. */
export interface ResponseView {
  status: number;
  reason: string;
  headers: Record<string, string[]>;
  body: string;
}

export function headerView(rawHeaders: readonly string[], ignore: readonly string[] = []): Record<string, string[]> {
  const grouped = groupHeaders(rawHeaders);
  const out: Record<string, string[]> = {};
  for (const name of Object.keys(grouped).sort()) {
    if (FRAMING.has(name) || ignore.includes(name)) continue;
    out[name] = grouped[name] as string[];
  }
  return out;
}

export function view(res: FullResponse, ignore: readonly string[] = []): ResponseView {
  return { status: res.status, reason: res.reason, headers: headerView(res.rawHeaders, ignore), body: res.text };
}

export interface SendOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Overrides the Host header (default `conformance.test`). */
  host?: string;
}

export function send(side: Side, path: string, opts: SendOptions = {}): Promise<FullResponse> {
  return request(`${side.url}${path}`, {
    method: opts.method,
    body: opts.body,
    headers: { Host: opts.host ?? HOST, ...opts.headers },
  });
}

/** The same request to both sides at once. */
export async function sendBoth(pp: Side, tt: Side, path: string, opts: SendOptions = {}): Promise<{ pp: FullResponse; tt: FullResponse }> {
  const [a, b] = await Promise.all([send(pp, path, opts), send(tt, path, opts)]);
  return { pp: a, tt: b };
}

export function stream(side: Side, path: string, host = HOST): Promise<OpenStream> {
  return openStream(`${side.url}${path}`, { Host: host });
}

/** The head of an open stream, as compared. */
export function streamHead(s: OpenStream): Omit<ResponseView, 'body'> {
  return { status: s.res.statusCode ?? 0, reason: s.res.statusMessage ?? '', headers: headerView(s.res.rawHeaders) };
}

/** POST /publish/ with `{"items": items}`. */
export function publishTo(side: Side, items: unknown[]): Promise<FullResponse> {
  return request(`${side.publishUrl}/publish/`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ items }),
  });
}

/** What a raw exchange produced: every byte received, and the socket error if the peer reset. */
export interface RawExchange {
  data: string;
  error?: string;
}

/** Writes `bytes` on a fresh connection and collects the reply until the peer closes (or `ms` pass). */
export function rawExchange(url: string, bytes: string, ms = 3000): Promise<RawExchange> {
  return new Promise((resolve) => {
    const socket = net.connect(Number(new URL(url).port), '127.0.0.1', () => socket.write(bytes));
    let data = '';
    let error: string | undefined;
    const timer = setTimeout(() => socket.destroy(), ms);
    socket.on('data', (d) => (data += d.toString('latin1')));
    socket.on('error', (err: NodeJS.ErrnoException) => (error = err.code ?? err.message));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(error === undefined ? { data } : { data, error });
    });
  });
}

/** The status line and body of a raw HTTP/1.1 reply with a Content-Length body. */
export function rawView(raw: string): { statusLine: string; body: string } {
  const end = raw.indexOf('\r\n\r\n');
  const head = end < 0 ? raw : raw.slice(0, end);
  return { statusLine: head.split('\r\n')[0] ?? '', body: end < 0 ? '' : raw.slice(end + 4) };
}

/** The exact `Grip-Feature` value Pushpin 1.36 sends. */
export const GRIP_FEATURE =
  'status, session, link:next, filter:skip-self, filter:skip-users, filter:require-sub, filter:build-id, filter:var-subst';

/** A response and how long it took, in ms. */
export interface Timed {
  res: FullResponse;
  ms: number;
}

/** Rejects with a clear message when `p` does not settle within `ms`. */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms)));
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}

/** Starts timing a request now; a rejection is left for the awaiting test to report. */
export function timed(p: Promise<FullResponse>): Promise<Timed> {
  const started = Date.now();
  const out = p.then((res) => ({ res, ms: Date.now() - started }));
  out.catch(() => undefined); // awaited (and reported) by the test that needs it
  return out;
}

/** The backend's view of a forwarded request: what /echo returns. */
export interface Echo {
  method: string;
  url: string;
  headers: Record<string, string[]>;
}

export const echoOf = (res: FullResponse): Echo => JSON.parse(res.text) as Echo;

/** Backend-side headers that belong to each proxy's own link to the backend, not to forwarding rules. */
const BACKEND_LINK = ['connection', 'grip-sig', 'accept-encoding'];

/** The forwarded headers minus `BACKEND_LINK`, names sorted. */
export function forwarded(echo: Echo): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const name of Object.keys(echo.headers).sort()) if (!BACKEND_LINK.includes(name)) out[name] = echo.headers[name] as string[];
  return out;
}

/** The one Grip-Sig the backend saw. */
export function sigOf(echo: Echo): string {
  const sig = echo.headers['grip-sig'];
  if (sig?.length !== 1) throw new Error(`expected exactly one Grip-Sig, got ${JSON.stringify(sig)}`);
  return sig[0] as string;
}
