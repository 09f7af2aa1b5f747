import { reachedCap, SUPERVISOR_SEMI_SPACE_MB, youngGenerationBytes } from '../../../src/cluster/young-generation-cap';

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
