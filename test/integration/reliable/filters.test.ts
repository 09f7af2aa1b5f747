import { openStream, publish, request, startProxy, subscribed, type RunningProxy } from '../../helpers/harness';
import { reply, scriptedBackend, streamItem, type ScriptedBackend } from './reliable-helpers';

/** Subscription filters with Grip-Set-Meta / JSON meta and publish meta (spec grip-headers.md §9). */
describe('filters', () => {
  let backend: ScriptedBackend;
  let proxy: RunningProxy;

  beforeAll(async () => {
    backend = await scriptedBackend();
    // /s?ch=&filters=a,b&meta=<Grip-Set-Meta value>&prev=
    backend.on('/s', (_q, res, url) => {
      const ch = url.searchParams.get('ch') ?? 'x';
      const filters = (url.searchParams.get('filters') ?? '').split(',').filter((f) => f !== '');
      const prev = url.searchParams.get('prev');
      const channel = [ch, ...(prev === null ? [] : [`prev-id=${prev}`]), ...filters.map((f) => `filter=${f}`)].join('; ');
      const headers: Record<string, string> = { 'Content-Type': 'text/plain', 'Grip-Hold': url.searchParams.get('hold') ?? 'stream', 'Grip-Channel': channel };
      const meta = url.searchParams.get('meta');
      if (meta !== null) headers['Grip-Set-Meta'] = meta;
      if (prev !== null && headers['Grip-Hold'] === 'stream') headers['Grip-Link'] = '</none>; rel=next; timeout=600';
      reply(res, headers, url.searchParams.get('body') ?? 'start\n');
    });
    backend.on('/json', (_q, res) => {
      res.writeHead(200, { 'Content-Type': 'application/grip-instruct' });
      res.end(
        JSON.stringify({
          hold: { mode: 'response', channels: [{ name: 'jf', filters: ['skip-users'] }], timeout: 10, meta: { user: 'carol' } },
          response: { body: 'timeout\n' },
        }),
      );
    });
    proxy = await startProxy({ routes: [`* 127.0.0.1:${backend.port}`], config: { updateOnFirstSubscription: false, messageRate: undefined } });
  });
  afterAll(async () => {
    await proxy.close();
    await backend.close();
  });

  const meta = encodeURIComponent('user=alice, name=Bob');

  it('skip-self, skip-users and require-sub drop items for matching subscribers only', async () => {
    const alice = await openStream(`${proxy.url}/s?ch=f1&filters=skip-self,skip-users,require-sub&meta=${meta}`);
    const bob = await openStream(`${proxy.url}/s?ch=f1&filters=skip-self,skip-users&meta=${encodeURIComponent('user=bob')}`);
    await subscribed(proxy, 'f1');
    const before = proxy.thumbtack.worker.hold.counters.filtered;
    await publish(proxy.publishUrl, [
      streamItem('f1', 'from alice\n', { meta: { sender: 'alice' } }),
      streamItem('f1', 'not for alice\n', { meta: { skip_users: 'dave, alice' } }),
      streamItem('f1', 'vip only\n', { meta: { require_sub: 'vip' } }),
      streamItem('f1', 'for all\n'),
    ]);
    await alice.waitFor('for all\n');
    await bob.waitFor('for all\n');
    expect(alice.text()).toBe('start\nfor all\n');
    expect(bob.text()).toBe('start\nfrom alice\nnot for alice\nvip only\nfor all\n');
    expect(proxy.thumbtack.worker.hold.counters.filtered - before).toBe(3);
    alice.close();
    bob.close();
  });

  it('var-subst substitutes the subscription meta in stream content and long-poll bodies', async () => {
    const s = await openStream(`${proxy.url}/s?ch=f2&filters=var-subst&meta=${meta}`);
    const lp = request(`${proxy.url}/s?ch=f2&hold=response&filters=var-subst&meta=${meta}`);
    await subscribed(proxy, 'f2');
    await new Promise((r) => setTimeout(r, 50));
    await publish(proxy.publishUrl, [
      {
        channel: 'f2',
        formats: { 'http-stream': { content: 'hi %(name)s / %(user)s %%\n' }, 'http-response': { body: 'lp %(user)s\n', 'content-filters': ['var-subst'] } },
      },
    ]);
    await s.waitFor('hi Bob / alice %\n');
    expect((await lp).text).toBe('lp alice\n');
    s.close();
  });

  it('build-id renders the id from id_format and the connection last ids', async () => {
    const m = encodeURIComponent('id_format="<%(b1)s>", id_encoding=hex');
    const s = await openStream(`${proxy.url}/s?ch=b1&prev=5&filters=build-id&meta=${m}&body=${encodeURIComponent('init %(lit)I\n')}`);
    await subscribed(proxy, 'b1');
    await publish(proxy.publishUrl, [
      streamItem('b1', 'z %I %(ab)I %%\n', { id: '6', prevId: '5' }),
      streamItem('b1', 'z2 %I\n', { id: '7', prevId: '6' }),
    ]);
    await s.waitFor('z2 3c373e\n');
    expect(s.text()).toBe('init 6c6974\nz 3c363e 6162 %\nz2 3c373e\n');
    s.close();
  });

  it('ends a stream on a content-filters mismatch or a filter error (debug message only in debug mode)', async () => {
    const s = await openStream(`${proxy.url}/s?ch=f3&filters=var-subst,skip-self&meta=${meta}`);
    await subscribed(proxy, 'f3');
    await publish(proxy.publishUrl, [
      { channel: 'f3', formats: { 'http-stream': { content: 'match %(user)s\n', 'content-filters': ['var-subst'] } } },
      { channel: 'f3', formats: { 'http-stream': { content: 'mismatch\n', 'content-filters': ['skip-self'] } } },
      streamItem('f3', 'never\n'),
    ]);
    await s.ended;
    expect(s.text()).toBe('start\nmatch alice\n');

    const t = await openStream(`${proxy.url}/s?ch=f4&filters=var-subst&meta=${meta}`);
    await subscribed(proxy, 'f4');
    await publish(proxy.publishUrl, [streamItem('f4', 'a %(nope)s\n'), streamItem('f4', 'never\n')]);
    await t.ended;
    expect(t.text()).toBe('start\n');
  });

  it('answers 502 to a long-poll on a filter error or a content-filters mismatch', async () => {
    const a = request(`${proxy.url}/s?ch=f5&hold=response&filters=var-subst&meta=${meta}`);
    await subscribed(proxy, 'f5');
    await publish(proxy.publishUrl, [{ channel: 'f5', formats: { 'http-response': { body: 'a %x\n' } } }]);
    const ra = await a;
    expect(ra.status).toBe(502);
    expect(ra.text).toBe('Error while proxying to origin.\n');
    const b = request(`${proxy.url}/s?ch=f6&hold=response&filters=var-subst&meta=${meta}`);
    await subscribed(proxy, 'f6');
    await publish(proxy.publishUrl, [{ channel: 'f6', formats: { 'http-response': { body: 'x\n', 'content-filters': [] } } }]);
    expect((await b).status).toBe(502);
  });

  it('reads meta and filters from application/grip-instruct JSON', async () => {
    const pending = request(`${proxy.url}/json`);
    await subscribed(proxy, 'jf');
    await publish(proxy.publishUrl, [
      { channel: 'jf', meta: { skip_users: 'carol' }, formats: { 'http-response': { body: 'skipped\n' } } },
      { channel: 'jf', formats: { 'http-response': { body: 'delivered\n' } } },
    ]);
    expect((await pending).text).toBe('delivered\n');
  });

  it('shows filter errors in debug mode', async () => {
    const dbg = await startProxy({ routes: [`*,debug 127.0.0.1:${backend.port}`], config: { updateOnFirstSubscription: false, messageRate: undefined } });
    try {
      const s = await openStream(`${dbg.url}/s?ch=d1&filters=var-subst&meta=${meta}`);
      await subscribed(dbg, 'd1');
      await publish(dbg.publishUrl, [streamItem('d1', 'a %(nope)s\n')]);
      await s.ended;
      expect(s.text()).toBe("start\n\n\nfilter error: var-subst: No such variable 'nope' at position 9\n");
      const lp = request(`${dbg.url}/s?ch=d2&hold=response&filters=var-subst&meta=${meta}`);
      await subscribed(dbg, 'd2');
      await publish(dbg.publishUrl, [{ channel: 'd2', formats: { 'http-response': { body: 'x\n', 'content-filters': ['build-id'] } } }]);
      expect((await lp).text).toBe('content filter mismatch: subscription=var-subst message=build-id\n');
      const init = await openStream(`${dbg.url}/s?ch=d3&filters=build-id&meta=${encodeURIComponent('id_format=x')}&body=${encodeURIComponent('init %I\n')}`);
      await init.ended;
      expect(init.text()).toBe('\n\nfilter error: build-id: No ID specified and no default ID in context at position 6\n');
    } finally {
      await dbg.close();
    }
  });
});
