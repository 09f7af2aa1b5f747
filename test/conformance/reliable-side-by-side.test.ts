import { openStream, publish, request, startProxy, subscribed, until, type OpenStream, type RunningProxy } from '../helpers/harness';
import { reply, scriptedBackend, streamItem, type ScriptedBackend } from '../integration/reliable/reliable-helpers';
import { headerView } from './compare';
import { startPushpin, type PushpinInstance } from './pushpin-instance';

/**
 * Reliable delivery, Thumbtack and the installed Pushpin 1.36 side by side (issue 5): the same backend,
 * requests and publishes on both; what the clients get and what the backend is asked must match.
 */
describe('reliable delivery: Thumbtack and Pushpin 1.36 side by side', () => {
  let backend: ScriptedBackend;
  let pushpin: PushpinInstance;
  let proxy: RunningProxy;

  interface Side {
    name: 'pp' | 'tt';
    url: string;
    publishUrl: string;
    subscribed(channel: string): Promise<void>;
  }
  let sides: Side[];

  beforeAll(async () => {
    backend = await scriptedBackend();
    const routes = [`* 127.0.0.1:${backend.port}`];
    const [p, t] = await Promise.allSettled([startPushpin(routes), startProxy({ routes })]);
    if (t.status === 'fulfilled') proxy = t.value;
    if (p.status === 'fulfilled') pushpin = p.value;
    if (p.status === 'rejected') throw p.reason;
    if (t.status === 'rejected') throw t.reason;
    sides = [
      { name: 'pp', url: pushpin.url, publishUrl: pushpin.publishUrl, subscribed: (ch) => pushpin.subscribed(ch) },
      { name: 'tt', url: proxy.url, publishUrl: proxy.publishUrl, subscribed: (ch) => subscribed(proxy, ch) },
    ];
    // /hold?kind=stream|response&ch=&prev=&link=&meta=&filters=&body=&side=
    backend.on('/hold', (_q, res, url) => {
      const q = url.searchParams;
      const ch = q.get('ch') ?? 'x';
      const parts = [ch];
      if (q.get('prev') !== null) parts.push(`prev-id=${q.get('prev')}`);
      for (const f of (q.get('filters') ?? '').split(',')) if (f !== '') parts.push(`filter=${f}`);
      const headers: Record<string, string> = { 'Content-Type': 'text/plain', 'Grip-Hold': q.get('kind') ?? 'stream', 'Grip-Channel': parts.join('; ') };
      if (q.get('link') !== null) headers['Grip-Link'] = `<${q.get('link')}>; rel=next; timeout=600`;
      if (q.get('meta') !== null) headers['Grip-Set-Meta'] = q.get('meta') as string;
      if (headers['Grip-Hold'] === 'response') headers['Grip-Timeout'] = '20';
      reply(res, headers, q.get('body') ?? 'start\n');
    });
    backend.on('/next', (_q, res, url) => {
      const ch = url.searchParams.get('ch') ?? 'x';
      reply(res, { 'Grip-Hold': 'stream', 'Grip-Channel': ch }, 'recovered\n');
    });
    backend.on('/unheld', (_q, res, url) => reply(res, { 'Content-Type': 'text/plain', 'X-Kept': 'k', 'Grip-Link': `</chain2?side=${url.searchParams.get('side')}>; rel=next` }, 'part1\n'));
    backend.on('/chain2', (_q, res) => reply(res, { 'Grip-Hold': 'stream', 'Grip-Channel': 'chain' }, 'part2\n'));
  }, 90_000); // Pushpin may take a while to hold its first stream on a busy machine (startPushpin)

  afterAll(async () => {
    await Promise.all([pushpin?.close(), proxy?.close()]);
    await backend?.close();
  });

  const seenBy = (path: string, side: Side['name']): typeof backend.requests => backend.seen(path).filter((r) => r.url.includes(`side=${side}`));

  async function onBoth<T>(fn: (side: Side) => Promise<T>): Promise<{ pp: T; tt: T }> {
    const [a, b] = await Promise.all(sides.map((s) => fn(s)));
    return { pp: a as T, tt: b as T };
  }

  it('orders out-of-order items and drops a duplicate id the same way', async () => {
    const texts = await onBoth(async (side) => {
      const s = await openStream(`${side.url}/hold?ch=oo&side=${side.name}`);
      await side.subscribed('oo');
      await publish(side.publishUrl, [streamItem('oo', '1\n', { id: '1' })]);
      await publish(side.publishUrl, [streamItem('oo', '3\n', { id: '3', prevId: '2' })]);
      await publish(side.publishUrl, [streamItem('oo', '2\n', { id: '2', prevId: '1' }), streamItem('oo', '2 again\n', { id: '2', prevId: '1' })]);
      await publish(side.publishUrl, [streamItem('oo', '4\n', { id: '4', prevId: '3' })]);
      await s.waitFor('4\n', 8000);
      s.close();
      return s.text();
    });
    expect(texts.tt).toBe(texts.pp);
    expect(texts.tt).toBe('start\n1\n2\n3\n4\n');
  });

  it('recovers a prev-id gap through the next link with the same request and the same client output', async () => {
    const out = await onBoth(async (side) => {
      const s = await openStream(`${side.url}/hold?ch=gp&prev=1&link=${encodeURIComponent(`/next?ch=gp&side=${side.name}`)}&side=${side.name}`, {
        Cookie: 'secret=1',
      });
      await side.subscribed('gp');
      await publish(side.publishUrl, [streamItem('gp', 'gap\n', { id: '5', prevId: '4' })]);
      await s.waitFor('recovered\n', 8000);
      s.close();
      return s.text();
    });
    expect(out.tt).toBe(out.pp);
    expect(out.tt).toBe('start\nrecovered\n');
    const [pf, tf] = [seenBy('/next', 'pp')[0], seenBy('/next', 'tt')[0]];
    expect([tf?.method, tf?.headers['grip-last'], tf?.headers['cookie']]).toEqual([pf?.method, pf?.headers['grip-last'], pf?.headers['cookie']]);
    expect(tf?.headers['grip-last']).toBe('gp; last-id=1');
  });

  it('turns an unheld response with a next link into a stream', async () => {
    const out = await onBoth(async (side) => {
      const s = await openStream(`${side.url}/unheld?side=${side.name}`);
      await s.waitFor('part2\n', 8000);
      await side.subscribed('chain');
      await publish(side.publishUrl, [streamItem('chain', 'pushed\n')]);
      await s.waitFor('pushed\n', 8000);
      s.close();
      return { text: s.text(), status: s.res.statusCode, headers: headerView(s.res.rawHeaders) };
    });
    expect(out.tt).toEqual(out.pp);
  });

  it('re-requests a long-poll for an item without the expected prev-id, then delivers a following one', async () => {
    const out = await onBoth(async (side) => {
      const pending = request(`${side.url}/hold?kind=response&ch=lpn&prev=a&side=${side.name}`);
      await side.subscribed('lpn');
      await publish(side.publishUrl, [{ channel: 'lpn', formats: { 'http-response': { body: 'no prev-id\n' } } }]);
      await until(() => seenBy('/hold', side.name).filter((r) => r.url.includes('ch=lpn')).length >= 2, 5000, 're-request');
      await new Promise((r) => setTimeout(r, 300));
      await publish(side.publishUrl, [{ channel: 'lpn', 'prev-id': 'a', id: 'b', formats: { 'http-response': { body: 'follows\n' } } }]);
      const res = await pending;
      return { text: res.text, lastIds: seenBy('/hold', side.name).filter((r) => r.url.includes('ch=lpn')).slice(1).map((r) => r.headers['grip-last']) };
    });
    expect(out.tt.text).toBe(out.pp.text);
    expect(out.tt.text).toBe('follows\n');
    expect(out.tt.lastIds[0]).toBe(out.pp.lastIds[0]);
    expect(out.tt.lastIds[0]).toBe('lpn; last-id=a');
  });

  it('applies skip-self, var-subst and the content-filters check the same way', async () => {
    const meta = encodeURIComponent('user=alice, name=Bob');
    const texts = await onBoth(async (side) => {
      const s: OpenStream = await openStream(`${side.url}/hold?ch=flt&filters=var-subst,skip-self&meta=${meta}&side=${side.name}`);
      await side.subscribed('flt');
      await publish(side.publishUrl, [
        streamItem('flt', 'a hi %(name)s %%\n'),
        streamItem('flt', 'b self\n', { meta: { sender: 'alice' } }),
        { channel: 'flt', formats: { 'http-stream': { content: 'c %(user)s\n', 'content-filters': ['var-subst'] } } },
        { channel: 'flt', formats: { 'http-stream': { content: 'd mismatch\n', 'content-filters': ['build-id'] } } },
        streamItem('flt', 'e never\n'),
      ]);
      await s.ended;
      return s.text();
    });
    expect(texts.tt).toBe(texts.pp);
    expect(texts.tt).toBe('start\na hi Bob %\nc alice\n');
  });

  it('renders build-id with id_format and hex encoding the same way', async () => {
    const meta = encodeURIComponent('id_format="<%(bi)s>", id_encoding=hex');
    const texts = await onBoth(async (side) => {
      const s = await openStream(
        `${side.url}/hold?ch=bi&prev=5&filters=build-id&meta=${meta}&link=${encodeURIComponent('/none')}&body=${encodeURIComponent('init %(x)I\n')}&side=${side.name}`,
      );
      await side.subscribed('bi');
      await publish(side.publishUrl, [streamItem('bi', 'z %I %(ab)I\n', { id: '6', prevId: '5' })]);
      await s.waitFor('z ', 8000);
      await new Promise((r) => setTimeout(r, 100));
      s.close();
      return s.text();
    });
    expect(texts.tt).toBe(texts.pp);
    expect(texts.tt).toBe('init 78\nz 3c363e 6162\n');
  });

  it('updates a long-poll about 1 s after its channel is first subscribed', async () => {
    const out = await onBoth(async (side) => {
      const started = Date.now();
      const pending = request(`${side.url}/hold?kind=response&ch=fsu&prev=3&side=${side.name}`);
      await until(() => seenBy('/hold', side.name).filter((r) => r.url.includes('ch=fsu')).length >= 2, 5000, 'first-subscription update');
      const elapsed = Date.now() - started;
      await side.subscribed('fsu');
      await new Promise((r) => setTimeout(r, 200));
      await publish(side.publishUrl, [{ channel: 'fsu', 'prev-id': '3', formats: { 'http-response': { body: 'done\n' } } }]);
      await pending;
      return { elapsed, lastId: seenBy('/hold', side.name).filter((r) => r.url.includes('ch=fsu'))[1]?.headers['grip-last'] };
    });
    expect(out.tt.lastId).toBe(out.pp.lastId);
    for (const e of [out.pp.elapsed, out.tt.elapsed]) {
      expect(e).toBeGreaterThanOrEqual(900);
      expect(e).toBeLessThan(2500);
    }
  });
});
