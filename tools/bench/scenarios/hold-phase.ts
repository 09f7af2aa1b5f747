/**
 * The phase `idle` and `ws` share: read the proxy's memory, open N streams (SSE or WebSocket) over C
 * channels as fast as they are accepted, let them settle 1 s, hold them `holdS` seconds while measuring
 * the proxy's idle CPU, and read its memory again (with `--gc`, also after a forced GC in Thumbtack).
 */
import type { OpenTotals } from '../fleet';
import { heldMemoryMetrics, readMemory, readMemoryAfterGc } from '../held-memory';
import { perSecond } from '../stats';
import { cpuWindow, pendingPerProc, sleep, type RunMetrics, type ScenarioContext } from '../scenario-kit';
import type { StreamKind } from '../worker-protocol';

export interface HoldPlan {
  kind: StreamKind;
  n: number;
  channels: number;
  /** Path before the channel name, e.g. `/stream/` or `/ws/`. */
  pathPrefix: string;
  /** Channel names are `${channelPrefix}0` … `${channelPrefix}${channels - 1}`. */
  channelPrefix: string;
  holdS: number;
}

export interface HoldResult {
  opened: OpenTotals;
  /** established, failed, held_before_first_error, held_after_hold, open_s, accept_per_s, rss_*, idle_cpu_pct. */
  metrics: RunMetrics;
}

/** Runs the phase; the streams stay open for the caller (who closes them with `fleet.closeAll`). */
export async function openAndHold(ctx: ScenarioContext, plan: HoldPlan): Promise<HoldResult> {
  const before = readMemory(ctx.target);
  const beforeGc = ctx.args.gc ? await readMemoryAfterGc(ctx.target, ctx.note) : undefined;
  const opened = await ctx.fleet.openStreams({
    port: ctx.target.proxyPort,
    hostHeader: '127.0.0.1',
    count: plan.n,
    channels: plan.channels,
    pathPrefix: plan.pathPrefix,
    channelPrefix: plan.channelPrefix,
    maxPending: pendingPerProc(ctx.args, ctx.fleet.size),
    // 180 s, or 2 ms per stream for large N (200,000 streams at ~1,100/s take about three minutes).
    deadlineMs: Math.max(180_000, plan.n * 2),
    kind: plan.kind,
  });
  ctx.note(`opened ${opened.established}/${plan.n} in ${(opened.elapsedMs / 1000).toFixed(1)} s, ${opened.failed} failed${opened.firstFailure ? ` (first: ${opened.firstFailure})` : ''}`);
  await sleep(1000);
  const idleCpu = cpuWindow(ctx.target.pids);
  await sleep(plan.holdS * 1000);
  const idleCpuPct = idleCpu();
  const held = readMemory(ctx.target);
  const heldGc = beforeGc ? await readMemoryAfterGc(ctx.target, ctx.note) : undefined;
  const mb = (kb: number | undefined): string => (kb === undefined ? '–' : (kb / 1024).toFixed(1));
  ctx.note(`RSS MiB before ${mb(before.rssKb)} (after GC ${mb(beforeGc?.rssKb)}), held ${mb(held.rssKb)} (after GC ${mb(heldGc?.rssKb)})`);
  const alive = (await ctx.fleet.collect(false)).alive;
  return {
    opened,
    metrics: {
      established: opened.established,
      failed: opened.failed,
      held_before_first_error: opened.heldBeforeFirstError,
      held_after_hold: alive,
      open_s: opened.elapsedMs / 1000,
      accept_per_s: perSecond(opened.established, opened.elapsedMs),
      ...heldMemoryMetrics({ before, held, beforeGc, heldGc }, opened.established),
      idle_cpu_pct: idleCpuPct,
    },
  };
}
