import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { ThumbtackConfig } from './config/config';
import type { Route } from './config/route-types';
import type { Logger } from './core/logger';
import { ConnectionGrowthPolicy } from './core/young-generation';
import { GripSigner, parseKeySpec, parseVerifyKeySpec, verifyGripSig, type VerifyKey } from './grip/grip-sig';
import { ChannelIndex } from './hold/channel-index';
import { deliverNow, fanOut } from './hold/fanout';
import { newHoldCounters, type HoldContext } from './hold/hold-context';
import { closeReliableHold, createReliableHold } from './hold/reliable-hold';
import type { Subscriber } from './hold/subscriber';
import type { ProxyContext, ProxySettings } from './proxy/proxy-context';
import { ProxyServer, type RouteTableRef } from './proxy/proxy-server';
import { leanFrontSupported } from './proxy/lean-front';
import { WebSocketGateway } from './proxy/websocket/ws-gateway';
import type { Bus } from './publish/bus';
import type { HistoryReader } from './publish/history';
import type { PublishLastIds } from './publish/last-id-table';
import { WorkerMonitor } from './metrics/worker-monitor';
import type { StatsEvents } from './stats/stats-events';
import { Scheduler } from './timers/scheduler';

/** Milliseconds a shutdown lets requests in progress finish before their connections are dropped. */
export const SHUTDOWN_DRAIN_MS = 1000;

export interface WorkerOptions {
  config: ThumbtackConfig;
  bus: Bus;
  logger: Logger;
  routes: RouteTableRef;
  /** Milliseconds to wait for a backend response head (504 after). */
  backendTimeoutMs?: number;
  /** Bytes a held connection may have queued before it is closed as slow. */
  maxQueuedBytes?: number;
  /** Where held connections, subscriptions and deliveries are reported (stats socket, `conncheck`). */
  stats?: StatsEvents;
  /** The publish side's last-id table (same process only): prev-id conflict checks when a hold starts. */
  publishLastIds?: PublishLastIds;
  /** The per-channel history (same process only, when enabled): replay for reconnecting clients. */
  history?: HistoryReader;
  /** This worker's number (the cluster worker id; 0 for the in-process worker): a label of its metrics. */
  workerId?: number;
  /** Let the young generation grow only while few client connections are open (core/young-generation.ts). */
  steerYoungGeneration?: boolean;
}

/**
 * A worker: the client-facing server, its held subscribers, its channel index and its one timer wheel.
 * It tells the bus which channels it wants (0→1 and 1→0 only) and fans out what the bus brings.
 */
export class Worker {
  readonly hold: HoldContext;
  readonly proxy: ProxyServer;
  /** Client WebSockets: upgrades, sessions by connection id (`refresh`, `conncheck`), limits. */
  readonly websockets: WebSocketGateway;
  /** Metrics, dashboard rows and the dashboard's close button for this worker (read by the supervisor). */
  readonly monitor: WorkerMonitor;
  private readonly signers = new Map<string, GripSigner>();

  constructor(private readonly opts: WorkerOptions) {
    const { config, bus, logger } = opts;
    const scheduler = new Scheduler<Subscriber>((sub) => sub.onTimer(), undefined, {
      onError: (error) => logger.error('timer callback failed', { error: error instanceof Error ? error.stack : String(error) }),
    });
    const reliable = createReliableHold({
      logger,
      busSubscribe: (channel) => bus.subscribe(channel),
      busUnsubscribe: (channel) => bus.unsubscribe(channel),
      subscriptionLingerSec: config.subscriptionLinger,
      updateOnFirstSubscription: config.updateOnFirstSubscription,
      messageRate: config.messageRate,
      messageHwm: config.messageHwm,
      messageBlockSize: config.messageBlockSize,
      lastIds: opts.publishLastIds,
      history: opts.history,
      execute: (sub, item) => {
        const outcome = deliverNow(this.hold, sub, item);
        return outcome !== 'closed' && outcome !== 'ignored';
      },
    });
    const index = new ChannelIndex((channel, subscribed, sub) => reliable.subscriptions.transition(channel, subscribed, sub), opts.stats);
    reliable.subscriptions.attach(index);
    this.hold = {
      index,
      scheduler,
      logger,
      maxQueuedBytes: opts.maxQueuedBytes ?? 1024 * 1024,
      counters: newHoldCounters(),
      stats: opts.stats,
      reliable,
    };
    bus.onItem((item) => this.monitor.itemFannedOut(item, fanOut(this.hold, item)));
    const settings: ProxySettings = {
      debug: config.debug,
      autoCrossOrigin: config.autoCrossOrigin,
      acceptXForwardedProtocol: config.acceptXForwardedProtocol,
      setXForwardedProtocol: config.setXForwardedProtocol,
      xForwardedFor: config.xForwardedFor,
      xForwardedForTrusted: config.xForwardedForTrusted,
      acceptPushpinRoute: config.acceptPushpinRoute,
      cdnLoop: config.cdnLoop,
      connectionSubscriptionMax: config.connectionSubscriptionMax,
      backendTimeoutMs: opts.backendTimeoutMs ?? 60_000,
      clientBufferSize: config.clientBufferSize,
      clientMaxconn: config.clientMaxconn,
      clientHeadersTimeoutMs: config.clientHeadersTimeout * 1000,
      leanStreams: process.env.THUMBTACK_LEAN_STREAMS !== '0',
      leanFront: process.env.THUMBTACK_LEAN_FRONT !== '0' && leanFrontSupported(),
    };
    const upstreamKey = this.upstreamKey();
    const ctx: ProxyContext = {
      settings,
      hold: this.hold,
      logger,
      gripSig: (route) => this.gripSig(route),
      isTrustedSig: upstreamKey ? (token) => verifyGripSig(token, upstreamKey) : () => Promise.resolve(false),
      backendObserver: (req, outcome, ms) => this.monitor.backendObserver(req, outcome, ms),
    };
    this.proxy = new ProxyServer(ctx, opts.routes);
    if (opts.steerYoungGeneration) {
      const policy = new ConnectionGrowthPolicy((growing, connections) =>
        logger.debug(`young generation: ${growing ? 'may grow again' : 'stops growing'} at ${connections} client connections`),
      );
      this.proxy.connections.onCountChanged = policy.connectionsChanged;
    }
    this.websockets = new WebSocketGateway(ctx, this.proxy, { allowCompression: config.allowCompression });
    this.monitor = new WorkerMonitor({ workerId: opts.workerId ?? 0, prefix: config.prometheusPrefix, hold: this.hold, sessions: () => this.websockets.registry.values() });
    this.proxy.setUpgradeHandler((req, socket, head) => this.websockets.onUpgrade(req, socket, head));
  }

  /** A `Grip-Sig` for the route: its own key and issuer when both are set, else the global ones. */
  gripSig(route: Route): Promise<string> {
    const own = route.sigKey !== undefined && route.sigIss !== undefined;
    const cacheKey = own ? `route:${route.sigIss}:${route.sigKey}` : 'global';
    let signer = this.signers.get(cacheKey);
    if (!signer) {
      const spec = own ? (route.sigKey as string) : this.opts.config.sigKey;
      const iss = own ? (route.sigIss as string) : this.opts.config.sigIss;
      const key = parseKeySpec(spec, (path) => readFileSync(isAbsolute(path) ? path : resolve(this.opts.config.configDir, path)));
      if (!key.ok) return Promise.reject(key.error);
      signer = new GripSigner(key.value, iss);
      this.signers.set(cacheKey, signer);
    }
    return signer.sign(Date.now() / 1000);
  }

  /** The `upstream_key` that marks an upstream GRIP proxy as trusted, if configured (a bad one is logged). */
  private upstreamKey(): VerifyKey | undefined {
    const spec = this.opts.config.upstreamKey;
    if (spec === '') return undefined;
    const key = parseVerifyKeySpec(spec, (path) => readFileSync(isAbsolute(path) ? path : resolve(this.opts.config.configDir, path)));
    if (!key.ok) {
      this.opts.logger.error('upstream_key is not usable; no client is trusted', { reason: key.error.message });
      return undefined;
    }
    return key.value;
  }

  /** Listens on every configured client address; returns the bound ports (0 picks a free one). */
  async listen(addrs: ReadonlyArray<{ host?: string; port: number }>): Promise<number[]> {
    const ports: number[] = [];
    for (const addr of addrs) ports.push(await this.proxy.listen(addr.port, addr.host));
    return ports;
  }

  /** Stops accepting and ends every held connection. */
  async close(): Promise<void> {
    // Held HTTP connections end with a retry hint (streams end cleanly, long-polls get 503 + Retry-After);
    // requests in progress get up to SHUTDOWN_DRAIN_MS to finish, then everything left is dropped.
    const draining = this.proxy.drain(SHUTDOWN_DRAIN_MS, () => this.closeHeldHttp());
    const wsClosing = this.websockets.close();
    this.closeHeldHttp();
    await wsClosing;
    await draining;
    closeReliableHold(this.hold.reliable);
    this.hold.scheduler.close();
  }

  /** Closes every held stream and long-poll for shutdown (WebSockets are the gateway's). */
  private closeHeldHttp(): void {
    for (const sub of this.hold.index.allSubscribers()) if (sub.kind !== 'websocket') sub.close('shutdown');
  }

  /** `recover`: every held HTTP session is updated (long-polls re-requested, streams fetch their next link). */
  recover(): void {
    for (const sub of this.hold.index.allSubscribers()) sub.update?.('low');
  }
}
