/**
 * Publish rounds, shared by `fanout` and `ws`: each round publishes one stamped item per channel (one HTTP
 * publish each over a few connections, or with `batch` one publish carrying them all) and waits until every
 * subscriber got it. Delivery rate per round = deliveries over the time from the first publish to the last
 * arrival; latency = arrival time minus the stamp written into the item. Warm-up rounds come first and are
 * left out of every figure.
 */
import { performance } from 'node:perf_hooks';
import { measure } from '../proc-stats';
import { latencySummary, median } from '../stats';
import { cpuMicrosPer, cpuWindow, pollUntil, publishBatch, publishEach, sleep, type RunMetrics, type ScenarioContext } from '../scenario-kit';
import type { PublishFormat } from '../wire';

export interface RoundsPlan {
  /** Channel names, one item each per round. */
  channels: readonly string[];
  rounds: number;
  /** Rounds run first and not counted (the proxy's JIT warms up on the delivery path). */
  warmup: number;
  /** Deliveries a round waits for (the subscribers established). */
  expected: number;
  format: PublishFormat;
  batch: boolean;
  /** Publish connections when not batching. */
  publishConnections: number;
}

/** CPU seconds used so far by the proxy's processes and by the load generator's, and when they were read. */
interface CpuSnapshot {
  proxyCpuS: number;
  genCpuS: number;
  wallMs: number;
}

function cpuSnapshot(ctx: ScenarioContext): CpuSnapshot {
  return { proxyCpuS: measure(ctx.target.pids).cpuS, genCpuS: measure(ctx.fleet.pids).cpuS, wallMs: performance.now() };
}

/**
 * Runs the rounds; returns deliveries_per_s (median of rounds), p50_ms, p99_ms, max_ms (all rounds),
 * delivered_pct, publish_failed, round_ms, publish_ms, proxy_cpu_pct_incl_pauses, and the proxy's and the
 * load generator's CPU inside the counted rounds (per cent of a core, and µs per delivery).
 */
export async function publishRounds(ctx: ScenarioContext, plan: RoundsPlan): Promise<RunMetrics> {
  await ctx.fleet.collect(true);
  const rates: number[] = [];
  const latencies: number[] = [];
  let delivered = 0;
  let publishFailed = 0;
  let cpu = cpuWindow(ctx.target.pids);
  let busyMs = 0;
  let publishMs = 0;
  // CPU seconds of the proxy and of the load generator inside the counted rounds only, from the first
  // publish to the poll that saw the last delivery arrive (within 20 ms of it; not the stall wait of a
  // round that never completes), and the wall time they span: who is busy while a round is delivered.
  let roundProxyCpuS = 0;
  let roundGenCpuS = 0;
  let roundWallMs = 0;
  for (let round = 0; round < plan.warmup + plan.rounds; round++) {
    const counted = round >= plan.warmup;
    const before = cpuSnapshot(ctx);
    let atLastArrival = before;
    let seen = 0;
    const burst = plan.batch
      ? await publishBatch(ctx.target.publishPort, plan.channels, 30_000, plan.format)
      : await publishEach(ctx.target.publishPort, plan.channels, plan.publishConnections, 30_000, plan.format);
    const got = await pollUntil(
      async () => {
        const c = await ctx.fleet.collect(false);
        if (c.deliveries !== seen) {
          seen = c.deliveries;
          atLastArrival = cpuSnapshot(ctx);
        }
        return c;
      },
      (c) => c.deliveries >= plan.expected,
      { everyMs: 20, timeoutMs: 60_000, stallMs: 10_000, key: (c) => c.deliveries },
    );
    const final = await ctx.fleet.collect(true);
    if (counted) {
      roundProxyCpuS += atLastArrival.proxyCpuS - before.proxyCpuS;
      roundGenCpuS += atLastArrival.genCpuS - before.genCpuS;
      roundWallMs += atLastArrival.wallMs - before.wallMs;
    }
    const windowMs = final.lastArrival - burst.startedAt;
    const label = counted ? `round ${round - plan.warmup + 1}` : `warm-up round ${round + 1}`;
    ctx.note(`${label}: ${final.deliveries}/${plan.expected} delivered (${got.deliveries} seen) in ${windowMs.toFixed(0)} ms`);
    await sleep(500);
    if (round + 1 === plan.warmup) cpu = cpuWindow(ctx.target.pids); // the CPU window starts with the counted rounds
    if (!counted) continue;
    publishFailed += burst.failed;
    publishMs += burst.endedAt - burst.startedAt;
    delivered += final.deliveries;
    latencies.push(...final.latencies);
    busyMs += windowMs;
    rates.push(final.deliveries > 0 && windowMs > 0 ? (final.deliveries * 1000) / windowMs : NaN);
  }
  const lat = latencySummary(latencies);
  return {
    deliveries_per_s: median(rates),
    p50_ms: lat.p50,
    p99_ms: lat.p99,
    max_ms: lat.max,
    delivered_pct: plan.expected > 0 ? (delivered * 100) / (plan.expected * plan.rounds) : NaN,
    publish_failed: publishFailed,
    round_ms: busyMs / plan.rounds,
    publish_ms: publishMs / plan.rounds,
    proxy_cpu_pct_incl_pauses: cpu(),
    proxy_cpu_pct_in_rounds: roundWallMs > 0 ? (roundProxyCpuS * 100_000) / roundWallMs : NaN,
    gen_cpu_pct_in_rounds: roundWallMs > 0 ? (roundGenCpuS * 100_000) / roundWallMs : NaN,
    proxy_cpu_us_per_delivery: cpuMicrosPer(roundProxyCpuS, delivered),
    gen_cpu_us_per_delivery: cpuMicrosPer(roundGenCpuS, delivered),
  };
}
