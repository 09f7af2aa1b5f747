import { joinParts } from '../../../src/proxy/write-coalescer';

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
