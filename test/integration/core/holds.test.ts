import EventSource from 'eventsource';
import { openStream, publish, request, startBackend, startProxy, subscribed, type Backend, type RunningProxy } from '../../helpers/harness';

/** Stream (SSE) and long-poll holds, driven by real GRIP backends and the HTTP publish API. */
describe('holds', () => {
  let backend: Backend;
  let proxy: RunningProxy;

  beforeAll(async () => {
    backend = await startBackend((req, res) => {
      const url = new URL(req.url ?? '/', 'http://b');
      const ch = url.searchParams.get('ch') ?? 'news';
      switch (url.pathname) {
        case '/sse':
          res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Grip-Hold': 'stream', 'Grip-Channel': ch });
          res.end('event: message\ndata: open\n\n');
          return;
        case '/ka':
          res.writeHead(200, {
            'Content-Type': 'text/plain',
            'Grip-Hold': 'stream',
            'Grip-Channel': ch,
            'Grip-Keep-Alive': `${url.searchParams.get('data') ?? 'ka\\n'}; format=cstring; timeout=1`,
            'Grip-Status': '203 Custom Status',
          });
          res.end('start\n');
          return;
        case '/multi':
          res.writeHead(200, { 'Content-Type': 'text/plain', 'Grip-Hold': 'stream', 'Grip-Channel': 'm1, m2' });
          res.end('');
          return;
        case '/poll':
          res.writeHead(200, {
            'Content-Type': 'text/plain',
            'X-Timeout-Hdr': 'yes',
            'Grip-Hold': 'response',
            'Grip-Channel': `${ch}; prev-id=${url.searchParams.get('prev') ?? 'p0'}`,
            'Grip-Timeout': url.searchParams.get('t') ?? '55',
          });
          res.end(url.searchParams.get('body') ?? '{"a":1,"b":[1]}\n');
          return;
        case '/instruct':
          res.writeHead(200, { 'Content-Type': 'application/grip-instruct', 'X-Outer': 'dropped' });
          res.end(
            JSON.stringify({
              hold: { mode: 'response', channels: [{ name: ch }], timeout: 5 },
              response: { code: 202, reason: 'Accepted', headers: { 'Content-Type': 'text/plain', 'X-Inner': 'inner' }, body: 'instruct timeout\n' },
            }),
          );
          return;
        case '/bad':
          res.writeHead(200, { 'Grip-Hold': 'forever' });
          res.end();
          return;
        case '/status':
          res.writeHead(200, { 'Content-Type': 'text/plain', 'Grip-Status': '404 Nope', 'Grip-Foo': 'x' });
          res.end('status test');
          return;
        default:
          res.writeHead(404);
          res.end();
      }
    });
    proxy = await startProxy({
      routes: [
        `* 127.0.0.1:${backend.port}`,
        `*,path_beg=/pfx/,replace_beg=/,prefix=app- 127.0.0.1:${backend.port},sub=everyone`,
        `*,path_beg=/dbg/,replace_beg=/,debug 127.0.0.1:${backend.port}`,
      ],
    });
  });
  afterAll(async () => {
    await proxy.close();
    await backend.close();
  });

  it('holds an SSE stream that a real EventSource client reads, and appends published content', async () => {
    const es = new EventSource(`${proxy.url}/sse?ch=sse1`);
    const messages: string[] = [];
    const got = new Promise<void>((resolve, reject) => {
      es.onmessage = (ev: MessageEvent) => {
        messages.push(String(ev.data));
        if (messages.length === 2) resolve();
      };
      es.onerror = () => reject(new Error('EventSource error'));
    });
    await subscribed(proxy, 'sse1');
    const pub = await publish(proxy.publishUrl, [{ channel: 'sse1', formats: { 'http-stream': { content: 'event: message\ndata: hello sse\n\n' } } }]);
    expect(pub.status).toBe(200);
    expect(pub.text).toBe('Published\n');
    await got;
    es.close();
    expect(messages).toEqual(['open', 'hello sse']);
  });

  it('sends keep-alives per Grip-Keep-Alive, the Grip-Status line, and ends the stream on close', async () => {
    const stream = await openStream(`${proxy.url}/ka?ch=ka1`);
    expect(stream.res.statusCode).toBe(203);
    expect(stream.res.statusMessage).toBe('Custom Status');
    expect(stream.res.headers['grip-hold']).toBeUndefined();
    expect(stream.res.headers['grip-keep-alive']).toBeUndefined();
    await stream.waitFor('start\nka\n', 3000);
    await publish(proxy.publishUrl, [{ channel: 'ka1', formats: { 'http-stream': { action: 'close' } } }]);
    await stream.ended;
    expect(stream.res.complete).toBe(true);
    expect(proxy.thumbtack.bus.hasSubscribers('ka1')).toBe(false);
  });

  it('delivers to every channel of a multi-channel hold, content-bin decoded', async () => {
    const stream = await openStream(`${proxy.url}/multi`);
    await subscribed(proxy, 'm2');
    await publish(proxy.publishUrl, [
      { channel: 'm1', formats: { 'http-stream': { content: 'one\n' } } },
      { channel: 'm2', formats: { 'http-stream': { 'content-bin': Buffer.from('two\n').toString('base64') } } },
      { channel: 'm3', formats: { 'http-stream': { content: 'never\n' } } },
    ]);
    await stream.waitFor('one\ntwo\n');
    stream.close();
  });

  it('applies the route prefix to channels and subscribes to the target sub= channels', async () => {
    const stream = await openStream(`${proxy.url}/pfx/sse?ch=c1`);
    await subscribed(proxy, 'app-c1');
    await subscribed(proxy, 'everyone');
    await publish(proxy.publishUrl, [
      { channel: 'c1', formats: { 'http-stream': { content: 'unprefixed\n' } } },
      { channel: 'app-c1', formats: { 'http-stream': { content: 'prefixed\n' } } },
      { channel: 'everyone', formats: { 'http-stream': { content: 'broadcast\n' } } },
    ]);
    await stream.waitFor('broadcast\n');
    expect(stream.text()).not.toContain('unprefixed');
    expect(stream.text()).toContain('prefixed\n');
    stream.close();
  });

  it('answers a long-poll with the published http-response, merged over the instruction headers', async () => {
    const pending = request(`${proxy.url}/poll?ch=lp1&prev=p0`);
    await subscribed(proxy, 'lp1');
    await publish(proxy.publishUrl, [
      { channel: 'lp1', formats: { 'http-stream': { content: 'ignored by long-polls\n' } } },
      {
        channel: 'lp1',
        id: 'p1',
        'prev-id': 'p0',
        formats: { 'http-response': { code: '201', reason: 'Made', headers: { 'X-Pub': 'p', 'Content-Type': 'application/json' }, body: '{"a":1}\n' } },
      },
    ]);
    const res = await pending;
    expect(res.status).toBe(201);
    expect(res.reason).toBe('Made');
    expect(res.headers['x-timeout-hdr']).toBe('yes');
    expect(res.headers['x-pub']).toBe('p');
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.text).toBe('{"a":1}\n');
    // The hold is gone; the bus subscription lingers for subscription_linger, as in Pushpin.
    expect(proxy.thumbtack.worker.hold.index.get('lp1')).toBeUndefined();
  });

  it('applies body-patch to the long-poll body', async () => {
    const pending = request(`${proxy.url}/poll?ch=lp2`);
    await subscribed(proxy, 'lp2');
    await publish(proxy.publishUrl, [
      {
        channel: 'lp2',
        // The hold has prev-id p0: an item that does not follow it is re-requested, not delivered (Pushpin).
        'prev-id': 'p0',
        formats: {
          'http-response': {
            'body-patch': [
              { op: 'replace', path: '/a', value: 2 },
              { op: 'add', path: '/b/-', value: 3 },
            ],
          },
        },
      },
    ]);
    const res = await pending;
    expect(res.text).toBe('{"a":2,"b":[1,3]}\n');
  });

  it('re-requests the backend on hint, with Grip-Last for channels that had a prev-id', async () => {
    const before = backend.requests.length;
    const pending = request(`${proxy.url}/poll?ch=lp3&prev=a`);
    await subscribed(proxy, 'lp3');
    await publish(proxy.publishUrl, [{ channel: 'lp3', 'prev-id': 'a', formats: { 'http-response': { action: 'hint' } } }]);
    // The re-request holds again; answer it with a real item.
    const start = Date.now();
    while (backend.requests.length < before + 2 && Date.now() - start < 5000) await new Promise((r) => setTimeout(r, 10));
    const again = backend.requests[before + 1];
    expect(again?.url).toBe('/poll?ch=lp3&prev=a');
    expect(again?.headers['grip-last']).toBe('lp3; last-id=a');
    expect(again?.headers['grip-sig']).toBeDefined();
    await subscribed(proxy, 'lp3');
    await publish(proxy.publishUrl, [{ channel: 'lp3', 'prev-id': 'a', formats: { 'http-response': { body: 'after hint\n' } } }]);
    expect((await pending).text).toBe('after hint\n');
  });

  it('re-requests on a prev-id mismatch instead of delivering', async () => {
    const before = backend.requests.length;
    const pending = request(`${proxy.url}/poll?ch=lp4&prev=x1`);
    await subscribed(proxy, 'lp4');
    await publish(proxy.publishUrl, [{ channel: 'lp4', id: 'x3', 'prev-id': 'x2', formats: { 'http-response': { body: 'gap\n' } } }]);
    const start = Date.now();
    while (backend.requests.length < before + 2 && Date.now() - start < 5000) await new Promise((r) => setTimeout(r, 10));
    expect(backend.requests[before + 1]?.headers['grip-last']).toBe('lp4; last-id=x1');
    await subscribed(proxy, 'lp4');
    await publish(proxy.publishUrl, [{ channel: 'lp4', id: 'x2', 'prev-id': 'x1', formats: { 'http-response': { body: 'in order\n' } } }]);
    expect((await pending).text).toBe('in order\n');
  });

  it('sends the original response when a long-poll times out (Grip-Timeout below 5 s is raised to 5 s)', async () => {
    const started = Date.now();
    const res = await request(`${proxy.url}/poll?ch=lp5&t=1&body=timed%20out%0A`);
    const elapsed = Date.now() - started;
    expect(res.status).toBe(200);
    expect(res.text).toBe('timed out\n');
    expect(res.headers['x-timeout-hdr']).toBe('yes');
    expect(res.headers['grip-hold']).toBeUndefined();
    expect(elapsed).toBeGreaterThanOrEqual(4900);
  });

  it('honours application/grip-instruct bodies: the outer headers are dropped, the inner response is sent on timeout', async () => {
    const res = await request(`${proxy.url}/instruct?ch=gi1`);
    expect(res.status).toBe(202);
    expect(res.reason).toBe('Accepted');
    expect(res.headers['x-inner']).toBe('inner');
    expect(res.headers['x-outer']).toBeUndefined();
    expect(res.text).toBe('instruct timeout\n');
  });

  it('applies Grip-Status without a hold and strips unknown Grip-* headers', async () => {
    const res = await request(`${proxy.url}/status`);
    expect(res.status).toBe(404);
    expect(res.reason).toBe('Nope');
    expect(res.headers['grip-foo']).toBeUndefined();
    expect(res.headers['content-length']).toBe('11');
    expect(res.text).toBe('status test');
  });

  it('answers 502 to a malformed instruction, naming the header in debug mode', async () => {
    const res = await request(`${proxy.url}/bad`);
    expect(res.status).toBe(502);
    expect(res.text).toBe('Error while proxying to origin.\n');
    const dbg = await request(`${proxy.url}/dbg/bad`);
    expect(dbg.text).toBe("Failed to parse accept instructions: Grip-Hold must be set to either 'response' or 'stream'\n");
  });

  it('refuses a GRIP hold when the request body was too large to keep (400)', async () => {
    const res = await request(`${proxy.url}/poll?ch=big`, { method: 'POST', body: Buffer.alloc(100_001, 'z') });
    expect(res.status).toBe(400);
    expect(res.text).toBe('Request too large to accept GRIP instruct.\n');
  });
});
