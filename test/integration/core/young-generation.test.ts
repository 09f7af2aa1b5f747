import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../../helpers/processes';

const MB = 1024 * 1024;

/** The young generation's size after the fixture's allocation, in a Node started with 64 MB semi-spaces. */
function grownTo(cap: string): number {
  const out = execFileSync(process.execPath, ['--max-semi-space-size=64', join(ROOT, 'test/fixtures/young-generation/grow.js'), cap], {
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
    timeout: 60_000,
  });
  return (JSON.parse(out) as { youngGenerationBytes: number }).youngGenerationBytes;
}

/** capYoungGeneration in a real Node process: V8 reads the growth factor it sets at every growth. */
describe('capYoungGeneration', () => {
  it('without a cap, the fixture grows the young generation past V8’s default', () => {
    expect(grownTo('none')).toBeGreaterThan(32 * MB);
  });

  it('with a cap of 2 MB semi-spaces, it stops at 4 MB (one doubling over at most)', () => {
    const bytes = grownTo('2');
    expect(bytes).toBeGreaterThanOrEqual(4 * MB);
    expect(bytes).toBeLessThanOrEqual(8 * MB);
  });

  it('with the supervisor’s cap, it stops at V8’s default of 32 MB', () => {
    const bytes = grownTo('16');
    expect(bytes).toBeGreaterThanOrEqual(32 * MB);
    expect(bytes).toBeLessThanOrEqual(64 * MB);
  });
});
