import EventSource from 'eventsource';
import { publish, request, startProxy, subscribed, type RunningProxy } from '../../helpers/harness';
import { freePort, startChild, type Child } from '../../helpers/processes';

/**
 * Backends written for Pushpin work unchanged: the official @fanoutio/serve-grip middleware (which also
 * verifies our Grip-Sig) and @fanoutio/grip's Publisher, and the PHP handler served by `php -S`.
 */
describe('official GRIP libraries and the PHP handler', () => {
  let proxy: RunningProxy;
  let express: Child;
  let php: Child;

  beforeAll(async () => {
    const expressPort = await freePort();
    const phpPort = await freePort();
    proxy = await startProxy({
      routes: [`*,path_beg=/php/,replace_beg=/ 127.0.0.1:${phpPort}`, `* 127.0.0.1:${expressPort}`],
    });
    express = startChild(process.execPath, ['examples/express/server.mjs'], {
      env: { PORT: String(expressPort), GRIP_URL: `${proxy.publishUrl}/?key=changeme` },
    });
    php = startChild('php', ['-S', `127.0.0.1:${phpPort}`, '-t', 'examples/php']);
    await express.waitForOutput(/listening/);
    await php.waitForOutput(/started|Development Server/);
  });
  afterAll(async () => {
    await express.stop();
    await php.stop();
    await proxy.close();
  });

  it('serve-grip refuses a request that did not come through a GRIP proxy (so Grip-Sig is checked)', async () => {
    const port = /127\.0\.0\.1:(\d+)/.exec(express.output())?.[1];
    const direct = await request(`http://127.0.0.1:${port}/stream?channel=x`);
    expect(direct.status).toBe(501);
  });

  it('holds an SSE stream from a serve-grip backend and delivers what @fanoutio/grip publishes', async () => {
    const es = new EventSource(`${proxy.url}/stream?channel=lib1`);
    const messages: string[] = [];
    const done = new Promise<void>((resolve, reject) => {
      es.onmessage = (ev: MessageEvent) => {
        messages.push(String(ev.data));
        if (messages.length === 2) resolve();
      };
      es.onerror = () => reject(new Error('EventSource error'));
    });
    await subscribed(proxy, 'lib1');
    const sent = await request(`${proxy.url}/send/lib1`, { method: 'POST', body: 'from the Publisher', headers: { 'Content-Type': 'text/plain' } });
    expect(JSON.parse(sent.text)).toEqual({ published: true });
    await done;
    es.close();
    expect(messages).toEqual(['stream open on lib1', 'from the Publisher']);
  });

  it('answers a serve-grip long-poll with what the Publisher sends', async () => {
    const pending = request(`${proxy.url}/poll?channel=lib2`);
    await subscribed(proxy, 'lib2');
    await request(`${proxy.url}/send/lib2`, { method: 'POST', body: 'polled', headers: { 'Content-Type': 'text/plain' } });
    const res = await pending;
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual({ channel: 'lib2', messages: ['polled'] });
  });

  it('streams SSE from the PHP handler (examples/php/stream.php) under php -S', async () => {
    const es = new EventSource(`${proxy.url}/php/stream.php?topic=phptopic`);
    const messages: string[] = [];
    const done = new Promise<void>((resolve, reject) => {
      es.onmessage = (ev: MessageEvent) => {
        messages.push(String(ev.data));
        if (messages.length === 2) resolve();
      };
      es.onerror = () => reject(new Error('EventSource error'));
    });
    await subscribed(proxy, 'phptopic');
    await publish(proxy.publishUrl, [{ channel: 'phptopic', formats: { 'http-stream': { content: 'event: message\ndata: php works\n\n' } } }]);
    await done;
    es.close();
    expect(messages).toEqual(['stream open', 'php works']);
    const missing = await request(`${proxy.url}/php/stream.php`);
    expect(missing.text).toBe('missing parameter: topic\n');
  });
});
