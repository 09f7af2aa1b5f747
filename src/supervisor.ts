import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { ThumbtackConfig } from './config/config';
import { loadRouteLines, loadRoutesFile, type LoadedRoutes } from './config/routes-loader';
import type { Logger } from './core/logger';
import { Monitoring } from './metrics/monitoring';
import { localWorkers, remoteWorkers } from './metrics/worker-source';
import type { RouteTableRef } from './proxy/proxy-server';
import type { Bus } from './publish/bus';
import { HttpIntake } from './publish/http-intake';
import { InProcessBus } from './publish/in-process-bus';
import { buildPublishAuth } from './publish/publish-auth';
import type { PublishItem } from './publish/item-types';
import { PublishPipeline } from './publish/publish-pipeline';
import { resolveZmqSpecs, ZmqServices, type ZmqSpecs } from './publish/zmq-services';
import { Worker } from './worker';
import type { LogLevel } from './core/logger';
import { WorkerPool } from './cluster/worker-pool';
import { ZmqBusServer } from './cluster/zmq-bus';
import { LAUNCHER_NODE_FLAGS, setsSemiSpace } from './cluster/launcher-flags';
import { capYoungGeneration, SUPERVISOR_SEMI_SPACE_MB } from './core/young-generation';
import { resolveWorkerCount, workerMaxconn } from './cluster/worker-count';

export interface ThumbtackOptions {
  config: ThumbtackConfig;
  logger: Logger;
  /** `--route` lines: replace the routes file entirely. */
  routeLines?: readonly string[];
  /** `--port`: listen on this single client address instead of `http_port`. */
  listenOverride?: { host?: string; port: number };
  /**
   * Override the publish port (tests pass 0 for an ephemeral port; then every ZeroMQ `tcp://` spec that
   * binds and is not in `zmqSpecs` also takes an ephemeral port, see `thumbtack.zmq.endpoints()`).
   */
  publishPortOverride?: number;
  /** ZeroMQ specs replacing the config's (`tcp://127.0.0.1:*`, a unique `ipc://` path, or '' to disable). */
  zmqSpecs?: Partial<ZmqSpecs>;
  backendTimeoutMs?: number;
  maxQueuedBytes?: number;
  /** Log level and format for worker processes (the supervisor's logger is passed in already made). */
  logLevel?: LogLevel;
  logFormat?: 'json' | 'text';
  /**
   * Steer V8's young generation in this process (core/young-generation.ts): the `thumbtack` command does;
   * tests and tools that embed Thumbtack in their own process leave it to V8.
   */
  steerYoungGeneration?: boolean;
}

/**
 * The supervisor: parses routes, owns the publish intakes and the bus, starts the worker(s), reloads the
 * routes file when it changes or on SIGHUP, and shuts everything down. With `workers=1` the worker runs in
 * this process and the bus is in-process; with more, worker processes are forked through node:cluster
 * (sharing the client port) and items reach them over the ZeroMQ bus.
 */
export class Thumbtack {
  readonly routes: RouteTableRef;
  readonly bus: Bus;
  /** The in-process worker (`workers=1`); undefined when worker processes are used. */
  readonly local?: Worker;
  /** The worker processes (`workers` > 1). */
  readonly pool?: WorkerPool;
  /** How many workers serve clients. */
  readonly workerCount: number;
  readonly intake: HttpIntake;
  /** PULL/SUB intakes, command socket, stats socket and collector. */
  readonly zmq: ZmqServices;
  /** `recover` requests received (HTTP and command socket). */
  recoveries = 0;
  /** True from the start of `close()`: `/health/ready` answers 503. */
  draining = false;
  /** `/metrics`, `/health/*` and the dashboard on `prometheus_port` (no server when it is not set). */
  readonly monitoring: Monitoring;
  /** Sequencing, duplicate suppression and history between the intakes and the bus. */
  readonly pipeline: PublishPipeline;
  proxyPorts: number[] = [];
  publishPort = 0;
  private watcher?: FSWatcher;
  /** A configuration problem that must stop `start()` (an unusable publish auth key: fail closed). */
  private startError?: string;
  private reloadTimer?: NodeJS.Timeout;
  private stopYoungGenerationCap?: () => void;
  private readonly onSighup = (): void => {
    this.reloadRoutes('SIGHUP');
  };

  constructor(private readonly opts: ThumbtackOptions) {
    const { config, logger } = opts;
    const initial = this.readRoutes();
    for (const problem of initial.problems) logger.warn(problem);
    logger.info(`routes loaded with ${initial.table.size} entries`);
    this.routes = { current: initial.table };
    // History replay reads the history in this process: with it on and workers left to Thumbtack, run one.
    this.workerCount = config.historyMaxItems > 0 && config.workers === 0 ? 1 : resolveWorkerCount(config);
    if (config.historyMaxItems > 0 && this.workerCount > 1) {
      logger.warn('history_max_items is set but workers > 1: worker processes cannot replay the history yet; set workers=1');
    }
    const busServer = this.workerCount > 1 ? new ZmqBusServer(`ipc://${config.rundir}/${config.ipcPrefix}thumbtack-bus-${process.pid}`, logger) : undefined;
    this.bus = busServer ?? new InProcessBus();
    this.pipeline = new PublishPipeline({
      bus: this.bus,
      logger: logger.child({ component: 'publish' }),
      messageWaitMs: config.messageWait,
      idCacheTtlSec: config.idCacheTtl,
      history: { maxItems: config.historyMaxItems, maxAgeSec: config.historyMaxAge, maxBytes: config.historyMaxBytes },
    });
    this.zmq = new ZmqServices({
      config,
      specs: resolveZmqSpecs(config, opts.zmqSpecs, opts.publishPortOverride === 0),
      logger,
      bus: this.bus,
      publish: (items) => this.publish(items),
      recover: () => this.recover(),
    });
    if (!setsSemiSpace(process.execArgv, process.env.NODE_OPTIONS)) {
      logger.info(`V8's default young generation: run bin/thumbtack.js itself (or node ${LAUNCHER_NODE_FLAGS.join(' ')}) for its throughput`);
    }
    if (busServer) {
      // The launcher's young generation is for a process that serves clients; this one hands them on.
      if (opts.steerYoungGeneration && process.execArgv.some((a) => LAUNCHER_NODE_FLAGS.includes(a))) {
        this.stopYoungGenerationCap = capYoungGeneration(SUPERVISOR_SEMI_SPACE_MB);
        logger.debug(`young generation: grows to ${SUPERVISOR_SEMI_SPACE_MB} MB semi-spaces at most in the supervisor`);
      }
      // Worker processes: the history and the last-id table stay here (documented: no replay across processes).
      this.pool = new WorkerPool(
        this.workerCount,
        {
          // client_maxconn is for the whole instance: each worker gets its share plus some slack (see workerMaxconn).
          config: { ...config, clientMaxconn: workerMaxconn(config.clientMaxconn, this.workerCount) },
          routesText: this.routesText(),
          routesFile: opts.routeLines ? '--route' : config.routesFile,
          busEndpoint: `ipc://${config.rundir}/${config.ipcPrefix}thumbtack-bus-${process.pid}`,
          listen: opts.listenOverride ? [opts.listenOverride] : config.httpPorts,
          backendTimeoutMs: opts.backendTimeoutMs,
          maxQueuedBytes: opts.maxQueuedBytes,
          logLevel: opts.logLevel ?? (Math.max(0, Math.min(3, config.logLevel)) as LogLevel),
          logFormat: opts.logFormat ?? 'json',
        },
        logger,
        this.zmq.stats,
        (pid) => busServer.workerConnected(pid),
      );
      const pool = this.pool;
      busServer.onSent((seq) => pool.busSent(seq));
    } else {
      this.local = new Worker({
        config,
        bus: this.bus,
        logger,
        routes: this.routes,
        backendTimeoutMs: opts.backendTimeoutMs,
        maxQueuedBytes: opts.maxQueuedBytes,
        stats: this.zmq.stats,
        publishLastIds: this.pipeline.lastIds,
        history: this.pipeline.historyReader(),
        steerYoungGeneration: opts.steerYoungGeneration,
      });
    }
    // The command socket's `refresh` reaches WebSocket-over-HTTP sessions through the worker(s).
    this.zmq.setRefreshHandler({
      connection: (cid) => {
        if (this.local) return this.local.websockets.refreshConnection(cid);
        if (!this.zmq.stats.hasConnection(cid)) return false;
        this.pool?.broadcast({ type: 'refresh', cid });
        return true;
      },
      channel: (channel) => {
        if (this.local) this.local.websockets.refreshChannel(channel);
        else this.pool?.broadcast({ type: 'refresh', channel });
      },
    });
    const auth = buildPublishAuth(
      { basic: config.pushInHttpAuthBasic, token: config.pushInHttpAuthToken, jwtKeys: config.pushInHttpAuthJwtKeys },
      (path) => readFileSync(isAbsolute(path) ? path : resolve(config.configDir, path)),
    );
    if (!auth.ok) this.startError = auth.error.message;
    this.monitoring = new Monitoring({
      port: config.prometheusPort,
      prefix: config.prometheusPrefix,
      logger,
      stats: this.zmq.stats,
      publishCounters: this.pipeline.counters,
      workers: this.pool ? remoteWorkers((req) => (this.pool as WorkerPool).ask(req)) : localWorkers(() => (this.local ? [this.local.monitor] : [])),
      dashboardHold: this.local?.hold,
      health: () => ({
        draining: this.draining,
        links: (this.zmq.sub?.links() ?? []).map((link) => ({ kind: 'zmq-sub', ...link })),
      }),
      publish: (items) => this.publish(items),
      hasSubscribers: (channel) => this.bus.hasSubscribers(channel),
    });
    this.intake = new HttpIntake({
      maxHeadersSize: config.pushInHttpMaxHeadersSize,
      maxBodySize: config.pushInHttpMaxBodySize,
      logger: logger.child({ component: 'publish-http' }),
      // With worker processes a publish is answered once they have applied it (applied-tracker.ts).
      onItems: (items) => {
        this.publish(items);
        return busServer && this.pool ? this.pool.publishGate(busServer.pendingSeq()) : undefined;
      },
      onRecover: () => this.recover(),
      auth: auth.ok ? auth.value : undefined,
    });
  }

  /** The single entry point for validated items from every intake: sequencing, id cache, history, then the bus. */
  publish(items: readonly PublishItem[]): void {
    // One timestamp per call: the workers observe publish-to-write latency from it.
    const acceptedAt = performance.timeOrigin + performance.now();
    for (const item of items) item.acceptedAt = acceptedAt;
    this.zmq.stats.itemsReceived(items);
    this.pipeline.publish(items);
  }

  /**
   * `recover` (HTTP `POST /recover`, command socket): every channel's last id is forgotten and every held
   * HTTP session updated (long-polls re-requested, streams with a next link fetch it), rate-limited.
   */
  recover(): void {
    this.recoveries++;
    this.opts.logger.info('recover requested');
    this.pipeline.recover();
    this.local?.recover();
    this.pool?.broadcast({ type: 'recover' });
  }

  async start(): Promise<void> {
    const { config, logger } = this.opts;
    if (this.startError !== undefined) throw new Error(this.startError);
    const listen = this.opts.listenOverride ? [this.opts.listenOverride] : config.httpPorts;
    if (this.bus instanceof ZmqBusServer) await this.bus.start();
    // The publish side first: a client that is held can then be published to at once.
    this.publishPort = await this.intake.listen(this.opts.publishPortOverride ?? config.pushInHttpPort, config.pushInHttpAddr);
    if (!this.intake.authenticated && !isLoopback(config.pushInHttpAddr)) {
      logger.warn('the HTTP publish API is reachable beyond loopback and has no authentication (see push_in_http_auth_*)', {
        addr: config.pushInHttpAddr,
      });
    }
    await this.zmq.start();
    await this.monitoring.start();
    // Watch the routes before accepting clients, so no change made after start-up goes unseen.
    if (!this.opts.routeLines) this.watchRoutes();
    process.on('SIGHUP', this.onSighup);
    this.proxyPorts = this.local ? await this.local.listen(listen) : await (this.pool as WorkerPool).start();
    logger.info('thumbtack started', { http: this.proxyPorts, publish: `${config.pushInHttpAddr}:${this.publishPort}` });
  }

  /** Re-reads the routes; a file with any bad line keeps the old routes in force and says why. */
  reloadRoutes(why: string): boolean {
    const { logger } = this.opts;
    const loaded = this.readRoutes();
    if (loaded.problems.length > 0) {
      for (const problem of loaded.problems) logger.error(problem);
      logger.error(`routes reload (${why}) rejected: keeping the ${this.routes.current.size} routes in force`);
      return false;
    }
    this.routes.current = loaded.table;
    this.pool?.updateRoutes(this.routesText(), this.opts.config.routesFile);
    logger.info(`routes loaded with ${loaded.table.size} entries`, { why });
    return true;
  }

  async close(): Promise<void> {
    this.draining = true;
    process.off('SIGHUP', this.onSighup);
    this.watcher?.close();
    if (this.reloadTimer) clearTimeout(this.reloadTimer);
    this.stopYoungGenerationCap?.();
    await Promise.all([this.local?.close(), this.pool?.close(), this.intake.close()]);
    await this.zmq.close();
    this.pipeline.close();
    await this.bus.close();
    await this.monitoring.close();
  }

  /** The in-process worker; throws when worker processes are used (tests and tools run with workers=1). */
  get worker(): Worker {
    if (!this.local) throw new Error(`no in-process worker: ${this.workerCount} worker processes are running`);
    return this.local;
  }

  /** The routes text in force (file or `--route` lines), as worker processes parse it. */
  private routesText(): string {
    if (this.opts.routeLines) return this.opts.routeLines.join('\n');
    try {
      return readFileSync(this.opts.config.routesFile, 'utf8');
    } catch {
      return '';
    }
  }

  private readRoutes(): LoadedRoutes {
    return this.opts.routeLines ? loadRouteLines(this.opts.routeLines) : loadRoutesFile(this.opts.config.routesFile);
  }

  /** Watches the routes file's folder (editors replace files) and reloads about 1 s after a change. */
  private watchRoutes(): void {
    const file = this.opts.config.routesFile;
    try {
      this.watcher = watch(dirname(file), (_event, name) => {
        if (name !== null && name !== basename(file)) return;
        if (this.reloadTimer) clearTimeout(this.reloadTimer);
        this.reloadTimer = setTimeout(() => this.reloadRoutes('file changed'), 1000);
      });
      this.watcher.on('error', (err) => this.opts.logger.warn('routes watcher failed', { error: err.message }));
    } catch (err) {
      this.opts.logger.warn('cannot watch the routes file; reload with SIGHUP', { error: (err as Error).message });
    }
  }
}

/** Whether a listen address is on the loopback interface only. */
function isLoopback(addr: string): boolean {
  return addr === 'localhost' || addr === '::1' || addr === '[::1]' || /^127\./.test(addr);
}
