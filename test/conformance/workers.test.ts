/**
 * The side-by-side conformance suites again, with Thumbtack running two worker processes (node:cluster and
 * the ZeroMQ bus) instead of one in-process worker: the answers must not change.
 */
import { expectWorkerProcesses } from './worker-count';

process.env.THUMBTACK_TEST_WORKERS = '2';

describe('with workers=2', () => {
  expectWorkerProcesses(2);
  /* eslint-disable @typescript-eslint/no-require-imports */
  require('./side-by-side.test');
  require('./reliable-side-by-side.test');
});
