import { randomUUID } from 'node:crypto';
import { request } from '../../helpers/harness';
import { Device, note, put, startStack, type Stack } from './simplepush-helpers';

/**
 * Bad input to the SimplePush example: each gets the protocol's error status (401, as pushgo's "Invalid
 * Command") or an HTTP 4xx, is logged by the backend, and the device stays connected and usable.
 */
describe('SimplePush through Thumbtack: bad input', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  /** Sends `raw`, expects `reply`, then proves the connection still works with a ping. */
  async function rejects(device: Device, raw: string, reply: Record<string, unknown>, logged: RegExp): Promise<void> {
    device.send(raw);
    expect(await device.next()).toEqual(reply);
    expect(await device.ping()).toEqual([]);
    await expect(stack.backend.waitForOutput(logged, 2000)).resolves.toBeTruthy();
  }

  it('answers device errors with status 401 and keeps the device connected', async () => {
    const device = await Device.open(stack.proxy);
    const channelID = randomUUID();
    await rejects(device, '{"messageType": "hello", ', { status: 401, error: 'Invalid JSON' }, /warn bad message: malformed JSON/);
    await rejects(device, 'not json at all', { status: 401, error: 'Invalid JSON' }, /warn bad message: malformed JSON .*not json at all/);
    await rejects(device, '[1,2]', { status: 401, error: 'Invalid Command' }, /warn bad message: not a JSON object/);
    await rejects(device, '{"uaid":""}', { status: 401, error: 'Unknown messageType' }, /missing or non-string messageType/);
    await rejects(device, '{"messageType":"HELLO"}', { messageType: 'HELLO', status: 401, error: 'Unknown messageType' }, /unknown messageType "HELLO"/);
    await rejects(device, '{"messageType":"subscribe"}', { messageType: 'subscribe', status: 401, error: 'Unknown messageType' }, /unknown messageType "subscribe"/);
    // Before hello: register, unregister and ack are refused.
    await rejects(
      device,
      JSON.stringify({ messageType: 'register', channelID }),
      { messageType: 'register', channelID, status: 401, error: 'Hello required' },
      /warn bad message: register before hello/,
    );
    await rejects(device, JSON.stringify({ messageType: 'unregister', channelID }), { messageType: 'unregister', channelID, status: 401, error: 'Hello required' }, /unregister before hello/);
    await rejects(device, JSON.stringify({ messageType: 'ack', updates: [] }), { messageType: 'ack', status: 401, error: 'Hello required' }, /ack before hello/);
    await rejects(device, JSON.stringify({ messageType: 'hello', uaid: 42 }), { messageType: 'hello', status: 401, error: 'Invalid uaid' }, /non-string uaid/);
    await rejects(device, JSON.stringify({ messageType: 'hello', uaid: '', channelIDs: 'x' }), { messageType: 'hello', status: 401, error: 'Invalid channelIDs' }, /non-array channelIDs/);

    // After a hello the device works normally.
    await device.hello('');
    await rejects(device, JSON.stringify({ messageType: 'register', channelID: 'not-a-uuid' }), { messageType: 'register', channelID: 'not-a-uuid', status: 401, error: 'Invalid channelID' }, /register with an invalid channelID/);
    await rejects(device, JSON.stringify({ messageType: 'register' }), { messageType: 'register', status: 401, error: 'Invalid channelID' }, /register with an invalid channelID/);
    await rejects(device, JSON.stringify({ messageType: 'register', channelID: 'x'.repeat(5000) }), { messageType: 'register', status: 401, error: 'Invalid channelID' }, /register with an invalid channelID/);
    await rejects(device, JSON.stringify({ messageType: 'ack', updates: 'all' }), { messageType: 'ack', status: 401, error: 'Invalid updates' }, /ack without an updates list/);
    await rejects(device, JSON.stringify({ messageType: 'ack', updates: [{ channelID, version: -1 }] }), { messageType: 'ack', status: 401, error: 'Invalid updates' }, /ack with an invalid update/);
    await rejects(device, JSON.stringify({ messageType: 'ack', updates: [{ channelID, version: '3' }] }), { messageType: 'ack', status: 401, error: 'Invalid updates' }, /ack with an invalid update/);

    const ch = await device.register(channelID);
    expect((await put(ch.endpoint, 'version=8')).status).toBe(200);
    expect(await device.next()).toEqual(note(channelID, 8));
    expect(device.client.ws.readyState).toBe(device.client.ws.OPEN);
    await device.close();
  });

  it('answers a batch of good and bad messages in order', async () => {
    const device = await Device.open(stack.proxy);
    const channelID = randomUUID();
    // Sent back to back, these can reach the backend in one WebSocket-over-HTTP request.
    device.send({ messageType: 'hello', uaid: '' });
    device.send('{oops');
    device.send({ messageType: 'register', channelID });
    device.send({});
    const hello = await device.next();
    expect(hello).toMatchObject({ messageType: 'hello', status: 200 });
    expect(await device.next()).toEqual({ status: 401, error: 'Invalid JSON' });
    expect(await device.next()).toMatchObject({ messageType: 'register', channelID, status: 200 });
    expect(await device.next()).toEqual({});
    await device.close();
  });

  it('rejects bad endpoint requests with HTTP 4xx and logs them', async () => {
    const device = await Device.open(stack.proxy);
    await device.hello('');
    const ch = await device.register();

    for (const body of ['version=abc', 'version=-5', 'version=1.5', 'version=99999999999999999', 'version=0x10']) {
      const res = await put(ch.endpoint, body);
      expect([body, res.status, res.text]).toEqual([body, 400, '"Invalid Version"']);
    }
    await expect(stack.backend.waitForOutput(/warn endpoint: invalid version/, 2000)).resolves.toBeTruthy();

    // Unknown tokens: well-formed but never issued, malformed, empty.
    const base = ch.endpoint.slice(0, ch.endpoint.lastIndexOf('/') + 1);
    for (const token of ['AAAAAAAAAAAAAAAAAAAAAA', 'nope', '', '..%2F..%2Fetc']) {
      const res = await put(base + token, 'version=1');
      expect([token, res.status]).toEqual([token, 404]);
    }
    await expect(stack.backend.waitForOutput(/warn endpoint: unknown token/, 2000)).resolves.toBeTruthy();

    const get = await request(ch.endpoint);
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe('PUT');
    const post = await put(ch.endpoint, 'version=1', 'POST');
    expect(post.status).toBe(405);

    const big = await put(ch.endpoint, 'version=1&pad=' + 'x'.repeat(5000));
    expect(big.status).toBe(413);

    // None of those reached the device; a good PUT still does.
    await device.client.quiet(200);
    expect((await put(ch.endpoint, 'version=9')).status).toBe(200);
    expect(await device.next()).toEqual(note(ch.channelID, 9));
    await device.close();
  });

  it('refuses WebSocket-over-HTTP requests that did not come through the proxy', async () => {
    const direct = await request(`http://127.0.0.1:${stack.backendPort}/`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/websocket-events', Accept: 'application/websocket-events', 'Connection-Id': 'forged', 'Meta-Uaid': randomUUID() },
      body: 'OPEN\r\n',
    });
    expect(direct.status).toBe(501); // no valid Grip-Sig: serve-grip refuses (gripProxyRequired)
    expect(direct.text).not.toContain('OPEN');
  });
});
