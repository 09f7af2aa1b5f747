import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { publish, startBackend, startProxy, subscribed, until, type RunningProxy } from '../../helpers/harness';
import { connect, open, wsUrl } from './ws-helpers';

interface WsBackend {
  port: number;
  handshakes: IncomingHttpHeaders[];
  received: Array<{ path: string; text: string; binary: boolean }>;
  closes: Array<{ path: string; code: number; reason: string }>;
  close(): Promise<void>;
}

/**
 * A WebSocket backend: `/grip*` accepts the grip extension (`/grip-empty` with an empty message prefix),
 * `/plain` does not, `/reject` answers 403. Texts: `echo:x` → `m:x` (`x` on /plain), `sub:ch`, `raw:x`
 * → `x` unprefixed, `ctl:json` → `c:json`, `close:code:reason`; binary is echoed with the prefix.
 */
async function startWsBackend(): Promise<WsBackend> {
  const handshakes: IncomingHttpHeaders[] = [];
  const received: WsBackend['received'] = [];
  const closes: WsBackend['closes'] = [];
  const server = http.createServer();
  const wss = new WebSocketServer({ noServer: true, handleProtocols: (p) => (p.has('chat') ? 'chat' : false) });
  wss.on('headers', (lines, req) => {
    if (req.url?.startsWith('/grip-empty')) lines.push('Sec-WebSocket-Extensions: grip; message-prefix=""');
    else if (req.url?.startsWith('/grip')) lines.push('Sec-WebSocket-Extensions: grip');
    lines.push('X-Backend: ws');
  });
  server.on('upgrade', (req, socket, head) => {
    handshakes.push(req.headers);
    if (req.url?.startsWith('/reject')) {
      socket.end('HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nX-Why: nope\r\nContent-Length: 8\r\n\r\ngo away\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const path = req.url ?? '';
      const prefix = path.startsWith('/grip-empty') || path.startsWith('/plain') ? '' : 'm:';
      ws.on('message', (data: Buffer, binary: boolean) => {
        const text = data.toString();
        received.push({ path, text, binary });
        if (binary) {
          ws.send(Buffer.concat([Buffer.from(prefix), data]), { binary: true });
          return;
        }
        const [cmd, ...rest] = text.split(':');
        const arg = rest.join(':');
        if (cmd === 'echo') ws.send(prefix + arg);
        else if (cmd === 'sub') ws.send(`c:${JSON.stringify({ type: 'subscribe', channel: arg })}`);
        else if (cmd === 'raw') ws.send(arg);
        else if (cmd === 'ctl') ws.send(`c:${arg}`);
        else if (cmd === 'close') {
          const [code, ...reason] = arg.split(':');
          ws.close(Number(code), reason.join(':'));
        }
      });
      ws.on('close', (code, reason) => closes.push({ path, code, reason: reason.toString() }));
      if (path.includes('hello')) {
        ws.send(`${prefix}welcome`);
        ws.send('c:{"type":"subscribe","channel":"early"}');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    handshakes,
    received,
    closes,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

describe('WebSocket passthrough', () => {
  let backend: WsBackend;
  let proxy: RunningProxy;

  beforeAll(async () => {
    backend = await startWsBackend();
    proxy = await startProxy({
      routes: [`*,path_beg=/news 127.0.0.1:${backend.port},sub=news`, `* 127.0.0.1:${backend.port}`],
    });
  });
  afterAll(async () => {
    await proxy.close();
    await backend.close();
  });

  const url = (path: string): string => wsUrl(proxy.url, path);

  it('offers the grip extension with Grip-Sig and passes the client headers', async () => {
    const before = backend.handshakes.length;
    const client = await open(url('/grip/h'), undefined, { headers: { 'X-Client': 'yes' } });
    const h = backend.handshakes[before] as IncomingHttpHeaders;
    expect(h['sec-websocket-extensions']).toBe('grip');
    expect(h['x-client']).toBe('yes');
    expect(h['grip-sig']).toBeDefined();
    expect(h['grip-feature']).toContain('filter:skip-self');
    expect(client.upgradeHeaders()['x-backend']).toBe('ws');
    expect(client.upgradeHeaders()['sec-websocket-extensions']).toBeUndefined();
    client.ws.close();
    await client.closed;
  });

  it('in GRIP mode: strips the prefix, drops unprefixed messages, relays binary, runs control messages', async () => {
    const client = await open(url('/grip/a'));
    client.ws.send('raw:dropped');
    client.ws.send('echo:hello');
    expect((await client.next()).text).toBe('hello');
    client.ws.send(Buffer.from([9, 8, 7]));
    const bin = await client.next();
    expect([bin.binary, [...bin.data]]).toEqual([true, [9, 8, 7]]);
    client.ws.send('sub:pt1');
    await subscribed(proxy, 'pt1');
    await publish(proxy.publishUrl, [{ channel: 'pt1', formats: { 'ws-message': { content: 'published' } } }]);
    expect((await client.next()).text).toBe('published');
    client.ws.close();
    await client.closed;
  });

  it('relays what the backend sends right after accepting, control messages included', async () => {
    const client = connect(url('/grip/hello'));
    expect((await client.next()).text).toBe('welcome');
    await subscribed(proxy, 'early');
    client.ws.close();
    await client.closed;
  });

  it('honours an empty message prefix', async () => {
    const client = await open(url('/grip-empty/x'));
    client.ws.send('raw:as is');
    expect((await client.next()).text).toBe('as is');
    client.ws.close();
    await client.closed;
  });

  it('without the extension, relays everything verbatim (c: has no meaning)', async () => {
    const client = await open(url('/plain/x'));
    client.ws.send('ctl:{"type":"subscribe","channel":"nope"}');
    expect((await client.next()).text).toBe('c:{"type":"subscribe","channel":"nope"}');
    client.ws.send('echo:plain');
    expect((await client.next()).text).toBe('plain');
    client.ws.send(Buffer.from([1]));
    expect([...(await client.next()).data]).toEqual([1]);
    expect(proxy.thumbtack.bus.hasSubscribers('nope')).toBe(false);
    client.ws.close();
    await client.closed;
  });

  it('a sub= target subscribes the connection even without the extension', async () => {
    const client = await open(url('/news/plain'));
    await subscribed(proxy, 'news');
    await publish(proxy.publishUrl, [{ channel: 'news', formats: { 'ws-message': { content: 'headline' } } }]);
    expect((await client.next()).text).toBe('headline');
    client.ws.close();
    await client.closed;
  });

  it('relays closes both ways with code and reason', async () => {
    const a = await open(url('/grip/bclose'));
    a.ws.send('close:4005:pt bye');
    expect(await a.closed).toEqual({ code: 4005, reason: 'pt bye' });

    const b = await open(url('/grip/cclose'));
    b.ws.close(4006, 'client bye');
    await b.closed;
    await until(() => backend.closes.some((c) => c.path === '/grip/cclose'), 3000, 'the backend to see the close');
    expect(backend.closes.find((c) => c.path === '/grip/cclose')).toMatchObject({ code: 4006, reason: 'client bye' });
  });

  it('a published close closes the client and the backend connection', async () => {
    const client = await open(url('/grip/pclose'));
    client.ws.send('sub:ptc');
    await subscribed(proxy, 'ptc');
    await publish(proxy.publishUrl, [{ channel: 'ptc', formats: { 'ws-message': { action: 'close', code: 4010, reason: 'done' } } }]);
    expect(await client.closed).toEqual({ code: 4010, reason: 'done' });
    await until(() => backend.closes.some((c) => c.path === '/grip/pclose'), 3000, 'the backend close');
  });

  it('detach closes the backend side and keeps the client for publishes', async () => {
    const client = await open(url('/grip/detach'));
    client.ws.send('sub:ptd');
    await subscribed(proxy, 'ptd');
    client.ws.send('ctl:{"type":"detach"}');
    await until(() => backend.closes.some((c) => c.path === '/grip/detach'), 3000, 'the backend close');
    expect(backend.closes.find((c) => c.path === '/grip/detach')?.code).toBe(1005);
    await publish(proxy.publishUrl, [{ channel: 'ptd', formats: { 'ws-message': { content: 'after detach' } } }]);
    expect((await client.next()).text).toBe('after detach');
    client.ws.close();
    await client.closed;
  });

  it('relays the subprotocol the backend chose', async () => {
    const client = await open(url('/grip/proto'), ['chat', 'other']);
    expect(client.ws.protocol).toBe('chat');
    client.ws.close();
    await client.closed;
  });

  it('relays a refused handshake to the client', async () => {
    const c = connect(url('/reject'));
    const res = await new Promise<http.IncomingMessage>((resolve) => c.ws.once('unexpected-response', (_req, r) => resolve(r)));
    let body = '';
    for await (const chunk of res) body += String(chunk);
    expect(res.statusCode).toBe(403);
    expect(res.headers['x-why']).toBe('nope');
    expect(body).toBe('go away\n');
  });

  it('answers 502 when no target can be reached', async () => {
    const dead = await startProxy({ routes: ['* 127.0.0.1:1'] });
    const c = connect(wsUrl(dead.url, '/x'));
    const status = await new Promise<number>((resolve) => c.ws.once('unexpected-response', (_req, r) => resolve(r.statusCode ?? 0)));
    expect(status).toBe(502);
    await dead.close();
  });

  it('answers 502 without a route', async () => {
    const none = await startProxy({ routes: ['example.org 127.0.0.1:1'] });
    const c = connect(wsUrl(none.url, '/x'));
    const status = await new Promise<number>((resolve) => c.ws.once('unexpected-response', (_req, r) => resolve(r.statusCode ?? 0)));
    expect(status).toBe(502);
    await none.close();
  });

  it('a client that is not a WebSocket handshake gets 400', async () => {
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = http.request(`${proxy.url}/grip/x`, { headers: { Connection: 'Upgrade', Upgrade: 'websocket' } });
      req.on('response', resolve);
      req.on('error', reject);
      req.end();
    });
    expect(res.statusCode).toBe(400);
    res.resume();
  });

  it('serves a request upgrading to something else (h2c) as plain HTTP', async () => {
    const plain = await startBackend((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('plain http\n');
    });
    const p = await startProxy({ routes: [`* 127.0.0.1:${plain.port}`] });
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = http.request(`${p.url}/x`, { headers: { Connection: 'Upgrade, HTTP2-Settings', Upgrade: 'h2c', 'HTTP2-Settings': 'AAMAAABkAAQAoAAAAAIAAAAA' } });
      req.on('response', resolve);
      req.on('error', reject);
      req.end();
    });
    let body = '';
    for await (const chunk of res) body += String(chunk);
    expect(res.statusCode).toBe(200);
    expect(body).toBe('plain http\n');
    // As Pushpin does, the offer itself is forwarded (the backend may ignore it); Connection is not.
    expect(plain.requests[0]?.headers['upgrade']).toBe('h2c');
    expect(plain.requests[0]?.headers['http2-settings']).toBe('AAMAAABkAAQAoAAAAAIAAAAA');
    await p.close();
    await plain.close();
  });

  it('uses the built-in test target: subscribed to ?channel= and echoing', async () => {
    const t = await startProxy({ routes: ['* test'] });
    const client = await open(wsUrl(t.url, '/ws?channel=tc'));
    client.ws.send('echo me');
    expect((await client.next()).text).toBe('echo me');
    await subscribed(t, 'tc');
    await publish(t.publishUrl, [{ channel: 'tc', formats: { 'ws-message': { content: 'to test' } } }]);
    expect((await client.next()).text).toBe('to test');
    client.ws.close();
    await client.closed;
    await t.close();
  });

  it('does not negotiate permessage-deflate unless allow_compression', async () => {
    const client = await open(url('/grip/deflate'), undefined, { perMessageDeflate: true });
    expect(client.ws.extensions).toBe('');
    client.ws.close();
    await client.closed;
    const compressing = await startProxy({ routes: [`* 127.0.0.1:${backend.port}`], config: { allowCompression: true } });
    const c2 = await open(wsUrl(compressing.url, '/grip/deflate'), undefined, { perMessageDeflate: true });
    expect(c2.ws.extensions).toContain('permessage-deflate');
    c2.ws.send('echo:compressed');
    expect((await c2.next()).text).toBe('compressed');
    c2.ws.close();
    await c2.closed;
    await compressing.close();
  });
});

