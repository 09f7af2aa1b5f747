import * as zmq from 'zeromq';
import type { Logger } from '../core/logger';
import { SendQueue, bindSocket, receiveEach } from '../publish/zmq-util';
import { encodeStatsMessage, type StatsFormat, type StatsMessage } from './stats-message';
import { StatsTopics } from './stats-topics';

/** Pushpin's stats send high-water mark, in messages. */
export const STATS_HWM = 200_000;

export interface StatsSocketOptions {
  /** `stats_spec`: bound by Thumbtack (an `ipc://` folder is created). */
  spec: string;
  format: StatsFormat;
  logger: Logger;
}

/**
 * The stats PUB socket (spec/stats.md §1): one frame per message, dropped, never queued without bound,
 * when no one reads. It is an XPUB socket, so that it knows its readers' topics (`StatsTopics`): a message
 * no reader subscribed to is not encoded nor handed to ZeroMQ, which would only drop it. On a proxy whose
 * stats no one reads, that was one encode and one send per new connection and per delivered item.
 */
export class StatsSocket {
  private socket?: zmq.XPublisher;
  private queue?: SendQueue;
  private readonly topics = new StatsTopics();
  private readonly marker: string;
  /** The bound address (`tcp://127.0.0.1:*` resolved to its port). */
  endpoint = '';
  /** Messages not sent because no reader subscribed to their type. */
  unread = 0;

  constructor(private readonly opts: StatsSocketOptions) {
    this.marker = opts.format === 'json' ? ' J' : ' T';
  }

  async start(): Promise<void> {
    const socket = new zmq.XPublisher({ sendHighWaterMark: STATS_HWM, linger: 0 });
    this.endpoint = await bindSocket(socket, this.opts.spec, 'stats_spec');
    this.socket = socket;
    this.queue = new SendQueue(socket, STATS_HWM, (err) =>
      this.opts.logger.warn('stats send failed', { error: (err as Error).message }),
    );
    void receiveEach(
      socket,
      ([message]) => {
        if (message) this.topics.apply(message);
      },
      (err) => this.opts.logger.warn('stats subscription read failed', { error: err.message }),
    );
  }

  /** Encodes and sends one message, if a reader wants it; never throws. */
  send(msg: StatsMessage): void {
    if (!this.queue) return;
    if (!this.topics.wants(msg.type + this.marker)) {
      this.unread++;
      return;
    }
    let frame: Buffer;
    try {
      frame = encodeStatsMessage(msg, this.opts.format);
    } catch (err) {
      this.opts.logger.error('cannot encode stats message', { type: msg.type, error: (err as Error).message });
      return;
    }
    this.queue.push(frame);
  }

  /** Sends what is queued, then closes the socket. */
  async close(): Promise<void> {
    if (!this.socket) return;
    await this.queue?.idle();
    this.queue?.close();
    this.socket.close();
    this.socket = undefined;
  }
}
