import * as zmq from 'zeromq';
import { encodeTnetstring } from '../../../src/core/tnetstring';
import { logged, startZmqProxy, type ZmqProxy } from './zmq-helpers';

describe('ZeroMQ PULL intake (publishing.md §5)', () => {
  let proxy: ZmqProxy;
  let push: zmq.Push;

  beforeAll(async () => {
    proxy = await startZmqProxy();
    push = new zmq.Push({ linger: 0 });
    push.connect(proxy.pull);
  });

  afterAll(async () => {
    push.close();
    await proxy.close();
  });

  it('binds on loopback', () => {
    expect(proxy.pull).toMatch(/^tcp:\/\/127\.0\.0\.1:[0-9]+$/);
  });

  it('delivers items sent as J JSON, T tnetstring and bare tnetstring', async () => {
    const s = await proxy.stream('pull1');
    await push.send('J{"channel":"pull1","formats":{"http-stream":{"content":"pull J json\\n"}}}');
    await s.waitFor('pull J json\n');
    // The spec's example item (§3) for this channel, with the T prefix, then a bare tnetstring.
    const tnet = '77:7:channel,5:pull1,7:formats,45:11:http-stream,26:7:content,12:pull T tnet\n,}}}';
    await push.send(`T${tnet}`);
    await s.waitFor('pull T tnet\n');
    const bare = encodeTnetstring({ channel: 'pull1', formats: { 'http-stream': { content: 'bare tnet\n' } } });
    await push.send(bare);
    await s.waitFor('bare tnet\n');
    expect(s.text()).toBe('start\npull J json\npull T tnet\nbare tnet\n');
    s.close();
  });

  it('logs and drops bad messages, then still delivers good ones', async () => {
    const s = await proxy.stream('pull2');
    const before = proxy.thumbtack.zmq.pull?.rejected ?? 0;
    await push.send(['two', 'frames']);
    await push.send('J{not json');
    await push.send('J[1,2]');
    await push.send('12:not a tnet');
    await push.send('');
    await push.send(encodeTnetstring({ channel: 'pull2', formats: { 'http-stream': { action: 'bogus' } } }));
    await push.send(encodeTnetstring({ formats: { 'http-stream': { content: 'no channel\n' } } }));
    await push.send('J{"channel":"pull2","formats":{"http-stream":{"content":"still alive\\n"}}}');
    await s.waitFor('still alive\n');
    expect(s.text()).toBe('start\nstill alive\n');
    expect((proxy.thumbtack.zmq.pull?.rejected ?? 0) - before).toBe(7);
    await logged(proxy, /IN pull: received message with parts != 1/);
    // pino writes the message after the fields, so look for both parts of the line in either order.
    await logged(proxy, /(?=.*IN pull: received message with invalid format)(?=.*does not contain 'channel')/);
    s.close();
  });
});
