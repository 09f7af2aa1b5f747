/**
 * The dashboard's live feed, carried by Thumbtack itself: `GET /dashboard/events` on the metrics port
 * becomes an SSE stream held by a worker exactly like a client's GRIP stream hold (same subscriber class,
 * keep-alives, slow-reader limit), subscribed to the channel `thumbtack-dashboard`. The supervisor publishes
 * one snapshot item a second to that channel through its ordinary `publish()` while anyone holds it, so the
 * page exercises the publish pipeline, the bus and the fan-out it is watching.
 *
 * Side effect, by design: an open dashboard is one held connection (in the `conn` stats, and in the
 * dashboard's own table), one `stream` subscription, and one item received and sent a second.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HoldContext } from '../hold/hold-context';
import type { HeldChannel } from '../hold/next-link';
import { StreamSubscriber } from '../hold/stream-subscriber';
import type { LinkResponse, StreamOwner } from '../hold/stream-types';
import type { PublishItem } from '../publish/item-types';

/** The channel dashboard snapshots are published to. */
export const DASHBOARD_CHANNEL = 'thumbtack-dashboard';
/** The route id dashboard streams report (delivery limits, metrics labels). */
export const DASHBOARD_ROUTE = 'thumbtack-dashboard';

/** A comment line every 20 s of silence keeps proxies in between from timing the stream out. */
const KEEP_ALIVE = { data: Buffer.from(':\n\n'), timeoutSec: 20, mode: 'idle' as const };

let localIds = 0;

/** The owner side of a dashboard stream: no backend, no next link. */
class DashboardStreamOwner implements StreamOwner {
  readonly routeId = DASHBOARD_ROUTE;
  readonly debug = false;

  constructor(readonly connectionId: string) {}

  fetchLink(): Promise<LinkResponse> {
    return Promise.resolve({ ok: false, detail: 'the dashboard stream has no next link' });
  }

  channelsOf(): Map<string, HeldChannel> {
    return new Map();
  }
}

/** One SSE event carrying a snapshot (JSON on one `data:` line). */
export function snapshotEvent(snapshot: unknown): Buffer {
  return Buffer.from(`event: snapshot\ndata: ${JSON.stringify(snapshot)}\n\n`);
}

/** The item the supervisor publishes each second: an `http-stream` send of one snapshot event. */
export function snapshotItem(snapshot: unknown): PublishItem {
  return { channel: DASHBOARD_CHANNEL, meta: {}, noSeq: true, formats: { 'http-stream': { action: 'send', content: snapshotEvent(snapshot) } } };
}

/**
 * Holds `res` as a dashboard stream in `hold` (a worker's hold context): the SSE head, a first snapshot so
 * the page draws at once, then the subscriber on `thumbtack-dashboard`. The connection is announced to stats
 * like any held connection, so it has an id, an age, and a close button in its own table.
 */
export function holdDashboardStream(hold: HoldContext, req: IncomingMessage, res: ServerResponse, first: unknown): void {
  res.writeHead(200, {
    'Content-Type': 'text/event-stream',
    'Cache-Control': 'no-cache',
    'X-Accel-Buffering': 'no',
  });
  res.write(Buffer.concat([Buffer.from('retry: 2000\n\n'), snapshotEvent(first)]));
  const stats = hold.stats;
  let id = `dashboard-${++localIds}`;
  if (stats) {
    id = stats.connHeld({ type: 'http', peerAddress: req.socket.remoteAddress ?? '', ssl: false });
    const statsId = id;
    res.once('close', () => stats.connEnded(statsId));
  }
  new StreamSubscriber(hold, res, new DashboardStreamOwner(id), {
    channels: new Map([[DASHBOARD_CHANNEL, { name: DASHBOARD_CHANNEL, filters: [] }]]),
    implicit: new Set(),
    meta: {},
    keepAlive: KEEP_ALIVE,
    currentUri: `http://${req.headers.host ?? 'localhost'}/dashboard/events`,
    held: true,
    sse: true,
  }, res).start();
}
