import * as zmq from 'zeromq';
import type { Logger } from '../core/logger';
import type { PublishItem } from './item-types';
import { decodePullMessage } from './zmq-message';
import { boundEndpoint, prepareSpec, receiveEach } from './zmq-util';

export interface ZmqSubIntakeOptions {
  /** `push_in_sub_specs`. */
  specs: readonly string[];
  /** `push_in_sub_connect`: connect to each spec (a publisher's PUB socket) instead of binding. */
  connect: boolean;
  logger: Logger;
  /** Receives each valid item of a wanted channel. */
  onItems: (items: PublishItem[]) => void;
  /** Does this instance hold subscribers of the channel right now? (items of others are ignored) */
  wanted: (channel: string) => boolean;
}

/**
 * The ZeroMQ SUB publish intake (publishing.md §6): two-frame messages `[channel, item]`, the item encoded as
 * on the PULL intake and its channel taken from the topic frame. The socket subscribes to the exact name of
 * every channel with local subscribers (0→1 and 1→0 transitions, from the bus), so a publisher's PUB socket
 * only ships traffic for live channels. Invalid messages are logged and dropped.
 */
export class ZmqSubIntake {
  private socket?: zmq.Subscriber;
  private loop?: Promise<void>;
  private readonly channels = new Set<string>();
  /** The bound addresses (binding mode; `tcp://127.0.0.1:*` resolved) or the specs connected to. */
  endpoints: string[] = [];
  /** Messages dropped as invalid. */
  rejected = 0;
  /** Connect mode: the endpoints that have a connected peer right now (socket monitor events). */
  private readonly peers = new Set<string>();

  constructor(private readonly opts: ZmqSubIntakeOptions) {}

  /** Follows a channel's 0→1 (`true`) or 1→0 (`false`) transition; safe before `start` and after `close`. */
  setInterest(channel: string, interested: boolean): void {
    // An empty topic would subscribe to everything: channels are never empty, but be sure.
    if (channel === '') return;
    if (interested) {
      if (this.channels.has(channel)) return;
      this.channels.add(channel);
      this.socket?.subscribe(channel);
    } else if (this.channels.delete(channel)) {
      this.socket?.unsubscribe(channel);
    }
  }

  async start(): Promise<void> {
    const { specs, connect } = this.opts;
    const socket = new zmq.Subscriber({ linger: 0 });
    try {
      for (const spec of specs) {
        if (connect) {
          // As Pushpin: TCP keep-alive towards a remote publisher (idle 30 s, 6 probes, 5 s apart).
          socket.tcpKeepalive = 1;
          socket.tcpKeepaliveIdle = 30;
          socket.tcpKeepaliveCount = 6;
          socket.tcpKeepaliveInterval = 5;
          if (this.endpoints.length === 0) this.watchPeers(socket);
          socket.connect(spec);
          this.endpoints.push(spec);
        } else {
          prepareSpec(spec);
          await socket.bind(spec);
          this.endpoints.push(boundEndpoint(spec, socket.lastEndpoint));
        }
      }
    } catch (err) {
      socket.close();
      this.endpoints = [];
      const verb = connect ? 'connect to' : 'bind';
      throw new Error(`push_in_sub_specs ${specs.join(' ')}: cannot ${verb}: ${(err as Error).message}`);
    }
    for (const channel of this.channels) socket.subscribe(channel);
    this.socket = socket;
    this.loop = this.receiveLoop(socket);
  }

  /**
   * Connect mode: each configured endpoint and whether a publisher is connected to it (readiness). Binding
   * mode has no links to report (an empty list): publishers come and go.
   */
  links(): Array<{ endpoint: string; up: boolean }> {
    if (!this.opts.connect) return [];
    return this.opts.specs.map((endpoint) => ({ endpoint, up: this.socket !== undefined && this.peers.has(endpoint) }));
  }

  async close(): Promise<void> {
    const socket = this.socket;
    if (!socket) return;
    this.socket = undefined;
    socket.close();
    await this.loop;
  }

  /** Handles one received message (exposed for tests of the drop rules). */
  handle(frames: Buffer[]): void {
    const { logger } = this.opts;
    if (frames.length !== 2) {
      this.rejected++;
      logger.warn('IN sub: received message with parts != 2, skipping', { parts: frames.length });
      return;
    }
    const channel = (frames[0] as Buffer).toString('utf8');
    const item = decodePullMessage(frames[1] as Buffer, channel);
    if (!item.ok) {
      this.rejected++;
      logger.warn('IN sub: received message with invalid format, skipping', {
        channel,
        code: item.error.code,
        reason: item.error.message,
      });
      return;
    }
    // ZeroMQ filters by prefix: `news` also brings `newsroom`. Only exact, live channels go on.
    if (!this.opts.wanted(item.value.channel)) return;
    try {
      this.opts.onItems([item.value]);
    } catch (err) {
      logger.error('IN sub: publishing an item failed', { error: err instanceof Error ? err.stack : String(err) });
    }
  }

  private watchPeers(socket: zmq.Subscriber): void {
    socket.events.on('connect', (event) => this.peers.add(event.address));
    socket.events.on('disconnect', (event) => this.peers.delete(event.address));
  }

  private receiveLoop(socket: zmq.Subscriber): Promise<void> {
    return receiveEach(
      socket,
      (frames) => this.handle(frames),
      (err) => this.opts.logger.error('IN sub: receive failed', { error: err.message }),
    );
  }
}
