import type { ConnType, DeliveryCounts, HeldConnectionInfo, StatsEvents, SubMode, Transport } from './stats-events';
import {
  activityMessage,
  connGoneMessage,
  connMessage,
  countsMessage,
  messageMessage,
  reportMessage,
  subGoneMessage,
  subMessage,
  type StatsMessage,
} from './stats-message';

export interface StatsCollectorOptions {
  /** The `from` field of every message (Pushpin: `pushpin-handler_<pid>`). */
  from: string;
  /** Seconds (`stats_connection_ttl`); `conn` is re-sent every 3/4 of it. */
  connectionTtlSec: number;
  /** Seconds (`stats_subscription_ttl`); `sub` is re-sent every 3/4 of it. */
  subscriptionTtlSec: number;
  /** Seconds a `response` subscription lingers before its `unavailable` (`subscription_linger`). */
  subscriptionLingerSec: number;
  /** Seconds between `report`s (`stats_report_interval`); fractions allowed (tests). */
  reportIntervalSec: number;
  /** Bytes per block (`message_block_size`); absent = no block counts. */
  blockSize?: number;
  /** Worker number in generated HTTP connection ids: `thumbtack:<worker>-<n>` (default 0). */
  workerId?: number;
  /** Receives every message, already batched; the socket layer encodes and sends it. */
  send: (msg: StatsMessage) => void;
  /** Clock in milliseconds (default `Date.now`). */
  now?: () => number;
  /** Start the report, refresh and flush timers (default true; unit tests drive them by hand). */
  timers?: boolean;
}

interface ConnRecord {
  id: string;
  type: ConnType;
  peerAddress: string;
  ssl: boolean;
  route?: string;
  start: number;
  lastSent: number;
  /** Connection-minutes already added to a report. */
  minutesCounted: number;
}

interface SubRecord {
  key: string;
  mode: SubMode;
  channel: string;
  count: number;
  announced: boolean;
  lastSent: number;
}

/** Cumulative counts since start, for Prometheus (Pushpin's counters are cumulative too). */
export interface StatsTotals {
  /** Client requests and WebSocket connections accepted (`request_received`). */
  requestsReceived: number;
  /** Connection-minutes (`connection_minute`), counted as the `report`s count them. */
  connectionMinutes: number;
  /** Items received by the publish intakes (`message_received`). */
  received: number;
  /** Deliveries to clients (`message_sent`), and per transport. */
  sent: number;
  sentByTransport: DeliveryCounts;
}

/** How often `conn`/`sub` refreshes and lingering `sub`s are checked, in ms. */
const SWEEP_MS = 1000;
/** `activity`, `counts` and subscription changes are batched this long, in ms (as Pushpin). */
const FLUSH_MS = 100;
const MINUTE_MS = 60_000;

/**
 * The stats side of Thumbtack: receives worker events (cheap calls), keeps connection and subscription
 * presence, and emits Pushpin's stats messages: `conn`/`sub` on change and every 3/4 TTL, `message` per
 * delivered item and transport, `activity`/`counts` every 100 ms when non-zero, `report` every interval.
 * The connection table also answers the command socket's `conncheck`.
 */
export class StatsCollector implements StatsEvents {
  private readonly now: () => number;
  private readonly conns = new Map<string, ConnRecord>();
  private readonly subs = new Map<string, SubRecord>();
  private readonly lingering = new Map<string, { rec: SubRecord; until: number }>();
  private readonly dirtySubs = new Set<SubRecord>();
  private readonly activityByRoute = new Map<string, number>();
  private requests = 0;
  private nextConn = 0;
  private readonly idPrefix: string;
  private current = 0;
  private peak = 0;
  private minutes = 0;
  private received = 0;
  private blocksReceived = 0;
  private sent = 0;
  private httpResponseSent = 0;
  private blocksSent = 0;
  private periodStart: number;
  private flushTimer?: NodeJS.Timeout;
  private sweepTimer?: NodeJS.Timeout;
  private reportTimer?: NodeJS.Timeout;
  private closed = false;
  /** Cumulative totals since start (read by the metrics endpoint; never reset). */
  readonly totals: StatsTotals = {
    requestsReceived: 0,
    connectionMinutes: 0,
    received: 0,
    sent: 0,
    sentByTransport: { 'http-response': 0, 'http-stream': 0, 'ws-message': 0 },
  };
  /** Current subscriptions (connection × channel) per mode. */
  readonly subscribers: Record<SubMode, number> = { response: 0, stream: 0, ws: 0 };

  constructor(private readonly opts: StatsCollectorOptions) {
    this.now = opts.now ?? Date.now;
    this.idPrefix = `thumbtack:${opts.workerId ?? 0}-`;
    this.periodStart = this.now();
    if (opts.timers !== false) {
      this.sweepTimer = setInterval(() => this.sweep(), SWEEP_MS).unref();
      this.reportTimer = setInterval(() => this.report(), Math.max(1, opts.reportIntervalSec * 1000)).unref();
    }
  }

  /** Held connections right now. */
  get connectionCount(): number {
    return this.conns.size;
  }

  /** Peak concurrent held connections in the current report period (Pushpin's `connection_connected`). */
  get connectionPeak(): number {
    return this.peak;
  }

  /** When the held connection with this id started (ms, the collector's clock), if it is held. */
  connectionStart(id: string): number | undefined {
    return this.conns.get(id)?.start;
  }

  /** Is this connection id currently held here? (`conncheck`) */
  hasConnection(id: string): boolean {
    return this.conns.has(id);
  }

  requestReceived(route: string | undefined): void {
    this.requests++;
    this.totals.requestsReceived++;
    this.activity(route, 1);
  }

  activity(route: string | undefined, count: number): void {
    const key = route ?? '';
    this.activityByRoute.set(key, (this.activityByRoute.get(key) ?? 0) + count);
    this.scheduleFlush();
  }

  connHeld(conn: HeldConnectionInfo): string {
    const id = conn.id ?? `${this.idPrefix}${this.nextConn++}`;
    const now = this.now();
    const existing = this.conns.get(id);
    if (existing) this.conns.delete(id);
    else {
      this.current++;
      if (this.current > this.peak) this.peak = this.current;
      this.minutes++;
      this.totals.connectionMinutes++;
    }
    const rec: ConnRecord = {
      id,
      type: conn.type,
      peerAddress: conn.peerAddress,
      ssl: conn.ssl,
      route: conn.route,
      start: existing?.start ?? now,
      lastSent: now,
      minutesCounted: existing?.minutesCounted ?? 1,
    };
    this.conns.set(id, rec);
    this.emit(connMessage(this.opts.from, rec, this.opts.connectionTtlSec));
    return id;
  }

  connEnded(id: string): void {
    const rec = this.conns.get(id);
    if (!rec) return;
    this.conns.delete(id);
    this.current--;
    this.countMinutes(rec, this.now());
    this.emit(connGoneMessage(this.opts.from, id, rec.route));
  }

  subscribed(mode: SubMode, channel: string): void {
    const key = `${mode} ${channel}`;
    let rec = this.subs.get(key);
    if (!rec) {
      const lingering = this.lingering.get(key);
      if (lingering) {
        this.lingering.delete(key);
        rec = lingering.rec;
      } else {
        rec = { key, mode, channel, count: 0, announced: false, lastSent: 0 };
      }
      this.subs.set(key, rec);
    }
    rec.count++;
    this.subscribers[mode]++;
    this.dirtySubs.add(rec);
    this.scheduleFlush();
  }

  unsubscribed(mode: SubMode, channel: string): void {
    const rec = this.subs.get(`${mode} ${channel}`);
    if (!rec || rec.count === 0) return;
    rec.count--;
    this.subscribers[mode]--;
    this.dirtySubs.add(rec);
    this.scheduleFlush();
  }

  delivered(channel: string, itemId: string | undefined, counts: DeliveryCounts, size: number | undefined): void {
    const blocksPer = this.blocksOf(size);
    for (const transport of Object.keys(counts) as Transport[]) {
      const count = counts[transport];
      if (count <= 0) continue;
      this.sent += count;
      this.totals.sent += count;
      this.totals.sentByTransport[transport] += count;
      if (transport === 'http-response') this.httpResponseSent += count;
      const blocks = blocksPer === undefined ? undefined : blocksPer * count;
      if (blocks !== undefined) this.blocksSent += blocks;
      this.emit(messageMessage(this.opts.from, channel, itemId, transport, count, blocks));
    }
  }

  itemsReceived(items: ReadonlyArray<{ size?: number }>): void {
    this.received += items.length;
    this.totals.received += items.length;
    if (this.opts.blockSize === undefined) return;
    for (const item of items) this.blocksReceived += this.blocksOf(item.size) ?? 0;
  }

  /** Sends batched `activity`, `counts` and changed subscriptions now (the 100 ms timer calls it). */
  flush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const { from } = this.opts;
    for (const [route, count] of this.activityByRoute) this.emit(activityMessage(from, route || undefined, count));
    this.activityByRoute.clear();
    if (this.requests > 0) this.emit(countsMessage(from, this.requests));
    this.requests = 0;
    if (this.dirtySubs.size === 0) return;
    const now = this.now();
    for (const rec of this.dirtySubs) this.settleSub(rec, now);
    this.dirtySubs.clear();
  }

  /** Re-sends `conn`/`sub` due for refresh (3/4 TTL) and ends expired `response` lingers. */
  sweep(): void {
    if (this.dirtySubs.size > 0 || this.activityByRoute.size > 0) this.flush();
    const now = this.now();
    const connDue = now - this.opts.connectionTtlSec * 750;
    const dueConns: ConnRecord[] = [];
    for (const rec of this.conns.values()) {
      if (rec.lastSent > connDue) break;
      dueConns.push(rec);
    }
    for (const rec of dueConns) {
      this.conns.delete(rec.id);
      rec.lastSent = now;
      this.conns.set(rec.id, rec);
      this.emit(connMessage(this.opts.from, rec, this.opts.connectionTtlSec));
    }
    const subDue = now - this.opts.subscriptionTtlSec * 750;
    const dueSubs: SubRecord[] = [];
    for (const rec of this.subs.values()) {
      if (rec.lastSent > subDue) break;
      if (rec.announced && rec.count > 0) dueSubs.push(rec);
    }
    for (const rec of dueSubs) this.announceSub(rec, now);
    const ended: string[] = [];
    for (const [key, entry] of this.lingering) {
      if (entry.until > now) break;
      ended.push(key);
      this.emit(subGoneMessage(this.opts.from, entry.rec.mode, entry.rec.channel));
    }
    for (const key of ended) this.lingering.delete(key);
  }

  /** Sends the period's `report` and starts a new period (the report timer calls it). */
  report(): void {
    this.flush();
    const now = this.now();
    for (const rec of this.conns.values()) this.countMinutes(rec, now);
    const blocks = this.opts.blockSize !== undefined;
    this.emit(
      reportMessage(this.opts.from, {
        connections: this.peak,
        minutes: this.minutes,
        received: this.received,
        sent: this.sent,
        httpResponseSent: this.httpResponseSent,
        blocksReceived: blocks ? this.blocksReceived : undefined,
        blocksSent: blocks ? this.blocksSent : undefined,
        durationMs: Math.max(0, Math.round(now - this.periodStart)),
      }),
    );
    this.periodStart = now;
    this.peak = this.current;
    this.minutes = 0;
    this.received = 0;
    this.blocksReceived = 0;
    this.sent = 0;
    this.httpResponseSent = 0;
    this.blocksSent = 0;
  }

  /** Stops the timers after sending what is batched. Later events are ignored. */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    if (this.reportTimer) clearInterval(this.reportTimer);
  }

  private emit(msg: StatsMessage): void {
    if (!this.closed) this.opts.send(msg);
  }

  private scheduleFlush(): void {
    if (this.flushTimer || this.closed || this.opts.timers === false) return;
    this.flushTimer = setTimeout(() => this.flush(), FLUSH_MS).unref();
  }

  private blocksOf(size: number | undefined): number | undefined {
    const bs = this.opts.blockSize;
    if (bs === undefined || bs <= 0) return undefined;
    return Math.max(1, Math.ceil((size ?? 0) / bs));
  }

  /** Adds the connection-minutes begun since last counted: one at the start, then one per full minute. */
  private countMinutes(rec: ConnRecord, now: number): void {
    const total = 1 + Math.floor(Math.max(0, now - rec.start) / MINUTE_MS);
    if (total > rec.minutesCounted) {
      this.minutes += total - rec.minutesCounted;
      this.totals.connectionMinutes += total - rec.minutesCounted;
      rec.minutesCounted = total;
    }
  }

  private announceSub(rec: SubRecord, now: number): void {
    this.subs.delete(rec.key);
    rec.lastSent = now;
    rec.announced = true;
    this.subs.set(rec.key, rec);
    this.emit(subMessage(this.opts.from, rec.mode, rec.channel, this.opts.subscriptionTtlSec, rec.count));
  }

  /** After a count change: announce the new count, or end the subscription (after a linger for long-polls). */
  private settleSub(rec: SubRecord, now: number): void {
    if (this.subs.get(rec.key) !== rec) return;
    if (rec.count > 0) {
      this.announceSub(rec, now);
      return;
    }
    this.subs.delete(rec.key);
    if (!rec.announced) return;
    const lingerMs = this.opts.subscriptionLingerSec * 1000;
    if (rec.mode === 'response' && lingerMs > 0) this.lingering.set(rec.key, { rec, until: now + lingerMs });
    else this.emit(subGoneMessage(this.opts.from, rec.mode, rec.channel));
  }
}
