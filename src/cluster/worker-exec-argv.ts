/**
 * Node flags for worker processes. V8 lets each semi-space of the young generation grow to 16 MB, and
 * after a burst of new connections a worker keeps the 32 MB it grew to although its held connections
 * need none of it: at 200,000 idle connections in 11 workers that was ~290 MB, 1.5 KB per connection
 * (docs/PERFORMANCE.md). Workers cap it at WORKER_SEMI_SPACE_MB unless the user set the flag (in the
 * supervisor's own flags or in NODE_OPTIONS, which the workers inherit).
 */

/** The young generation's semi-space cap for workers, in MB. */
export const WORKER_SEMI_SPACE_MB = 2;

const SEMI_SPACE_FLAG = /--max[-_]semi[-_]space[-_]size/;

/** The supervisor's flags plus the semi-space cap, unless `execArgv` or `nodeOptions` already sets one. */
export function workerExecArgv(execArgv: readonly string[], nodeOptions: string | undefined): string[] {
  if (execArgv.some((a) => SEMI_SPACE_FLAG.test(a)) || SEMI_SPACE_FLAG.test(nodeOptions ?? '')) return [...execArgv];
  return [...execArgv, `--max-semi-space-size=${WORKER_SEMI_SPACE_MB}`];
}
