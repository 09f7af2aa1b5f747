import { mergeDashboards, type SupervisorView } from '../../../src/metrics/dashboard-snapshot';
import type { WorkerDashboard } from '../../../src/metrics/worker-monitor';

function part(worker: number, overrides: Partial<WorkerDashboard> = {}): WorkerDashboard {
  return {
    worker,
    connections: { 'http-response': 1, 'http-stream': 2, ws: 3 },
    channels: 4,
    items: 10,
    delivered: 20,
    dropped: 1,
    closedSlow: 0,
    latency: { count: 2, sumMs: 3, maxMs: 2 },
    timers: 5,
    memory: { rss: 100, heapUsed: 50, heapTotal: 60 },
    busiest: [],
    held: [],
    ...overrides,
  };
}

const sup: SupervisorView = {
  now: 100_000,
  ready: true,
  requests: 7,
  received: 8,
  sent: 9,
  subscribers: { response: 1, stream: 2, ws: 0 },
  connectionStart: (id) => (id === 'a' ? 90_000 : undefined),
};

describe('mergeDashboards', () => {
  it('sums the workers and adds the supervisor totals', () => {
    const s = mergeDashboards([part(0), part(1, { latency: { count: 1, sumMs: 9, maxMs: 9 } })], sup, 10, 5);
    expect(s.t).toBe(100_000);
    expect(s.connections).toEqual({ 'http-response': 2, 'http-stream': 4, ws: 6, total: 12 });
    expect(s.subscriptions).toEqual({ response: 1, stream: 2, ws: 0, total: 3 });
    expect(s.channels).toBe(8);
    expect(s.totals).toEqual({ requests: 7, received: 8, sent: 9, delivered: 40, dropped: 2, closedSlow: 0 });
    expect(s.latency).toEqual({ count: 3, avgMs: 4, maxMs: 9 });
    expect(s.timers).toBe(10);
    expect(s.memory.map((m) => m.worker)).toEqual([0, 1]);
    expect(s.heldTotal).toBe(12);
  });

  it('reports zero latency when nothing was timed', () => {
    expect(mergeDashboards([part(0, { latency: { count: 0, sumMs: 0, maxMs: 0 } })], sup, 10, 5).latency).toEqual({ count: 0, avgMs: 0, maxMs: 0 });
    expect(mergeDashboards([], sup, 10, 5).connections.total).toBe(0);
  });

  it('merges the busiest channels across workers and keeps the top ones', () => {
    const s = mergeDashboards(
      [
        part(0, { busiest: [{ channel: 'x', items: 3, subscribers: 1 }, { channel: 'y', items: 5, subscribers: 1 }] }),
        part(1, { busiest: [{ channel: 'x', items: 4, subscribers: 2 }, { channel: 'z', items: 1, subscribers: 9 }] }),
      ],
      sup,
      10,
      2,
    );
    expect(s.busiest).toEqual([
      { channel: 'x', items: 7, subscribers: 3 },
      { channel: 'y', items: 5, subscribers: 1 },
    ]);
  });

  it('limits the table and adds ages from the start times it knows', () => {
    const row = (id: string): WorkerDashboard['held'][number] => ({ id, transport: 'http-stream', route: 'r', channels: ['c'], queuedBytes: 0, worker: 0 });
    const s = mergeDashboards([part(0, { held: [row('a'), row('b')] }), part(1, { held: [row('c')] })], sup, 2, 5);
    expect(s.held.map((r) => r.id)).toEqual(['a', 'b']);
    expect(s.held[0]?.ageSec).toBe(10);
    expect(s.held[1]).not.toHaveProperty('ageSec');
  });
});
