import { openStream, publish, request, startBackend, startProxy, subscribed, until, type Backend, type RunningProxy } from '../../helpers/harness';

/** A published item the runtime cannot write costs only its own connection, never the process or others. */
describe('unwritable published responses', () => {
  let backend: Backend;
  let proxy: RunningProxy;
  beforeAll(async () => {
    backend = await startBackend((req, res) => {
      const hold = req.url?.startsWith('/stream') ? 'stream' : 'response';
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Grip-Hold': hold, 'Grip-Channel': 'shared' });
      res.end(hold === 'stream' ? 'open\n' : 'timeout\n');
    });
    proxy = await startProxy({ routes: [`* 127.0.0.1:${backend.port}`] });
  });
  afterAll(async () => {
    await proxy.close();
    await backend.close();
  });

  it('answers 502 to a long-poll whose published status Node cannot write, and keeps delivering to others', async () => {
    const stream = await openStream(`${proxy.url}/stream`);
    const poll = request(`${proxy.url}/poll`);
    await subscribed(proxy, 'shared');
    await until(() => proxy.thumbtack.worker.hold.counters.held.response === 1);
    const res = await publish(proxy.publishUrl, [
      { channel: 'shared', formats: { 'http-response': { code: 42, body: 'odd status\n' }, 'http-stream': { content: 'still here\n' } } },
    ]);
    expect(res.status).toBe(200);
    const answered = await poll;
    expect(answered.status).toBe(502);
    await stream.waitFor('still here\n');
    await publish(proxy.publishUrl, [{ channel: 'shared', formats: { 'http-stream': { content: 'and again\n' } } }]);
    await stream.waitFor('and again\n');
    stream.close();
  });
});
