/**
 * The load generator as seen from the runner: several `load-worker` processes, each under the per-process
 * file limit and bound to its own source address, driven over IPC. Work is split evenly between them.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { CollectResult, HttpLoadResult, OpenResult, WorkerCommand, WorkerReply } from './worker-protocol';
import { track, untrack } from './children';

/** Streams one load-generator process may hold: its open-file limit is 20,000 here, minus a margin. */
export const MAX_STREAMS_PER_PROC = 15_000;

type Waiter = { resolve: (reply: WorkerReply) => void; reject: (err: Error) => void; timer: NodeJS.Timeout };
/** A command without its id (distributes over the union, unlike a plain Omit). */
type Unsent<T> = T extends unknown ? Omit<T, 'id'> : never;
type CommandBody<T extends WorkerCommand['type']> = Omit<Extract<WorkerCommand, { type: T }>, 'id' | 'localAddress'>;

class WorkerHandle {
  private nextId = 1;
  private readonly waiters = new Map<number, Waiter>();
  readonly ready: Promise<void>;

  constructor(
    readonly proc: ChildProcess,
    readonly localAddress: string,
  ) {
    let markReady: () => void = () => undefined;
    this.ready = new Promise((resolve) => (markReady = resolve));
    proc.on('message', (reply: WorkerReply) => {
      if (reply.type === 'ready') return markReady();
      const waiter = this.waiters.get(reply.id);
      if (!waiter) return;
      this.waiters.delete(reply.id);
      clearTimeout(waiter.timer);
      if (reply.type === 'error') waiter.reject(new Error(`load worker: ${reply.message}`));
      else waiter.resolve(reply);
    });
    proc.on('exit', (code) => {
      for (const waiter of this.waiters.values()) {
        clearTimeout(waiter.timer);
        waiter.reject(new Error(`load worker exited (${code})`));
      }
      this.waiters.clear();
    });
  }

  /** Sends one command; rejects when no reply comes within `timeoutMs`. */
  call(cmd: Unsent<WorkerCommand>, timeoutMs: number): Promise<WorkerReply> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(id);
        reject(new Error(`load worker did not answer ${cmd.type} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.set(id, { resolve, reject, timer });
      this.proc.send({ ...cmd, id });
    });
  }
}

/** Splits `total` into `parts` near-equal whole shares. */
export function split(total: number, parts: number): number[] {
  const base = Math.floor(total / parts);
  return Array.from({ length: parts }, (_, i) => base + (i < total % parts ? 1 : 0));
}

export interface OpenTotals {
  established: number;
  failed: number;
  firstFailure?: string;
  /** Per worker: established when its first failure happened (or all it established), summed. */
  heldBeforeFirstError: number;
  /** From the first connect to the last established, over all workers (ms). */
  elapsedMs: number;
  /** With `timings`: ms from connect() to the response head, per established connection, all workers. */
  connectMs?: number[];
}

/** The load-generator processes of one run; `start` them, drive them, `stop` them. */
let fleets = 0;

/** `127.N.M`: a /24 for one fleet, different for consecutive fleets (the clock, the process, a counter). */
export function sourceNet(nowMs = Date.now(), pid = process.pid, count = fleets++): string {
  const slot = (Math.floor(nowMs / 1000) + pid * 7 + count * 13) % (250 * 250);
  return `127.${1 + Math.floor(slot / 250)}.${1 + (slot % 250)}`;
}

export class Fleet {
  private constructor(private readonly workers: WorkerHandle[]) {}

  /**
   * Starts `procs` load-generator processes with source addresses 127.N.M.2, 127.N.M.3, … (all of 127/8 is
   * loopback). N.M changes from one fleet to the next, so a run does not meet the TIME_WAIT sockets of the
   * run before it on the same addresses and ports.
   */
  static async start(procs: number): Promise<Fleet> {
    const script = join(__dirname, 'load-worker.js');
    const workers: WorkerHandle[] = [];
    const net24 = sourceNet();
    for (let i = 0; i < procs; i++) {
      const proc = fork(script, [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      track(proc);
      workers.push(new WorkerHandle(proc, `${net24}.${2 + i}`));
    }
    const fleet = new Fleet(workers);
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('load workers did not start')), 15_000).unref());
    await Promise.race([Promise.all(workers.map((w) => w.ready)), timeout]);
    return fleet;
  }

  get pids(): number[] {
    return this.workers.map((w) => w.proc.pid ?? 0).filter((pid) => pid > 0);
  }

  get size(): number {
    return this.workers.length;
  }

  /**
   * Opens `count` streams (SSE, or WebSockets with `kind: 'ws'`) split over the workers; channel numbers run
   * round-robin over all of them.
   */
  async openStreams(body: Omit<CommandBody<'open'>, 'type' | 'offset'>): Promise<OpenTotals> {
    const shares = split(body.count, this.workers.length);
    let offset = 0;
    const results = await Promise.all(
      this.workers.map((w, i) => {
        const count = shares[i] as number;
        const cmd = { ...body, type: 'open' as const, count, offset, localAddress: w.localAddress };
        offset += count;
        return w.call(cmd, body.deadlineMs + 15_000).then((r) => (r as { result: OpenResult }).result);
      }),
    );
    const start = Math.min(...results.map((r) => r.startedAt));
    const last = Math.max(...results.map((r) => r.lastEstablishedAt));
    const failures = results.filter((r) => r.firstFailure !== undefined);
    return {
      established: results.reduce((s, r) => s + r.established, 0),
      failed: results.reduce((s, r) => s + r.failed, 0),
      firstFailure: failures[0]?.firstFailure,
      heldBeforeFirstError: results.reduce((s, r) => s + (r.establishedAtFirstFailure >= 0 ? r.establishedAtFirstFailure : r.established), 0),
      elapsedMs: last - start,
      ...(body.timings ? { connectMs: results.flatMap((r) => r.connectMs ?? []) } : {}),
    };
  }

  /** Delivery counters of all workers; with `reset`, also their latencies, and the counters start over. */
  async collect(reset: boolean): Promise<CollectResult> {
    const results = await Promise.all(
      this.workers.map((w) => w.call({ type: 'collect', reset }, 30_000).then((r) => (r as { result: CollectResult }).result)),
    );
    const firsts = results.map((r) => r.firstArrival).filter((t) => t > 0);
    return {
      deliveries: results.reduce((s, r) => s + r.deliveries, 0),
      keepAlives: results.reduce((s, r) => s + r.keepAlives, 0),
      alive: results.reduce((s, r) => s + r.alive, 0),
      closed: results.reduce((s, r) => s + r.closed, 0),
      firstArrival: firsts.length > 0 ? Math.min(...firsts) : 0,
      lastArrival: Math.max(0, ...results.map((r) => r.lastArrival)),
      latencies: results.flatMap((r) => r.latencies),
    };
  }

  /** Keep-alive request loops, `concurrency` connections split over the workers, for `durationMs`. */
  async httpLoad(body: Omit<CommandBody<'http-load'>, 'type'>): Promise<HttpLoadResult> {
    const shares = split(body.concurrency, this.workers.length);
    const results = await Promise.all(
      this.workers
        .map((w, i) => ({ w, concurrency: shares[i] as number }))
        .filter((x) => x.concurrency > 0)
        .map(({ w, concurrency }) =>
          w
            .call({ ...body, type: 'http-load', concurrency, localAddress: w.localAddress }, body.durationMs + 20_000)
            .then((r) => (r as { result: HttpLoadResult }).result),
        ),
    );
    return {
      ok: results.reduce((s, r) => s + r.ok, 0),
      other: results.reduce((s, r) => s + r.other, 0),
      errors: results.reduce((s, r) => s + r.errors, 0),
      elapsedMs: Math.max(...results.map((r) => r.elapsedMs)),
    };
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.call({ type: 'close-all' }, 30_000)));
  }

  /** Ends the worker processes (they also exit on their own when this process goes away). */
  async stop(): Promise<void> {
    await Promise.all(
      this.workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w.proc.exitCode !== null || w.proc.signalCode !== null) return resolve();
            w.proc.once('exit', () => resolve());
            w.proc.kill('SIGTERM');
            setTimeout(() => w.proc.kill('SIGKILL'), 5_000).unref();
          }),
      ),
    );
    for (const w of this.workers) untrack(w.proc);
  }
}
