/**
 * Issue 6's targets table from the reports of one `npm run bench -- targets` run: for each figure the
 * medians of Pushpin and Thumbtack, their ratio, the target and whether it is met. Pure: reports in, rows
 * and Markdown out.
 */
import type { BenchReport } from './report';
import { formatNumber } from './report';
import { median } from './stats';

/**
 * The scenarios `targets` runs, in order, with the options each gets on top of the caller's, Thumbtack's
 * workers unless the caller chooses (`workers`), and the runs per target unless the caller gives `--runs`.
 *
 * Runs: five for the rate and memory steps. This machine's CPUs have slow windows of tens of seconds to
 * minutes in which Thumbtack's CPU per unit of work doubles, and with three runs one slow window in one
 * system's runs moved a median and decided a target. Three for the 200,000-connection step, which takes
 * ~2.5 minutes a run and varies little (docs/PERFORMANCE.md, seventeenth pass).
 *
 * Workers: Thumbtack's automatic count for the idle steps (12 for 200,000 connections, 3 for 15,000); one
 * for fanout and throughput (a second worker costs the bus and the fan-out more than it gives on two cores
 * shared with the load: p99 31-47 ms against 12-13); two for proxy and, accepting from the kernel, for
 * `connect`. In the machine's fast windows two are as fast as one there (connect 5,795-6,285 against
 * 6,035-6,400/s, proxy 14,151-16,098 against 14,471-15,244); in its slow windows faster (connect by
 * 17-49 %, proxy 13,280 against 9,476), since one worker then saturates its core while the other core
 * has time to spare (alternating pairs, seventeenth pass).
 */
export const TARGET_STEPS: ReadonlyArray<{ scenario: 'idle' | 'connect' | 'fanout' | 'throughput' | 'proxy'; key: string; extra: string[]; workers: string[]; runs: number }> = [
  // 200,000 held streams: Thumbtack only (Pushpin's connection manager stops near its 20,000-file limit).
  { scenario: 'idle', key: 'idle-big', extra: ['--target', 'thumbtack', '--n', '200000', '--gc', '--pending', '300'], workers: [], runs: 3 },
  // Memory of Pushpin's held streams, at a size it can hold.
  { scenario: 'idle', key: 'idle', extra: ['--target', 'both', '--n', '15000', '--gc'], workers: [], runs: 5 },
  { scenario: 'connect', key: 'connect', extra: ['--target', 'both'], workers: ['--workers', '2', '--worker-accept', 'kernel'], runs: 5 },
  { scenario: 'fanout', key: 'fanout', extra: ['--target', 'both'], workers: ['--workers', '1'], runs: 5 },
  { scenario: 'throughput', key: 'throughput', extra: ['--target', 'both'], workers: ['--workers', '1'], runs: 5 },
  { scenario: 'proxy', key: 'proxy', extra: ['--target', 'both'], workers: ['--workers', '2'], runs: 5 },
];

/** Whether `argv` has option `name`, as `--name V` or `--name=V`. */
export function hasOption(argv: readonly string[], name: string): boolean {
  return argv.some((a) => a === name || a.startsWith(`${name}=`));
}

/**
 * The bench arguments of one `targets` step: the scenario, the step's workers unless the caller chose
 * `--workers`, the step's runs, then the caller's options (`rest`: the last of a repeated option counts,
 * so the caller's `--runs` or `--worker-accept` win), then the step's own options.
 */
export function targetStepArgv(step: (typeof TARGET_STEPS)[number], rest: readonly string[]): string[] {
  const workers = hasOption(rest, '--workers') ? [] : step.workers;
  return [step.scenario, ...workers, '--runs', String(step.runs), ...rest, ...step.extra];
}

export interface TargetRow {
  figure: string;
  pushpin?: number;
  thumbtack?: number;
  /** Thumbtack ÷ Pushpin. */
  ratio?: number;
  target: string;
  /** Undefined when a figure is missing (a step failed). */
  met?: boolean;
}

/** The median of `metric` over the runs of `target` in `report`, if there is one. */
export function medianOf(report: BenchReport | undefined, target: string, metric: string): number | undefined {
  const runs = report?.results.find((r) => r.target === target)?.runs ?? [];
  const values = runs.map((r) => r[metric]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  return values.length === 0 ? undefined : median(values);
}

function row(figure: string, pushpin: number | undefined, thumbtack: number | undefined, target: string, test: (t: number, r: number | undefined) => boolean): TargetRow {
  const ratio = pushpin !== undefined && thumbtack !== undefined && pushpin !== 0 ? thumbtack / pushpin : undefined;
  const out: TargetRow = { figure, target };
  if (pushpin !== undefined) out.pushpin = pushpin;
  if (thumbtack !== undefined) out.thumbtack = thumbtack;
  if (ratio !== undefined) out.ratio = ratio;
  if (thumbtack !== undefined) out.met = test(thumbtack, ratio);
  return out;
}

/**
 * The seven rows of issue 6's table. `reports` is keyed by `TARGET_STEPS[].key`. A ratio target is not met
 * when Pushpin's figure is missing.
 */
export function targetRows(reports: Readonly<Record<string, BenchReport | undefined>>): TargetRow[] {
  const big = reports['idle-big'];
  const idle = reports['idle'];
  const ratioAtLeast = (k: number) => (_t: number, r: number | undefined) => r !== undefined && r >= k;
  const ratioAtMost = (k: number) => (_t: number, r: number | undefined) => r !== undefined && r <= k;
  const heldBig = medianOf(big, 'thumbtack', 'established');
  const failedBig = medianOf(big, 'thumbtack', 'failed');
  const memory = medianOf(big, 'thumbtack', 'rss_per_conn_gc_kb') ?? medianOf(big, 'thumbtack', 'rss_per_conn_kb');
  return [
    row('idle SSE connections held, 0 failures', medianOf(idle, 'pushpin', 'established'), heldBig, '≥ 200,000', (t) => t >= 200_000 && failedBig === 0),
    row('RSS per idle SSE connection, KB', medianOf(idle, 'pushpin', 'rss_per_conn_kb'), memory, '≤ 5 KB', (t) => t <= 5),
    row('new held connections per second', medianOf(reports['connect'], 'pushpin', 'accept_per_s'), medianOf(reports['connect'], 'thumbtack', 'accept_per_s'), '≥ 5×', ratioAtLeast(5)),
    row('fan-out deliveries per second', medianOf(reports['fanout'], 'pushpin', 'deliveries_per_s'), medianOf(reports['fanout'], 'thumbtack', 'deliveries_per_s'), '≥ 3×', ratioAtLeast(3)),
    row('fan-out p99 latency, ms', medianOf(reports['fanout'], 'pushpin', 'p99_ms'), medianOf(reports['fanout'], 'thumbtack', 'p99_ms'), '≤ 0.3×', ratioAtMost(0.3)),
    row('single-item publishes per second', medianOf(reports['throughput'], 'pushpin', 'publishes_per_s'), medianOf(reports['throughput'], 'thumbtack', 'publishes_per_s'), '≥ 4×', ratioAtLeast(4)),
    row('plain proxied requests per second', medianOf(reports['proxy'], 'pushpin', 'proxied_rps'), medianOf(reports['proxy'], 'thumbtack', 'proxied_rps'), '≥ 5×', ratioAtLeast(5)),
  ];
}

/** The rows as a Markdown table. */
export function formatTargetRows(rows: readonly TargetRow[]): string {
  const n = (v: number | undefined): string => (v === undefined ? '–' : formatNumber(v));
  const lines = ['| figure | Pushpin 1.36 | Thumbtack | ratio | target | met |', '|---|---|---|---|---|---|'];
  for (const r of rows) {
    const met = r.met === undefined ? '–' : r.met ? 'yes' : 'no';
    lines.push(`| ${r.figure} | ${n(r.pushpin)} | ${n(r.thumbtack)} | ${r.ratio === undefined ? '–' : formatNumber(r.ratio)} | ${r.target} | ${met} |`);
  }
  return lines.join('\n') + '\n';
}
