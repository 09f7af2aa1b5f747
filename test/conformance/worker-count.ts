import { startProxy } from '../helpers/harness';

/**
 * A test that the suites around it really run against `count` worker processes: the harness reads the
 * count from THUMBTACK_TEST_WORKERS, and a typo there would otherwise run them in one process unnoticed.
 */
export function expectWorkerProcesses(count: number): void {
  it(`runs ${count} worker processes`, async () => {
    const proxy = await startProxy({ routes: ['* 127.0.0.1:1'] });
    try {
      const pids = proxy.thumbtack.pool?.pids() ?? [];
      expect(new Set(pids.filter((pid) => pid > 0 && pid !== process.pid)).size).toBe(count);
    } finally {
      await proxy.close();
    }
  });
}
