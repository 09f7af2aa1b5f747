import { performance } from 'node:perf_hooks';
import type { BackendResponse } from '../../../src/proxy/backend-response';
import { SupervisorMetrics } from '../../../src/metrics/supervisor-metrics';
import { WorkerMonitor } from '../../../src/metrics/worker-monitor';
import type { BackendRequest } from '../../../src/proxy/backend-client';
import type { PublishItem } from '../../../src/publish/item-types';
import type { PublishCounters } from '../../../src/publish/publish-pipeline';
import { StatsCollector } from '../../../src/stats/stats-collector';
import { parseExposition, sampleValue } from '../../integration/metrics/exposition';
import { FakeSession, FakeSubscriber, fakeHold, hold } from './fakes';

const item = (channel: string, agoMs?: number): PublishItem => ({
  channel,
  meta: {},
  noSeq: false,
  formats: {},
  acceptedAt: agoMs === undefined ? undefined : performance.timeOrigin + performance.now() - agoMs,
});

const request = (port: number): BackendRequest => ({
  target: { host: '10.0.0.1', port } as BackendRequest['target'],
  method: 'GET',
  path: '/',
  headers: [],
  timeoutMs: 1000,
});

/**
 * Two workers' snapshots (as JSON, as they would cross a process boundary) summed by the supervisor: the
 * multi-worker path, exercised in one process.
 */
describe('metrics aggregated across workers', () => {
  const holds = [fakeHold(), fakeHold()];
  const [h0, h1] = holds as [ReturnType<typeof fakeHold>, ReturnType<typeof fakeHold>];
  const sessions = [new FakeSession('ws-1', 'r3')];
  const w0 = new WorkerMonitor({ workerId: 0, prefix: 'tt_', hold: h0, sessions: () => sessions });
  const w1 = new WorkerMonitor({ workerId: 1, prefix: 'tt_', hold: h1, sessions: () => [] });
  const stats = new StatsCollector({
    from: 'test',
    connectionTtlSec: 120,
    subscriptionTtlSec: 60,
    subscriptionLingerSec: 0,
    reportIntervalSec: 10,
    send: () => undefined,
    timers: false,
  });
  const publish: PublishCounters = { received: 0, forwarded: 0, duplicates: 2, waited: 0, waitExpired: 0, droppedPending: 3, droppedUnsubscribed: 4 };
  const sup = new SupervisorMetrics('tt_', { stats, publish, links: () => [], ready: () => true });

  afterAll(() => {
    for (const h of holds) h.scheduler.close();
    stats.close();
  });

  it('sums counters, gauges and histograms, and keeps per-worker memory apart', async () => {
    hold(h0, new FakeSubscriber('stream', ['a', 'b'], 's1', 'r1'));
    hold(h0, new FakeSubscriber('stream', ['a'], 's2', 'r1'));
    hold(h1, new FakeSubscriber('stream', ['a'], 's3', 'r1'));
    hold(h1, new FakeSubscriber('response', ['c'], 'p1', 'r2'));
    w0.itemFannedOut(item('a', 5), 2);
    w0.itemFannedOut(item('b', 5), 0); // nobody received it: counted, not timed
    w1.itemFannedOut(item('a', 30), 1);
    w1.itemFannedOut(item('c'), 1); // no intake time: counted, not timed
    Object.assign(h0.counters, { delivered: 3, dropped: 4, droppedHwm: 1, droppedQueue: 2 });
    Object.assign(h1.counters, { delivered: 2, dropped: 1, closedSlow: 1 });
    w0.backendObserver(request(80), { ok: true, response: { statusCode: 503 } as BackendResponse }, 20);
    w1.backendObserver(request(80), { ok: false, failure: 'timeout', detail: 'x' }, 1000);
    w1.backendObserver(request(81), { ok: false, failure: 'connect', detail: 'x' }, 1);
    stats.itemsReceived([{}, {}]);
    stats.delivered('a', undefined, { 'http-response': 0, 'http-stream': 3, 'ws-message': 1 }, undefined);

    // What each worker would send over its process channel: plain JSON.
    const snapshots = JSON.parse(JSON.stringify(await Promise.all([w0.prometheusSnapshot(), w1.prometheusSnapshot()])));
    const out = await sup.render(snapshots);
    expect(out.contentType).toMatch(/^text\/plain/);
    const s = parseExposition(out.body);
    expect(s.filter((x) => !x.name.startsWith('tt_'))).toEqual([]);

    expect(sampleValue(s, 'tt_message_received')).toBe(2);
    expect(sampleValue(s, 'tt_message_sent')).toBe(4);
    expect(sampleValue(s, 'tt_thumbtack_messages_delivered_total', { transport: 'http-stream' })).toBe(3);
    expect(sampleValue(s, 'tt_thumbtack_publish_dropped_total', { reason: 'duplicate' })).toBe(2);
    expect(sampleValue(s, 'tt_thumbtack_publish_dropped_total', { reason: 'out-of-order' })).toBe(3);
    expect(sampleValue(s, 'tt_thumbtack_publish_dropped_total', { reason: 'unsubscribed' })).toBe(4);

    expect(sampleValue(s, 'tt_thumbtack_worker_items_total')).toBe(4);
    expect(sampleValue(s, 'tt_thumbtack_deliveries_total')).toBe(5);
    expect(sampleValue(s, 'tt_thumbtack_messages_dropped_total', { reason: 'hwm' })).toBe(1);
    expect(sampleValue(s, 'tt_thumbtack_messages_dropped_total', { reason: 'stream-queue-full' })).toBe(2);
    expect(sampleValue(s, 'tt_thumbtack_messages_dropped_total', { reason: 'other' })).toBe(2);
    expect(sampleValue(s, 'tt_thumbtack_connections_closed_slow_total')).toBe(1);
    expect(sampleValue(s, 'tt_thumbtack_connections', { transport: 'http-stream', route: 'r1' })).toBe(3);
    expect(sampleValue(s, 'tt_thumbtack_connections', { transport: 'http-response', route: 'r2' })).toBe(1);
    expect(sampleValue(s, 'tt_thumbtack_connections', { transport: 'ws', route: 'r3' })).toBe(1);
    expect(sampleValue(s, 'tt_thumbtack_channels')).toBe(4); // a, b in worker 0; a, c in worker 1

    expect(sampleValue(s, 'tt_thumbtack_publish_to_write_seconds_count')).toBe(2);
    expect(sampleValue(s, 'tt_thumbtack_publish_to_write_seconds_bucket', { le: '0.01' })).toBe(1);
    expect(sampleValue(s, 'tt_thumbtack_publish_to_write_seconds_bucket', { le: '0.05' })).toBe(2);
    expect(sampleValue(s, 'tt_thumbtack_publish_to_write_seconds_sum')).toBeGreaterThan(0.034);

    expect(sampleValue(s, 'tt_thumbtack_backend_request_duration_seconds_count', { backend: '10.0.0.1:80', outcome: '5xx' })).toBe(1);
    expect(sampleValue(s, 'tt_thumbtack_backend_request_duration_seconds_count', { backend: '10.0.0.1:80', outcome: 'timeout' })).toBe(1);
    expect(sampleValue(s, 'tt_thumbtack_backend_request_errors_total', { backend: '10.0.0.1:80', reason: 'timeout' })).toBe(1);
    expect(sampleValue(s, 'tt_thumbtack_backend_request_errors_total', { backend: '10.0.0.1:81', reason: 'connect' })).toBe(1);
    expect(sampleValue(s, 'tt_thumbtack_backend_request_errors_total', { backend: '10.0.0.1:80', reason: 'connect' })).toBeUndefined();

    const rss = s.filter((x) => x.name === 'tt_thumbtack_worker_memory_bytes' && x.labels.type === 'rss');
    expect(rss.map((x) => x.labels.worker).sort()).toEqual(['0', '1']);
    // One HELP/TYPE per metric even though two workers sent it.
    expect(out.body.match(/^# TYPE tt_thumbtack_worker_items_total counter$/gm)).toHaveLength(1);
  });

  it('gives the dashboard the busiest channels of the last interval only', () => {
    const first = w0.dashboardSnapshot(10, 5, true); // starts per-channel tracking
    expect(first.busiest).toEqual([]);
    w0.itemFannedOut(item('a', 1), 2);
    w0.itemFannedOut(item('a', 1), 2);
    w0.itemFannedOut(item('b', 1), 1);
    w0.itemFannedOut(item('zzz', 1), 0); // no receivers: not busy
    const peek = w0.dashboardSnapshot(10, 5, false);
    expect(peek.busiest).toEqual([
      { channel: 'a', items: 2, subscribers: 2 },
      { channel: 'b', items: 1, subscribers: 1 },
    ]);
    expect(peek.latency.count).toBe(3);
    const next = w0.dashboardSnapshot(10, 1, true);
    expect(next.busiest).toEqual([{ channel: 'a', items: 2, subscribers: 2 }]);
    expect(w0.dashboardSnapshot(10, 5, true).busiest).toEqual([]);
    expect(next.connections).toEqual({ 'http-response': 0, 'http-stream': 0, ws: 0 });
    expect(next.held.map((r) => r.id)).toEqual(['s1', 's2', 'ws-1']);
  });
});
