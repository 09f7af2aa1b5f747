import http, { type IncomingHttpHeaders, type IncomingMessage, type RequestListener } from 'node:http';
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfig, type ThumbtackConfig } from '../../src/config/config';
import { Logger, silentLogger } from '../../src/core/logger';
import { Thumbtack } from '../../src/supervisor';

/** A real Thumbtack on ephemeral loopback ports, configured by route lines and config overrides. */
export interface RunningProxy {
  thumbtack: Thumbtack;
  /** `http://127.0.0.1:<client port>` */
  url: string;
  /** `http://127.0.0.1:<publish port>` */
  publishUrl: string;
  config: ThumbtackConfig;
  close(): Promise<void>;
}

export interface ProxyOptions {
  routes: string[];
  config?: Partial<ThumbtackConfig>;
  backendTimeoutMs?: number;
  maxQueuedBytes?: number;
  verbose?: boolean;
  /** Collects the proxy's JSON log lines (info level) instead of dropping them. */
  logLines?: string[];
}

export async function startProxy(opts: ProxyOptions): Promise<RunningProxy> {
  const dir = mkdtempSync(join(tmpdir(), 'thumbtack-test-'));
  // One in-process worker unless a test (or THUMBTACK_TEST_WORKERS) asks for worker processes.
  const config: ThumbtackConfig = { ...defaultConfig(dir), workers: Number(process.env.THUMBTACK_TEST_WORKERS ?? 1), ...opts.config };
  const lines = opts.logLines;
  const logger = opts.verbose
    ? new Logger(3, process.stderr, {}, 'text')
    : lines
      ? new Logger(2, { write: (line) => void lines.push(line) })
      : silentLogger;
  const thumbtack = new Thumbtack({
    config,
    logger,
    routeLines: opts.routes,
    listenOverride: { host: '127.0.0.1', port: 0 },
    publishPortOverride: 0,
    backendTimeoutMs: opts.backendTimeoutMs,
    maxQueuedBytes: opts.maxQueuedBytes,
  });
  await thumbtack.start();
  return {
    thumbtack,
    url: `http://127.0.0.1:${thumbtack.proxyPorts[0]}`,
    publishUrl: `http://127.0.0.1:${thumbtack.publishPort}`,
    config,
    close: () => thumbtack.close(),
  };
}

/** A real backend: a node:http server on an ephemeral loopback port. */
export interface Backend {
  port: number;
  /** Requests seen so far (method, url, headers). */
  requests: Array<{ method: string; url: string; headers: IncomingHttpHeaders; body: string }>;
  close(): Promise<void>;
}

export async function startBackend(handler: RequestListener): Promise<Backend> {
  const requests: Backend['requests'] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() });
      handler(req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export interface FullResponse {
  status: number;
  reason: string;
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
  body: Buffer;
  text: string;
}

/** One complete request (body read to its end). */
export function request(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<FullResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: opts.method ?? 'GET', headers: opts.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({
          status: res.statusCode ?? 0,
          reason: res.statusMessage ?? '',
          headers: res.headers,
          rawHeaders: res.rawHeaders,
          body,
          text: body.toString(),
        });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** A streaming response being read: the head, the text so far, and a way to wait for more. */
export interface OpenStream {
  res: IncomingMessage;
  text(): string;
  /** Resolves when the accumulated text contains `needle` (rejects after `ms`). */
  waitFor(needle: string, ms?: number): Promise<string>;
  ended: Promise<void>;
  close(): void;
}

/**
 * Opens `url` and resolves at the response head. With `headTimeoutMs`, a head that has not come by then
 * rejects (and the request is dropped) instead of waiting for ever on a server that accepted but never answers.
 */
export function openStream(url: string, headers: Record<string, string> = {}, opts: { headTimeoutMs?: number } = {}): Promise<OpenStream> {
  return new Promise((resolve, reject) => {
    const headTimer =
      opts.headTimeoutMs === undefined
        ? undefined
        : setTimeout(() => req.destroy(new Error(`no response head from ${url} within ${opts.headTimeoutMs} ms`)), opts.headTimeoutMs);
    const req = http.get(url, { headers, agent: false }, (res) => {
      clearTimeout(headTimer);
      let text = '';
      const waiters: Array<() => void> = [];
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
        for (const w of waiters.splice(0)) w();
      });
      const ended = new Promise<void>((done) => {
        res.on('end', () => done());
        res.on('close', () => done());
      });
      resolve({
        res,
        text: () => text,
        ended,
        close: () => req.destroy(),
        waitFor: (needle, ms = 5000) =>
          new Promise((ok, fail) => {
            const timer = setTimeout(() => fail(new Error(`timed out waiting for ${JSON.stringify(needle)}; got ${JSON.stringify(text)}`)), ms);
            const check = (): void => {
              if (text.includes(needle)) {
                clearTimeout(timer);
                ok(text);
              } else waiters.push(check);
            };
            check();
          }),
      });
    });
    req.on('error', (err) => {
      clearTimeout(headTimer);
      reject(err);
    });
  });
}

/** POST /publish/ with the given items; resolves with the response. */
export function publish(publishUrl: string, items: unknown[]): Promise<FullResponse> {
  return request(`${publishUrl}/publish/`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ items }),
  });
}

/** Resolves once `predicate` holds, polling every 10 ms (rejects after `ms`). */
export async function until(predicate: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * Waits until a channel has a held subscriber in the proxy (the hold is registered in the worker's channel
 * index; the bus subscription alone is not enough, since long-poll channels linger on the bus).
 */
export function subscribed(proxy: RunningProxy, channel: string, ms = 5000): Promise<void> {
  const local = proxy.thumbtack.local;
  // With worker processes, the supervisor's bus knows once a worker's subscription reached it.
  if (!local) return until(() => proxy.thumbtack.bus.hasSubscribers(channel), ms, `a subscriber on ${channel}`);
  return until(() => (local.hold.index.get(channel)?.size ?? 0) > 0, ms, `a subscriber on ${channel}`);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
