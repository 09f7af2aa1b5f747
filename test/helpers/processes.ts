import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { resolve } from 'node:path';

export const ROOT = resolve(__dirname, '..', '..');

/**
 * A free loopback TCP port for a child process that needs a fixed one. It is picked at random below the
 * kernel's ephemeral range (32768+), so the ephemeral ports other tests bind meanwhile (`:0`, ZeroMQ
 * `tcp://127.0.0.1:*`) cannot take it between this check and the child's bind.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    const free = await new Promise<boolean>((ok) => {
      const server = net.createServer();
      server.once('error', () => ok(false));
      server.listen(port, '127.0.0.1', () => server.close(() => ok(true)));
    });
    if (free) return port;
  }
  throw new Error('no free port found in 20000-31999');
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
