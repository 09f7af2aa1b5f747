/**
 * The supervisor's monitoring: Prometheus metrics, health and the dashboard on `prometheus_port`, plus the
 * dashboard feed (a snapshot every second while a dashboard is open). Workers are read only through their
 * snapshots (`WorkerSource`): the in-process worker directly, worker processes over the cluster channel.
 *
 * The feed: with an in-process worker, `/dashboard/events` is a stream held by that worker on the channel
 * `thumbtack-dashboard`, and the snapshot is published to it through the supervisor's own `publish()`
 * (Thumbtack carries its own dashboard). With worker processes there is no hold context in the supervisor,
 * so the metrics server writes the same events itself (`DirectFeed`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../core/logger';
import type { HoldContext } from '../hold/hold-context';
import type { PublishItem } from '../publish/item-types';
import type { PublishCounters } from '../publish/publish-pipeline';
import type { StatsCollector } from '../stats/stats-collector';
import { mergeDashboards, type DashboardSnapshot } from './dashboard-snapshot';
import { DASHBOARD_CHANNEL, holdDashboardStream, snapshotItem } from './dashboard-stream';
import { DirectFeed } from './direct-feed';
import { readiness, type HealthReport, type HealthState } from './health';
import { MetricsServer } from './metrics-server';
import { SupervisorMetrics } from './supervisor-metrics';
import type { WorkerSource } from './worker-source';

/** Rows in the dashboard's connection table, at most. */
export const DASHBOARD_HELD_LIMIT = 200;
/** Channels in the dashboard's busiest list. */
export const DASHBOARD_BUSIEST_LIMIT = 10;
/** How often a snapshot is sent while a dashboard is open, ms. */
export const DASHBOARD_INTERVAL_MS = 1000;

export interface MonitoringOptions {
  /** `prometheus_port` (`port`, `addr:port`, `ipc://<path>`); undefined = no server. */
  port?: string;
  /** `prometheus_prefix`. */
  prefix: string;
  logger: Logger;
  stats: StatsCollector;
  publishCounters: PublishCounters;
  workers: WorkerSource;
  /**
   * The hold context dashboard streams are held in (the in-process worker's). Undefined with worker
   * processes: the metrics server then serves the feed itself.
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
  private ticking = false;
  private readonly direct = new DirectFeed();
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
    this.ticker = setInterval(() => void this.tick(), DASHBOARD_INTERVAL_MS);
    this.ticker.unref();
    logger.info('metrics, health and dashboard listening', { address: server.address });
  }

  /** The exposition text: the supervisor's metrics and every worker's, summed. */
  async prometheusText(): Promise<{ contentType: string; body: string }> {
    return this.metrics.render(await this.opts.workers.prometheus());
  }

  ready(): HealthReport {
    return readiness(this.opts.health());
  }

  /**
   * One dashboard snapshot (every worker's part merged). `advance` (the feed, once a second) starts a new
   * interval for the busiest channels and the latency; one-off snapshots leave the interval running.
   */
  async dashboardSnapshot(advance = false): Promise<DashboardSnapshot> {
    const { stats } = this.opts;
    const parts = await this.opts.workers.dashboard(DASHBOARD_HELD_LIMIT, DASHBOARD_BUSIEST_LIMIT, advance);
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
  async closeConnection(id: string): Promise<boolean> {
    const closed = await this.opts.workers.close(id);
    if (closed) this.opts.logger.info('held connection closed from the dashboard', { connection: id });
    return closed;
  }

  async close(): Promise<void> {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
    this.direct.close();
    await this.server?.close();
    this.server = undefined;
  }

  private async holdDashboard(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const first = await this.dashboardSnapshot();
    if (res.destroyed) return;
    if (this.opts.dashboardHold) holdDashboardStream(this.opts.dashboardHold, req, res, first);
    else this.direct.add(res, first);
  }

  /** Sends a snapshot to the open dashboards, if any (one round at a time). */
  private async tick(): Promise<void> {
    const viaHold = this.opts.dashboardHold !== undefined && this.opts.hasSubscribers(DASHBOARD_CHANNEL);
    if (this.ticking || (!viaHold && this.direct.size === 0)) return;
    this.ticking = true;
    try {
      const snapshot = await this.dashboardSnapshot(true);
      if (viaHold) this.opts.publish([snapshotItem(snapshot)]);
      this.direct.send(snapshot);
    } catch (err) {
      this.opts.logger.error('dashboard snapshot failed', { error: err instanceof Error ? err.stack : String(err) });
    } finally {
      this.ticking = false;
    }
  }
}
