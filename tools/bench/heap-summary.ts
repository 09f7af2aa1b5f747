/**
 * Where the memory of idle held connections goes: compares a V8 heap snapshot taken before N connections were
 * opened with one taken while they are held, and prints bytes and objects per connection.
 *
 *   node --heapsnapshot-signal=SIGUSR2 ...   (kill -USR2 <pid> before, then again while N are held)
 *   node dist/tools/bench/heap-summary.js <before.heapsnapshot> <after.heapsnapshot> --n N [--top 25] [--json]
 *
 * The aggregation is pure (heap-snapshot.ts); this file reads the files and prints.
 */
import { readFileSync } from 'node:fs';
import { fail, ok, type Result } from '../../src/core/errors';
import { processIo, type ToolIo } from '../tool-io';
import { decodeInt } from './args';
import { diffHeapTallies, tallyHeapSnapshot, type HeapDeltaRow, type HeapDeltaSummary, type HeapTally } from './heap-snapshot';

export const HEAP_SUMMARY_USAGE = 'usage: node dist/tools/bench/heap-summary.js <before.heapsnapshot> <after.heapsnapshot> --n N [--top 25] [--json]\n';

export interface HeapSummaryArgs {
  before: string;
  after: string;
  /** Connections held in the second snapshot and not in the first. */
  n: number;
  /** Rows per table (default 25). */
  top: number;
  json: boolean;
}

/** Decodes the command line (the words after the script name). */
export function parseHeapSummaryArgs(argv: readonly string[]): Result<HeapSummaryArgs> {
  const files: string[] = [];
  let n: number | undefined;
  let top = 25;
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i] as string;
    const eq = word.indexOf('=');
    const [flag, inline] = word.startsWith('--') && eq > 0 ? [word.slice(0, eq), word.slice(eq + 1)] : [word, undefined];
    if (flag === '--json') json = true;
    else if (flag === '--n' || flag === '--top') {
      const value = decodeInt(flag, inline ?? argv[++i], flag === '--n' ? { min: 1, max: 10_000_000 } : { min: 1, max: 10_000 });
      if (!value.ok) return value;
      if (flag === '--n') n = value.value;
      else top = value.value;
    } else if (word.startsWith('--')) return fail('BENCH_ARG_UNKNOWN', `unknown option ${word}`);
    else files.push(word);
  }
  if (files.length !== 2) return fail('BENCH_ARG_MISSING', `expected two snapshot files (before, after), got ${files.length}`);
  if (n === undefined) return fail('BENCH_ARG_MISSING', '--n (connections held in the second snapshot) is required');
  return ok({ before: files[0] as string, after: files[1] as string, n, top, json });
}

function fmtNumber(value: number, digits: number): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function table(title: string, rows: HeapDeltaRow[], nameHeader: string): string {
  if (rows.length === 0) return `${title}\n  (no change)\n`;
  const width = Math.max(nameHeader.length, ...rows.map((r) => r.name.length));
  const head = `  ${nameHeader.padEnd(width)}  ${'bytes/conn'.padStart(11)}  ${'objects/conn'.padStart(12)}`;
  const lines = rows.map(
    (r) => `  ${r.name.padEnd(width)}  ${fmtNumber(r.bytesPerConn, 1).padStart(11)}  ${fmtNumber(r.objectsPerConn, 2).padStart(12)}`,
  );
  return `${title}\n${head}\n${lines.join('\n')}\n`;
}

/** The human-readable report: the total per connection, then the three tables. */
export function formatHeapSummary(s: HeapDeltaSummary): string {
  const mb = (bytes: number): string => `${fmtNumber(bytes / 1_048_576, 1)} MB`;
  return [
    `heap: ${mb(s.before.bytes)} (${s.before.count} nodes) -> ${mb(s.after.bytes)} (${s.after.count} nodes), n = ${s.n}`,
    `total heap delta per connection: ${fmtNumber(s.totalBytesPerConn, 0)} bytes\n`,
    table('by constructor / type:', s.byName, 'name'),
    table('backing stores (type array) by owner:', s.backingByOwner, 'owner .edge'),
    table('bound functions (native_bind) by target:', s.boundByTarget, 'target'),
  ].join('\n');
}

function readTally(path: string): Result<HeapTally> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    return fail('BENCH_SNAPSHOT_INVALID', `${path}: ${(err as Error).message}`);
  }
  const tally = tallyHeapSnapshot(raw);
  return tally.ok ? tally : fail(tally.error.code, `${path}: ${tally.error.message}`);
}

/** Runs the tool; returns the exit code (0 ok, 1 bad snapshot, 2 bad arguments). */
export function runHeapSummary(argv: readonly string[], io: Pick<ToolIo, 'stdout' | 'stderr'>): number {
  const args = parseHeapSummaryArgs(argv);
  if (!args.ok) {
    io.stderr(`${args.error.message}\n${HEAP_SUMMARY_USAGE}`);
    return 2;
  }
  // One parsed snapshot in memory at a time: the tally keeps only the per-label totals.
  const before = readTally(args.value.before);
  if (!before.ok) {
    io.stderr(`${before.error.message}\n`);
    return 1;
  }
  const after = readTally(args.value.after);
  if (!after.ok) {
    io.stderr(`${after.error.message}\n`);
    return 1;
  }
  const summary = diffHeapTallies(before.value, after.value, args.value.n, args.value.top);
  io.stdout(args.value.json ? `${JSON.stringify(summary)}\n` : formatHeapSummary(summary));
  return 0;
}

if (require.main === module) process.exitCode = runHeapSummary(process.argv.slice(2), processIo());
