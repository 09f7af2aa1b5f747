import type { ServerResponse } from 'node:http';
import type { ClientResponse } from '../grip/types';
import type { PublishItem } from '../publish/item-types';
import { applyMessageFilters, contentFilterMismatch } from './filters';
import type { HoldContext } from './hold-context';
import { longPollResponse } from './long-poll-response';
import { prevIdMap, type HeldChannel } from './next-link';
import type { CloseReason, DeliveryOutcome, Subscriber, UpdatePriority } from './subscriber';
import type { UpdateTarget } from './update-limiter';

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
  /** Ends the long-poll with `502 Bad Gateway` (the text in debug mode, else the generic one). */
  respondError(debugText: string): void;
  readonly routeId?: string;
  readonly connectionId?: string;
}

export interface LongPollOptions {
  /** Full channel name (route prefix included) → channel (backend name, prev-id, filters). */
  channels: Map<string, HeldChannel>;
  /** Subscription meta for filters. */
  meta: Record<string, string>;
  /** What the client gets on timeout: the instruction response. */
  timeoutResponse: ClientResponse;
  /** Seconds. */
  timeoutSec: number;
}

/** Seconds a long-poll client is told to wait before retrying when the proxy shuts down. */
export const SHUTDOWN_RETRY_AFTER_SEC = 1;

/** What a held long-poll gets at shutdown: `503` with `Retry-After`, and the connection closed after it. */
export function shutdownResponse(): ClientResponse {
  return {
    code: 503,
    reason: 'Service Unavailable',
    headers: [
      ['Content-Type', 'text/plain'],
      ['Retry-After', String(SHUTDOWN_RETRY_AFTER_SEC)],
      ['Connection', 'close'],
    ],
    body: Buffer.from('Service shutting down; retry.\n'),
  };
}

/** Every long-poll shares one update-limiter key, as in Pushpin (their next link is empty). */
const LONG_POLL_UPDATE_KEY = '';

/**
 * A long-polling client (`Grip-Hold: response`): nothing is sent until the first `http-response` item on one
 * of its channels, or the timeout, which sends the backend's original response. A `hint`, a prev-id
 * mismatch, `recover` or the first-subscription update re-request the backend instead (spec
 * grip-headers.md §5.2, §6).
 */
export class ResponseSubscriber implements Subscriber, UpdateTarget {
  readonly kind = 'response';
  private timerKey = -1;
  private done = false;
  private waiting = false;
  private registered = false;

  constructor(
    private readonly ctx: HoldContext,
    private readonly res: ServerResponse,
    private readonly owner: LongPollOwner,
    private readonly opts: LongPollOptions,
  ) {}

  /** Full channel names: the keys of `opts.channels` (not kept a second time per held connection). */
  get channels(): readonly string[] {
    return [...this.opts.channels.keys()];
  }

  get channelCount(): number {
    return this.opts.channels.size;
  }

  get route(): string | undefined {
    return this.owner.routeId;
  }

  get connectionId(): string | undefined {
    return this.owner.connectionId;
  }

  start(): void {
    const held = this.res as HeldResponse;
    if (held[SUBSCRIBER] === undefined) this.res.once('close', onClientClose);
    held[SUBSCRIBER] = this;
    if (this.res.destroyed) {
      this.done = true;
      return;
    }
    const pending = this.fromHistory();
    if (this.conflict(pending.covered)) {
      // Pushpin re-requests before holding when a prev-id is behind the channel's last id.
      this.done = true;
      this.ctx.counters.rerequests++;
      this.owner.rerequest(this.lastIdPairs());
      return;
    }
    this.registered = true;
    this.ctx.counters.held.response++;
    for (const channel of this.opts.channels.keys()) this.ctx.index.add(channel, this);
    this.timerKey = this.ctx.scheduler.schedule(this.opts.timeoutSec * 1000, this);
    if (pending.item !== undefined) this.deliver(pending.item);
  }

  deliver(item: PublishItem): DeliveryOutcome {
    if (this.done) return 'closed';
    const format = item.formats['http-response'];
    if (!format || format.action === 'close' || format.action === 'refresh') return 'ignored';
    if (this.waiting) return 'ignored'; // a re-request is on its way; Pushpin ignores items meanwhile
    const c = this.opts.channels.get(item.channel);
    if (c === undefined) return 'ignored';
    if (c.prevId !== undefined && item.prevId !== c.prevId) {
      this.ctx.reliable.lastIds?.remove(item.channel);
      this.update('low');
      return 'dropped';
    }
    const mismatch = contentFilterMismatch(c.filters, format.contentFilters);
    if (mismatch !== undefined) {
      this.fail(mismatch);
      return 'closed';
    }
    // A sent item advances the last id (one without id ends the checks); a hint leaves it (Pushpin 1.36).
    if (c.prevId !== undefined && format.action === 'send') c.prevId = item.id;
    const response = longPollResponse(this.opts.timeoutResponse, format);
    if (c.filters.length > 0) {
      const r = applyMessageFilters(c.filters, { subMeta: this.opts.meta, pubMeta: item.meta, prevIds: prevIdMap(this.opts.channels.values()) }, response.body);
      if (r.action === 'drop') {
        this.ctx.counters.filtered++;
        return 'ignored';
      }
      if (r.action === 'error') {
        this.fail(`filter error: ${r.message}`);
        return 'closed';
      }
      response.body = r.content;
    }
    if (format.action === 'hint') {
      this.update('high');
      return 'sent';
    }
    this.finish('done');
    this.owner.respond(response);
    return 'sent';
  }

  /** Re-request the backend: `high` at once (hint), `low` through the worker's update limiter. */
  update(priority: UpdatePriority): void {
    if (this.done) return;
    if (priority === 'low') {
      if (this.waiting) return;
      this.waiting = true;
      this.ctx.reliable.updates.add(LONG_POLL_UPDATE_KEY, this);
      return;
    }
    this.rerequest();
  }

  runUpdate(): void {
    if (this.done) return;
    this.rerequest();
  }

  onTimer(): void {
    this.timerKey = -1;
    if (this.done) return;
    this.finish('timeout');
    this.owner.respond(this.opts.timeoutResponse);
  }

  close(reason: CloseReason): void {
    if (this.done) return;
    this.finish(reason);
    if (reason === 'shutdown' && !this.res.headersSent && !this.res.destroyed) {
      // A retry hint the client can act on: the poll is answered, not cut.
      this.owner.respond(shutdownResponse());
      return;
    }
    if (reason !== 'done' && reason !== 'timeout' && !this.res.writableEnded) this.res.destroy();
  }

  /** Channels with a last id, as `Grip-Last` names them (the backend's name, without the route prefix). */
  private lastIdPairs(): Array<[string, string]> {
    const out: Array<[string, string]> = [];
    for (const c of this.opts.channels.values()) if (c.prevId !== undefined) out.push([c.name, c.prevId]);
    return out;
  }

  private rerequest(): void {
    const lastIds = this.lastIdPairs();
    this.finish('rerequest');
    this.ctx.counters.rerequests++;
    this.owner.rerequest(lastIds);
  }

  private fail(message: string): void {
    this.finish('error');
    this.owner.respondError(message);
  }

  /**
   * History (Thumbtack only): for a channel whose prev-id the history knows, the first later item with an
   * `http-response` format answers the poll at once.
   */
  private fromHistory(): { covered: Set<string>; item?: PublishItem } {
    const covered = new Set<string>();
    const history = this.ctx.reliable.history;
    if (history === undefined) return { covered };
    let item: PublishItem | undefined;
    for (const [full, c] of this.opts.channels) {
      if (c.prevId === undefined) continue;
      const r = history.after(full, c.prevId);
      if (r.kind !== 'found') continue;
      covered.add(full);
      if (item === undefined) {
        item = r.items.find((i) => i.formats['http-response']?.action === 'send');
        if (item !== undefined) this.ctx.counters.replayed++;
      }
    }
    return item === undefined ? { covered } : { covered, item };
  }

  /** Pushpin's check: a prev-id that differs from the channel's recorded last id (which is then cleared). */
  private conflict(covered: ReadonlySet<string>): boolean {
    const lastIds = this.ctx.reliable.lastIds;
    if (lastIds === undefined) return false;
    let conflict = false;
    for (const [full, c] of this.opts.channels) {
      if (c.prevId === undefined || covered.has(full)) continue;
      const last = lastIds.get(full);
      if (last !== undefined && last !== c.prevId) {
        lastIds.remove(full);
        conflict = true;
      }
    }
    return conflict;
  }

  /** Leaves the channels, the timer wheel and the update limiter; the response object stays with the session. */
  private finish(_reason: CloseReason): void {
    this.done = true;
    if (this.waiting) this.ctx.reliable.updates.remove(this);
    this.waiting = false;
    if (!this.registered) return;
    this.registered = false;
    this.ctx.counters.held.response--;
    for (const channel of this.opts.channels.keys()) this.ctx.index.remove(channel, this);
    if (this.timerKey >= 0) this.ctx.scheduler.cancel(this.timerKey);
    this.timerKey = -1;
  }
}
