import { StatsCollector } from '../../../src/stats/stats-collector';
import type { StatsMessage } from '../../../src/stats/stats-message';

function setup(extra: { blockSize?: number; lingerSec?: number } = {}) {
  let now = 1_000_000;
  const sent: StatsMessage[] = [];
  const stats = new StatsCollector({
    from: 'tt',
    connectionTtlSec: 120,
    subscriptionTtlSec: 60,
    subscriptionLingerSec: extra.lingerSec ?? 60,
    reportIntervalSec: 10,
    blockSize: extra.blockSize,
    send: (m) => sent.push(m),
    now: () => now,
    timers: false,
  });
  return {
    stats,
    advance: (ms: number) => {
      now += ms;
    },
    /** Messages sent since the last call. */
    take: (): StatsMessage[] => sent.splice(0),
  };
}

const zero = { 'http-response': 0, 'http-stream': 0, 'ws-message': 0 };

describe('StatsCollector', () => {
  it('announces a held connection at once, refreshes it every 3/4 TTL, and says when it ends', () => {
    const { stats, advance, take } = setup();
    const id = stats.connHeld({ type: 'http', peerAddress: '127.0.0.1', ssl: false });
    expect(id).toBe('thumbtack:0-0');
    expect(stats.connHeld({ type: 'http', peerAddress: '::1', ssl: true, route: 'api' })).toBe('thumbtack:0-1');
    expect(take()).toEqual([
      { type: 'conn', fields: { id, type: 'http', 'peer-address': '127.0.0.1', ttl: 120, from: 'tt' } },
      { type: 'conn', fields: { id: 'thumbtack:0-1', type: 'http', 'peer-address': '::1', ssl: true, ttl: 120, from: 'tt', route: 'api' } },
    ]);
    expect(stats.hasConnection(id)).toBe(true);
    advance(89_000);
    stats.sweep();
    expect(take()).toEqual([]);
    advance(1_000);
    stats.sweep();
    expect(take().map((m) => m.fields.id)).toEqual([id, 'thumbtack:0-1']);
    stats.connEnded(id);
    stats.connEnded(id); // a second end is ignored
    stats.connEnded('unknown');
    expect(take()).toEqual([{ type: 'conn', fields: { id, unavailable: true, from: 'tt' } }]);
    expect(stats.hasConnection(id)).toBe(false);
    expect(stats.connectionCount).toBe(1);
  });

  it('batches subscription changes, reports counts, ends streams at once and long-polls after the linger', () => {
    const { stats, advance, take } = setup({ lingerSec: 60 });
    stats.subscribed('stream', 'news');
    stats.subscribed('stream', 'news');
    stats.subscribed('response', 'lp');
    expect(take()).toEqual([]); // batched until the flush
    stats.flush();
    expect(take()).toEqual([
      { type: 'sub', fields: { mode: 'stream', channel: 'news', ttl: 60, subscribers: 2, from: 'tt' } },
      { type: 'sub', fields: { mode: 'response', channel: 'lp', ttl: 60, subscribers: 1, from: 'tt' } },
    ]);
    stats.unsubscribed('stream', 'news');
    stats.unsubscribed('stream', 'news');
    stats.unsubscribed('response', 'lp');
    stats.flush();
    expect(take()).toEqual([{ type: 'sub', fields: { mode: 'stream', channel: 'news', unavailable: true, from: 'tt' } }]);
    // A long-poll that comes back within the linger keeps the subscription without an unavailable.
    advance(30_000);
    stats.subscribed('response', 'lp');
    stats.flush();
    expect(take()).toEqual([{ type: 'sub', fields: { mode: 'response', channel: 'lp', ttl: 60, subscribers: 1, from: 'tt' } }]);
    stats.unsubscribed('response', 'lp');
    stats.flush();
    advance(59_000);
    stats.sweep();
    expect(take()).toEqual([]);
    advance(1_000);
    stats.sweep();
    expect(take()).toEqual([{ type: 'sub', fields: { mode: 'response', channel: 'lp', unavailable: true, from: 'tt' } }]);
    // Added and gone within one batch: never announced, so nothing is said.
    stats.subscribed('stream', 'blink');
    stats.unsubscribed('stream', 'blink');
    stats.unsubscribed('stream', 'never');
    stats.flush();
    expect(take()).toEqual([]);
  });

  it('refreshes live subscriptions every 3/4 TTL', () => {
    const { stats, advance, take } = setup();
    stats.subscribed('ws', 'chat');
    stats.flush();
    take();
    advance(44_000);
    stats.sweep();
    expect(take()).toEqual([]);
    advance(1_000);
    stats.sweep();
    expect(take()).toEqual([{ type: 'sub', fields: { mode: 'ws', channel: 'chat', ttl: 60, subscribers: 1, from: 'tt' } }]);
  });

  it('sends one message per transport that had receivers, with blocks when configured', () => {
    const { stats, take } = setup({ blockSize: 100 });
    stats.delivered('s1', 'st1', { ...zero, 'http-stream': 2, 'http-response': 1 }, 250);
    expect(take()).toEqual([
      { type: 'message', fields: { channel: 's1', 'item-id': 'st1', count: 1, blocks: 3, transport: 'http-response', from: 'tt' } },
      { type: 'message', fields: { channel: 's1', 'item-id': 'st1', count: 2, blocks: 6, transport: 'http-stream', from: 'tt' } },
    ]);
  });

  it('batches activity and request counts', () => {
    const { stats, take } = setup();
    stats.requestReceived(undefined);
    stats.requestReceived(undefined);
    stats.requestReceived('api');
    stats.activity(undefined, 1);
    stats.flush();
    expect(take()).toEqual([
      { type: 'activity', fields: { count: 3, from: 'tt' } },
      { type: 'activity', fields: { count: 1, from: 'tt', route: 'api' } },
      { type: 'counts', fields: { 'requests-received': 3, from: 'tt' } },
    ]);
    stats.flush();
    expect(take()).toEqual([]);
  });

  it('reports peak connections, connection-minutes (rounded up), received and sent per period', () => {
    const { stats, advance, take } = setup();
    const a = stats.connHeld({ type: 'http', peerAddress: 'a', ssl: false });
    stats.connHeld({ type: 'http', peerAddress: 'b', ssl: false });
    stats.connEnded(a);
    stats.itemsReceived([{}, {}]);
    stats.delivered('c', undefined, { ...zero, 'http-response': 1, 'http-stream': 2 }, undefined);
    take();
    advance(10_000);
    stats.report();
    expect(take()).toEqual([
      {
        type: 'report',
        fields: expect.objectContaining({ connections: 2, minutes: 2, received: 2, sent: 3, 'http-response-sent': 1, duration: 10_000, from: 'tt' }),
      },
    ]);
    // Next period: one connection still held; it starts its second minute 60 s after it began.
    advance(50_000);
    stats.report();
    expect(take()[0]?.fields).toMatchObject({ connections: 1, minutes: 1, received: 0, sent: 0, duration: 50_000 });
    advance(10_000);
    stats.report();
    expect(take()[0]?.fields).toMatchObject({ connections: 1, minutes: 0 });
  });

  it('ignores events after close', () => {
    const { stats, take } = setup();
    stats.close();
    stats.connHeld({ type: 'http', peerAddress: 'x', ssl: false });
    stats.report();
    expect(take()).toEqual([]);
  });
});
