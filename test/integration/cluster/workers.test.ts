import EventSource from 'eventsource';
import { openStream, publish, request, startBackend, startProxy, subscribed, until, type Backend, type RunningProxy } from '../../helpers/harness';

/**
 * `workers=2`: worker processes forked through node:cluster share the client port; items reach them over
 * the ZeroMQ bus; a worker that dies is replaced. (The worker processes run the built dist/ code.)
 */
describe('worker processes', () => {
  let backend: Backend;
  let proxy: RunningProxy;

  beforeAll(async () => {
    backend = await startBackend((req, res) => {
      const url = new URL(req.url ?? '/', 'http://b');
      const ch = url.searchParams.get('ch') ?? 'c';
      if (url.pathname === '/stream') {
        res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Grip-Hold': 'stream', 'Grip-Channel': ch });
        res.end('event: message\ndata: open\n\n');
      } else if (url.pathname === '/poll') {
        res.writeHead(200, { 'Content-Type': 'text/plain', 'Grip-Hold': 'response', 'Grip-Channel': ch });
        res.end('timeout\n');
      } else {
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.end(`plain ${process.pid}\n`);
      }
    });
    proxy = await startProxy({ routes: [`* 127.0.0.1:${backend.port}`], config: { workers: 2 } });
  });
  afterAll(async () => {
    await proxy.close();
    await backend.close();
  });

  it('runs two worker processes behind one client port', async () => {
    expect(proxy.thumbtack.local).toBeUndefined();
    expect(proxy.thumbtack.pool?.size).toBe(2);
    const res = await request(`${proxy.url}/plain`);
    expect(res.status).toBe(200);
    expect(res.text).toBe(`plain ${process.pid}\n`);
  });

  it('delivers a publish to SSE streams and long-polls held by any worker', async () => {
    const streams = await Promise.all(Array.from({ length: 6 }, () => openStream(`${proxy.url}/stream?ch=fan`)));
    await Promise.all(streams.map((s) => s.waitFor('data: open')));
    const poll = request(`${proxy.url}/poll?ch=fan`);
    await subscribed(proxy, 'fan');
    // Every worker has told the supervisor about its subscribers (its bus subscription went out first).
    const stats = proxy.thumbtack.zmq.stats;
    await until(() => stats.subscribers.stream >= 6 && stats.subscribers.response >= 1, 5000, 'all subscriptions');
    await publish(proxy.publishUrl, [
      { channel: 'fan', formats: { 'http-stream': { content: 'event: message\ndata: to all\n\n' }, 'http-response': { body: 'polled\n' } } },
    ]);
    await Promise.all(streams.map((s) => s.waitFor('data: to all')));
    expect((await poll).text).toBe('polled\n');
    for (const s of streams) s.close();
  });

  it('reports held connections of every worker to the supervisor stats', async () => {
    const stats = proxy.thumbtack.zmq.stats;
    await until(() => stats.connectionCount === 0, 5000, 'earlier connections to end');
    const es = new EventSource(`${proxy.url}/stream?ch=stats`);
    await subscribed(proxy, 'stats');
    await until(() => stats.connectionCount === 1, 5000, 'the held connection to be reported');
    es.close();
    await until(() => stats.connectionCount === 0, 5000, 'the end of the connection to be reported');
  });

  it('replaces a worker that dies, and keeps serving', async () => {
    const pool = proxy.thumbtack.pool;
    if (!pool) throw new Error('no pool');
    const [victim] = pool.pids();
    process.kill(victim as number, 'SIGKILL');
    await until(() => pool.restarts === 1 && pool.size === 2, 10000, 'a replacement worker');
    const res = await request(`${proxy.url}/plain`);
    expect(res.status).toBe(200);
    const stream = await openStream(`${proxy.url}/stream?ch=after`);
    await subscribed(proxy, 'after');
    await publish(proxy.publishUrl, [{ channel: 'after', formats: { 'http-stream': { content: 'event: message\ndata: still here\n\n' } } }]);
    await stream.waitFor('still here');
    stream.close();
  });
});
