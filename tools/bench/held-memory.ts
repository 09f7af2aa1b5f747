/**
 * The proxy's resident memory around held connections: plain readings, and with `--gc` readings after a
 * forced full GC in every Thumbtack process (run under `node --expose-gc`, a Thumbtack process collects on
 * SIGUSR2). Pushpin's processes are never signalled: their "after GC" reading is the plain one.
 */
import { constants } from 'node:os';
import { catchesSignal, measure } from './proc-stats';
import type { RunMetrics } from './scenario-kit';
import type { Target } from './targets';

/** How long a forced GC is given before RSS is read again (ms). */
export const GC_SETTLE_MS = 1_500;

export interface MemoryReading {
  /** Sum over the proxy's processes, KiB. */
  rssKb: number;
  /** By process name, KiB. */
  rssByName: Record<string, number>;
}

/** Memory of the proxy's processes now. */
export function readMemory(target: Target): MemoryReading {
  const t = measure(target.pids);
  return { rssKb: t.rssKb, rssByName: t.rssByName };
}

/**
 * Thumbtack: sends SIGUSR2 to each of its processes that handles it, waits `GC_SETTLE_MS` and reads RSS;
 * undefined (with a note) when none handles it, since SIGUSR2 would end a Node process without a handler.
 * Any other target: no signal, the plain reading.
 */
export async function readMemoryAfterGc(target: Target, note: (line: string) => void): Promise<MemoryReading | undefined> {
  if (target.name !== 'thumbtack') return readMemory(target);
  const signo = constants.signals.SIGUSR2;
  const handlers = target.pids.filter((pid) => catchesSignal(pid, signo));
  if (handlers.length === 0) {
    note('no Thumbtack process handles SIGUSR2 (its --expose-gc handler): rss_per_conn_gc_kb not measured');
    return undefined;
  }
  for (const pid of handlers) {
    try {
      process.kill(pid, 'SIGUSR2');
    } catch {
      // exited meanwhile: its memory is not read either
    }
  }
  await new Promise((r) => setTimeout(r, GC_SETTLE_MS));
  return readMemory(target);
}

/** Readings of one run: before the first connection and while holding them; `Gc` ones only with `--gc`. */
export interface HeldReadings {
  before: MemoryReading;
  held: MemoryReading;
  beforeGc?: MemoryReading;
  heldGc?: MemoryReading;
}

/**
 * Memory metrics for `established` held connections: baseline and held totals (MiB), RSS per connection
 * (KiB, also per process name as `rss_per_conn_kb[<name>]`), and `rss_per_conn_gc_kb` when both GC
 * readings exist. Per-connection figures are NaN with no connection.
 */
export function heldMemoryMetrics(r: HeldReadings, established: number): RunMetrics {
  const per = (after: number, before: number): number => (established > 0 ? (after - before) / established : NaN);
  const metrics: RunMetrics = {
    rss_baseline_mb: r.before.rssKb / 1024,
    rss_held_mb: r.held.rssKb / 1024,
    rss_per_conn_kb: per(r.held.rssKb, r.before.rssKb),
  };
  if (r.beforeGc && r.heldGc) {
    metrics.rss_held_gc_mb = r.heldGc.rssKb / 1024;
    metrics.rss_per_conn_gc_kb = per(r.heldGc.rssKb, r.beforeGc.rssKb);
  }
  if (established > 0) {
    for (const [name, kb] of Object.entries(r.held.rssByName)) metrics[`rss_per_conn_kb[${name}]`] = per(kb, r.before.rssByName[name] ?? 0);
  }
  return metrics;
}
