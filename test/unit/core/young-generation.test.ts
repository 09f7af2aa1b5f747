import {
  ConnectionGrowthPolicy,
  GROWTH_RESUMES_AT_CONNECTIONS,
  GROWTH_STOPS_AT_CONNECTIONS,
  growthAllowed,
  reachedCap,
  SUPERVISOR_SEMI_SPACE_MB,
  V8_GROWTH_FACTOR,
  youngGenerationBytes,
} from '../../../src/core/young-generation';

const MB = 1024 * 1024;

describe('youngGenerationBytes', () => {
  it('reads new_space from V8’s heap space statistics', () => {
    const spaces = [
      { space_name: 'read_only_space', space_size: 0 },
      { space_name: 'new_space', space_size: 32 * MB },
      { space_name: 'old_space', space_size: 90 * MB },
    ];
    expect(youngGenerationBytes(spaces)).toBe(32 * MB);
  });

  it('is 0 when V8 reports no new_space', () => {
    expect(youngGenerationBytes([{ space_name: 'old_space', space_size: MB }])).toBe(0);
  });
});

describe('reachedCap', () => {
  it('compares both semi-spaces against the cap', () => {
    expect(reachedCap(32 * MB, 16)).toBe(true);
    expect(reachedCap(64 * MB, 16)).toBe(true);
    expect(reachedCap(16 * MB, 16)).toBe(false);
    expect(reachedCap(32 * MB - 1, 16)).toBe(false);
  });

  it('caps the supervisor at V8’s own default', () => {
    expect(SUPERVISOR_SEMI_SPACE_MB).toBe(16);
  });
});

describe('growthAllowed', () => {
  it('stops at stopAt, resumes at or under resumeAt, and keeps its state in between', () => {
    expect(growthAllowed(true, 999, 1000, 500)).toBe(true);
    expect(growthAllowed(true, 1000, 1000, 500)).toBe(false);
    expect(growthAllowed(false, 999, 1000, 500)).toBe(false);
    expect(growthAllowed(false, 501, 1000, 500)).toBe(false);
    expect(growthAllowed(false, 500, 1000, 500)).toBe(true);
    expect(growthAllowed(true, 501, 1000, 500)).toBe(true);
  });
});

describe('ConnectionGrowthPolicy', () => {
  it('sets V8’s growth factor only when the answer changes', () => {
    const factors: number[] = [];
    const changes: Array<[boolean, number]> = [];
    const policy = new ConnectionGrowthPolicy((growing, n) => changes.push([growing, n]), 3, 1, (f) => factors.push(f));
    for (const n of [1, 2, 3, 4, 3, 2, 3, 2, 1, 0, 1, 2, 3]) policy.connectionsChanged(n);
    expect(factors).toEqual([1, V8_GROWTH_FACTOR, 1]);
    expect(changes).toEqual([
      [false, 3],
      [true, 1],
      [false, 3],
    ]);
    expect(policy.allowsGrowth).toBe(false);
  });

  it('by default stops at 250 open connections and resumes at 125', () => {
    expect([GROWTH_STOPS_AT_CONNECTIONS, GROWTH_RESUMES_AT_CONNECTIONS]).toEqual([250, 125]);
    const factors: number[] = [];
    const policy = new ConnectionGrowthPolicy(undefined, undefined, undefined, (f) => factors.push(f));
    policy.connectionsChanged(249);
    expect(factors).toEqual([]);
    policy.connectionsChanged(250);
    policy.connectionsChanged(126);
    expect(factors).toEqual([1]);
    policy.connectionsChanged(125);
    expect(factors).toEqual([1, V8_GROWTH_FACTOR]);
  });
});
