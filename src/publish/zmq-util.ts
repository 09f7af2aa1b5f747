/**
 * Small helpers shared by the ZeroMQ sockets: ipc folders, bound endpoints, and a bounded send queue (the
 * `zeromq` v6 binding refuses a second `send` while one is in progress, even on sockets that never block).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/** What a send queue needs from a socket. */
export interface ZmqWritable {
  send(message: Buffer | Buffer[]): Promise<void>;
}

/** Creates the folder of an `ipc://` spec (Pushpin's rundir may not exist yet); other specs are left alone. */
export function prepareSpec(spec: string): void {
  if (!spec.startsWith('ipc://')) return;
  const path = spec.slice('ipc://'.length);
  if (path.startsWith('@') || path === '') return; // abstract namespace
  mkdirSync(dirname(path), { recursive: true });
}

/**
 * The address a bound socket really listens on: `lastEndpoint` resolves `tcp://127.0.0.1:*` to the chosen
 * port (tests bind that way); otherwise the configured spec.
 */
export function boundEndpoint(spec: string, lastEndpoint: string | null): string {
  return spec.includes(':*') && lastEndpoint ? lastEndpoint : spec;
}

/**
 * Sends messages one at a time, in order, queueing at most `limit` of them; past that new messages are
 * dropped (counted), never buffered without bound. Send errors go to `onError` and do not stop the queue.
 */
export class SendQueue {
  private readonly queue: Array<Buffer | Buffer[]> = [];
  private sending = false;
  private closed = false;
  /** Messages dropped because the queue was full. */
  dropped = 0;

  constructor(
    private readonly socket: ZmqWritable,
    private readonly limit: number,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Queues one message; false when it was dropped (queue full or closed). */
  push(message: Buffer | Buffer[]): boolean {
    if (this.closed) return false;
    if (this.queue.length >= this.limit) {
      this.dropped++;
      return false;
    }
    this.queue.push(message);
    if (!this.sending) void this.drain();
    return true;
  }

  /** Resolves once everything queued so far was handed to the socket. */
  async idle(): Promise<void> {
    while (this.sending || this.queue.length > 0) await new Promise<void>((resolve) => setImmediate(resolve));
  }

  close(): void {
    this.closed = true;
    this.queue.length = 0;
  }

  private async drain(): Promise<void> {
    this.sending = true;
    try {
      while (this.queue.length > 0 && !this.closed) {
        const message = this.queue.shift() as Buffer | Buffer[];
        try {
          await this.socket.send(message);
        } catch (err) {
          if (this.closed) return;
          this.onError(err);
        }
      }
    } finally {
      this.sending = false;
    }
  }
}

/** What a receive loop needs from a socket. */
export interface ZmqReadable {
  readonly closed: boolean;
  receive(): Promise<Buffer[]>;
}

/**
 * Receives messages until the socket is closed, handing each to `onMessage`; a failed receive on an open
 * socket is reported to `onError` and the loop goes on. Shared by the PULL and SUB intakes and the
 * command socket.
 */
export async function receiveEach(socket: ZmqReadable, onMessage: (frames: Buffer[]) => void, onError: (err: Error) => void): Promise<void> {
  while (!socket.closed) {
    let frames: Buffer[];
    try {
      frames = await socket.receive();
    } catch (err) {
      if (socket.closed) return;
      onError(err as Error);
      continue;
    }
    onMessage(frames);
  }
}

/** What `bindSocket` needs from a socket. */
export interface ZmqBindable {
  bind(spec: string): Promise<void>;
  close(): void;
  readonly lastEndpoint: string | null;
}

/**
 * Binds `socket` to the config key's `spec` (creating an ipc folder first) and returns the address it
 * really listens on; on failure closes it and throws an error naming the key and spec.
 */
export async function bindSocket(socket: ZmqBindable, spec: string, key: string): Promise<string> {
  try {
    prepareSpec(spec);
    await socket.bind(spec);
  } catch (err) {
    socket.close();
    throw new Error(`${key} ${spec}: cannot bind: ${(err as Error).message}`);
  }
  return boundEndpoint(spec, socket.lastEndpoint);
}
