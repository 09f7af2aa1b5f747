import { LAUNCHER_NODE_FLAGS, setsSemiSpace } from './launcher-flags';

/**
 * Node flags for worker processes. V8 lets each semi-space of the young generation grow to 16 MB, and
 * after a burst of new connections a worker keeps the 32 MB it grew to although its held connections
 * need none of it: at 200,000 idle connections in 11 workers that was ~290 MB, 1.5 KB per connection
 * (docs/PERFORMANCE.md). Workers cap it at WORKER_SEMI_SPACE_MB unless the user set the flag (in the
 * supervisor's own flags or in NODE_OPTIONS, which the workers inherit). The launcher's own larger
 * young generation (launcher-flags.ts) is for a process that serves clients itself and is not passed on.
 */

/** The young generation's semi-space cap for workers, in MB. */
export const WORKER_SEMI_SPACE_MB = 2;

/**
 * The supervisor's flags for its workers: the launcher's flags left out, and the semi-space cap added
 * unless `execArgv` or `nodeOptions` already sets one.
 */
export function workerExecArgv(execArgv: readonly string[], nodeOptions: string | undefined): string[] {
  const own = execArgv.filter((a) => !LAUNCHER_NODE_FLAGS.includes(a));
  if (setsSemiSpace(own, nodeOptions)) return own;
  return [...own, `--max-semi-space-size=${WORKER_SEMI_SPACE_MB}`];
}
