import http from 'node:http';
import { publish, request, startBackend, until, type Backend } from '../helpers/harness';
import { freePort } from '../helpers/processes';
import { connect, wsUrl } from '../integration/websocket/ws-helpers';
import { Bystander, holdBystander, startHardened, type HardenedProxy } from './hardening-helpers';

/**
 * Hostile or broken backends (issue 7, item 2): each failure gives the client a clear status, is logged
 * with the route and the reason, and leaves the other connections alone.
 */
describe('hardening: hostile or broken backends', () => {
  let backend: Backend;
  let proxy: HardenedProxy;
  let bystander: Bystander;
  const bigBody = Buffer.alloc(300_000, 'b');

  beforeAll(async () => {
    const closedPort = await freePort();
    backend = await startBackend((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      switch (path) {
        case '/hang':
          return; // never answers
        case '/reset-head':
          req.socket.destroy();
          return;
        case '/reset-body':
          res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': '100000' });
          res.write('x'.repeat(1000), () => setTimeout(() => req.socket.destroy(), 50));
          return;
        case '/reset-grip':
          res.writeHead(200, { 'Content-Type': 'text/plain', 'Grip-Hold': 'stream', 'Grip-Channel': 'never', 'Content-Length': '5000' });
          res.write('partial', () => setTimeout(() => req.socket.destroy(), 50));
          return;
        case '/bad-grip':
          res.writeHead(200, { 'Content-Type': 'text/plain', 'Grip-Hold': 'forever', 'Grip-Channel': 'x' });
          res.end('body\n');
          return;
        case '/bad-instruct':
          res.writeHead(200, { 'Content-Type': 'application/grip-instruct' });
          res.end('{"hold": {"mode": "stream", "channels": [');
          return;
        case '/big-stream':
          res.writeHead(200, { 'Content-Type': 'text/plain', 'Grip-Hold': 'stream', 'Grip-Channel': 'big' });
          res.write(bigBody.subarray(0, 150_000));
          setTimeout(() => res.end(bigBody.subarray(150_000)), 50);
          return;
        case '/big-poll':
          res.writeHead(200, { 'Content-Type': 'text/plain', 'Grip-Hold': 'response', 'Grip-Channel': 'bigpoll' });
          res.end(bigBody.subarray(0, 150_000));
          return;
        case '/big-instruct':
          res.writeHead(200, { 'Content-Type': 'application/grip-instruct' });
          res.end(JSON.stringify({ hold: { mode: 'stream', channels: [{ name: 'x' }] }, response: { body: 'y'.repeat(150_000) } }));
          return;
        case '/redirect':
          res.writeHead(302, { Location: 'https://elsewhere.example/next', 'Content-Type': 'text/plain' });
          res.end('moved\n');
          return;
        case '/woh':
          res.writeHead(200, { 'Content-Type': 'application/websocket-events' });
          res.end('GARBAGE\r\n\r\n');
          return;
        default:
          holdBystander(res);
      }
    });
    const b = `127.0.0.1:${backend.port}`;
    proxy = await startHardened({
      routes: [
        `*,path_beg=/refused,id=refused,debug 127.0.0.1:${closedPort}`,
        `*,path_beg=/woh,id=woh,debug ${b},over_http`,
        `*,id=hostile,debug ${b}`,
      ],
      backendTimeoutMs: 500,
      config: { messageRate: undefined },
    });
    bystander = await Bystander.open(proxy);
  });
  afterAll(async () => {
    bystander.close();
    await proxy.close();
    await backend.close();
  });

  it('answers 502 when the backend refuses connections, logged with the route', async () => {
    const res = await request(`${proxy.url}/refused`);
    expect(res.status).toBe(502);
    expect(res.text).toMatch(/^Unable to connect to any targets\. Tried: 127\.0\.0\.1:\d+\n$/);
    const entry = await proxy.logged(/backend request failed/, { route: 'refused' });
    expect(String(entry.detail)).toMatch(/ECONNREFUSED/);
    await bystander.stillServed();
  });

  it('answers 504 when the backend does not answer in time', async () => {
    const res = await request(`${proxy.url}/hang`);
    expect(res.status).toBe(504);
    expect(res.text).toMatch(/^Timed out waiting for a response from 127\.0\.0\.1:\d+\n$/);
    await proxy.logged(/backend request failed/, { route: 'hostile' });
    await bystander.stillServed();
  });

  it('answers 502 when the backend resets before its head', async () => {
    const res = await request(`${proxy.url}/reset-head`);
    expect(res.status).toBe(502);
    await bystander.stillServed();
  });

  it('cuts the client off when the backend resets in the middle of a relayed body (never a silent short body)', async () => {
    const outcome = await new Promise<{ status: number; bytes: number; complete: boolean }>((resolve) => {
      const req = http.get(`${proxy.url}/reset-body`, { agent: false }, (res) => {
        let bytes = 0;
        res.on('data', (c: Buffer) => (bytes += c.length));
        res.on('close', () => resolve({ status: res.statusCode ?? 0, bytes, complete: res.complete }));
        res.on('error', () => undefined);
      });
      req.on('error', () => undefined);
    });
    expect(outcome.status).toBe(200);
    expect(outcome.complete).toBe(false);
    expect(outcome.bytes).toBeLessThan(100_000);
    const entry = await proxy.logged(/backend response broke off/);
    expect(entry.route).toBe('hostile');
    await bystander.stillServed();
  });

  it('answers 502 when the backend resets in the middle of a GRIP body', async () => {
    const res = await request(`${proxy.url}/reset-grip`);
    expect(res.status).toBe(502);
    expect(res.text).toBe('Backend closed the connection before the response ended\n');
    expect(proxy.thumbtack.worker.hold.index.get('never')).toBeUndefined();
    await bystander.stillServed();
  });

  it('answers 502 to invalid GRIP headers and invalid grip-instruct JSON, with the reason logged', async () => {
    const badHeader = await request(`${proxy.url}/bad-grip`);
    expect(badHeader.status).toBe(502);
    expect(badHeader.text).toMatch(/^Failed to parse accept instructions: .*Grip-Hold/);
    const badJson = await request(`${proxy.url}/bad-instruct`);
    expect(badJson.status).toBe(502);
    expect(badJson.text).toMatch(/^Failed to parse accept instructions: /);
    const entry = await proxy.logged(/invalid GRIP instruction/);
    expect(entry.route).toBe('hostile');
    expect(typeof entry.reason).toBe('string');
    await bystander.stillServed();
  });

  it('answers 502 to a WebSocket-over-HTTP backend sending an invalid websocket-events body', async () => {
    const client = connect(wsUrl(proxy.url, '/woh'));
    await expect(client.opened).rejects.toThrow(/unexpected response 502/);
    const entry = await proxy.logged(/websocket backend handshake failed/);
    expect(entry.route).toBe('woh');
    await bystander.stillServed();
  });

  it('relays a stream hold whose initial body is over 100,000 bytes, then holds it', async () => {
    const chunks: Buffer[] = [];
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      http.get(`${proxy.url}/big-stream`, { agent: false }, resolve).on('error', reject);
    });
    res.on('data', (c: Buffer) => chunks.push(c));
    expect(res.statusCode).toBe(200);
    expect(res.headers['grip-hold']).toBeUndefined();
    expect(res.headers['content-length']).toBeUndefined();
    await until(() => (proxy.thumbtack.worker.hold.index.get('big')?.size ?? 0) > 0, 5000, 'the big stream to be held');
    await until(() => chunks.reduce((n, c) => n + c.length, 0) >= bigBody.length, 5000, 'the whole initial body');
    expect(Buffer.concat(chunks).equals(bigBody)).toBe(true);
    await publish(proxy.publishUrl, [{ channel: 'big', formats: { 'http-stream': { content: 'after the big body\n' } } }]);
    await until(() => Buffer.concat(chunks).toString().endsWith('after the big body\n'), 5000, 'the published line');
    res.destroy();
    await bystander.stillServed();
  });

  it('answers 502 to a long-poll or a grip-instruct body over 100,000 bytes', async () => {
    for (const path of ['/big-poll', '/big-instruct']) {
      const res = await request(`${proxy.url}${path}`);
      expect([path, res.status]).toEqual([path, 502]);
      expect(res.text).toMatch(/^GRIP instruct response too large from 127\.0\.0\.1:\d+\n$/);
    }
    expect(proxy.thumbtack.worker.hold.index.get('bigpoll')).toBeUndefined();
    await proxy.logged(/GRIP instruct response too large/, { route: 'hostile' });
    await bystander.stillServed();
  });

  it('passes redirects through as they are', async () => {
    const res = await request(`${proxy.url}/redirect`);
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('https://elsewhere.example/next');
    expect(res.text).toBe('moved\n');
    await bystander.stillServed();
  });
});
