import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { ThumbtackConfig } from './config/config';
import { loadRouteLines, loadRoutesFile, type LoadedRoutes } from './config/routes-loader';
import type { Logger } from './core/logger';
import type { RouteTableRef } from './proxy/proxy-server';
import type { Bus } from './publish/bus';
import { HttpIntake } from './publish/http-intake';
import { InProcessBus } from './publish/in-process-bus';
import type { PublishItem } from './publish/item-types';
import { Worker } from './worker';

export interface ThumbtackOptions {
  config: ThumbtackConfig;
  logger: Logger;
  /** `--route` lines: replace the routes file entirely. */
  routeLines?: readonly string[];
  /** `--port`: listen on this single client address instead of `http_port`. */
  listenOverride?: { host?: string; port: number };
  /** Override the publish port (tests pass 0 for an ephemeral port). */
  publishPortOverride?: number;
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
  proxyPorts: number[] = [];
  publishPort = 0;
  private watcher?: FSWatcher;
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
    this.worker = new Worker({
      config,
      bus: this.bus,
      logger,
      routes: this.routes,
      backendTimeoutMs: opts.backendTimeoutMs,
      maxQueuedBytes: opts.maxQueuedBytes,
    });
    this.intake = new HttpIntake({
      maxHeadersSize: config.pushInHttpMaxHeadersSize,
      maxBodySize: config.pushInHttpMaxBodySize,
      logger: logger.child({ component: 'publish-http' }),
      onItems: (items) => this.publish(items),
      onRecover: () => logger.info('recover requested'),
    });
  }

  /** Hands validated items to the bus (sequencing will sit here). */
  publish(items: readonly PublishItem[]): void {
    this.bus.publish(items);
  }

  async start(): Promise<void> {
    const { config, logger } = this.opts;
    const listen = this.opts.listenOverride ? [this.opts.listenOverride] : config.httpPorts;
    this.proxyPorts = await this.worker.listen(listen);
    this.publishPort = await this.intake.listen(this.opts.publishPortOverride ?? config.pushInHttpPort, config.pushInHttpAddr);
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
    process.off('SIGHUP', this.onSighup);
    this.watcher?.close();
    if (this.reloadTimer) clearTimeout(this.reloadTimer);
    await Promise.all([this.worker.close(), this.intake.close()]);
    await this.bus.close();
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
