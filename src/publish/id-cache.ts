/**
 * Duplicate suppression by `(channel, id)` within `id_cache_ttl` seconds (spec grip-headers.md §8). Pure:
 * the caller passes the time (monotonic milliseconds).
 *
 * Entries all live for the same TTL, so insertion order is expiry order: purging walks from the oldest and
 * stops at the first live entry (amortised O(1) per item). A capacity bounds memory under extreme publish
 * rates; past it the oldest entries are forgotten early (counted in `evictedEarly`).
 */

/** Entries kept at most (about 100 bytes each). */
export const ID_CACHE_CAPACITY = 1_000_000;

export class IdCache {
  /** key → expiry time (ms), in insertion (= expiry) order. */
  private readonly entries = new Map<string, number>();
  /** Entries forgotten before their TTL because the cache was full. */
  evictedEarly = 0;

  /**
   * @param ttlMs how long an id is remembered, ms; 0 or less turns the cache off.
   * @param capacity entries kept at most (default 1,000,000).
   */
  constructor(
    private readonly ttlMs: number,
    private readonly capacity: number = ID_CACHE_CAPACITY,
  ) {}

  get enabled(): boolean {
    return this.ttlMs > 0;
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * Whether `(channel, id)` was already seen within the TTL. When it was not, it is remembered from now on.
   * Always false when the cache is off.
   * @param nowMs current monotonic time, ms.
   */
  seen(channel: string, id: string, nowMs: number): boolean {
    if (this.ttlMs <= 0) return false;
    this.purge(nowMs);
    // Length-prefixed so that ('a:b', 'c') and ('a', 'b:c') cannot collide.
    const key = `${channel.length}:${channel}\n${id}`;
    if (this.entries.has(key)) return true;
    this.entries.set(key, nowMs + this.ttlMs);
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) break;
      this.entries.delete(oldest.value);
      this.evictedEarly++;
    }
    return false;
  }

  /** Forgets every entry whose TTL is over at `nowMs`. */
  purge(nowMs: number): void {
    for (const [key, expiresAt] of this.entries) {
      if (expiresAt > nowMs) break;
      this.entries.delete(key);
    }
  }

  clear(): void {
    this.entries.clear();
  }
}
