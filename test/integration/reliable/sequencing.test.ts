import { openStream, publish, request, startProxy, subscribed, until, type RunningProxy } from '../../helpers/harness';
import { reply, scriptedBackend, shuffled, streamItem, type ScriptedBackend } from './reliable-helpers';

/** Sequencing by id / prev-id, message_wait, no-seq and the id cache (spec grip-headers.md §8). */
describe('sequencing', () => {
  let backend: ScriptedBackend;
  /** message_wait 400 ms, to see it run out. */
  let proxy: RunningProxy;
  /** The shipped message_wait (5 s): a storm of concurrent publishes must complete its chain well within it. */
  let patient: RunningProxy;

  beforeAll(async () => {
    backend = await scriptedBackend();
    backend.on('/s', (_req, res, url) => reply(res, { 'Content-Type': 'text/plain', 'Grip-Hold': 'stream', 'Grip-Channel': url.searchParams.get('ch') ?? 'x' }));
    proxy = await startProxy({
      routes: [`* 127.0.0.1:${backend.port}`],
      config: { messageWait: 400, idCacheTtl: 60, messageRate: undefined, updateOnFirstSubscription: false },
    });
    patient = await startProxy({ routes: [`* 127.0.0.1:${backend.port}`], config: { messageWait: 5000, updateOnFirstSubscription: false } });
  });
  afterAll(async () => {
    await proxy.close();
    await patient.close();
    await backend.close();
  });

  const lines = (text: string): string[] => text.split('\n').filter((l) => l !== '' && l !== 'open');

  it.each([1, 2, 3])('puts a random permutation of 100 ids back in order (seed %i, one publish per item, concurrently)', async (seed) => {
    const ch = `storm${seed}`;
    const stream = await openStream(`${patient.url}/s?ch=${ch}`);
    await subscribed(patient, ch);
    await publish(patient.publishUrl, [streamItem(ch, '0\n', { id: '0' })]);
    await stream.waitFor('0\n');
    const order = shuffled(
      Array.from({ length: 100 }, (_, i) => i + 1),
      seed,
    );
    await Promise.all(order.map((n) => publish(patient.publishUrl, [streamItem(ch, `${n}\n`, { id: String(n), prevId: String(n - 1) })])));
    await stream.waitFor('\n100\n', 5000);
    expect(lines(stream.text())).toEqual(Array.from({ length: 101 }, (_, i) => String(i)));
    stream.close();
  });

  it('orders a shuffled batch published in one request, with no wait', async () => {
    const stream = await openStream(`${proxy.url}/s?ch=batch`);
    await subscribed(proxy, 'batch');
    await publish(proxy.publishUrl, [streamItem('batch', 'a0\n', { id: 'a0' })]);
    const items = Array.from({ length: 100 }, (_, i) => streamItem('batch', `a${i + 1}\n`, { id: `a${i + 1}`, prevId: `a${i}` }));
    const started = Date.now();
    await publish(proxy.publishUrl, shuffled(items, 99));
    await stream.waitFor('a100\n', 3000);
    expect(Date.now() - started).toBeLessThan(400); // the chain completed: nothing waited for message_wait
    expect(lines(stream.text())).toEqual(Array.from({ length: 101 }, (_, i) => `a${i}`));
    stream.close();
  });

  it('sends an item whose predecessor never comes after message_wait', async () => {
    const stream = await openStream(`${proxy.url}/s?ch=gap`);
    await subscribed(proxy, 'gap');
    await publish(proxy.publishUrl, [streamItem('gap', 'one\n', { id: '1' })]);
    await stream.waitFor('one\n');
    const started = Date.now();
    await publish(proxy.publishUrl, [streamItem('gap', 'three\n', { id: '3', prevId: '2' })]);
    await stream.waitFor('three\n', 3000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(380);
    expect(proxy.thumbtack.pipeline.counters.waitExpired).toBeGreaterThanOrEqual(1);
    stream.close();
  });

  it('lets no-seq items through at once', async () => {
    const stream = await openStream(`${proxy.url}/s?ch=noseq`);
    await subscribed(proxy, 'noseq');
    await publish(proxy.publishUrl, [streamItem('noseq', 'one\n', { id: '1' })]);
    const started = Date.now();
    await publish(proxy.publishUrl, [streamItem('noseq', 'nine\n', { id: '9', prevId: '8', noSeq: true })]);
    await stream.waitFor('nine\n', 1000);
    expect(Date.now() - started).toBeLessThan(300);
    stream.close();
  });

  it('drops duplicate ids within id_cache_ttl', async () => {
    const stream = await openStream(`${proxy.url}/s?ch=dup`);
    await subscribed(proxy, 'dup');
    const before = proxy.thumbtack.pipeline.counters.duplicates;
    await publish(proxy.publishUrl, [streamItem('dup', 'first\n', { id: 'd1' }), streamItem('dup', 'again\n', { id: 'd1' })]);
    await publish(proxy.publishUrl, [streamItem('dup', 'again later\n', { id: 'd1' }), streamItem('dup', 'next\n', { id: 'd2' })]);
    await stream.waitFor('next\n');
    expect(lines(stream.text())).toEqual(['first', 'next']);
    expect(proxy.thumbtack.pipeline.counters.duplicates - before).toBe(2);
    stream.close();
  });

  it('does not sequence channels without subscribers, and forgets a channel when its last stream leaves', async () => {
    // nobody listens: nothing is recorded, nothing waits
    await publish(proxy.publishUrl, [streamItem('quiet', 'x\n', { id: '1' })]);
    expect(proxy.thumbtack.pipeline.lastIds.get('quiet')).toBeUndefined();
    const a = await openStream(`${proxy.url}/s?ch=quiet`);
    await subscribed(proxy, 'quiet');
    await publish(proxy.publishUrl, [streamItem('quiet', 'q1\n', { id: 'q1' })]);
    await a.waitFor('q1\n');
    expect(proxy.thumbtack.pipeline.lastIds.get('quiet')).toBe('q1');
    a.close();
    await until(() => !proxy.thumbtack.bus.hasSubscribers('quiet'), 3000, 'the stream to leave');
    expect(proxy.thumbtack.pipeline.lastIds.get('quiet')).toBeUndefined();
    const b = await openStream(`${proxy.url}/s?ch=quiet`);
    await subscribed(proxy, 'quiet');
    const started = Date.now();
    await publish(proxy.publishUrl, [streamItem('quiet', 'q3\n', { id: 'q3', prevId: 'q2' })]);
    await b.waitFor('q3\n', 1000);
    expect(Date.now() - started).toBeLessThan(300);
    b.close();
  });

  it('forgets every last id on POST /recover', async () => {
    const stream = await openStream(`${proxy.url}/s?ch=rec`);
    await subscribed(proxy, 'rec');
    await publish(proxy.publishUrl, [streamItem('rec', 'r1\n', { id: 'r1' })]);
    await stream.waitFor('r1\n');
    const res = await request(`${proxy.publishUrl}/recover`, { method: 'POST', body: '' });
    expect(res.text).toBe('Updated\n');
    expect(proxy.thumbtack.pipeline.lastIds.get('rec')).toBeUndefined();
    const started = Date.now();
    await publish(proxy.publishUrl, [streamItem('rec', 'r5\n', { id: 'r5', prevId: 'r4' })]);
    await stream.waitFor('r5\n', 1000);
    expect(Date.now() - started).toBeLessThan(300);
    stream.close();
  });

  it('rejects nothing it should not: an invalid publish is still refused as a whole', async () => {
    const res = await publish(proxy.publishUrl, [streamItem('bad', 'x\n', { id: '1' }), { channel: 'bad' }]);
    expect(res.status).toBe(400);
    expect(proxy.thumbtack.pipeline.lastIds.get('bad')).toBeUndefined();
  });
});
