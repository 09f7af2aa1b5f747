import type { PublishItem } from '../../../src/publish/item-types';
import { IdCache } from '../../../src/publish/id-cache';
import { LastIdTable } from '../../../src/publish/last-id-table';
import { Sequencer } from '../../../src/publish/sequencer';

function item(channel: string, id?: string, prevId?: string, extra: Partial<PublishItem> = {}): PublishItem {
  const it: PublishItem = { channel, meta: {}, noSeq: false, formats: { 'http-stream': { action: 'send', content: Buffer.from(id ?? '-') } }, ...extra };
  if (id !== undefined) it.id = id;
  if (prevId !== undefined) it.prevId = prevId;
  return it;
}

const ids = (items: PublishItem[]): Array<string | undefined> => items.map((i) => i.id);

function seq(waitMs = 5000, idCacheTtlSec = 0): { s: Sequencer; lastIds: LastIdTable } {
  const lastIds = new LastIdTable();
  return { s: new Sequencer({ waitMs, idCacheTtlSec, lastIds }), lastIds };
}

describe('Sequencer', () => {
  it('delivers an item whose channel has no recorded last id at once and records its id', () => {
    const { s, lastIds } = seq();
    expect(ids(s.add(item('c', '1', '0'), true, 0).ready)).toEqual(['1']);
    expect(lastIds.get('c')).toBe('1');
  });

  it('holds an item whose prev-id does not follow, then releases the chain in order (1, 3<-2, 2<-1 gives 1, 2, 3)', () => {
    const { s } = seq();
    expect(ids(s.add(item('c', '1'), true, 0).ready)).toEqual(['1']);
    expect(s.add(item('c', '3', '2'), true, 10).ready).toEqual([]);
    expect(s.pendingCount).toBe(1);
    expect(ids(s.add(item('c', '2', '1'), true, 20).ready)).toEqual(['2', '3']);
    expect(s.pendingCount).toBe(0);
    expect(s.nextExpiryMs()).toBeUndefined();
  });

  it('puts any permutation of a chain back in order', () => {
    const { s } = seq();
    s.add(item('p', '0'), true, 0);
    const order = Array.from({ length: 100 }, (_, i) => i + 1);
    // a fixed pseudo-random permutation (deterministic test)
    let x = 12345;
    for (let i = order.length - 1; i > 0; i--) {
      x = (x * 1103515245 + 12345) % 2147483648;
      const j = x % (i + 1);
      [order[i], order[j]] = [order[j] as number, order[i] as number];
    }
    const out: PublishItem[] = [];
    for (const n of order) out.push(...s.add(item('p', String(n), String(n - 1)), true, n).ready);
    expect(ids(out)).toEqual(Array.from({ length: 100 }, (_, i) => String(i + 1)));
  });

  it('sends a waiting item once message_wait has passed, and its followers with it', () => {
    const { s, lastIds } = seq(5000);
    s.add(item('c', '1'), true, 0);
    s.add(item('c', '5', '4'), true, 100);
    s.add(item('c', '6', '5'), true, 200);
    expect(s.nextExpiryMs()).toBe(5100);
    expect(s.expire(5099).ready).toEqual([]);
    expect(ids(s.expire(5100).ready)).toEqual(['5', '6']);
    expect(lastIds.get('c')).toBe('6');
    expect(s.pendingCount).toBe(0);
  });

  it('does not sequence when told not to (no subscribers, no-seq): delivered at once, table untouched', () => {
    const { s, lastIds } = seq();
    s.add(item('c', '1'), true, 0);
    expect(ids(s.add(item('c', '9', '8'), false, 1).ready)).toEqual(['9']);
    expect(lastIds.get('c')).toBe('1');
  });

  it('keeps one waiting item per prev-id and at most pendingMax per channel', () => {
    const lastIds = new LastIdTable();
    const s = new Sequencer({ waitMs: 1000, idCacheTtlSec: 0, lastIds, pendingMax: 2 });
    s.add(item('c', '1'), true, 0);
    expect(s.add(item('c', '5', '4'), true, 1).dropped).toEqual([]);
    expect(s.add(item('c', '5b', '4'), true, 2).dropped.map((d) => d.reason)).toEqual(['pending-same-prev-id']);
    expect(s.add(item('c', '7', '6'), true, 3).dropped).toEqual([]);
    expect(s.add(item('c', '9', '8'), true, 4).dropped.map((d) => d.reason)).toEqual(['pending-full']);
    // another channel is not affected by this one's limit
    s.add(item('d', '1'), true, 5);
    expect(s.add(item('d', '3', '2'), true, 6).dropped).toEqual([]);
    expect(s.pendingCount).toBe(3);
  });

  it('drops repeats of (channel, id) within the id cache TTL, sequenced or not', () => {
    const { s } = seq(5000, 60);
    expect(ids(s.add(item('c', 'a'), true, 0).ready)).toEqual(['a']);
    expect(s.add(item('c', 'a'), true, 10).dropped.map((d) => d.reason)).toEqual(['duplicate']);
    expect(s.add(item('c', 'a'), false, 20).dropped.map((d) => d.reason)).toEqual(['duplicate']);
    expect(ids(s.add(item('other', 'a'), true, 30).ready)).toEqual(['a']);
    expect(ids(s.add(item('c', 'a'), true, 60_001).ready)).toEqual(['a']);
  });

  it('never drops repeats when the id cache is off', () => {
    const { s } = seq(5000, 0);
    s.add(item('c', 'a'), false, 0);
    expect(ids(s.add(item('c', 'a'), false, 1).ready)).toEqual(['a']);
  });

  it('clears an item without id as the last id', () => {
    const { s, lastIds } = seq();
    s.add(item('c', '1'), true, 0);
    s.add(item('c'), true, 1);
    expect(lastIds.get('c')).toBeUndefined();
    // nothing recorded: the next item goes out even though its prev-id is unknown
    expect(ids(s.add(item('c', '9', '8'), true, 2).ready)).toEqual(['9']);
  });

  it('discards waiting items and the last id when the channel loses its last subscriber', () => {
    const { s, lastIds } = seq();
    s.add(item('c', '1'), true, 0);
    s.add(item('c', '3', '2'), true, 1);
    const dropped = s.clearChannel('c');
    expect(dropped.map((d) => [d.item.id, d.reason])).toEqual([['3', 'channel-unsubscribed']]);
    expect(lastIds.get('c')).toBeUndefined();
    expect(s.pendingCount).toBe(0);
    expect(s.expire(10_000).ready).toEqual([]);
  });

  it('recover forgets every last id but keeps waiting items on their timer', () => {
    const { s, lastIds } = seq(100);
    s.add(item('c', '1'), true, 0);
    s.add(item('c', '3', '2'), true, 1);
    s.clearLastIds();
    expect(lastIds.size).toBe(0);
    expect(ids(s.expire(101).ready)).toEqual(['3']);
  });
});

describe('IdCache', () => {
  it('remembers ids for the TTL only, per channel', () => {
    const c = new IdCache(1000);
    expect(c.seen('a', '1', 0)).toBe(false);
    expect(c.seen('a', '1', 999)).toBe(true);
    expect(c.seen('b', '1', 999)).toBe(false);
    expect(c.seen('a', '1', 1000)).toBe(false); // expired, then remembered again
    expect(c.size).toBe(2);
  });

  it('does not confuse channel/id pairs that concatenate alike', () => {
    const c = new IdCache(1000);
    c.seen('a:b', 'c', 0);
    expect(c.seen('a', 'b:c', 1)).toBe(false);
  });

  it('is off with a TTL of 0 and bounded by its capacity', () => {
    expect(new IdCache(0).seen('a', '1', 0)).toBe(false);
    const off = new IdCache(0);
    off.seen('a', '1', 0);
    expect(off.seen('a', '1', 1)).toBe(false);
    const small = new IdCache(60_000, 2);
    small.seen('a', '1', 0);
    small.seen('a', '2', 1);
    small.seen('a', '3', 2);
    expect(small.size).toBe(2);
    expect(small.evictedEarly).toBe(1);
    expect(small.seen('a', '1', 3)).toBe(false); // forgotten early
  });
});

describe('LastIdTable', () => {
  it('evicts the least recently updated channel past its capacity', () => {
    const t = new LastIdTable(2);
    t.set('a', '1');
    t.set('b', '1');
    t.set('a', '2'); // a is now the most recent
    t.set('c', '1');
    expect(t.get('b')).toBeUndefined();
    expect(t.get('a')).toBe('2');
    expect(t.get('c')).toBe('1');
    t.remove('a');
    expect(t.size).toBe(1);
  });
});
