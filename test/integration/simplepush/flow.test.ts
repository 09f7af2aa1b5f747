import { randomUUID } from 'node:crypto';
import { Device, note, put, startStack, type Stack } from './simplepush-helpers';

/**
 * The SimplePush example (examples/simplepush/server.mjs) end to end: real Redis, the backend as a child
 * process speaking WebSocket-over-HTTP, Thumbtack in-process holding the devices' WebSockets, real `ws`
 * clients as devices and plain HTTP PUTs as application servers.
 */
describe('SimplePush through Thumbtack: the protocol', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('runs the module test flow: hello, register, PUT, notification, ack, unregister, close', async () => {
    const device = await Device.open(stack.proxy);
    expect(device.client.ws.protocol).toBe('push-notification');
    // hello with a uaid this server never issued: a new one comes back.
    const asked = randomUUID();
    const hello = await device.hello(asked, []);
    expect(hello.uaid).toMatch(/^[0-9a-f-]{36}$/);
    expect(hello.uaid).not.toBe(asked);

    const { channelID, endpoint } = await device.register();
    expect(endpoint).toMatch(new RegExp(`^${stack.proxy.url}/update/[A-Za-z0-9_-]{22}$`));

    const res = await put(endpoint, 'version=42');
    expect(res.status).toBe(200);
    expect(await device.next()).toEqual(note(channelID, 42));

    device.send({ messageType: 'ack', updates: [{ channelID, version: 42 }] });
    expect(await device.ping()).toEqual([]); // acks get no reply; nothing re-sent

    device.send({ messageType: 'unregister', channelID });
    expect(await device.next()).toEqual({ messageType: 'unregister', channelID, status: 200 });
    const gone = await put(endpoint, 'version=43');
    expect(gone.status).toBe(404);
    await device.client.quiet(200);

    await device.close();
    expect(stack.backend.output()).not.toMatch(/ error /);
  });

  it('keeps a known uaid, and a second hello on the same connection keeps the connection\'s uaid', async () => {
    const first = await Device.open(stack.proxy);
    const uaid = String((await first.hello('')).uaid);
    await first.close();

    const again = await Device.open(stack.proxy);
    expect((await again.hello(uaid)).uaid).toBe(uaid);
    // pushgo's duplicate handshake: the same id, whatever the second hello says.
    expect((await again.hello('')).uaid).toBe(uaid);
    expect((await again.hello(randomUUID())).uaid).toBe(uaid);
    await again.close();
  });

  it('stores updates for an offline device and delivers them after its next hello', async () => {
    const device = await Device.open(stack.proxy);
    await device.hello('');
    const a = await device.register();
    const b = await device.register();
    await device.close();

    expect((await put(a.endpoint, 'version=1')).status).toBe(200);
    expect((await put(b.endpoint, 'version=5')).status).toBe(200);
    expect((await put(a.endpoint, 'version=2')).status).toBe(200); // only the latest version of a channel is kept

    const back = await Device.open(stack.proxy);
    back.uaid = device.uaid;
    await back.hello();
    const pending = await back.next();
    expect(pending.messageType).toBe('notification');
    expect(pending.updates).toEqual(
      expect.arrayContaining([
        { channelID: a.channelID, version: 2 },
        { channelID: b.channelID, version: 5 },
      ]),
    );
    expect(pending.updates).toHaveLength(2);
    back.send({ messageType: 'ack', updates: pending.updates });
    expect(await back.ping()).toEqual([]);
    await back.close();
  });

  it('re-sends unacknowledged updates on the next hello, and stops once they are acked', async () => {
    const device = await Device.open(stack.proxy);
    await device.hello('');
    const ch = await device.register();
    expect((await put(ch.endpoint, 'version=10')).status).toBe(200);
    expect(await device.next()).toEqual(note(ch.channelID, 10));
    await device.close(); // no ack

    const second = await Device.open(stack.proxy);
    second.uaid = device.uaid;
    await second.hello();
    expect(await second.next()).toEqual(note(ch.channelID, 10));
    // An ack of an older version does not clear a newer update.
    second.send({ messageType: 'ack', updates: [{ channelID: ch.channelID, version: 9 }] });
    await second.ping();
    await second.close();

    const third = await Device.open(stack.proxy);
    third.uaid = device.uaid;
    await third.hello();
    expect(await third.next()).toEqual(note(ch.channelID, 10));
    third.send({ messageType: 'ack', updates: [{ channelID: ch.channelID, version: 10 }] });
    await third.ping();
    await third.close();

    const fourth = await Device.open(stack.proxy);
    fourth.uaid = device.uaid;
    await fourth.hello();
    expect(await fourth.ping()).toEqual([]);
    await fourth.close();
  });

  it('uses the current time (Unix seconds) as the version of an empty PUT, and accepts ?version=', async () => {
    const device = await Device.open(stack.proxy);
    await device.hello('');
    const ch = await device.register();
    const before = Math.floor(Date.now() / 1000);
    expect((await put(ch.endpoint, '')).status).toBe(200);
    const got = await device.next();
    const version = (got.updates as Array<{ version: number }>)[0]?.version ?? 0;
    expect(version).toBeGreaterThanOrEqual(before);
    expect(version).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
    expect((await put(`${ch.endpoint}?version=77`, '')).status).toBe(200);
    expect(await device.next()).toEqual(note(ch.channelID, 77));
    await device.close();
  });

  it('registering a channel twice returns the same endpoint; endpoints of other channels are unrelated', async () => {
    const device = await Device.open(stack.proxy);
    await device.hello('');
    const channelID = randomUUID();
    const first = await device.register(channelID);
    const again = await device.register(channelID);
    expect(again.endpoint).toBe(first.endpoint);
    const other = await device.register();
    expect(other.endpoint).not.toBe(first.endpoint);
    // Unregistering an unknown channel is a success too (the protocol makes unregister idempotent).
    const unknown = randomUUID();
    device.send({ messageType: 'unregister', channelID: unknown });
    expect(await device.next()).toEqual({ messageType: 'unregister', channelID: unknown, status: 200 });
    await device.close();
  });

  it('delivers to every connection of a device, and only to that device', async () => {
    const one = await Device.open(stack.proxy);
    await one.hello('');
    const ch = await one.register();
    const two = await Device.open(stack.proxy);
    await two.hello(one.uaid);
    const stranger = await Device.open(stack.proxy);
    await stranger.hello('');
    expect((await put(ch.endpoint, 'version=3')).status).toBe(200);
    expect(await one.next()).toEqual(note(ch.channelID, 3));
    expect(await two.next()).toEqual(note(ch.channelID, 3));
    await stranger.client.quiet(200);
    await Promise.all([one.close(), two.close(), stranger.close()]);
  });
});
