import { flatHeaderList, undiciSends } from '../../../src/proxy/undici-headers';
import { rawHeaderStrings } from '../../../src/proxy/backend-response';

describe('undiciSends', () => {
  it('accepts ordinary forwarded headers, repeats included', () => {
    expect(undiciSends([['Host', 'a'], ['Accept', 'x'], ['Cookie', 'a=1'], ['Cookie', 'b=2'], ['TE', 'trailers'], ['Content-Length', '3']])).toBe(true);
  });

  it.each(['Upgrade', 'upgrade', 'Transfer-Encoding', 'Keep-Alive', 'Connection', 'Expect'])('leaves a request with %s to Node', (name) => {
    expect(undiciSends([['Host', 'a'], [name, 'x']])).toBe(false);
  });

  it('leaves a repeated Host or Content-Length to Node', () => {
    expect(undiciSends([['Host', 'a'], ['host', 'b']])).toBe(false);
    expect(undiciSends([['Content-Length', '1'], ['Content-Length', '1']])).toBe(false);
    expect(undiciSends([['Host', 'a'], ['Content-Length', '1']])).toBe(true);
  });
});

describe('flatHeaderList', () => {
  it('flattens pairs in order, keeping repeats and case', () => {
    expect(flatHeaderList([['Host', 'a'], ['X-A', '1'], ['x-a', '2']])).toEqual(['Host', 'a', 'X-A', '1', 'x-a', '2']);
    expect(flatHeaderList([])).toEqual([]);
  });
});

describe('rawHeaderStrings', () => {
  it('decodes header bytes as latin1, as Node does', () => {
    expect(rawHeaderStrings([Buffer.from('X-Name'), Buffer.from([0x63, 0x61, 0x66, 0xe9])])).toEqual(['X-Name', 'caf\u00e9']);
  });
});
