import * as zmq from 'zeromq';
import { encodeTnetstring } from '../../../src/core/tnetstring';
import { openStream, publish, request, startProxy, subscribed, until, type RunningProxy } from '../../helpers/harness';
import { open, wsUrl } from '../websocket/ws-helpers';

/**
 * Every publish path (HTTP API, ZeroMQ PULL, ZeroMQ SUB, command socket) delivers to all three kinds of
 * subscriber: an HTTP stream, a long-poll and a WebSocket (Pushpin's built-in `test` target holds them).
 */
describe('every publish path reaches every kind of subscriber', () => {
  let proxy: RunningProxy;
  let push: zmq.Push;
  let pub: zmq.XPublisher;
  /** Channels the SUB intake subscribed to, as our XPUB sees them. */
  const subTopics = new Set<string>();
  let req: zmq.Request;

  beforeAll(async () => {
    proxy = await startProxy({ routes: ['* test'] });
    const ends = proxy.thumbtack.zmq.endpoints();
    push = new zmq.Push({ linger: 0 });
    push.connect(ends.pushIn as string);
    pub = new zmq.XPublisher({ linger: 0 });
    pub.connect(ends.pushInSub[0] as string);
    void (async () => {
      for await (const [m] of pub) if (m && m[0] === 1) subTopics.add(m.subarray(1).toString());
    })().catch(() => undefined);
    req = new zmq.Request({ linger: 0, receiveTimeout: 5000 });
    req.connect(ends.command as string);
  });
  afterAll(async () => {
    push.close();
    pub.close();
    req.close();
    await proxy.close();
  });

  const item = (channel: string, text: string): Record<string, unknown> => ({
    channel,
    formats: {
      'http-stream': { content: `${text}\n` },
      'http-response': { body: `${text}\n` },
      'ws-message': { content: text },
    },
  });

  const paths: Array<[string, (channel: string, text: string) => Promise<void>]> = [
    ['HTTP publish API', async (channel, text) => void (await publish(proxy.publishUrl, [item(channel, text)]))],
    ['ZeroMQ PULL (J)', (channel, text) => push.send('J' + JSON.stringify(item(channel, text)))],
    ['ZeroMQ PULL (bare tnetstring)', (channel, text) => push.send(encodeTnetstring(item(channel, text) as never))],
    [
      'ZeroMQ SUB',
      async (channel, text) => {
        const message = ['J' + JSON.stringify(item(channel, text))];
        await pub.send([channel, ...message]);
      },
    ],
    [
      'command socket',
      async (channel, text) => {
        await req.send(encodeTnetstring({ id: 'p', method: 'publish', args: { items: [item(channel, text)] } } as never));
        await req.receive();
      },
    ],
  ];

  it.each(paths)('%s', async (name, send) => {
    const channel = `every-${name.replace(/\W+/g, '-')}`;
    const stream = await openStream(`${proxy.url}/stream?channel=${channel}`);
    await stream.waitFor('[stream opened]\n');
    const poll = request(`${proxy.url}/response?channel=${channel}`);
    const ws = await open(wsUrl(proxy.url, `/ws?channel=${channel}`));
    await subscribed(proxy, channel);
    await until(() => proxy.thumbtack.worker.hold.counters.held.response >= 1 && (proxy.thumbtack.worker.hold.index.get(channel)?.size ?? 0) === 3, 5000, 'three subscribers');
    // The SUB intake subscribes only to channels with subscribers here; wait until that reached our XPUB.
    if (name === 'ZeroMQ SUB') await until(() => subTopics.has(channel), 5000, 'the SUB intake subscription');
    await send(channel, `via ${name}`);
    await stream.waitFor(`via ${name}\n`);
    expect((await poll).text).toBe(`via ${name}\n`);
    expect((await ws.next()).text).toBe(`via ${name}`);
    stream.close();
    ws.ws.close();
  });
});
