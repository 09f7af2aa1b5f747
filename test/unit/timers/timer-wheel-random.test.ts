import { TimerWheel } from '../../../src/timers/timer-wheel';

/** mulberry32: a small seeded PRNG, so every failure replays from its seed. */
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

interface RefTimer {
  key: number;
  expires: number;
  seq: number;
  ref: number;
}

/**
 * The naive reference: a list of live timers; an advance expires every timer at or before the new time,
 * sorted by expiry then add order, onto a FIFO of expired-but-not-taken timers.
 */
class NaiveWheel {
  now = 0;
  scheduled: RefTimer[] = [];
  expired: RefTimer[] = [];
  private seq = 0;

  add(key: number, expires: number, ref: number): void {
    this.scheduled.push({ key, expires, seq: this.seq++, ref });
  }

  remove(key: number): boolean {
    for (const list of [this.scheduled, this.expired]) {
      const i = list.findIndex((t) => t.key === key);
      if (i >= 0) {
        list.splice(i, 1);
        return true;
      }
    }
    return false;
  }

  advance(now: number): void {
    this.now = Math.max(this.now, now);
    const due = this.scheduled.filter((t) => t.expires <= this.now);
    this.scheduled = this.scheduled.filter((t) => t.expires > this.now);
    due.sort((a, b) => a.expires - b.expires || a.seq - b.seq);
    this.expired.push(...due);
  }

  take(max: number): RefTimer[] {
    return this.expired.splice(0, max);
  }

  /** Exact ticks until the earliest expiry: 0 if anything is due or expired. */
  exactTimeout(): number | undefined {
    if (this.expired.length > 0) return 0;
    if (this.scheduled.length === 0) return undefined;
    return Math.max(0, Math.min(...this.scheduled.map((t) => t.expires)) - this.now);
  }

  get size(): number {
    return this.scheduled.length + this.expired.length;
  }
}

interface Profile {
  name: string;
  removeWeight: number;
  /** Largest advance step, in ticks. */
  maxStep: number;
  /** Largest distance of a new expiry from now, in ticks. */
  maxAhead: number;
  start: number;
}

const PROFILES: Profile[] = [
  { name: 'dense, small steps', removeWeight: 0.25, maxStep: 70, maxAhead: 300, start: 0 },
  { name: 'level crossings', removeWeight: 0.2, maxStep: 5000, maxAhead: 300_000, start: 64 ** 3 - 1000 },
  { name: 'huge ranges', removeWeight: 0.2, maxStep: 2 ** 40, maxAhead: 2 ** 45, start: 1.7e12 },
  { name: 'no removals (exact timeouts)', removeWeight: 0, maxStep: 3000, maxAhead: 100_000, start: 12345 },
];

const SEEDS = [1, 2, 3, 42, 1234, 99999];
const OPERATIONS = 4000;

function pickExpiry(rand: () => number, now: number, maxAhead: number): number {
  const r = rand();
  if (r < 0.1) return Math.max(0, now - Math.floor(rand() * 100)); // at or before now
  if (r < 0.2) return now + 1 + Math.floor(rand() * 3); // the next few ticks
  if (r < 0.3) return now + 64 * (1 + Math.floor(rand() * 3)); // on a slot boundary
  const span = rand() < 0.5 ? Math.min(maxAhead, 5000) : maxAhead;
  return now + Math.floor(rand() * span);
}

function run(seed: number, profile: Profile): void {
  const rand = mulberry32(seed);
  const wheel = new TimerWheel<number>();
  const naive = new NaiveWheel();
  wheel.advance(profile.start);
  naive.advance(profile.start);
  let nextRef = 0;
  const fail = (op: number, what: string): never => {
    throw new Error(`seed ${seed}, ${profile.name}, operation ${op}: ${what}`);
  };

  for (let op = 0; op < OPERATIONS; op++) {
    const r = rand();
    if (r < 0.45) {
      const expires = Math.min(pickExpiry(rand, naive.now, profile.maxAhead), Number.MAX_SAFE_INTEGER);
      const ref = nextRef++;
      const key = wheel.add(expires, ref);
      if (naive.scheduled.some((t) => t.key === key) || naive.expired.some((t) => t.key === key)) {
        fail(op, `key ${key} handed out twice`);
      }
      naive.add(key, expires, ref);
    } else if (r < 0.45 + profile.removeWeight) {
      const live = [...naive.scheduled, ...naive.expired];
      if (live.length > 0 && rand() < 0.9) {
        const victim = live[Math.floor(rand() * live.length)]!;
        if (!wheel.remove(victim.key)) fail(op, `remove(${victim.key}) of a live timer returned false`);
        naive.remove(victim.key);
      } else {
        // A key no live timer holds must be refused.
        const liveKeys = new Set(live.map((t) => t.key));
        let key = Math.floor(rand() * (live.length + 5));
        while (liveKeys.has(key)) key++;
        if (wheel.remove(key)) fail(op, `remove(${key}) of a free key returned true`);
      }
    } else if (r < 0.9) {
      const step = rand() < 0.2 ? 0 : Math.floor(rand() * rand() * profile.maxStep);
      const target = Math.min(naive.now + step, Number.MAX_SAFE_INTEGER);
      wheel.advance(target);
      naive.advance(target);
      if (rand() < 0.8) {
        const got = wheel.takeExpired().map((t) => `${t.key}:${t.ref}`);
        const want = naive.take(Infinity).map((t) => `${t.key}:${t.ref}`);
        if (got.join(',') !== want.join(',')) fail(op, `expired [${got.join(',')}], want [${want.join(',')}]`);
      }
    } else {
      const max = Math.floor(rand() * 3);
      const got = wheel.takeExpired(max).map((t) => t.ref);
      const want = naive.take(max).map((t) => t.ref);
      if (got.join(',') !== want.join(',')) fail(op, `partial take [${got.join(',')}], want [${want.join(',')}]`);
    }

    if (wheel.size !== naive.size) fail(op, `size ${wheel.size}, want ${naive.size}`);
    if (wheel.currentTick !== naive.now) fail(op, `currentTick ${wheel.currentTick}, want ${naive.now}`);
    const exact = naive.exactTimeout();
    const next = wheel.nextTimeout();
    if (exact === undefined || next === undefined) {
      if (exact !== next) fail(op, `nextTimeout ${String(next)}, want ${String(exact)}`);
    } else if (next > exact || next < 0) {
      fail(op, `nextTimeout ${next} is later than the earliest expiry ${exact} or negative`);
    } else if (profile.removeWeight === 0 && next !== exact) {
      fail(op, `nextTimeout ${next} is not exact (${exact}) although nothing was removed`);
    } else if (exact > 0 && next === 0) {
      fail(op, 'nextTimeout 0 although nothing is due (a caller would spin)');
    }
  }

  // Drain by following nextTimeout like a scheduler: every timer expires, none early, in bounded wakeups.
  let wakeups = 0;
  while (wheel.size > 0) {
    if (++wakeups > 10 * (naive.size + 10)) fail(OPERATIONS, 'draining by nextTimeout does not converge');
    const target = Math.min(wheel.currentTick + wheel.nextTimeout()!, Number.MAX_SAFE_INTEGER);
    wheel.advance(target);
    naive.advance(target);
    const got = wheel.takeExpired().map((t) => t.ref);
    const want = naive.take(Infinity).map((t) => t.ref);
    if (got.join(',') !== want.join(',')) fail(OPERATIONS, `drain [${got.join(',')}], want [${want.join(',')}]`);
  }
  if (naive.size !== 0) fail(OPERATIONS, `reference still holds ${naive.size} timers`);
}

describe('TimerWheel against a naive reference', () => {
  for (const profile of PROFILES) {
    it.each(SEEDS)(`${profile.name}, seed %p`, (seed) => {
      run(seed, profile);
    });
  }

  it('the harness detects a wrong expiry (self-test)', () => {
    // A wheel whose advance drops every other expired timer must make the comparison fail.
    class LossyWheel extends TimerWheel<number> {
      override takeExpired(max?: number): Array<{ key: number; ref: number }> {
        return super.takeExpired(max).filter((_, i) => i % 2 === 0);
      }
    }
    const wheel = new LossyWheel();
    const naive = new NaiveWheel();
    for (let i = 0; i < 4; i++) naive.add(wheel.add(10 + i, i), 10 + i, i);
    wheel.advance(20);
    naive.advance(20);
    expect(wheel.takeExpired().map((t) => t.ref)).not.toEqual(naive.take(Infinity).map((t) => t.ref));
  });
});
