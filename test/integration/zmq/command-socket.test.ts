import * as zmq from 'zeromq';
import { decodeTnetstring, encodeTnetstring } from '../../../src/core/tnetstring';
import type { TnetValue } from '../../../src/core/tnetstring';
import { decodeStatsMessage } from '../../../src/stats/stats-message';
import { request, sleep, until } from '../../helpers/harness';
import { joinedSubscriber, logged, startZmqProxy, type ZmqProxy } from './zmq-helpers';

type Reply = Record<string, TnetValue>;

describe('command socket (publishing.md §7)', () => {
  let proxy: ZmqProxy;
  let req: zmq.Request;

  /** One REQ/REP round trip with a tnetstring request. */
  async function call(body: unknown): Promise<Reply> {
    await req.send(encodeTnetstring(body as never));
    const [frame] = await req.receive();
    const decoded = decodeTnetstring(frame as Buffer);
    if (!decoded.ok) throw decoded.error;
    return decoded.value as Reply;
  }

  beforeAll(async () => {
    proxy = await startZmqProxy();
    req = new zmq.Request({ linger: 0, receiveTimeout: 5000 });
    req.connect(proxy.command);
  });

  afterAll(async () => {
    req.close();
    await proxy.close();
  });

  it('get-zmq-uris and an unknown method answer with Pushpin framing and bytes', async () => {
    await req.send('38:2:id,5:req-1,6:method,12:get-zmq-uris,}');
    const [uris] = await req.receive();
    const expected = new Map<string, unknown>([
      ['success', true],
      ['value', new Map([['command', proxy.command], ['publish-pull', proxy.pull], ['publish-sub', proxy.sub[0]]])],
      ['id', 'req-1'],
    ]);
    expect((uris as Buffer).toString()).toBe(encodeTnetstring(expected as never).toString());
    await req.send('30:2:id,5:req-1,6:method,5:bogus,}');
    const [bogus] = await req.receive();
    expect((bogus as Buffer).toString()).toBe('63:7:success,5:false!9:condition,16:method-not-found,2:id,5:req-1,}');
  });

  it('publish delivers, and bad items get bad-request with the HTTP API texts', async () => {
    const s = await proxy.stream('cmd1');
    const ok = await call({ id: 'p1', method: 'publish', args: { items: [{ channel: 'cmd1', formats: { 'http-stream': { content: 'via command\n' } } }] } });
    expect(ok).toEqual({ success: true, value: null, id: Buffer.from('p1') });
    await s.waitFor('via command\n');
    const bad = await call({ id: 'p2', method: 'publish', args: { items: [{ channel: 'cmd1' }] } });
    expect(bad).toEqual({ success: false, condition: Buffer.from('bad-request'), value: Buffer.from('Invalid format: no formats specified'), id: Buffer.from('p2') });
    const noItems = await call({ method: 'publish' });
    expect(String(noItems.value)).toBe("Invalid format: object does not contain 'items'");
    s.close();
  });

  it('recover is counted (also on HTTP POST /recover), refresh answers item-not-found for unknown connections', async () => {
    const before = proxy.thumbtack.recoveries;
    expect(await call({ id: 'r', method: 'recover' })).toEqual({ success: true, value: null, id: Buffer.from('r') });
    const http = await request(`${proxy.publishUrl}/recover`, { method: 'POST', headers: { 'Content-Length': '0' } });
    expect(http.text).toBe('Updated\n');
    expect(proxy.thumbtack.recoveries - before).toBe(2);
    expect(String((await call({ method: 'refresh', args: { cid: 'b1a4c4c4' } })).condition)).toBe('item-not-found');
    expect((await call({ method: 'refresh', args: { channel: 'news' } })).success).toBe(true);
    expect(String((await call({ method: 'refresh', args: {} })).condition)).toBe('bad-request');
  });

  it('conncheck lists the ids of connections held now (the ids of stats conn messages)', async () => {
    const statsSub = await joinedSubscriber(proxy.stats, 'conn ', { receiveTimeout: 5000 });
    const s = await proxy.stream('cmd2');
    const [frame] = await statsSub.receive();
    statsSub.close();
    const conn = decodeStatsMessage(frame as Buffer);
    const id = conn.ok ? String(conn.value.fields.id) : '';
    expect(id).toMatch(/^thumbtack:0-[0-9]+$/);
    const found = await call({ method: 'conncheck', args: { ids: [id, 'condure:0-0-14'] } });
    expect(found).toEqual({ success: true, value: [Buffer.from(id)], id: Buffer.alloc(0) });
    s.close();
    await until(() => !proxy.thumbtack.zmq.stats.hasConnection(id), 5000, 'the connection to end');
    expect((await call({ method: 'conncheck', args: { ids: [id] } })).value).toEqual([]);
    expect(String((await call({ method: 'conncheck', args: { ids: 'x' } })).condition)).toBe('bad-request');
  });

  it('skips malformed messages without a reply, and still answers the next request', async () => {
    const dealer = new zmq.Dealer({ linger: 0, receiveTimeout: 300 });
    dealer.connect(proxy.command);
    try {
      const before = proxy.thumbtack.zmq.command?.rejected ?? 0;
      await dealer.send(['38:2:id,5:req-1,6:method,12:get-zmq-uris,}']); // no delimiter
      await dealer.send(['', 'not a tnetstring']);
      await dealer.send(['', '4:abcd,']); // not a dict
      await dealer.send(['', encodeTnetstring({ id: 'x' })]); // no method
      await dealer.send(['', 'a', 'b']); // two content frames
      await expect(dealer.receive()).rejects.toThrow();
      await until(() => (proxy.thumbtack.zmq.command?.rejected ?? 0) - before === 5, 5000, 'five rejected messages');
      await logged(proxy, /command: received message with invalid format/);
      await dealer.send(['', encodeTnetstring({ id: 'after', method: 'get-zmq-uris' })]);
      dealer.receiveTimeout = 5000;
      const [empty, reply] = await dealer.receive();
      expect(empty).toEqual(Buffer.alloc(0));
      const decoded = decodeTnetstring(reply as Buffer);
      expect(decoded.ok && (decoded.value as Reply).id).toEqual(Buffer.from('after'));
    } finally {
      dealer.close();
    }
  });
});
