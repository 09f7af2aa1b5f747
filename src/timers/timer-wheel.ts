/**
 * A hierarchical timing wheel in the style of Pushpin's `src/core/timer.rs`: it knows no clock and calls
 * nothing. The owner adds timers at absolute integer ticks, advances the wheel's notion of "now", and drains
 * the expired timers itself.
 *
 * Layout: 9 levels of 64 slots (9 × 6 bits = 54 bits, so every safe-integer tick has a place and no
 * overflow list is needed). A timer expiring at tick `e` while the wheel is at tick `c < e` sits at the
 * lowest level `l` at which `e` and `c` share every base-64 digit above `l`, in the slot named by `e`'s digit
 * `l`. Digits are absolute, so within a level the occupied slots are always after the current digit and
 * never wrap; a lower level always holds earlier timers than a higher one. When time crosses a slot's start,
 * the slot is emptied and its timers are either expired or re-filed on a lower level (at most 8 moves each).
 *
 * Storage is struct-of-arrays: the timer with key `k` lives at index `k` of typed arrays that hold intrusive
 * doubly linked list pointers; keys are reused through a free list. Add and remove are O(1); advance costs
 * O(slots crossed + timers moved). add, remove and advance allocate nothing per timer beyond amortised
 * growth of the arrays; only takeExpired builds one small object per timer it returns.
 *
 * Non-null assertions (`!`) below index typed arrays with keys and list ids that this class keeps in range.
 */
import { ThumbtackError } from '../core/errors';

const SLOT_BITS = 6;
const SLOTS = 1 << SLOT_BITS;
const LEVELS = 9;
/** `SPAN[l]` = 64^l = ticks covered by one slot of level `l`. */
const SPAN: readonly number[] = Array.from({ length: LEVELS + 1 }, (_, l) => 2 ** (SLOT_BITS * l));
const WHEEL_LISTS = LEVELS * SLOTS;
/** List of timers added at or before the current tick; they move to EXPIRED on the next advance. */
const DUE = WHEEL_LISTS;
/** List of expired timers waiting for takeExpired, in expiry order. */
const EXPIRED = WHEEL_LISTS + 1;
const LIST_COUNT = WHEEL_LISTS + 2;
const NIL = -1;
/** `where[k]` of a key that holds no timer. */
const FREE = -1;
const INITIAL_ARRAY_SIZE = 64;

/** Thrown for a tick that is not an integer in [0, Number.MAX_SAFE_INTEGER]. */
export const TIMER_INVALID_TICK = 'TIMER_INVALID_TICK';
/** Thrown by add when the wheel already holds `capacity` timers. */
export const TIMER_CAPACITY = 'TIMER_CAPACITY';
/** Thrown by the constructor for a capacity that is not a non-negative integer or Infinity. */
export const TIMER_INVALID_CAPACITY = 'TIMER_INVALID_CAPACITY';

/** One timer handed back by {@link TimerWheel.takeExpired}. Its key is free again once returned. */
export interface ExpiredTimer<T> {
  key: number;
  ref: T;
}

function checkTick(tick: number, what: string): void {
  if (!Number.isSafeInteger(tick) || tick < 0) {
    throw new ThumbtackError(TIMER_INVALID_TICK, `${what} must be an integer tick in [0, 2^53-1], got ${String(tick)}`);
  }
}

export class TimerWheel<T> {
  private readonly capacity: number;
  private now = 0;
  private count = 0;
  private seqCounter = 0;

  // Per-timer columns, indexed by key.
  private next = new Int32Array(INITIAL_ARRAY_SIZE);
  private prev = new Int32Array(INITIAL_ARRAY_SIZE);
  /** List id the timer is on (slot `level*64+digit`, DUE or EXPIRED), or FREE. */
  private where = new Int32Array(INITIAL_ARRAY_SIZE).fill(FREE);
  private expires = new Float64Array(INITIAL_ARRAY_SIZE);
  /** Add order, to break ties between equal expiries. */
  private seq = new Float64Array(INITIAL_ARRAY_SIZE);
  private refs: Array<T | undefined> = [];
  /** Keys below this have been handed out at least once. */
  private highWater = 0;
  private freeHead = NIL;

  // Per-list columns, indexed by list id.
  private readonly heads = new Int32Array(LIST_COUNT).fill(NIL);
  private readonly tails = new Int32Array(LIST_COUNT).fill(NIL);
  /** Lower bound of the expiries in each wheel slot (exact unless a timer was removed since it was set). */
  private readonly slotMin = new Float64Array(WHEEL_LISTS).fill(Infinity);
  /** Occupied-slot bitmap: two 32-bit words per level (slots 0-31, 32-63). */
  private readonly occupied = new Uint32Array(LEVELS * 2);

  // Scratch state reused by advance.
  private readonly batch: number[] = [];
  private readonly moved: number[] = [];
  private readonly byExpiry = (a: number, b: number): number =>
    this.expires[a]! - this.expires[b]! || this.seq[a]! - this.seq[b]!;

  /**
   * @param capacity maximum number of timers held at once (including expired ones not yet taken);
   *   default unlimited. Exceeding it makes {@link add} throw a `TIMER_CAPACITY` ThumbtackError.
   */
  constructor(capacity: number = Infinity) {
    if (!(capacity === Infinity || (Number.isSafeInteger(capacity) && capacity >= 0))) {
      throw new ThumbtackError(TIMER_INVALID_CAPACITY, `capacity must be a non-negative integer, got ${String(capacity)}`);
    }
    this.capacity = capacity;
  }

  /** Number of timers held: scheduled, due, and expired but not yet taken. */
  get size(): number {
    return this.count;
  }

  /** The wheel's current tick (last value passed to {@link advance}, initially 0). */
  get currentTick(): number {
    return this.now;
  }

  /**
   * Adds a timer.
   * @param expiresTick absolute expiry, an integer tick >= 0. A tick at or before {@link currentTick} makes
   *   the timer expire on the next {@link advance} (never within add itself).
   * @param ref the value handed back by {@link takeExpired}.
   * @returns the timer's key, a non-negative integer, valid until the timer is removed or taken.
   * @throws ThumbtackError `TIMER_INVALID_TICK` for a bad tick, `TIMER_CAPACITY` when full.
   */
  add(expiresTick: number, ref: T): number {
    checkTick(expiresTick, 'expiresTick');
    if (this.count >= this.capacity) {
      throw new ThumbtackError(TIMER_CAPACITY, `timer wheel is full (capacity ${this.capacity})`);
    }
    const key = this.allocate();
    this.expires[key] = expiresTick;
    this.seq[key] = this.seqCounter++;
    this.refs[key] = ref;
    this.count++;
    this.file(key);
    return key;
  }

  /**
   * Removes a timer wherever it is (scheduled, due, or expired but not yet taken).
   * @returns false if the key holds no timer (never added, already removed, or already taken). A key is
   *   reused after that, so callers must forget a key once its timer is removed or taken.
   */
  remove(key: number): boolean {
    if (!Number.isInteger(key) || key < 0 || key >= this.highWater || this.where[key] === FREE) {
      return false;
    }
    this.unlink(key);
    this.release(key);
    return true;
  }

  /**
   * Ticks from {@link currentTick} until the earliest expiry: 0 if a timer is due or expired, undefined if
   * the wheel is empty. Never later than the true earliest expiry; it may be earlier (by up to the span of
   * one slot of the level the earliest timer sits on) only after timers were removed from that slot, in
   * which case a wakeup at that time simply finds nothing due and the next call is more precise.
   */
  nextTimeout(): number | undefined {
    if (this.count === 0) return undefined;
    if (this.heads[DUE] !== NIL || this.heads[EXPIRED] !== NIL) return 0;
    for (let level = 0; level < LEVELS; level++) {
      const lo = this.occupied[level * 2]!;
      const hi = this.occupied[level * 2 + 1]!;
      if (lo === 0 && hi === 0) continue;
      // Occupied slots never wrap (see the module comment): the lowest digit is the earliest slot.
      const digit = lo !== 0 ? ctz32(lo) : 32 + ctz32(hi);
      return this.slotMin[level * SLOTS + digit]! - this.now;
    }
    return undefined; // unreachable while count > 0
  }

  /**
   * Moves the current tick forward to `nowTick` and moves every timer expiring at or before it, plus every
   * timer added at or before the previous tick, to the expired list (ordered by expiry, then add order).
   * A `nowTick` before {@link currentTick} is treated as the current tick: time never goes backwards.
   * @throws ThumbtackError `TIMER_INVALID_TICK` for a bad tick.
   */
  advance(nowTick: number): void {
    checkTick(nowTick, 'nowTick');
    const batch = this.batch;
    batch.length = 0;
    this.drainList(DUE, batch);
    if (nowTick > this.now) {
      const old = this.now;
      // Detach every slot whose start time is crossed, then re-file once the new time is set, so that
      // re-filed timers never land in a slot that is still to be processed.
      const moved = this.moved;
      moved.length = 0;
      for (let level = 0; level < LEVELS; level++) {
        const oldBlock = Math.floor(old / SPAN[level + 1]!);
        const newBlock = Math.floor(nowTick / SPAN[level + 1]!);
        const oldDigit = Math.floor(old / SPAN[level]!) % SLOTS;
        const newDigit = newBlock > oldBlock ? SLOTS - 1 : Math.floor(nowTick / SPAN[level]!) % SLOTS;
        this.takeSlots(level, oldDigit + 1, newDigit, moved);
        // Same block at this level means every higher digit is unchanged: nothing more to cross.
        if (newBlock === oldBlock) break;
      }
      this.now = nowTick;
      for (let i = 0; i < moved.length; i++) {
        const key = moved[i]!;
        if (this.expires[key]! <= nowTick) {
          batch.push(key);
        } else {
          this.file(key);
        }
      }
      moved.length = 0;
    }
    if (batch.length > 1 && !this.isSorted(batch)) batch.sort(this.byExpiry);
    for (let i = 0; i < batch.length; i++) this.pushBack(EXPIRED, batch[i]!);
    batch.length = 0;
  }

  /**
   * Removes and returns expired timers, earliest first; their keys become free for reuse.
   * @param max at most this many (default all). Taking one at a time lets a caller run callbacks between
   *   takes while the remaining expired timers can still be removed by key.
   */
  takeExpired(max: number = Infinity): Array<ExpiredTimer<T>> {
    const out: Array<ExpiredTimer<T>> = [];
    while (out.length < max) {
      const key = this.heads[EXPIRED]!;
      if (key === NIL) break;
      const ref = this.refs[key] as T; // set by add for every live key
      this.unlink(key);
      this.release(key);
      out.push({ key, ref });
    }
    return out;
  }

  /** Files a live, unlinked timer on the list its expiry calls for, relative to the current tick. */
  private file(key: number): void {
    const e = this.expires[key]!;
    const now = this.now;
    if (e <= now) {
      this.pushBack(DUE, key);
      return;
    }
    // The lowest level whose higher digits agree; levels whose slot span exceeds e - now cannot differ
    // only below them, so start at the first level where one slot of the next level can contain the gap.
    let level = 0;
    const gap = e - now;
    while (SPAN[level + 1]! <= gap) level++;
    while (Math.floor(e / SPAN[level + 1]!) !== Math.floor(now / SPAN[level + 1]!)) level++;
    const digit = Math.floor(e / SPAN[level]!) % SLOTS;
    const list = level * SLOTS + digit;
    this.pushBack(list, key);
    if (e < this.slotMin[list]!) this.slotMin[list] = e;
    this.occupied[level * 2 + (digit >> 5)]! |= 1 << (digit & 31);
  }

  /** Detaches the occupied slots `from..to` (inclusive digits) of `level`, appending their keys to `out`. */
  private takeSlots(level: number, from: number, to: number, out: number[]): void {
    for (let word = 0; word < 2; word++) {
      let bits = this.occupied[level * 2 + word]!;
      const base = word * 32;
      while (bits !== 0) {
        const digit = base + ctz32(bits);
        bits &= bits - 1;
        if (digit < from) continue;
        if (digit > to) return;
        this.drainList(level * SLOTS + digit, out);
      }
    }
  }

  /** Unlinks every timer of a list (keeping them live), appending their keys to `out`. */
  private drainList(list: number, out: number[]): void {
    for (let key = this.heads[list]!; key !== NIL; ) {
      const nextKey = this.next[key]!;
      out.push(key);
      this.where[key] = FREE; // transient: advance re-files or expires it before returning
      key = nextKey;
    }
    this.heads[list] = NIL;
    this.tails[list] = NIL;
    if (list < WHEEL_LISTS) this.slotEmptied(list);
  }

  private slotEmptied(list: number): void {
    this.slotMin[list] = Infinity;
    const level = (list / SLOTS) | 0;
    const digit = list % SLOTS;
    this.occupied[level * 2 + (digit >> 5)]! &= ~(1 << (digit & 31));
  }

  private pushBack(list: number, key: number): void {
    const tail = this.tails[list]!;
    this.prev[key] = tail;
    this.next[key] = NIL;
    if (tail === NIL) this.heads[list] = key;
    else this.next[tail] = key;
    this.tails[list] = key;
    this.where[key] = list;
  }

  private unlink(key: number): void {
    const list = this.where[key]!;
    const p = this.prev[key]!;
    const n = this.next[key]!;
    if (p === NIL) this.heads[list] = n;
    else this.next[p] = n;
    if (n === NIL) this.tails[list] = p;
    else this.prev[n] = p;
    if (list < WHEEL_LISTS && this.heads[list] === NIL) this.slotEmptied(list);
  }

  private allocate(): number {
    if (this.freeHead !== NIL) {
      const key = this.freeHead;
      this.freeHead = this.next[key]!;
      return key;
    }
    if (this.highWater === this.where.length) this.grow();
    return this.highWater++;
  }

  private release(key: number): void {
    this.where[key] = FREE;
    this.refs[key] = undefined;
    this.next[key] = this.freeHead;
    this.freeHead = key;
    this.count--;
  }

  private grow(): void {
    const size = this.where.length * 2;
    const next = new Int32Array(size);
    next.set(this.next);
    this.next = next;
    const prev = new Int32Array(size);
    prev.set(this.prev);
    this.prev = prev;
    const where = new Int32Array(size).fill(FREE);
    where.set(this.where);
    this.where = where;
    const expires = new Float64Array(size);
    expires.set(this.expires);
    this.expires = expires;
    const seq = new Float64Array(size);
    seq.set(this.seq);
    this.seq = seq;
  }

  private isSorted(keys: number[]): boolean {
    for (let i = 1; i < keys.length; i++) {
      if (this.byExpiry(keys[i - 1]!, keys[i]!) > 0) return false;
    }
    return true;
  }
}

/** Count of trailing zero bits of a non-zero 32-bit integer. */
function ctz32(x: number): number {
  return 31 - Math.clz32(x & -x);
}
