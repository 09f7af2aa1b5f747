/**
 * `fanout`: S subscribers (SSE streams) spread evenly over C channels; each round publishes one item per
 * channel (one HTTP publish each, timestamped when written; with --batch one publish carrying them all) and
 * waits until all S deliveries arrived.
 * Reports deliveries per second (S over the time from the first publish to the last arrival, median of the
 * rounds) and publish-to-arrival latency percentiles over all rounds of the run. The first `warmup` rounds
 * (default 3) run the same way and are not counted: they measure JIT compilation, not the steady state.
 */
import type { BenchArgs } from '../args';
import { pendingPerProc, procsFor, sleep, type RunMetrics, type ScenarioContext, type ScenarioDef } from '../scenario-kit';
import { publishRounds } from './publish-rounds';

/**
 * 3 warm-up rounds (1 before the sixteenth pass): after one, the first counted round still ran while V8
 * compiled the delivery path again (the publish connections' sockets and the first deliveries' writes
 * deoptimize shared stream code), 174 ms against 140 for the next ones; 2 alternating pairs: p99 13.9 and
 * 15.1 ms with 1, 11.8 and 11.5 with 3, deliveries 66,250 and 66,832/s against 70,091 and 72,310.
 */
const DEFAULTS = { n: 10_000, channels: 100, rounds: 3, warmup: 3, publishConnections: 4 };

function params(args: BenchArgs) {
  return {
    subscribers: args.n ?? DEFAULTS.n,
    channels: args.channels ?? DEFAULTS.channels,
    rounds: args.rounds ?? DEFAULTS.rounds,
    warmup: args.warmup ?? DEFAULTS.warmup,
    publish_connections: args.batch ? 1 : DEFAULTS.publishConnections,
    batch: args.batch ? 1 : 0,
  };
}

async function run(ctx: ScenarioContext): Promise<RunMetrics> {
  const { subscribers, channels, rounds, warmup } = params(ctx.args);
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
  const figures = await publishRounds(ctx, {
    channels: Array.from({ length: channels }, (_, i) => `f${i}`),
    rounds,
    warmup,
    expected: opened.established,
    format: 'http-stream',
    batch: ctx.args.batch,
    publishConnections: DEFAULTS.publishConnections,
  });
  await ctx.fleet.closeAll();
  return { subscribed: opened.established, ...figures };
}

export const fanoutScenario: ScenarioDef = {
  name: 'fanout',
  params,
  procs: (args) => args.procs ?? procsFor(args.n ?? DEFAULTS.n),
  run,
};
