/**
 * Starting and stopping what is measured: the bench backend (a forked Node process) and a proxy, either
 * Thumbtack (`node bin/thumbtack.js --config FILE`) or Pushpin (`pushpin --config FILE`), each with its own
 * folder under the system temp dir, its own ports, and a config generated from the shipped pushpin.conf.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, closeSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { PushpinLimits, TargetName, WorkerAccept } from './args';
import { launcherNodeFlags } from '../launcher-node-flags';
import { track, untrack } from './children';
import { processTree, unconfined } from './proc-stats';
import { editIni, iniValue, instanceEdits, offsetPorts, routesFile, SHIPPED_CLIENT_MAXCONN } from './target-config';

/** The repository root (this file runs from dist/tools/bench/). */
export const REPO_ROOT = resolve(__dirname, '..', '..', '..');

const SHIPPED_CONF = '/etc/pushpin/pushpin.conf';
const FIXTURE_CONF = join(REPO_ROOT, 'test', 'fixtures', 'pushpin-1.36.conf');

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Resolves when the loopback port can be bound (and releases it). */
function portFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const server = net.createServer();
    server.once('error', () => done(false));
    server.listen(port, '127.0.0.1', () => server.close(() => done(true)));
  });
}

/**
 * A free port below the ephemeral range, so that no outgoing socket of the bench can take it meanwhile,
 * and in 12000–15999: the test suites' fixed ports are 20000–31999, so the bench's smoke test cannot pick
 * a port another suite checked free but has not bound yet.
 */
async function freeLowPort(exclude: readonly number[]): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 12_000 + Math.floor(Math.random() * 4_000);
    if (!exclude.includes(port) && (await portFree(port))) return port;
  }
  throw new Error('no free port found in 12000..15999');
}

/**
 * A port_offset for which Pushpin's four derived ports (5560–5563 + offset) are free and in 16000–19999,
 * below the ephemeral range and apart from the test suites' ports (see freeLowPort).
 */
async function freePortOffset(exclude: readonly number[]): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const offset = 10_440 + Math.floor(Math.random() * 3_997);
    const ports = offsetPorts(offset);
    if (ports.some((p) => exclude.includes(p))) continue;
    const free = await Promise.all(ports.map(portFree));
    if (free.every(Boolean)) return offset;
  }
  throw new Error('no free port_offset found');
}

/** Resolves when a TCP connection to 127.0.0.1:port succeeds; rejects after `ms`. */
export async function waitForPort(port: number, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const up = await new Promise<boolean>((done) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        done(true);
      });
      s.on('error', () => done(false));
    });
    if (up) return;
    await sleep(100);
  }
  throw new Error(`nothing listening on 127.0.0.1:${port} after ${ms} ms`);
}

/** One GET; resolves with the status code (0 on a connection error). */
function probe(port: number, path: string): Promise<number> {
  return new Promise((done) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`));
    let text = '';
    s.setTimeout(3000, () => s.destroy());
    s.on('data', (d: Buffer) => {
      text += d.toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      if (m) {
        s.destroy();
        done(Number(m[1]));
      }
    });
    s.on('error', () => done(0));
    s.on('close', () => done(0));
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export interface Backend {
  port: number;
  pid: number;
  /** Requests the backend has received so far (rejects if it does not answer within 5 s). */
  requests(): Promise<number>;
  stop(): Promise<void>;
}

function stopChild(proc: ChildProcess, graceMs: number): Promise<void> {
  return new Promise((done) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return done();
    proc.once('exit', () => done());
    proc.kill('SIGTERM');
    setTimeout(() => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    }, graceMs).unref();
  });
}

/** Forks the bench backend on `port` (0 = any free port). */
export async function startBackend(port = 0): Promise<Backend> {
  const proc = fork(join(__dirname, 'backend.js'), [String(port)], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  track(proc);
  const ready = await new Promise<number>((done, fail) => {
    const timer = setTimeout(() => fail(new Error('backend did not start')), 10_000);
    proc.once('message', (msg: { type: string; port: number }) => {
      clearTimeout(timer);
      done(msg.port);
    });
    proc.once('exit', (code) => fail(new Error(`backend exited (${code})`)));
  });
  return {
    port: ready,
    pid: proc.pid ?? 0,
    requests: () =>
      new Promise<number>((done, fail) => {
        const timer = setTimeout(() => {
          proc.off('message', onMessage);
          fail(new Error('backend did not report its request count'));
        }, 5_000);
        const onMessage = (msg: { type?: string; requests?: number }): void => {
          if (msg.type !== 'stats') return;
          clearTimeout(timer);
          proc.off('message', onMessage);
          done(msg.requests ?? 0);
        };
        proc.on('message', onMessage);
        proc.send({ type: 'stats' });
      }),
    stop: async () => {
      await stopChild(proc, 3000);
      untrack(proc);
    },
  };
}

export interface Target {
  name: TargetName | 'external';
  proxyPort: number;
  publishPort: number;
  /** The proxy's processes (the main pid and its descendants, found when it became ready). */
  pids: number[];
  /** Where its config and logs are (deleted on stop unless `keepFiles`). */
  dir?: string;
  stop(keepFiles?: boolean): Promise<void>;
}

export interface TargetOptions {
  backendPort: number;
  logLevel: number;
  pushpinLimits: PushpinLimits;
  workers?: number;
  workerAccept?: WorkerAccept;
  cpuProf?: string;
  /** Thumbtack tree whose bin/thumbtack.js runs; default REPO_ROOT. */
  thumbtackDir?: string;
  /** Route WebSockets to the backend as WebSocket-over-HTTP (`over_http`). */
  overHttp?: boolean;
  /** Run Thumbtack under `node --expose-gc` (its processes then collect garbage on SIGUSR2). */
  gc?: boolean;
  /** Client connections the scenario holds; above the shipped client_maxconn, it is raised for both. */
  connections?: number;
  /** CPUs the proxy runs on (`taskset -c` list); its processes and threads all inherit them. */
  cpus?: string;
  /** Thumbtack writes a V8 heap snapshot into this folder on each SIGUSR2 (`--heapsnapshot-signal`). */
  heapSnapshotDir?: string;
}

/** Node's flags for a CPU profile written into `dir` when the process ends (none without a `dir`). */
function cpuProfFlags(dir: string | undefined): string[] {
  return dir ? ['--cpu-prof', '--cpu-prof-dir', resolve(dir)] : [];
}

/** Starts Thumbtack, Pushpin or the Node floor on free ports and resolves once it proxies a request to the backend. */
export async function startTarget(name: TargetName, opts: TargetOptions): Promise<Target> {
  const dir = mkdtempSync(join(tmpdir(), `thumbtack-bench-${name}-`));
  mkdirSync(join(dir, 'run'));
  mkdirSync(join(dir, 'log'));
  const proxyPort = await freeLowPort([opts.backendPort]);
  const portOffset = await freePortOffset([opts.backendPort, proxyPort]);
  const publishPort = 5561 + portOffset;
  const base = readFileSync(existsSync(SHIPPED_CONF) ? SHIPPED_CONF : FIXTURE_CONF, 'utf8');
  const shippedMaxconn = Number(iniValue(base, 'runner', 'client_maxconn') ?? SHIPPED_CLIENT_MAXCONN) || SHIPPED_CLIENT_MAXCONN;
  const edits = instanceEdits({
    target: name,
    dir,
    proxyPort,
    portOffset,
    logLevel: opts.logLevel,
    pushpinLimits: opts.pushpinLimits,
    workers: opts.workers,
    workerAccept: opts.workerAccept,
    connections: opts.connections,
    shippedMaxconn,
  });
  const confPath = join(dir, 'pushpin.conf');
  writeFileSync(confPath, editIni(base, edits));
  writeFileSync(join(dir, 'routes'), routesFile(opts.backendPort, opts.overHttp));

  const logFd = openSync(join(dir, 'log', `${name}.out`), 'a');
  let proc: ChildProcess;
  let command: string[];
  if (name === 'thumbtack') {
    // Cluster workers inherit these (cluster.fork passes process.execArgv on).
    const nodeArgs = [
      ...(opts.gc ? ['--expose-gc'] : []),
      ...cpuProfFlags(opts.cpuProf),
      ...(opts.heapSnapshotDir ? ['--heapsnapshot-signal=SIGUSR2', '--diagnostic-dir', resolve(opts.heapSnapshotDir)] : []),
    ];
    const launcher = join(resolve(opts.thumbtackDir ?? REPO_ROOT), 'bin', 'thumbtack.js');
    // The launcher's own flags first (its first line), as the `thumbtack` command runs it.
    command = [process.execPath, ...launcherNodeFlags(launcher), ...nodeArgs, launcher, '--config', confPath];
  } else if (name === 'floor') {
    // Its ports and the backend's as arguments; the generated config and routes are only left for a look.
    const floor = join(__dirname, 'node-floor.js');
    command = [process.execPath, ...cpuProfFlags(opts.cpuProf), floor, '--port', String(proxyPort), '--publish-port', String(publishPort), '--backend-port', String(opts.backendPort)];
  } else {
    command = ['pushpin', '--config', confPath];
  }
  // taskset execs the command in its own process, so the pid (and the process tree) stay the proxy's.
  if (opts.cpus !== undefined) command = ['taskset', '-c', opts.cpus, ...command];
  proc = spawn(command[0] as string, command.slice(1), { cwd: dir, stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  track(proc);
  let pids: number[] = [];
  const stop = async (): Promise<void> => {
    const tree = proc.pid ? processTree(proc.pid) : [];
    await stopChild(proc, 10_000);
    // Pushpin's runner ends its services itself; give them 3 s, then make sure none we saw is left behind.
    const seen = [...new Set([...pids, ...tree])].filter((pid) => pid !== proc.pid);
    for (let i = 0; i < 30 && seen.some(isAlive); i++) await sleep(100);
    for (const pid of seen.filter(isAlive)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
    untrack(proc);
  };
  try {
    await Promise.race([
      (async () => {
        await waitForPort(proxyPort, 20_000);
        await waitForPort(publishPort, 20_000);
        for (let i = 0; ; i++) {
          if ((await probe(proxyPort, '/warmup')) === 200) break;
          if (i >= 40) throw new Error(`${name} does not proxy to the backend (see ${dir}/log)`);
          await sleep(250);
        }
      })(),
      new Promise<never>((_, fail) => proc.once('exit', (code) => fail(new Error(`${name} exited (${code}); see ${dir}/log`)))),
    ]);
  } catch (err) {
    await stop();
    throw err;
  }
  pids = proc.pid ? processTree(proc.pid) : [];
  if (opts.cpus !== undefined) {
    const error = unconfined(`${name} is`, pids, opts.cpus);
    if (error) {
      await stop();
      throw error;
    }
  }
  return {
    name,
    proxyPort,
    publishPort,
    pids,
    dir,
    stop: async (keepFiles = false) => {
      await stop();
      if (!keepFiles) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A proxy that is already running: nothing is started or stopped. */
export function externalTarget(url: string, publishUrl: string, pids: readonly number[]): Target {
  return {
    name: 'external',
    proxyPort: Number(new URL(url).port || 80),
    publishPort: Number(new URL(publishUrl).port || 80),
    pids: [...new Set(pids.flatMap((pid) => processTree(pid)))],
    stop: async () => undefined,
  };
}
