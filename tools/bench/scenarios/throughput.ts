/**
 * `throughput` (alias `publish`): k concurrent keep-alive connections each POST single-item publishes
 * (timestamped) to one channel as fast as they are accepted, for D seconds, while a few subscribers hold SSE
 * streams on that channel. Reports accepted publishes per second, delivered messages per second (all
 * subscribers, from the first publish to the last arrival), the share delivered, and delivery latency.
 * First, `--warmup-s` seconds (default 1) of the same load, unmeasured (reported as
 * warmup_publishes_per_s), whose deliveries are awaited and set aside.
 */
import type { BenchArgs } from '../args';
import { latencySummary, perSecond } from '../stats';
import { cpuWindow, now, pollUntil, sleep, type RunMetrics, type ScenarioContext, type ScenarioDef } from '../scenario-kit';

const DEFAULTS = { n: 5, concurrency: 32, durationS: 5, warmupS: 1 };

function params(args: BenchArgs) {
  return {
    subscribers: args.n ?? DEFAULTS.n,
    concurrency: args.concurrency ?? DEFAULTS.concurrency,
    duration_s: args.durationS ?? DEFAULTS.durationS,
    warmup_s: args.warmupS ?? DEFAULTS.warmupS,
  };
}

/** Waits until the load processes saw `expected` deliveries (or they stall). */
function awaitDeliveries(ctx: ScenarioContext, expected: number): Promise<unknown> {
  return pollUntil(
    () => ctx.fleet.collect(false),
    (c) => c.deliveries >= expected,
    { everyMs: 100, timeoutMs: 30_000, stallMs: 3_000, key: (c) => c.deliveries },
  );
}

async function run(ctx: ScenarioContext): Promise<RunMetrics> {
  const { subscribers, concurrency, duration_s: durationS, warmup_s: warmupS } = params(ctx.args);
  const publish = (seconds: number): ReturnType<typeof ctx.fleet.httpLoad> =>
    ctx.fleet.httpLoad({
      port: ctx.target.publishPort,
      hostHeader: '127.0.0.1',
      method: 'POST',
      path: '/publish/',
      channel: 'p0',
      concurrency,
      durationMs: seconds * 1000,
    });
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
  if (opened.established < subscribers) {
    // Without its subscribers a run measures publishes that fan out to nobody (seen once with Pushpin):
    // not the same work, so it fails and stays out of the medians.
    await ctx.fleet.closeAll();
    throw new Error(`only ${opened.established} of ${subscribers} subscribers opened (${opened.failed} failed)`);
  }
  await sleep(1500);
  let warmupRate: number | undefined;
  if (warmupS > 0) {
    const warm = await publish(warmupS);
    warmupRate = perSecond(warm.ok, warm.elapsedMs);
    await awaitDeliveries(ctx, warm.ok * opened.established);
  }
  await ctx.fleet.collect(true);
  const cpu = cpuWindow(ctx.target.pids);
  const gen = cpuWindow(ctx.fleet.pids);
  const startedAt = now();
  const load = await publish(durationS);
  const proxyCpu = cpu();
  const genCpu = gen();
  const expected = load.ok * opened.established;
  await awaitDeliveries(ctx, expected);
  const got = await ctx.fleet.collect(true);
  const lat = latencySummary(got.latencies);
  await ctx.fleet.closeAll();
  const deliveredMs = got.lastArrival - startedAt;
  const metrics: RunMetrics = {
    subscribers: opened.established,
    publishes_per_s: perSecond(load.ok, load.elapsedMs),
    delivered_per_s: got.deliveries > 0 && deliveredMs > 0 ? (got.deliveries * 1000) / deliveredMs : NaN,
    non_2xx: load.other,
    errors: load.errors,
    delivered_pct: expected > 0 ? (got.deliveries * 100) / expected : NaN,
    delivery_p50_ms: lat.p50,
    delivery_p99_ms: lat.p99,
    proxy_cpu_pct: proxyCpu,
    gen_cpu_pct: genCpu,
  };
  if (warmupRate !== undefined) metrics.warmup_publishes_per_s = warmupRate;
  return metrics;
}

export const throughputScenario: ScenarioDef = {
  name: 'throughput',
  params,
  procs: (args) => args.procs ?? 1,
  run,
};
