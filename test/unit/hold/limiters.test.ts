import { ChannelSubscriptions } from '../../../src/hold/channel-subscriptions';
import { ChannelIndex } from '../../../src/hold/channel-index';
import { DeliveryLimiter } from '../../../src/hold/delivery-limiter';
import type { Subscriber } from '../../../src/hold/subscriber';
import { UpdateLimiter, type TimerTask, type UpdateTarget } from '../../../src/hold/update-limiter';
import { ManualClock } from '../../../src/timers/manual-clock';
import { Scheduler } from '../../../src/timers/scheduler';

function tasks(): { clock: ManualClock; sched: Scheduler<TimerTask> } {
  const clock = new ManualClock();
  return { clock, sched: new Scheduler<TimerTask>((t) => t.onTimer(), clock) };
}

describe('UpdateLimiter', () => {
  it('runs one action per 100 ms, the first after one interval, batching up to 100 targets per key', () => {
    const { clock, sched } = tasks();
    const lim = new UpdateLimiter(sched, 10, 100);
    const ran: number[] = [];
    const targets: UpdateTarget[] = Array.from({ length: 250 }, (_, i) => ({ runUpdate: () => ran.push(i) }));
    for (const t of targets) lim.add('', t);
    clock.advance(99);
    expect(ran).toHaveLength(0);
    clock.advance(1);
    expect(ran).toHaveLength(100);
    clock.advance(100);
    expect(ran).toHaveLength(200);
    clock.advance(100);
    expect(ran).toHaveLength(250);
    clock.advance(1000);
    expect(ran).toHaveLength(250);
    expect(lim.waiting).toBe(0);
  });

  it('serves keys round-robin and skips removed targets', () => {
    const { clock, sched } = tasks();
    const lim = new UpdateLimiter(sched);
    const ran: string[] = [];
    const t = (name: string): UpdateTarget => ({ runUpdate: () => ran.push(name) });
    const a1 = t('a1');
    lim.add('a', a1);
    lim.add('b', t('b1'));
    lim.add('a', t('a2'));
    lim.remove(a1);
    lim.add('a', a1); // re-added: joins a's action again
    clock.advance(100);
    clock.advance(100);
    expect(ran).toEqual(['a2', 'a1', 'b1']);
    const gone = t('gone');
    lim.add('c', gone);
    lim.remove(gone);
    clock.advance(500);
    expect(ran).toEqual(['a2', 'a1', 'b1']);
  });
});

describe('DeliveryLimiter', () => {
  it('delivers at most rate units per second in 25 ms batches, in order per route', () => {
    const { clock, sched } = tasks();
    const done: number[] = [];
    const lim = new DeliveryLimiter<string, number>(sched, { rate: 400, execute: (_s, n) => (done.push(n), true) });
    for (let n = 0; n < 30; n++) expect(lim.add('r', 1, 's', n)).toBe(true);
    clock.advance(0);
    expect(done).toHaveLength(10); // ceil(400 * 25 / 1000)
    clock.advance(25);
    expect(done).toHaveLength(20);
    clock.advance(25);
    expect(done).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(lim.size).toBe(0);
  });

  it('drops past the route high-water mark, per route', () => {
    const { sched } = tasks();
    const lim = new DeliveryLimiter<string, number>(sched, { rate: 10, hwm: 3, execute: () => true });
    expect([1, 2, 3, 4].map((n) => lim.add('a', 1, 's', n))).toEqual([true, true, true, false]);
    expect(lim.add('b', 1, 's', 5)).toBe(true);
    expect(lim.add('a', 1, 's', 6)).toBe(false);
    lim.close();
  });

  it('shares the rate between routes round-robin and charges heavy deliveries as debt', () => {
    const { clock, sched } = tasks();
    const done: string[] = [];
    const lim = new DeliveryLimiter<string, string>(sched, { rate: 40, execute: (_s, n) => (done.push(n), true) }); // 1 unit / 25 ms
    lim.add('a', 1, 's', 'a1');
    lim.add('a', 1, 's', 'a2');
    lim.add('b', 1, 's', 'b1');
    lim.add('b', 1, 's', 'b2');
    clock.advance(0);
    clock.advance(25);
    clock.advance(25);
    clock.advance(25);
    expect(done).toEqual(['a1', 'b1', 'a2', 'b2']);
    const heavy: string[] = [];
    const lim2 = new DeliveryLimiter<string, string>(sched, { rate: 40, execute: (_s, n) => (heavy.push(n), true) });
    lim2.add('a', 3, 's', 'big');
    lim2.add('a', 1, 's', 'next');
    clock.advance(0);
    expect(heavy).toEqual(['big']);
    clock.advance(25); // debt 2
    clock.advance(25); // debt 1
    expect(heavy).toEqual(['big']);
    clock.advance(25);
    expect(heavy).toEqual(['big', 'next']);
  });

  it('does not charge deliveries that did not happen', () => {
    const { clock, sched } = tasks();
    const done: number[] = [];
    const lim = new DeliveryLimiter<string, number>(sched, { rate: 40, execute: (s, n) => (s === 'gone' ? false : (done.push(n), true)) });
    lim.add('r', 1, 'gone', 1);
    lim.add('r', 1, 'gone', 2);
    lim.add('r', 1, 'live', 3);
    clock.advance(0);
    expect(done).toEqual([3]);
  });
});

describe('ChannelSubscriptions', () => {
  function setup(lingerMs: number, updateOnFirstSubscription = true): {
    clock: ManualClock;
    log: string[];
    subs: ChannelSubscriptions;
    index: ChannelIndex;
    sub: (kind: Subscriber['kind']) => Subscriber & { updates: string[] };
  } {
    const { clock, sched } = tasks();
    const log: string[] = [];
    const subs = new ChannelSubscriptions({
      tasks: sched,
      subscribe: (c) => log.push(`+${c}`),
      unsubscribe: (c) => log.push(`-${c}`),
      lingerMs,
      updateOnFirstSubscription,
    });
    const index = new ChannelIndex((c, on, s) => subs.transition(c, on, s));
    subs.attach(index);
    const sub = (kind: Subscriber['kind']): Subscriber & { updates: string[] } => {
      const updates: string[] = [];
      return { kind, channels: [], channelCount: 0, updates, deliver: () => 'sent', onTimer: () => undefined, close: () => undefined, update: (p) => updates.push(p) };
    };
    return { clock, log, subs, index, sub };
  }

  it('keeps a long-poll channel subscribed for the linger time, and re-subscription cancels it', () => {
    const { clock, log, index, sub, subs } = setup(60_000);
    const a = sub('response');
    index.add('c', a);
    index.remove('c', a);
    expect(log).toEqual(['+c']);
    expect(subs.isLingering('c')).toBe(true);
    clock.advance(30_000);
    const b = sub('response');
    index.add('c', b); // comes back within the linger: no flap
    index.remove('c', b);
    clock.advance(59_999);
    expect(log).toEqual(['+c']);
    clock.advance(1);
    expect(log).toEqual(['+c', '-c']);
  });

  it('unsubscribes streams at once', () => {
    const { log, index, sub } = setup(60_000);
    const s = sub('stream');
    index.add('c', s);
    index.remove('c', s);
    expect(log).toEqual(['+c', '-c']);
  });

  it('updates the sessions on a channel 1 s after its first subscription, once', () => {
    const { clock, index, sub } = setup(60_000);
    const a = sub('response');
    index.add('c', a);
    clock.advance(999);
    expect(a.updates).toEqual([]);
    const late = sub('stream');
    index.add('c', late);
    clock.advance(1);
    expect(a.updates).toEqual(['low']);
    expect(late.updates).toEqual(['low']);
    clock.advance(5000);
    expect(a.updates).toEqual(['low']);
  });

  it('sends no first-subscription update when turned off, nor after an unsubscribe', () => {
    const off = setup(0, false);
    const a = off.sub('response');
    off.index.add('c', a);
    off.clock.advance(2000);
    expect(a.updates).toEqual([]);
    const on = setup(0, true);
    const s = on.sub('stream');
    on.index.add('c', s);
    on.index.remove('c', s);
    on.clock.advance(2000);
    expect(s.updates).toEqual([]);
  });
});
