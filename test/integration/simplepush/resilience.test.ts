import { startProxy, type RunningProxy } from '../../helpers/harness';
import { freePort, type Child } from '../../helpers/processes';
import { Device, note, put, startRedis, startSimplePush, startStack, type RedisServer } from './simplepush-helpers';

/**
 * The backend keeps nothing: Redis holds the state and Thumbtack the connections (with their meta), so
 * backend processes can be added, restarted, or fail to publish without losing an update.
 */
describe('SimplePush through Thumbtack: several backends, restarts, failed publishes', () => {
  let redis: RedisServer;
  let proxy: RunningProxy;
  const children: Child[] = [];

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterEach(async () => {
    await Promise.all(children.splice(0).map((c) => c.stop()));
    await proxy?.close();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('two backend processes share Redis: register on one, PUT through the other, hello on either', async () => {
    const portA = await freePort();
    const portB = await freePort();
    // /b/... goes to backend B (seen as /...); everything else, endpoints included, to backend A.
    proxy = await startProxy({ routes: [`*,path_beg=/b/,replace_beg=/ 127.0.0.1:${portB},over_http`, `* 127.0.0.1:${portA},over_http`] });
    const a = await startSimplePush(proxy, redis, { port: portA, env: { LOG_LEVEL: 'debug' } });
    const b = await startSimplePush(proxy, redis, { port: portB, env: { LOG_LEVEL: 'debug' } });
    children.push(a.child, b.child);

    const onB = await Device.open(proxy, '/b/');
    await onB.hello('');
    const ch = await onB.register();
    expect(ch.endpoint.startsWith(`${proxy.url}/update/`)).toBe(true);
    expect(b.child.output()).toContain(`debug register cid=`);
    expect(a.child.output()).not.toContain('debug register');

    // The PUT is served by A, which publishes to the device held for B's connection.
    expect((await put(ch.endpoint, 'version=11')).status).toBe(200);
    expect(await onB.next()).toEqual(note(ch.channelID, 11));
    expect(a.child.output()).toContain(`debug update uaid="${onB.uaid}"`);
    expect(b.child.output()).not.toContain('debug update');
    await onB.close(); // not acked

    // The same device reconnects through A: A knows it (uaid kept) and re-sends the unacked update.
    const onA = await Device.open(proxy, '/');
    onA.uaid = onB.uaid;
    expect((await onA.hello()).uaid).toBe(onB.uaid);
    expect(await onA.next()).toEqual(note(ch.channelID, 11));
    onA.send({ messageType: 'ack', updates: [{ channelID: ch.channelID, version: 11 }] });
    await onA.ping();
    // ... and unregistering through A makes the endpoint B handed out answer 404.
    onA.send({ messageType: 'unregister', channelID: ch.channelID });
    expect(await onA.next()).toMatchObject({ messageType: 'unregister', status: 200 });
    expect((await put(ch.endpoint, 'version=12')).status).toBe(404);
    await onA.close();
  });

  it('with two backends as a fail-over pool, losing one loses no update', async () => {
    const portA = await freePort();
    const portB = await freePort();
    proxy = await startProxy({ routes: [`* 127.0.0.1:${portA},over_http 127.0.0.1:${portB},over_http`] });
    const a = await startSimplePush(proxy, redis, { port: portA });
    const b = await startSimplePush(proxy, redis, { port: portB });
    children.push(a.child, b.child);

    const device = await Device.open(proxy);
    await device.hello('');
    const ch = await device.register(); // all through A, the first target
    await a.child.stop(); // A goes away for good
    // Endpoint PUTs fail over to B; the device's connection is Thumbtack's, so B's publish still reaches it.
    expect((await put(ch.endpoint, 'version=41')).status).toBe(200);
    expect(await device.next()).toEqual(note(ch.channelID, 41));
    // A device reconnecting is opened by B, which knows it from Redis and re-sends what is not acked.
    const again = await Device.open(proxy);
    again.uaid = device.uaid;
    expect((await again.hello()).uaid).toBe(device.uaid);
    expect(await again.next()).toEqual(note(ch.channelID, 41));
    expect(b.child.output()).not.toMatch(/ error /);
    device.client.ws.terminate(); // its own messages would wait for A (retried for about 30 s)
    await again.close();
  }, 30000);

  it('a backend restart loses nothing: connected devices stay, offline updates wait, a message sent meanwhile is answered', async () => {
    const stack = await startStack();
    proxy = stack.proxy;
    try {
      const online = await Device.open(stack.proxy);
      await online.hello('');
      const onlineCh = await online.register();
      const offline = await Device.open(stack.proxy);
      await offline.hello('');
      const offlineCh = await offline.register();
      await offline.close();
      expect((await put(offlineCh.endpoint, 'version=21')).status).toBe(200);

      await stack.backend.stop();
      // While it is down the device's message waits in Thumbtack (retried with backoff: 1 s, 2 s, ...),
      // and an application server's PUT fails visibly (it retries; nothing was stored).
      online.send({});
      expect((await put(onlineCh.endpoint, 'version=99')).status).toBe(502);
      const restarted = await startSimplePush(stack.proxy, stack.redis, { port: stack.backendPort });
      children.push(restarted.child);
      expect(await online.next(10000)).toEqual({});

      // The connection's device (kept by Thumbtack as meta) is still known to the new process.
      expect((await put(onlineCh.endpoint, 'version=22')).status).toBe(200);
      expect(await online.next()).toEqual(note(onlineCh.channelID, 22));
      const again = await online.register(onlineCh.channelID);
      expect(again.endpoint).toBe(onlineCh.endpoint);

      const back = await Device.open(stack.proxy);
      back.uaid = offline.uaid;
      await back.hello();
      expect(await back.next()).toEqual(note(offlineCh.channelID, 21));
      await Promise.all([online.close(), back.close()]);
    } finally {
      await stack.backend.stop();
      await stack.redis.stop();
    }
  }, 30000);

  it('an update whose publish fails is stored (202) and reaches the connected device on its next message', async () => {
    const port = await freePort();
    const deadPublish = await freePort();
    proxy = await startProxy({ routes: [`* 127.0.0.1:${port},over_http`] });
    const backend = await startSimplePush(proxy, redis, { port, env: { GRIP_URL: `http://127.0.0.1:${deadPublish}/?key=changeme` } });
    children.push(backend.child);

    const device = await Device.open(proxy);
    await device.hello('');
    const ch = await device.register();
    const res = await put(ch.endpoint, 'version=31');
    expect(res.status).toBe(202);
    await expect(backend.child.waitForOutput(/warn endpoint: publish failed; update stored/, 2000)).resolves.toBeTruthy();
    await device.client.quiet(200);
    // Any request of the connection syncs it: the ping's answer, then the stored update.
    expect(await device.ping()).toEqual([]);
    expect(await device.next()).toEqual(note(ch.channelID, 31));
    device.send({ messageType: 'ack', updates: [{ channelID: ch.channelID, version: 31 }] });
    expect(await device.ping()).toEqual([]);
    await device.close();
  });

  it('when Redis fails, devices get status 500/503 and stay connected, and PUTs get 500', async () => {
    const stack = await startStack();
    proxy = stack.proxy;
    try {
      const device = await Device.open(stack.proxy);
      await device.hello('');
      const ch = await device.register();
      const other = await Device.open(stack.proxy);
      await stack.redis.stop();
      device.send({ messageType: 'register', channelID: ch.channelID });
      other.send({ messageType: 'hello', uaid: '' });
      const [registered, helloed, putStatus] = await Promise.all([device.next(), other.next(), put(ch.endpoint, 'version=1').then((r) => r.status)]);
      expect(registered).toEqual({ messageType: 'register', channelID: ch.channelID, status: 500, error: 'Internal server error' });
      expect(helloed).toEqual({ messageType: 'hello', status: 503, error: 'Service Unavailable' });
      expect(putStatus).toBe(500);
      expect(await device.ping()).toEqual([]); // still connected (the sync after the ping fails, logged)
      expect(stack.backend.output()).toMatch(/error register failed/);
      expect(stack.backend.output()).toMatch(/error hello failed/);
      await Promise.all([device.close(), other.close()]);
    } finally {
      await stack.backend.stop();
    }
  }, 30000);
});
