/**
 * A read-only map of exactly one entry, in two fields. Every held stream keeps its channels in a map, and
 * nearly all hold one channel: V8's `Map` allocates a hash table of about 200 bytes even for one entry
 * (heap snapshot, docs/PERFORMANCE.md), this takes about 32.
 */
export class SingleEntryMap<K, V> implements ReadonlyMap<K, V> {
  constructor(
    private readonly key: K,
    private readonly value: V,
  ) {}

  get size(): number {
    return 1;
  }

  get(key: K): V | undefined {
    return key === this.key ? this.value : undefined;
  }

  has(key: K): boolean {
    return key === this.key;
  }

  forEach(callback: (value: V, key: K, map: ReadonlyMap<K, V>) => void, thisArg?: unknown): void {
    callback.call(thisArg, this.value, this.key, this);
  }

  *entries(): IterableIterator<[K, V]> {
    yield [this.key, this.value];
  }

  *keys(): IterableIterator<K> {
    yield this.key;
  }

  *values(): IterableIterator<V> {
    yield this.value;
  }

  [Symbol.iterator](): IterableIterator<[K, V]> {
    return this.entries();
  }
}

/** `map` itself, or a SingleEntryMap of its one entry (to be kept long, e.g. per held connection). */
export function compactMap<K, V>(map: ReadonlyMap<K, V>): ReadonlyMap<K, V> {
  if (map.size !== 1) return map;
  const [entry] = map;
  return new SingleEntryMap((entry as [K, V])[0], (entry as [K, V])[1]);
}
