import EventSource from 'eventsource';
import { openStream, publish, request, startProxy, subscribed, until, type OpenStream, type RunningProxy } from '../../helpers/harness';
import { reply, scriptedBackend, sseIds, sseItem, streamItem, type ScriptedBackend } from './reliable-helpers';

/** The per-channel history (Thumbtack only): replay on reconnect, no duplicate, no gap, gap signal. */
describe('history', () => {
  let backend: ScriptedBackend;
  let proxy: RunningProxy;

  beforeAll(async () => {
    backend = await scriptedBackend();
    // /sse?ch=&prev=&link=1
    backend.on('/sse', (_q, res, url) => {
      const ch = url.searchParams.get('ch') ?? 'x';
      const prev = url.searchParams.get('prev');
      const headers: Record<string, string> = {
        'Content-Type': 'text/event-stream',
        'Grip-Hold': 'stream',
        'Grip-Channel': prev === null ? ch : `${ch}; prev-id=${prev}`,
      };
      if (url.searchParams.get('link') !== null) headers['Grip-Link'] = `</sse-next?ch=${ch}>; rel=next; timeout=600`;
      reply(res, headers, ':open\n\n');
    });
    backend.on('/sse-next', (_q, res, url) => {
      const ch = url.searchParams.get('ch') ?? 'x';
      reply(res, { 'Grip-Hold': 'stream', 'Grip-Channel': ch }, 'event: resync\ndata: from backend\n\n');
    });
    backend.on('/lp', (_q, res, url) => {
      const ch = url.searchParams.get('ch') ?? 'x';
      reply(res, { 'Grip-Hold': 'response', 'Grip-Channel': `${ch}; prev-id=${url.searchParams.get('prev') ?? '0'}`, 'Grip-Timeout': '20' }, 'timeout\n');
    });
    proxy = await startProxy({
      routes: [`* 127.0.0.1:${backend.port}`],
      config: { historyMaxItems: 1000, historyMaxAge: 60, updateOnFirstSubscription: false },
    });
  });
  afterAll(async () => {
    await proxy.close();
    await backend.close();
  });

  /** Publishes ids from..to (prev-id chained), `batch` per request, a few ms apart. */
  async function burst(ch: string, from: number, to: number, batch = 5): Promise<void> {
    for (let n = from; n <= to; n += batch) {
      const items = [];
      for (let k = n; k < Math.min(n + batch, to + 1); k++) items.push(sseItem(ch, String(k), String(k - 1)));
      await publish(proxy.publishUrl, items);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** Ids of the complete SSE events in a text (an event cut by the disconnect does not count). */
  function completeIds(text: string): string[] {
    const end = text.lastIndexOf('\n\n');
    return end < 0 ? [] : sseIds(text.slice(0, end + 2));
  }

  it('replays what a client missed when it reconnects with Last-Event-ID in the middle of a burst: every message exactly once', async () => {
    const ch = 'burst1';
    await publish(proxy.publishUrl, [sseItem(ch, '0')]);
    const first = await openStream(`${proxy.url}/sse?ch=${ch}`);
    await subscribed(proxy, ch);
    let burstDone = false;
    const publishing = burst(ch, 1, 400).then(() => (burstDone = true));
    await until(() => sseIds(first.text()).length >= 60, 5000, 'some events before the drop');
    first.close();
    const got = completeIds(first.text());
    const lastId = got[got.length - 1] as string;
    await new Promise((r) => setTimeout(r, 30)); // the burst goes on while the client is away
    const replayedBefore = proxy.thumbtack.worker.hold.counters.replayed;
    let second: OpenStream | undefined;
    try {
      second = await openStream(`${proxy.url}/sse?ch=${ch}`, { 'Last-Event-ID': lastId });
      await subscribed(proxy, ch);
      expect(burstDone).toBe(false); // really in the middle of the burst
      await publishing;
      await second.waitFor('id: 400\n', 8000);
      const all = [...got, ...sseIds(second.text())].map(Number);
      expect(all).toEqual(Array.from({ length: 400 }, (_, i) => i + 1));
      const replayed = proxy.thumbtack.worker.hold.counters.replayed - replayedBefore;
      expect(replayed).toBeGreaterThan(0); // some came from the history...
      expect(replayed).toBeLessThan(400 - got.length); // ...and the rest live
    } finally {
      second?.close();
    }
  });

  it('lets a real EventSource resume by itself after the proxy drops it mid-burst', async () => {
    const ch = 'burst2';
    await publish(proxy.publishUrl, [sseItem(ch, '0')]);
    const es = new EventSource(`${proxy.url}/sse?ch=${ch}`);
    const ids: number[] = [];
    es.onmessage = (ev: MessageEvent) => ids.push(Number(ev.data));
    try {
      await subscribed(proxy, ch);
      const publishing = burst(ch, 1, 300);
      await until(() => ids.length >= 40, 5000, 'some events before the drop');
      for (const sub of [...(proxy.thumbtack.worker.hold.index.get(ch) ?? [])]) sub.close('error'); // the proxy cuts the connection
      await publishing;
      await until(() => ids.includes(300), 10_000, 'the last event after reconnecting');
      expect(ids).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
      expect(backend.seen('/sse').some((r) => r.url.endsWith(`ch=${ch}`) && r.headers['last-event-id'] !== undefined)).toBe(true);
    } finally {
      es.close();
    }
  });

  it('takes a Grip-Last request header as the cursor of a plain stream', async () => {
    const ch = 'gl1';
    await publish(proxy.publishUrl, [1, 2, 3, 4].map((n) => streamItem(ch, `m${n}\n`, { id: String(n) })));
    const s = await openStream(`${proxy.url}/sse?ch=${ch}`, { 'Grip-Last': `${ch}; last-id=2` });
    await s.waitFor('m4\n');
    expect(s.text()).toBe(':open\n\nm3\nm4\n');
    await publish(proxy.publishUrl, [streamItem(ch, 'm5\n', { id: '5', prevId: '4' })]);
    await s.waitFor('m5\n');
    // the client's Grip-Last was not passed to the backend
    expect(backend.seen('/sse').some((r) => r.headers['grip-last'] !== undefined)).toBe(false);
    s.close();
  });

  it("replays after the backend's prev-id instead of fetching the next link when the history covers the gap", async () => {
    const ch = 'pv1';
    const watcher = await openStream(`${proxy.url}/sse?ch=${ch}`); // makes the channel sequenced: its last id is known
    await subscribed(proxy, ch);
    await publish(proxy.publishUrl, ['1', '2', '3', '4'].map((n) => sseItem(ch, n, String(Number(n) - 1))));
    await watcher.waitFor('id: 4\n');
    const fetches = backend.seen('/sse-next').length;
    const s = await openStream(`${proxy.url}/sse?ch=${ch}&prev=2&link=1`);
    await s.waitFor('id: 4\n');
    expect(sseIds(s.text())).toEqual(['3', '4']);
    await publish(proxy.publishUrl, [sseItem(ch, '5', '4')]);
    await s.waitFor('id: 5\n');
    expect(backend.seen('/sse-next').length).toBe(fetches);
    s.close();
    watcher.close();
  });

  it('signals a gap it cannot cover with an SSE stream-reset event (no next link), and counts it', async () => {
    const before = proxy.thumbtack.worker.hold.counters.gaps;
    const s = await openStream(`${proxy.url}/sse?ch=gap1`, { 'Last-Event-ID': 'long-gone' });
    await s.waitFor('event: stream-reset\n');
    expect(s.text()).toBe(':open\n\nevent: stream-reset\ndata: {"reason":"history-gap","channels":[{"channel":"gap1","last-id":"long-gone"}]}\n\n');
    expect(proxy.thumbtack.worker.hold.counters.gaps - before).toBe(1);
    await subscribed(proxy, 'gap1');
    await publish(proxy.publishUrl, [sseItem('gap1', '1')]);
    await s.waitFor('id: 1\n');
    s.close();
  });

  it('falls back to the next link, with Grip-Last carrying the client cursor, when the history cannot cover it', async () => {
    const s = await openStream(`${proxy.url}/sse?ch=gap2&link=1`, { 'Last-Event-ID': 'unknown-7' });
    await s.waitFor('data: from backend\n\n');
    const fetch = backend.seen('/sse-next').find((r) => r.url.endsWith('ch=gap2'));
    expect(fetch?.headers['grip-last']).toBe('gap2; last-id=unknown-7');
    expect(s.text()).not.toContain('stream-reset');
    s.close();
  });

  it('fills a live gap from the history (items a stream dropped while its next link was fetched)', async () => {
    const ch = 'live1';
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    backend.on('/slow', (_q, res) =>
      reply(res, { 'Content-Type': 'text/plain', 'Grip-Hold': 'stream', 'Grip-Channel': `${ch}; prev-id=0`, 'Grip-Link': '</slow-next>; rel=next; timeout=600' }, 'start\n'),
    );
    backend.on('/slow-next', (_q, res) =>
      void gate.then(() => reply(res, { 'Grip-Hold': 'stream', 'Grip-Channel': `${ch}; prev-id=0`, 'Grip-Link': '</slow-next>; rel=next; timeout=600' }, '')),
    );
    const s = await openStream(`${proxy.url}/slow`);
    await subscribed(proxy, ch);
    await publish(proxy.publishUrl, [{ channel: ch, 'prev-id': '0', formats: { 'http-stream': { action: 'hint' } } }]);
    await backend.waitFor('/slow-next', 1);
    // 150 items while the link is fetched: the stream queues 100 and drops 50
    await publish(proxy.publishUrl, Array.from({ length: 150 }, (_, i) => streamItem(ch, `n${i + 1}\n`, { id: String(i + 1), prevId: String(i) })));
    release();
    await s.waitFor('n100\n');
    await publish(proxy.publishUrl, [streamItem(ch, 'n151\n', { id: '151', prevId: '150' })]);
    await s.waitFor('n151\n');
    const lines = s.text().split('\n').filter((l) => l.startsWith('n'));
    expect(lines).toEqual(Array.from({ length: 151 }, (_, i) => `n${i + 1}`));
    s.close();
  });

  it('answers a long-poll whose prev-id the history knows at once with the next item', async () => {
    const ch = 'lph';
    await publish(proxy.publishUrl, [
      { channel: ch, id: '1', formats: { 'http-response': { body: 'one\n' } } },
      { channel: ch, id: '2', 'prev-id': '1', formats: { 'http-response': { body: 'two\n' } } },
    ]);
    const res = await request(`${proxy.url}/lp?ch=${ch}&prev=1`);
    expect(res.text).toBe('two\n');
  });

  it('is off by default: Last-Event-ID is only passed to the backend', async () => {
    const plain = await startProxy({ routes: [`* 127.0.0.1:${backend.port}`], config: { updateOnFirstSubscription: false } });
    try {
      await publish(plain.publishUrl, [sseItem('off1', '1'), sseItem('off1', '2', '1')]);
      const s = await openStream(`${plain.url}/sse?ch=off1`, { 'Last-Event-ID': '1' });
      await subscribed(plain, 'off1');
      await publish(plain.publishUrl, [sseItem('off1', '3', '2')]);
      await s.waitFor('id: 3\n');
      expect(sseIds(s.text())).toEqual(['3']);
      expect(plain.thumbtack.pipeline.history).toBeUndefined();
      expect(backend.seen('/sse').some((r) => r.headers['last-event-id'] === '1')).toBe(true);
      s.close();
    } finally {
      await plain.close();
    }
  });
});
