import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';

/**
 * Stops a running process's young generation from growing past a size. V8 sizes the young generation
 * from `--max-semi-space-size`, read once before any script runs, and grows it by
 * `--semi-space-growth-factor` each time enough survives; the factor is read at every growth, so setting
 * it to 1 once the cap is reached (a public API: `v8.setFlagsFromString`) keeps the young generation where
 * it is.
 *
 * Why: `bin/thumbtack.js` starts Node with 64 MB semi-spaces for the one process that serves clients
 * (launcher-flags.ts), and the flag must be given before the config says whether that process will serve
 * clients or supervise workers. A supervisor handing 200,000 connections to its workers grew its young
 * generation to the full 128 MB and kept it: ~96 MB more than V8's default, ~0.5 KB per connection
 * (docs/PERFORMANCE.md, ninth and tenth passes).
 */

/** The supervisor's semi-space cap when it runs worker processes, in MB: V8's own default on 64-bit. */
export const SUPERVISOR_SEMI_SPACE_MB = 16;

/** The young generation's size in bytes: both semi-spaces (what V8 reports as `new_space`). */
export function youngGenerationBytes(spaces: readonly { space_name: string; space_size: number }[]): number {
  return spaces.find((s) => s.space_name === 'new_space')?.space_size ?? 0;
}

/** Whether a young generation of `bytes` has reached a semi-space cap of `capMb`. */
export function reachedCap(bytes: number, capMb: number): boolean {
  return bytes >= 2 * capMb * 1024 * 1024;
}

/**
 * Caps the young generation at `capMb` semi-spaces from now on: at once when it is already there, else
 * once a GC finds it there (checked after each GC, at the end of the event loop's turn, then no more).
 * Growing takes a young generation's worth of survivors since the last growth, so a server grows at most
 * once a turn; a single turn that keeps more than that alive could grow it past the cap. Returns a
 * function that stops watching.
 */
export function capYoungGeneration(capMb: number): () => void {
  const freeze = (): void => setFlagsFromString('--semi-space-growth-factor=1');
  if (reachedCap(youngGenerationBytes(getHeapSpaceStatistics()), capMb)) {
    freeze();
    return () => undefined;
  }
  const observer = new PerformanceObserver(() => {
    if (!reachedCap(youngGenerationBytes(getHeapSpaceStatistics()), capMb)) return;
    freeze();
    observer.disconnect();
  });
  observer.observe({ entryTypes: ['gc'] });
  return () => observer.disconnect();
}
