/**
 * Command-line arguments of `npm run bench -- <scenario> [options]`: a pure decoder (no I/O) so that it can be
 * unit tested. Every size has a default and an upper bound that keeps a run inside this machine's limits.
 */
import type { ThumbtackConfig } from '../../src/config/config';
import { fail, ok, type Result } from '../../src/core/errors';
import { cpuListSet } from './cpu-list';

export const SCENARIOS = ['idle', 'connect', 'fanout', 'throughput', 'proxy', 'ws', 'keepalive'] as const;
export type Scenario = (typeof SCENARIOS)[number];

/** Former scenario names, still accepted: `connections` is `idle`, `publish` is `throughput`. */
export const SCENARIO_ALIASES: Readonly<Record<string, Scenario>> = { connections: 'idle', publish: 'throughput' };

/** `floor`: tools/bench/node-floor.ts, the least a Node.js program does for the SSE scenarios. */
export type TargetName = 'thumbtack' | 'pushpin' | 'floor';
const TARGET_NAMES: readonly string[] = ['thumbtack', 'pushpin', 'floor'];

function isTargetName(name: string): name is TargetName {
  return TARGET_NAMES.includes(name);
}

/** `raised`: Pushpin's message_rate/message_hwm keys are left out (no limit); `shipped`: 2500/s and 25000. */
export type PushpinLimits = 'raised' | 'shipped';
/** Thumbtack's `worker_accept`. */
export type WorkerAccept = ThumbtackConfig['workerAccept'];

export interface BenchArgs {
  scenario: Scenario;
  /** The former name the scenario was asked for by (`connections`, `publish`), if it was. */
  alias?: string;
  /** In run order; `both` = thumbtack then pushpin, interleaved run by run. */
  targets: TargetName[];
  runs: number;
  json: boolean;
  /** fanout: publish the round's items in one request instead of one request per channel. */
  batch: boolean;
  /** Connections, streams or subscribers, by scenario. */
  n?: number;
  channels?: number;
  /** Concurrent requests (publish, proxy). */
  concurrency?: number;
  /** Measurement window, seconds (publish, proxy, keepalive). */
  durationS?: number;
  /** Streams waiting for their response head at once, over all load processes (default 100). */
  pending?: number;
  /** Publish rounds per run (fanout, ws). */
  rounds?: number;
  /** Unmeasured rounds first: publish rounds (fanout and ws 3 by default), connection rounds (connect; default 3). */
  warmup?: number;
  /** Connections opened and closed per unmeasured round before the measured ones (connect; default 3,000). */
  warmupConns?: number;
  /** Seconds of unmeasured load before the measured window (throughput, proxy; default 1). */
  warmupS?: number;
  /** Load-generator processes. */
  procs?: number;
  /** A proxy already running (then no proxy is started): client base URL, e.g. http://127.0.0.1:7999. */
  url?: string;
  /** Publish API base URL of that proxy, e.g. http://127.0.0.1:5561. */
  publishUrl?: string;
  /** Process ids of that proxy, for RSS and CPU. */
  pids: number[];
  /** Backend port the running proxy routes to (the bench starts its backend there). */
  backendPort?: number;
  pushpinLimits: PushpinLimits;
  /** `workers=` written to Thumbtack's generated config when given. */
  workers?: number;
  /** `worker_accept=` written to Thumbtack's generated config when given. */
  workerAccept?: WorkerAccept;
  /** Thumbtack tree to run (its bin/thumbtack.js and built dist/); default: this repository. */
  thumbtackDir?: string;
  /** Folder for `node --cpu-prof` output of the Thumbtack process. */
  cpuProf?: string;
  /** log_level written to the generated configs (2 = the shipped config). */
  logLevel: number;
  /** Thumbtack under `node --expose-gc`, and RSS also read after a forced GC (SIGUSR2) in its processes. */
  gc: boolean;
  /** CPUs the proxy under test may run on (`taskset -c` list), e.g. `0`. */
  proxyCpus?: string;
  /** CPUs the bench, its backend and load generator may run on (`taskset -c` list), e.g. `1`. */
  loadCpus?: string;
}

export const USAGE = `usage: npm run bench -- <scenario> [options]

scenarios:
  idle          N held SSE connections over C channels: established, failures, time, RSS per connection,
                idle CPU (default N 5000, C 100)
  connect       new held SSE connections per second, each one a backend request: accept_per_s,
                connect latency (default N 5000)
  fanout        S SSE subscribers over C channels, R publish rounds: deliveries_per_s, latency
                (default S 10000, C 100, R 3)
  throughput    k connections publish to one channel as fast as accepted, for D s, to n subscribers:
                publishes_per_s, delivered_per_s (default k 32, D 5, n 5)
  proxy         plain GET pass-through, k connections for D s: proxied_rps vs direct_rps
  ws            N WebSocket clients over C channels via WebSocket-over-HTTP (route over_http): the idle
                figures, then R rounds of ws-message publishes: deliveries_per_s, latency
                (default N 5000, C 100, R 3)
  keepalive     N SSE streams with Grip-Keep-Alive timeout=1 for D s: keepalives_per_s, CPU
  connections, publish: former names of idle and throughput
  targets       issue 6's whole table in one command: idle at 200,000 (Thumbtack) and 15,000 (both),
                connect, fanout, throughput, proxy (both), then the targets with ratios and met/not
                met. Unless given: 5 runs per target (3 at 200,000); Thumbtack's automatic workers for
                idle, 2 accepting from the kernel for connect, 2 for proxy, 1 for fanout and throughput.
                --runs, --json, --thumbtack-dir etc. apply to every step.

options:
  --target thumbtack|pushpin|floor|both|A,B
                                    system(s) to measure (default thumbtack); both = thumbtack,pushpin;
                                    floor = the least a Node.js program does for the SSE scenarios
                                    (tools/bench/node-floor.ts; not ws)
  --runs N                          runs per target; medians are reported (default 3)
  --json                            one JSON line per scenario and target instead of tables
  --n N                             connections / clients / streams / subscribers (scenario default);
                                    above 50000, client_maxconn is raised to N + 1000 in both configs
  --channels N                      channels (idle, connect, fanout, ws)
  --concurrency N                   concurrent requests (throughput, proxy)
  --duration S                      measurement window in seconds (throughput, proxy, keepalive)
  --rounds N                        publish rounds per run (fanout, ws)
  --warmup N                        unmeasured rounds first: publish rounds (fanout, ws: default 3);
                                    rounds of --warmup-conns connections opened and closed (connect; default 3)
  --warmup-conns N                  connect: connections per warm-up round (default 3000)
  --warmup-s S                      throughput, proxy: seconds of unmeasured load first (default 1)
  --batch                           fanout, ws: one publish request carrying every channel's item
  --pending N                       connections being opened at once, all load processes (default 100)
  --procs N                         load-generator processes (default: enough for N)
  --gc                              run Thumbtack under node --expose-gc; idle and ws then also report
                                    rss_per_conn_gc_kb, RSS after SIGUSR2 (a full GC) to each Thumbtack
                                    process (Pushpin is not signalled: its plain RSS)
  --pushpin-limits raised|shipped   Pushpin message_rate/message_hwm (default raised = no limit)
  --workers N                       Thumbtack workers= in its generated config
  --worker-accept round-robin|kernel  Thumbtack worker_accept= (how workers get new connections)
  --cpu-prof DIR                    run Thumbtack under node --cpu-prof, profiles in DIR
  --thumbtack-dir DIR               the Thumbtack tree to run (built; default this repository)
  --log-level N                     log_level in both generated configs (default 2, as shipped)
  --proxy-cpus LIST --load-cpus LIST  CPUs (taskset -c list, e.g. 0 and 1) for the proxy under test and for
                                    the bench, backend and load generator: each system gets the same cores
  --url URL --publish-url URL --backend-port P [--pid PID ...]
                                    measure a proxy that is already running (no target started)
`;

interface IntSpec {
  min: number;
  max: number;
}

const INT_OPTIONS: Record<string, IntSpec & { key: keyof BenchArgs }> = {
  '--runs': { key: 'runs', min: 1, max: 20 },
  '--n': { key: 'n', min: 1, max: 200_000 },
  '--channels': { key: 'channels', min: 1, max: 100_000 },
  '--concurrency': { key: 'concurrency', min: 1, max: 5_000 },
  '--duration': { key: 'durationS', min: 1, max: 600 },
  '--rounds': { key: 'rounds', min: 1, max: 100 },
  '--warmup': { key: 'warmup', min: 0, max: 100 },
  '--warmup-conns': { key: 'warmupConns', min: 0, max: 100_000 },
  '--warmup-s': { key: 'warmupS', min: 0, max: 60 },
  '--pending': { key: 'pending', min: 1, max: 5_000 },
  '--procs': { key: 'procs', min: 1, max: 32 },
  '--workers': { key: 'workers', min: 0, max: 64 },
  '--backend-port': { key: 'backendPort', min: 1, max: 65_535 },
  '--log-level': { key: 'logLevel', min: 0, max: 3 },
};

/** Decodes a whole decimal integer within bounds (no signs, exponents or fractions). */
export function decodeInt(name: string, text: string | undefined, spec: IntSpec): Result<number> {
  if (text === undefined) return fail('BENCH_ARG_MISSING', `${name} needs a value`);
  if (!/^\d+$/.test(text.replace(/_/g, ''))) return fail('BENCH_ARG_INVALID', `${name}: not a whole number: ${JSON.stringify(text)}`);
  const value = Number(text.replace(/_/g, ''));
  if (value < spec.min || value > spec.max) {
    return fail('BENCH_ARG_RANGE', `${name}: ${value} is outside ${spec.min}..${spec.max}`);
  }
  return ok(value);
}

/** Decodes a CPU list as `taskset -c` takes it: numbers and upward ranges separated by commas (`0`, `1-3`, `0,2`). */
export function decodeCpuList(name: string, text: string | undefined): Result<string> {
  if (text === undefined || text === '') return fail('BENCH_ARG_MISSING', `${name} needs a CPU list`);
  if (cpuListSet(text) === undefined) return fail('BENCH_ARG_INVALID', `${name}: not a CPU list such as 0, 1-3 or 0,2: ${JSON.stringify(text)}`);
  return ok(text);
}

function decodeUrl(name: string, text: string | undefined): Result<string> {
  if (text === undefined) return fail('BENCH_ARG_MISSING', `${name} needs a value`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return fail('BENCH_ARG_INVALID', `${name}: not a URL: ${JSON.stringify(text)}`);
  }
  if (url.protocol !== 'http:') return fail('BENCH_ARG_INVALID', `${name}: only http:// URLs are supported`);
  if (url.hostname !== '127.0.0.1') return fail('BENCH_ARG_INVALID', `${name}: the bench only sends traffic to 127.0.0.1`);
  return ok(`${url.protocol}//${url.host}`);
}

/**
 * Decodes the arguments after `npm run bench --`. The first non-option word is the scenario; options take
 * their value as the next word or after `=`. Returns a coded failure for anything unknown or out of range.
 */
export function parseBenchArgs(argv: readonly string[]): Result<BenchArgs> {
  const args: Partial<BenchArgs> & { pids: number[] } = { pids: [] };
  const words: string[] = [];
  for (const word of argv) {
    const eq = word.startsWith('--') ? word.indexOf('=') : -1;
    if (eq > 0) words.push(word.slice(0, eq), word.slice(eq + 1));
    else words.push(word);
  }
  let targets: TargetName[] = ['thumbtack'];
  for (let i = 0; i < words.length; i++) {
    const word = words[i] as string;
    // Own keys only: a scenario word such as `toString` must not find Object.prototype's members.
    const intSpec = Object.prototype.hasOwnProperty.call(INT_OPTIONS, word) ? INT_OPTIONS[word] : undefined;
    if (intSpec) {
      const value = decodeInt(word, words[++i], intSpec);
      if (!value.ok) return value;
      (args as Record<string, unknown>)[intSpec.key] = value.value;
      continue;
    }
    switch (word) {
      case '--json':
        args.json = true;
        break;
      case '--batch':
        args.batch = true;
        break;
      case '--gc':
        args.gc = true;
        break;
      case '--target': {
        const value = words[++i] ?? '';
        const names = value === 'both' ? ['thumbtack', 'pushpin'] : value.split(',');
        if (names.length > 2 || !names.every(isTargetName) || names[0] === names[1]) {
          return fail('BENCH_ARG_INVALID', `--target: expected thumbtack, pushpin, floor, both or two of them as A,B, got ${JSON.stringify(value)}`);
        }
        targets = names;
        break;
      }
      case '--pushpin-limits': {
        const value = words[++i];
        if (value !== 'raised' && value !== 'shipped') {
          return fail('BENCH_ARG_INVALID', `--pushpin-limits: expected raised or shipped, got ${JSON.stringify(value ?? '')}`);
        }
        args.pushpinLimits = value;
        break;
      }
      case '--worker-accept': {
        const value = words[++i];
        if (value !== 'round-robin' && value !== 'kernel') {
          return fail('BENCH_ARG_INVALID', `--worker-accept: expected round-robin or kernel, got ${JSON.stringify(value ?? '')}`);
        }
        args.workerAccept = value;
        break;
      }
      case '--url':
      case '--publish-url': {
        const value = decodeUrl(word, words[++i]);
        if (!value.ok) return value;
        if (word === '--url') args.url = value.value;
        else args.publishUrl = value.value;
        break;
      }
      case '--pid': {
        const value = decodeInt(word, words[++i], { min: 1, max: 4_194_304 });
        if (!value.ok) return value;
        args.pids.push(value.value);
        break;
      }
      case '--proxy-cpus':
      case '--load-cpus': {
        const value = decodeCpuList(word, words[++i]);
        if (!value.ok) return value;
        if (word === '--proxy-cpus') args.proxyCpus = value.value;
        else args.loadCpus = value.value;
        break;
      }
      case '--cpu-prof':
      case '--thumbtack-dir': {
        const value = words[++i];
        if (value === undefined || value === '' || value.startsWith('--')) return fail('BENCH_ARG_MISSING', `${word} needs a folder`);
        if (word === '--cpu-prof') args.cpuProf = value;
        else args.thumbtackDir = value;
        break;
      }
      default:
        if (word.startsWith('-')) return fail('BENCH_ARG_UNKNOWN', `unknown option ${word}`);
        if (args.scenario !== undefined) return fail('BENCH_ARG_UNKNOWN', `one scenario at a time: unexpected ${JSON.stringify(word)}`);
        if ((SCENARIOS as readonly string[]).includes(word)) args.scenario = word as Scenario;
        else if (Object.prototype.hasOwnProperty.call(SCENARIO_ALIASES, word)) {
          args.scenario = SCENARIO_ALIASES[word];
          args.alias = word;
        } else {
          return fail('BENCH_ARG_INVALID', `unknown scenario ${JSON.stringify(word)} (one of ${SCENARIOS.join(', ')})`);
        }
    }
  }
  if (args.scenario === undefined) return fail('BENCH_ARG_MISSING', 'which scenario? ' + SCENARIOS.join(', '));
  const external = args.url !== undefined || args.publishUrl !== undefined;
  if (external && (args.url === undefined || args.publishUrl === undefined || args.backendPort === undefined)) {
    return fail('BENCH_ARG_MISSING', 'a running proxy needs --url, --publish-url and --backend-port together');
  }
  if (external && targets.length > 1) return fail('BENCH_ARG_INVALID', '--target with two systems starts its own proxies; drop --url');
  if (args.scenario === 'ws' && targets.includes('floor')) {
    return fail('BENCH_ARG_INVALID', '--target floor: the Node floor does not speak WebSocket-over-HTTP; ws measures thumbtack and pushpin');
  }
  if (external && args.proxyCpus !== undefined) return fail('BENCH_ARG_INVALID', '--proxy-cpus applies to a proxy the bench starts; drop --url');
  return ok({
    scenario: args.scenario,
    ...(args.alias !== undefined ? { alias: args.alias } : {}),
    targets,
    runs: args.runs ?? 3,
    json: args.json ?? false,
    batch: args.batch ?? false,
    n: args.n,
    channels: args.channels,
    concurrency: args.concurrency,
    durationS: args.durationS,
    rounds: args.rounds,
    warmup: args.warmup,
    warmupConns: args.warmupConns,
    warmupS: args.warmupS,
    pending: args.pending,
    procs: args.procs,
    url: args.url,
    publishUrl: args.publishUrl,
    pids: args.pids,
    backendPort: args.backendPort,
    pushpinLimits: args.pushpinLimits ?? 'raised',
    workers: args.workers,
    workerAccept: args.workerAccept,
    cpuProf: args.cpuProf,
    thumbtackDir: args.thumbtackDir,
    logLevel: args.logLevel ?? 2,
    gc: args.gc ?? false,
    ...(args.proxyCpus !== undefined ? { proxyCpus: args.proxyCpus } : {}),
    ...(args.loadCpus !== undefined ? { loadCpus: args.loadCpus } : {}),
  });
}
