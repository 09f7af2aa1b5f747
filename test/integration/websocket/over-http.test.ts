import type net from 'node:net';
import * as zmq from 'zeromq';
import { decodeTnetstring, encodeTnetstring } from '../../../src/core/tnetstring';
import { verifyGripSig } from '../../../src/grip/grip-sig';
import { publish, request, startProxy, until, type RunningProxy } from '../../helpers/harness';
import { connect, open, openSubscribed, scripted, startWohBackend, wsUrl, type WohBackendServer, type WohRequest } from './ws-helpers';

/** WebSocket-over-HTTP (`over_http` targets) with real `ws` clients and a scripted backend on loopback. */
describe('WebSocket-over-HTTP', () => {
  let backend: WohBackendServer;
  let proxy: RunningProxy;

  beforeAll(async () => {
    backend = await startWohBackend(scripted);
    proxy = await startProxy({
      routes: [
        `*,path_beg=/ws/ 127.0.0.1:${backend.port},over_http`,
        `*,path_beg=/pre/,prefix=p- 127.0.0.1:${backend.port},over_http`,
        `*,path_beg=/one/ 127.0.0.1:${backend.port},over_http,one_event`,
      ],
    });
  });
  afterAll(async () => {
    await proxy.close();
    await backend.close();
  });

  const url = (path: string): string => wsUrl(proxy.url, path);
  const cidOf = async (from: number): Promise<string> => (await backend.waitFor((r) => r.events[0]?.[0] === 'OPEN', 5000, from)).cid;

  it('opens with a lone OPEN carrying the client headers, Connection-Id, Grip-Sig and the grip offer', async () => {
    const from = backend.requests.length;
    const client = await open(url('/ws/chat?x=1'), undefined, { headers: { 'Meta-User': 'forged', 'X-Client': 'yes', 'Connection-Id': 'mine' } });
    const openReq = await backend.waitFor((r) => r.events[0]?.[0] === 'OPEN', 5000, from);
    expect(openReq.events).toEqual([['OPEN', undefined]]);
    expect(openReq.url).toBe('/ws/chat?x=1');
    const h = openReq.headers;
    expect(h['x-client']).toBe('yes');
    expect(h['meta-user']).toBeUndefined();
    expect(h['connection-id']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(h['accept']).toBe('application/websocket-events');
    expect(h['content-type']).toBe('application/websocket-events');
    expect(h['sec-websocket-extensions']).toBe('grip');
    expect(h['sec-websocket-key']).toBeDefined();
    expect(h['upgrade']).toBeUndefined();
    expect(h['grip-feature']).toContain('filter:skip-self');
    const ok = await verifyGripSig(String(h['grip-sig']), { kind: 'hmac', secret: Buffer.from(proxy.config.sigKey) });
    expect(ok).toBe(true);
    // The OPEN reply's headers reach the 101, minus the private ones.
    expect(client.upgradeHeaders()['x-backend']).toBe('scripted');
    expect(client.upgradeHeaders()['sec-websocket-extensions']).toBeUndefined();
    expect(client.upgradeHeaders()['content-type']).toBeUndefined();
    client.ws.close();
    await client.closed;
  });

  it('relays text and binary both ways, with the message prefix removed', async () => {
    const client = await open(url('/ws/a'));
    client.ws.send('echo:hello');
    const m1 = await client.next();
    expect([m1.text, m1.binary]).toEqual(['hello', false]);
    client.ws.send(Buffer.from([0, 1, 2, 255]));
    const m2 = await client.next();
    expect(m2.binary).toBe(true);
    expect([...m2.data]).toEqual([0, 1, 2, 255]);
    // GRIP mode: a message without the prefix is dropped, a bad control message is ignored.
    client.ws.send('raw:no prefix here');
    client.ws.send('ctl:{"type":"nope"}');
    client.ws.send('echo:after');
    expect((await client.next()).text).toBe('after');
    client.ws.close();
    await client.closed;
  });

  it('keeps one request in flight per connection and batches what arrives meanwhile', async () => {
    const from = backend.requests.length;
    const client = await open(url('/ws/batch'));
    const cid = await cidOf(from);
    client.ws.send('slow:300');
    await backend.waitFor((r) => r.cid === cid && r.events[0]?.[1] === 'slow:300', 5000, from);
    client.ws.send('echo:1');
    client.ws.send('echo:2');
    client.ws.send('echo:3');
    expect((await client.next()).text).toBe('1');
    expect((await client.next()).text).toBe('2');
    expect((await client.next()).text).toBe('3');
    const batch = backend.of(cid).find((r) => r.events.some(([, c]) => c === 'echo:1'));
    expect(batch?.events).toEqual([
      ['TEXT', 'echo:1'],
      ['TEXT', 'echo:2'],
      ['TEXT', 'echo:3'],
    ]);
    client.ws.close();
    await client.closed;
  });

  it('one_event: every request carries a single event', async () => {
    const from = backend.requests.length;
    const client = await open(url('/one/x'));
    const cid = await cidOf(from);
    client.ws.send('slow:200');
    await backend.waitFor((r) => r.cid === cid && r.events[0]?.[1] === 'slow:200', 5000, from);
    client.ws.send('echo:1');
    client.ws.send('echo:2');
    expect((await client.next()).text).toBe('1');
    expect((await client.next()).text).toBe('2');
    const texts = backend.of(cid).filter((r) => r.events.some(([, c]) => c?.startsWith('echo:')));
    expect(texts.map((r) => r.events)).toEqual([[['TEXT', 'echo:1']], [['TEXT', 'echo:2']]]);
    client.ws.close();
    await client.closed;
  });

  it("forwards the client's headers on every later request, not only on OPEN", async () => {
    const from = backend.requests.length;
    const client = await open(url('/ws/headers'), undefined, { headers: { 'X-Client': 'yes', 'X-Second': 'two' } });
    const cid = await cidOf(from);
    client.ws.send('echo:later');
    expect((await client.next()).text).toBe('later');
    const later = backend.of(cid).find((r) => r.events[0]?.[1] === 'echo:later') as WohRequest;
    expect([later.headers['x-client'], later.headers['x-second'], later.headers['connection-id']]).toEqual(['yes', 'two', cid]);
    expect(later.headers['sec-websocket-key']).toBeDefined();
    client.ws.close();
    await client.closed;
  });

  it("leaves the client socket to ws: no handshake error listener, ws's end listener alone, no cached peer", async () => {
    const client = await openSubscribed(url('/ws/socket'), 'socket-check');
    const [session] = [...(proxy.thumbtack.worker.hold.index.get('socket-check') ?? [])];
    const socket = (session as unknown as { ws: { _socket: net.Socket } }).ws._socket;
    const events = (socket as net.Socket & { _events: Record<string, unknown> })._events;
    expect(socket.listeners('error').map((f) => f.name)).not.toContain('ignoreSocketError');
    expect(socket.listeners('end').map((f) => f.name)).toEqual(['socketOnEnd']);
    // EventEmitter keeps a lone listener as the function itself; two or more take an array.
    expect(typeof events.end).toBe('function');
    expect((socket as net.Socket & { _peername?: unknown })._peername).toBeUndefined();
    // The socket still works both ways, and still closes.
    await publish(proxy.publishUrl, [{ channel: 'socket-check', formats: { 'ws-message': { content: 'still here' } } }]);
    expect((await client.next()).text).toBe('still here');
    client.ws.close();
    await client.closed;
    await until(() => socket.destroyed, 5000, 'the server side of the socket to close');
  });

  it('compresses published messages on a compressed connection, in their order', async () => {
    const compressing = await startProxy({ routes: [`* 127.0.0.1:${backend.port},over_http`], config: { allowCompression: true } });
    try {
      const client = await openSubscribed(wsUrl(compressing.url, '/ws/deflate'), 'deflate-order', { perMessageDeflate: true });
      expect(client.ws.extensions).toContain('permessage-deflate');
      const socket = (client.ws as unknown as { _socket: net.Socket })._socket;
      const before = socket.bytesRead;
      const big = 'a'.repeat(100_000);
      // One publish request: the big item is compressed on zlib's thread while the small one comes next.
      await publish(compressing.publishUrl, [
        { channel: 'deflate-order', formats: { 'ws-message': { content: big } } },
        { channel: 'deflate-order', formats: { 'ws-message': { content: 'small' } } },
      ]);
      expect((await client.next()).text).toBe(big);
      expect((await client.next()).text).toBe('small');
      // 100,000 bytes of one letter deflate to a few hundred: the messages went through ws's compression.
      expect(socket.bytesRead - before).toBeLessThan(5_000);
      client.ws.close();
      await client.closed;
    } finally {
      await compressing.close();
    }
  });

  it('sends Set-Meta-* values back as Meta-* on every later request', async () => {
    const from = backend.requests.length;
    const client = await open(url('/ws/meta'));
    const cid = await cidOf(from);
    client.ws.send('meta:User:alice');
    expect((await client.next()).text).toBe('meta set');
    client.ws.send('echo:x');
    await client.next();
    const later = backend.of(cid).find((r) => r.events[0]?.[1] === 'echo:x') as WohRequest;
    expect(later.headers['meta-user']).toBe('alice');
    client.ws.send('meta:User:');
    await client.next();
    client.ws.send('echo:y');
    await client.next();
    expect((backend.of(cid).find((r) => r.events[0]?.[1] === 'echo:y') as WohRequest).headers['meta-user']).toBeUndefined();
    client.ws.close();
    await client.closed;
  });

  it('subscribes on a control message, delivers publishes, and stops after unsubscribe', async () => {
    const client = await openSubscribed(url('/ws/sub'), 'room1');
    await publish(proxy.publishUrl, [{ channel: 'room1', formats: { 'ws-message': { content: 'published text' } } }]);
    expect((await client.next()).text).toBe('published text');
    await publish(proxy.publishUrl, [{ channel: 'room1', formats: { 'ws-message': { 'content-bin': 'AAEC' } } }]);
    const bin = await client.next();
    expect([bin.binary, [...bin.data]]).toEqual([true, [0, 1, 2]]);
    client.ws.send('unsub:room1');
    client.ws.send('echo:unsubscribed');
    expect((await client.next()).text).toBe('unsubscribed');
    await publish(proxy.publishUrl, [{ channel: 'room1', formats: { 'ws-message': { content: 'not for you' } } }]);
    await client.quiet(200);
    client.ws.close();
    await client.closed;
  });

  it('runs subscription filters with the meta of set-meta (skip-self)', async () => {
    const client = await open(url('/ws/filters'));
    client.ws.send('ctl:{"type":"subscribe","channel":"room-7","filters":["skip-self"]}');
    client.ws.send('ctl:{"type":"set-meta","name":"user","value":"carol"}');
    client.ws.send('echo:ready');
    await client.next();
    await publish(proxy.publishUrl, [{ channel: 'room-7', meta: { sender: 'carol' }, formats: { 'ws-message': { content: 'mine' } } }]);
    await publish(proxy.publishUrl, [{ channel: 'room-7', meta: { sender: 'dave' }, formats: { 'ws-message': { content: 'theirs' } } }]);
    expect((await client.next()).text).toBe('theirs');
    client.ws.send('ctl:{"type":"set-meta","name":"user"}');
    client.ws.send('echo:unset');
    await client.next();
    await publish(proxy.publishUrl, [{ channel: 'room-7', meta: { sender: 'carol' }, formats: { 'ws-message': { content: 'now mine too' } } }]);
    expect((await client.next()).text).toBe('now mine too');
    client.ws.close();
    await client.closed;
  });

  it('applies the route prefix to subscriptions', async () => {
    const client = await open(url('/pre/x'));
    client.ws.send('sub:room');
    client.ws.send('echo:ok');
    await client.next();
    await publish(proxy.publishUrl, [{ channel: 'room', formats: { 'ws-message': { content: 'unprefixed' } } }]);
    await publish(proxy.publishUrl, [{ channel: 'p-room', formats: { 'ws-message': { content: 'prefixed' } } }]);
    expect((await client.next()).text).toBe('prefixed');
    client.ws.close();
    await client.closed;
  });

  it('closes the client with the code and reason of a backend CLOSE, then sends the client code back', async () => {
    const from = backend.requests.length;
    const client = await open(url('/ws/bclose'));
    const cid = await cidOf(from);
    client.ws.send('close:4001:backend bye');
    expect(await client.closed).toEqual({ code: 4001, reason: 'backend bye' });
    const last = await backend.waitFor((r) => r.cid === cid && r.events[0]?.[0] === 'CLOSE', 5000, from);
    expect(last.events).toEqual([['CLOSE', '\x0f\xa1backend bye']]);
  });

  it('a client close reaches the backend as CLOSE with code and reason', async () => {
    const from = backend.requests.length;
    const client = await open(url('/ws/cclose'));
    const cid = await cidOf(from);
    client.ws.close(4002, 'client bye');
    expect((await client.closed).code).toBe(4002);
    const req = await backend.waitFor((r) => r.cid === cid && r.events[0]?.[0] === 'CLOSE', 5000, from);
    expect(req.events).toEqual([['CLOSE', '\x0f\xa2client bye']]);
  });

  it('a client that vanishes produces a lone DISCONNECT', async () => {
    const from = backend.requests.length;
    const client = await open(url('/ws/gone'));
    const cid = await cidOf(from);
    client.ws.terminate();
    const req = await backend.waitFor((r) => r.cid === cid && r.events[0]?.[0] === 'DISCONNECT', 5000, from);
    expect(req.events).toEqual([['DISCONNECT', undefined]]);
  });

  it('closes on a published close with code and reason (1000 without), and tells the backend with a bare CLOSE', async () => {
    const from = backend.requests.length;
    const client = await open(url('/ws/pclose'));
    const cid = await cidOf(from);
    client.ws.send('sub:pc');
    client.ws.send('echo:ready');
    await client.next();
    await publish(proxy.publishUrl, [{ channel: 'pc', formats: { 'ws-message': { action: 'close', code: 4009, reason: 'bye now' } } }]);
    expect(await client.closed).toEqual({ code: 4009, reason: 'bye now' });
    const req = await backend.waitFor((r) => r.cid === cid && r.events[0]?.[0] === 'CLOSE', 5000, from);
    expect(req.events).toEqual([['CLOSE', undefined]]);

    const other = await open(url('/ws/pclose2'));
    other.ws.send('sub:pc2');
    other.ws.send('echo:ready');
    await other.next();
    await publish(proxy.publishUrl, [{ channel: 'pc2', formats: { 'ws-message': { action: 'close' } } }]);
    expect((await other.closed).code).toBe(1000);
  });

  it('selects the subprotocol the backend chose', async () => {
    const from = backend.requests.length;
    const client = await open(url('/ws/proto'), ['chat', 'superchat']);
    expect(client.ws.protocol).toBe('chat');
    const req = await backend.waitFor((r) => r.events[0]?.[0] === 'OPEN', 5000, from);
    expect(req.headers['sec-websocket-protocol']).toBe('chat,superchat');
    client.ws.close();
    await client.closed;
  });

  it('detach: a bare CLOSE goes to the backend, client messages are dropped, publishes still arrive', async () => {
    const from = backend.requests.length;
    const client = await open(url('/ws/detach'));
    const cid = await cidOf(from);
    client.ws.send('sub:det');
    client.ws.send('detach');
    const closeReq = await backend.waitFor((r) => r.cid === cid && r.events[0]?.[0] === 'CLOSE', 5000, from);
    expect(closeReq.events).toEqual([['CLOSE', undefined]]);
    const count = backend.of(cid).length;
    client.ws.send('echo:dropped');
    await publish(proxy.publishUrl, [{ channel: 'det', formats: { 'ws-message': { content: 'still here' } } }]);
    expect((await client.next()).text).toBe('still here');
    expect(backend.of(cid).length).toBe(count);
    client.ws.close();
    await client.closed;
  });

  it('keep-alive and send-delayed control messages', async () => {
    const client = await open(url('/ws/ka'));
    // timeout 2: each keep-alive comes 1001-2000 ms after the last thing sent (Pushpin's jitter).
    const started = Date.now();
    client.ws.send('ctl:{"type":"keep-alive","content":"kaping","timeout":2}');
    expect((await client.next(3000)).text).toBe('kaping');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect((await client.next(3000)).text).toBe('kaping');
    client.ws.send('ctl:{"type":"keep-alive"}');
    client.ws.send('ctl:{"type":"send-delayed","content":"later","timeout":1}');
    client.ws.send('echo:now');
    // A keep-alive may have been on its way before it was turned off.
    let first = await client.next();
    if (first.text === 'kaping') first = await client.next();
    expect(first.text).toBe('now');
    const t0 = Date.now();
    expect((await client.next(3000)).text).toBe('later');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(500);
    client.ws.send('ctl:{"type":"send-delayed","content":"flushed","timeout":30}');
    client.ws.send('ctl:{"type":"flush-delayed"}');
    expect((await client.next(2000)).text).toBe('flushed');
    client.ws.close();
    await client.closed;
  });

  it('refreshes a connection by id and by channel, and on a refresh publish', async () => {
    const from = backend.requests.length;
    const client = await open(url('/ws/refresh'));
    const cid = await cidOf(from);
    client.ws.send('sub:rf');
    client.ws.send('echo:ready');
    await client.next();
    const gateway = proxy.thumbtack.worker.websockets;
    const emptyPosts = (): number => backend.of(cid).filter((r) => r.events.length === 0).length;
    expect(gateway.refreshConnection(cid)).toBe(true);
    await until(() => emptyPosts() === 1, 3000, 'a refresh request');
    expect(gateway.refreshChannel('rf')).toBe(1);
    await until(() => emptyPosts() === 2, 3000, 'a channel refresh');
    await publish(proxy.publishUrl, [{ channel: 'rf', formats: { 'ws-message': { action: 'refresh' } } }]);
    await until(() => emptyPosts() === 3, 3000, 'a refresh publish');
    expect(gateway.refreshConnection('no-such-id')).toBe(false);
    // The command socket's `refresh` reaches the same session (by cid and by channel); unknown cid → item-not-found.
    const req = new zmq.Request({ linger: 0, receiveTimeout: 5000 });
    req.connect(proxy.thumbtack.zmq.endpoints().command as string);
    const call = async (args: Record<string, string>): Promise<Record<string, unknown>> => {
      await req.send(encodeTnetstring({ id: 'r', method: 'refresh', args }));
      const [frame] = await req.receive();
      const decoded = decodeTnetstring(frame as Buffer);
      if (!decoded.ok) throw decoded.error;
      return decoded.value as Record<string, unknown>;
    };
    expect((await call({ cid })).success).toBe(true);
    await until(() => emptyPosts() === 4, 3000, 'a command-socket refresh');
    expect((await call({ channel: 'rf' })).success).toBe(true);
    await until(() => emptyPosts() === 5, 3000, 'a command-socket channel refresh');
    const unknown = await call({ cid: 'no-such-id' });
    expect(unknown.success).toBe(false);
    expect(String(unknown.condition)).toBe('item-not-found');
    req.close();
    expect(gateway.isConnected(cid)).toBe(true);
    client.ws.close();
    await client.closed;
    await until(() => !gateway.isConnected(cid), 3000, 'the connection to be gone');
  });

  it('refuses a client that sends WebSocket events itself to an over_http route', async () => {
    const res = await request(`${proxy.url}/ws/forged`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/websocket-events', 'Connection-Id': 'x' },
      body: 'OPEN\r\n',
    });
    expect(res.status).toBe(403);
    expect(res.text).toBe('Client not allowed to send WebSocket events directly.\n');
  });
});

describe('WebSocket-over-HTTP backend answers', () => {
  let backend: WohBackendServer;
  let proxy: RunningProxy;
  let mode = '';

  beforeAll(async () => {
    backend = await startWohBackend((req) => {
      const isOpen = req.events[0]?.[0] === 'OPEN';
      if (isOpen && mode === 'reject') return { status: 403, headers: { 'Content-Type': 'text/plain', 'X-Why': 'nope' }, body: 'go away\n' };
      if (isOpen && mode === 'charset') return { headers: { 'Content-Type': 'application/websocket-events; charset=utf-8' }, events: [{ type: 'OPEN' }] };
      if (isOpen && mode === 'empty') return { events: [] };
      if (isOpen && mode === 'keepalive') return { headers: { 'Keep-Alive-Interval': '1' }, events: [] };
      if (isOpen && mode === 'not-open') return { events: [{ type: 'TEXT', content: 'hi' }] };
      if (!isOpen && mode === 'later-charset') return { headers: { 'Content-Type': 'application/websocket-events; charset=utf-8' }, events: [] };
      if (!isOpen && mode === 'later-500') return { status: 500, headers: { 'Content-Type': 'text/plain' }, body: 'oops' };
      return scripted(req);
    });
    proxy = await startProxy({ routes: [`* 127.0.0.1:${backend.port},over_http`] });
    proxy.thumbtack.worker.websockets.limits.minKeepAliveIntervalSec = 1;
  });
  afterAll(async () => {
    await proxy.close();
    await backend.close();
  });

  /** The raw HTTP answer a client gets instead of a 101. */
  function rejected(path: string): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
    return new Promise((resolve, reject) => {
      const c = connect(wsUrl(proxy.url, path));
      c.ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      c.ws.once('open', () => reject(new Error('unexpectedly opened')));
    });
  }

  it('relays a rejection of OPEN to the client as it is', async () => {
    mode = 'reject';
    const r = await rejected('/r');
    expect(r.status).toBe(403);
    expect(r.headers['x-why']).toBe('nope');
    expect(r.body).toBe('go away\n');
  });

  it('treats a content type with parameters as a rejection', async () => {
    mode = 'charset';
    const r = await rejected('/c');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/websocket-events; charset=utf-8');
  });

  it('answers 502 to an empty OPEN reply without keep-alive, and to one not starting with OPEN', async () => {
    mode = 'empty';
    expect((await rejected('/e')).status).toBe(502);
    mode = 'not-open';
    const r = await rejected('/n');
    expect(r.status).toBe(502);
    expect(r.body).toBe('Error while proxying to origin.\n');
  });

  it('accepts an empty OPEN reply that sets Keep-Alive-Interval, then sends empty keep-alive requests', async () => {
    mode = 'keepalive';
    const from = backend.requests.length;
    const client = await open(wsUrl(proxy.url, '/ka'));
    const cid = (await backend.waitFor((r) => r.events[0]?.[0] === 'OPEN', 5000, from)).cid;
    mode = '';
    const t0 = Date.now();
    await backend.waitFor((r) => r.cid === cid && r.events.length === 0, 3000, from);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(800);
    client.ws.close();
    await client.closed;
  });

  it('a malformed events body closes that client with 1011 and leaves the others alone', async () => {
    mode = '';
    const victim = await open(wsUrl(proxy.url, '/v'));
    const bystander = await open(wsUrl(proxy.url, '/b'));
    victim.ws.send('bad');
    expect((await victim.closed).code).toBe(1011);
    bystander.ws.send('echo:still fine');
    expect((await bystander.next()).text).toBe('still fine');
    bystander.ws.close();
    await bystander.closed;
  });

  it('a later reply with a wrong content type or status closes the client', async () => {
    for (const bad of ['later-charset', 'later-500']) {
      mode = '';
      const client = await open(wsUrl(proxy.url, '/w'));
      mode = bad;
      client.ws.send('echo:x');
      expect((await client.closed).code).toBe(1011);
    }
    mode = '';
  });
});

describe('WebSocket-over-HTTP retries', () => {
  it('retries a request that cannot reach the backend (1 s, then doubling)', async () => {
    let backend = await startWohBackend(scripted);
    const port = backend.port;
    const proxy = await startProxy({ routes: [`* 127.0.0.1:${port},over_http`] });
    try {
      const client = await open(wsUrl(proxy.url, '/retry'));
      client.ws.send('echo:before');
      expect((await client.next()).text).toBe('before');
      await backend.close();
      const sent = Date.now();
      client.ws.send('echo:after the outage');
      await new Promise((r) => setTimeout(r, 300));
      backend = await startWohBackend(scripted, port);
      expect((await client.next(6000)).text).toBe('after the outage');
      expect(Date.now() - sent).toBeGreaterThanOrEqual(1000);
      client.ws.close();
      await client.closed;
    } finally {
      await proxy.close();
      await backend.close();
    }
  });
});
