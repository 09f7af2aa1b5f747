import type { MachineInfo } from '../../../tools/bench/machine';
import type { BenchReport } from '../../../tools/bench/report';
import { parseBenchArgs } from '../../../tools/bench/args';
import { formatTargetRows, medianOf, TARGET_STEPS, targetRows, targetStepArgv } from '../../../tools/bench/targets-table';

function report(scenario: string, runs: Record<string, Array<Record<string, number>>>): BenchReport {
  return {
    scenario,
    params: {},
    settings: {},
    machine: {} as MachineInfo,
    results: Object.entries(runs).map(([target, r]) => ({ target, runs: r, errors: [] })),
  };
}

const full = {
  'idle-big': report('idle', { thumbtack: [{ established: 200_000, failed: 0, rss_per_conn_gc_kb: 4.9 }, { established: 200_000, failed: 0, rss_per_conn_gc_kb: 5.2 }, { established: 200_000, failed: 0, rss_per_conn_gc_kb: 4.95 }] }),
  idle: report('idle', { thumbtack: [{ established: 15_000 }], pushpin: [{ established: 15_000, rss_per_conn_kb: 43.7 }] }),
  connect: report('connect', { thumbtack: [{ accept_per_s: 1200 }], pushpin: [{ accept_per_s: 600 }] }),
  fanout: report('fanout', { thumbtack: [{ deliveries_per_s: 60_000, p99_ms: 20 }], pushpin: [{ deliveries_per_s: 15_000, p99_ms: 70 }] }),
  throughput: report('throughput', { thumbtack: [{ publishes_per_s: 8000 }], pushpin: [{ publishes_per_s: 4000 }] }),
  proxy: report('proxy', { thumbtack: [{ proxied_rps: 5000 }], pushpin: [{ proxied_rps: 1000 }] }),
};

describe('targets table (issue 6)', () => {
  it('runs the 200,000-connection step for Thumbtack only, every other step for both', () => {
    expect(TARGET_STEPS[0]?.extra).toEqual(expect.arrayContaining(['thumbtack', '200000']));
    for (const step of TARGET_STEPS.slice(1)) expect(step.extra).toEqual(expect.arrayContaining(['--target', 'both']));
  });

  /** Each step's arguments as the bench parses them, with the caller's options `rest`. */
  const parsedSteps = (rest: string[]) =>
    TARGET_STEPS.map((step) => {
      const parsed = parseBenchArgs(targetStepArgv(step, rest));
      if (!parsed.ok) throw new Error(parsed.error.message);
      return parsed.value;
    });

  it('runs each step 5 times per target (the 200,000-connection step 3) unless --runs is given', () => {
    const runsOf = (rest: string[]) => parsedSteps(rest).map((args) => args.runs);
    expect(runsOf([])).toEqual([3, 5, 5, 5, 5, 5]);
    expect(runsOf(['--runs', '2'])).toEqual([2, 2, 2, 2, 2, 2]);
    expect(runsOf(['--runs=4'])).toEqual([4, 4, 4, 4, 4, 4]);
  });

  it('runs connect with two workers accepting from the kernel, proxy with two, fanout and throughput with one, unless the caller chose workers', () => {
    const workersOf = (rest: string[]) => parsedSteps(rest).map((args) => `${args.workers ?? 'auto'}/${args.workerAccept ?? '-'}`);
    expect(workersOf([])).toEqual(['auto/-', 'auto/-', '2/kernel', '1/-', '1/-', '2/-']);
    expect(workersOf(['--workers', '3'])).toEqual(['3/-', '3/-', '3/-', '3/-', '3/-', '3/-']);
    expect(workersOf(['--worker-accept', 'round-robin'])).toEqual(['auto/round-robin', 'auto/round-robin', '2/round-robin', '1/round-robin', '1/round-robin', '2/round-robin']);
  });

  it('takes medians and judges each figure against its target', () => {
    const rows = targetRows(full);
    expect(rows.map((r) => r.figure)).toHaveLength(7);
    const by = Object.fromEntries(rows.map((r) => [r.figure, r]));
    expect(by['idle SSE connections held, 0 failures']).toMatchObject({ thumbtack: 200_000, pushpin: 15_000, met: true });
    expect(by['RSS per idle SSE connection, KB']).toMatchObject({ thumbtack: 4.95, met: true });
    expect(by['new held connections per second']).toMatchObject({ ratio: 2, met: false });
    expect(by['fan-out deliveries per second']).toMatchObject({ ratio: 4, met: true });
    expect(by['fan-out p99 latency, ms']?.met).toBe(true); // 20 / 70 = 0.29
    expect(by['single-item publishes per second']).toMatchObject({ ratio: 2, met: false });
    expect(by['plain proxied requests per second']).toMatchObject({ ratio: 5, met: true });
  });

  it('is not met with failures, more memory, or a missing Pushpin figure; unknown when a step failed', () => {
    const failing = {
      ...full,
      'idle-big': report('idle', { thumbtack: [{ established: 200_000, failed: 3, rss_per_conn_gc_kb: 5.01 }] }),
      proxy: report('proxy', { thumbtack: [{ proxied_rps: 9000 }] }),
      throughput: undefined,
    };
    const by = Object.fromEntries(targetRows(failing).map((r) => [r.figure, r]));
    expect(by['idle SSE connections held, 0 failures']?.met).toBe(false);
    expect(by['RSS per idle SSE connection, KB']?.met).toBe(false);
    expect(by['plain proxied requests per second']).toMatchObject({ thumbtack: 9000, met: false });
    expect(by['plain proxied requests per second']?.ratio).toBeUndefined();
    expect(by['single-item publishes per second']?.met).toBeUndefined();
  });

  it('medianOf ignores missing and non-finite values', () => {
    const r = report('x', { thumbtack: [{ a: 1 }, { a: Number.NaN }, { b: 2 }, { a: 3 }] });
    expect(medianOf(r, 'thumbtack', 'a')).toBe(2);
    expect(medianOf(r, 'pushpin', 'a')).toBeUndefined();
    expect(medianOf(undefined, 'thumbtack', 'a')).toBeUndefined();
  });

  it('prints a Markdown table with yes / no / – in the last column', () => {
    const text = formatTargetRows(targetRows({ ...full, proxy: undefined }));
    expect(text.split('\n')[0]).toBe('| figure | Pushpin 1.36 | Thumbtack | ratio | target | met |');
    expect(text).toMatch(/\| new held connections per second \| 600 \| 1,200 \| 2 \| ≥ 5× \| no \|/);
    expect(text).toMatch(/\| plain proxied requests per second \| – \| – \| – \| ≥ 5× \| – \|/);
  });
});
