/**
 * Every process the bench starts is tracked here, so that an interrupted or failed run still ends them
 * (SIGTERM on exit, SIGINT or an uncaught error). Only these pids are ever signalled.
 */
import type { ChildProcess } from 'node:child_process';

const live = new Set<ChildProcess>();
let installed = false;

function killAll(): void {
  for (const proc of live) {
    if (proc.exitCode === null && proc.signalCode === null) {
      try {
        proc.kill('SIGTERM');
      } catch {
        // already gone
      }
    }
  }
  live.clear();
}

/** Remembers a child process so that it is ended if the bench exits early; installs the handlers once. */
export function track(proc: ChildProcess): void {
  live.add(proc);
  if (installed) return;
  installed = true;
  process.once('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      process.stderr.write(`bench: ${signal}, stopping the processes it started\n`);
      killAll();
      process.exit(130);
    });
  }
}

/** Forgets a child process the bench has stopped itself. */
export function untrack(proc: ChildProcess): void {
  live.delete(proc);
}
