import { flushAtEndOfTurn, type EndOfTurnWriter } from '../../../src/core/end-of-turn';

const nextTurn = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('flushAtEndOfTurn', () => {
  it('flushes every queued writer once, after the current turn, in the order they were queued', async () => {
    const flushed: string[] = [];
    const writer = (name: string): EndOfTurnWriter => ({ flushPending: () => flushed.push(name) });
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
    const again: EndOfTurnWriter = { flushPending: () => flushed.push('again') };
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
