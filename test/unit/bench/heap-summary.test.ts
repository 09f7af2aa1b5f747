import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { summarizeHeapSnapshots } from '../../../tools/bench/heap-snapshot';
import { formatHeapSummary, parseHeapSummaryArgs, runHeapSummary } from '../../../tools/bench/heap-summary';
import { connectionsHeap } from './heap-snapshot-fixture';

describe('parseHeapSummaryArgs', () => {
  it('takes two files, --n, --top and --json, with the value after a space or =', () => {
    expect(parseHeapSummaryArgs(['a.heapsnapshot', '--n', '2000', 'b.heapsnapshot', '--top=5', '--json'])).toEqual({
      ok: true,
      value: { before: 'a.heapsnapshot', after: 'b.heapsnapshot', n: 2000, top: 5, json: true },
    });
    const defaults = parseHeapSummaryArgs(['a', 'b', '--n=1']);
    expect(defaults.ok && defaults.value).toEqual({ before: 'a', after: 'b', n: 1, top: 25, json: false });
  });

  it.each([
    [['a', 'b'], 'BENCH_ARG_MISSING', /--n .* is required/],
    [['a', '--n', '5'], 'BENCH_ARG_MISSING', /two snapshot files.*got 1/],
    [['a', 'b', 'c', '--n', '5'], 'BENCH_ARG_MISSING', /got 3/],
    [['a', 'b', '--n'], 'BENCH_ARG_MISSING', /--n needs a value/],
    [['a', 'b', '--n', '0'], 'BENCH_ARG_RANGE', /--n: 0 is outside/],
    [['a', 'b', '--n', '2k'], 'BENCH_ARG_INVALID', /not a whole number/],
    [['a', 'b', '--n', '5', '--top', '0'], 'BENCH_ARG_RANGE', /--top/],
    [['a', 'b', '--n', '5', '--topp', '3'], 'BENCH_ARG_UNKNOWN', /unknown option --topp/],
  ])('rejects %j', (argv, code, message) => {
    const r = parseHeapSummaryArgs(argv);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe(code);
      expect(r.error.message).toMatch(message);
    }
  });
});

describe('formatHeapSummary', () => {
  it('prints the total per connection and the three tables', () => {
    const r = summarizeHeapSnapshots(connectionsHeap(0), connectionsHeap(4), 4);
    if (!r.ok) throw r.error;
    const text = formatHeapSummary(r.value);
    expect(text).toContain('total heap delta per connection: 1,192 bytes');
    expect(text).toMatch(/by constructor \/ type:\n\s+name\s+bytes\/conn\s+objects\/conn\n\s+\(array\)\s+472\.0\s+2\.00\n/);
    expect(text).toMatch(/backing stores \(type array\) by owner:\n.*\n\s+Socket \.properties\s+448\.0\s+1\.00\n/);
    expect(text).toMatch(/bound functions \(native_bind\) by target:\n.*\n\s+onwrite\(\)\s+48\.0\s+1\.00\n/);
  });

  it('says (no change) for an empty table', () => {
    const r = summarizeHeapSnapshots(connectionsHeap(2), connectionsHeap(2), 1);
    if (!r.ok) throw r.error;
    expect(formatHeapSummary(r.value)).toContain('bound functions (native_bind) by target:\n  (no change)\n');
  });
});

describe('runHeapSummary', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'heap-summary-'));
    writeFileSync(join(dir, 'before.heapsnapshot'), JSON.stringify(connectionsHeap(1)));
    writeFileSync(join(dir, 'after.heapsnapshot'), JSON.stringify(connectionsHeap(11)));
    writeFileSync(join(dir, 'broken.heapsnapshot'), '{"snapshot":');
    writeFileSync(join(dir, 'nometa.heapsnapshot'), '{"snapshot":{}}');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function run(...argv: string[]): { code: number; out: string; err: string } {
    let out = '';
    let err = '';
    const code = runHeapSummary(argv, { stdout: (t) => (out += t), stderr: (t) => (err += t) });
    return { code, out, err };
  }

  it('prints JSON with --json', () => {
    const r = run(join(dir, 'before.heapsnapshot'), join(dir, 'after.heapsnapshot'), '--n', '10', '--json');
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.out) as { totalBytesPerConn: number; byName: Array<{ name: string }> };
    expect(summary.totalBytesPerConn).toBe(1192);
    expect(summary.byName[0]?.name).toBe('(array)');
  });

  it('exits 1 naming the file for unreadable or invalid snapshots, 2 for bad arguments', () => {
    const broken = run(join(dir, 'broken.heapsnapshot'), join(dir, 'after.heapsnapshot'), '--n', '10');
    expect(broken.code).toBe(1);
    expect(broken.err).toContain('broken.heapsnapshot: ');
    const nometa = run(join(dir, 'before.heapsnapshot'), join(dir, 'nometa.heapsnapshot'), '--n', '10');
    expect(nometa.err).toMatch(/nometa\.heapsnapshot: heap snapshot has no snapshot\.meta/);
    const missing = run(join(dir, 'before.heapsnapshot'), join(dir, 'absent.heapsnapshot'), '--n', '10');
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('ENOENT');
    const usage = run(join(dir, 'before.heapsnapshot'));
    expect(usage.code).toBe(2);
    expect(usage.err).toContain('usage: node dist/tools/bench/heap-summary.js');
    expect(usage.out).toBe('');
  });
});
