import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfig } from '../../../src/config/config';
import { silentLogger } from '../../../src/core/logger';
import { Thumbtack } from '../../../src/supervisor';
import { openStream, publish, request, startProxy, subscribed, until, type Backend, type OpenStream, type RunningProxy } from '../../helpers/harness';
import { freePort } from '../../helpers/processes';
import { parseExposition, sampleValue, startGripBackend, type Sample } from './metrics-helpers';

/**
 * `/metrics` on prometheus_port with a real Thumbtack, a real GRIP backend and a real held SSE stream:
 * Pushpin's metric names, Thumbtack's own metrics, backend latency and errors, and the prefix.
 */
describe('Prometheus metrics', () => {
  let backend: Backend;
  let proxy: RunningProxy;
  let metricsUrl: string;
  let deadPort: number;
  const streams: OpenStream[] = [];

  async function scrape(path = '/metrics'): Promise<{ samples: Sample[]; text: string; type: string | undefined }> {
    const res = await request(`${metricsUrl}${path}`);
    expect(res.status).toBe(200);
    return { samples: parseExposition(res.text), text: res.text, type: res.headers['content-type'] };
  }

  beforeAll(async () => {
    backend = await startGripBackend();
    deadPort = await freePort();
    const port = await freePort();
    proxy = await startProxy({
      routes: [`*,path_beg=/dead,id=dead 127.0.0.1:${deadPort}`, `*,id=main 127.0.0.1:${backend.port}`],
      config: { workers: 1, prometheusPort: `127.0.0.1:${port}` },
    });
    metricsUrl = `http://127.0.0.1:${port}`;
  });

  afterEach(() => {
    for (const s of streams.splice(0)) s.close();
  });

  afterAll(async () => {
    await proxy?.close();
    await backend?.close();
  });

  it('shows a held stream, its subscription, a delivered message and the latency histogram', async () => {
    const stream = await openStream(`${proxy.url}/sse?ch=metrics-1`);
    streams.push(stream);
    await stream.waitFor('data: open');
    await subscribed(proxy, 'metrics-1');
    const res = await publish(proxy.publishUrl, [{ channel: 'metrics-1', formats: { 'http-stream': { content: 'data: hello\n\n' } } }]);
    expect(res.status).toBe(200);
    await stream.waitFor('data: hello');

    const { samples, text, type } = await scrape();
    expect(type).toMatch(/^text\/plain/);
    // Pushpin's names and help texts (spec/stats.md §4).
    expect(text).toContain('# HELP request_received Number of requests received\n# TYPE request_received counter\n');
    expect(text).toContain('# HELP connection_connected Number of concurrent connections\n# TYPE connection_connected gauge\n');
    expect(text).toContain('# TYPE connection_minute counter\n');
    expect(text).toContain('# HELP message_received Number of messages received by the publish API\n');
    expect(text).toContain('# HELP message_sent Number of messages sent to clients\n');
    expect(sampleValue(samples, 'request_received')).toBeGreaterThanOrEqual(1);
    expect(sampleValue(samples, 'connection_connected')).toBe(1);
    expect(sampleValue(samples, 'connection_minute')).toBeGreaterThanOrEqual(1);
    expect(sampleValue(samples, 'message_received')).toBe(1);
    expect(sampleValue(samples, 'message_sent')).toBe(1);
    // Thumbtack's own.
    expect(sampleValue(samples, 'thumbtack_connections', { transport: 'http-stream', route: 'main' })).toBe(1);
    expect(sampleValue(samples, 'thumbtack_subscriptions', { mode: 'stream' })).toBe(1);
    expect(sampleValue(samples, 'thumbtack_channels')).toBe(1);
    expect(sampleValue(samples, 'thumbtack_messages_delivered_total', { transport: 'http-stream' })).toBe(1);
    expect(sampleValue(samples, 'thumbtack_deliveries_total')).toBe(1);
    expect(sampleValue(samples, 'thumbtack_worker_items_total')).toBe(1);
    expect(sampleValue(samples, 'thumbtack_messages_dropped_total', { reason: 'hwm' })).toBe(0);
    expect(sampleValue(samples, 'thumbtack_publish_to_write_seconds_count')).toBe(1);
    expect(sampleValue(samples, 'thumbtack_publish_to_write_seconds_bucket', { le: '+Inf' })).toBe(1);
    expect(sampleValue(samples, 'thumbtack_publish_to_write_seconds_sum')).toBeGreaterThan(0);
    expect(sampleValue(samples, 'thumbtack_publish_to_write_seconds_sum')).toBeLessThan(1);
    expect(sampleValue(samples, 'thumbtack_backend_request_duration_seconds_count', { backend: `127.0.0.1:${backend.port}`, outcome: '2xx' })).toBeGreaterThanOrEqual(1);
    expect(sampleValue(samples, 'thumbtack_timer_wheel_timers')).toBeGreaterThanOrEqual(1);
    expect(sampleValue(samples, 'thumbtack_worker_memory_bytes', { worker: '0', type: 'rss' })).toBeGreaterThan(1024 * 1024);
    expect(sampleValue(samples, 'thumbtack_ready')).toBe(1);

    stream.close();
    await until(() => proxy.thumbtack.worker.hold.counters.held.stream === 0, 5000, 'the stream to end');
    const after = (await scrape()).samples;
    expect(sampleValue(after, 'thumbtack_connections', { transport: 'http-stream', route: 'main' })).toBeUndefined();
    expect(sampleValue(after, 'thumbtack_subscriptions', { mode: 'stream' })).toBe(0);
    expect(sampleValue(after, 'message_sent')).toBe(1);
  });

  it('counts held long-polls by transport, and items nobody received without a latency sample', async () => {
    const before = (await scrape()).samples;
    const poll = request(`${proxy.url}/poll?ch=metrics-poll`);
    await subscribed(proxy, 'metrics-poll');
    const during = (await scrape()).samples;
    expect(sampleValue(during, 'thumbtack_connections', { transport: 'http-response', route: 'main' })).toBe(1);
    expect(sampleValue(during, 'thumbtack_subscriptions', { mode: 'response' })).toBe(1);
    await publish(proxy.publishUrl, [{ channel: 'nobody-here', formats: { 'http-stream': { content: 'x' } } }]);
    await publish(proxy.publishUrl, [{ channel: 'metrics-poll', formats: { 'http-response': { body: 'done\n' } } }]);
    expect((await poll).text).toBe('done\n');
    const after = (await scrape()).samples;
    expect(sampleValue(after, 'message_received')).toBe((sampleValue(before, 'message_received') ?? NaN) + 2);
    expect(sampleValue(after, 'thumbtack_messages_delivered_total', { transport: 'http-response' })).toBe(1);
    // Only the item that reached someone is timed.
    expect(sampleValue(after, 'thumbtack_publish_to_write_seconds_count')).toBe((sampleValue(before, 'thumbtack_publish_to_write_seconds_count') ?? NaN) + 1);
  });

  it('counts backend failures by backend and reason', async () => {
    const res = await request(`${proxy.url}/dead/x`);
    expect(res.status).toBe(502);
    const { samples } = await scrape();
    expect(sampleValue(samples, 'thumbtack_backend_request_errors_total', { backend: `127.0.0.1:${deadPort}`, reason: 'connect' })).toBe(1);
    expect(sampleValue(samples, 'thumbtack_backend_request_duration_seconds_count', { backend: `127.0.0.1:${deadPort}`, outcome: 'connect' })).toBe(1);
  });

  it('answers the metrics on any other path and method, as Pushpin does, and the dashboard to browsers at /', async () => {
    const other = await request(`${metricsUrl}/anything`, { method: 'POST' });
    expect(other.status).toBe(200);
    expect(other.text).toContain('# TYPE message_sent counter');
    const root = await request(`${metricsUrl}/`);
    expect(root.text).toContain('# TYPE message_sent counter');
    const page = await request(`${metricsUrl}/`, { headers: { Accept: 'text/html,application/xhtml+xml' } });
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.text).toContain('<title>Thumbtack dashboard</title>');
    expect(page.text).not.toContain('${');
    expect((await request(`${metricsUrl}/favicon.ico`)).status).toBe(404);
  });

  it('lists a stream held on two channels once, with both channels', async () => {
    const stream = await openStream(`${proxy.url}/sse?ch=metrics-two-a,metrics-two-b`);
    streams.push(stream);
    await subscribed(proxy, 'metrics-two-a');
    await subscribed(proxy, 'metrics-two-b');
    const snap = JSON.parse((await request(`${metricsUrl}/dashboard/snapshot`)).text) as { held: Array<{ transport: string; channels: string[] }> };
    const rows = snap.held.filter((r) => r.channels.some((c) => c.startsWith('metrics-two-')));
    expect(rows.map((r) => [r.transport, [...r.channels].sort()])).toEqual([['http-stream', ['metrics-two-a', 'metrics-two-b']]]);
  });

  it('lists held connections in the snapshot and closes one by id', async () => {
    const stream = await openStream(`${proxy.url}/sse?ch=metrics-close`);
    streams.push(stream);
    await subscribed(proxy, 'metrics-close');
    const snap = JSON.parse((await request(`${metricsUrl}/dashboard/snapshot`)).text) as {
      held: Array<{ id: string; transport: string; route: string; channels: string[]; ageSec?: number; queuedBytes: number }>;
      connections: { total: number };
    };
    const row = snap.held.find((r) => r.channels.includes('metrics-close'));
    expect(row).toMatchObject({ transport: 'http-stream', route: 'main', queuedBytes: 0 });
    expect(row?.ageSec).toBeGreaterThanOrEqual(0);
    expect(snap.connections.total).toBe(1);
    const id = row?.id ?? '';

    expect((await request(`${metricsUrl}/dashboard/close?id=${encodeURIComponent(id)}`)).status).toBe(405);
    const foreign = await request(`${metricsUrl}/dashboard/close?id=${encodeURIComponent(id)}`, { method: 'POST', headers: { Origin: 'http://evil.example' } });
    expect(foreign.status).toBe(403);
    const unknown = await request(`${metricsUrl}/dashboard/close?id=no-such-connection`, { method: 'POST' });
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.text)).toEqual({ id: 'no-such-connection', closed: false });
    expect(proxy.thumbtack.worker.hold.counters.held.stream).toBe(1);

    const closed = await request(`${metricsUrl}/dashboard/close?id=${encodeURIComponent(id)}`, { method: 'POST' });
    expect(closed.status).toBe(200);
    expect(JSON.parse(closed.text)).toEqual({ id, closed: true });
    await stream.ended;
    expect(proxy.thumbtack.worker.hold.counters.held.stream).toBe(0);
  });
});

describe('prometheus_prefix', () => {
  it('is prepended to every metric name', async () => {
    const port = await freePort();
    const proxy = await startProxy({ routes: ['* test'], config: { workers: 1, prometheusPort: `127.0.0.1:${port}`, prometheusPrefix: 'pp_' } });
    try {
      const res = await request(`http://127.0.0.1:${port}/metrics`);
      const samples = parseExposition(res.text);
      expect(samples.length).toBeGreaterThan(10);
      expect(samples.filter((s) => !s.name.startsWith('pp_')).map((s) => s.name)).toEqual([]);
      expect(sampleValue(samples, 'pp_message_sent')).toBe(0);
      expect(sampleValue(samples, 'pp_thumbtack_publish_to_write_seconds_count')).toBe(0);
    } finally {
      await proxy.close();
    }
  });
});

describe('prometheus_port', () => {
  it('is off by default', async () => {
    const proxy = await startProxy({ routes: ['* test'], config: { workers: 1 } });
    try {
      expect(proxy.thumbtack.monitoring.port).toBe(0);
    } finally {
      await proxy.close();
    }
  });

  it('makes start() fail with the address when the port is taken', async () => {
    const port = await freePort();
    const first = await startProxy({ routes: ['* test'], config: { workers: 1, prometheusPort: `127.0.0.1:${port}` } });
    const dir = mkdtempSync(join(tmpdir(), 'thumbtack-test-'));
    const second = new Thumbtack({
      config: { ...defaultConfig(dir), workers: 1, prometheusPort: `127.0.0.1:${port}` },
      logger: silentLogger,
      routeLines: ['* test'],
      listenOverride: { host: '127.0.0.1', port: 0 },
      publishPortOverride: 0,
    });
    try {
      await expect(second.start()).rejects.toThrow(`prometheus_port 127.0.0.1:${port}: cannot listen: listen EADDRINUSE`);
    } finally {
      await second.close();
      await first.close();
    }
  });
});
