import { joinChunks } from '../../../src/core/join-chunks';

describe('joinChunks', () => {
  it('returns a single chunk itself, without a copy', () => {
    const only = Buffer.from('{"items":[]}');
    expect(joinChunks([only])).toBe(only);
  });

  it('joins several chunks in order into a new buffer, and none into an empty one', () => {
    const parts = [Buffer.from('ab'), Buffer.from('c'), Buffer.from('de')];
    const joined = joinChunks(parts);
    expect(joined.toString()).toBe('abcde');
    expect(parts).not.toContain(joined);
    expect(joinChunks([]).length).toBe(0);
  });
});
