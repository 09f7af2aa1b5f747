import { AppliedTracker } from '../../../src/cluster/applied-tracker';

/** Resolves to 'done' if `p` settled within `ms`, else 'waiting'. */
function within(p: Promise<void>, ms: number): Promise<'done' | 'waiting'> {
  return Promise.race([p.then(() => 'done' as const), new Promise<'waiting'>((r) => setTimeout(() => r('waiting'), ms))]);
}

describe('AppliedTracker', () => {
  it('resolves at once what every worker has applied, and with no worker at all', async () => {
    const t = new AppliedTracker<string>();
    expect(await within(t.whenApplied(5, 10_000), 20)).toBe('done');
    t.join('a', 3);
    t.join('b', 4);
    expect(t.lowest()).toBe(3);
    expect(await within(t.whenApplied(3, 10_000), 20)).toBe('done');
  });

  it('waits for the slowest worker, releasing waiters in order as acks arrive', async () => {
    const t = new AppliedTracker<string>();
    t.join('a', 0);
    t.join('b', 0);
    const order: number[] = [];
    const w1 = t.whenApplied(1, 10_000).then(() => order.push(1));
    const w2 = t.whenApplied(2, 10_000).then(() => order.push(2));
    t.ack('a', 2);
    expect(await within(w1.then(() => undefined), 20)).toBe('waiting');
    t.ack('b', 1);
    await w1;
    expect(order).toEqual([1]);
    expect(t.waiting).toBe(1);
    t.ack('b', 5);
    await w2;
    expect(order).toEqual([1, 2]);
    expect(t.waiting).toBe(0);
  });

  it('ignores acks that go backwards and acks of workers it does not track', () => {
    const t = new AppliedTracker<string>();
    t.join('a', 4);
    t.ack('a', 2);
    t.ack('stranger', 9);
    expect(t.lowest()).toBe(4);
  });

  it('stops waiting for a worker that leaves', async () => {
    const t = new AppliedTracker<string>();
    t.join('a', 0);
    t.join('b', 0);
    t.ack('a', 1);
    const w = t.whenApplied(1, 10_000);
    expect(await within(w, 20)).toBe('waiting');
    t.leave('b');
    expect(await within(w, 20)).toBe('done');
  });

  it('gives up on a stuck worker after the wait limit, and drops the timed-out waiters', async () => {
    const t = new AppliedTracker<string>();
    t.join('a', 0);
    const w = t.whenApplied(1, 50);
    expect(await within(w, 10)).toBe('waiting');
    expect(await within(w, 200)).toBe('done');
    expect(t.waiting).toBe(0);
  });

  it('measures the age of the oldest message not yet applied everywhere', () => {
    const t = new AppliedTracker<string>();
    t.sent(1, 100); // no worker: nothing is owed
    expect(t.backlogAgeMs(500)).toBe(0);
    t.join('a', 1);
    t.join('b', 1);
    t.sent(2, 1000);
    t.sent(3, 1010);
    expect(t.backlogAgeMs(1025)).toBe(25);
    t.ack('a', 3);
    expect(t.backlogAgeMs(1025)).toBe(25);
    t.ack('b', 2);
    expect(t.backlogAgeMs(1025)).toBe(15);
    t.ack('b', 3);
    expect(t.backlogAgeMs(1025)).toBe(0);
  });
});

describe('AppliedTracker with a worker that never answers', () => {
  it('keeps a bounded list of unapplied messages, still old enough to hold publishers', () => {
    const t = new AppliedTracker<string>();
    t.join('stuck', 0);
    for (let seq = 1; seq <= 20_000; seq++) t.sent(seq, seq);
    expect(t.unappliedCount).toBeLessThanOrEqual(4096);
    expect(t.unappliedCount).toBeGreaterThan(0);
    expect(t.backlogAgeMs(20_000)).toBeGreaterThan(2);
  });
});
