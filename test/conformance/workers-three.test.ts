/**
 * The side-by-side conformance suites with three worker processes (issue 6: "workers set to 2 and more"):
 * an odd count, more workers than this machine's cores, so that a client, its publisher's item and the
 * channel's other subscribers are spread over the bus in more ways than two workers allow.
 */
import { expectWorkerProcesses } from './worker-count';

process.env.THUMBTACK_TEST_WORKERS = '3';

describe('with workers=3', () => {
  expectWorkerProcesses(3);
  /* eslint-disable @typescript-eslint/no-require-imports */
  require('./side-by-side.test');
  require('./reliable-side-by-side.test');
});
