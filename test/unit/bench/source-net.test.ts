import { sourceNet } from '../../../tools/bench/fleet';

describe('sourceNet (the load generator source /24 of one fleet)', () => {
  it('is a 127.N.M prefix with N and M in 1..250', () => {
    for (const [t, pid, n] of [[0, 0, 0], [1_795_000_000_000, 4242, 3], [999_999, 65_535, 1000]] as const) {
      const m = /^127\.(\d+)\.(\d+)$/.exec(sourceNet(t, pid, n));
      expect(m).not.toBeNull();
      for (const part of [Number(m?.[1]), Number(m?.[2])]) {
        expect(part).toBeGreaterThanOrEqual(1);
        expect(part).toBeLessThanOrEqual(250);
      }
    }
  });

  it('differs for consecutive fleets of one process, and from one second to the next', () => {
    const t = 1_795_000_000_000;
    expect(sourceNet(t, 100, 0)).not.toBe(sourceNet(t, 100, 1));
    expect(sourceNet(t, 100, 0)).not.toBe(sourceNet(t + 1000, 100, 0));
  });
});
