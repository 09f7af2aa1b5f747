import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../../helpers/processes';

/**
 * The smoke version of `tools/bench` that CI runs: every scenario, tiny sizes, one run, against Thumbtack.
 * It asserts that each scenario runs and reports, never a timing target (those live in docs/PERFORMANCE.md).
 */
function bench(args: string[], target = 'thumbtack'): Promise<Array<Record<string, unknown>>> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['dist/tools/bench/main.js', ...args, '--target', target, '--runs', '1', '--json'], { cwd: ROOT, timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) {
        reject(new Error(`bench ${args.join(' ')} failed: ${err.message}\n${stderr}`));
        return;
      }
      const lines = stdout.split('\n').filter((l) => l.startsWith('{'));
      resolve(lines.map((l) => JSON.parse(l) as Record<string, unknown>));
    });
  });
}

type Summary = Record<string, { median: number; runs: number }>;

/** The one report line of a run, checked for the common shape; returns its summary. */
function summaryOf(report: Record<string, unknown> | undefined, scenario: string, target = 'thumbtack'): Summary {
  expect(report?.scenario).toBe(scenario);
  expect(report?.target).toBe(target);
  expect(report?.errors).toEqual([]);
  expect(Array.isArray(report?.runs) && (report?.runs as unknown[]).length).toBe(1);
  expect(typeof report?.params).toBe('object');
  const summary = report?.summary as Summary;
  expect(Object.keys(summary ?? {}).length).toBeGreaterThan(0);
  return summary;
}

describe('tools/bench smoke run', () => {
  jest.setTimeout(120_000);

  it('idle: holds every idle SSE connection it opens, and reports memory and CPU', async () => {
    const summary = summaryOf((await bench(['idle', '--n', '200', '--channels', '10']))[0], 'idle');
    expect(summary.established?.median).toBe(200);
    expect(summary.failed?.median).toBe(0);
    expect(summary.held_after_hold?.median).toBe(200);
    for (const name of ['accept_per_s', 'open_s', 'rss_per_conn_kb', 'idle_cpu_pct']) expect(typeof summary[name]?.median).toBe('number');
    // How fast a CPU was before the run (SHA-256 of 32 MiB): a time, read every run.
    expect(summary.machine_cpu_probe_ms?.median).toBeGreaterThan(0);
    expect(summary.machine_cpu_probe_ms?.median).toBeLessThan(10_000);
  });

  it('connections is still accepted, as idle', async () => {
    const [report] = await bench(['connections', '--n', '50', '--channels', '5']);
    const summary = summaryOf(report, 'idle');
    expect((report?.settings as Record<string, unknown>).invoked_as).toBe('connections');
    expect(summary.established?.median).toBe(50);
  });

  it('connect: every connection is one backend request, the warm-up rounds not counted', async () => {
    const [report] = await bench(['connect', '--n', '100', '--channels', '10', '--warmup', '2', '--warmup-conns', '60']);
    expect(report?.params).toMatchObject({ warmup_rounds: 2, warmup_conns: 60 });
    const summary = summaryOf(report, 'connect');
    expect(summary.established?.median).toBe(100);
    expect(summary.backend_requests?.median).toBe(100);
    expect(summary.warmup_accept_per_s?.median).toBeGreaterThan(0);
    expect(summary.accept_per_s?.median).toBeGreaterThan(0);
    expect(summary.connect_p50_ms?.median).toBeGreaterThan(0);
    // CPU per new connection from /proc (10 ms ticks: a run this small may read 0, never less or nothing).
    expect(summary.proxy_cpu_us_per_conn?.median).toBeGreaterThanOrEqual(0);
    expect(summary.gen_cpu_us_per_conn?.median).toBeGreaterThanOrEqual(0);
    expect(summary.backend_cpu_us_per_conn?.median).toBeGreaterThanOrEqual(0);
  });

  it('connect --proxy-cpus --load-cpus: the proxy and the load run confined to the CPUs given', async () => {
    // CPU 0 exists everywhere; the bench checks every thread's Cpus_allowed_list and fails the run otherwise.
    const [report] = await bench(['connect', '--n', '50', '--channels', '5', '--warmup-conns', '0', '--proxy-cpus', '0', '--load-cpus', '0']);
    const summary = summaryOf(report, 'connect');
    expect(summary.established?.median).toBe(50);
    expect(report?.settings).toEqual(expect.objectContaining({ proxy_cpus: '0', load_cpus: '0' }));
  });

  it('ws: WebSocket-over-HTTP clients are held and get every ws-message publish', async () => {
    const summary = summaryOf((await bench(['ws', '--n', '40', '--channels', '4', '--rounds', '2']))[0], 'ws');
    expect(summary.established?.median).toBe(40);
    expect(summary.failed?.median).toBe(0);
    expect(summary.dropped?.median).toBe(0);
    expect(summary.delivered_pct?.median).toBe(100);
    expect(summary.deliveries_per_s?.median).toBeGreaterThan(0);
    expect(summary.p50_ms?.median).toBeGreaterThanOrEqual(0);
    expect(summary.rss_per_conn_kb?.runs).toBe(1);
    // One OPEN per client; publishes do not reach the backend.
    expect(summary.backend_requests?.median).toBe(40);
    // Then all 40 leave at once, and the backend hears of each (a DISCONNECT).
    expect(summary.leave_notified_pct?.median).toBe(100);
    expect(summary.leave_ms?.median).toBeGreaterThanOrEqual(0);
    expect(summary.leave_backend_connects?.median).toBeGreaterThanOrEqual(0);
  });

  it('idle --gc runs Thumbtack with --expose-gc and does not end it with SIGUSR2', async () => {
    const summary = summaryOf((await bench(['idle', '--gc', '--n', '50', '--channels', '5']))[0], 'idle');
    expect(summary.established?.median).toBe(50);
    expect(summary.held_after_hold?.median).toBe(50);
    // Thumbtack under --expose-gc handles SIGUSR2 (src/core/gc-signal.ts), so the after-GC figure is there.
    expect(summary.rss_per_conn_gc_kb?.runs).toBe(1);
    expect(typeof summary.rss_per_conn_gc_kb?.median).toBe('number');
  });

  it('fanout and throughput report deliveries', async () => {
    const fanout = summaryOf((await bench(['fanout', '--n', '200', '--channels', '10', '--rounds', '2']))[0], 'fanout');
    expect(fanout.delivered_pct?.median).toBe(100);
    // Who was busy inside the rounds (CPU from /proc, 10 ms ticks: a small run may read 0, never less).
    for (const name of ['proxy_cpu_pct_in_rounds', 'gen_cpu_pct_in_rounds', 'proxy_cpu_us_per_delivery', 'gen_cpu_us_per_delivery']) {
      expect(fanout[name]?.median).toBeGreaterThanOrEqual(0);
    }
    const throughput = summaryOf((await bench(['throughput', '--duration', '1', '--concurrency', '4']))[0], 'throughput');
    expect(throughput.delivered_per_s?.median).toBeGreaterThan(0);
    expect(throughput.publishes_per_s?.median).toBeGreaterThan(0);
    expect(throughput.warmup_publishes_per_s?.median).toBeGreaterThan(0);
    // The warm-up's deliveries are awaited and set aside: the measured ones are exactly the measured publishes'.
    expect(throughput.delivered_pct?.median).toBe(100);
  });

  it('--target thumbtack,floor: the Node floor holds streams, fans out and proxies, with a ratio line', async () => {
    const connect = await bench(['connect', '--n', '60', '--channels', '6', '--warmup-conns', '20'], 'thumbtack,floor');
    summaryOf(connect[0], 'connect', 'thumbtack');
    const floorConnect = summaryOf(connect[1], 'connect', 'floor');
    expect(floorConnect.established?.median).toBe(60);
    expect(floorConnect.backend_requests?.median).toBe(60);
    expect(connect[2]).toEqual(expect.objectContaining({ scenario: 'connect', ratio: 'thumbtack/floor' }));
    const fanout = summaryOf((await bench(['fanout', '--n', '100', '--channels', '10', '--rounds', '2'], 'floor'))[0], 'fanout', 'floor');
    expect(fanout.subscribed?.median).toBe(100);
    expect(fanout.delivered_pct?.median).toBe(100);
    const proxy = summaryOf((await bench(['proxy', '--duration', '1', '--concurrency', '4'], 'floor'))[0], 'proxy', 'floor');
    expect(proxy.proxied_rps?.median).toBeGreaterThan(0);
    expect(proxy.non_2xx?.median).toBe(0);
  });

  it('publish (as throughput), proxy and keepalive report their figures', async () => {
    summaryOf((await bench(['publish', '--duration', '1', '--concurrency', '4']))[0], 'throughput');
    const proxy = summaryOf((await bench(['proxy', '--duration', '1', '--concurrency', '4']))[0], 'proxy');
    expect(proxy.proxied_rps?.median).toBeGreaterThan(0);
    expect(proxy.warmup_rps?.median).toBeGreaterThan(0);
    expect(proxy.proxy_cpu_us_per_request?.median).toBeGreaterThanOrEqual(0);
    summaryOf((await bench(['keepalive', '--n', '50', '--duration', '2']))[0], 'keepalive');
  });

  it('heap-held: two heap snapshots around N held streams, summed per connection', async () => {
    const out = mkdtempSync(join(tmpdir(), 'thumbtack-heap-smoke-'));
    try {
      const stdout = await new Promise<string>((resolve, reject) => {
        execFile(process.execPath, ['dist/tools/bench/heap-held.js', '--n', '200', '--out', out], { cwd: ROOT, timeout: 60_000 }, (err, text, stderr) => {
          if (err) reject(new Error(`heap-held failed: ${err.message}\n${stderr}`));
          else resolve(text);
        });
      });
      expect(stdout).toMatch(/, n = 200\n/);
      // 200 held streams are at least their sockets: well over 100 bytes each.
      const perConn = /total heap delta per connection: ([\d,]+) bytes/.exec(stdout);
      expect(Number((perConn?.[1] ?? '0').replace(/,/g, ''))).toBeGreaterThan(100);
      expect(stdout).toContain('StreamSubscriber');
      expect(readdirSync(out).filter((name) => name.endsWith('.heapsnapshot'))).toHaveLength(2);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
