/** Turning runs into the printed report: Markdown tables for people, one JSON line per target for tools. */
import type { MachineInfo } from './machine';
import type { RunMetrics } from './scenario-kit';
import { ratio, spreadAll, type Spread } from './stats';

export interface TargetResult {
  target: string;
  runs: RunMetrics[];
  /** Why a run failed, if one did (its metrics are left out). */
  errors: string[];
}

export interface BenchReport {
  scenario: string;
  params: Record<string, number>;
  settings: Record<string, string | number>;
  machine: MachineInfo;
  results: TargetResult[];
}

/** A number for a table: thousands separators from 100 up, three significant digits below. */
export function formatNumber(value: number): string {
  if (Number.isNaN(value)) return '–';
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString('en-US');
  if (value === 0) return '0';
  return Number(value.toPrecision(3)).toString();
}

function cell(s: Spread | undefined): string {
  if (!s || s.runs === 0) return '–';
  if (s.runs === 1 || s.min === s.max) return formatNumber(s.median);
  return `${formatNumber(s.median)} (${formatNumber(s.min)}–${formatNumber(s.max)})`;
}

/** The Markdown report: machine, parameters, and per metric the median (min–max) of each target and the ratio. */
export function formatTable(report: BenchReport): string {
  const m = report.machine;
  const lines = [
    `## ${report.scenario}`,
    '',
    `machine: ${m.nproc} × ${m.cpuModel}, ${m.memGiB} GiB, Linux ${m.kernel}, node ${m.node}, ${m.pushpin}, open files ${m.openFiles}, load ${m.load1} at start`,
    `params: ${Object.entries(report.params).map(([k, v]) => `${k}=${v}`).join(' ')}; ${Object.entries(report.settings).map(([k, v]) => `${k}=${v}`).join(' ')}`,
    '',
  ];
  const summaries = report.results.map((r) => spreadAll(r.runs));
  const names: string[] = [];
  for (const s of summaries) for (const name of Object.keys(s)) if (!names.includes(name)) names.push(name);
  const both = report.results.length === 2;
  const header = ['metric', ...report.results.map((r) => `${r.target} median (min–max), ${r.runs.length} runs`)];
  if (both) header.push(`ratio ${report.results[0]?.target}/${report.results[1]?.target}`);
  lines.push(`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`);
  for (const name of names) {
    const row = [name, ...summaries.map((s) => cell(s[name]))];
    if (both) row.push(formatNumber(ratio(summaries[0]?.[name]?.median ?? NaN, summaries[1]?.[name]?.median ?? NaN)));
    lines.push(`| ${row.join(' | ')} |`);
  }
  for (const r of report.results) for (const e of r.errors) lines.push('', `${r.target}: a run failed: ${e}`);
  return lines.join('\n') + '\n';
}

/** One JSON line per target (medians, min, max and every run), plus a ratio line when two were measured. */
export function jsonLines(report: BenchReport): string[] {
  const out = report.results.map((r) =>
    JSON.stringify({
      scenario: report.scenario,
      target: r.target,
      params: report.params,
      settings: report.settings,
      machine: report.machine,
      summary: spreadAll(r.runs),
      runs: r.runs,
      errors: r.errors,
    }),
  );
  const [a, b] = report.results;
  if (a && b) {
    const sa = spreadAll(a.runs);
    const sb = spreadAll(b.runs);
    const ratios: Record<string, number | null> = {};
    for (const name of Object.keys(sa)) {
      const value = ratio(sa[name]?.median ?? NaN, sb[name]?.median ?? NaN);
      ratios[name] = Number.isNaN(value) ? null : value;
    }
    out.push(JSON.stringify({ scenario: report.scenario, ratio: `${a.target}/${b.target}`, ratios }));
  }
  return out;
}
