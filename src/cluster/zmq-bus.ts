import * as zmq from 'zeromq';
import { flushAtEndOfTurn, type EndOfTurnWriter } from '../core/end-of-turn';
import type { Logger } from '../core/logger';
import type { Bus } from '../publish/bus';
import { encodePublishItemTnet } from '../publish/item-encoder';
import type { PublishItem } from '../publish/item-types';
import { decodePullMessage } from '../publish/zmq-message';
import { prepareSpec, SendQueue } from '../publish/zmq-util';

/**
 * The bus between the supervisor and worker processes, over ZeroMQ (`ipc://` on one machine).
 *
 * The supervisor binds an XPUB socket; each worker connects a SUB socket and subscribes to the exact names
 * of the channels it holds. XPUB reports a channel's first subscription and last unsubscription across all
 * workers, which is exactly the 0→1 / 1→0 interest the SUB intake and the sequencer need.
 *
 * Items, though, go to every worker (each SUB also subscribes to everything, ``), and each worker keeps
 * those of its channels. Filtering at the publisher would race with new holds: a client sees its stream
 * open as soon as the worker registers it, and a publish right after could reach the XPUB before the
 * worker's channel subscription does, and be lost. Pushpin has no such window; neither does this bus.
 * The items published in one turn of the supervisor's event loop travel in one message (up to
 * `MAX_BATCH_ITEMS`): `['', sequence number, channel, item as bare tnetstring, accepted-at ms, channel, item,
 * accepted-at, ...]`. One ZeroMQ send per item cost the supervisor ~40 µs each, and every worker a receive.
 * Each worker reports the highest sequence number it has applied (once per turn, over its IPC channel), so
 * the supervisor can answer a publish once it is delivered (`applied-tracker.ts`).
 */

/** Subscription topics that are not channels: everything (``) and a worker's start-up marker. */
const MARKER_PREFIX = '\u0000thumbtack-worker:';

/** The marker topic a worker subscribes to once its SUB socket receives everything. */
export function workerMarker(id: string): string {
  return MARKER_PREFIX + id;
}

/** Messages (batches of items) waiting to be sent before new ones are dropped (and counted). */
const SEND_QUEUE_LIMIT = 100_000;
/** Items in one bus message at most. */
const MAX_BATCH_ITEMS = 1024;
/** The first frame of every bus message: empty, which every worker's everything-subscription matches. */
const ITEMS_TOPIC = Buffer.alloc(0);

/** The supervisor's side: publishes, and knows which channels any worker wants. */
export class ZmqBusServer implements Bus, EndOfTurnWriter {
  private readonly socket = new zmq.XPublisher({ linger: 0, sendHighWaterMark: 0 });
  private readonly queue: SendQueue;
  private readonly channels = new Set<string>();
  private readonly interestHandlers: Array<(channel: string, interested: boolean) => void> = [];
  private readonly markersSeen = new Set<string>();
  private readonly markerWaiters = new Map<string, () => void>();
  private closed = false;
  /** Frames of the message being gathered this turn (the sequence number set when sent), and its items. */
  private batch: Buffer[] = [ITEMS_TOPIC, ITEMS_TOPIC];
  private batchItems = 0;
  /** Sequence number of the last message handed to the send queue (0: none yet). */
  private sentSeq = 0;
  private sentHandler: ((seq: number) => void) | undefined = undefined;

  constructor(
    private readonly endpoint: string,
    private readonly logger: Logger,
  ) {
    this.queue = new SendQueue(this.socket, SEND_QUEUE_LIMIT, (err) => this.logger.error('bus send failed', { error: String(err) }));
  }

  async start(): Promise<void> {
    prepareSpec(this.endpoint);
    await this.socket.bind(this.endpoint);
    void this.readSubscriptions();
  }

  publish(items: readonly PublishItem[]): void {
    if (this.closed) return;
    for (const item of items) {
      if (this.batchItems === 0) flushAtEndOfTurn(this);
      this.batch.push(Buffer.from(item.channel), encodePublishItemTnet(item), Buffer.from(String(item.acceptedAt ?? 0)));
      if (++this.batchItems >= MAX_BATCH_ITEMS) this.flushPending();
    }
  }

  /** Hands the items gathered this turn to the send queue as one message. */
  flushPending(): void {
    if (this.batchItems === 0) return;
    const frames = this.batch;
    const count = this.batchItems;
    frames[1] = Buffer.from(String(++this.sentSeq));
    this.sentHandler?.(this.sentSeq);
    this.batch = [ITEMS_TOPIC, ITEMS_TOPIC];
    this.batchItems = 0;
    if (!this.queue.push(frames)) {
      this.logger.warn('bus queue full; items dropped', { items: count, droppedMessages: this.queue.dropped });
    }
  }

  hasSubscribers(channel: string): boolean {
    return this.channels.has(channel);
  }

  /** Told the sequence number of every message handed to the send queue. */
  onSent(handler: (seq: number) => void): void {
    this.sentHandler = handler;
  }

  /** The sequence number of the last message handed to the send queue. */
  lastSentSeq(): number {
    return this.sentSeq;
  }

  /** The sequence number that covers every item published so far (this turn's message included). */
  pendingSeq(): number {
    return this.batchItems > 0 ? this.sentSeq + 1 : this.sentSeq;
  }

  onInterest(handler: (channel: string, interested: boolean) => void): void {
    this.interestHandlers.push(handler);
  }

  /** Worker-side calls: the supervisor holds no subscribers. */
  subscribe(): void {}
  unsubscribe(): void {}
  onItem(): void {}

  /** Resolves once the worker that subscribed to `workerMarker(id)` receives every item. */
  workerConnected(id: string): Promise<void> {
    const topic = workerMarker(id);
    if (this.markersSeen.delete(topic)) return Promise.resolve();
    return new Promise((resolve) => this.markerWaiters.set(topic, resolve));
  }

  /** Resolves once everything published so far was handed to ZeroMQ. */
  flushed(): Promise<void> {
    this.flushPending();
    return this.queue.idle();
  }

  async close(): Promise<void> {
    this.flushPending();
    this.closed = true;
    await this.queue.idle();
    this.socket.close();
  }

  private async readSubscriptions(): Promise<void> {
    try {
      for await (const [message] of this.socket) {
        if (!message || message.length === 0) continue;
        const subscribe = message[0] === 1;
        const channel = message.subarray(1).toString('utf8');
        if (channel === '') continue;
        if (channel.startsWith(MARKER_PREFIX)) {
          if (!subscribe) continue;
          const waiter = this.markerWaiters.get(channel);
          this.markerWaiters.delete(channel);
          if (waiter) waiter();
          else this.markersSeen.add(channel);
          continue;
        }
        if (subscribe === this.channels.has(channel)) continue;
        if (subscribe) this.channels.add(channel);
        else this.channels.delete(channel);
        for (const handler of this.interestHandlers) handler(channel, subscribe);
      }
    } catch (err) {
      if (!this.closed) this.logger.error('bus subscription reader stopped', { error: String(err) });
    }
  }
}

/** A worker's side: subscribes to channels and receives their items. */
export class ZmqBusClient implements Bus, EndOfTurnWriter {
  private readonly socket = new zmq.Subscriber({ linger: 0, receiveHighWaterMark: 0 });
  private readonly channels = new Set<string>();
  private readonly itemHandlers: Array<(item: PublishItem) => void> = [];
  private appliedHandler: ((seq: number) => void) | undefined = undefined;
  /** Highest sequence number applied, and whether it waits for the end of the turn to be reported. */
  private appliedSeq = 0;
  private reportPending = false;
  private closed = false;

  constructor(
    private readonly endpoint: string,
    private readonly logger: Logger,
  ) {}

  /**
   * Connects and subscribes to everything; then to `marker` (see `workerMarker`), which the supervisor
   * sees after the everything-subscription, since one socket's subscriptions arrive in order.
   */
  start(marker?: string): void {
    this.socket.connect(this.endpoint);
    this.socket.subscribe('');
    if (marker !== undefined) this.socket.subscribe(marker);
    void this.readItems();
  }

  subscribe(channel: string): void {
    if (this.channels.has(channel)) return;
    this.channels.add(channel);
    this.socket.subscribe(channel);
  }

  unsubscribe(channel: string): void {
    if (!this.channels.delete(channel)) return;
    this.socket.unsubscribe(channel);
  }

  onItem(handler: (item: PublishItem) => void): void {
    this.itemHandlers.push(handler);
  }

  /** Told once per turn of the highest sequence number whose items were handed to the subscribers. */
  onApplied(handler: (seq: number) => void): void {
    this.appliedHandler = handler;
  }

  /** End of the turn: the items of this turn's messages went to the sockets (or to their end-of-turn writes). */
  flushPending(): void {
    this.reportPending = false;
    this.appliedHandler?.(this.appliedSeq);
  }

  hasSubscribers(channel: string): boolean {
    return this.channels.has(channel);
  }

  /** Supervisor-side calls: a worker never publishes on the bus. */
  publish(): void {
    this.logger.error('publish called on a worker bus; items go through the supervisor');
  }
  onInterest(): void {}

  async close(): Promise<void> {
    this.closed = true;
    this.socket.close();
  }

  private receive(channelFrame: Buffer, payload: Buffer, acceptedAt: Buffer): void {
    const channel = channelFrame.toString('utf8');
    if (!this.channels.has(channel)) return; // every item comes; this worker keeps its channels'
    const decoded = decodePullMessage(payload, channel);
    if (!decoded.ok) {
      this.logger.error('undecodable item on the bus', { channel, reason: decoded.error.message });
      return;
    }
    const at = Number(acceptedAt.toString());
    if (at > 0) decoded.value.acceptedAt = at;
    for (const handler of this.itemHandlers) handler(decoded.value);
  }

  private async readItems(): Promise<void> {
    try {
      for await (const frames of this.socket) {
        const seq = frames.length >= 2 ? Number((frames[1] as Buffer).toString()) : NaN;
        if ((frames.length - 2) % 3 !== 0 || !Number.isSafeInteger(seq)) {
          this.logger.error('malformed bus message', { frames: frames.length });
          continue;
        }
        for (let i = 2; i + 2 < frames.length; i += 3) this.receive(frames[i] as Buffer, frames[i + 1] as Buffer, frames[i + 2] as Buffer);
        if (seq > this.appliedSeq) this.appliedSeq = seq;
        if (!this.reportPending && this.appliedHandler) {
          this.reportPending = true;
          flushAtEndOfTurn(this);
        }
      }
    } catch (err) {
      if (!this.closed) this.logger.error('bus reader stopped', { error: String(err) });
    }
  }
}
