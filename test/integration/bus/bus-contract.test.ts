import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { workerMarker, ZmqBusClient, ZmqBusServer } from '../../../src/cluster/zmq-bus';
import { silentLogger } from '../../../src/core/logger';
import type { Bus } from '../../../src/publish/bus';
import { InProcessBus } from '../../../src/publish/in-process-bus';
import type { PublishItem } from '../../../src/publish/item-types';
import { sleep, until } from '../../helpers/harness';

/**
 * One contract for every Bus: the in-process bus (workers=1) and the ZeroMQ bus between processes must
 * behave the same, as the supervisor and the workers see them.
 */
interface BusPair {
  /** The supervisor's side. */
  server: Bus;
  /** The workers' sides (the in-process bus has exactly one, itself). */
  workers: Bus[];
  close(): Promise<void>;
}

function item(channel: string, content: string | Buffer, id?: string): PublishItem {
  return {
    channel,
    id,
    meta: { sender: 'alice' },
    noSeq: false,
    formats: { 'http-stream': { action: 'send', content: Buffer.isBuffer(content) ? content : Buffer.from(content) } },
  };
}

function collect(bus: Bus): PublishItem[] {
  const got: PublishItem[] = [];
  bus.onItem((i) => got.push(i));
  return got;
}

function contract(name: string, makePair: (workers: number) => Promise<BusPair>, maxWorkers: number): void {
  describe(`${name} bus contract`, () => {
    let pair: BusPair | undefined;
    afterEach(async () => {
      await pair?.close();
      pair = undefined;
    });

    it('carries an item to a worker subscribed to its channel, bytes and fields intact', async () => {
      pair = await makePair(1);
      const worker = pair.workers[0] as Bus;
      const got = collect(worker);
      worker.subscribe('news');
      await until(() => pair?.server.hasSubscribers('news') === true, 3000, 'the subscription to reach the server');
      const binary = Buffer.from([0, 1, 2, 255, 10]);
      pair.server.publish([item('news', binary, 'id-1')]);
      await until(() => got.length === 1, 3000, 'the item');
      expect(got[0]?.channel).toBe('news');
      expect(got[0]?.id).toBe('id-1');
      expect(got[0]?.meta).toEqual({ sender: 'alice' });
      expect(got[0]?.formats['http-stream']?.content?.equals(binary)).toBe(true);
    });

    it('matches channels exactly and keeps publish order', async () => {
      pair = await makePair(1);
      const worker = pair.workers[0] as Bus;
      const got = collect(worker);
      worker.subscribe('news');
      await until(() => pair?.server.hasSubscribers('news') === true, 3000, 'the subscription');
      const items = Array.from({ length: 100 }, (_, n) => item(n % 2 === 0 ? 'news' : 'newsletter', String(n)));
      pair.server.publish(items);
      await until(() => got.length === 50, 3000, '50 items');
      await sleep(50);
      expect(got.map((i) => i.formats['http-stream']?.content?.toString())).toEqual(Array.from({ length: 50 }, (_, n) => String(n * 2)));
      expect(got.every((i) => i.channel === 'news')).toBe(true);
    });

    it('stops carrying a channel once it is unsubscribed', async () => {
      pair = await makePair(1);
      const worker = pair.workers[0] as Bus;
      const got = collect(worker);
      worker.subscribe('a');
      await until(() => pair?.server.hasSubscribers('a') === true, 3000, 'the subscription');
      worker.unsubscribe('a');
      await until(() => pair?.server.hasSubscribers('a') === false, 3000, 'the unsubscription');
      pair.server.publish([item('a', 'late')]);
      await sleep(100);
      expect(got).toEqual([]);
    });

    if (maxWorkers > 1) {
      it('reports interest 0→1 and 1→0 across workers, and carries items only to interested workers', async () => {
        pair = await makePair(2);
        const [w1, w2] = pair.workers as [Bus, Bus];
        const got1 = collect(w1);
        const got2 = collect(w2);
        const transitions: Array<[string, boolean]> = [];
        pair.server.onInterest((channel, interested) => transitions.push([channel, interested]));
        w1.subscribe('shared');
        w2.subscribe('shared');
        w2.subscribe('only2');
        await until(() => pair?.server.hasSubscribers('only2') === true && pair.server.hasSubscribers('shared'), 3000, 'subscriptions');
        await sleep(50);
        pair.server.publish([item('shared', 's'), item('only2', 'o')]);
        await until(() => got1.length === 1 && got2.length === 2, 3000, 'deliveries');
        expect(got1.map((i) => i.channel)).toEqual(['shared']);
        w1.unsubscribe('shared');
        await sleep(100);
        expect(pair.server.hasSubscribers('shared')).toBe(true);
        w2.unsubscribe('shared');
        await until(() => pair?.server.hasSubscribers('shared') === false, 3000, 'the last unsubscription');
        expect(transitions.filter(([c]) => c === 'shared')).toEqual([
          ['shared', true],
          ['shared', false],
        ]);
      });
    }
  });
}

contract(
  'in-process',
  async () => {
    const bus = new InProcessBus();
    return { server: bus, workers: [bus], close: () => bus.close() };
  },
  1,
);

contract(
  'ZeroMQ',
  async (workers) => {
    const endpoint = `ipc://${join(mkdtempSync(join(tmpdir(), 'thumbtack-bus-')), 'bus')}`;
    const server = new ZmqBusServer(endpoint, silentLogger);
    await server.start();
    const clients = Array.from({ length: workers }, () => new ZmqBusClient(endpoint, silentLogger));
    for (const c of clients) c.start();
    return {
      server,
      workers: clients,
      close: async () => {
        await Promise.all(clients.map((c) => c.close()));
        await server.close();
      },
    };
  },
  2,
);

/** ZeroMQ only: the sequence numbers the supervisor's pacing of publishes relies on (applied-tracker.ts). */
describe('ZeroMQ bus: sequence numbers and applied reports', () => {
  it('numbers each turn’s message and has every worker report, once per turn, the highest it applied', async () => {
    const endpoint = `ipc://${join(mkdtempSync(join(tmpdir(), 'thumbtack-bus-')), 'bus')}`;
    const server = new ZmqBusServer(endpoint, silentLogger);
    await server.start();
    const clients = [new ZmqBusClient(endpoint, silentLogger), new ZmqBusClient(endpoint, silentLogger)];
    const sent: number[] = [];
    server.onSent((seq) => sent.push(seq));
    const reports = clients.map(() => [] as number[]);
    const got = clients.map((c) => collect(c));
    clients.forEach((c, i) => {
      c.onApplied((seq) => reports[i]?.push(seq));
      c.start(workerMarker(`m${i}`));
      c.subscribe('seq');
    });
    try {
      await Promise.all(clients.map((_, i) => server.workerConnected(`m${i}`)));
      await until(() => server.hasSubscribers('seq'), 3000, 'subscription');
      await sleep(50);
      expect(server.pendingSeq()).toBe(0);
      server.publish([item('seq', 'a')]);
      server.publish([item('seq', 'b')]);
      expect(server.pendingSeq()).toBe(1); // one message for this turn, not yet sent
      expect(sent).toEqual([]);
      await sleep(0);
      await new Promise((r) => setImmediate(r));
      expect(sent).toEqual([1]);
      expect(server.lastSentSeq()).toBe(1);
      server.publish([item('seq', 'c')]);
      expect(server.pendingSeq()).toBe(2);
      await until(() => reports.every((r) => r.at(-1) === 2), 3000, 'both workers to report message 2');
      for (const g of got) expect(g.map((i) => i.formats['http-stream']?.content?.toString())).toEqual(['a', 'b', 'c']);
      // Reports only grow, and come at most once per message here (one message per turn).
      for (const r of reports) {
        expect([...r].sort((x, y) => x - y)).toEqual(r);
        expect(r.length).toBeLessThanOrEqual(2);
      }
    } finally {
      await Promise.all(clients.map((c) => c.close()));
      await server.close();
    }
  });
});
