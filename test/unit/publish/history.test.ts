import { ChannelHistory, HISTORY_ITEM_OVERHEAD, itemBytes } from '../../../src/publish/history';
import type { PublishItem } from '../../../src/publish/item-types';

function item(channel: string, id: string | undefined, prevId?: string, content = 'x'): PublishItem {
  const it: PublishItem = { channel, meta: {}, noSeq: false, formats: { 'http-stream': { action: 'send', content: Buffer.from(content) } } };
  if (id !== undefined) it.id = id;
  if (prevId !== undefined) it.prevId = prevId;
  return it;
}

const ids = (r: ReturnType<ChannelHistory['after']>): unknown => (r.kind === 'found' ? r.items.map((i) => i.id) : r);

describe('ChannelHistory', () => {
  const big = { maxItems: 100, maxAgeMs: 60_000, maxBytes: 1 << 30 };

  it('returns the items after a known id, in order (empty when it is the newest)', () => {
    const h = new ChannelHistory(big);
    for (const n of ['1', '2', '3']) h.append(item('c', n), 0);
    expect(ids(h.after('c', '1'))).toEqual(['2', '3']);
    expect(ids(h.after('c', '3'))).toEqual([]);
    expect(h.latestId('c')).toBe('3');
  });

  it('reports an unknown id or channel as a gap, and keeps no item without id', () => {
    const h = new ChannelHistory(big);
    h.append(item('c', '1'), 0);
    h.append(item('c', undefined), 0);
    expect(h.size.items).toBe(1);
    expect(h.after('c', 'nope')).toEqual({ kind: 'gap', reason: 'unknown-id' });
    expect(h.after('other', '1')).toEqual({ kind: 'gap', reason: 'unknown-id' });
  });

  it('detects a broken prev-id chain after the cursor', () => {
    const h = new ChannelHistory(big);
    h.append(item('c', '1'), 0);
    h.append(item('c', '2', '1'), 0);
    h.append(item('c', '4', '3'), 0); // 3 never came
    expect(ids(h.after('c', '2'))).toEqual({ kind: 'gap', reason: 'broken-chain' });
    expect(ids(h.after('c', '4'))).toEqual([]);
  });

  it('keeps at most maxItems per channel: an evicted id becomes a gap', () => {
    const h = new ChannelHistory({ ...big, maxItems: 2 });
    for (const n of ['1', '2', '3']) h.append(item('c', n), 0);
    expect(h.after('c', '1').kind).toBe('gap');
    expect(ids(h.after('c', '2'))).toEqual(['3']);
    expect(h.size).toEqual({ channels: 1, items: 2, bytes: 2 * itemBytes(item('c', '2')) });
  });

  it('forgets items older than maxAgeMs (on read, append and prune)', () => {
    const h = new ChannelHistory({ ...big, maxAgeMs: 1000 });
    h.append(item('c', '1'), 0);
    h.append(item('c', '2'), 500);
    h.append(item('d', '1'), 0);
    expect(ids(h.after('c', '1', 999))).toEqual(['2']);
    expect(h.after('c', '1', 1001).kind).toBe('gap');
    h.prune(2000);
    expect(h.size.items).toBe(0);
    expect(h.size.channels).toBe(0);
  });

  it('stays within maxBytes, evicting the least recently published channel first', () => {
    const one = itemBytes(item('a', '1'));
    const h = new ChannelHistory({ ...big, maxBytes: 3 * one });
    h.append(item('a', '1'), 0);
    h.append(item('b', '1'), 0);
    h.append(item('a', '2'), 0);
    h.append(item('c', '1'), 0); // over budget: b (least recently published) goes
    expect(h.size.bytes).toBeLessThanOrEqual(3 * one);
    expect(h.after('b', '1').kind).toBe('gap');
    expect(ids(h.after('a', '1'))).toEqual(['2']);
    expect(h.evictedForBytes).toBe(1);
  });

  it('is off with maxItems 0', () => {
    const h = new ChannelHistory({ ...big, maxItems: 0 });
    h.append(item('c', '1'), 0);
    expect(h.enabled).toBe(false);
    expect(h.size.items).toBe(0);
  });

  it('counts payload bytes of every format plus a fixed overhead', () => {
    const it = item('c', 'ab', 'c', 'hello');
    it.formats['http-response'] = { action: 'send', code: 200, headers: [], body: Buffer.from('12345678') };
    expect(itemBytes(it)).toBe(5 + 8 + HISTORY_ITEM_OVERHEAD + 3);
  });

  it('compacts its buffer under sustained traffic without losing order', () => {
    const h = new ChannelHistory({ ...big, maxItems: 10 });
    for (let n = 1; n <= 1000; n++) h.append(item('c', String(n)), n);
    expect(ids(h.after('c', '995'))).toEqual(['996', '997', '998', '999', '1000']);
    expect(h.size.items).toBe(10);
  });
});
