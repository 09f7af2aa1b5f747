import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { openStream, publish, startProxy, subscribed, until, type RunningProxy } from '../../helpers/harness';
import { reply, scriptedBackend, streamItem, type ScriptedBackend } from './reliable-helpers';
import { freePort } from '../../helpers/processes';

/** Next links: recovery of prev-id streams, chains, retries, periodic re-fetch, hint (spec grip-headers.md §7). */
describe('next links', () => {
  let backend: ScriptedBackend;
  let proxy: RunningProxy;

  const stream = (channel: string, extra: Record<string, string> = {}): Record<string, string> => ({
    'Content-Type': 'text/plain',
    'Grip-Hold': 'stream',
    'Grip-Channel': channel,
    ...extra,
  });

  beforeAll(async () => {
    backend = await scriptedBackend();
    proxy = await startProxy({
      routes: [`* 127.0.0.1:${backend.port}`],
      config: { debug: true, updateOnFirstSubscription: false, messageRate: undefined },
    });
  });
  afterAll(async () => {
    await proxy.close();
    await backend.close();
  });

  it('recovers a gap on a prev-id stream through the next link: GET with Grip-Last, Grip-Sig, Grip-Feature and no client headers', async () => {
    backend.on('/r1', (_q, res) => reply(res, stream('r1a; prev-id=1', { 'Grip-Link': '</r1next?after=1>; rel=next' }), 'start\n'));
    backend.on('/r1next', (_q, res) => reply(res, stream('r1b; prev-id=10', { 'Grip-Link': '</r1next2>; rel=next' }), 'recovered 2\n'));
    const s = await openStream(`${proxy.url}/r1`, { Cookie: 'secret=1', 'User-Agent': 'test-agent', 'X-Custom': 'c' });
    await subscribed(proxy, 'r1a');
    await publish(proxy.publishUrl, [streamItem('r1a', 'not after 1\n', { id: '3', prevId: '2' })]);
    await s.waitFor('recovered 2\n');
    const [fetch] = backend.seen('/r1next');
    expect(fetch?.method).toBe('GET');
    expect(fetch?.url).toBe('/r1next?after=1');
    expect(fetch?.headers['grip-last']).toBe('r1a; last-id=1');
    expect(fetch?.headers['grip-sig']).toBeDefined();
    expect(fetch?.headers['grip-feature']).toContain('link:next');
    expect(fetch?.headers['host']).toBe(new URL(proxy.url).host);
    expect(fetch?.headers['cookie']).toBeUndefined();
    expect(fetch?.headers['user-agent']).toBeUndefined();
    expect(fetch?.headers['x-custom']).toBeUndefined();
    // the new instruction replaced the channels
    await subscribed(proxy, 'r1b');
    expect(proxy.thumbtack.worker.hold.index.get('r1a')).toBeUndefined();
    await publish(proxy.publishUrl, [streamItem('r1b', 'eleven\n', { id: '11', prevId: '10' }), streamItem('r1a', 'old channel\n', { id: '4', prevId: '3' })]);
    await s.waitFor('eleven\n');
    expect(s.text()).toBe('start\nrecovered 2\neleven\n');
    s.close();
  });

  it('turns an unheld response with a next link into a stream and follows a chain of links', async () => {
    backend.on('/c1', (_q, res) => reply(res, { 'Content-Type': 'text/plain', 'Grip-Link': '</c2>; rel=next' }, 'part1\n'));
    backend.on('/c2', (_q, res) => reply(res, { 'Grip-Link': '</c3>; rel=next' }, 'part2\n'));
    backend.on('/c3', (_q, res) => reply(res, stream('chain'), 'part3\n'));
    const s = await openStream(`${proxy.url}/c1`);
    expect(s.res.headers['content-length']).toBeUndefined();
    expect(s.res.headers['transfer-encoding']).toBe('chunked');
    expect(s.res.headers['grip-link']).toBeUndefined();
    await s.waitFor('part1\npart2\npart3\n');
    await subscribed(proxy, 'chain');
    await publish(proxy.publishUrl, [streamItem('chain', 'pushed\n')]);
    await s.waitFor('pushed\n');
    s.close();
  });

  it('ends the response when a chain ends without a hold', async () => {
    backend.on('/e1', (_q, res) => reply(res, { 'Content-Type': 'text/plain', 'Grip-Link': '</e2>; rel=next' }, 'e1\n'));
    backend.on('/e2', (_q, res) => reply(res, { 'Content-Type': 'text/plain' }, 'the end\n'));
    const s = await openStream(`${proxy.url}/e1`);
    await s.ended;
    expect(s.res.complete).toBe(true);
    expect(s.text()).toBe('e1\nthe end\n');
  });

  it('retries a next link whose backend is down, after 1 s plus jitter, then continues', async () => {
    const port = await freePort();
    backend.on('/d1', (_q, res) => reply(res, stream('d1; prev-id=1', { 'Grip-Link': `<http://127.0.0.1:${port}/next>; rel=next` }), 'start\n'));
    const s = await openStream(`${proxy.url}/d1`);
    await subscribed(proxy, 'd1');
    const fetches = proxy.thumbtack.worker.hold.counters.linkFetches;
    await publish(proxy.publishUrl, [streamItem('d1', 'gap\n', { id: '5', prevId: '4' })]);
    await until(() => proxy.thumbtack.worker.hold.counters.linkFetches > fetches, 3000, 'a first fetch');
    const failedAt = Date.now();
    await new Promise((r) => setTimeout(r, 100)); // connection refused by now
    const seen: http.IncomingHttpHeaders[] = [];
    const late = http.createServer((req, res) => {
      seen.push(req.headers);
      reply(res, stream('d1; prev-id=5', { 'Grip-Link': '</none>; rel=next' }), 'back\n');
    });
    await new Promise<void>((r) => late.listen(port, '127.0.0.1', r));
    try {
      await s.waitFor('back\n', 4000);
      expect(Date.now() - failedAt).toBeGreaterThanOrEqual(800);
      expect(seen[0]?.['grip-last']).toBe('d1; last-id=1');
      expect(seen[0]?.['host']).toBe(`127.0.0.1:${port}`);
      expect(seen[0]?.['grip-sig']).toBeDefined();
    } finally {
      s.close();
      await new Promise<void>((r) => {
        late.close(() => r());
        late.closeAllConnections();
      });
    }
  });

  it('retries a next link that answers with an error status', async () => {
    let calls = 0;
    backend.on('/n1', (_q, res) => reply(res, stream('n1; prev-id=1', { 'Grip-Link': '</n2>; rel=next' }), 'start\n'));
    backend.on('/n2', (_q, res) => {
      calls++;
      if (calls === 1) reply(res, { 'Content-Type': 'text/plain' }, 'busy', 503);
      else reply(res, stream('n1; prev-id=9', { 'Grip-Link': '</n2>; rel=next' }), 'second try\n');
    });
    const s = await openStream(`${proxy.url}/n1`);
    await subscribed(proxy, 'n1');
    await publish(proxy.publishUrl, [streamItem('n1', 'gap\n', { id: '3', prevId: '2' })]);
    await s.waitFor('second try\n', 4000);
    expect(s.text()).not.toContain('busy');
    expect(calls).toBe(2);
    s.close();
  });

  it('ends the stream without retrying when the link body breaks after it started', async () => {
    backend.on('/p1', (_q, res) => reply(res, stream('p1; prev-id=1', { 'Grip-Link': '</p2>; rel=next' }), 'start\n'));
    backend.on('/p2', (_q, res) => {
      res.writeHead(200, stream('p1; prev-id=2', { 'Grip-Link': '</p2>; rel=next', 'Content-Length': '100' }));
      res.write('partial\n');
      setTimeout(() => res.socket?.destroy(), 50);
    });
    const s = await openStream(`${proxy.url}/p1`);
    await subscribed(proxy, 'p1');
    await publish(proxy.publishUrl, [streamItem('p1', 'gap\n', { id: '3', prevId: '2' })]);
    await s.ended;
    expect(s.text()).toBe('start\npartial\n\n\nFailed to retrieve next link.\n');
    expect(backend.seen('/p2')).toHaveLength(1);
  });

  it('re-fetches a link after its timeout, unless every channel stayed busy', async () => {
    backend.on('/t1', (_q, res) => reply(res, stream('t1', { 'Grip-Link': '</t2>; rel=next; timeout=1' }), 'start\n'));
    backend.on('/t2', (_q, res) => reply(res, stream('t1', { 'Grip-Link': '</t2>; rel=next; timeout=1' }), 'refetched\n'));
    const opened = Date.now();
    const s = await openStream(`${proxy.url}/t1`);
    const seen = await backend.waitFor('/t2', 2, 5000);
    expect(Date.now() - opened).toBeGreaterThanOrEqual(1900);
    expect(seen).toHaveLength(2);
    await s.waitFor('refetched\nrefetched\n');
    s.close();

    backend.on('/busy', (_q, res) => reply(res, stream('busy', { 'Grip-Link': '</busy-next>; rel=next; timeout=1' }), 'start\n'));
    backend.on('/busy-next', (_q, res) => reply(res, stream('busy', { 'Grip-Link': '</busy-next>; rel=next; timeout=1' }), 'fetched\n'));
    const b = await openStream(`${proxy.url}/busy`);
    await subscribed(proxy, 'busy');
    for (let i = 0; i < 12; i++) {
      await publish(proxy.publishUrl, [streamItem('busy', `tick ${i}\n`)]);
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(backend.seen('/busy-next')).toHaveLength(0);
    await backend.waitFor('/busy-next', 1, 4000);
    b.close();
  });

  it('fetches the link at once on hint; a stream without a link ignores the hint', async () => {
    backend.on('/h1', (_q, res) => reply(res, stream('h1', { 'Grip-Link': '</h2>; rel=next; timeout=600' }), 'start\n'));
    backend.on('/h2', (_q, res) => reply(res, stream('h1', { 'Grip-Link': '</h2>; rel=next; timeout=600' }), 'hinted\n'));
    const s = await openStream(`${proxy.url}/h1`);
    await subscribed(proxy, 'h1');
    const started = Date.now();
    await publish(proxy.publishUrl, [{ channel: 'h1', formats: { 'http-stream': { action: 'hint' } } }]);
    await s.waitFor('hinted\n');
    expect(Date.now() - started).toBeLessThan(500);
    s.close();

    backend.on('/h3', (_q, res) => reply(res, stream('h3'), 'start\n'));
    const plain = await openStream(`${proxy.url}/h3`);
    await subscribed(proxy, 'h3');
    await publish(proxy.publishUrl, [{ channel: 'h3', formats: { 'http-stream': { action: 'hint' } } }, streamItem('h3', 'after hint\n')]);
    await plain.waitFor('after hint\n');
    expect(plain.text()).toBe('start\nafter hint\n');
    plain.close();
  });

  it('queues at most 100 items per stream while its link is fetched; the rest are dropped and counted', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    backend.on('/q1', (_q, res) => reply(res, stream('q1; prev-id=1', { 'Grip-Link': '</q2>; rel=next' }), 'start\n'));
    backend.on('/q2', (_q, res) => void gate.then(() => reply(res, stream('q1', { 'Grip-Link': '</q2>; rel=next' }), 'fetched\n')));
    const s = await openStream(`${proxy.url}/q1`);
    await subscribed(proxy, 'q1');
    const counters = proxy.thumbtack.worker.hold.counters;
    const dropped = counters.droppedQueue;
    await publish(proxy.publishUrl, [streamItem('q1', 'gap\n', { id: '3', prevId: '2', noSeq: true })]);
    await backend.waitFor('/q2', 1);
    const items = Array.from({ length: 150 }, (_, i) => streamItem('q1', `m${i}\n`, { noSeq: true }));
    await publish(proxy.publishUrl, items);
    expect(counters.droppedQueue - dropped).toBe(50);
    release();
    await s.waitFor('m99\n');
    expect(s.text()).toBe(`start\nfetched\n${Array.from({ length: 100 }, (_, i) => `m${i}\n`).join('')}`);
    s.close();
  });

  it('reports a next link that answers with a response hold, and a stream hold with prev-id but no link', async () => {
    backend.on('/x1', (_q, res) => reply(res, stream('x1; prev-id=1', { 'Grip-Link': '</x2>; rel=next' }), 'start\n'));
    backend.on('/x2', (_q, res) => reply(res, { 'Grip-Hold': 'response', 'Grip-Channel': 'x1' }, 'nope\n'));
    const s = await openStream(`${proxy.url}/x1`);
    await subscribed(proxy, 'x1');
    await publish(proxy.publishUrl, [{ channel: 'x1', 'prev-id': '1', formats: { 'http-stream': { action: 'hint' } } }]);
    await s.ended;
    expect(s.text()).toBe('start\n\n\nNext link returned non-stream hold.\n');

    backend.on('/y1', (_q, res) => reply(res, stream('y1; prev-id=1', { 'Grip-Link': '</y2>; rel=next' }), 'start\n'));
    backend.on('/y2', (_q, res) => reply(res, stream('y1; prev-id=2'), 'body first\n'));
    const t = await openStream(`${proxy.url}/y1`);
    await subscribed(proxy, 'y1');
    await publish(proxy.publishUrl, [{ channel: 'y1', 'prev-id': '1', formats: { 'http-stream': { action: 'hint' } } }]);
    await t.ended;
    expect(t.text()).toBe("start\nbody first\n\n\nchannel 'y1' specifies prev-id, but no next link found\n");
  });
});

