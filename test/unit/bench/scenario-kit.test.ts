import { createHash } from 'node:crypto';
import { cpuMicrosPer, cpuUse } from '../../../tools/bench/scenario-kit';

describe('CPU per unit (bench reports: proxy_cpu_us_per_conn, proxy_cpu_us_per_request)', () => {
  it('divides the CPU seconds of the window by the units counted', () => {
    expect(cpuMicrosPer(0.5, 2_500)).toBe(200);
    expect(cpuMicrosPer(0, 10)).toBe(0);
  });

  it('is NaN, not Infinity, when nothing was counted', () => {
    expect(cpuMicrosPer(0.1, 0)).toBeNaN();
  });

  it('reads the CPU a process used over the window from /proc', () => {
    const use = cpuUse([process.pid]);
    // Busy for ~150 ms of wall time: at least a few 10 ms ticks of this process's CPU.
    const until = Date.now() + 150;
    let digest = Buffer.alloc(32);
    while (Date.now() < until) digest = createHash('sha256').update(digest).digest();
    const used = use();
    expect(used.cpuS).toBeGreaterThan(0.02);
    expect(used.pct).toBeGreaterThan(10);
    // One thread busy, plus what the runtime's helper threads took meanwhile.
    expect(used.pct).toBeLessThan(400);
  });
});
