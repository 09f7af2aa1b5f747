/**
 * `throughput` (alias `publish`): k concurrent keep-alive connections each POST single-item publishes
 * (timestamped) to one channel as fast as they are accepted, for D seconds, while a few subscribers hold SSE
 * streams on that channel. Reports accepted publishes per second, delivered messages per second (all
 * subscribers, from the first publish to the last arrival), the share delivered, and delivery latency.
 */
import type { BenchArgs } from '../args';
import { latencySummary } from '../stats';
import { cpuWindow, now, pollUntil, sleep, type RunMetrics, type ScenarioContext, type ScenarioDef } from '../scenario-kit';

const DEFAULTS = { n: 5, concurrency: 32, durationS: 5 };

function params(args: BenchArgs) {
  return { subscribers: args.n ?? DEFAULTS.n, concurrency: args.concurrency ?? DEFAULTS.concurrency, duration_s: args.durationS ?? DEFAULTS.durationS };
}

async function run(ctx: ScenarioContext): Promise<RunMetrics> {
  const { subscribers, concurrency, duration_s: durationS } = params(ctx.args);
  const opened = await ctx.fleet.openStreams({
    port: ctx.target.proxyPort,
    hostHeader: '127.0.0.1',
    count: subscribers,
    channels: 1,
    pathPrefix: '/stream/',
    channelPrefix: 'p',
    maxPending: 50,
    deadlineMs: 30_000,
  });
  await sleep(1500);
  await ctx.fleet.collect(true);
  const cpu = cpuWindow(ctx.target.pids);
  const gen = cpuWindow(ctx.fleet.pids);
  const startedAt = now();
  const load = await ctx.fleet.httpLoad({
    port: ctx.target.publishPort,
    hostHeader: '127.0.0.1',
    method: 'POST',
    path: '/publish/',
    channel: 'p0',
    concurrency,
    durationMs: durationS * 1000,
  });
  const proxyCpu = cpu();
  const genCpu = gen();
  const expected = load.ok * opened.established;
  await pollUntil(
    () => ctx.fleet.collect(false),
    (c) => c.deliveries >= expected,
    { everyMs: 100, timeoutMs: 30_000, stallMs: 3_000, key: (c) => c.deliveries },
  );
  const got = await ctx.fleet.collect(true);
  const lat = latencySummary(got.latencies);
  await ctx.fleet.closeAll();
  const deliveredMs = got.lastArrival - startedAt;
  return {
    subscribers: opened.established,
    publishes_per_s: load.elapsedMs > 0 ? (load.ok * 1000) / load.elapsedMs : NaN,
    delivered_per_s: got.deliveries > 0 && deliveredMs > 0 ? (got.deliveries * 1000) / deliveredMs : NaN,
    non_2xx: load.other,
    errors: load.errors,
    delivered_pct: expected > 0 ? (got.deliveries * 100) / expected : NaN,
    delivery_p50_ms: lat.p50,
    delivery_p99_ms: lat.p99,
    proxy_cpu_pct: proxyCpu,
    gen_cpu_pct: genCpu,
  };
}

export const throughputScenario: ScenarioDef = {
  name: 'throughput',
  params,
  procs: (args) => args.procs ?? 1,
  run,
};
