/**
 * The dashboard's JSON snapshot (pure): every worker's part summed, plus what the supervisor knows (publish
 * totals, subscriptions, connection start times, readiness). The page receives one a second and draws
 * rates from successive totals.
 */
import type { HeldRow } from './held-connections';
import type { WorkerDashboard } from './worker-monitor';

export interface DashboardRow extends HeldRow {
  /** Seconds since the connection was held; absent when unknown. */
  ageSec?: number;
}

export interface DashboardSnapshot {
  /** Wall-clock time of the snapshot, ms since the epoch. */
  t: number;
  ready: boolean;
  connections: { 'http-response': number; 'http-stream': number; ws: number; total: number };
  /** Subscriptions (connection × channel) by mode, and channels with subscribers (summed over workers). */
  subscriptions: { response: number; stream: number; ws: number; total: number };
  channels: number;
  /** Cumulative counts since start. */
  totals: { requests: number; received: number; sent: number; delivered: number; dropped: number; closedSlow: number };
  /** Publish-to-write latency over the last interval, ms. */
  latency: { count: number; avgMs: number; maxMs: number };
  timers: number;
  memory: Array<{ worker: number; rss: number; heapUsed: number; heapTotal: number }>;
  busiest: Array<{ channel: string; items: number; subscribers: number }>;
  /** The first rows of the connection table, and how many connections are held in all. */
  held: DashboardRow[];
  heldTotal: number;
}

/** What the supervisor adds to the workers' parts. */
export interface SupervisorView {
  now: number;
  ready: boolean;
  requests: number;
  received: number;
  sent: number;
  subscribers: { response: number; stream: number; ws: number };
  /** Start time (ms, same clock as `now`) of a held connection, if known. */
  connectionStart(id: string): number | undefined;
}

/** Sums the workers' parts into one snapshot; the table keeps at most `heldLimit` rows, the busiest `busiestLimit` channels. */
export function mergeDashboards(parts: readonly WorkerDashboard[], sup: SupervisorView, heldLimit: number, busiestLimit: number): DashboardSnapshot {
  const connections = { 'http-response': 0, 'http-stream': 0, ws: 0, total: 0 };
  const totals = { requests: sup.requests, received: sup.received, sent: sup.sent, delivered: 0, dropped: 0, closedSlow: 0 };
  const latency = { count: 0, sumMs: 0, maxMs: 0 };
  const byChannel = new Map<string, { channel: string; items: number; subscribers: number }>();
  const held: DashboardRow[] = [];
  let channels = 0;
  let timers = 0;
  for (const p of parts) {
    connections['http-response'] += p.connections['http-response'];
    connections['http-stream'] += p.connections['http-stream'];
    connections.ws += p.connections.ws;
    channels += p.channels;
    timers += p.timers;
    totals.delivered += p.delivered;
    totals.dropped += p.dropped;
    totals.closedSlow += p.closedSlow;
    latency.count += p.latency.count;
    latency.sumMs += p.latency.sumMs;
    latency.maxMs = Math.max(latency.maxMs, p.latency.maxMs);
    for (const b of p.busiest) {
      const entry = byChannel.get(b.channel);
      if (entry) {
        entry.items += b.items;
        entry.subscribers += b.subscribers;
      } else byChannel.set(b.channel, { ...b });
    }
    for (const row of p.held) {
      if (held.length >= heldLimit) break;
      const start = sup.connectionStart(row.id);
      held.push(start === undefined ? { ...row } : { ...row, ageSec: Math.max(0, Math.round((sup.now - start) / 1000)) });
    }
  }
  connections.total = connections['http-response'] + connections['http-stream'] + connections.ws;
  const s = sup.subscribers;
  return {
    t: sup.now,
    ready: sup.ready,
    connections,
    subscriptions: { response: s.response, stream: s.stream, ws: s.ws, total: s.response + s.stream + s.ws },
    channels,
    totals,
    latency: { count: latency.count, avgMs: latency.count > 0 ? latency.sumMs / latency.count : 0, maxMs: latency.maxMs },
    timers,
    memory: parts.map((p) => ({ worker: p.worker, ...p.memory })),
    busiest: [...byChannel.values()].sort((a, b) => b.items - a.items || b.subscribers - a.subscribers).slice(0, busiestLimit),
    held,
    heldTotal: connections.total,
  };
}
