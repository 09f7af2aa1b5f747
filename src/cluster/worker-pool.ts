import cluster, { type Worker as ClusterWorker } from 'node:cluster';
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { dirname, join, resolve } from 'node:path';
import type { Logger } from '../core/logger';
import type { MonitorReply, MonitorRequest } from '../metrics/worker-source';
import type { StatsEvents } from '../stats/stats-events';
import { AppliedTracker } from './applied-tracker';
import { WORKER_SETUP_ENV, type FromWorker, type ToWorker, type WorkerSetup } from './messages';
import { replayStats } from './stats-forwarder';

/** Seconds a worker is given to drain on shutdown before it is killed. */
const SHUTDOWN_TIMEOUT_MS = 5000;
/** Delay before a dead worker is replaced (a crash loop then costs little). */
const RESTART_DELAY_MS = 500;
/** Milliseconds a `monitor` round waits for the workers' replies (the late or dead are left out). */
const MONITOR_TIMEOUT_MS = 2000;
/** Milliseconds a publish waits for the workers to apply it before it is answered anyway. */
const APPLIED_WAIT_MS = 1000;
/** Publishes are answered at once while the workers are at most this far behind (ms); later, once applied. */
const BACKLOG_AGE_MS = 2;

/** A `monitor` round waiting for replies. */
interface MonitorRound {
  waiting: Set<ClusterWorker>;
  replies: MonitorReply[];
  done: () => void;
}

/** The compiled worker entry point: `dist/src/cluster/worker-process.js` under the package root. */
export function workerEntryPoint(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return resolve(dir, 'dist', 'src', 'cluster', 'worker-process.js');
}

/**
 * The supervisor's worker processes: forks `count` of them with node:cluster (they share the client port),
 * replays their stats, relays commands to all of them, and replaces a worker that dies.
 */
export class WorkerPool {
  private readonly workers = new Set<ClusterWorker>();
  private closing = false;
  private readonly rounds = new Map<number, MonitorRound>();
  private nextRound = 0;
  private readonly applied = new AppliedTracker<ClusterWorker>();
  /** The last bus message sent (`busSent`): a worker joining owes none up to it. */
  private lastSentSeq = 0;
  /** Workers that died and were replaced. */
  restarts = 0;
  ports: number[] = [];

  constructor(
    private readonly count: number,
    private readonly setup: WorkerSetup,
    private readonly logger: Logger,
    private readonly stats: StatsEvents,
    /** Resolves once the worker with this pid receives every bus item (its SUB socket is connected). */
    private readonly busConnected: (pid: string) => Promise<void> = () => Promise.resolve(),
  ) {}

  /** The bus sent message `seq`. */
  busSent(seq: number): void {
    this.lastSentSeq = seq;
    this.applied.sent(seq, performance.now());
  }

  /**
   * When to answer a publish whose items are in bus message `seq`: now (undefined) while the workers are
   * less than BACKLOG_AGE_MS behind; else once every live worker has applied `seq` (handed its items to
   * the subscribers' sockets), or after APPLIED_WAIT_MS.
   */
  publishGate(seq: number): Promise<void> | undefined {
    if (this.applied.backlogAgeMs(performance.now()) <= BACKLOG_AGE_MS) return undefined;
    return this.applied.whenApplied(seq, APPLIED_WAIT_MS);
  }

  /** Forks every worker and resolves with the client ports once all of them listen. */
  async start(): Promise<number[]> {
    const entry = workerEntryPoint();
    if (!existsSync(entry)) throw new Error(`worker entry point ${entry} is missing: run npm run build`);
    // Read by node:cluster at its first setupPrimary and fixed from then on (one supervisor per process).
    cluster.schedulingPolicy = this.setup.config.workerAccept === 'kernel' ? cluster.SCHED_NONE : cluster.SCHED_RR;
    // Workers run with the supervisor's Node flags (node:cluster's default), the launcher's young generation
    // included: each worker lets it grow only while it has few client connections (core/young-generation.ts).
    cluster.setupPrimary({ exec: entry, args: [], silent: false });
    const ready = Array.from({ length: this.count }, () => this.fork());
    const ports = await Promise.all(ready);
    this.ports = ports[0] ?? [];
    return this.ports;
  }

  /** New routes for every live worker, and for any worker started later (a replacement). */
  updateRoutes(text: string, file: string): void {
    this.setup.routesText = text;
    this.setup.routesFile = file;
    this.broadcast({ type: 'routes', text, file });
  }

  /** Sends a command to every live worker. */
  broadcast(message: ToWorker): void {
    for (const w of this.workers) if (w.isConnected()) w.send(message);
  }

  get size(): number {
    return this.workers.size;
  }

  /**
   * Asks every live worker a monitoring question (metrics snapshot, dashboard part, close a connection)
   * and resolves with the replies that arrive within MONITOR_TIMEOUT_MS.
   */
  ask(request: MonitorRequest): Promise<MonitorReply[]> {
    const id = ++this.nextRound;
    const live = [...this.workers].filter((w) => w.isConnected());
    if (live.length === 0) return Promise.resolve([]);
    return new Promise((resolve) => {
      const round: MonitorRound = {
        waiting: new Set(live),
        replies: [],
        done: () => {
          clearTimeout(timer);
          this.rounds.delete(id);
          resolve(round.replies);
        },
      };
      const timer = setTimeout(round.done, MONITOR_TIMEOUT_MS);
      timer.unref();
      this.rounds.set(id, round);
      for (const w of live) w.send({ type: 'monitor', id, request } satisfies ToWorker);
    });
  }

  /** A worker answered (or died: `reply` undefined); a round ends when every worker it asked is accounted for. */
  private settleRound(worker: ClusterWorker, id: number | undefined, reply?: MonitorReply): void {
    const rounds = id === undefined ? [...this.rounds.values()] : [this.rounds.get(id)];
    for (const round of rounds) {
      if (!round || !round.waiting.delete(worker)) continue;
      if (reply) round.replies.push(reply);
      if (round.waiting.size === 0) round.done();
    }
  }

  /** Pids of the live workers (for benchmarks and tests). */
  pids(): number[] {
    return [...this.workers].map((w) => w.process.pid ?? 0);
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(
      [...this.workers].map(
        (w) =>
          new Promise<void>((done) => {
            if (w.isDead()) return done();
            const timer = setTimeout(() => {
              w.process.kill('SIGKILL');
            }, SHUTDOWN_TIMEOUT_MS);
            w.once('exit', () => {
              clearTimeout(timer);
              done();
            });
            if (w.isConnected()) w.send({ type: 'shutdown' } satisfies ToWorker);
            else w.process.kill('SIGTERM');
          }),
      ),
    );
  }

  /** Forks one worker; resolves with its ports when it says it is ready (rejects if it dies first). */
  private fork(): Promise<number[]> {
    const worker = cluster.fork({ [WORKER_SETUP_ENV]: JSON.stringify(this.setup) });
    this.workers.add(worker);
    // A message sent as a worker dies fails with EPIPE; its 'exit' handles the rest.
    worker.on('error', (err) => this.logger.warn('worker channel error', { worker: worker.id, error: err.message }));
    return new Promise((resolveReady, rejectReady) => {
      let ready = false;
      worker.on('message', (message: FromWorker) => {
        if (message.type === 'stats') replayStats(message.events, this.stats);
        else if (message.type === 'applied') this.applied.ack(worker, message.seq);
        else if (message.type === 'monitor') this.settleRound(worker, message.id, message.reply);
        else if (message.type === 'ready') {
          ready = true;
          this.busConnected(String(worker.process.pid)).then(() => {
            this.applied.join(worker, this.lastSentSeq);
            resolveReady(message.ports);
          }, rejectReady);
        }
      });
      worker.once('exit', (code, signal) => {
        this.workers.delete(worker);
        this.applied.leave(worker);
        this.settleRound(worker, undefined);
        if (!ready) {
          rejectReady(new Error(`worker ${worker.id} exited before it was ready (code ${code}, signal ${signal})`));
          return;
        }
        if (this.closing) return;
        this.restarts++;
        this.logger.error('worker died; starting a new one', { worker: worker.id, code, signal });
        setTimeout(() => {
          if (this.closing) return;
          this.fork().catch((err: unknown) => this.logger.error('replacement worker failed', { error: String(err) }));
        }, RESTART_DELAY_MS);
      });
    });
  }
}
