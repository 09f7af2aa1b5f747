import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { resolve } from 'node:path';

export const ROOT = resolve(__dirname, '..', '..');

/**
 * Ports handed out by this process so far: a port is never handed out twice, since the child it was
 * meant for may not have bound it yet when the next one is checked.
 */
const handedOut = new Set<number>();

/**
 * The slice of 20000–31999 this process picks from. Jest's workers run suites in parallel, each checking a
 * port free and then letting a child bind it later; disjoint slices per worker (`JEST_WORKER_ID`) keep two
 * suites from picking the same port in that window. Outside Jest the whole range is used. The bench
 * (`tools/bench`) picks its ports from 12000–19999, so its smoke test cannot meet these either.
 */
export function portSlice(workerId: string | undefined): { low: number; size: number } {
  const slices = 4;
  const size = 12000 / slices;
  const id = Number(workerId);
  if (!Number.isInteger(id) || id < 1) return { low: 20000, size: 12000 };
  return { low: 20000 + ((id - 1) % slices) * size, size };
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise<boolean>((ok) => {
    const server = net.createServer();
    server.once('error', () => ok(false));
    server.listen(port, '127.0.0.1', () => server.close(() => ok(true)));
  });
}

/**
 * A free loopback TCP port for a child process that needs a fixed one; with `count`, the first of that
 * many consecutive free ports (Pushpin derives four from port_offset). It is picked at random below the
 * kernel's ephemeral range (32768+), so the ephemeral ports other tests bind meanwhile (`:0`, ZeroMQ
 * `tcp://127.0.0.1:*`) cannot take it between this check and the child's bind, and from this process's
 * own slice of that range (see `portSlice`).
 */
export async function freePort(count = 1): Promise<number> {
  const { low, size } = portSlice(process.env.JEST_WORKER_ID);
  for (let attempt = 0; attempt < 50; attempt++) {
    const first = low + Math.floor(Math.random() * (size - count + 1));
    const ports = Array.from({ length: count }, (_, i) => first + i);
    if (ports.some((p) => handedOut.has(p))) continue;
    const free = await Promise.all(ports.map(portIsFree));
    if (free.every(Boolean)) {
      for (const p of ports) handedOut.add(p);
      return first;
    }
  }
  throw new Error(`no ${count} free port(s) found in ${low}-${low + size - 1}`);
}

/** A child process whose output is collected; `waitForOutput` resolves when a line matches. */
export interface Child {
  proc: ChildProcess;
  output(): string;
  waitForOutput(pattern: RegExp, ms?: number): Promise<string>;
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

export function startChild(command: string, args: string[], opts: { env?: Record<string, string>; cwd?: string } = {}): Child {
  const proc = spawn(command, args, { cwd: opts.cwd ?? ROOT, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const waiters: Array<() => void> = [];
  const onData = (d: Buffer): void => {
    out += d.toString();
    for (const w of waiters.splice(0)) w();
  };
  proc.stdout?.on('data', onData);
  proc.stderr?.on('data', onData);
  const exited = new Promise<number | null>((done) => proc.once('exit', (code) => done(code)));
  return {
    proc,
    output: () => out,
    exited,
    waitForOutput: (pattern, ms = 10000) =>
      new Promise((ok, fail) => {
        const timer = setTimeout(() => fail(new Error(`timed out waiting for ${pattern} in output:\n${out}`)), ms);
        const check = (): void => {
          const m = out.match(pattern);
          if (m) {
            clearTimeout(timer);
            ok(m[0]);
          } else waiters.push(check);
        };
        check();
      }),
    stop: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      await exited;
    },
  };
}

/** Resolves when something accepts TCP connections on the port. */
export async function waitForPort(port: number, ms = 10000): Promise<void> {
  const start = Date.now();
  for (;;) {
    const ok = await new Promise<boolean>((done) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        done(true);
      });
      s.on('error', () => done(false));
    });
    if (ok) return;
    if (Date.now() - start > ms) throw new Error(`nothing listening on port ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The children of `pid` (the supervisor's workers). */
export function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((p) => {
      try {
        const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
      } catch {
        return false;
      }
    });
}
