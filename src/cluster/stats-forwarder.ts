import type { StatsEvent } from './messages';
import type { DeliveryCounts, HeldConnectionInfo, StatsEvents, SubMode } from '../stats/stats-events';

/** How often a worker sends its batched stats events to the supervisor (ms). */
const FLUSH_MS = 50;

/**
 * A worker process's StatsEvents: every call is one array push; the batch goes to the supervisor (which
 * owns the stats socket, `conncheck` and the report) over the cluster IPC channel every 50 ms. Connection
 * ids are made here, unique per worker (`thumbtack:<worker>-<n>`), so `connHeld` can answer at once.
 */
export class StatsForwarder implements StatsEvents {
  private batch: StatsEvent[] = [];
  private timer?: NodeJS.Timeout;
  private nextId = 0;

  constructor(
    private readonly workerId: number,
    private readonly send: (events: StatsEvent[]) => void,
  ) {}

  requestReceived(route: string | undefined): void {
    this.push(['request', route]);
  }
  activity(route: string | undefined, count: number): void {
    this.push(['activity', route, count]);
  }
  connHeld(conn: HeldConnectionInfo): string {
    const id = conn.id ?? `thumbtack:${this.workerId}-${++this.nextId}`;
    this.push(['held', { ...conn, id }]);
    return id;
  }
  connEnded(id: string): void {
    this.push(['ended', id]);
  }
  subscribed(mode: SubMode, channel: string): void {
    this.push(['sub', mode, channel]);
  }
  unsubscribed(mode: SubMode, channel: string): void {
    this.push(['unsub', mode, channel]);
  }
  delivered(channel: string, itemId: string | undefined, counts: DeliveryCounts, size: number | undefined): void {
    this.push(['delivered', channel, itemId, counts, size]);
  }
  /** Items are received by the supervisor's intakes, never by a worker. */
  itemsReceived(): void {}

  /** Sends what is batched now (also on shutdown). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.batch.length === 0) return;
    const events = this.batch;
    this.batch = [];
    this.send(events);
  }

  private push(event: StatsEvent): void {
    this.batch.push(event);
    if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), FLUSH_MS);
      this.timer.unref();
    }
  }
}

/** Replays a worker's batch into the supervisor's collector. */
export function replayStats(events: readonly StatsEvent[], into: StatsEvents): void {
  for (const e of events) {
    switch (e[0]) {
      case 'request':
        into.requestReceived(e[1]);
        break;
      case 'activity':
        into.activity(e[1], e[2]);
        break;
      case 'held':
        into.connHeld(e[1]);
        break;
      case 'ended':
        into.connEnded(e[1]);
        break;
      case 'sub':
        into.subscribed(e[1], e[2]);
        break;
      case 'unsub':
        into.unsubscribed(e[1], e[2]);
        break;
      case 'delivered':
        into.delivered(e[1], e[2], e[3], e[4]);
        break;
    }
  }
}
