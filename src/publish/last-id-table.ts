/**
 * Channel → the id of the last item delivered on it (spec grip-headers.md §8), as Pushpin's handler keeps it:
 * bounded, the least recently updated channel evicted first. Pure: no clock, no I/O.
 */

/** Pushpin 1.36 keeps at most this many channels in the table. */
export const LAST_ID_TABLE_CAPACITY = 1_000_000;

/** What held sessions may read and clear (the conflict check when a hold starts, a prev-id mismatch). */
export interface PublishLastIds {
  get(channel: string): string | undefined;
  remove(channel: string): void;
}

export class LastIdTable implements PublishLastIds {
  /** Insertion order is update order: the first key is the least recently updated. */
  private readonly map = new Map<string, string>();

  /** @param capacity channels kept (default 1,000,000); the least recently updated one is evicted first. */
  constructor(readonly capacity: number = LAST_ID_TABLE_CAPACITY) {}

  get size(): number {
    return this.map.size;
  }

  get(channel: string): string | undefined {
    return this.map.get(channel);
  }

  /** Records `id` as the last id of `channel` (and makes it the most recently updated). */
  set(channel: string, id: string): void {
    this.map.delete(channel);
    this.map.set(channel, id);
    while (this.map.size > this.capacity) {
      const oldest = this.map.keys().next();
      if (oldest.done === true) break;
      this.map.delete(oldest.value);
    }
  }

  remove(channel: string): void {
    this.map.delete(channel);
  }

  clear(): void {
    this.map.clear();
  }
}
