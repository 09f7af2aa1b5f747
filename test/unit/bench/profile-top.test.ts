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

describe('summarizeProfile under a function', () => {
  // (root) -> run -> fanOut -> writeBuffer; (root) -> run -> accept; (root) -> fanOut (a second call site)
  const TREE: CpuProfile = {
    nodes: [
      { id: 1, callFrame: frame('(root)'), children: [2, 6, 7] },
      { id: 2, callFrame: frame('run', 'file:///repo/dist/a.js', 1), children: [3, 5] },
      { id: 3, callFrame: frame('fanOut', 'file:///repo/dist/fanout.js', 5), children: [4] },
      { id: 4, callFrame: frame('writeBuffer') },
      { id: 5, callFrame: frame('accept') },
      { id: 6, callFrame: frame('fanOut', 'file:///repo/dist/fanout.js', 5) },
      { id: 7, callFrame: frame('(idle)') },
    ],
    samples: [4, 4, 3, 5, 2, 6, 7],
    timeDeltas: [1000, 1000, 500, 3000, 1000, 250, 4000],
  };

  it('counts only what ran inside it, its own time and its callees\', from every call site', () => {
    const s = summarizeProfile(TREE, '/repo', 10, 'fanOut');
    expect(s.busyMs).toBe(2.75);
    expect(s.idleMs).toBe(4);
    expect(s.functions.map((f) => [f.name, f.ms])).toEqual([
      ['writeBuffer', 2],
      ['fanOut dist/fanout.js:6', 0.75],
    ]);
    expect(summarizeProfile(TREE, '/repo', 10).busyMs).toBe(6.75);
    expect(summarizeProfile(TREE, '/repo', 10, 'nothing').busyMs).toBe(0);
  });
});
