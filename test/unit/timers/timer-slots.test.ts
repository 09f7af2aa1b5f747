import type { Subscriber } from '../../../src/hold/subscriber';
import { TimerSlots } from '../../../src/timers/timer-slots';
import { ManualClock } from '../../../src/timers/manual-clock';
import { Scheduler } from '../../../src/timers/scheduler';

/** A subscriber whose onTimer records which slots were due, at what time. */
function setup(count = 3): { clock: ManualClock; scheduler: Scheduler<Subscriber>; slots: TimerSlots<Subscriber>; fired: Array<[number, number]> } {
  const clock = new ManualClock();
  const scheduler = new Scheduler<Subscriber>((sub) => sub.onTimer(), clock);
  const fired: Array<[number, number]> = [];
  const owner: Subscriber = {
    kind: 'websocket',
    channels: [],
    channelCount: 0,
    deliver: () => 'ignored',
    close: () => undefined,
    onTimer: () => fired.push([clock.now(), slots.expire()]),
  };
  const slots: TimerSlots<Subscriber> = new TimerSlots(scheduler, owner, count, () => clock.now());
  return { clock, scheduler, slots, fired };
}

describe('TimerSlots', () => {
  it('keeps one wheel entry for several deadlines and reports each when due', () => {
    const { clock, scheduler, slots, fired } = setup();
    slots.set(0, 300);
    slots.set(1, 100);
    slots.set(2, 200);
    expect(scheduler.size).toBe(1);
    clock.advance(100);
    clock.advance(100);
    clock.advance(100);
    expect(fired).toEqual([
      [100, 0b010],
      [200, 0b100],
      [300, 0b001],
    ]);
    expect(scheduler.size).toBe(0);
  });

  it('reports deadlines due together in one call', () => {
    const { clock, slots, fired } = setup();
    slots.set(0, 50);
    slots.set(2, 50);
    clock.advance(60);
    expect(fired).toEqual([[50, 0b101]]);
  });

  it('replaces a slot deadline; a later one leaves an early (harmless) wakeup', () => {
    const { clock, slots, fired } = setup();
    slots.set(0, 100);
    slots.set(0, 500);
    clock.advance(100);
    expect(fired).toEqual([[100, 0]]);
    clock.advance(400);
    expect(fired).toEqual([
      [100, 0],
      [500, 1],
    ]);
  });

  it('an earlier deadline re-arms the entry sooner', () => {
    const { clock, slots, fired } = setup();
    slots.set(0, 500);
    slots.set(1, 10);
    clock.advance(10);
    expect(fired).toEqual([[10, 0b10]]);
  });

  it('clearing every slot removes the wheel entry; clearAll too', () => {
    const { clock, scheduler, slots, fired } = setup();
    slots.set(0, 100);
    slots.set(1, 200);
    slots.clear(0);
    expect(scheduler.size).toBe(1);
    expect(slots.isSet(1)).toBe(true);
    slots.clear(1);
    expect(scheduler.size).toBe(0);
    slots.set(2, 5);
    slots.clearAll();
    clock.advance(1000);
    expect(fired).toEqual([]);
    expect(slots.isSet(2)).toBe(false);
  });

  it('a slot set from inside onTimer is armed again', () => {
    const clock = new ManualClock();
    const scheduler = new Scheduler<Subscriber>((sub) => sub.onTimer(), clock);
    const times: number[] = [];
    const owner: Subscriber = {
      kind: 'websocket',
      channels: [],
      channelCount: 0,
      deliver: () => 'ignored',
      close: () => undefined,
      onTimer: () => {
        if (slots.expire() & 1) {
          times.push(clock.now());
          if (times.length < 3) slots.set(0, 40);
        }
      },
    };
    const slots: TimerSlots<Subscriber> = new TimerSlots(scheduler, owner, 1, () => clock.now());
    slots.set(0, 40);
    for (let i = 0; i < 10; i++) clock.advance(20);
    expect(times).toEqual([40, 80, 120]);
  });

  it('does nothing (and does not throw) once the scheduler is closed', () => {
    const { scheduler, slots } = setup();
    scheduler.close();
    expect(() => slots.set(0, 10)).not.toThrow();
  });
});
