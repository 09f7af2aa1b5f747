/**
 * `fanout`: S subscribers (SSE streams) spread evenly over C channels; each round publishes one item per
 * channel (one HTTP publish each, timestamped when written; with --batch one publish carrying them all) and
 * waits until all S deliveries arrived.
 * Reports deliveries per second (S over the time from the first publish to the last arrival, median of the
 * rounds) and publish-to-arrival latency percentiles over all rounds of the run.
 */
import type { BenchArgs } from '../args';
import { latencySummary, median } from '../stats';
import { cpuWindow, pendingPerProc, pollUntil, procsFor, publishBatch, publishEach, sleep, type RunMetrics, type ScenarioContext, type ScenarioDef } from '../scenario-kit';

const DEFAULTS = { n: 10_000, channels: 100, rounds: 3, publishConnections: 4 };

function params(args: BenchArgs) {
  return {
    subscribers: args.n ?? DEFAULTS.n,
    channels: args.channels ?? DEFAULTS.channels,
    rounds: args.rounds ?? DEFAULTS.rounds,
    publish_connections: args.batch ? 1 : DEFAULTS.publishConnections,
    batch: args.batch ? 1 : 0,
  };
}

async function run(ctx: ScenarioContext): Promise<RunMetrics> {
  const { subscribers, channels, rounds } = params(ctx.args);
  const opened = await ctx.fleet.openStreams({
    port: ctx.target.proxyPort,
    hostHeader: '127.0.0.1',
    count: subscribers,
    channels,
    pathPrefix: '/stream/',
    channelPrefix: 'f',
    maxPending: pendingPerProc(ctx.args, ctx.fleet.size),
    deadlineMs: 180_000,
  });
  ctx.note(`subscribed ${opened.established}/${subscribers} (${opened.failed} failed)`);
  // Let the subscriptions settle (Pushpin's handler subscribes asynchronously).
  await sleep(1500);
  await ctx.fleet.collect(true);
  const names = Array.from({ length: channels }, (_, i) => `f${i}`);
  const rates: number[] = [];
  const latencies: number[] = [];
  let delivered = 0;
  let publishFailed = 0;
  const cpu = cpuWindow(ctx.target.pids);
  let busyMs = 0;
  let publishMs = 0;
  for (let round = 0; round < rounds; round++) {
    const burst = ctx.args.batch
      ? await publishBatch(ctx.target.publishPort, names, 30_000)
      : await publishEach(ctx.target.publishPort, names, DEFAULTS.publishConnections, 30_000);
    publishFailed += burst.failed;
    publishMs += burst.endedAt - burst.startedAt;
    const got = await pollUntil(
      () => ctx.fleet.collect(false),
      (c) => c.deliveries >= opened.established,
      { everyMs: 20, timeoutMs: 60_000, stallMs: 10_000, key: (c) => c.deliveries },
    );
    const final = await ctx.fleet.collect(true);
    delivered += final.deliveries;
    latencies.push(...final.latencies);
    const windowMs = final.lastArrival - burst.startedAt;
    busyMs += windowMs;
    rates.push(windowMs > 0 ? (final.deliveries * 1000) / windowMs : NaN);
    ctx.note(`round ${round + 1}: ${final.deliveries}/${opened.established} delivered (${got.deliveries} seen) in ${windowMs.toFixed(0)} ms`);
    await sleep(500);
  }
  const cpuPct = cpu();
  const lat = latencySummary(latencies);
  await ctx.fleet.closeAll();
  return {
    subscribed: opened.established,
    deliveries_per_s: median(rates),
    p50_ms: lat.p50,
    p99_ms: lat.p99,
    max_ms: lat.max,
    delivered_pct: opened.established > 0 ? (delivered * 100) / (opened.established * rounds) : NaN,
    publish_failed: publishFailed,
    round_ms: busyMs / rounds,
    publish_ms: publishMs / rounds,
    proxy_cpu_pct_incl_pauses: cpuPct,
  };
}

export const fanoutScenario: ScenarioDef = {
  name: 'fanout',
  params,
  procs: (args) => args.procs ?? procsFor(args.n ?? DEFAULTS.n, 2),
  run,
};
