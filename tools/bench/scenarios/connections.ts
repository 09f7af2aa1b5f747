/**
 * `connections`: opens N idle SSE streams (each one a backend request answered with a stream hold) as fast
 * as the proxy accepts them, then holds them. Reports the accept rate, the proxy's RSS per held connection
 * (sum over its processes, minus the baseline before the first connection), idle CPU and failures.
 */
import type { BenchArgs } from '../args';
import { cpuWindow, DEFAULT_PENDING, pendingPerProc, proxyMemory, procsFor, sleep, type RunMetrics, type ScenarioContext, type ScenarioDef } from '../scenario-kit';

const DEFAULTS = { n: 5_000, channels: 100, holdS: 3 };

function params(args: BenchArgs) {
  return { n: args.n ?? DEFAULTS.n, channels: args.channels ?? DEFAULTS.channels, pending: args.pending ?? DEFAULT_PENDING, hold_s: DEFAULTS.holdS };
}

async function run(ctx: ScenarioContext): Promise<RunMetrics> {
  const { n, channels } = params(ctx.args);
  const before = proxyMemory(ctx.target);
  const opened = await ctx.fleet.openStreams({
    port: ctx.target.proxyPort,
    hostHeader: '127.0.0.1',
    count: n,
    channels,
    pathPrefix: '/stream/',
    channelPrefix: 'c',
    maxPending: pendingPerProc(ctx.args, ctx.fleet.size),
    deadlineMs: 180_000,
  });
  ctx.note(`opened ${opened.established}/${n} in ${(opened.elapsedMs / 1000).toFixed(1)} s, ${opened.failed} failed${opened.firstFailure ? ` (first: ${opened.firstFailure})` : ''}`);
  await sleep(1000);
  const idleCpu = cpuWindow(ctx.target.pids);
  await sleep(DEFAULTS.holdS * 1000);
  const idleCpuPct = idleCpu();
  const after = proxyMemory(ctx.target);
  const held = await ctx.fleet.collect(false);
  const metrics: RunMetrics = {
    established: opened.established,
    failed: opened.failed,
    held_before_first_error: opened.heldBeforeFirstError,
    held_after_hold: held.alive,
    accept_per_s: opened.elapsedMs > 0 ? (opened.established * 1000) / opened.elapsedMs : NaN,
    rss_baseline_mb: before.rssKb / 1024,
    rss_held_mb: after.rssKb / 1024,
    rss_per_conn_kb: opened.established > 0 ? (after.rssKb - before.rssKb) / opened.established : NaN,
    idle_cpu_pct: idleCpuPct,
  };
  for (const [name, kb] of Object.entries(after.rssByName)) {
    const delta = kb - (before.rssByName[name] ?? 0);
    if (opened.established > 0) metrics[`rss_per_conn_kb[${name}]`] = delta / opened.established;
  }
  await ctx.fleet.closeAll();
  return metrics;
}

export const connectionsScenario: ScenarioDef = {
  name: 'connections',
  params,
  procs: (args) => args.procs ?? procsFor(args.n ?? DEFAULTS.n, 2),
  run,
};
