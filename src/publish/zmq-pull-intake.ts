import * as zmq from 'zeromq';
import type { Logger } from '../core/logger';
import type { PublishItem } from './item-types';
import { decodePullMessage } from './zmq-message';
import { receiveEach, bindSocket } from './zmq-util';

/** Pushpin's receive high-water mark for the PULL intake, in messages. */
export const PULL_HWM = 101_000;

export interface ZmqPullIntakeOptions {
  /** `push_in_spec`, bound by Thumbtack. */
  spec: string;
  logger: Logger;
  /** Receives each valid item. */
  onItems: (items: PublishItem[]) => void;
}

/**
 * The ZeroMQ PULL publish intake (publishing.md §5): one item per single-frame message, encoded as `J` JSON,
 * `T` tnetstring or a bare tnetstring. Invalid messages are logged and dropped; there is no reply channel.
 */
export class ZmqPullIntake {
  private socket?: zmq.Pull;
  private loop?: Promise<void>;
  /** The bound address (`tcp://127.0.0.1:*` resolved to its port). */
  endpoint = '';
  /** Messages dropped as invalid. */
  rejected = 0;

  constructor(private readonly opts: ZmqPullIntakeOptions) {}

  async start(): Promise<void> {
    const socket = new zmq.Pull({ receiveHighWaterMark: PULL_HWM, linger: 0 });
    this.endpoint = await bindSocket(socket, this.opts.spec, 'push_in_spec');
    this.socket = socket;
    this.loop = this.receiveLoop(socket);
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
    if (frames.length !== 1) {
      this.rejected++;
      logger.warn('IN pull: received message with parts != 1, skipping', { parts: frames.length });
      return;
    }
    const item = decodePullMessage(frames[0] as Buffer);
    if (!item.ok) {
      this.rejected++;
      logger.warn('IN pull: received message with invalid format, skipping', { code: item.error.code, reason: item.error.message });
      return;
    }
    try {
      this.opts.onItems([item.value]);
    } catch (err) {
      logger.error('IN pull: publishing an item failed', { error: err instanceof Error ? err.stack : String(err) });
    }
  }

  private receiveLoop(socket: zmq.Pull): Promise<void> {
    return receiveEach(
      socket,
      (frames) => this.handle(frames),
      (err) => this.opts.logger.error('IN pull: receive failed', { error: err.message }),
    );
  }
}
