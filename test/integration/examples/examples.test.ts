import EventSource from 'eventsource';
import { request, startProxy, subscribed, type RunningProxy } from '../../helpers/harness';
import { freePort, startChild, type Child } from '../../helpers/processes';

/** The bundled examples, run as their READMEs say: real backends behind a real Thumbtack. */
describe('examples', () => {
  const children: Child[] = [];
  afterAll(async () => {
    await Promise.all(children.map((c) => c.stop()));
  });

  it('npm start (tools/start-demo.js) shows a published message arriving', async () => {
    // It uses the fixed ports of the README (7999, 5560-5563, 8000): they must be free on the test machine.
    const demo = startChild(process.execPath, ['tools/start-demo.js']);
    children.push(demo);
    await demo.waitForOutput(/now try it yourself/, 20000);
    expect(demo.output()).toContain('data: hello from the publish API');
    await demo.stop();
  });

  describe('live feed', () => {
    let proxy: RunningProxy;
    let feed: Child;
    beforeAll(async () => {
      const port = await freePort();
      proxy = await startProxy({ routes: [`* 127.0.0.1:${port}`], config: { historyMaxItems: 100 } });
      feed = startChild(process.execPath, ['examples/live-feed/server.js', String(port), proxy.publishUrl]);
      children.push(feed);
      await feed.waitForOutput(/listening/);
    });
    afterAll(() => proxy.close());

    it('serves its page through Thumbtack', async () => {
      const page = await request(`${proxy.url}/`);
      expect(page.status).toBe(200);
      expect(page.text).toContain("new EventSource('/events')");
    });

    it('delivers posted items to every EventSource, and replays missed ones on reconnect', async () => {
      const received: string[][] = [[], []];
      const sources = [0, 1].map((n) => {
        const es = new EventSource(`${proxy.url}/events`);
        es.addEventListener('item', (e: MessageEvent) => received[n]?.push((JSON.parse(String(e.data)) as { text: string }).text));
        return es;
      });
      await subscribed(proxy, 'feed');
      await new Promise((r) => setTimeout(r, 100));
      for (const text of ['one', 'two']) {
        const res = await request(`${proxy.url}/post`, { method: 'POST', body: text });
        expect(res.status).toBe(204);
      }
      const start = Date.now();
      while ((received[0]?.length ?? 0) < 2 || (received[1]?.length ?? 0) < 2) {
        if (Date.now() - start > 5000) throw new Error(`items did not arrive: ${JSON.stringify(received)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(received).toEqual([
        ['one', 'two'],
        ['one', 'two'],
      ]);
      for (const es of sources) es.close();
      // A client that saw item 1 only reconnects with Last-Event-ID: 1 and gets item 2 from the history.
      const replayed: string[] = [];
      const again = new EventSource(`${proxy.url}/events`, { headers: { 'Last-Event-ID': '1' } });
      again.addEventListener('item', (e: MessageEvent) => replayed.push((JSON.parse(String(e.data)) as { text: string }).text));
      const t0 = Date.now();
      while (replayed.length < 1 && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 20));
      again.close();
      expect(replayed).toEqual(['two']);
    });
  });
});
