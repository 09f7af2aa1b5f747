import { ChannelIndex } from '../../../../src/hold/channel-index';
import { newHoldCounters, type HoldContext } from '../../../../src/hold/hold-context';
import type { Subscriber } from '../../../../src/hold/subscriber';
import type { PublishItem } from '../../../../src/publish/item-types';
import { WsSubscriptions } from '../../../../src/proxy/websocket/ws-subscriptions';

function setup(fixed: string[] = [], max = 3): { subs: WsSubscriptions; index: ChannelIndex; hold: HoldContext; owner: Subscriber } {
  const index = new ChannelIndex(() => undefined);
  // Only the index and the counters are used by WsSubscriptions.
  const hold = { index, counters: newHoldCounters() } as unknown as HoldContext;
  const owner: Subscriber = { kind: 'websocket', channels: [], channelCount: 0, deliver: () => 'sent', onTimer: () => undefined, close: () => undefined };
  return { subs: new WsSubscriptions(hold, owner, 'p-', max, fixed), index, hold, owner };
}

const item = (channel: string, meta: Record<string, string> = {}): PublishItem => ({
  channel,
  meta,
  noSeq: false,
  formats: { 'ws-message': { action: 'send', type: 'text', content: Buffer.from('x') } },
});

describe('WsSubscriptions', () => {
  it('adds the route prefix, registers on the index once, and respects the limit', () => {
    const { subs, index, owner } = setup();
    expect(subs.subscribe('a', [])).toBe(true);
    expect(subs.subscribe('a', ['skip-self'])).toBe(true);
    expect(subs.subscribe('b', [])).toBe(true);
    expect(subs.subscribe('c', [])).toBe(true);
    expect(subs.subscribe('d', [])).toBe(false);
    expect(subs.channels).toEqual(['p-a', 'p-b', 'p-c']);
    expect(subs.filtersOf('p-a')).toEqual(['skip-self']);
    expect(index.get('p-a')?.has(owner)).toBe(true);
    expect(index.get('d')).toBeUndefined();
    subs.unsubscribe('a');
    expect(index.get('p-a')).toBeUndefined();
    subs.clear();
    expect(index.channelCount).toBe(0);
  });

  it('keeps sub= channels: subscribed on start, never unsubscribed', () => {
    const { subs, index } = setup(['news']);
    subs.start();
    subs.unsubscribe('news');
    expect(subs.channels).toEqual(['p-news']);
    expect(index.get('p-news')?.size).toBe(1);
  });

  it('runs skip-self with the set-meta user and counts the skip', () => {
    const { subs, hold } = setup();
    subs.subscribe('room', ['skip-self']);
    subs.setMeta('user', 'carol');
    expect(subs.filter(item('p-room', { sender: 'carol' }), undefined, Buffer.from('x'))).toEqual({ kind: 'skip' });
    expect(hold.counters.filtered).toBe(1);
    expect(subs.filter(item('p-room', { sender: 'dave' }), undefined, Buffer.from('x'))).toEqual({ kind: 'send', content: Buffer.from('x') });
    subs.setMeta('user', undefined);
    expect(subs.filter(item('p-room', { sender: 'carol' }), undefined, Buffer.from('x')).kind).toBe('send');
  });

  it('reports a content-filters mismatch and filter errors', () => {
    const { subs } = setup();
    subs.subscribe('plain', []);
    subs.subscribe('ids', ['build-id']);
    expect(subs.filter(item('p-plain'), ['build-id'], Buffer.from('x'))).toEqual({
      kind: 'error',
      message: 'content filter mismatch: subscription= message=build-id',
      mismatch: true,
    });
    const r = subs.filter(item('p-ids'), ['build-id'], Buffer.from('x'));
    expect(r).toMatchObject({ kind: 'error', mismatch: false });
    expect(r.kind === 'error' && r.message).toMatch(/^filter error: build-id: /);
  });

  it("keeps each connection's set-meta its own, and unsets on a connection that set none", () => {
    const a = setup();
    const b = setup();
    b.subs.setMeta('user', undefined); // nothing set yet: a no-op, not a write to a shared record
    a.subs.subscribe('room', ['skip-self']);
    b.subs.subscribe('room', ['skip-self']);
    a.subs.setMeta('user', 'carol');
    const fromCarol = item('p-room', { sender: 'carol' });
    expect(a.subs.filter(fromCarol, undefined, Buffer.from('x'))).toEqual({ kind: 'skip' });
    expect(b.subs.filter(fromCarol, undefined, Buffer.from('x')).kind).toBe('send');
    expect(setup().subs.filter(fromCarol, undefined, Buffer.from('x')).kind).toBe('send');
  });

  it('keeps the filters given to a subscription, and a sub= channel given in a shared list', () => {
    const fixed = ['news'];
    const { subs } = setup(fixed);
    subs.start();
    subs.subscribe('room', []);
    subs.subscribe('feed', ['skip-self']);
    expect(subs.filtersOf('p-room')).toEqual([]);
    expect(subs.filtersOf('p-feed')).toEqual(['skip-self']);
    subs.unsubscribe('news');
    expect(subs.channels).toContain('p-news');
    expect(fixed).toEqual(['news']);
  });

  it('lets items of unknown channels through untouched', () => {
    const { subs } = setup();
    expect(subs.filter(item('other'), undefined, Buffer.from('y'))).toEqual({ kind: 'send', content: Buffer.from('y') });
  });
});
