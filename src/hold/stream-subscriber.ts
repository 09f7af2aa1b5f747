import type { ServerResponse } from 'node:http';
import type { KeepAlive } from '../grip/types';
import type { PublishItem } from '../publish/item-types';
import type { HoldContext } from './hold-context';
import type { CloseReason, DeliveryOutcome, Subscriber } from './subscriber';

const SUBSCRIBER = Symbol('thumbtack.subscriber');
type HeldResponse = ServerResponse & { [SUBSCRIBER]?: StreamSubscriber };

/** Shared listener: no closure per held connection. */
function onClientClose(this: HeldResponse): void {
  this[SUBSCRIBER]?.close('gone');
}

/** Keep-alive wait: `timeout` seconds minus 0–999 ms of jitter, as Pushpin does. */
export function keepAliveDelayMs(timeoutSec: number, random: () => number = Math.random): number {
  return Math.max(1, timeoutSec * 1000 - Math.floor(random() * 1000));
}

/**
 * An HTTP streaming (or SSE) client: the response head and initial body are already written; each
 * `http-stream` item appends its content, keep-alives fill quiet periods, `close` ends the response.
 */
export class StreamSubscriber implements Subscriber {
  readonly kind = 'stream';
  private timerKey = -1;
  private closed = false;

  constructor(
    private readonly ctx: HoldContext,
    private readonly res: ServerResponse,
    readonly channels: readonly string[],
    private readonly keepAlive: KeepAlive | undefined,
  ) {}

  /** Registers on the channels and arms the keep-alive; the response head must already be sent. */
  start(): void {
    (this.res as HeldResponse)[SUBSCRIBER] = this;
    this.res.once('close', onClientClose);
    if (this.res.destroyed) {
      this.closed = true;
      return;
    }
    this.ctx.counters.held.stream++;
    for (const channel of this.channels) this.ctx.index.add(channel, this);
    this.armKeepAlive();
  }

  deliver(item: PublishItem): DeliveryOutcome {
    if (this.closed) return 'closed';
    const format = item.formats['http-stream'];
    if (!format) return 'ignored';
    if (format.action === 'close') {
      this.close('done');
      return 'sent';
    }
    if (format.action !== 'send' || !format.content) return 'ignored';
    return this.write(format.content, true);
  }

  onTimer(): void {
    this.timerKey = -1;
    if (this.closed || !this.keepAlive) return;
    this.write(this.keepAlive.data, false);
    this.armKeepAlive();
  }

  close(reason: CloseReason): void {
    if (this.closed) return;
    this.closed = true;
    this.ctx.counters.held.stream--;
    if (reason === 'slow') this.ctx.counters.closedSlow++;
    for (const channel of this.channels) this.ctx.index.remove(channel, this);
    if (this.timerKey >= 0) this.ctx.scheduler.cancel(this.timerKey);
    this.timerKey = -1;
    if (reason === 'slow' || reason === 'error') this.res.destroy();
    else if (!this.res.writableEnded) this.res.end();
  }

  private write(data: Buffer, isContent: boolean): DeliveryOutcome {
    if (data.length > 0) this.res.write(data);
    if (this.res.writableLength > this.ctx.maxQueuedBytes) {
      this.ctx.logger.warn('closing slow stream client', { queuedBytes: this.res.writableLength });
      this.close('slow');
      return 'closed';
    }
    if (isContent && this.keepAlive?.mode === 'idle') this.armKeepAlive();
    return this.res.writableNeedDrain ? 'backpressure' : 'sent';
  }

  private armKeepAlive(): void {
    if (!this.keepAlive) return;
    const delay = keepAliveDelayMs(this.keepAlive.timeoutSec);
    this.timerKey = this.timerKey >= 0 ? this.ctx.scheduler.reschedule(this.timerKey, delay, this) : this.ctx.scheduler.schedule(delay, this);
  }
}
