import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';

/**
 * Steering a running process's young generation. V8 sizes it from `--max-semi-space-size`, read once
 * before any script runs, and grows it by `--semi-space-growth-factor` each time enough has survived since
 * the last growth. That factor is read at every growth, so setting it to 1 (`v8.setFlagsFromString`, a
 * public API) keeps the young generation at its present size, and setting it back lets it grow again. V8
 * does not shrink a grown young generation by itself: a process idle for 27 s after a burst kept its 128 MB.
 *
 * Why (docs/PERFORMANCE.md, ninth and tenth passes): the launcher gives 64 MB semi-spaces, which a process
 * proxying requests needs (with less, the requests in flight at each scavenge are promoted and die in the
 * old generation), but a process that holds connections gains nothing from it and keeps what it grew to:
 * - a supervisor of worker processes hands connections on: its young generation stops at V8's default;
 * - a process serving clients lets it grow only while it has few open client connections: what survives a
 *   scavenge there is the connections themselves.
 */

/** The supervisor's semi-space cap when it runs worker processes, in MB: V8's own default on 64-bit. */
export const SUPERVISOR_SEMI_SPACE_MB = 16;

/** V8's growth factor (its default for `--semi-space-growth-factor`). */
export const V8_GROWTH_FACTOR = 2;

/**
 * Open client connections at which a serving process stops growing its young generation. Below it, the
 * held connections' survivors can still grow it a step or two: 15,000 idle streams over 3 workers cost
 * 7.7–7.9 KB each with 1,000 here, 6.1 with 250 (docs/PERFORMANCE.md, tenth pass).
 */
export const GROWTH_STOPS_AT_CONNECTIONS = 250;

/** Open client connections at or under which it may grow again (half of the above: no flapping). */
export const GROWTH_RESUMES_AT_CONNECTIONS = 125;

function setGrowthFactor(factor: number): void {
  setFlagsFromString(`--semi-space-growth-factor=${factor}`);
}

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
  const atCap = (): boolean => reachedCap(youngGenerationBytes(getHeapSpaceStatistics()), capMb);
  if (atCap()) {
    setGrowthFactor(1);
    return () => undefined;
  }
  const observer = new PerformanceObserver(() => {
    if (!atCap()) return;
    setGrowthFactor(1);
    observer.disconnect();
  });
  observer.observe({ entryTypes: ['gc'] });
  return () => observer.disconnect();
}

/**
 * Whether the young generation may grow with `connections` open, given whether it may now: it stops at
 * `stopAt` and resumes at or under `resumeAt`, and in between stays as it is.
 */
export function growthAllowed(growing: boolean, connections: number, stopAt: number, resumeAt: number): boolean {
  if (growing) return connections < stopAt;
  return connections <= resumeAt;
}

/**
 * Lets a serving process's young generation grow only while it has few open client connections. Told every
 * change of the count (one comparison each); touches V8 only when the answer changes.
 */
export class ConnectionGrowthPolicy {
  private growing = true;

  constructor(
    /** Told each change, after V8 was (the worker logs it). */
    private readonly onChange: (growing: boolean, connections: number) => void = () => undefined,
    private readonly stopAt = GROWTH_STOPS_AT_CONNECTIONS,
    private readonly resumeAt = GROWTH_RESUMES_AT_CONNECTIONS,
    private readonly setFactor: (factor: number) => void = setGrowthFactor,
  ) {}

  /** Whether the young generation may grow now. */
  get allowsGrowth(): boolean {
    return this.growing;
  }

  readonly connectionsChanged = (connections: number): void => {
    const next = growthAllowed(this.growing, connections, this.stopAt, this.resumeAt);
    if (next === this.growing) return;
    this.growing = next;
    this.setFactor(next ? V8_GROWTH_FACTOR : 1);
    this.onChange(next, connections);
  };
}
