/**
 * `connect`: the rate of new held connections. Opens N SSE streams over C channels as fast as the proxy
 * accepts them (at most --pending waiting for their response head at once); each one is a backend request
 * answered with a stream hold. Reports the accept rate, each connection's time from connect() to its
 * response head, the backend requests seen, and the CPU of proxy, load generator and backend while opening.
 * First, `--warmup` rounds (default 3) of `--warmup-conns` connections (default 3,000) are opened and closed
 * unmeasured.
 */
import type { BenchArgs } from '../args';
import { latencySummary, perSecond } from '../stats';
import { cpuMicrosPer, cpuUse, DEFAULT_PENDING, pendingPerProc, procsFor, sleep, type RunMetrics, type ScenarioContext, type ScenarioDef } from '../scenario-kit';

/**
 * Warm-up: 3 rounds of 3,000 connections. With one round of 2,000 (before the sixteenth pass), V8 was still
 * compiling ~40 of Thumbtack's hot functions in the measured window, and the first mass close of held
 * connections deoptimized shared stream code that was then compiled again: 192-220 us of CPU per
 * connection against 142-150 once warm (docs/PERFORMANCE.md, sixteenth pass).
 */
const DEFAULTS = { n: 5_000, channels: 100, warmupConns: 3_000, warmupRounds: 3 };
/**
 * Time for the target to finish closing a warm-up round's connections (Pushpin has a 20,000-file limit).
 * With 1 s, Pushpin failed a few connections (1-46) in some runs after the third round of 3,000.
 */
const SETTLE_MS = 2_000;

function params(args: BenchArgs) {
  return {
    n: args.n ?? DEFAULTS.n,
    channels: args.channels ?? DEFAULTS.channels,
    pending: args.pending ?? DEFAULT_PENDING,
    warmup_conns: args.warmupConns ?? DEFAULTS.warmupConns,
    warmup_rounds: args.warmup ?? DEFAULTS.warmupRounds,
  };
}

async function run(ctx: ScenarioContext): Promise<RunMetrics> {
  const { n, channels, warmup_conns: warmupConns, warmup_rounds: warmupRounds } = params(ctx.args);
  const open = (count: number, timings: boolean): ReturnType<typeof ctx.fleet.openStreams> =>
    ctx.fleet.openStreams({
      port: ctx.target.proxyPort,
      hostHeader: '127.0.0.1',
      count,
      channels,
      pathPrefix: '/stream/',
      channelPrefix: 'n',
      maxPending: pendingPerProc(ctx.args, ctx.fleet.size),
      deadlineMs: 180_000,
      timings,
    });
  // A long-running proxy is warm: the measured connections come after unmeasured rounds of connections
  // opened and then closed, which Thumbtack's JIT compiler and both targets' allocators see first. More
  // than one round, so that the code that closes connections, and the open path after a mass close, are
  // compiled too (the first round's rate is reported as warmup_accept_per_s).
  let warmupRate: number | undefined;
  for (let round = 0; round < warmupRounds && warmupConns > 0; round++) {
    const warm = await open(warmupConns, false);
    warmupRate ??= perSecond(warm.established, warm.elapsedMs);
    ctx.note(`warm-up ${round + 1}/${warmupRounds}: opened ${warm.established}/${warmupConns} in ${(warm.elapsedMs / 1000).toFixed(1)} s, ${warm.failed} failed`);
    await ctx.fleet.closeAll();
    await sleep(SETTLE_MS);
  }
  const requestsBefore = await ctx.backend.requests();
  const proxyCpu = cpuUse(ctx.target.pids);
  const genCpu = cpuUse(ctx.fleet.pids);
  const backendCpu = cpuUse([ctx.backend.pid]);
  const opened = await open(n, true);
  const proxyUse = proxyCpu();
  const genUse = genCpu();
  const backendUse = backendCpu();
  const backendRequests = (await ctx.backend.requests()) - requestsBefore;
  ctx.note(`opened ${opened.established}/${n} in ${(opened.elapsedMs / 1000).toFixed(1)} s, ${opened.failed} failed${opened.firstFailure ? ` (first: ${opened.firstFailure})` : ''}, ${backendRequests} backend requests`);
  const lat = latencySummary(opened.connectMs ?? []);
  await ctx.fleet.closeAll();
  const metrics: RunMetrics = {
    established: opened.established,
    failed: opened.failed,
    accept_per_s: perSecond(opened.established, opened.elapsedMs),
    open_s: opened.elapsedMs / 1000,
    connect_p50_ms: lat.p50,
    connect_p99_ms: lat.p99,
    connect_max_ms: lat.max,
    backend_requests: backendRequests,
    proxy_cpu_pct: proxyUse.pct,
    gen_cpu_pct: genUse.pct,
    // CPU per new held connection, over every process of the proxy (Pushpin's three, Thumbtack's workers).
    proxy_cpu_us_per_conn: cpuMicrosPer(proxyUse.cpuS, opened.established),
    gen_cpu_us_per_conn: cpuMicrosPer(genUse.cpuS, opened.established),
    // The backend shares the machine's cores: what it takes is CPU the proxy cannot have.
    backend_cpu_us_per_conn: cpuMicrosPer(backendUse.cpuS, opened.established),
  };
  if (warmupRate !== undefined) metrics.warmup_accept_per_s = warmupRate;
  return metrics;
}

export const connectScenario: ScenarioDef = {
  name: 'connect',
  params,
  procs: (args) => args.procs ?? procsFor(args.n ?? DEFAULTS.n),
  run,
};
