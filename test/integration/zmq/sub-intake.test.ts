import * as zmq from 'zeromq';
import { encodeTnetstring } from '../../../src/core/tnetstring';
import { sleep } from '../../helpers/harness';
import { logged, startZmqProxy, type ZmqProxy } from './zmq-helpers';

/** Reads subscription messages from an XPUB socket until `wanted` (e.g. `\x01news`) arrives. */
async function expectSubscription(xpub: zmq.XPublisher, wanted: string, ms = 5000): Promise<string[]> {
  const seen: string[] = [];
  const deadline = Date.now() + ms;
  xpub.receiveTimeout = 100;
  while (Date.now() < deadline) {
    let frames: Buffer[];
    try {
      frames = await xpub.receive();
    } catch {
      continue;
    }
    const text = (frames[0] ?? Buffer.alloc(0)).toString('latin1');
    seen.push(text);
    if (text === wanted) return seen;
  }
  throw new Error(`no subscription message ${JSON.stringify(wanted)}; saw ${JSON.stringify(seen)}`);
}

const item = (text: string): string => `J{"formats":{"http-stream":{"content":"${text}\\n"}}}`;

async function exercise(proxy: ZmqProxy, xpub: zmq.XPublisher, channel: string): Promise<void> {
  // 0→1: the first local subscriber makes Thumbtack subscribe to the exact channel name.
  const s = await proxy.stream(channel);
  await expectSubscription(xpub, `\x01${channel}`);
  const second = await proxy.stream(channel);
  await xpub.send([channel, item('sub J json')]);
  await s.waitFor('sub J json\n');
  await second.waitFor('sub J json\n');
  // The topic frame wins over the item's channel; T and bare tnetstrings work too.
  await xpub.send([channel, encodeTnetstring({ channel: 'elsewhere', formats: { 'http-stream': { content: 'bare\n' } } })]);
  await xpub.send([channel, Buffer.concat([Buffer.from('T'), encodeTnetstring({ formats: { 'http-stream': { content: 'T tnet\n' } } })])]);
  await s.waitFor('T tnet\n');
  // A longer channel sharing the prefix reaches the socket (ZeroMQ filters by prefix) but nobody here wants it.
  await xpub.send([`${channel}-other`, item('not for us')]);
  // Bad messages are logged and dropped; the next good one is delivered.
  const before = proxy.thumbtack.zmq.sub?.rejected ?? 0;
  await xpub.send([channel]);
  await xpub.send([channel, 'J{bad json']);
  await xpub.send([channel, item('x'), 'third']);
  await xpub.send([channel, encodeTnetstring({ formats: { 'http-stream': { action: 'bogus' } } })]);
  await xpub.send([channel, item('after bad')]);
  await s.waitFor('after bad\n');
  expect(s.text()).toBe('start\nsub J json\nbare\nT tnet\nafter bad\n');
  expect((proxy.thumbtack.zmq.sub?.rejected ?? 0) - before).toBe(4);
  await logged(proxy, /IN sub: received message with parts != 2/);
  await logged(proxy, /IN sub: received message with invalid format/);
  // 1→0: when the last subscriber goes, Thumbtack unsubscribes.
  s.close();
  await sleep(100);
  expect(proxy.thumbtack.bus.hasSubscribers(channel)).toBe(true);
  second.close();
  await expectSubscription(xpub, `\x00${channel}`);
}

describe('ZeroMQ SUB intake (publishing.md §6)', () => {
  it('binds by default: a publisher connects its PUB socket', async () => {
    const proxy = await startZmqProxy();
    const xpub = new zmq.XPublisher({ linger: 0 });
    try {
      expect(proxy.sub[0]).toMatch(/^tcp:\/\/127\.0\.0\.1:[0-9]+$/);
      xpub.connect(proxy.sub[0] as string);
      await exercise(proxy, xpub, 'subbind');
    } finally {
      xpub.close();
      await proxy.close();
    }
  });

  it('connects to a publisher with push_in_sub_connect (several instances can follow one PUB)', async () => {
    const xpub = new zmq.XPublisher({ linger: 0 });
    await xpub.bind('tcp://127.0.0.1:*');
    const endpoint = xpub.lastEndpoint as string;
    const proxy = await startZmqProxy({ zmqSpecs: { pushInSub: [endpoint], pushInSubConnect: true } });
    try {
      expect(proxy.sub).toEqual([endpoint]);
      await exercise(proxy, xpub, 'subconnect');
    } finally {
      xpub.close();
      await proxy.close();
    }
  });
});
