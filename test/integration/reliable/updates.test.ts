import { openStream, publish, request, startProxy, subscribed, until, type RunningProxy } from '../../helpers/harness';
import { reply, scriptedBackend, streamItem, type ScriptedBackend } from './reliable-helpers';

/**
 * Updates of held sessions (spec grip-headers.md §6): the first-subscription update, `recover`, the
 * long-poll subscription linger, and the prev-id conflict check when a hold starts.
 */
describe('session updates', () => {
  let backend: ScriptedBackend;
  /** Pushpin's defaults: first-subscription update on. */
  let proxy: RunningProxy;
  /** update_on_first_subscription=false, subscription_linger=1. */
  let quiet: RunningProxy;

  beforeAll(async () => {
    backend = await scriptedBackend();
    backend.on('/lp', (_q, res, url) => {
      const ch = url.searchParams.get('ch') ?? 'x';
      const prev = url.searchParams.get('prev');
      reply(
        res,
        { 'Content-Type': 'text/plain', 'Grip-Hold': 'response', 'Grip-Channel': prev === null ? ch : `${ch}; prev-id=${prev}`, 'Grip-Timeout': '20' },
        'timeout\n',
      );
    });
    backend.on('/st', (_q, res, url) => {
      const ch = url.searchParams.get('ch') ?? 'x';
      const prev = url.searchParams.get('prev');
      reply(
        res,
        {
          'Content-Type': 'text/plain',
          'Grip-Hold': 'stream',
          'Grip-Channel': prev === null ? ch : `${ch}; prev-id=${prev}`,
          'Grip-Link': `</st-next?ch=${ch}>; rel=next; timeout=600`,
        },
        'start\n',
      );
    });
    backend.on('/st-next', (_q, res, url) => {
      const ch = url.searchParams.get('ch') ?? 'x';
      reply(res, { 'Grip-Hold': 'stream', 'Grip-Channel': ch, 'Grip-Link': `</st-next?ch=${ch}>; rel=next; timeout=600` }, 'fetched\n');
    });
    backend.on('/plain', (_q, res, url) => reply(res, { 'Grip-Hold': 'stream', 'Grip-Channel': url.searchParams.get('ch') ?? 'x' }, 'start\n'));
    proxy = await startProxy({ routes: [`* 127.0.0.1:${backend.port}`], config: { messageRate: undefined } });
    quiet = await startProxy({ routes: [`* 127.0.0.1:${backend.port}`], config: { updateOnFirstSubscription: false, subscriptionLinger: 1, messageRate: undefined } });
  });
  afterAll(async () => {
    await proxy.close();
    await quiet.close();
    await backend.close();
  });

  const lpRequests = (ch: string): typeof backend.requests => backend.seen('/lp').filter((r) => r.url.includes(`ch=${ch}&`) || r.url.endsWith(`ch=${ch}`));
  const linkFetches = (ch: string): typeof backend.requests => backend.seen('/st-next').filter((r) => r.url.endsWith(`ch=${ch}`));

  it('re-requests a long-poll about 1 s after its channel is first subscribed, with Grip-Last', async () => {
    const started = Date.now();
    const pending = request(`${proxy.url}/lp?ch=fs1&prev=7`);
    await until(() => lpRequests('fs1').length >= 2, 4000, 'the first-subscription re-request');
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(950);
    expect(elapsed).toBeLessThan(2500);
    expect(lpRequests('fs1')[1]?.headers['grip-last']).toBe('fs1; last-id=7');
    await subscribed(proxy, 'fs1');
    await publish(proxy.publishUrl, [{ channel: 'fs1', 'prev-id': '7', id: '8', formats: { 'http-response': { body: 'eight\n' } } }]);
    expect((await pending).text).toBe('eight\n');
    // a second poll within the linger: no new first-subscription update
    const again = request(`${proxy.url}/lp?ch=fs1&prev=8`);
    await subscribed(proxy, 'fs1');
    await new Promise((r) => setTimeout(r, 1300));
    expect(lpRequests('fs1')).toHaveLength(3);
    await publish(proxy.publishUrl, [{ channel: 'fs1', 'prev-id': '8', id: '9', formats: { 'http-response': { body: 'nine\n' } } }]);
    expect((await again).text).toBe('nine\n');
  });

  it('makes a stream with a next link fetch it after its first subscription; a stream without a link is left alone', async () => {
    const s = await openStream(`${proxy.url}/st?ch=fs2`);
    await until(() => linkFetches('fs2').length >= 1, 4000, 'the first-subscription fetch');
    await s.waitFor('start\nfetched\n');
    s.close();
    const p = await openStream(`${proxy.url}/plain?ch=fs3`);
    await new Promise((r) => setTimeout(r, 1300));
    expect(p.text()).toBe('start\n');
    p.close();
  });

  it('sends no first-subscription update when update_on_first_subscription is false', async () => {
    const pending = request(`${quiet.url}/lp?ch=fs4&prev=1`);
    await subscribed(quiet, 'fs4');
    await new Promise((r) => setTimeout(r, 1400));
    expect(lpRequests('fs4')).toHaveLength(1);
    await publish(quiet.publishUrl, [{ channel: 'fs4', 'prev-id': '1', formats: { 'http-response': { body: 'done\n' } } }]);
    expect((await pending).text).toBe('done\n');
  });

  it('keeps a long-poll channel subscribed for subscription_linger after its last poll', async () => {
    const pending = request(`${quiet.url}/lp?ch=lg1`);
    await subscribed(quiet, 'lg1');
    await publish(quiet.publishUrl, [{ channel: 'lg1', formats: { 'http-response': { body: 'x\n' } } }]);
    await pending;
    expect(quiet.thumbtack.worker.hold.index.get('lg1')).toBeUndefined();
    expect(quiet.thumbtack.bus.hasSubscribers('lg1')).toBe(true);
    await until(() => !quiet.thumbtack.bus.hasSubscribers('lg1'), 3000, 'the linger to end');
    // streams leave at once
    const s = await openStream(`${quiet.url}/plain?ch=lg2`);
    await subscribed(quiet, 'lg2');
    s.close();
    await until(() => !quiet.thumbtack.bus.hasSubscribers('lg2'), 500, 'the stream channel to go');
  });

  it('on recover, re-requests long-polls (Grip-Last) and makes streams fetch their next link', async () => {
    const pending = request(`${quiet.url}/lp?ch=rc1&prev=4`);
    const s = await openStream(`${quiet.url}/st?ch=rc2`);
    await subscribed(quiet, 'rc1');
    await subscribed(quiet, 'rc2');
    const res = await request(`${quiet.publishUrl}/recover`, { method: 'POST', body: '' });
    expect(res.status).toBe(200);
    await until(() => lpRequests('rc1').length >= 2 && linkFetches('rc2').length >= 1, 3000, 'the recover updates');
    expect(lpRequests('rc1')[1]?.headers['grip-last']).toBe('rc1; last-id=4');
    await s.waitFor('fetched\n');
    expect(quiet.thumbtack.recoveries).toBe(1);
    await subscribed(quiet, 'rc1');
    await publish(quiet.publishUrl, [{ channel: 'rc1', 'prev-id': '4', formats: { 'http-response': { body: 'after recover\n' } } }]);
    expect((await pending).text).toBe('after recover\n');
    s.close();
  });

  it('makes the recover method available to the command socket (Thumbtack.recover)', async () => {
    const pending = request(`${quiet.url}/lp?ch=rc3&prev=1`);
    await subscribed(quiet, 'rc3');
    quiet.thumbtack.recover();
    await until(() => lpRequests('rc3').length >= 2, 3000, 'the re-request');
    await subscribed(quiet, 'rc3');
    await publish(quiet.publishUrl, [{ channel: 'rc3', 'prev-id': '1', formats: { 'http-response': { body: 'ok\n' } } }]);
    expect((await pending).text).toBe('ok\n');
  });

  it('re-requests a long-poll at once when its prev-id is behind the channel last id', async () => {
    const watcher = await openStream(`${quiet.url}/plain?ch=cf1`); // makes the channel sequenced
    await subscribed(quiet, 'cf1');
    await publish(quiet.publishUrl, [streamItem('cf1', 'five\n', { id: '5' })]);
    await watcher.waitFor('five\n');
    const started = Date.now();
    const pending = request(`${quiet.url}/lp?ch=cf1&prev=3`);
    await until(() => lpRequests('cf1').length >= 2, 2000, 'the conflict re-request');
    expect(Date.now() - started).toBeLessThan(500);
    expect(lpRequests('cf1')[1]?.headers['grip-last']).toBe('cf1; last-id=3');
    await subscribed(quiet, 'cf1');
    await until(() => (quiet.thumbtack.worker.hold.index.get('cf1')?.size ?? 0) >= 2, 2000, 'the long-poll to hold');
    await publish(quiet.publishUrl, [{ channel: 'cf1', id: '6', 'prev-id': '3', formats: { 'http-response': { body: 'six\n' } } }]);
    expect((await pending).text).toBe('six\n');
    watcher.close();
  });

  it('makes a stream fetch its next link when its prev-id is behind the channel last id', async () => {
    const watcher = await openStream(`${quiet.url}/plain?ch=cf2`);
    await subscribed(quiet, 'cf2');
    await publish(quiet.publishUrl, [streamItem('cf2', 'five\n', { id: '5' })]);
    await watcher.waitFor('five\n');
    const s = await openStream(`${quiet.url}/st?ch=cf2&prev=3`);
    await until(() => linkFetches('cf2').length >= 1, 2000, 'the conflict fetch');
    expect(linkFetches('cf2')[0]?.headers['grip-last']).toBe('cf2; last-id=3');
    await s.waitFor('start\nfetched\n');
    s.close();
    watcher.close();
  });
});
