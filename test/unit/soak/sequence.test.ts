import { parseSoakEvent, SequenceChecker, soakItemContent, splitEvents, summariseRss } from '../../../tools/soak/sequence';

describe('soak sequence checker', () => {
  it('accepts consecutive numbers from the first one received', () => {
    const c = new SequenceChecker();
    expect([5, 6, 7].map((s) => c.observe(s))).toEqual(['first', 'ok', 'ok']);
    expect(c).toMatchObject({ received: 3, gaps: 0, missing: 0, duplicates: 0, last: 7 });
    expect(c.tailMissing(7)).toBe(0);
  });

  it('counts gaps with the number of items skipped, and duplicates', () => {
    const c = new SequenceChecker();
    expect([1, 2, 5, 5, 3, 6, 9].map((s) => c.observe(s))).toEqual(['first', 'ok', 'gap', 'duplicate', 'duplicate', 'ok', 'gap']);
    expect(c).toMatchObject({ gaps: 2, missing: 4, duplicates: 2, last: 9 });
    expect(c.tailMissing(12)).toBe(3);
  });

  it('owes nothing at the end before the first item', () => {
    expect(new SequenceChecker().tailMissing(100)).toBe(0);
  });
});

describe('soak item format', () => {
  it('round-trips an item through its SSE content', () => {
    const { events, rest } = splitEvents(soakItemContent('ch3', 42) + 'data: ch3 4');
    expect(events.map(parseSoakEvent)).toEqual([{ channel: 'ch3', seq: 42 }]);
    expect(rest).toBe('data: ch3 4');
  });

  it('ignores comments and malformed events', () => {
    expect(parseSoakEvent(':open')).toBeUndefined();
    expect(parseSoakEvent('data: ch3')).toBeUndefined();
    expect(parseSoakEvent('data: ch3 -1')).toBeUndefined();
    expect(parseSoakEvent('data: ch3 99999999999999999999')).toBeUndefined();
  });
});

describe('soak RSS summary', () => {
  it('gives first, last, max and the growth over the second half', () => {
    expect(summariseRss([50, 60, 58, 59, 61])).toEqual({ first: 50, last: 61, max: 61, secondHalfGrowth: 3 });
    expect(summariseRss([])).toBeUndefined();
  });
});
