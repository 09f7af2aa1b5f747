import * as zmq from 'zeromq';
import type { Logger } from '../core/logger';
import { runCommand, type CommandHandlers } from './command-methods';
import { decodeCommandRequest, encodeCommandReply, routerReplyFrames, splitRouterMessage } from './command-protocol';
import { SendQueue, receiveEach, bindSocket } from './zmq-util';

/** Replies waiting to be written, at most. */
const REPLY_QUEUE_MAX = 10_000;

export interface CommandSocketOptions {
  /** `command_spec`, bound by Thumbtack. */
  spec: string;
  logger: Logger;
  handlers: CommandHandlers;
}

/**
 * The command socket (publishing.md §7): a ROUTER bound on `command_spec`, for REQ clients (or DEALERs that
 * send the empty delimiter). Malformed messages are logged and skipped without a reply, as Pushpin does.
 */
export class CommandSocket {
  private socket?: zmq.Router;
  private loop?: Promise<void>;
  private replies?: SendQueue;
  /** The bound address (`tcp://127.0.0.1:*` resolved to its port). */
  endpoint = '';
  /** Messages skipped as malformed. */
  rejected = 0;

  constructor(private readonly opts: CommandSocketOptions) {}

  async start(): Promise<void> {
    const socket = new zmq.Router({ linger: 0 });
    this.endpoint = await bindSocket(socket, this.opts.spec, 'command_spec');
    this.socket = socket;
    this.replies = new SendQueue(socket, REPLY_QUEUE_MAX, (err) =>
      this.opts.logger.warn('command reply failed', { error: (err as Error).message }),
    );
    this.loop = this.receiveLoop(socket);
  }

  async close(): Promise<void> {
    const socket = this.socket;
    if (!socket) return;
    this.socket = undefined;
    await this.replies?.idle();
    this.replies?.close();
    socket.close();
    await this.loop;
  }

  /** Handles one ROUTER message; returns the reply frames, or undefined when it is skipped. */
  handle(frames: Buffer[]): Buffer[] | undefined {
    const { logger } = this.opts;
    const parts = splitRouterMessage(frames);
    if (!parts.ok) {
      this.rejected++;
      logger.warn('command: received message with invalid framing, skipping', { reason: parts.error.message });
      return undefined;
    }
    const req = decodeCommandRequest(parts.value.content);
    if (!req.ok) {
      this.rejected++;
      logger.warn('command: received message with invalid format, skipping', { code: req.error.code, reason: req.error.message });
      return undefined;
    }
    if (logger.enabled(3)) logger.debug('IN command', { method: req.value.method });
    let reply: Buffer;
    try {
      reply = encodeCommandReply(req.value.id, runCommand(req.value, this.opts.handlers));
    } catch (err) {
      logger.error('command failed', { method: req.value.method, error: err instanceof Error ? err.stack : String(err) });
      reply = encodeCommandReply(req.value.id, { success: false, condition: 'internal-error' });
    }
    return routerReplyFrames(parts.value.envelope, reply);
  }

  private receiveLoop(socket: zmq.Router): Promise<void> {
    return receiveEach(
      socket,
      (frames) => {
        const reply = this.handle(frames);
        if (reply) this.replies?.push(reply);
      },
      (err) => this.opts.logger.error('command: receive failed', { error: err.message }),
    );
  }
}
