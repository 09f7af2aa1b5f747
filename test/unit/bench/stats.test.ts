import { latencySummary, median, perSecond, percentile, ratio, sortedCopy, spread, spreadAll } from '../../../tools/bench/stats';

describe('percentile (nearest rank)', () => {
  const hundred = Float64Array.from({ length: 100 }, (_, i) => i + 1); // 1..100

  it('gives the nearest-rank value', () => {
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile(hundred, 100)).toBe(100);
    expect(percentile(hundred, 0)).toBe(1);
    expect(percentile(hundred, 99.5)).toBe(100);
  });

  it('handles one value and small lists', () => {
    expect(percentile([7], 0)).toBe(7);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
    expect(percentile([1, 2, 3, 4], 51)).toBe(3);
  });

  it('is NaN for an empty list and rejects a bad p', () => {
    expect(percentile([], 50)).toBeNaN();
    expect(() => percentile([1], -1)).toThrow(RangeError);
    expect(() => percentile([1], 101)).toThrow(RangeError);
    expect(() => percentile([1], NaN)).toThrow(RangeError);
  });

  it('sortedCopy sorts numerically, not as strings', () => {
    expect(Array.from(sortedCopy([10, 9, 100, 1.5]))).toEqual([1.5, 9, 10, 100]);
  });

  it('latencySummary sorts unsorted input', () => {
    const values = [30, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    expect(latencySummary(values)).toEqual({ count: 10, p50: 5, p99: 30, max: 30 });
    expect(latencySummary([]).count).toBe(0);
    expect(latencySummary([]).p50).toBeNaN();
  });
});

describe('median, spread and ratio', () => {
  it('median of odd and even counts, ignoring NaN', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([NaN, 5])).toBe(5);
    expect(median([])).toBeNaN();
  });

  it('spread gives median, min, max and the number of runs that measured', () => {
    expect(spread([5, 1, 9])).toEqual({ median: 5, min: 1, max: 9, runs: 3 });
    expect(spread([NaN, 2])).toEqual({ median: 2, min: 2, max: 2, runs: 1 });
    const none = spread([]);
    expect(none.runs).toBe(0);
    expect(none.median).toBeNaN();
  });

  it('spreadAll covers metrics missing from some runs', () => {
    const all = spreadAll([{ a: 1, b: 10 }, { a: 3 }, { a: 2, b: 30 }]);
    expect(all.a).toEqual({ median: 2, min: 1, max: 3, runs: 3 });
    expect(all.b).toEqual({ median: 20, min: 10, max: 30, runs: 2 });
  });

  it('ratio is NaN when undefined', () => {
    expect(ratio(6, 3)).toBe(2);
    expect(ratio(1, 0)).toBeNaN();
    expect(ratio(NaN, 1)).toBeNaN();
    expect(ratio(1, Infinity)).toBeNaN();
  });

  it('perSecond', () => {
    expect(perSecond(500, 250)).toBe(2000);
    expect(perSecond(5, 0)).toBeNaN();
  });
});
