import { flushAtEndOfTurn, joinParts, type CoalescedWriter } from '../../../src/proxy/write-coalescer';

const nextTurn = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('flushAtEndOfTurn', () => {
  it('flushes every queued writer once, after the current turn, in the order they were queued', async () => {
    const flushed: string[] = [];
    const writer = (name: string): CoalescedWriter => ({ flushPending: () => flushed.push(name) });
    flushAtEndOfTurn(writer('a'));
    flushAtEndOfTurn(writer('b'));
    expect(flushed).toEqual([]);
    await nextTurn();
    expect(flushed).toEqual(['a', 'b']);
    await nextTurn();
    expect(flushed).toEqual(['a', 'b']);
  });

  it('queues a writer that asks again while the queue is being flushed for the next turn', async () => {
    const flushed: string[] = [];
    const again: CoalescedWriter = { flushPending: () => flushed.push('again') };
    flushAtEndOfTurn({
      flushPending: () => {
        flushed.push('first');
        flushAtEndOfTurn(again);
      },
    });
    await nextTurn();
    expect(flushed).toEqual(['first']);
    await nextTurn();
    expect(flushed).toEqual(['first', 'again']);
  });
});

describe('joinParts', () => {
  it('joins the parts in order', () => {
    expect(joinParts([Buffer.from('ab'), Buffer.from('c'), Buffer.from('de')]).toString()).toBe('abcde');
  });

  it('reuses the last result for the same buffers, joins again for other ones', () => {
    const one = Buffer.from('one');
    const two = Buffer.from('two');
    const first = joinParts([one, two]);
    expect(joinParts([one, two])).toBe(first);
    const lookalike = joinParts([one, Buffer.from('two')]);
    expect(lookalike).not.toBe(first);
    expect(lookalike.equals(first)).toBe(true);
    expect(joinParts([two, one]).toString()).toBe('twoone');
  });
});
