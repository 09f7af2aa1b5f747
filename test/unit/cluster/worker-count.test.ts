import { FILES_HEADROOM, openFilesLimit, resolveWorkerCount, workerMaxconn } from '../../../src/cluster/worker-count';
import { replayStats, StatsForwarder } from '../../../src/cluster/stats-forwarder';
import type { StatsEvent } from '../../../src/cluster/messages';
import type { StatsEvents } from '../../../src/stats/stats-events';

describe('resolveWorkerCount', () => {
  it('takes workers= when set', () => {
    expect(resolveWorkerCount({ workers: 3, clientMaxconn: 50000 }, 2, 20000)).toBe(3);
  });
  it('defaults to one per core when client_maxconn fits one process', () => {
    expect(resolveWorkerCount({ workers: 0, clientMaxconn: 10000 }, 2, 20000)).toBe(2);
  });
  it('adds workers when client_maxconn needs more open files than one process may have, with 10 % to spare', () => {
    expect(FILES_HEADROOM).toBe(1.1);
    expect(resolveWorkerCount({ workers: 0, clientMaxconn: 50000 }, 2, 20000)).toBe(3);
    // 19,000 files per worker, 17,273 with the headroom: 201,000 needs 12 (11 would leave 4 % to spare).
    expect(resolveWorkerCount({ workers: 0, clientMaxconn: 201000 }, 2, 20000)).toBe(12);
    expect(resolveWorkerCount({ workers: 0, clientMaxconn: 17272 }, 1, 20000)).toBe(1);
    expect(resolveWorkerCount({ workers: 0, clientMaxconn: 17274 }, 1, 20000)).toBe(2);
  });
  it('falls back to one per core when the limit is unknown', () => {
    expect(resolveWorkerCount({ workers: 0, clientMaxconn: 1e6 }, 4, 0)).toBe(4);
  });
});

describe('openFilesLimit', () => {
  it('reads the soft limit from /proc/self/limits text', () => {
    const text = 'Limit                     Soft Limit           Hard Limit           Units\nMax open files            20000                20000                files\n';
    expect(openFilesLimit(text)).toBe(20000);
    expect(openFilesLimit('Max open files            unlimited            unlimited            files')).toBeUndefined();
    expect(openFilesLimit('nothing here')).toBeUndefined();
  });
});

describe('StatsForwarder', () => {
  it('makes unique ids per worker, batches every call, and replays them in order', () => {
    const sent: StatsEvent[][] = [];
    const fwd = new StatsForwarder(7, (events) => sent.push(events));
    const id1 = fwd.connHeld({ type: 'http', peerAddress: '1.2.3.4', ssl: false });
    const id2 = fwd.connHeld({ id: 'ws-uuid', type: 'ws', peerAddress: '1.2.3.4', ssl: true });
    fwd.subscribed('stream', 'news');
    fwd.delivered('news', 'i1', { 'http-response': 0, 'http-stream': 1, 'ws-message': 0 }, undefined);
    fwd.connEnded(id1);
    expect(id1).toBe('thumbtack:7-1');
    expect(id2).toBe('ws-uuid');
    expect(sent).toEqual([]);
    fwd.flush();
    expect(sent).toHaveLength(1);
    const calls: string[] = [];
    const into: StatsEvents = {
      requestReceived: () => calls.push('request'),
      activity: () => calls.push('activity'),
      connHeld: (c) => {
        calls.push(`held ${c.id}`);
        return c.id ?? '';
      },
      connEnded: (id) => calls.push(`ended ${id}`),
      subscribed: (mode, ch) => calls.push(`sub ${mode} ${ch}`),
      unsubscribed: (mode, ch) => calls.push(`unsub ${mode} ${ch}`),
      delivered: (ch, id) => calls.push(`delivered ${ch} ${id}`),
      itemsReceived: () => calls.push('items'),
    };
    replayStats(sent[0] as StatsEvent[], into);
    expect(calls).toEqual(['held thumbtack:7-1', 'held ws-uuid', 'sub stream news', 'delivered news i1', 'ended thumbtack:7-1']);
  });
});

describe('workerMaxconn (a worker\'s part of client_maxconn)', () => {
  it('is the whole limit with one worker', () => {
    expect(workerMaxconn(50_000, 1, 20_000)).toBe(50_000);
  });

  it('is the share plus 25 % slack, capped by the open-files limit but never under the share', () => {
    expect(workerMaxconn(201_000, 12, 20_000)).toBe(19_000); // share 16,750; +25 % = 20,938; files allow 19,000
    expect(workerMaxconn(1_000, 2, 20_000)).toBe(625);
    expect(workerMaxconn(1_000, 2, undefined)).toBe(625);
    expect(workerMaxconn(100_000, 2, 20_000)).toBe(50_000); // the share itself is over the files cap: keep the share
  });
});
