import { openStream, publish, request, startProxy, subscribed, until, type RunningProxy } from '../../helpers/harness';
import { reply, scriptedBackend, streamItem, type ScriptedBackend } from './reliable-helpers';

/** Actions (hint, close, refresh, body-patch) and the delivery limits message_rate / message_hwm / message_block_size. */
describe('actions and delivery limits', () => {
  let backend: ScriptedBackend;

  beforeAll(async () => {
    backend = await scriptedBackend();
    backend.on('/s', (_q, res, url) => reply(res, { 'Content-Type': 'text/plain', 'Grip-Hold': 'stream', 'Grip-Channel': url.searchParams.get('ch') ?? 'x' }, 'start\n'));
    backend.on('/lp', (_q, res, url) =>
      reply(res, { 'Content-Type': 'application/json', 'Grip-Hold': 'response', 'Grip-Channel': url.searchParams.get('ch') ?? 'x' }, '{"n":1,"list":[1]}\n'),
    );
  });
  afterAll(async () => {
    await backend.close();
  });

  async function withProxy(config: Parameters<typeof startProxy>[0]['config'], routes: string[], fn: (p: RunningProxy) => Promise<void>): Promise<void> {
    const proxy = await startProxy({ routes, config: { updateOnFirstSubscription: false, ...config } });
    try {
      await fn(proxy);
    } finally {
      await proxy.close();
    }
  }

  it('close ends a stream; refresh and close are ignored by long-polls; body-patch patches the long-poll body', async () => {
    await withProxy({ messageRate: undefined }, [`* 127.0.0.1:${backend.port}`], async (proxy) => {
      const s = await openStream(`${proxy.url}/s?ch=a1`);
      const lp = request(`${proxy.url}/lp?ch=a1`);
      await subscribed(proxy, 'a1');
      await until(() => (proxy.thumbtack.worker.hold.index.get('a1')?.size ?? 0) === 2, 2000, 'both holds');
      await publish(proxy.publishUrl, [
        { channel: 'a1', formats: { 'http-response': { action: 'close' }, 'http-stream': { action: 'close' } } },
        { channel: 'a1', formats: { 'http-response': { action: 'refresh' } } },
        { channel: 'a1', formats: { 'http-response': { 'body-patch': [{ op: 'replace', path: '/n', value: 2 }, { op: 'add', path: '/list/-', value: 3 }] } } },
      ]);
      await s.ended;
      expect(s.res.complete).toBe(true);
      expect(s.text()).toBe('start\n');
      expect((await lp).text).toBe('{"n":2,"list":[1,3]}\n');
    });
  });

  it('paces deliveries at message_rate per second', async () => {
    await withProxy({ messageRate: 20, messageHwm: 1000 }, [`* 127.0.0.1:${backend.port}`], async (proxy) => {
      const s = await openStream(`${proxy.url}/s?ch=r1`);
      await subscribed(proxy, 'r1');
      const started = Date.now();
      await publish(
        proxy.publishUrl,
        Array.from({ length: 10 }, (_, i) => streamItem('r1', `m${i}\n`)),
      );
      await s.waitFor('m9\n', 3000);
      // 20/s: one delivery every 50 ms, the first at once
      expect(Date.now() - started).toBeGreaterThanOrEqual(400);
      expect(s.text()).toBe(`start\n${Array.from({ length: 10 }, (_, i) => `m${i}\n`).join('')}`);
      s.close();
    });
  });

  it('drops deliveries past message_hwm per route, counted, other routes unaffected', async () => {
    await withProxy(
      { messageRate: 10, messageHwm: 3 },
      [`*,path_beg=/a/,replace_beg=/,id=ra 127.0.0.1:${backend.port}`, `*,path_beg=/b/,replace_beg=/,id=rb 127.0.0.1:${backend.port}`],
      async (proxy) => {
        const a = await openStream(`${proxy.url}/a/s?ch=h1`);
        const b = await openStream(`${proxy.url}/b/s?ch=h2`);
        await subscribed(proxy, 'h1');
        await subscribed(proxy, 'h2');
        const counters = proxy.thumbtack.worker.hold.counters;
        const before = counters.droppedHwm;
        await publish(proxy.publishUrl, [
          ...Array.from({ length: 5 }, (_, i) => streamItem('h1', `a${i}\n`)),
          ...Array.from({ length: 3 }, (_, i) => streamItem('h2', `b${i}\n`)),
        ]);
        expect(counters.droppedHwm - before).toBe(2);
        await a.waitFor('a2\n', 3000);
        await b.waitFor('b2\n', 3000);
        expect(a.text()).toBe('start\na0\na1\na2\n');
        a.close();
        b.close();
      },
    );
  });

  it('weighs a delivery ceil(size / message_block_size) units', async () => {
    await withProxy({ messageRate: 10, messageHwm: 4, messageBlockSize: 10 }, [`* 127.0.0.1:${backend.port}`], async (proxy) => {
      const s = await openStream(`${proxy.url}/s?ch=w1`);
      await subscribed(proxy, 'w1');
      const counters = proxy.thumbtack.worker.hold.counters;
      const before = counters.droppedHwm;
      // 25 bytes = 3 blocks; a second one would make 6 > 4; then a small one (1 block) fits
      await publish(proxy.publishUrl, [streamItem('w1', 'x'.repeat(24) + '\n'), streamItem('w1', 'y'.repeat(24) + '\n'), streamItem('w1', 'z\n')]);
      expect(counters.droppedHwm - before).toBe(1);
      // `size` overrides the payload length
      await s.waitFor('z\n', 3000);
      const before2 = counters.droppedHwm;
      await publish(proxy.publishUrl, [
        { channel: 'w1', size: 41, formats: { 'http-stream': { content: 'sized\n' } } },
        { channel: 'w1', formats: { 'http-stream': { content: 'ok\n' } } },
      ]);
      expect(counters.droppedHwm - before2).toBe(1);
      await s.waitFor('ok\n', 3000);
      expect(s.text()).not.toContain('sized');
      s.close();
    });
  });
});
