/**
 * One worker's metrics, dashboard data and operator actions. The hot paths only bump numbers here: once per
 * item the worker fans out (`itemFannedOut`) and once per backend request (`backendObserver`); everything
 * else is read from the worker's own counters when a scrape or a dashboard snapshot asks.
 *
 * Aggregation: each worker owns a prom-client `Registry`; `prometheusSnapshot()` returns its metrics as
 * plain JSON (prom-client's `getMetricsAsJSON`), which can cross a process boundary, and the supervisor
 * sums every worker's snapshot with `AggregatorRegistry.aggregate` (see `supervisor-metrics.ts`). Today
 * there is one worker in the supervisor's process; a multi-process version sends the same snapshots over
 * its worker channel and nothing else changes. `dashboardSnapshot()` works the same way.
 */
import { performance } from 'node:perf_hooks';
import { Counter, Gauge, Histogram, Registry, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import type { HoldContext } from '../hold/hold-context';
import type { BackendObserver } from '../proxy/backend-client';
import type { PublishItem } from '../publish/item-types';
import type { RegisteredSession } from '../proxy/websocket/ws-registry';
import { mirrorCounter, readGauge } from './prom-helpers';
import { closeHeld, countHeld, heldRows, type HeldRow, type HeldSources } from './held-connections';

/** Publish-to-write latency buckets, seconds (in-process delivery is well under a millisecond). */
export const LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
/** Backend response-head latency buckets, seconds. */
export const BACKEND_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
/** Channels whose traffic is tracked per dashboard interval, at most (new ones are ignored beyond). */
const CHANNEL_TRACK_MAX = 10_000;
/** Per-channel tracking stops when no dashboard snapshot was taken for this long, ms. */
const CHANNEL_TRACK_IDLE_MS = 5000;

export interface WorkerMonitorOptions {
  workerId: number;
  /** `prometheus_prefix`, prepended to every metric name. */
  prefix: string;
  hold: HoldContext;
  /** The worker's open client WebSockets. */
  sessions: () => Iterable<RegisteredSession>;
}

/** A prom-client registry's metrics as JSON: what a worker sends the supervisor. */
export type PrometheusSnapshot = Array<MetricObjectWithValues<MetricValue<string>>>;

/** What one worker contributes to a dashboard snapshot (plain JSON; summed by `mergeDashboards`). */
export interface WorkerDashboard {
  worker: number;
  connections: { 'http-response': number; 'http-stream': number; ws: number };
  /** Channels with at least one subscriber here. */
  channels: number;
  /** Cumulative: items fanned out, deliveries written, deliverable items dropped, connections closed as slow. */
  items: number;
  delivered: number;
  dropped: number;
  closedSlow: number;
  /** Publish-to-write latency since the previous snapshot: count, sum and max, ms. */
  latency: { count: number; sumMs: number; maxMs: number };
  timers: number;
  memory: { rss: number; heapUsed: number; heapTotal: number };
  /** Channels by items with receivers since the previous snapshot (top `busiestLimit`). */
  busiest: Array<{ channel: string; items: number; subscribers: number }>;
  /** The first rows of the held-connection table. */
  held: HeldRow[];
}

export class WorkerMonitor {
  readonly registry = new Registry();
  private readonly latency: Histogram;
  private readonly backendLatency: Histogram<'backend' | 'outcome'>;
  private readonly backendErrors: Counter<'backend' | 'reason'>;
  private readonly sources: HeldSources;
  private items = 0;
  private window = { count: 0, sumMs: 0, maxMs: 0 };
  private channelItems = new Map<string, number>();
  private trackChannelsUntil = 0;

  constructor(private readonly opts: WorkerMonitorOptions) {
    const { prefix, hold } = opts;
    const registers = [this.registry];
    const name = (n: string): string => `${prefix}thumbtack_${n}`;
    this.sources = { index: hold.index, sessions: opts.sessions };
    this.latency = new Histogram({
      name: name('publish_to_write_seconds'),
      help: 'Seconds from a publish accepted by the supervisor to its bytes handed to the client sockets (once per item and worker)',
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.backendLatency = new Histogram({
      name: name('backend_request_duration_seconds'),
      help: 'Seconds from sending a backend request to its response head or failure, by backend and outcome (status class or failure)',
      labelNames: ['backend', 'outcome'],
      buckets: BACKEND_BUCKETS,
      registers,
    });
    this.backendErrors = new Counter({
      name: name('backend_request_errors_total'),
      help: 'Backend requests that got no response, by backend and reason (connect, timeout, reset)',
      labelNames: ['backend', 'reason'],
      registers,
    });
    const sources = this.sources;
    new Gauge({
      name: name('connections'),
      help: 'Held client connections by transport (http-response, http-stream, ws) and route',
      labelNames: ['transport', 'route'],
      registers,
      collect() {
        this.reset();
        for (const c of countHeld(sources)) this.set({ transport: c.transport, route: c.route }, c.count);
      },
    });
    readGauge(registers, name('channels'), 'Channels with at least one held subscriber in a worker (summed over workers)', () => hold.index.channelCount);
    readGauge(registers, name('timer_wheel_timers'), 'Timers pending in the workers\' timer wheels (keep-alives, timeouts)', () => hold.scheduler.size);
    const worker = String(opts.workerId);
    new Gauge({
      name: name('worker_memory_bytes'),
      help: 'Memory of each worker process, bytes, by type (rss, heap_used, heap_total, external, array_buffers)',
      labelNames: ['worker', 'type'],
      registers,
      collect() {
        const m = process.memoryUsage();
        this.set({ worker, type: 'rss' }, m.rss);
        this.set({ worker, type: 'heap_used' }, m.heapUsed);
        this.set({ worker, type: 'heap_total' }, m.heapTotal);
        this.set({ worker, type: 'external' }, m.external);
        this.set({ worker, type: 'array_buffers' }, m.arrayBuffers);
      },
    });
    const c = hold.counters;
    mirrorCounter(registers, name('worker_items_total'), 'Published items the workers fanned out to their subscribers', () => this.items);
    mirrorCounter(registers, name('deliveries_total'), 'Items written to held connections (one per receiving connection)', () => c.delivered);
    new Counter({
      name: name('messages_dropped_total'),
      help: 'Deliverable items not delivered to a held connection, by reason (hwm: message_hwm; stream-queue-full; other)',
      labelNames: ['reason'],
      registers,
      collect() {
        this.reset();
        const hwm = c.droppedHwm;
        const queue = c.droppedQueue;
        this.inc({ reason: 'hwm' }, hwm);
        this.inc({ reason: 'stream-queue-full' }, queue);
        this.inc({ reason: 'other' }, Math.max(0, c.dropped - hwm - queue));
      },
    });
    mirrorCounter(registers, name('messages_filtered_total'), 'Items a subscription\'s filters skipped (skip-self, ...)', () => c.filtered);
    mirrorCounter(registers, name('connections_closed_slow_total'), 'Held connections closed because too many bytes were queued', () => c.closedSlow);
    mirrorCounter(registers, name('rerequests_total'), 'Long-poll re-requests to the backend', () => c.rerequests);
    mirrorCounter(registers, name('next_link_fetches_total'), 'Stream next-link fetches started', () => c.linkFetches);
    mirrorCounter(registers, name('next_link_failures_total'), 'Stream next-link chains that failed for good', () => c.linkFailures);
    mirrorCounter(registers, name('history_replayed_total'), 'Items replayed from the history to reconnecting clients', () => c.replayed);
    mirrorCounter(registers, name('stream_gaps_total'), 'Gaps neither the history nor a next link could cover', () => c.gaps);
  }

  /**
   * The worker fanned `item` out to `receivers` connections (called once per item, after the writes): counts
   * it and observes its publish-to-write latency when it had receivers and an intake time.
   */
  itemFannedOut(item: PublishItem, receivers: number): void {
    this.items++;
    if (receivers === 0) return;
    const now = performance.timeOrigin + performance.now();
    if (item.acceptedAt !== undefined) {
      const ms = Math.max(0, now - item.acceptedAt);
      this.latency.observe(ms / 1000);
      const w = this.window;
      w.count++;
      w.sumMs += ms;
      if (ms > w.maxMs) w.maxMs = ms;
    }
    if (now < this.trackChannelsUntil) {
      const seen = this.channelItems.get(item.channel);
      if (seen !== undefined) this.channelItems.set(item.channel, seen + 1);
      else if (this.channelItems.size < CHANNEL_TRACK_MAX) this.channelItems.set(item.channel, 1);
    }
  }

  /** Backend request outcomes (the worker hands this to its proxy context). */
  readonly backendObserver: BackendObserver = (req, outcome, durationMs) => {
    const backend = `${req.target.host}:${req.target.port}`;
    if (outcome.ok) {
      const status = outcome.response.statusCode ?? 0;
      this.backendLatency.observe({ backend, outcome: `${Math.floor(status / 100)}xx` }, durationMs / 1000);
    } else {
      this.backendLatency.observe({ backend, outcome: outcome.failure }, durationMs / 1000);
      this.backendErrors.inc({ backend, reason: outcome.failure });
    }
  };

  /** This worker's metrics as JSON, for the supervisor to aggregate. */
  prometheusSnapshot(): Promise<PrometheusSnapshot> {
    return this.registry.getMetricsAsJSON();
  }

  /**
   * This worker's part of a dashboard snapshot: cheap counters, the busiest channels and the latency since
   * the previous interval, and the first `heldLimit` held connections. With `advance` (the once-a-second
   * feed) a new interval starts; per-channel tracking runs while such snapshots keep coming.
   */
  dashboardSnapshot(heldLimit: number, busiestLimit: number, advance: boolean): WorkerDashboard {
    const { hold, workerId } = this.opts;
    const c = hold.counters;
    const busiest = [...this.channelItems]
      .sort((a, b) => b[1] - a[1])
      .slice(0, busiestLimit)
      .map(([channel, items]) => ({ channel, items, subscribers: hold.index.get(channel)?.size ?? 0 }));
    const latency = { ...this.window };
    if (advance) {
      this.channelItems = new Map();
      this.trackChannelsUntil = performance.timeOrigin + performance.now() + CHANNEL_TRACK_IDLE_MS;
      this.window = { count: 0, sumMs: 0, maxMs: 0 };
    }
    const m = process.memoryUsage();
    return {
      worker: workerId,
      connections: { 'http-response': c.held.response, 'http-stream': c.held.stream, ws: c.held.websocket },
      channels: hold.index.channelCount,
      items: this.items,
      delivered: c.delivered,
      dropped: c.dropped,
      closedSlow: c.closedSlow,
      latency,
      timers: hold.scheduler.size,
      memory: { rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal },
      busiest,
      held: heldRows(this.sources, heldLimit, workerId),
    };
  }

  /** Closes the held connection with this id (dashboard button); false when it is not held here. */
  closeConnection(id: string): boolean {
    return closeHeld(this.sources, id);
  }
}
