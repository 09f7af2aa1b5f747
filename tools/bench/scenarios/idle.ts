/**
 * `idle` (alias `connections`): opens N idle SSE streams over C channels (each one a backend request
 * answered with a stream hold) as fast as the proxy accepts them, then holds them. Reports how many were
 * established and failed, how long opening took, the accept rate, the proxy's RSS per held connection (sum
 * over its processes, minus the baseline before the first connection; with --gc also after a forced GC) and
 * its idle CPU.
 */
import type { BenchArgs } from '../args';
import { DEFAULT_PENDING, procsFor, type RunMetrics, type ScenarioContext, type ScenarioDef } from '../scenario-kit';
import { openAndHold } from './hold-phase';

const DEFAULTS = { n: 5_000, channels: 100, holdS: 3 };

function params(args: BenchArgs) {
  return { n: args.n ?? DEFAULTS.n, channels: args.channels ?? DEFAULTS.channels, pending: args.pending ?? DEFAULT_PENDING, hold_s: DEFAULTS.holdS };
}

async function run(ctx: ScenarioContext): Promise<RunMetrics> {
  const { n, channels, hold_s: holdS } = params(ctx.args);
  const { metrics } = await openAndHold(ctx, { kind: 'sse', n, channels, pathPrefix: '/stream/', channelPrefix: 'c', holdS });
  await ctx.fleet.closeAll();
  return metrics;
}

export const idleScenario: ScenarioDef = {
  name: 'idle',
  params,
  procs: (args) => args.procs ?? procsFor(args.n ?? DEFAULTS.n),
  run,
};
