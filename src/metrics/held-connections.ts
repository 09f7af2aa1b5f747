/**
 * Walks one worker's held connections for metrics and the dashboard: HTTP long-polls and streams through
 * the channel index (a connection on several channels is counted once), client WebSockets through the
 * WebSocket registry (subscribed or not). Nothing is kept per connection for this: the walk happens when a
 * scrape or a dashboard snapshot asks, and the dashboard table stops after its first rows.
 */
import type { ChannelIndex } from '../hold/channel-index';
import type { Subscriber } from '../hold/subscriber';
import type { RegisteredSession } from '../proxy/websocket/ws-registry';

/** Transport label of a held connection. */
export type HeldTransport = 'http-response' | 'http-stream' | 'ws';

/** What the walk reads from a worker. */
export interface HeldSources {
  index: ChannelIndex;
  /** The worker's open client WebSockets. */
  sessions(): Iterable<RegisteredSession>;
}

/** One row of the dashboard's connection table (its age is added by the supervisor, which has the start times). */
export interface HeldRow {
  id: string;
  transport: HeldTransport;
  /** Route id (HTTP: the route's id, derived from its condition when it has no `id=`; WebSocket: `id=` or ''). */
  route: string;
  channels: string[];
  /** Bytes written but not yet taken by the client. */
  queuedBytes: number;
  worker: number;
}

/** Held connections per transport and route. */
export interface HeldCount {
  transport: HeldTransport;
  route: string;
  count: number;
}

const TRANSPORT: Record<'response' | 'stream', HeldTransport> = { response: 'http-response', stream: 'http-stream' };

/**
 * Calls `visit` once per held HTTP subscriber (not WebSockets); stops when it returns false and returns the
 * subscriber it stopped at.
 */
function eachHttpSubscriber(index: ChannelIndex, visit: (sub: Subscriber) => boolean): Subscriber | undefined {
  const seen = new Set<Subscriber>();
  for (const channel of index.channels()) {
    const set = index.get(channel);
    if (!set) continue;
    for (const sub of set) {
      if (sub.kind === 'websocket') continue;
      // Most connections hold one channel: only those on several need the seen-set.
      if (sub.channelCount > 1) {
        if (seen.has(sub)) continue;
        seen.add(sub);
      }
      if (!visit(sub)) return sub;
    }
  }
  return undefined;
}

/** Held connections by transport and route: O(held connections + channel memberships). */
export function countHeld(src: HeldSources): HeldCount[] {
  const counts = new Map<string, HeldCount>();
  const add = (transport: HeldTransport, route: string): void => {
    const key = `${transport} ${route}`;
    const entry = counts.get(key);
    if (entry) entry.count++;
    else counts.set(key, { transport, route, count: 1 });
  };
  eachHttpSubscriber(src.index, (sub) => {
    add(TRANSPORT[sub.kind as 'response' | 'stream'], sub.route ?? '');
    return true;
  });
  for (const session of src.sessions()) add('ws', session.route ?? '');
  return [...counts.values()];
}

/** The first `limit` held connections (HTTP ones first, then WebSockets) as table rows. */
export function heldRows(src: HeldSources, limit: number, worker: number): HeldRow[] {
  const rows: HeldRow[] = [];
  if (limit <= 0) return rows;
  eachHttpSubscriber(src.index, (sub) => {
    rows.push({
      id: sub.connectionId ?? '',
      transport: TRANSPORT[sub.kind as 'response' | 'stream'],
      route: sub.route ?? '',
      channels: [...sub.channels],
      queuedBytes: sub.queuedBytes ?? 0,
      worker,
    });
    return rows.length < limit;
  });
  if (rows.length >= limit) return rows;
  for (const session of src.sessions()) {
    rows.push({
      id: session.cid,
      transport: 'ws',
      route: session.route ?? '',
      channels: session.channels ? [...session.channels] : [],
      queuedBytes: session.queuedBytes ?? 0,
      worker,
    });
    if (rows.length >= limit) break;
  }
  return rows;
}

/**
 * Closes the held connection with this id (an operator's request): a stream ends its response, a WebSocket
 * gets a normal close (1000), a long-poll is dropped (it has no response to send yet). Returns false when no
 * held connection here has that id.
 */
export function closeHeld(src: HeldSources, id: string): boolean {
  if (id === '') return false;
  const found = eachHttpSubscriber(src.index, (sub) => sub.connectionId !== id);
  if (found !== undefined) {
    found.close(found.kind === 'stream' ? 'done' : 'shutdown');
    return true;
  }
  for (const session of src.sessions()) {
    if (session.cid !== id) continue;
    session.close('done');
    return true;
  }
  return false;
}
