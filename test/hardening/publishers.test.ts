import * as zmq from 'zeromq';
import { encodeTnetstring } from '../../src/core/tnetstring';
import { openStream, publish, request, startBackend, until, type Backend, type FullResponse } from '../helpers/harness';
import { Bystander, holdBystander, startHardened, type HardenedProxy } from './hardening-helpers';

/** A backend holding `GET /s/<channel>` as a stream and `GET /lp/<channel>` as a long-poll. */
function holdingBackend(): Promise<Backend> {
  return startBackend((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path.startsWith('/s/')) {
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Grip-Hold': 'stream', 'Grip-Channel': path.slice(3) });
      res.end('open\n');
    } else if (path.startsWith('/lp/')) {
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Grip-Hold': 'response', 'Grip-Channel': path.slice(4) });
      res.end('timeout\n');
    } else holdBystander(res);
  });
}

const postRaw = (proxy: HardenedProxy, body: string | Buffer): Promise<FullResponse> =>
  request(`${proxy.publishUrl}/publish/`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });

type StreamItem = { channel: string; formats: { 'http-stream': { content: string } } };
const streamItem = (channel: string, content: string): StreamItem => ({ channel, formats: { 'http-stream': { content } } });

/**
 * Hostile or broken publishers (issue 7, item 3): each bad message is refused with a precise error, the
 * valid ones around it still go out, and the bystander stream keeps receiving.
 */
describe('hardening: hostile or broken publishers', () => {
  let backend: Backend;
  let proxy: HardenedProxy;
  let bystander: Bystander;
  let push: zmq.Push;

  beforeAll(async () => {
    backend = await holdingBackend();
    proxy = await startHardened({
      routes: [`* 127.0.0.1:${backend.port}`],
      config: { messageRate: undefined, pushInHttpMaxBodySize: 20_000 },
    });
    bystander = await Bystander.open(proxy);
    push = new zmq.Push({ linger: 0 });
    push.connect(proxy.thumbtack.zmq.endpoints().pushIn as string);
  });
  afterAll(async () => {
    push.close();
    bystander.close();
    await proxy.close();
    await backend.close();
  });

  it('refuses malformed JSON over HTTP and over ZeroMQ, then delivers the next valid item', async () => {
    const stream = await openStream(`${proxy.url}/s/json`);
    for (const body of ['{"items": [', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), '']) {
      const res = await postRaw(proxy, body);
      expect([res.status, res.text]).toEqual([400, 'Body is not valid JSON.\n']);
    }
    expect((await postRaw(proxy, '[1,2]')).text).toBe('Invalid format.\n');
    expect((await postRaw(proxy, '{"items": {}}')).text).toBe("Invalid format: object contains 'items' with wrong type\n");
    const rejected = proxy.thumbtack.zmq.pull?.rejected ?? 0;
    await push.send('J{"channel": "json", ');
    await push.send(`J${JSON.stringify(streamItem('json', 'after bad json\n'))}`);
    await stream.waitFor('after bad json\n');
    expect((proxy.thumbtack.zmq.pull?.rejected ?? 0) - rejected).toBe(1);
    await proxy.logged(/IN pull: received message with invalid format/, { code: 'PUBLISH_BAD_MESSAGE' });
    stream.close();
    await bystander.stillServed();
  });

  it('refuses tnetstrings with lying lengths, then delivers the next valid item', async () => {
    const stream = await openStream(`${proxy.url}/s/tnet`);
    const good = encodeTnetstring(streamItem('tnet', 'after lies\n'));
    const lies = [
      Buffer.from('999999:abc,'), // longer than the frame
      Buffer.from('3:abcdef,'), // shorter than the content, wrong terminator
      Buffer.concat([Buffer.from('T'), good.subarray(0, good.length - 5)]), // truncated
      Buffer.from('99999999999999999999:x,'), // absurd length
      Buffer.from('-5:abc,'),
    ];
    const rejected = proxy.thumbtack.zmq.pull?.rejected ?? 0;
    for (const frame of lies) await push.send(frame);
    await push.send(good);
    await stream.waitFor('after lies\n');
    expect((proxy.thumbtack.zmq.pull?.rejected ?? 0) - rejected).toBe(lies.length);
    await proxy.logged(/IN pull: received message with invalid format/, { code: 'TNET_INVALID' });
    expect(stream.text()).toBe('open\nafter lies\n');
    stream.close();
    await bystander.stillServed();
  });

  it('refuses an item with only unknown formats, and ignores unknown formats next to known ones', async () => {
    const stream = await openStream(`${proxy.url}/s/fmt`);
    const only = await publish(proxy.publishUrl, [{ channel: 'fmt', formats: { 'smoke-signal': { puffs: 3 } } }]);
    expect([only.status, only.text]).toEqual([400, 'Invalid format: no formats specified\n']);
    const mixed = await publish(proxy.publishUrl, [{ channel: 'fmt', formats: { 'smoke-signal': {}, 'http-stream': { content: 'known\n' } } }]);
    expect(mixed.status).toBe(200);
    await stream.waitFor('known\n');
    stream.close();
    await bystander.stillServed();
  });

  it('refuses CR, LF and NUL in http-response header names and values (no header injection), end to end', async () => {
    const poll = request(`${proxy.url}/lp/inject`);
    await until(() => (proxy.thumbtack.worker.hold.index.get('inject')?.size ?? 0) > 0, 5000, 'the long-poll');
    const attacks: Array<[string, string]> = [
      ['X-Evil\r\nSet-Cookie', 'a=b'],
      ['X-Evil', 'ok\r\nSet-Cookie: a=b'],
      ['X-Evil', 'ok\nLocation: /x'],
      ['X-Evil', 'nul\u0000byte'],
      ['X-Ev\u0000il', 'v'],
      ['', 'v'],
    ];
    for (const header of attacks) {
      const res = await publish(proxy.publishUrl, [{ channel: 'inject', formats: { 'http-response': { body: 'pwned\n', headers: [header] } } }]);
      expect(res.status).toBe(400);
      expect(res.text).toMatch(/^Invalid format: .*(not a valid token|CR, LF, NUL or other control character)\n$/);
    }
    // The same attack over ZeroMQ is dropped, and the valid item after it answers the poll.
    await push.send(encodeTnetstring({ channel: 'inject', formats: { 'http-response': { body: 'pwned\n', headers: [['X-Evil', 'a\r\nSet-Cookie: x']] } } }));
    await push.send(encodeTnetstring({ channel: 'inject', formats: { 'http-response': { body: 'clean\n', headers: [['X-Fine', 'yes']] } } }));
    const res = await poll;
    expect(res.status).toBe(200);
    expect(res.text).toBe('clean\n');
    expect(res.headers['x-fine']).toBe('yes');
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.headers['x-evil']).toBeUndefined();
    await bystander.stillServed();
  });

  it('refuses control characters in channel names', async () => {
    for (const channel of ['a\u0000b', 'a\r\nb', 'tab\there', 'del\u007f']) {
      const res = await publish(proxy.publishUrl, [streamItem(channel, 'x\n')]);
      expect(res.status).toBe(400);
      expect(res.text).toMatch(/^Invalid format: publish item object contains 'channel' .* with a control character\n$/);
    }
    await bystander.stillServed();
  });

  it('refuses bodies over push_in_http_max_body_size with 400', async () => {
    const big = JSON.stringify({ items: [streamItem('big', 'x'.repeat(30_000))] });
    const res = await postRaw(proxy, big);
    expect([res.status, res.text]).toEqual([400, 'Request body too large.\n']);
    await bystander.stillServed();
  });

  it('delivers every item of a 10,000-message flood to a reading client, in order', async () => {
    const stream = await openStream(`${proxy.url}/s/flood`);
    await until(() => (proxy.thumbtack.worker.hold.index.get('flood')?.size ?? 0) > 0, 5000, 'the flood reader');
    const n = 10_000;
    for (let i = 0; i < n; i++) await push.send(encodeTnetstring(streamItem('flood', `${i}\n`)));
    await stream.waitFor(`\n${n - 1}\n`, 15_000);
    const lines = stream.text().trim().split('\n');
    expect(lines.length).toBe(n + 1);
    expect(lines.slice(1).every((line, i) => line === String(i))).toBe(true);
    stream.close();
    await bystander.stillServed();
  });
});

describe('hardening: a flood faster than message_rate', () => {
  it('keeps the delivery queue at message_hwm (excess dropped and counted), then delivers again', async () => {
    const backend = await holdingBackend();
    const proxy = await startHardened({ routes: [`* 127.0.0.1:${backend.port}`], config: { messageRate: 1000, messageHwm: 200 } });
    try {
      const bystander = await Bystander.open(proxy);
      const stream = await openStream(`${proxy.url}/s/deluge`);
      await until(() => (proxy.thumbtack.worker.hold.index.get('deluge')?.size ?? 0) > 0, 5000, 'the reader');
      const limiter = proxy.thumbtack.worker.hold.reliable.deliveries;
      let peak = 0;
      for (let i = 0; i < 2000; i++) {
        proxy.thumbtack.publish([{ channel: 'deluge', meta: {}, noSeq: true, formats: { 'http-stream': { action: 'send', content: Buffer.from(`${i}\n`) } } }]);
        peak = Math.max(peak, limiter?.size ?? 0);
      }
      expect(peak).toBeLessThanOrEqual(200);
      expect(proxy.thumbtack.worker.hold.counters.droppedHwm).toBeGreaterThan(1000);
      await until(() => (limiter?.size ?? 0) === 0, 5000, 'the queue to drain');
      await stream.waitFor('\n199\n');
      await bystander.stillServed();
      await publish(proxy.publishUrl, [streamItem('deluge', 'after the deluge\n')]);
      await stream.waitFor('after the deluge\n');
      stream.close();
      bystander.close();
    } finally {
      await proxy.close();
      await backend.close();
    }
  });
});
