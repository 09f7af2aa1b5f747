/**
 * The supervisor's monitoring: Prometheus metrics, health and the dashboard on `prometheus_port`, plus the
 * dashboard feed (a snapshot published to `thumbtack-dashboard` every second while a dashboard is open).
 * Workers are read through their `WorkerMonitor` snapshots only, so several worker processes can later
 * answer the same calls over their channel to the supervisor.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../core/logger';
import type { HoldContext } from '../hold/hold-context';
import type { PublishItem } from '../publish/item-types';
import type { PublishCounters } from '../publish/publish-pipeline';
import type { StatsCollector } from '../stats/stats-collector';
import { mergeDashboards, type DashboardSnapshot } from './dashboard-snapshot';
import { DASHBOARD_CHANNEL, holdDashboardStream, snapshotItem } from './dashboard-stream';
import { readiness, type HealthReport, type HealthState } from './health';
import { MetricsServer } from './metrics-server';
import { SupervisorMetrics } from './supervisor-metrics';
import type { WorkerMonitor } from './worker-monitor';

/** Rows in the dashboard's connection table, at most. */
export const DASHBOARD_HELD_LIMIT = 200;
/** Channels in the dashboard's busiest list. */
export const DASHBOARD_BUSIEST_LIMIT = 10;
/** How often a snapshot is published while a dashboard is open, ms. */
export const DASHBOARD_INTERVAL_MS = 1000;

export interface MonitoringOptions {
  /** `prometheus_port` (`port`, `addr:port`, `ipc://<path>`); undefined = no server. */
  port?: string;
  /** `prometheus_prefix`. */
  prefix: string;
  logger: Logger;
  stats: StatsCollector;
  publishCounters: PublishCounters;
  workers: () => readonly WorkerMonitor[];
  /**
   * The hold context dashboard streams are held in (in-process: the worker's). Undefined with worker
   * processes: the live feed then answers 503 (metrics and health still work).
   */
  dashboardHold?: HoldContext;
  health: () => HealthState;
  /** The supervisor's `publish()`, used for the dashboard feed. */
  publish: (items: PublishItem[]) => void;
  /** Whether a channel has subscribers anywhere (the bus). */
  hasSubscribers: (channel: string) => boolean;
}

export class Monitoring {
  readonly metrics: SupervisorMetrics;
  private server?: MetricsServer;
  private ticker?: NodeJS.Timeout;
  /** The bound TCP port (0 when off or on `ipc://`). */
  port = 0;

  constructor(private readonly opts: MonitoringOptions) {
    this.metrics = new SupervisorMetrics(opts.prefix, {
      stats: opts.stats,
      publish: opts.publishCounters,
      links: () => opts.health().links,
      ready: () => this.ready().status === 200,
    });
  }

  /** Starts the server when `prometheus_port` is set (rejects when it cannot listen) and the dashboard feed. */
  async start(): Promise<void> {
    const { port, logger } = this.opts;
    if (port === undefined || port === '') return;
    const server = new MetricsServer(
      {
        metrics: () => this.prometheusText(),
        ready: () => this.ready(),
        snapshot: () => this.dashboardSnapshot(),
        holdDashboard: (req, res) => this.holdDashboard(req, res),
        closeConnection: (id) => this.closeConnection(id),
      },
      logger.child({ component: 'metrics' }),
    );
    this.port = await server.listen(port);
    this.server = server;
    this.ticker = setInterval(() => this.tick(), DASHBOARD_INTERVAL_MS);
    this.ticker.unref();
    logger.info('metrics, health and dashboard listening', { address: server.address });
  }

  /** The exposition text: the supervisor's metrics and every worker's, summed. */
  async prometheusText(): Promise<{ contentType: string; body: string }> {
    const snapshots = await Promise.all(this.opts.workers().map((w) => w.prometheusSnapshot()));
    return this.metrics.render(snapshots);
  }

  ready(): HealthReport {
    return readiness(this.opts.health());
  }

  /**
   * One dashboard snapshot (every worker's part merged). `advance` (the feed, once a second) starts a new
   * interval for the busiest channels and the latency; one-off snapshots leave the interval running.
   */
  dashboardSnapshot(advance = false): DashboardSnapshot {
    const { stats } = this.opts;
    const parts = this.opts.workers().map((w) => w.dashboardSnapshot(DASHBOARD_HELD_LIMIT, DASHBOARD_BUSIEST_LIMIT, advance));
    return mergeDashboards(
      parts,
      {
        now: Date.now(),
        ready: this.ready().status === 200,
        requests: stats.totals.requestsReceived,
        received: stats.totals.received,
        sent: stats.totals.sent,
        subscribers: stats.subscribers,
        connectionStart: (id) => stats.connectionStart(id),
      },
      DASHBOARD_HELD_LIMIT,
      DASHBOARD_BUSIEST_LIMIT,
    );
  }

  /** Closes a held connection by id in whichever worker holds it. */
  closeConnection(id: string): boolean {
    const closed = this.opts.workers().some((w) => w.closeConnection(id));
    if (closed) this.opts.logger.info('held connection closed from the dashboard', { connection: id });
    return closed;
  }

  async close(): Promise<void> {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
    await this.server?.close();
    this.server = undefined;
  }

  private holdDashboard(req: IncomingMessage, res: ServerResponse): void {
    if (!this.opts.dashboardHold) {
      const body = JSON.stringify({ error: 'the live dashboard feed needs workers=1 for now' }) + '\n';
      res.writeHead(503, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    holdDashboardStream(this.opts.dashboardHold, req, res, this.dashboardSnapshot());
  }

  /** Publishes a snapshot to the dashboard channel when someone holds it. */
  private tick(): void {
    if (!this.opts.hasSubscribers(DASHBOARD_CHANNEL)) return;
    try {
      this.opts.publish([snapshotItem(this.dashboardSnapshot(true))]);
    } catch (err) {
      this.opts.logger.error('dashboard snapshot failed', { error: err instanceof Error ? err.stack : String(err) });
    }
  }
}
