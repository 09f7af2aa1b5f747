import { closeHeld, countHeld, heldRows } from '../../../src/metrics/held-connections';
import { FakeSession, FakeSubscriber, fakeHold, hold } from './fakes';

describe('held connections walk', () => {
  const ctx = fakeHold();
  const sessions: FakeSession[] = [];
  const src = { index: ctx.index, sessions: () => sessions };
  const a = hold(ctx, new FakeSubscriber('stream', ['news', 'sport'], 'c-a', 'r1', 12));
  const b = hold(ctx, new FakeSubscriber('stream', ['news'], 'c-b', 'r1'));
  const c = hold(ctx, new FakeSubscriber('response', ['sport'], 'c-c', 'r2'));
  sessions.push(new FakeSession('ws-1', 'r3', ['news']), new FakeSession('ws-2'));

  afterAll(() => ctx.scheduler.close());

  it('counts each connection once, by transport and route', () => {
    const counts = countHeld(src).sort((x, y) => `${x.transport}${x.route}`.localeCompare(`${y.transport}${y.route}`));
    expect(counts).toEqual([
      { transport: 'http-response', route: 'r2', count: 1 },
      { transport: 'http-stream', route: 'r1', count: 2 },
      { transport: 'ws', route: '', count: 1 },
      { transport: 'ws', route: 'r3', count: 1 },
    ]);
  });

  it('lists the first rows, HTTP first, with channels and queued bytes', () => {
    const rows = heldRows(src, 10, 3);
    expect(rows.map((r) => r.id)).toEqual(['c-a', 'c-b', 'c-c', 'ws-1', 'ws-2']);
    expect(rows[0]).toEqual({ id: 'c-a', transport: 'http-stream', route: 'r1', channels: ['news', 'sport'], queuedBytes: 12, worker: 3 });
    expect(rows[2]).toMatchObject({ transport: 'http-response', queuedBytes: 0 });
    expect(rows[3]).toEqual({ id: 'ws-1', transport: 'ws', route: 'r3', channels: ['news'], queuedBytes: 0, worker: 3 });
    expect(heldRows(src, 2, 0).map((r) => r.id)).toEqual(['c-a', 'c-b']);
    expect(heldRows(src, 4, 0).map((r) => r.id)).toEqual(['c-a', 'c-b', 'c-c', 'ws-1']);
    expect(heldRows(src, 0, 0)).toEqual([]);
  });

  it('closes a connection by id: streams end, long-polls are dropped, WebSockets close normally', () => {
    expect(closeHeld(src, 'nope')).toBe(false);
    expect(closeHeld(src, '')).toBe(false);
    expect(a.closedWith).toBeUndefined();
    expect(closeHeld(src, 'c-b')).toBe(true);
    expect(b.closedWith).toBe('done');
    expect(a.closedWith).toBeUndefined();
    expect(closeHeld(src, 'c-c')).toBe(true);
    expect(c.closedWith).toBe('shutdown');
    expect(closeHeld(src, 'ws-2')).toBe(true);
    expect(sessions[1]?.closedWith).toBe('done');
    expect(sessions[0]?.closedWith).toBeUndefined();
  });
});
