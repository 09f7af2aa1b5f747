import type { ServerResponse } from 'node:http';
import type { ClientResponse } from '../grip/types';
import type { PublishItem } from '../publish/item-types';
import type { HoldContext } from './hold-context';
import { longPollResponse } from './long-poll-response';
import type { CloseReason, DeliveryOutcome, Subscriber } from './subscriber';

const SUBSCRIBER = Symbol('thumbtack.subscriber');
type HeldResponse = ServerResponse & { [SUBSCRIBER]?: ResponseSubscriber };

function onClientClose(this: HeldResponse): void {
  this[SUBSCRIBER]?.close('gone');
}

/** What a long-poll needs from its HTTP session: sending a response and re-requesting the backend. */
export interface LongPollOwner {
  /** Sends the final response (headers get CORS etc. from the session). */
  respond(response: ClientResponse): void;
  /** Re-sends the original request to the backend, with `Grip-Last` for channels that had a prev-id. */
  rerequest(lastIds: Array<[string, string]>): void;
}

/**
 * A long-polling client (`Grip-Hold: response`): nothing is sent until the first `http-response` item on one
 * of its channels, or the timeout, which sends the backend's original response.
 */
export class ResponseSubscriber implements Subscriber {
  readonly kind = 'response';
  private timerKey = -1;
  private done = false;

  constructor(
    private readonly ctx: HoldContext,
    private readonly res: ServerResponse,
    private readonly owner: LongPollOwner,
    readonly channels: readonly string[],
    private readonly timeoutResponse: ClientResponse,
    private readonly timeoutSec: number,
    /** Channel → the prev-id the backend gave; advanced by matching items. */
    private readonly lastIds: Map<string, string>,
  ) {}

  start(): void {
    const held = this.res as HeldResponse;
    if (held[SUBSCRIBER] === undefined) this.res.once('close', onClientClose);
    held[SUBSCRIBER] = this;
    if (this.res.destroyed) {
      this.done = true;
      return;
    }
    this.ctx.counters.held.response++;
    for (const channel of this.channels) this.ctx.index.add(channel, this);
    this.timerKey = this.ctx.scheduler.schedule(this.timeoutSec * 1000, this);
  }

  deliver(item: PublishItem): DeliveryOutcome {
    if (this.done) return 'closed';
    const format = item.formats['http-response'];
    if (!format || format.action === 'close' || format.action === 'refresh') return 'ignored';
    if (format.action === 'hint') {
      this.rerequest();
      return 'sent';
    }
    const expected = this.lastIds.get(item.channel);
    if (item.prevId !== undefined && expected !== undefined && item.prevId !== expected) {
      this.rerequest();
      return 'dropped';
    }
    this.finish('done');
    this.owner.respond(longPollResponse(this.timeoutResponse, format));
    return 'sent';
  }

  onTimer(): void {
    this.timerKey = -1;
    if (this.done) return;
    this.finish('timeout');
    this.owner.respond(this.timeoutResponse);
  }

  close(reason: CloseReason): void {
    if (this.done) return;
    this.finish(reason);
    if (reason !== 'done' && reason !== 'timeout' && !this.res.writableEnded) this.res.destroy();
  }

  private rerequest(): void {
    const lastIds = [...this.lastIds.entries()];
    this.finish('rerequest');
    this.owner.rerequest(lastIds);
  }

  /** Leaves the channels and the timer wheel; the response object stays with the session. */
  private finish(_reason: CloseReason): void {
    this.done = true;
    this.ctx.counters.held.response--;
    for (const channel of this.channels) this.ctx.index.remove(channel, this);
    if (this.timerKey >= 0) this.ctx.scheduler.cancel(this.timerKey);
    this.timerKey = -1;
  }
}
