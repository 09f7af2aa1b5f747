import type { HeldEndpoint } from '../stats/held-connection';
import { toHeaderString } from '../grip/header-params';
import type { Instruction, KeepAlive, NextLink } from '../grip/types';
import type { HttpStreamFormat, PublishItem } from '../publish/item-types';
import { compactMap } from '../core/single-entry-map';
import { TimerSlots } from '../timers/timer-slots';
import type { ClientStream } from './client-stream';
import { applyMessageFilters, contentFilterMismatch } from './filters';
import type { HoldContext } from './hold-context';
import { readLinkResponse, type LinkSink } from './link-response';
import { gripLastHeaders, nextLinkRetryDelayMs, prevIdMap, replaceChannels, STREAM_QUEUE_MAX, type HeldChannel } from './next-link';
import { replayOnHold, replayUpTo, streamResetEvent } from './stream-replay';
import type { LinkResponse, StreamHoldOptions, StreamOwner } from './stream-types';
import type { CloseReason, DeliveryOutcome, Subscriber, UpdatePriority } from './subscriber';
import type { UpdateTarget } from './update-limiter';

const SUBSCRIBER = Symbol('thumbtack.subscriber');
type HeldResponse = HeldEndpoint & { [SUBSCRIBER]?: StreamSubscriber };

/** Shared listener: no closure per held connection. */
function onClientClose(this: HeldResponse): void {
  this[SUBSCRIBER]?.close('gone');
}

/** Keep-alive wait: `timeout` seconds minus 0–999 ms of jitter, as Pushpin does. */
export function keepAliveDelayMs(timeoutSec: number, random: () => number = Math.random): number {
  return Math.max(1, timeoutSec * 1000 - Math.floor(random() * 1000));
}

const SLOT_KEEP_ALIVE = 0;
const SLOT_LINK = 1;
const SLOT_RETRY = 2;
const EMPTY = Buffer.alloc(0);

type State = 'holding' | 'waiting' | 'fetching' | 'closed';

/**
 * An HTTP streaming (or SSE) client. The head and initial body are already written; each `http-stream`
 * item appends its content (after the channel's filters), keep-alives fill quiet periods, `close` ends the
 * response. With a next link (spec grip-headers.md §7) it recovers from gaps: a prev-id mismatch, a `hint`,
 * `recover`, the first-subscription update or the link's `timeout=` fetch the link; its body is appended and
 * its instruction replaces the channels. With history on, a gap is first filled from the history.
 */
export class StreamSubscriber implements Subscriber, UpdateTarget, LinkSink {
  readonly kind = 'stream';
  /** The channels held, by full name (their names are its keys: no separate list is kept per connection). */
  private held: ReadonlyMap<string, HeldChannel>;
  private meta: Record<string, string>;
  private keepAlive?: KeepAlive;
  private link?: NextLink;
  private currentUri: string;
  private holdMode: boolean;
  private state: State = 'holding';
  private counted = false;
  /** Items held back while the next link is fetched (allocated on first use, like the two below). */
  private queue?: PublishItem[];
  private needUpdate?: UpdatePriority;
  private retries = 0;
  /** Channels that had traffic since the link timer was armed (all busy: postpone the fetch). */
  private active?: Set<string>;
  private linkDeferred = false;
  private abortFetch?: () => void;
  private fetchSeq = 0;
  /** `Grip-Last` values added to the next fetch only (client cursors the history could not serve). */
  private extraLast?: Array<[string, string]>;
  private readonly slots: TimerSlots<Subscriber>;
  /** The response is `text/event-stream`: gaps are signalled in-band. */
  private readonly sse: boolean;
  /** Route `sub=` channels, kept when a link's instruction replaces the channels. */
  private readonly implicit: ReadonlySet<string>;
  /** The client's resume position, used once by the first hold. */
  private cursors?: StreamHoldOptions['cursors'];

  constructor(
    private readonly ctx: HoldContext,
    /** What emits `close` when the client is gone: the `ServerResponse`, or the socket once taken over. */
    private readonly endpoint: HeldEndpoint,
    private readonly owner: StreamOwner,
    opts: StreamHoldOptions,
    /** Where the body goes: the `ServerResponse`, or the socket once detached from the HTTP server. */
    readonly clientOut: ClientStream,
  ) {
    this.held = compactMap(opts.channels);
    this.meta = opts.meta;
    this.keepAlive = opts.keepAlive;
    this.link = opts.link;
    this.currentUri = opts.currentUri;
    this.holdMode = opts.held;
    // Copied, not the options object kept: every held connection carries this record.
    this.sse = opts.sse;
    this.implicit = opts.implicit;
    this.cursors = opts.cursors;
    this.slots = new TimerSlots<Subscriber>(ctx.scheduler, this, 3);
  }

  get channels(): readonly string[] {
    return [...this.held.keys()];
  }

  get channelCount(): number {
    return this.held.size;
  }

  get route(): string {
    return this.owner.routeId;
  }

  get connectionId(): string {
    return this.owner.connectionId;
  }

  get queuedBytes(): number {
    return this.clientOut.writableLength;
  }

  /** Registers on the channels and arms the timers; the response head must already be sent. */
  start(): void {
    (this.endpoint as HeldResponse)[SUBSCRIBER] = this;
    this.endpoint.on('close', onClientClose); // shared; `close()` is idempotent
    if (this.clientOut.destroyed) {
      this.state = 'closed';
      return;
    }
    this.counted = true;
    this.ctx.counters.held.stream++;
    for (const channel of this.held.keys()) this.ctx.index.add(channel, this);
    if (!this.holdMode) {
      // An unheld response with a next link: follow the link right away.
      this.state = 'fetching';
      this.requestLink();
      return;
    }
    this.armKeepAlive();
    this.firstHold();
  }

  deliver(item: PublishItem): DeliveryOutcome {
    if (this.state === 'closed') return 'closed';
    const format = item.formats['http-stream'];
    if (!format) return 'ignored';
    if (this.state !== 'holding') return this.enqueue(item);
    return this.process(item, format, false);
  }

  /** `hint` (high) or a gap, `recover`, first subscription, link timeout (low): fetch the next link. */
  update(priority: UpdatePriority): void {
    if (this.state === 'closed') return;
    if (this.state === 'fetching') {
      if (this.needUpdate !== 'high') this.needUpdate = priority;
      return;
    }
    if (this.state === 'waiting') {
      if (priority === 'low') return;
      this.ctx.reliable.updates.remove(this);
      this.state = 'holding';
    }
    if (this.link === undefined) return; // nothing to fetch
    this.slots.clear(SLOT_LINK);
    if (priority === 'high') this.runUpdate();
    else {
      this.state = 'waiting';
      this.ctx.reliable.updates.add(this.link.uri, this);
    }
  }

  /** The update limiter lets this stream fetch its link now. */
  runUpdate(): void {
    if (this.state === 'closed' || this.link === undefined) return;
    this.state = 'fetching';
    this.requestLink();
  }

  onTimer(): void {
    const due = this.slots.expire();
    if (this.state === 'closed') return;
    if (due & (1 << SLOT_KEEP_ALIVE) && this.keepAlive) {
      this.write(this.keepAlive.data, false);
      this.ctx.stats?.activity(undefined, 1);
      this.armKeepAlive();
    }
    if (due & (1 << SLOT_LINK)) {
      if (this.linkDeferred) {
        this.linkDeferred = false;
        this.armLinkTimer();
      } else this.update('low');
    }
    if (due & (1 << SLOT_RETRY) && this.state === 'fetching') this.requestLink();
  }

  close(reason: CloseReason): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    if (this.counted) this.ctx.counters.held.stream--;
    if (reason === 'slow') this.ctx.counters.closedSlow++;
    for (const channel of this.held.keys()) this.ctx.index.remove(channel, this);
    this.slots.clearAll();
    this.ctx.reliable.updates.remove(this);
    this.abortFetch?.();
    this.abortFetch = undefined;
    this.queue = undefined;
    if (reason === 'slow' || reason === 'error') this.clientOut.destroy();
    else if (!this.clientOut.writableEnded) this.clientOut.end();
  }

  // ---- LinkSink: the next-link response ----

  body(data: Buffer): void {
    this.slots.clear(SLOT_KEEP_ALIVE); // Pushpin stops the keep-alive while link content flows
    this.write(data, false);
  }

  done(instruction: Instruction, deferredError?: string): void {
    this.abortFetch = undefined;
    if (this.state === 'closed') return;
    this.retries = 0;
    this.currentUri = this.link?.uri ?? this.currentUri;
    this.link = instruction.nextLink;
    if (deferredError !== undefined) {
      this.error(deferredError);
      return;
    }
    if (instruction.hold === 'stream') {
      this.holdMode = true;
      this.adoptHold(instruction);
      this.afterFetchHold();
      return;
    }
    if (this.link !== undefined) this.requestLink(); // an unheld link answer with a link of its own: chain on
    else this.close('done');
  }

  failed(detail: string, sentBytes: number): void {
    this.abortFetch = undefined;
    if (this.state === 'closed') return;
    if (sentBytes <= 0) {
      const delay = nextLinkRetryDelayMs(this.retries, this.ctx.reliable.random);
      if (delay !== undefined) {
        this.retries++;
        this.ctx.logger.debug('next link failed; retrying', { route: this.route, connection: this.connectionId, detail, delayMs: delay });
        this.slots.set(SLOT_RETRY, delay);
        return;
      }
    }
    this.ctx.counters.linkFailures++;
    this.ctx.logger.warn('next link failed; ending the stream', { route: this.route, connection: this.connectionId, detail });
    if (this.sse && [...this.held.values()].some((c) => c.prevId !== undefined)) this.signalGap([...this.held.values()], 'next-link-failed');
    this.error('Failed to retrieve next link.');
  }

  error(message: string): void {
    if (this.state === 'closed') return;
    if (this.owner.debug) this.write(Buffer.from(`\n\n${message}\n`), false);
    this.close('done');
  }

  // ---- internals ----

  /** The first hold: history replay, then Pushpin's check of each prev-id against the channel's last id. */
  private firstHold(): void {
    const cursors = this.cursors;
    this.cursors = undefined;
    const replay = replayOnHold(this.ctx, this.held, cursors, (item, f) => this.process(item, f, true));
    if (this.state === 'closed') return;
    if (replay.gaps.length > 0) {
      if (this.link !== undefined) {
        this.extraLast = replay.gaps.map((g): [string, string] => ['Grip-Last', toHeaderString(`${g.name}; last-id=${g.cursor}`)]);
      } else this.signalGap(replay.gaps.map((g) => ({ name: g.name, prevId: g.cursor, filters: [] })), 'history-gap');
    }
    let conflict = replay.gaps.length > 0 && this.link !== undefined;
    const lastIds = this.ctx.reliable.lastIds;
    if (lastIds !== undefined) {
      for (const [full, c] of this.held) {
        if (c.prevId === undefined || replay.covered.has(full)) continue;
        const last = lastIds.get(full);
        if (last !== undefined && last !== c.prevId) {
          lastIds.remove(full);
          conflict = true;
        }
      }
    }
    if (this.state !== 'holding') return;
    if (conflict) {
      this.update('low');
      return;
    }
    this.armLinkTimer();
  }

  /** One item for this stream, in holding state (or replayed): prev-id check, filters, action. */
  private process(item: PublishItem, format: HttpStreamFormat, replay: boolean): DeliveryOutcome {
    const c = this.held.get(item.channel);
    if (c === undefined) return 'ignored';
    if (c.prevId !== undefined && item.prevId !== c.prevId) {
      if (!replay && this.ctx.reliable.history !== undefined && this.recoverFromHistory(item)) return 'sent';
      this.ctx.reliable.lastIds?.remove(item.channel);
      this.queue = undefined;
      this.update('low');
      return 'dropped';
    }
    const mismatch = contentFilterMismatch(c.filters, format.contentFilters);
    if (mismatch !== undefined) {
      this.error(mismatch);
      return 'closed';
    }
    // A sent item advances the last id (one without id ends the checks); a hint leaves it (Pushpin 1.36).
    if (c.prevId !== undefined && format.action === 'send') c.prevId = item.id;
    let content = format.content ?? EMPTY;
    if (c.filters.length > 0) {
      const r = applyMessageFilters(c.filters, { subMeta: this.meta, pubMeta: item.meta, prevIds: prevIdMap(this.held.values()) }, content);
      if (r.action === 'drop') {
        this.ctx.counters.filtered++;
        return 'ignored';
      }
      if (r.action === 'error') {
        this.error(`filter error: ${r.message}`);
        return 'closed';
      }
      content = r.content;
    }
    switch (format.action) {
      case 'send': {
        const outcome = this.write(content, true);
        this.noteActivity(item.channel);
        return outcome;
      }
      case 'hint':
        this.queue = undefined;
        this.update('high');
        return 'sent';
      case 'close':
        this.close('done');
        return 'sent';
      default:
        return 'ignored';
    }
  }

  /** A live item does not follow: deliver what was missed from the history, up to and including it. */
  private recoverFromHistory(item: PublishItem): boolean {
    const c = this.held.get(item.channel);
    if (c?.prevId === undefined || item.id === undefined) return false;
    const replayed = replayUpTo(this.ctx, item.channel, c, item.id, (missed, f) => this.process(missed, f, true));
    return replayed;
  }

  private enqueue(item: PublishItem): DeliveryOutcome {
    const queue = (this.queue ??= []);
    if (queue.length >= STREAM_QUEUE_MAX) {
      this.ctx.counters.droppedQueue++;
      this.ctx.reliable.drops.drop('stream queue full while fetching the next link, dropping message', {
        route: this.route,
        connection: this.connectionId,
        channel: item.channel,
        id: item.id,
      });
      return 'dropped';
    }
    queue.push(item);
    return 'backpressure';
  }

  private requestLink(): void {
    const link = this.link;
    if (link === undefined) return;
    const seq = ++this.fetchSeq;
    const extra = gripLastHeaders(this.held.values()).concat(this.extraLast ?? []);
    this.extraLast = undefined;
    this.ctx.counters.linkFetches++;
    this.owner.fetchLink(link.uri, this.currentUri, extra).then(
      (r) => this.onLinkResponse(seq, link.uri, r),
      (err: unknown) => this.onLinkResponse(seq, link.uri, { ok: false, detail: String(err) }),
    );
  }

  private onLinkResponse(seq: number, uri: string, r: LinkResponse): void {
    if (seq !== this.fetchSeq || this.state !== 'fetching') {
      if (r.ok) r.response.destroy();
      return;
    }
    if (!r.ok) {
      this.failed(r.detail, 0);
      return;
    }
    this.abortFetch = readLinkResponse(r.response, uri, this);
  }

  /** Takes a stream instruction from a next link: channels replaced, meta, keep-alive. */
  private adoptHold(instruction: Instruction): void {
    const next = this.owner.channelsOf(instruction);
    const r = replaceChannels(this.held, next, this.implicit);
    for (const channel of r.removed) this.ctx.index.remove(channel, this);
    this.held = compactMap(r.channels);
    for (const channel of r.added) this.ctx.index.add(channel, this);
    this.meta = instruction.meta;
    this.keepAlive = instruction.keepAlive;
    this.active = undefined;
    if (this.keepAlive === undefined) this.slots.clear(SLOT_KEEP_ALIVE);
    else if (!this.slots.isSet(SLOT_KEEP_ALIVE)) this.armKeepAlive();
  }

  /** After a fetched hold: queued items that do not follow it are dropped, the rest sent, then hold. */
  private afterFetchHold(): void {
    const queue = this.queue ?? [];
    this.queue = undefined;
    while (queue.length > 0) {
      const first = queue[0] as PublishItem;
      const c = this.held.get(first.channel);
      if (c !== undefined && (c.prevId === undefined || c.prevId === first.prevId)) break;
      queue.shift();
    }
    this.state = 'holding';
    for (const item of queue) {
      if (this.state !== 'holding') break;
      this.process(item, item.formats['http-stream'] as HttpStreamFormat, false);
    }
    if (this.state !== 'holding') return;
    this.armLinkTimer();
    if (this.needUpdate !== undefined) {
      const p = this.needUpdate;
      this.needUpdate = undefined;
      this.update(p);
    }
  }

  /** Writes the SSE `stream-reset` event (SSE only) and counts the gap. */
  private signalGap(channels: HeldChannel[], reason: string): void {
    this.ctx.counters.gaps++;
    this.ctx.logger.info('gap not covered by history or next link', {
      route: this.route,
      connection: this.connectionId,
      reason,
      channels: channels.map((c) => c.name),
    });
    if (this.sse) this.write(streamResetEvent(channels, reason), false);
  }

  private noteActivity(channel: string): void {
    if (this.link === undefined) return;
    const active = (this.active ??= new Set());
    active.add(channel);
    if (active.size >= this.held.size) {
      active.clear();
      this.linkDeferred = true; // every channel is busy: postpone the periodic fetch by one period
    }
  }

  private armLinkTimer(): void {
    if (this.link === undefined) {
      this.slots.clear(SLOT_LINK);
      return;
    }
    this.linkDeferred = false;
    this.slots.set(SLOT_LINK, this.link.timeoutSec * 1000);
  }

  private write(data: Buffer, isContent: boolean): DeliveryOutcome {
    const out = this.clientOut;
    if (data.length > 0) out.write(data);
    if (out.writableLength > this.ctx.maxQueuedBytes) {
      this.ctx.logger.warn('closing slow stream client', { queuedBytes: out.writableLength, route: this.route, connection: this.connectionId });
      this.close('slow');
      return 'closed';
    }
    if (isContent && this.keepAlive?.mode === 'idle') this.armKeepAlive();
    return out.writableNeedDrain ? 'backpressure' : 'sent';
  }

  private armKeepAlive(): void {
    if (!this.keepAlive) return;
    this.slots.set(SLOT_KEEP_ALIVE, keepAliveDelayMs(this.keepAlive.timeoutSec));
  }
}
