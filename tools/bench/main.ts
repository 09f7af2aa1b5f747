/**
 * `npm run bench -- <scenario> [--target thumbtack|pushpin|both] [--runs 3] [--json] …`: for every run and
 * target, starts a fresh backend, proxy and load generator, runs the scenario, stops them all, and prints
 * medians (min–max) per target and, for two targets, their ratio. Targets alternate run by run so that
 * other load on the machine falls on both alike. Usage: see `USAGE` in args.ts.
 */
import { execFileSync, type ExecFileSyncOptionsWithStringEncoding } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseBenchArgs, USAGE, type BenchArgs, type Scenario, type TargetName } from './args';
import { Fleet } from './fleet';
import { cpuProbeMs, machineInfo } from './machine';
import { unconfined } from './proc-stats';
import { formatTable, jsonLines, type BenchReport, type TargetResult } from './report';
import type { RunMetrics, ScenarioDef } from './scenario-kit';
import { connectScenario } from './scenarios/connect';
import { fanoutScenario } from './scenarios/fanout';
import { idleScenario } from './scenarios/idle';
import { keepaliveScenario } from './scenarios/keepalive';
import { proxyScenario } from './scenarios/proxy';
import { throughputScenario } from './scenarios/throughput';
import { wsScenario } from './scenarios/ws';
import { externalTarget, REPO_ROOT, startBackend, startTarget, type Backend, type Target } from './targets';
import { formatTargetRows, hasOption, TARGET_STEPS, targetRows, targetStepArgv } from './targets-table';

const SCENARIO_DEFS: Record<Scenario, ScenarioDef> = {
  idle: idleScenario,
  connect: connectScenario,
  fanout: fanoutScenario,
  throughput: throughputScenario,
  proxy: proxyScenario,
  ws: wsScenario,
  keepalive: keepaliveScenario,
};

/** Metrics that, when above 0, keep the target's folder (config and logs) for inspection. */
const TROUBLE_METRICS = ['failed', 'errors', 'non_2xx', 'publish_failed', 'dropped'];

/** `git describe` of the Thumbtack tree, or the content of its BENCH_VERSION file (for exported trees). */
function thumbtackVersion(dir: string): string {
  try {
    return readFileSync(join(dir, 'BENCH_VERSION'), 'utf8').trim();
  } catch {
    // not an exported tree
  }
  // git's own complaint about a tree that is not a repository would only clutter the bench's log.
  const quiet: ExecFileSyncOptionsWithStringEncoding = { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] };
  try {
    const head = execFileSync('git', ['-C', dir, 'rev-parse', '--short', 'HEAD'], quiet).trim();
    const dirty = execFileSync('git', ['-C', dir, 'status', '--porcelain', '--untracked-files=no', 'src'], quiet).trim();
    return dirty ? `${head}+uncommitted` : head;
  } catch {
    return 'unknown';
  }
}

function note(line: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

function brief(metrics: RunMetrics): string {
  return Object.entries(metrics)
    .filter(([name]) => !name.includes('['))
    .map(([name, value]) => `${name}=${Number.isInteger(value) ? value : value.toFixed(2)}`)
    .join(' ');
}

/** One run of one scenario against one target, with everything it started stopped afterwards. */
async function runOnce(def: ScenarioDef, args: BenchArgs, targetName: TargetName): Promise<RunMetrics> {
  let backend: Backend | undefined;
  let target: Target | undefined;
  let fleet: Fleet | undefined;
  let trouble = true;
  try {
    backend = await startBackend(args.backendPort ?? 0);
    target =
      args.url !== undefined && args.publishUrl !== undefined
        ? externalTarget(args.url, args.publishUrl, args.pids)
        : await startTarget(targetName, {
            backendPort: backend.port,
            logLevel: args.logLevel,
            pushpinLimits: args.pushpinLimits,
            workers: args.workers,
            workerAccept: args.workerAccept,
            cpuProf: args.cpuProf,
            thumbtackDir: args.thumbtackDir,
            overHttp: def.overHttp ?? false,
            gc: args.gc,
            connections: args.n,
            cpus: args.proxyCpus,
          });
    fleet = await Fleet.start(def.procs(args));
    if (args.loadCpus !== undefined) {
      const error = unconfined('the backend or load generator is', [backend.pid, ...fleet.pids], args.loadCpus);
      if (error) throw error;
    }
    const label = target.name;
    const load1 = os.loadavg()[0] ?? NaN;
    const probeMs = cpuProbeMs(); // before the scenario's load: how fast a CPU is in this window
    const metrics = await def.run({ args, target, backend, fleet, note: (line) => note(`${label}: ${line}`) });
    // Other people share this machine: the 1-minute load average before the run says how busy it was.
    metrics.machine_load1_before = load1;
    metrics.machine_cpu_probe_ms = probeMs;
    trouble = TROUBLE_METRICS.some((name) => (metrics[name] ?? 0) > 0);
    return metrics;
  } finally {
    await fleet?.stop();
    await target?.stop(trouble);
    if (trouble && target?.dir) note(`kept ${target.dir} (config and logs) for a look`);
    await backend?.stop();
  }
}

/** A scenario's report on stdout: one JSON line per target, or the Markdown tables. */
function printReport(report: BenchReport, json: boolean): void {
  process.stdout.write(json ? jsonLines(report).join('\n') + '\n' : formatTable(report));
}

/**
 * `targets`: issue 6's whole table in one command. Runs the steps of `TARGET_STEPS` in turn (the caller's
 * options, e.g. `--runs` or `--thumbtack-dir`, apply to each; each step's own runs and workers otherwise,
 * see `TARGET_STEPS`), prints each report, then the targets table.
 */
async function runTargets(rest: readonly string[]): Promise<number> {
  for (const fixed of ['--n', '--target', '--url']) {
    if (hasOption(rest, fixed)) {
      process.stderr.write(`bench: targets sets ${fixed} itself, per step\n`);
      return 2;
    }
  }
  const json = rest.includes('--json');
  const reports: Record<string, BenchReport | undefined> = {};
  let code = 0;
  for (const step of TARGET_STEPS) {
    const parsed = parseBenchArgs(targetStepArgv(step, rest));
    if (!parsed.ok) {
      process.stderr.write(`bench: ${parsed.error.message}\n\n${USAGE}`);
      return 2;
    }
    note(`targets: step ${step.key}`);
    const report = await runScenario(parsed.value);
    reports[step.key] = report;
    printReport(report, json);
    if (report.results.some((r) => r.runs.length === 0)) code = 1;
  }
  const rows = targetRows(reports);
  process.stdout.write(json ? JSON.stringify({ scenario: 'targets', rows }) + '\n' : `\n## Issue 6's targets\n\n${formatTargetRows(rows)}\nPushpin's held connections and memory are measured at 15,000 (its connection manager is one process with a 20,000-file limit); Thumbtack's at 200,000.\n`);
  return code;
}

/** Runs the benchmark described by `argv`; resolves with the process exit code. */
export async function runBench(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (argv[0] === 'targets') return runTargets(argv.slice(1));
  const parsed = parseBenchArgs(argv);
  if (!parsed.ok) {
    process.stderr.write(`bench: ${parsed.error.message}\n\n${USAGE}`);
    return 2;
  }
  const report = await runScenario(parsed.value);
  printReport(report, parsed.value.json);
  return report.results.some((r) => r.runs.length === 0) ? 1 : 0;
}

/**
 * Moves this process (every thread) to `cpus`; the backend and load processes it starts inherit them. The
 * proxy under test is started under its own list (`--proxy-cpus`), or inherits this one without it.
 */
function confineToCpus(cpus: string): void {
  execFileSync('taskset', ['-a', '-p', '-c', cpus, String(process.pid)], { stdio: 'ignore', timeout: 5000 });
  const error = unconfined('the bench is', [process.pid], cpus);
  if (error) throw error;
  note(`bench, backend and load generator on CPU(s) ${cpus}`);
}

/** Every run of one scenario for every target; the report of them all. */
async function runScenario(args: BenchArgs): Promise<BenchReport> {
  const def = SCENARIO_DEFS[args.scenario];
  if (args.loadCpus !== undefined) confineToCpus(args.loadCpus);
  if (args.alias) note(`${args.alias} is the former name of ${def.name}`);
  const machine = machineInfo();
  const results: TargetResult[] = args.targets.map((t) => ({ target: args.url ? 'external' : t, runs: [], errors: [] }));
  note(`${def.name}: ${args.targets.join(' vs ')}, ${args.runs} run(s), ${def.procs(args)} load process(es), load ${machine.load1}`);
  for (let run = 1; run <= args.runs; run++) {
    for (const [i, targetName] of args.targets.entries()) {
      const result = results[i] as TargetResult;
      note(`run ${run}/${args.runs} ${result.target}`);
      try {
        const metrics = await runOnce(def, args, targetName);
        result.runs.push(metrics);
        note(`run ${run}/${args.runs} ${result.target}: ${brief(metrics)}`);
      } catch (err) {
        result.errors.push((err as Error).message);
        note(`run ${run}/${args.runs} ${result.target} failed: ${(err as Error).message}`);
      }
    }
  }
  const report: BenchReport = {
    scenario: def.name,
    params: def.params(args),
    settings: {
      thumbtack: thumbtackVersion(args.thumbtackDir ?? REPO_ROOT),
      pushpin_limits: args.pushpinLimits,
      log_level: args.logLevel,
      load_procs: def.procs(args),
      ...(args.workers !== undefined ? { workers: args.workers } : {}),
      ...(args.workerAccept !== undefined ? { worker_accept: args.workerAccept } : {}),
      ...(args.gc ? { gc: 'expose-gc, SIGUSR2 to Thumbtack' } : {}),
      ...(args.alias ? { invoked_as: args.alias } : {}),
      ...(args.proxyCpus !== undefined ? { proxy_cpus: args.proxyCpus } : {}),
      ...(args.loadCpus !== undefined ? { load_cpus: args.loadCpus } : {}),
    },
    machine,
    results,
  };
  return report;
}

if (require.main === module) {
  runBench(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: Error) => {
      process.stderr.write(`bench: ${err.stack ?? err.message}\n`);
      process.exit(1);
    },
  );
}
