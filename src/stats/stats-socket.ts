import * as zmq from 'zeromq';
import type { Logger } from '../core/logger';
import { SendQueue, bindSocket } from '../publish/zmq-util';
import { encodeStatsMessage, type StatsFormat, type StatsMessage } from './stats-message';

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
 * when no one reads.
 */
export class StatsSocket {
  private socket?: zmq.Publisher;
  private queue?: SendQueue;
  /** The bound address (`tcp://127.0.0.1:*` resolved to its port). */
  endpoint = '';

  constructor(private readonly opts: StatsSocketOptions) {}

  async start(): Promise<void> {
    const socket = new zmq.Publisher({ sendHighWaterMark: STATS_HWM, linger: 0 });
    this.endpoint = await bindSocket(socket, this.opts.spec, 'stats_spec');
    this.socket = socket;
    this.queue = new SendQueue(socket, STATS_HWM, (err) =>
      this.opts.logger.warn('stats send failed', { error: (err as Error).message }),
    );
  }

  /** Encodes and sends one message; never throws. */
  send(msg: StatsMessage): void {
    if (!this.queue) return;
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
