/** Pure statistics for the benchmark: percentiles, medians over runs, ratios. No I/O, no clock. */

/**
 * The p-th percentile (0..100) of `sorted` (ascending), nearest-rank method: the smallest value such that at
 * least p % of the values are less than or equal to it. NaN for an empty list; throws on a bad p.
 */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile: p must be within 0..100, got ${p}`);
  const n = sorted.length;
  if (n === 0) return NaN;
  const rank = Math.max(1, Math.ceil((p / 100) * n));
  return sorted[rank - 1] as number;
}

/** A sorted copy (ascending, numeric) as a Float64Array, for `percentile`. */
export function sortedCopy(values: ArrayLike<number>): Float64Array {
  const copy = Float64Array.from(values);
  copy.sort();
  return copy;
}

/** Latency summary in the unit of the input (the bench uses ms). */
export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

/** Count, p50, p99 and max of unsorted values (NaN percentiles when empty). */
export function latencySummary(values: ArrayLike<number>): LatencySummary {
  const sorted = sortedCopy(values);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.length > 0 ? (sorted[sorted.length - 1] as number) : NaN,
  };
}

/** The median (mean of the two middle values for an even count); NaN when empty. */
export function median(values: readonly number[]): number {
  const finite = values.filter((v) => !Number.isNaN(v));
  if (finite.length === 0) return NaN;
  const sorted = [...finite].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export interface Spread {
  median: number;
  min: number;
  max: number;
  runs: number;
}

/** Median, min and max of one metric over runs (NaN runs, e.g. a metric a run could not measure, are ignored). */
export function spread(values: readonly number[]): Spread {
  const finite = values.filter((v) => !Number.isNaN(v));
  return {
    median: median(finite),
    min: finite.length > 0 ? Math.min(...finite) : NaN,
    max: finite.length > 0 ? Math.max(...finite) : NaN,
    runs: finite.length,
  };
}

/** For each metric name present in any run, its spread over the runs. */
export function spreadAll(runs: ReadonlyArray<Readonly<Record<string, number>>>): Record<string, Spread> {
  const names: string[] = [];
  for (const run of runs) for (const name of Object.keys(run)) if (!names.includes(name)) names.push(name);
  const out: Record<string, Spread> = {};
  for (const name of names) out[name] = spread(runs.map((run) => run[name] ?? NaN));
  return out;
}

/** a / b, or NaN when either is not a finite number or b is 0. */
export function ratio(a: number, b: number): number {
  if (!Number.isFinite(a) || !Number.isFinite(b) || b === 0) return NaN;
  return a / b;
}

/** Events per second for `count` events over `ms` milliseconds (NaN for an empty window). */
export function perSecond(count: number, ms: number): number {
  return ms > 0 ? (count * 1000) / ms : NaN;
}
