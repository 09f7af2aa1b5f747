import { gripLastHeaders, linkKey, linkMode, nextLinkRetryDelayMs, prevIdMap, replaceChannels, type HeldChannel } from '../../../src/hold/next-link';

describe('next-link rules', () => {
  it('retries 5 times after 1, 2, 4, 8, 16 s plus up to 999 ms', () => {
    expect([0, 1, 2, 3, 4].map((n) => nextLinkRetryDelayMs(n, () => 0))).toEqual([1000, 2000, 4000, 8000, 16000]);
    expect(nextLinkRetryDelayMs(0, () => 0.9999)).toBe(1999);
    expect(nextLinkRetryDelayMs(5, () => 0)).toBeUndefined();
    expect(nextLinkRetryDelayMs(-1, () => 0)).toBeUndefined();
  });

  it('sends one Grip-Last per channel with a last id, named as the backend named it', () => {
    const channels: HeldChannel[] = [
      { name: 'fruit', prevId: '3', filters: [] },
      { name: 'veg', filters: [] },
      { name: 'ünï', prevId: 'é', filters: [] },
    ];
    const h = gripLastHeaders(channels);
    expect(h[0]).toEqual(['Grip-Last', 'fruit; last-id=3']);
    expect(h).toHaveLength(2);
    // UTF-8 bytes carried as a header byte string
    expect(Buffer.from((h[1] as [string, string])[1], 'latin1').toString('utf8')).toBe('ünï; last-id=é');
  });

  it('routes a link through the client route only with the same scheme, host and port', () => {
    expect(linkMode('http://a.example/x?y', 'http://a.example/next')).toBe('route');
    expect(linkMode('http://a.example/x', 'http://a.example:80/next')).toBe('route');
    expect(linkMode('http://a.example/x', 'https://a.example/next')).toBe('direct');
    expect(linkMode('http://a.example:8080/x', 'http://a.example/next')).toBe('direct');
    expect(linkMode('http://a.example/x', 'http://b.example/next')).toBe('direct');
    expect(linkMode('not a uri', 'http://b.example/next')).toBe('direct');
    expect(linkKey('http://a/x?after=3')).toBe('http://a/x');
    expect(linkKey('http://a/x')).toBe('http://a/x');
  });

  it('replaces channels: new ones added, missing ones removed, implicit ones kept, common ones updated', () => {
    const current = new Map<string, HeldChannel>([
      ['p-a', { name: 'a', prevId: '1', filters: [] }],
      ['p-b', { name: 'b', filters: [] }],
      ['all', { name: 'all', filters: [] }],
    ]);
    const next = new Map<string, HeldChannel>([
      ['p-a', { name: 'a', prevId: '7', filters: ['skip-self'] }],
      ['p-c', { name: 'c', filters: [] }],
    ]);
    const r = replaceChannels(current, next, new Set(['all']));
    expect(r.added).toEqual(['p-c']);
    expect(r.removed).toEqual(['p-b']);
    expect([...r.channels.keys()].sort()).toEqual(['all', 'p-a', 'p-c']);
    expect(r.channels.get('p-a')).toEqual({ name: 'a', prevId: '7', filters: ['skip-self'] });
    expect(prevIdMap(r.channels.values())).toEqual(new Map([['all', undefined], ['a', '7'], ['c', undefined]]));
  });
});
