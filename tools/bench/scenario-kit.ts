/** What every scenario receives and the small measuring tools they share. */
import { performance } from 'node:perf_hooks';
import type { BenchArgs } from './args';
import { MAX_STREAMS_PER_PROC, type Fleet } from './fleet';
import { measure } from './proc-stats';
import type { Backend, Target } from './targets';
import { runLane } from './request-lane';
import { publishBatchBody, publishBody, postJsonRequest, type PublishFormat } from './wire';

/** Numeric results of one run, by metric name (units in the name: _per_s, _ms, _kb, _pct, _mb). */
export type RunMetrics = Record<string, number>;

export interface ScenarioContext {
  args: BenchArgs;
  target: Target;
  backend: Backend;
  fleet: Fleet;
  /** Progress line on stderr. */
  note(line: string): void;
}

export interface ScenarioDef {
  name: string;
  /** The sizes this scenario uses with the given arguments, for the report. */
  params(args: BenchArgs): Record<string, number>;
  /** Load-generator processes needed for these arguments. */
  procs(args: BenchArgs): number;
  /** Whether the route to the backend carries `over_http` (WebSocket-over-HTTP). */
  overHttp?: boolean;
  run(ctx: ScenarioContext): Promise<RunMetrics>;
}

/** Wall-clock ms with sub-ms resolution, comparable with the load workers' clocks. */
export const now = (): number => performance.timeOrigin + performance.now();

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** CPU used by some processes over a window: seconds of CPU, and per cent of one core over the window. */
export interface CpuUse {
  cpuS: number;
  pct: number;
}

/** Starts a CPU measurement over `pids`; the returned function gives the CPU used since the start. */
export function cpuUse(pids: readonly number[]): () => CpuUse {
  const start = measure(pids).cpuS;
  const t0 = now();
  return () => {
    const seconds = (now() - t0) / 1000;
    const cpuS = measure(pids).cpuS - start;
    return { cpuS, pct: seconds > 0 ? (cpuS / seconds) * 100 : NaN };
  };
}

/** Starts a CPU measurement over `pids`; the returned function gives CPU % of one core since the start. */
export function cpuWindow(pids: readonly number[]): () => number {
  const use = cpuUse(pids);
  return () => use().pct;
}

/** Microseconds of CPU per counted unit, from CPU seconds (NaN without units). */
export function cpuMicrosPer(cpuS: number, units: number): number {
  return units > 0 ? (cpuS * 1e6) / units : NaN;
}

/**
 * Polls `read` every `everyMs` until `done(value)` holds, `timeoutMs` passes, or the value stops changing for
 * `stallMs`. Returns the last value read.
 */
export async function pollUntil<T>(read: () => Promise<T>, done: (v: T) => boolean, opts: { everyMs: number; timeoutMs: number; stallMs: number; key: (v: T) => number }): Promise<T> {
  const until = Date.now() + opts.timeoutMs;
  let value = await read();
  let lastKey = opts.key(value);
  let lastChange = Date.now();
  while (!done(value) && Date.now() < until && Date.now() - lastChange < opts.stallMs) {
    await sleep(opts.everyMs);
    value = await read();
    const key = opts.key(value);
    if (key !== lastKey) {
      lastKey = key;
      lastChange = Date.now();
    }
  }
  return value;
}

export interface PublishBurst {
  ok: number;
  failed: number;
  startedAt: number;
  endedAt: number;
}

/**
 * Publishes one single-item request per channel over `connections` keep-alive connections from this process;
 * each body carries the wall-clock time at which it is written, in `format`. Bounded by `timeoutMs`.
 */
export function publishEach(port: number, channels: readonly string[], connections: number, timeoutMs: number, format: PublishFormat = 'http-stream'): Promise<PublishBurst> {
  const startedAt = now();
  let next = 0;
  let ok = 0;
  let failed = 0;
  let lanes = Math.min(connections, channels.length);
  return new Promise((resolve) => {
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      resolve({ ok, failed: channels.length - ok, startedAt, endedAt: now() });
    };
    const timer = setTimeout(finish, timeoutMs);
    if (lanes === 0) return finish();
    for (let c = 0; c < lanes; c++) {
      runLane({
        port,
        next: () => {
          const channel = channels[next++];
          return channel === undefined ? undefined : postJsonRequest('/publish/', '127.0.0.1', publishBody(channel, now(), format));
        },
        onResponse: (status) => {
          if (status >= 200 && status < 300) ok++;
          else failed++;
        },
        onError: () => failed++,
        onDone: () => {
          if (--lanes === 0) finish();
        },
      });
    }
  });
}

/** Publishes one request carrying an item for each channel, stamped when written. Bounded by `timeoutMs`. */
export function publishBatch(port: number, channels: readonly string[], timeoutMs: number, format: PublishFormat = 'http-stream'): Promise<PublishBurst> {
  const startedAt = now();
  let sent = false;
  let ok = 0;
  return new Promise((resolve) => {
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      resolve({ ok, failed: channels.length - ok, startedAt, endedAt: now() });
    };
    const timer = setTimeout(finish, timeoutMs);
    runLane({
      port,
      next: () => {
        if (sent) return undefined;
        sent = true;
        return postJsonRequest('/publish/', '127.0.0.1', publishBatchBody(channels, now(), format));
      },
      onResponse: (status) => {
        if (status >= 200 && status < 300) ok = channels.length;
      },
      onError: () => undefined,
      onDone: finish,
      maxErrors: 1,
    });
  });
}

/** Default of `--pending`: streams being opened at once over all load processes. Pushpin 1.36 answers 502
 * to part of a burst of a few hundred simultaneous new requests, so the default stays at 100. */
export const DEFAULT_PENDING = 100;

/** Per load process share of `--pending`. */
export function pendingPerProc(args: BenchArgs, procs: number): number {
  return Math.max(1, Math.ceil((args.pending ?? DEFAULT_PENDING) / procs));
}

/**
 * Load-generator processes for `n` streams: as few as the file limit allows (each ≤ 15,000 streams). Every
 * process more adds wake-ups and context switches on the two cores the proxy runs on: fan-out to 10,000
 * subscribers read 55,000 deliveries/s with two processes and 69,000 with one (Pushpin: no change).
 */
export function procsFor(n: number, perProc = MAX_STREAMS_PER_PROC): number {
  return Math.max(1, Math.ceil(n / perProc));
}
