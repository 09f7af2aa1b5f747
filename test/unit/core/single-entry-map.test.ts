import { compactMap, SingleEntryMap } from '../../../src/core/single-entry-map';

describe('SingleEntryMap', () => {
  it('answers like a one-entry Map', () => {
    const real = new Map([['news', 1]]);
    const small = new SingleEntryMap('news', 1);
    expect(small.size).toBe(real.size);
    expect(small.get('news')).toBe(1);
    expect(small.get('other')).toBeUndefined();
    expect(small.has('news')).toBe(true);
    expect(small.has('other')).toBe(false);
    expect([...small]).toEqual([...real]);
    expect([...small.entries()]).toEqual([...real.entries()]);
    expect([...small.keys()]).toEqual(['news']);
    expect([...small.values()]).toEqual([1]);
    const seen: Array<[number, string]> = [];
    small.forEach((v, k, m) => {
      seen.push([v, k]);
      expect(m).toBe(small);
    });
    expect(seen).toEqual([[1, 'news']]);
  });
});

describe('compactMap', () => {
  it('keeps maps of 0 or several entries and shrinks a one-entry map, same contents', () => {
    const empty = new Map<string, number>();
    const two = new Map([['a', 1], ['b', 2]]);
    expect(compactMap(empty)).toBe(empty);
    expect(compactMap(two)).toBe(two);
    const one = compactMap(new Map([['a', 1]]));
    expect(one).toBeInstanceOf(SingleEntryMap);
    expect([...one]).toEqual([['a', 1]]);
  });
});
