import { Redis } from 'ioredis';
import { Device, note, put, startStack, type Stack } from './simplepush-helpers';

const DEVICES = 1000;
const BATCH = 100;
const PUT_CONCURRENCY = 50;

/** Runs `fn` over `items`, at most `limit` at a time. */
async function pool<T>(items: T[], limit: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

describe('SimplePush through Thumbtack: many devices', () => {
  let stack: Stack;
  let redis: Redis;

  beforeAll(async () => {
    stack = await startStack();
    redis = new Redis(stack.redis.url);
  });
  afterAll(async () => {
    redis?.disconnect();
    await stack?.close();
  });

  it(`delivers one update to each of ${DEVICES} devices, none lost, none duplicated`, async () => {
    const devices: Device[] = [];
    const channels: Array<{ channelID: string; endpoint: string }> = [];
    for (let start = 0; start < DEVICES; start += BATCH) {
      const batch = await Promise.all(Array.from({ length: Math.min(BATCH, DEVICES - start) }, () => Device.open(stack.proxy)));
      const registered = await Promise.all(
        batch.map(async (d) => {
          await d.hello('');
          return d.register();
        }),
      );
      devices.push(...batch);
      channels.push(...registered);
    }
    expect(new Set(devices.map((d) => d.uaid)).size).toBe(DEVICES);
    expect(new Set(channels.map((c) => c.endpoint)).size).toBe(DEVICES);

    const statuses: number[] = [];
    await pool(channels, PUT_CONCURRENCY, async (ch, i) => {
      statuses[i] = (await put(ch.endpoint, `version=${1000 + i}`)).status;
    });
    expect(statuses.filter((s) => s === 200)).toHaveLength(DEVICES);

    const received = await Promise.all(devices.map((d) => d.next(20000)));
    received.forEach((m, i) => expect(m).toEqual(note(channels[i]?.channelID ?? '', 1000 + i)));

    // Every device acks; once each has answered a ping, nothing is left pending in Redis.
    await pool(devices, BATCH, async (d, i) => {
      d.send({ messageType: 'ack', updates: [{ channelID: channels[i]?.channelID, version: 1000 + i }] });
      expect(await d.ping()).toEqual([]); // and no duplicate arrived before the pong
    });
    expect(await redis.keys('sp:pend:*')).toEqual([]);
    expect(await redis.keys('sp:dev:*')).toHaveLength(DEVICES);

    await pool(devices, BATCH, (d) => d.close());
  }, 60000);
});
