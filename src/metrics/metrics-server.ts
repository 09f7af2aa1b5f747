/**
 * The HTTP server on `prometheus_port` (`port`, `addr:port` or `ipc://<path>`): Prometheus metrics, health
 * checks and the dashboard.
 *
 * - `/metrics`: the exposition text. As in Pushpin, any other path not listed here (and `/` when the
 *   client does not ask for HTML) answers the metrics too, whatever the method, so existing scrape
 *   configurations keep working.
 * - `/health/live`, `/health/ready`: JSON, 200 or 503.
 * - `/` for browsers (`Accept: text/html`): the dashboard page; `/dashboard/events` its SSE feed;
 *   `/dashboard/snapshot` one snapshot as JSON; `POST /dashboard/close?id=<connection id>` closes a held
 *   connection (refused with 403 when a browser sends it from another origin).
 */
import { existsSync, lstatSync, unlinkSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeListenAddr } from '../config/config-values';
import type { Logger } from '../core/logger';
import { DASHBOARD_PAGE } from './dashboard-page';
import type { HealthReport } from './health';

/** What the server serves; the monitoring glue provides it. */
export interface MetricsEndpoints {
  metrics(): Promise<{ contentType: string; body: string }>;
  ready(): HealthReport;
  snapshot(): Promise<unknown>;
  /** Takes over the response as the dashboard's live feed. */
  holdDashboard(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** Closes a held connection by id; false when there is none. */
  closeConnection(id: string): Promise<boolean>;
}

const JSON_TYPE = 'application/json; charset=utf-8';

function send(res: ServerResponse, status: number, contentType: string, body: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store', ...extra });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, JSON_TYPE, `${JSON.stringify(value)}\n`);
}

/** A browser request from a page of another origin (CSRF on the close button). */
function crossOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return false;
  try {
    return new URL(origin).host !== req.headers.host;
  } catch {
    return true;
  }
}

export class MetricsServer {
  private readonly server: http.Server;
  /** Where it listens: a TCP port, or the socket path for `ipc://`. */
  address = '';

  constructor(
    private readonly endpoints: MetricsEndpoints,
    private readonly logger: Logger,
  ) {
    this.server = http.createServer((req, res) => {
      // Request bodies are never read: drain them so keep-alive connections stay usable.
      req.resume();
      this.route(req, res).catch((err: unknown) => {
        this.logger.error('metrics endpoint failed', { path: req.url, error: err instanceof Error ? err.stack : String(err) });
        if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
        else res.destroy();
      });
    });
  }

  /** Listens on `prometheus_port`'s value; resolves with the bound TCP port (0 for `ipc://`). */
  listen(spec: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(new Error(`prometheus_port ${spec}: cannot listen: ${err.message}`));
      this.server.once('error', onError);
      const done = (): void => {
        this.server.off('error', onError);
        const addr = this.server.address();
        if (typeof addr === 'string') {
          this.address = addr;
          resolve(0);
        } else {
          const info = addr as AddressInfo;
          this.address = `${info.address}:${info.port}`;
          resolve(info.port);
        }
      };
      if (spec.startsWith('ipc://')) {
        const path = spec.slice('ipc://'.length);
        // A socket file left by a previous run would make listen fail.
        if (existsSync(path) && lstatSync(path).isSocket()) unlinkSync(path);
        this.server.listen(path, done);
        return;
      }
      const addr = decodeListenAddr(spec);
      if (!addr.ok) {
        reject(new Error(`prometheus_port ${spec}: ${addr.message}`));
        return;
      }
      this.server.listen(addr.value.port, addr.value.host, done);
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.server.listening) {
        resolve();
        return;
      }
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://metrics');
    const method = req.method ?? 'GET';
    switch (url.pathname) {
      case '/health/live':
        sendJson(res, 200, { status: 'live', pid: process.pid, uptimeSec: Math.round(process.uptime()) });
        return;
      case '/health/ready': {
        const report = this.endpoints.ready();
        sendJson(res, report.status, report.body);
        return;
      }
      case '/dashboard/events':
        if (method !== 'GET') return sendJson(res, 405, { error: 'use GET' });
        await this.endpoints.holdDashboard(req, res);
        return;
      case '/dashboard/snapshot':
        sendJson(res, 200, await this.endpoints.snapshot());
        return;
      case '/dashboard/close': {
        if (method !== 'POST') return send(res, 405, JSON_TYPE, '{"error":"use POST"}\n', { Allow: 'POST' });
        if (crossOrigin(req)) return sendJson(res, 403, { error: 'cross-origin request refused' });
        const id = url.searchParams.get('id') ?? '';
        const closed = await this.endpoints.closeConnection(id);
        sendJson(res, closed ? 200 : 404, { id, closed });
        return;
      }
      case '/favicon.ico':
        send(res, 404, 'text/plain; charset=utf-8', 'Not Found\n');
        return;
      case '/':
        if ((req.headers.accept ?? '').includes('text/html')) {
          send(res, 200, 'text/html; charset=utf-8', DASHBOARD_PAGE);
          return;
        }
        break;
      default:
    }
    const metrics = await this.endpoints.metrics();
    send(res, 200, metrics.contentType, metrics.body);
  }
}
