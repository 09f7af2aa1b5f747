import { expectCode } from '../../helpers/expect-code';
import { ManualClock } from '../../../src/timers/manual-clock';
import { createSystemClock, MAX_TIMER_DELAY_MS, Scheduler } from '../../../src/timers/scheduler';

interface Fired {
  ref: string;
  at: number;
}

function setup(start = 0): { clock: ManualClock; fired: Fired[]; scheduler: Scheduler<string> } {
  const clock = new ManualClock(start);
  const fired: Fired[] = [];
  const scheduler = new Scheduler<string>((ref) => fired.push({ ref, at: clock.now() }), clock);
  return { clock, fired, scheduler };
}


describe('Scheduler', () => {
  it('keeps exactly one platform timer armed, for the earliest expiry', () => {
    const { clock, scheduler } = setup();
    expect(clock.pendingTimers).toBe(0);
    scheduler.schedule(500, 'a');
    expect(clock.pendingDueTimes).toEqual([500]);
    scheduler.schedule(800, 'later');
    scheduler.schedule(501, 'just-later');
    scheduler.schedule(500, 'same');
    expect(clock.setCount).toBe(1); // a timer at or after the armed time does not re-arm
    expect(clock.pendingDueTimes).toEqual([500]);
    scheduler.schedule(100, 'earlier');
    expect(clock.setCount).toBe(2);
    expect(clock.pendingDueTimes).toEqual([100]);
    for (let i = 0; i < 200; i++) scheduler.schedule(50 + ((i * 37) % 1000), `r${i}`);
    expect(clock.pendingTimers).toBe(1);
    expect(clock.pendingDueTimes).toEqual([50]);
    clock.advance(2000);
    expect(scheduler.size).toBe(0);
    expect(clock.pendingTimers).toBe(0);
  });

  it('fires in expiry order, ties in schedule order, never early', () => {
    const { clock, fired, scheduler } = setup(1000);
    clock.advance(0.4); // a fractional clock reading must not make a timer fire early
    scheduler.schedule(30, 'c');
    scheduler.schedule(10, 'a1');
    scheduler.schedule(20, 'b');
    scheduler.schedule(10, 'a2');
    clock.advance(9.9);
    expect(fired).toEqual([]);
    clock.advance(100);
    expect(fired.map((f) => f.ref)).toEqual(['a1', 'a2', 'b', 'c']);
    const delays: Record<string, number> = { a1: 10, a2: 10, b: 20, c: 30 };
    for (const f of fired) {
      expect(f.at).toBeGreaterThanOrEqual(1000.4 + delays[f.ref]!);
      expect(f.at).toBeLessThanOrEqual(1000.4 + delays[f.ref]! + 1);
    }
  });

  it('never calls onExpire from inside schedule, even for a delay of 0 or below', () => {
    const { clock, fired, scheduler } = setup();
    scheduler.schedule(0, 'zero');
    scheduler.schedule(-50, 'negative');
    expect(fired).toEqual([]);
    clock.advance(0);
    expect(fired.map((f) => f.ref)).toEqual(['zero', 'negative']);
  });

  it('cancels a pending timer, and drops the platform timer when nothing is left', () => {
    const { clock, fired, scheduler } = setup();
    const a = scheduler.schedule(10, 'a');
    const b = scheduler.schedule(20, 'b');
    expect(scheduler.cancel(a)).toBe(true);
    expect(scheduler.cancel(a)).toBe(false);
    expect(scheduler.size).toBe(1);
    expect(clock.pendingTimers).toBe(1);
    clock.advance(15);
    expect(fired).toEqual([]);
    expect(scheduler.cancel(b)).toBe(true);
    expect(clock.pendingTimers).toBe(0);
    clock.advance(100);
    expect(fired).toEqual([]);
    expect(scheduler.cancel(12345)).toBe(false);
  });

  it('refuses to cancel a timer that already fired', () => {
    const { clock, fired, scheduler } = setup();
    const a = scheduler.schedule(10, 'a');
    clock.advance(10);
    expect(fired.map((f) => f.ref)).toEqual(['a']);
    expect(scheduler.cancel(a)).toBe(false);
  });

  it('reschedules: the old expiry is dropped and the new one fires', () => {
    const { clock, fired, scheduler } = setup();
    const key = scheduler.schedule(10, 'ka');
    const newKey = scheduler.reschedule(key, 100, 'ka');
    expect(scheduler.size).toBe(1);
    clock.advance(50);
    expect(fired).toEqual([]);
    clock.advance(50);
    expect(fired).toEqual([{ ref: 'ka', at: 100 }]);
    expect(scheduler.cancel(newKey)).toBe(false);
    // Rescheduling earlier re-arms the platform timer earlier.
    const k2 = scheduler.schedule(1000, 'x');
    scheduler.reschedule(k2, 5, 'x');
    expect(clock.pendingDueTimes).toEqual([105]);
    // A stale key is simply ignored.
    scheduler.reschedule(999, 7, 'y');
    expect(scheduler.size).toBe(2);
  });

  it('lets a callback cancel a timer of the same batch, and schedule new ones', () => {
    const clock = new ManualClock();
    const fired: string[] = [];
    const keys: Record<string, number> = {};
    const scheduler: Scheduler<string> = new Scheduler<string>((ref) => {
      fired.push(ref);
      if (ref === 'first') {
        expect(scheduler.cancel(keys.second!)).toBe(true);
        keys.fresh = scheduler.schedule(0, 'fresh');
        keys.later = scheduler.schedule(5, 'later');
      }
    }, clock);
    keys.first = scheduler.schedule(10, 'first');
    keys.second = scheduler.schedule(10, 'second');
    keys.third = scheduler.schedule(10, 'third');
    clock.advance(10);
    expect(fired).toEqual(['first', 'third', 'fresh']);
    expect(clock.pendingDueTimes).toEqual([15]);
    clock.advance(5);
    expect(fired).toEqual(['first', 'third', 'fresh', 'later']);
  });

  it('reports an exception from onExpire and carries on', () => {
    const clock = new ManualClock();
    const fired: string[] = [];
    const errors: Array<[unknown, string]> = [];
    const scheduler = new Scheduler<string>(
      (ref) => {
        fired.push(ref);
        if (ref.startsWith('bad')) throw new Error(`boom ${ref}`);
      },
      clock,
      { onError: (error, ref) => errors.push([error, ref]) },
    );
    scheduler.schedule(10, 'bad1');
    scheduler.schedule(10, 'good1');
    scheduler.schedule(20, 'good2');
    expect(() => clock.advance(10)).not.toThrow();
    expect(fired).toEqual(['bad1', 'good1']);
    expect(errors).toHaveLength(1);
    expect((errors[0]![0] as Error).message).toBe('boom bad1');
    expect(errors[0]![1]).toBe('bad1');
    expect(clock.pendingDueTimes).toEqual([20]);
    clock.advance(10);
    expect(fired).toEqual(['bad1', 'good1', 'good2']);
    scheduler.schedule(1, 'good3');
    clock.advance(1);
    expect(fired).toEqual(['bad1', 'good1', 'good2', 'good3']);
  });

  it('survives an exception without onError, and an onError that throws', () => {
    for (const onError of [undefined, (): never => { throw new Error('handler broke'); }]) {
      const clock = new ManualClock();
      const fired: string[] = [];
      const scheduler = new Scheduler<string>(
        (ref) => {
          fired.push(ref);
          throw new Error('boom');
        },
        clock,
        onError === undefined ? {} : { onError },
      );
      scheduler.schedule(1, 'a');
      scheduler.schedule(2, 'b');
      expect(() => clock.advance(5)).not.toThrow();
      expect(fired).toEqual(['a', 'b']);
      expect(scheduler.size).toBe(0);
    }
  });

  it('arms at most MAX_TIMER_DELAY_MS ahead, and still fires a longer timer on time', () => {
    const { clock, fired, scheduler } = setup();
    const day = 24 * 3600 * 1000;
    scheduler.schedule(40 * day, 'far');
    expect(clock.pendingDueTimes).toEqual([MAX_TIMER_DELAY_MS]);
    scheduler.schedule(30 * day, 'after-the-capped-wakeup');
    expect(clock.setCount).toBe(1);
    clock.advance(30 * day);
    expect(fired).toEqual([{ ref: 'after-the-capped-wakeup', at: 30 * day }]);
    fired.length = 0;
    clock.advance(10 * day - 1);
    expect(fired).toEqual([]);
    expect(clock.pendingTimers).toBe(1);
    clock.advance(1);
    expect(fired).toEqual([{ ref: 'far', at: 40 * day }]);
  });

  it('rejects a delay that is not a finite number', () => {
    const { clock, scheduler } = setup();
    for (const delay of [NaN, Infinity, -Infinity]) {
      expectCode(() => scheduler.schedule(delay, 'x'), 'TIMER_INVALID_DELAY');
    }
    expect(scheduler.size).toBe(0);
    expect(clock.pendingTimers).toBe(0);
  });

  it('enforces its capacity option', () => {
    const clock = new ManualClock();
    const scheduler = new Scheduler<string>(() => undefined, clock, { capacity: 1 });
    scheduler.schedule(5, 'a');
    expectCode(() => scheduler.schedule(6, 'b'), 'TIMER_CAPACITY');
    expect(scheduler.size).toBe(1);
  });

  it('close clears the platform timer, drops pending timers and refuses new ones', () => {
    const { clock, fired, scheduler } = setup();
    const a = scheduler.schedule(10, 'a');
    scheduler.schedule(20, 'b');
    scheduler.close();
    expect(clock.pendingTimers).toBe(0);
    expect(scheduler.size).toBe(0);
    expect(scheduler.cancel(a)).toBe(false);
    expectCode(() => scheduler.schedule(1, 'c'), 'TIMER_CLOSED');
    expectCode(() => scheduler.reschedule(a, 1, 'c'), 'TIMER_CLOSED');
    clock.advance(100);
    expect(fired).toEqual([]);
  });

  it('stops firing when a callback closes it', () => {
    const clock = new ManualClock();
    const fired: string[] = [];
    const scheduler: Scheduler<string> = new Scheduler<string>((ref) => {
      fired.push(ref);
      scheduler.close();
    }, clock);
    scheduler.schedule(1, 'a');
    scheduler.schedule(1, 'b');
    clock.advance(10);
    expect(fired).toEqual(['a']);
    expect(clock.pendingTimers).toBe(0);
  });

  it('fires a held keep-alive repeatedly when each callback re-schedules itself', () => {
    const clock = new ManualClock();
    const at: number[] = [];
    const scheduler: Scheduler<string> = new Scheduler<string>((ref) => {
      at.push(clock.now());
      if (at.length < 5) scheduler.schedule(25, ref);
      expect(clock.pendingTimers).toBe(0); // nothing is armed while callbacks run
    }, clock);
    scheduler.schedule(25, 'ka');
    clock.advance(1000);
    expect(at).toEqual([25, 50, 75, 100, 125]);
    expect(clock.pendingTimers).toBe(0);
    expect(clock.setCount).toBe(5); // armed once per firing, not once per schedule inside a callback
  });
});

/** mulberry32: a small seeded PRNG. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('Scheduler on random schedules', () => {
  it.each([7, 8, 9, 2024])('fires every live timer once, on time, with one platform timer (seed %p)', (seed) => {
    const rand = mulberry32(seed);
    const clock = new ManualClock(rand() * 1000);
    const due = new Map<number, number>(); // ref -> elapsed ms it must not fire before
    const keyOf = new Map<number, number>(); // live ref -> key
    const problems: string[] = [];
    let firedCount = 0;
    const scheduler: Scheduler<number> = new Scheduler<number>((ref) => {
      const at = clock.now();
      const when = due.get(ref);
      if (when === undefined || !keyOf.has(ref)) problems.push(`ref ${ref} fired but is not live`);
      else if (at < when || at > when + 1) problems.push(`ref ${ref} due ${when} fired at ${at}`);
      keyOf.delete(ref);
      firedCount++;
      // Callbacks also schedule and cancel, like held connections re-arming keep-alives.
      if (rand() < 0.3) add(Math.floor(rand() * 200));
    }, clock);
    let nextRef = 0;
    const add = (delay: number): void => {
      const ref = nextRef++;
      due.set(ref, clock.now() + delay);
      keyOf.set(ref, scheduler.schedule(delay, ref));
    };
    let cancelled = 0;
    for (let op = 0; op < 3000; op++) {
      const r = rand();
      if (r < 0.45) {
        add(rand() < 0.1 ? 0 : Math.floor(rand() * rand() * 100_000));
      } else if (r < 0.65 && keyOf.size > 0) {
        const refs = [...keyOf.keys()];
        const ref = refs[Math.floor(rand() * refs.length)]!;
        if (rand() < 0.5) {
          expect(scheduler.cancel(keyOf.get(ref)!)).toBe(true);
          keyOf.delete(ref);
          cancelled++;
        } else {
          const delay = Math.floor(rand() * 5000);
          due.set(ref, clock.now() + delay);
          keyOf.set(ref, scheduler.reschedule(keyOf.get(ref)!, delay, ref));
        }
      } else {
        clock.advance(rand() * rand() * 3000);
      }
      if (clock.pendingTimers !== (scheduler.size > 0 ? 1 : 0)) {
        problems.push(`op ${op}: ${clock.pendingTimers} platform timers for ${scheduler.size} pending`);
      }
      if (scheduler.size !== keyOf.size) problems.push(`op ${op}: size ${scheduler.size}, want ${keyOf.size}`);
      if (problems.length > 0) break;
    }
    clock.advance(1_000_000);
    expect(problems).toEqual([]);
    expect(keyOf.size).toBe(0);
    expect(firedCount + cancelled).toBe(nextRef);
    expect(clock.pendingTimers).toBe(0);
  });
});

describe('systemClock', () => {
  it('fires a scheduled timer through a real setTimeout and close disarms it', async () => {
    const clock = createSystemClock({ unref: true });
    const start = clock.now();
    const fired = await new Promise<number>((resolve) => {
      const scheduler = new Scheduler<number>(() => {
        resolve(clock.now() - start);
        scheduler.close();
      }, clock);
      scheduler.schedule(20, 1);
    });
    expect(fired).toBeGreaterThanOrEqual(19);
    let late = false;
    const closed = new Scheduler<number>(() => {
      late = true;
    }, clock);
    closed.schedule(5, 1);
    closed.close();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(late).toBe(false);
  });
});
