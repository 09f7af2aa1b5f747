/**
 * The supervisor's side of `/metrics`: Pushpin's five metrics under their names (spec/stats.md §4), read
 * from the stats collector, Thumbtack's publish-side and readiness metrics, and every worker's snapshot
 * summed with prom-client's `AggregatorRegistry.aggregate` (counters and histograms add up; gauges add up
 * too, and the per-worker memory gauge keeps a `worker` label so each worker stays visible).
 */
import { AggregatorRegistry, Counter, Gauge, Registry, type PrometheusContentType } from 'prom-client';
import type { PublishCounters } from '../publish/publish-pipeline';
import type { StatsCollector } from '../stats/stats-collector';
import type { HealthLink } from './health';
import { mirrorCounter } from './prom-helpers';
import type { PrometheusSnapshot } from './worker-monitor';

export interface SupervisorMetricsSources {
  stats: StatsCollector;
  publish: PublishCounters;
  /** Links readiness depends on, and whether the instance is ready. */
  links(): HealthLink[];
  ready(): boolean;
}

export class SupervisorMetrics {
  readonly registry = new Registry();

  constructor(prefix: string, src: SupervisorMetricsSources) {
    const registers = [this.registry];
    const { stats } = src;
    const totals = stats.totals;
    // Pushpin 1.36's names and help texts, in its order.
    mirrorCounter(registers, `${prefix}request_received`, 'Number of requests received', () => totals.requestsReceived);
    new Gauge({
      name: `${prefix}connection_connected`,
      help: 'Number of concurrent connections',
      registers,
      collect() {
        this.set(stats.connectionPeak);
      },
    });
    mirrorCounter(registers, `${prefix}connection_minute`, 'Number of minutes clients have been connected', () => totals.connectionMinutes);
    mirrorCounter(registers, `${prefix}message_received`, 'Number of messages received by the publish API', () => totals.received);
    mirrorCounter(registers, `${prefix}message_sent`, 'Number of messages sent to clients', () => totals.sent);
    const name = (n: string): string => `${prefix}thumbtack_${n}`;
    new Counter({
      name: name('messages_delivered_total'),
      help: 'Deliveries to clients by transport (http-response, http-stream, ws-message); message_sent is their sum',
      labelNames: ['transport'],
      registers,
      collect() {
        this.reset();
        for (const [transport, n] of Object.entries(totals.sentByTransport)) this.inc({ transport }, n);
      },
    });
    new Gauge({
      name: name('subscriptions'),
      help: 'Current subscriptions (connection x channel) by mode (response, stream, ws)',
      labelNames: ['mode'],
      registers,
      collect() {
        for (const [mode, n] of Object.entries(stats.subscribers)) this.set({ mode }, n);
      },
    });
    const pub = src.publish;
    new Counter({
      name: name('publish_dropped_total'),
      help: 'Published items dropped before delivery, by reason (duplicate id, out-of-order limits, channel unsubscribed while waiting)',
      labelNames: ['reason'],
      registers,
      collect() {
        this.reset();
        this.inc({ reason: 'duplicate' }, pub.duplicates);
        this.inc({ reason: 'out-of-order' }, pub.droppedPending);
        this.inc({ reason: 'unsubscribed' }, pub.droppedUnsubscribed);
      },
    });
    new Gauge({
      name: name('publish_link_up'),
      help: 'ZeroMQ SUB publish links in connect mode: 1 while a publisher is connected, else 0',
      labelNames: ['endpoint'],
      registers,
      collect() {
        this.reset();
        for (const link of src.links()) this.set({ endpoint: link.endpoint }, link.up ? 1 : 0);
      },
    });
    new Gauge({
      name: name('ready'),
      help: '1 when /health/ready answers 200, else 0 (draining, or a publish link down)',
      registers,
      collect() {
        this.set(src.ready() ? 1 : 0);
      },
    });
  }

  /** The exposition text: these metrics, then the workers' snapshots summed. */
  async render(workers: readonly PrometheusSnapshot[]): Promise<{ contentType: string; body: string }> {
    const aggregated = AggregatorRegistry.aggregate<PrometheusContentType>([...workers]);
    const merged = Registry.merge([this.registry, aggregated]);
    return { contentType: merged.contentType, body: await merged.metrics() };
  }
}
