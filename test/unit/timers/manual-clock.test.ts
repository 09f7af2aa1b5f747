import { expectCode } from '../../helpers/expect-code';
import { ManualClock } from '../../../src/timers/manual-clock';


describe('ManualClock', () => {
  it('moves only when advanced', () => {
    const clock = new ManualClock(100);
    expect(clock.now()).toBe(100);
    clock.advance(0);
    expect(clock.now()).toBe(100);
    clock.advance(2.5);
    expect(clock.now()).toBe(102.5);
  });

  it('fires due timers synchronously, in due then arming order, reading their due time', () => {
    const clock = new ManualClock();
    const log: string[] = [];
    clock.setTimer(() => log.push(`b@${clock.now()}`), 20);
    clock.setTimer(() => log.push(`a@${clock.now()}`), 10);
    clock.setTimer(() => log.push(`a2@${clock.now()}`), 10);
    clock.setTimer(() => log.push(`c@${clock.now()}`), 30);
    clock.advance(20);
    expect(log).toEqual(['a@10', 'a2@10', 'b@20']);
    expect(clock.pendingTimers).toBe(1);
    expect(clock.fireCount).toBe(3);
  });

  it('fires timers armed by a callback within the same advance when due', () => {
    const clock = new ManualClock();
    const log: number[] = [];
    clock.setTimer(() => {
      log.push(clock.now());
      clock.setTimer(() => log.push(clock.now()), 5);
      clock.setTimer(() => log.push(clock.now()), 50);
    }, 10);
    clock.advance(20);
    expect(log).toEqual([10, 15]);
    expect(clock.now()).toBe(20);
    expect(clock.pendingDueTimes).toEqual([60]);
  });

  it('clearTimer disarms, and ignores unknown handles', () => {
    const clock = new ManualClock();
    let fired = false;
    const handle = clock.setTimer(() => {
      fired = true;
    }, 5);
    clock.clearTimer(handle);
    clock.clearTimer(handle);
    clock.clearTimer({});
    clock.advance(10);
    expect(fired).toBe(false);
    expect(clock.pendingTimers).toBe(0);
  });

  it('rejects bad steps, delays and start times', () => {
    const clock = new ManualClock();
    for (const step of [-1, NaN, Infinity]) expectCode(() => clock.advance(step), 'CLOCK_INVALID_STEP');
    for (const ms of [-1, NaN, 2 ** 31]) expectCode(() => clock.setTimer(() => undefined, ms), 'CLOCK_INVALID_DELAY');
    expectCode(() => new ManualClock(NaN), 'CLOCK_INVALID_STEP');
    expect(clock.now()).toBe(0);
    expect(clock.pendingTimers).toBe(0);
  });

  it('stops a timer that re-arms itself at 0 ms forever', () => {
    const clock = new ManualClock();
    const again = (): void => {
      clock.setTimer(again, 0);
    };
    clock.setTimer(again, 0);
    expectCode(() => clock.advance(1), 'CLOCK_RUNAWAY');
  });
});
