import http from 'node:http';
import { openStream, publish, request, startProxy, until, type Backend, type OpenStream, type RunningProxy } from '../../helpers/harness';
import { freePort } from '../../helpers/processes';
import { parseExposition, sampleValue, startGripBackend } from './metrics-helpers';

/**
 * `workers=2` (worker processes running the built dist/ code): `/metrics` sums both workers' snapshots, the
 * dashboard feed is served by the metrics server itself, and a connection held by either worker can be
 * closed by id.
 */
describe('metrics with worker processes', () => {
  let backend: Backend;
  let proxy: RunningProxy;
  let metricsUrl: string;
  const streams: OpenStream[] = [];

  beforeAll(async () => {
    backend = await startGripBackend();
    const port = await freePort();
    proxy = await startProxy({ routes: [`*,id=main 127.0.0.1:${backend.port}`], config: { workers: 2, logLevel: 1, prometheusPort: `127.0.0.1:${port}` } });
    metricsUrl = `http://127.0.0.1:${port}`;
  }, 20000);

  afterAll(async () => {
    for (const s of streams) s.close();
    await proxy?.close();
    await backend?.close();
  }, 20000);

  it('sums every worker process in /metrics and closes a stream held by any of them', async () => {
    expect(proxy.thumbtack.pool?.size).toBe(2);
    // Enough streams that both workers hold some (the kernel spreads connections between them).
    for (let i = 0; i < 8; i++) streams.push(await openStream(`${proxy.url}/sse?ch=w-news`));
    await Promise.all(streams.map((s) => s.waitFor('data: open')));
    const stats = proxy.thumbtack.zmq.stats;
    await until(() => stats.subscribers.stream === 8, 5000, '8 stream subscriptions');
    await publish(proxy.publishUrl, [{ channel: 'w-news', formats: { 'http-stream': { content: 'data: both\n\n' } } }]);
    await Promise.all(streams.map((s) => s.waitFor('data: both')));
    // Workers send their stats events every 50 ms.
    await until(() => stats.totals.sent === 8, 5000, 'the deliveries in the stats');

    const samples = parseExposition((await request(`${metricsUrl}/metrics`)).text);
    expect(sampleValue(samples, 'thumbtack_connections', { transport: 'http-stream', route: 'main' })).toBe(8);
    expect(sampleValue(samples, 'thumbtack_deliveries_total')).toBe(8);
    expect(sampleValue(samples, 'message_sent')).toBe(8);
    const workers = samples.filter((s) => s.name === 'thumbtack_worker_memory_bytes' && s.labels.type === 'rss').map((s) => s.labels.worker);
    expect(new Set(workers).size).toBe(2);
    // One latency sample per item and worker that had receivers: 2 when both hold streams.
    const timed = sampleValue(samples, 'thumbtack_publish_to_write_seconds_count') ?? 0;
    expect(timed).toBe(new Set(workers).size);

    const snap = JSON.parse((await request(`${metricsUrl}/dashboard/snapshot`)).text) as {
      held: Array<{ id: string; worker: number }>;
      connections: { total: number };
    };
    expect(snap.connections.total).toBe(8);
    expect(new Set(snap.held.map((r) => r.worker)).size).toBe(2);
    const last = snap.held[snap.held.length - 1];
    const closed = await request(`${metricsUrl}/dashboard/close?id=${encodeURIComponent(last?.id ?? '')}`, { method: 'POST' });
    expect(JSON.parse(closed.text)).toEqual({ id: last?.id, closed: true });
    await until(() => stats.subscribers.stream === 7, 5000, 'one stream fewer');
  }, 20000);

  it('serves the dashboard feed from the metrics server', async () => {
    const events = await new Promise<string>((resolve, reject) => {
      const req = http.get(`${metricsUrl}/dashboard/events`, (res) => {
        expect(res.headers['content-type']).toBe('text/event-stream');
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
          // The first snapshot at once, then one a second.
          if ((text.match(/event: snapshot/g) ?? []).length >= 2) {
            req.destroy();
            resolve(text);
          }
        });
      });
      req.on('error', reject);
    });
    const first = /data: (.*)\n/.exec(events)?.[1] ?? '{}';
    expect((JSON.parse(first) as { connections: { total: number } }).connections.total).toBe(7);
  }, 10000);
});
