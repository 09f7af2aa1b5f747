import type { ThumbtackConfig } from '../config/config';
import type { Logger } from '../core/logger';
import { StatsCollector } from '../stats/stats-collector';
import { StatsSocket } from '../stats/stats-socket';
import type { Bus } from './bus';
import type { CommandHandlers } from './command-methods';
import { CommandSocket } from './command-socket';
import type { PublishItem } from './item-types';
import { ZmqPullIntake } from './zmq-pull-intake';
import { ZmqSubIntake } from './zmq-sub-intake';

/** The ZeroMQ endpoints; `''` (or an empty list) disables a socket. */
export interface ZmqSpecs {
  pushIn: string;
  pushInSub: string[];
  pushInSubConnect: boolean;
  command: string;
  stats: string;
}

/**
 * The specs in force: the config's, each replaced by an override when given. With `ephemeral` (tests that
 * ask for an ephemeral publish port) every `tcp://` spec that is not overridden and would bind gets port `*`.
 */
export function resolveZmqSpecs(config: ThumbtackConfig, overrides: Partial<ZmqSpecs> = {}, ephemeral = false): ZmqSpecs {
  const free = (spec: string): string => (ephemeral ? spec.replace(/^(tcp:\/\/.*):[0-9]+$/, '$1:*') : spec);
  const connect = overrides.pushInSubConnect ?? config.pushInSubConnect;
  return {
    pushIn: overrides.pushIn ?? free(config.pushInSpec),
    pushInSub: overrides.pushInSub ?? (connect ? config.pushInSubSpecs : config.pushInSubSpecs.map(free)),
    pushInSubConnect: connect,
    command: overrides.command ?? free(config.commandSpec),
    stats: overrides.stats ?? free(config.statsSpec),
  };
}

/** `refresh` of WebSocket-over-HTTP connections, provided by the WebSocket module once it exists. */
export interface RefreshHandler {
  /** True when the connection is known here (a refresh request is then sent); false → `item-not-found`. */
  connection(cid: string): boolean;
  /** Refreshes every WebSocket-over-HTTP connection subscribed to the channel. */
  channel(channel: string): void;
}

export interface ZmqServicesOptions {
  config: ThumbtackConfig;
  specs: ZmqSpecs;
  logger: Logger;
  bus: Bus;
  /** The supervisor's single entry point for validated items. */
  publish: (items: PublishItem[]) => void;
  /** `recover` from the command socket. */
  recover: () => void;
}

/**
 * The supervisor's ZeroMQ side (publishing.md §5-7, stats.md): PULL and SUB intakes, the command socket, the
 * stats PUB socket and the stats collector that feeds it. Sockets bind where the config says (loopback by
 * default); a socket whose spec is empty is not created.
 */
export class ZmqServices {
  readonly stats: StatsCollector;
  pull?: ZmqPullIntake;
  sub?: ZmqSubIntake;
  command?: CommandSocket;
  statsSocket?: StatsSocket;
  private refresh: RefreshHandler = { connection: () => false, channel: () => undefined };

  constructor(private readonly opts: ZmqServicesOptions) {
    const { config, specs, logger, bus } = opts;
    if (specs.stats !== '') {
      this.statsSocket = new StatsSocket({ spec: specs.stats, format: config.statsFormat, logger: logger.child({ component: 'stats' }) });
    }
    this.stats = new StatsCollector({
      from: `thumbtack_${process.pid}`,
      connectionTtlSec: config.statsConnectionTtl,
      subscriptionTtlSec: config.statsSubscriptionTtl,
      subscriptionLingerSec: config.subscriptionLinger,
      reportIntervalSec: config.statsReportInterval,
      blockSize: config.messageBlockSize,
      send: (msg) => this.statsSocket?.send(msg),
    });
    if (specs.pushIn !== '') {
      this.pull = new ZmqPullIntake({ spec: specs.pushIn, logger: logger.child({ component: 'publish-pull' }), onItems: opts.publish });
    }
    if (specs.pushInSub.length > 0) {
      this.sub = new ZmqSubIntake({
        specs: specs.pushInSub,
        connect: specs.pushInSubConnect,
        logger: logger.child({ component: 'publish-sub' }),
        onItems: opts.publish,
        wanted: (channel) => bus.hasSubscribers(channel),
      });
      bus.onInterest((channel, interested) => this.sub?.setInterest(channel, interested));
    }
    if (specs.command !== '') {
      this.command = new CommandSocket({ spec: specs.command, logger: logger.child({ component: 'command' }), handlers: this.handlers() });
    }
  }

  /** Lets the WebSocket-over-HTTP module answer `refresh` (until then every `cid` is `item-not-found`). */
  setRefreshHandler(handler: RefreshHandler): void {
    this.refresh = handler;
  }

  /** Binds (or connects) every socket; on failure closes those already open and rejects. */
  async start(): Promise<void> {
    try {
      await this.statsSocket?.start();
      await this.pull?.start();
      await this.sub?.start();
      await this.command?.start();
      this.opts.logger.info('zeromq sockets ready', { ...this.endpoints() });
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  /** Where each socket really is (ports resolved): what `get-zmq-uris` reports. */
  endpoints(): { pushIn?: string; pushInSub: string[]; command?: string; stats?: string } {
    return {
      pushIn: this.pull?.endpoint || undefined,
      pushInSub: this.sub?.endpoints ?? [],
      command: this.command?.endpoint || undefined,
      stats: this.statsSocket?.endpoint || undefined,
    };
  }

  /** Sends what stats has batched, then closes every socket. */
  async close(): Promise<void> {
    this.stats.close();
    await Promise.all([this.pull?.close(), this.sub?.close(), this.command?.close()]);
    await this.statsSocket?.close();
  }

  private handlers(): CommandHandlers {
    return {
      publish: (items) => this.opts.publish(items),
      recover: () => this.opts.recover(),
      refreshConnection: (cid) => this.refresh.connection(cid),
      refreshChannel: (channel) => this.refresh.channel(channel),
      isConnected: (id) => this.stats.hasConnection(id),
      zmqUris: () => {
        const out: Record<string, string> = {};
        const ep = this.endpoints();
        if (ep.command) out.command = ep.command;
        if (ep.pushIn) out['publish-pull'] = ep.pushIn;
        const firstSub = ep.pushInSub[0];
        if (firstSub !== undefined && !this.opts.specs.pushInSubConnect) out['publish-sub'] = firstSub;
        return out;
      },
    };
  }
}
