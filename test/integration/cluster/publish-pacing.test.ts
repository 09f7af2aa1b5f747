import { openStream, publish, startBackend, startProxy, subscribed, type Backend, type RunningProxy } from '../../helpers/harness';

/**
 * With worker processes, an HTTP publish is answered once every worker has applied the items before it
 * (when the workers are behind), so a publisher cannot queue items in them; a stuck worker delays the
 * answer by at most a second and loses nothing.
 */
describe('publish pacing with worker processes', () => {
  let backend: Backend;
  let proxy: RunningProxy;

  beforeAll(async () => {
    backend = await startBackend((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Grip-Hold': 'stream', 'Grip-Channel': 'paced' });
      res.end('open\n');
    });
    proxy = await startProxy({ routes: [`* 127.0.0.1:${backend.port}`], config: { workers: 2 } });
  });
  afterAll(async () => {
    for (const pid of proxy.thumbtack.pool?.pids() ?? []) {
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        // already gone
      }
    }
    await proxy.close();
    await backend.close();
  });

  const timedPublish = async (content: string): Promise<number> => {
    const started = Date.now();
    const res = await publish(proxy.publishUrl, [{ channel: 'paced', formats: { 'http-stream': { content } } }]);
    expect(res.status).toBe(200);
    return Date.now() - started;
  };

  it('holds the answer while a worker has not applied earlier items, then delivers everything', async () => {
    const pool = proxy.thumbtack.pool;
    expect(pool?.size).toBe(2);
    const streams = await Promise.all(Array.from({ length: 4 }, () => openStream(`${proxy.url}/`)));
    await Promise.all(streams.map((s) => s.waitFor('open\n')));
    await subscribed(proxy, 'paced');
    await timedPublish('m0\n');
    await Promise.all(streams.map((s) => s.waitFor('m0\n')));

    const stopped = (pool?.pids() ?? [])[0] as number;
    process.kill(stopped, 'SIGSTOP');
    try {
      await timedPublish('m1\n'); // the workers were caught up: answered at once
      await new Promise((r) => setTimeout(r, 50));
      const waited = await timedPublish('m2\n'); // m1 is 50 ms old and not applied by the stopped worker
      expect(waited).toBeGreaterThanOrEqual(900);
    } finally {
      process.kill(stopped, 'SIGCONT');
    }
    // Nothing was lost: every stream gets both items, in order.
    await Promise.all(streams.map((s) => s.waitFor('m2\n')));
    for (const s of streams) expect(s.text()).toMatch(/m0\n[^]*m1\n[^]*m2\n/);
    // Caught up again: the next publish is not held for the wait limit.
    const after = await timedPublish('m3\n');
    expect(after).toBeLessThan(900);
    for (const s of streams) s.close();
  }, 20_000);
});
