/**
 * The dashboard feed served straight from the metrics server, used when there is no in-process worker to
 * hold it (worker processes: the metrics server lives in the supervisor, the holds in the workers). Each
 * open `/dashboard/events` response is sent every snapshot; a reader that lets more than
 * `DIRECT_FEED_MAX_QUEUED` bytes pile up is dropped.
 */
import type { ServerResponse } from 'node:http';
import { snapshotEvent } from './dashboard-stream';

/** Bytes a dashboard may have unread before its feed is cut. */
export const DIRECT_FEED_MAX_QUEUED = 1024 * 1024;

export class DirectFeed {
  private readonly clients = new Set<ServerResponse>();

  get size(): number {
    return this.clients.size;
  }

  /** Starts an SSE response and sends it `first` at once. */
  add(res: ServerResponse, first: unknown): void {
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', 'X-Accel-Buffering': 'no' });
    res.write(Buffer.concat([Buffer.from('retry: 2000\n\n'), snapshotEvent(first)]));
    this.clients.add(res);
    res.once('close', () => this.clients.delete(res));
  }

  /** Sends one snapshot to every open feed. */
  send(snapshot: unknown): void {
    if (this.clients.size === 0) return;
    const event = snapshotEvent(snapshot);
    for (const res of this.clients) {
      if (res.writableLength > DIRECT_FEED_MAX_QUEUED) {
        this.clients.delete(res);
        res.destroy();
        continue;
      }
      res.write(event);
    }
  }

  /** Ends every feed (shutdown). */
  close(): void {
    for (const res of this.clients) res.end();
    this.clients.clear();
  }
}
