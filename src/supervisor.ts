import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { ThumbtackConfig } from './config/config';
import { loadRouteLines, loadRoutesFile, type LoadedRoutes } from './config/routes-loader';
import type { Logger } from './core/logger';
import { Monitoring } from './metrics/monitoring';
import type { RouteTableRef } from './proxy/proxy-server';
import type { Bus } from './publish/bus';
import { HttpIntake } from './publish/http-intake';
import { InProcessBus } from './publish/in-process-bus';
import { buildPublishAuth } from './publish/publish-auth';
import type { PublishItem } from './publish/item-types';
import { PublishPipeline } from './publish/publish-pipeline';
import { resolveZmqSpecs, ZmqServices, type ZmqSpecs } from './publish/zmq-services';
import { Worker } from './worker';

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
}

/**
 * The supervisor: parses routes, owns the publish intakes and the bus, starts the worker(s), reloads the
 * routes file when it changes or on SIGHUP, and shuts everything down. With `workers=1` (the only mode so
 * far) the worker runs in this process and the bus is in-process.
 */
export class Thumbtack {
  readonly routes: RouteTableRef;
  readonly bus: Bus;
  readonly worker: Worker;
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
  private readonly onSighup = (): void => {
    this.reloadRoutes('SIGHUP');
  };

  constructor(private readonly opts: ThumbtackOptions) {
    const { config, logger } = opts;
    const initial = this.readRoutes();
    for (const problem of initial.problems) logger.warn(problem);
    logger.info(`routes loaded with ${initial.table.size} entries`);
    this.routes = { current: initial.table };
    this.bus = new InProcessBus();
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
    this.worker = new Worker({
      config,
      bus: this.bus,
      logger,
      routes: this.routes,
      backendTimeoutMs: opts.backendTimeoutMs,
      maxQueuedBytes: opts.maxQueuedBytes,
      stats: this.zmq.stats,
      publishLastIds: this.pipeline.lastIds,
      history: this.pipeline.historyReader(),
    });
    // The command socket's `refresh` reaches WebSocket-over-HTTP sessions through the worker.
    this.zmq.setRefreshHandler({
      connection: (cid) => this.worker.websockets.refreshConnection(cid),
      channel: (channel) => {
        this.worker.websockets.refreshChannel(channel);
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
      workers: () => [this.worker.monitor],
      dashboardHold: this.worker.hold,
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
      onItems: (items) => this.publish(items),
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
    this.worker.recover();
  }

  async start(): Promise<void> {
    const { config, logger } = this.opts;
    if (this.startError !== undefined) throw new Error(this.startError);
    const listen = this.opts.listenOverride ? [this.opts.listenOverride] : config.httpPorts;
    this.proxyPorts = await this.worker.listen(listen);
    this.publishPort = await this.intake.listen(this.opts.publishPortOverride ?? config.pushInHttpPort, config.pushInHttpAddr);
    if (!this.intake.authenticated && !isLoopback(config.pushInHttpAddr)) {
      logger.warn('the HTTP publish API is reachable beyond loopback and has no authentication (see push_in_http_auth_*)', {
        addr: config.pushInHttpAddr,
      });
    }
    await this.zmq.start();
    await this.monitoring.start();
    logger.info('thumbtack started', { http: this.proxyPorts, publish: `${config.pushInHttpAddr}:${this.publishPort}` });
    if (!this.opts.routeLines) this.watchRoutes();
    process.on('SIGHUP', this.onSighup);
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
    logger.info(`routes loaded with ${loaded.table.size} entries`, { why });
    return true;
  }

  async close(): Promise<void> {
    this.draining = true;
    process.off('SIGHUP', this.onSighup);
    this.watcher?.close();
    if (this.reloadTimer) clearTimeout(this.reloadTimer);
    await Promise.all([this.worker.close(), this.intake.close()]);
    await this.zmq.close();
    this.pipeline.close();
    await this.bus.close();
    await this.monitoring.close();
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
