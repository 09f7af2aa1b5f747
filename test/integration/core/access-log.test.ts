import { openStream, publish, request, startBackend, startProxy, subscribed, until, type Backend, type RunningProxy } from '../../helpers/harness';

/** One access-log line per finished request, like Pushpin's proxy log. */
describe('access log', () => {
  let backend: Backend;
  let proxy: RunningProxy;
  const lines: string[] = [];
  beforeAll(async () => {
    backend = await startBackend((req, res) => {
      if (req.url === '/held') {
        res.writeHead(200, { 'Grip-Hold': 'stream', 'Grip-Channel': 'al' });
        res.end('open\n');
      } else {
        res.writeHead(404, { 'Content-Type': 'text/plain' });
        res.end('nope\n');
      }
    });
    proxy = await startProxy({ routes: [`*,id=main 127.0.0.1:${backend.port}`], logLines: lines });
  });
  afterAll(async () => {
    await proxy.close();
    await backend.close();
  });

  const entries = (): Array<Record<string, unknown>> => lines.map((l) => JSON.parse(l) as Record<string, unknown>);

  it('logs a plain request with its status, route and duration', async () => {
    await request(`${proxy.url}/missing?q=1`);
    await until(() => entries().some((e) => String(e.msg).includes('/missing?q=1')));
    const entry = entries().find((e) => String(e.msg).includes('/missing?q=1'));
    expect(entry).toMatchObject({ level: 'info', route: 'main', status: 404, held: false });
    expect(String(entry?.msg)).toMatch(/^GET http:\/\/127\.0\.0\.1:\d+\/missing\?q=1 -> 127\.0\.0\.1:\d+ code=404$/);
    expect(typeof entry?.durationMs).toBe('number');
  });

  it('logs a held stream as accepted as soon as it is held (as Pushpin does), once', async () => {
    const stream = await openStream(`${proxy.url}/held`);
    await subscribed(proxy, 'al');
    await until(() => entries().some((e) => String(e.msg).includes('/held')));
    const entry = entries().find((e) => String(e.msg).includes('/held'));
    expect(entry).toMatchObject({ status: 200, held: 'stream' });
    expect(String(entry?.msg)).toMatch(/ accept$/);
    await publish(proxy.publishUrl, [{ channel: 'al', formats: { 'http-stream': { action: 'close' } } }]);
    await stream.ended;
    await new Promise((r) => setTimeout(r, 100));
    expect(entries().filter((e) => String(e.msg).includes('/held'))).toHaveLength(1);
  });
});
