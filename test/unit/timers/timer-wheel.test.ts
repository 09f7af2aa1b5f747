import { expectCode } from '../../helpers/expect-code';
import { TimerWheel } from '../../../src/timers/timer-wheel';

function refs<T>(wheel: TimerWheel<T>): T[] {
  return wheel.takeExpired().map((e) => e.ref);
}


describe('TimerWheel basics', () => {
  it('starts empty at tick 0', () => {
    const w = new TimerWheel<string>();
    expect(w.size).toBe(0);
    expect(w.currentTick).toBe(0);
    expect(w.nextTimeout()).toBeUndefined();
    expect(w.takeExpired()).toEqual([]);
  });

  it('expires a timer exactly at its tick, not before', () => {
    const w = new TimerWheel<string>();
    const key = w.add(10, 'a');
    expect(key).toBeGreaterThanOrEqual(0);
    expect(w.nextTimeout()).toBe(10);
    w.advance(9);
    expect(refs(w)).toEqual([]);
    expect(w.nextTimeout()).toBe(1);
    w.advance(10);
    expect(w.nextTimeout()).toBe(0);
    expect(w.takeExpired()).toEqual([{ key, ref: 'a' }]);
    expect(w.size).toBe(0);
    expect(w.nextTimeout()).toBeUndefined();
  });

  it('fires timers of the same tick together, in add order', () => {
    const w = new TimerWheel<number>();
    for (let i = 0; i < 100; i++) w.add(500, i);
    w.add(499, -1);
    w.advance(500);
    expect(refs(w)).toEqual([-1, ...Array.from({ length: 100 }, (_, i) => i)]);
  });

  it('expires in expiry order across levels, ties in add order', () => {
    const w = new TimerWheel<string>();
    w.add(5000, 'far-first'); // filed on a high level while at tick 0
    w.advance(4990);
    w.add(5000, 'near-second'); // same expiry, filed on level 0
    w.add(4995, 'earlier');
    w.add(70000, 'later');
    w.advance(5000);
    expect(refs(w)).toEqual(['earlier', 'far-first', 'near-second']);
    expect(w.size).toBe(1);
  });

  it('expires a timer added at or before the current tick on the next advance only', () => {
    const w = new TimerWheel<string>();
    w.advance(100);
    w.add(100, 'now');
    w.add(3, 'past');
    w.add(0, 'zero');
    expect(w.nextTimeout()).toBe(0);
    expect(refs(w)).toEqual([]);
    w.advance(100); // no time passes, still the next advance
    expect(refs(w)).toEqual(['zero', 'past', 'now']);
  });

  it('ignores an advance backwards but still expires due timers', () => {
    const w = new TimerWheel<string>();
    w.advance(1000);
    w.add(1005, 'later');
    w.add(10, 'past');
    w.advance(50);
    expect(w.currentTick).toBe(1000);
    expect(refs(w)).toEqual(['past']);
    expect(w.nextTimeout()).toBe(5);
  });

  it('handles ticks far beyond the lower levels, up to 2^53-1', () => {
    const w = new TimerWheel<string>();
    const far = 2 ** 50 + 12345;
    const max = Number.MAX_SAFE_INTEGER;
    w.add(far, 'far');
    w.add(max, 'max');
    w.add(2 ** 24, 'level4');
    expect(w.nextTimeout()).toBe(2 ** 24);
    w.advance(2 ** 24 - 1);
    expect(refs(w)).toEqual([]);
    w.advance(2 ** 24);
    expect(refs(w)).toEqual(['level4']);
    expect(w.nextTimeout()).toBe(far - 2 ** 24);
    w.advance(far - 1);
    expect(refs(w)).toEqual([]);
    expect(w.nextTimeout()).toBe(1);
    w.advance(far);
    expect(refs(w)).toEqual(['far']);
    w.advance(max - 1);
    expect(refs(w)).toEqual([]);
    expect(w.nextTimeout()).toBe(1);
    w.advance(max);
    expect(refs(w)).toEqual(['max']);
  });

  it('expires everything on one huge jump, in order', () => {
    const w = new TimerWheel<number>();
    const ticks = [1, 63, 64, 65, 4095, 4096, 4097, 262143, 262144, 1e9, 1e12, 5];
    for (const t of ticks) w.add(t, t);
    w.advance(2e12);
    expect(refs(w)).toEqual([...ticks].sort((a, b) => a - b));
  });

  it('handles digit boundaries one tick at a time', () => {
    const w = new TimerWheel<number>();
    const start = 64 ** 3 - 70;
    w.advance(start);
    for (let t = start + 1; t <= start + 200; t++) w.add(t, t);
    for (let t = start + 1; t <= start + 200; t++) {
      expect(w.nextTimeout()).toBe(1);
      w.advance(t);
      expect(refs(w)).toEqual([t]);
    }
  });

  it('takes at most max expired timers', () => {
    const w = new TimerWheel<number>();
    for (let i = 0; i < 5; i++) w.add(i + 1, i);
    w.advance(10);
    expect(w.takeExpired(2).map((e) => e.ref)).toEqual([0, 1]);
    expect(w.takeExpired(0)).toEqual([]);
    expect(w.size).toBe(3);
    expect(refs(w)).toEqual([2, 3, 4]);
  });
});

describe('TimerWheel remove and keys', () => {
  it('removes a scheduled timer', () => {
    const w = new TimerWheel<string>();
    const a = w.add(10, 'a');
    w.add(20, 'b');
    expect(w.remove(a)).toBe(true);
    expect(w.remove(a)).toBe(false);
    expect(w.size).toBe(1);
    w.advance(30);
    expect(refs(w)).toEqual(['b']);
  });

  it('removes an expired timer not yet taken, and refuses one already taken', () => {
    const w = new TimerWheel<string>();
    const a = w.add(10, 'a');
    const b = w.add(10, 'b');
    const c = w.add(1, 'c');
    w.advance(10);
    expect(w.remove(b)).toBe(true);
    expect(w.takeExpired(1)).toEqual([{ key: c, ref: 'c' }]);
    expect(w.remove(c)).toBe(false);
    expect(refs(w)).toEqual(['a']);
    expect(w.remove(a)).toBe(false);
    expect(w.size).toBe(0);
  });

  it('removes a due timer before it expires', () => {
    const w = new TimerWheel<string>();
    w.advance(50);
    const a = w.add(40, 'a');
    expect(w.remove(a)).toBe(true);
    expect(w.nextTimeout()).toBeUndefined();
    w.advance(51);
    expect(refs(w)).toEqual([]);
  });

  it('rejects keys that never held a timer', () => {
    const w = new TimerWheel<string>();
    w.add(5, 'a');
    for (const key of [-1, 1, 1.5, NaN, Infinity, 2 ** 40]) expect(w.remove(key)).toBe(false);
    expect(w.size).toBe(1);
  });

  it('reuses freed keys, so keys stay below the peak number of timers', () => {
    const w = new TimerWheel<number>();
    const first = w.add(5, 0);
    expect(w.remove(first)).toBe(true);
    expect(w.add(6, 1)).toBe(first);
    const keys = new Set<number>();
    for (let round = 0; round < 50; round++) {
      const batch = Array.from({ length: 20 }, (_, i) => w.add(w.currentTick + 1 + i, i));
      batch.forEach((k) => keys.add(k));
      w.advance(w.currentTick + 100);
      expect(w.takeExpired().length).toBe(batch.length + (round === 0 ? 1 : 0));
    }
    expect(Math.max(...keys)).toBeLessThan(21);
  });

  it('empties a slot cleanly when its last timer is removed', () => {
    const w = new TimerWheel<string>();
    const a = w.add(100, 'a');
    w.add(200, 'b');
    w.remove(a);
    // The slot of 'a' is empty again, so the next timeout comes from 'b' (never later than 200).
    const next = w.nextTimeout();
    expect(next).toBeDefined();
    expect(next!).toBeGreaterThan(0);
    expect(next!).toBeLessThanOrEqual(200);
    w.advance(150);
    expect(refs(w)).toEqual([]);
    expect(w.nextTimeout()).toBe(50);
  });
});

describe('TimerWheel bad input and capacity', () => {
  it.each([-1, 1.5, NaN, Infinity, 2 ** 53])('rejects tick %p', (tick) => {
    const w = new TimerWheel<string>();
    expectCode(() => w.add(tick, 'x'), 'TIMER_INVALID_TICK');
    expectCode(() => w.advance(tick), 'TIMER_INVALID_TICK');
    expect(w.size).toBe(0);
    expect(w.currentTick).toBe(0);
  });

  it('throws TIMER_CAPACITY when full, and accepts again after a removal', () => {
    const w = new TimerWheel<string>(2);
    const a = w.add(1, 'a');
    w.add(2, 'b');
    expectCode(() => w.add(3, 'c'), 'TIMER_CAPACITY');
    expect(w.size).toBe(2);
    w.remove(a);
    expect(w.add(3, 'c')).toBe(a);
    // Expired timers not yet taken still count.
    w.advance(5);
    expectCode(() => w.add(9, 'd'), 'TIMER_CAPACITY');
    w.takeExpired();
    expect(() => w.add(9, 'd')).not.toThrow();
  });

  it('a capacity of 0 refuses every timer', () => {
    expectCode(() => new TimerWheel<string>(0).add(1, 'a'), 'TIMER_CAPACITY');
  });

  it.each([-1, 2.5, NaN])('rejects capacity %p', (capacity) => {
    expectCode(() => new TimerWheel<string>(capacity), 'TIMER_INVALID_CAPACITY');
  });
});

describe('TimerWheel with many timers', () => {
  it('handles 250,000 timers with removals, expiring each at its tick in order', () => {
    const w = new TimerWheel<number>();
    const n = 250_000;
    const expiry = new Float64Array(n);
    const keys = new Int32Array(n);
    let seed = 12345;
    const rand = (): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    for (let i = 0; i < n; i++) {
      expiry[i] = 1 + Math.floor(rand() * 2_000_000);
      keys[i] = w.add(expiry[i]!, i);
    }
    expect(w.size).toBe(n);
    const removed = new Uint8Array(n);
    let removedCount = 0;
    for (let i = 0; i < n; i += 3) {
      if (w.remove(keys[i]!)) removedCount++;
      removed[i] = 1;
    }
    expect(removedCount).toBe(Math.ceil(n / 3));
    let seen = 0;
    let now = 0;
    let last = 0;
    while (w.size > 0) {
      const next = w.nextTimeout()!;
      now = Math.min(now + Math.max(next, 1 + Math.floor(rand() * 5000)), 2_000_000);
      w.advance(now);
      for (const { ref } of w.takeExpired()) {
        const e = expiry[ref]!;
        // Plain checks: a jest expect per timer would dominate the run time.
        if (removed[ref] === 1) throw new Error(`removed timer ${ref} expired`);
        if (e > now || e < last) throw new Error(`timer ${ref} at ${e} expired at ${now}, previous ${last}`);
        last = e;
        seen++;
      }
    }
    expect(seen).toBe(n - Math.ceil(n / 3));
  });
});
