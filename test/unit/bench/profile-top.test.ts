import { summarizeProfile, type CpuProfile } from '../../../tools/bench/profile-top';

const frame = (functionName: string, url = '', lineNumber = 0): { functionName: string; url: string; lineNumber: number } => ({ functionName, url, lineNumber });

const PROFILE: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame('(root)') },
    { id: 2, callFrame: frame('(idle)') },
    { id: 3, callFrame: frame('writev') },
    { id: 4, callFrame: frame('deliver', 'file:///repo/dist/src/hold/fanout.js', 9) },
    { id: 5, callFrame: frame('', 'file:///repo/dist/src/hold/fanout.js', 30) },
    { id: 6, callFrame: frame('emit', 'node:events', 470) },
  ],
  samples: [2, 3, 3, 4, 5, 6, 2, 99],
  timeDeltas: [5000, 1000, 1000, 1000, 500, 500, 5000, 1000],
};

describe('summarizeProfile', () => {
  const s = summarizeProfile(PROFILE, '/repo', 10);

  it('separates idle time from busy time (in ms) and skips unknown nodes', () => {
    expect(s.idleMs).toBe(10);
    expect(s.busyMs).toBe(4);
  });

  it('ranks functions by self time with file and 1-based line', () => {
    expect(s.functions[0]).toEqual({ name: 'writev', ms: 2, pct: 50 });
    expect(s.functions.map((f) => f.name)).toEqual(['writev', 'deliver dist/src/hold/fanout.js:10', '(anonymous) dist/src/hold/fanout.js:31', 'emit node:events:471']);
  });

  it('adds up files, native frames as (native)', () => {
    expect(s.files).toEqual([
      { name: '(native)', ms: 2, pct: 50 },
      { name: 'dist/src/hold/fanout.js', ms: 1.5, pct: 37.5 },
      { name: 'node:events', ms: 0.5, pct: 12.5 },
    ]);
  });

  it('keeps only the top entries and copes with an empty profile', () => {
    expect(summarizeProfile(PROFILE, '/repo', 1).functions).toHaveLength(1);
    const empty = summarizeProfile({ nodes: [], samples: [], timeDeltas: [] });
    expect(empty.busyMs).toBe(0);
    expect(empty.functions).toEqual([]);
  });
});
