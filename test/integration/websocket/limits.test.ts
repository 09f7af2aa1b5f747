import type { PublishItem } from '../../../src/publish/item-types';
import { startProxy, subscribed, until, type RunningProxy } from '../../helpers/harness';
import { open, scripted, startWohBackend, wsUrl, type WohBackendServer, type WohRequest } from './ws-helpers';

/** Liveness pings, message size, slow readers and shutdown, through the worker's timer wheel. */
describe('WebSocket limits and liveness', () => {
  let backend: WohBackendServer;

  beforeAll(async () => {
    backend = await startWohBackend(scripted);
  });
  afterAll(async () => {
    await backend.close();
  });

  async function proxyWith(setup: (p: RunningProxy) => void, maxQueuedBytes?: number): Promise<RunningProxy> {
    const proxy = await startProxy({ routes: [`* 127.0.0.1:${backend.port},over_http`], maxQueuedBytes });
    setup(proxy);
    return proxy;
  }

  it('drops a client that stops answering pings, keeps one that answers, relays no liveness pong', async () => {
    const proxy = await proxyWith((p) => (p.thumbtack.worker.websockets.limits.pingIntervalMs = 250));
    try {
      const from = backend.requests.length;
      const alive = await open(wsUrl(proxy.url, '/alive'));
      const dead = await open(wsUrl(proxy.url, '/dead'), undefined, { autoPong: false });
      let pings = 0;
      dead.ws.on('ping', () => pings++);
      const closed = await dead.closed;
      expect(closed.code).toBe(1006);
      expect(pings).toBeGreaterThanOrEqual(1);
      // The answering client is still there and works.
      alive.ws.send('echo:still alive');
      expect((await alive.next()).text).toBe('still alive');
      expect(backend.requests.slice(from).some((r) => r.events.some(([t]) => t === 'PONG'))).toBe(false);
      alive.ws.close();
      await alive.closed;
    } finally {
      await proxy.close();
    }
  });

  it('closes a client that sends a message over the size limit with 1009', async () => {
    const proxy = await proxyWith((p) => (p.thumbtack.worker.websockets.limits.maxMessageBytes = 1000));
    try {
      const client = await open(wsUrl(proxy.url, '/big'));
      client.ws.send('echo:' + 'x'.repeat(900));
      expect((await client.next()).text).toHaveLength(900);
      client.ws.send('x'.repeat(2000));
      expect((await client.closed).code).toBe(1009);
    } finally {
      await proxy.close();
    }
  });

  it('closes a client that stops reading once its buffered data passes the bound', async () => {
    const proxy = await proxyWith(() => undefined, 256 * 1024);
    try {
      const client = await open(wsUrl(proxy.url, '/slow'));
      client.ws.send('sub:firehose');
      client.ws.send('echo:ready');
      await client.next();
      await subscribed(proxy, 'firehose');
      client.ws.pause();
      const counters = proxy.thumbtack.worker.hold.counters;
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      const item: PublishItem = { channel: 'firehose', meta: {}, noSeq: true, formats: { 'ws-message': { action: 'send', type: 'binary', content: chunk } } };
      for (let i = 0; i < 400 && counters.closedSlow === 0; i++) {
        proxy.thumbtack.publish([item]);
        await new Promise((r) => setImmediate(r));
      }
      expect(counters.closedSlow).toBe(1);
      await until(() => proxy.thumbtack.worker.websockets.connectionCount === 0, 3000, 'the slow session to be gone');
      expect(counters.held.websocket).toBe(0);
      client.ws.resume();
      expect((await client.closed).code).toBe(1006);
    } finally {
      await proxy.close();
    }
  });

  it.each([
    ['vanish (no close frame)', 'DISCONNECT'],
    ['close cleanly', 'CLOSE'],
  ])('paces the backend requests of clients that %s together, and sends every one (%s)', async (how, event) => {
    // A backend that takes 30 ms over each request of a leaving client, so those in flight can be counted.
    let inFlight = 0;
    let most = 0;
    const slowFarewells = await startWohBackend((req) => {
      if (req.events[0]?.[0] !== event) return scripted(req);
      inFlight++;
      most = Math.max(most, inFlight);
      setTimeout(() => inFlight--, 30);
      return { events: event === 'CLOSE' ? [{ type: 'CLOSE' }] : [], delayMs: 30 };
    });
    const proxy = await startProxy({ routes: [`* 127.0.0.1:${slowFarewells.port},over_http`] });
    try {
      proxy.thumbtack.worker.websockets.limits.disconnectConcurrency = 4;
      const clients = await Promise.all(Array.from({ length: 40 }, (_, i) => open(wsUrl(proxy.url, `/leave/${i}`))));
      const cids = new Set(slowFarewells.requests.filter((r) => r.events[0]?.[0] === 'OPEN').map((r) => r.cid));
      expect(cids.size).toBe(40);
      const connectionsBefore = slowFarewells.connections;
      for (const c of clients) {
        if (how === 'close cleanly') c.ws.close(1000, 'bye');
        else c.ws.terminate(); // no close handshake: each session sends DISCONNECT
      }
      const farewells = (): WohRequest[] => slowFarewells.requests.filter((r) => r.events[0]?.[0] === event);
      await until(() => farewells().length === 40, 5000, `a ${event} for every client`);
      expect(new Set(farewells().map((r) => r.cid))).toEqual(cids);
      expect(most).toBeLessThanOrEqual(4);
      expect(slowFarewells.connections - connectionsBefore).toBeLessThanOrEqual(4);
      await until(() => proxy.thumbtack.worker.websockets.connectionCount === 0, 5000, 'every session to end');
    } finally {
      await proxy.close();
      await slowFarewells.close();
    }
  });

  it('closes clients with 1001 at shutdown', async () => {
    const proxy = await proxyWith(() => undefined);
    const client = await open(wsUrl(proxy.url, '/bye'));
    const closing = proxy.close();
    expect((await client.closed).code).toBe(1001);
    await closing;
  });
});
