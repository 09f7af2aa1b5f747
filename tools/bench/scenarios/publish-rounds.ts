/**
 * Publish rounds, shared by `fanout` and `ws`: each round publishes one stamped item per channel (one HTTP
 * publish each over a few connections, or with `batch` one publish carrying them all) and waits until every
 * subscriber got it. Delivery rate per round = deliveries over the time from the first publish to the last
 * arrival; latency = arrival time minus the stamp written into the item.
 */
import { latencySummary, median } from '../stats';
import { cpuWindow, pollUntil, publishBatch, publishEach, sleep, type RunMetrics, type ScenarioContext } from '../scenario-kit';
import type { PublishFormat } from '../wire';

export interface RoundsPlan {
  /** Channel names, one item each per round. */
  channels: readonly string[];
  rounds: number;
  /** Deliveries a round waits for (the subscribers established). */
  expected: number;
  format: PublishFormat;
  batch: boolean;
  /** Publish connections when not batching. */
  publishConnections: number;
}

/**
 * Runs the rounds; returns deliveries_per_s (median of rounds), p50_ms, p99_ms, max_ms (all rounds),
 * delivered_pct, publish_failed, round_ms, publish_ms and proxy_cpu_pct_incl_pauses.
 */
export async function publishRounds(ctx: ScenarioContext, plan: RoundsPlan): Promise<RunMetrics> {
  await ctx.fleet.collect(true);
  const rates: number[] = [];
  const latencies: number[] = [];
  let delivered = 0;
  let publishFailed = 0;
  const cpu = cpuWindow(ctx.target.pids);
  let busyMs = 0;
  let publishMs = 0;
  for (let round = 0; round < plan.rounds; round++) {
    const burst = plan.batch
      ? await publishBatch(ctx.target.publishPort, plan.channels, 30_000, plan.format)
      : await publishEach(ctx.target.publishPort, plan.channels, plan.publishConnections, 30_000, plan.format);
    publishFailed += burst.failed;
    publishMs += burst.endedAt - burst.startedAt;
    const got = await pollUntil(
      () => ctx.fleet.collect(false),
      (c) => c.deliveries >= plan.expected,
      { everyMs: 20, timeoutMs: 60_000, stallMs: 10_000, key: (c) => c.deliveries },
    );
    const final = await ctx.fleet.collect(true);
    delivered += final.deliveries;
    latencies.push(...final.latencies);
    const windowMs = final.lastArrival - burst.startedAt;
    busyMs += windowMs;
    rates.push(final.deliveries > 0 && windowMs > 0 ? (final.deliveries * 1000) / windowMs : NaN);
    ctx.note(`round ${round + 1}: ${final.deliveries}/${plan.expected} delivered (${got.deliveries} seen) in ${windowMs.toFixed(0)} ms`);
    await sleep(500);
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
  };
}
