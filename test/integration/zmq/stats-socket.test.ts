import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeStatsMessage, type DecodedStatsMessage } from '../../../src/stats/stats-message';
import { run as runStats } from '../../../tools/thumbtack-stats';
import { openStream, publish, sleep, until } from '../../helpers/harness';
import { joinedSubscriber, startZmqProxy, type ZmqProxy } from './zmq-helpers';

/** Subscribes to a stats socket (resolving once joined) and keeps every message (and raw frame) it reads. */
async function statsReader(spec: string) {
  const socket = await joinedSubscriber(spec);
  const messages: DecodedStatsMessage[] = [];
  const frames: Buffer[] = [];
  const loop = (async () => {
    for await (const [frame] of socket) {
      frames.push(frame as Buffer);
      const msg = decodeStatsMessage(frame as Buffer);
      if (msg.ok) messages.push(msg.value);
    }
  })();
  return {
    messages,
    frames,
    async find(pred: (m: DecodedStatsMessage) => boolean, what: string): Promise<DecodedStatsMessage> {
      await until(() => messages.some(pred), 5000, what);
      return messages.find(pred) as DecodedStatsMessage;
    },
    async close(): Promise<void> {
      socket.close();
      await loop;
    },
  };
}

describe('stats PUB socket (stats.md)', () => {
  let proxy: ZmqProxy;

  beforeAll(async () => {
    proxy = await startZmqProxy({ config: { statsReportInterval: 0.5 } });
  });

  afterAll(() => proxy.close());

  it('binds where stats_spec says (an ipc socket in the rundir by default)', () => {
    expect(proxy.stats).toBe(`ipc://${join(proxy.dir, 'run', 'stats')}`);
  });

  it('tells conn and sub for a real held stream, message for a publish, then report and the ends', async () => {
    const reader = await statsReader(proxy.stats);
    try {
      const from = `thumbtack_${process.pid}`;
      const s = await proxy.stream('st1');
      const conn = await reader.find((m) => m.type === 'conn' && m.fields.unavailable === undefined, 'conn');
      expect(conn.fields).toEqual({ id: expect.stringMatching(/^thumbtack:0-[0-9]+$/), type: 'http', 'peer-address': '127.0.0.1', ttl: 120, from });
      const id = conn.fields.id;
      const sub = await reader.find((m) => m.type === 'sub' && m.fields.channel === 'st1', 'sub');
      expect(sub.fields).toEqual({ mode: 'stream', channel: 'st1', ttl: 60, subscribers: 1, from });
      await reader.find((m) => m.type === 'counts', 'counts');
      await reader.find((m) => m.type === 'activity', 'activity');

      expect((await publish(proxy.publishUrl, [{ channel: 'st1', id: 'st1-1', formats: { 'http-stream': { content: 'hi\n' } } }])).status).toBe(200);
      await s.waitFor('hi\n');
      const message = await reader.find((m) => m.type === 'message', 'message');
      expect(message.fields).toEqual({ channel: 'st1', 'item-id': 'st1-1', count: 1, transport: 'http-stream', from });
      const report = await reader.find((m) => m.type === 'report' && Number(m.fields.sent) >= 1, 'a report with the delivery');
      expect(report.fields).toMatchObject({ connections: 1, received: 1, sent: 1, 'http-response-sent': 0, from });
      expect(report.fields.minutes).toBeGreaterThanOrEqual(1);
      expect(report.fields.duration).toBeGreaterThan(0);

      s.close();
      await reader.find((m) => m.type === 'conn' && m.fields.id === id && m.fields.unavailable === true, 'conn unavailable');
      await reader.find((m) => m.type === 'sub' && m.fields.channel === 'st1' && m.fields.unavailable === true, 'sub unavailable');
      // Tnetstring by default: `<type> T<dict>`.
      expect(reader.frames.every((f) => /^[a-z]+ T/.test(f.toString('latin1')))).toBe(true);
    } finally {
      await reader.close();
    }
  });

  it('reports long-polls in response mode and counts http-response-sent', async () => {
    const reader = await statsReader(proxy.stats);
    try {
      const lp = openStream(`${proxy.url}/lp/lp1`);
      await proxy.subscribed('lp1');
      await reader.find((m) => m.type === 'sub' && m.fields.mode === 'response' && m.fields.channel === 'lp1', 'response sub');
      await publish(proxy.publishUrl, [{ channel: 'lp1', formats: { 'http-response': { body: 'answer\n' } } }]);
      await (await lp).waitFor('answer\n');
      const msg = await reader.find((m) => m.type === 'message' && m.fields.channel === 'lp1', 'message');
      expect(msg.fields).toMatchObject({ transport: 'http-response', count: 1 });
      await reader.find((m) => m.type === 'report' && Number(m.fields['http-response-sent']) >= 1, 'report');
    } finally {
      await reader.close();
    }
  });

  it('thumbtack-stats prints the messages, as JSON with --json, only reports with --report', async () => {
    const out: string[] = [];
    const io = { stdout: (t: string) => void out.push(t), stderr: (t: string) => void out.push(`ERR ${t}`), env: {} };
    expect(await runStats(['--count', '1', '--type', 'report', proxy.stats], io)).toBe(0);
    expect(out.join('')).toMatch(/^report \{"connections":[0-9]+,"minutes":[0-9]+,.*"from":"thumbtack_[0-9]+"\}\n$/);
    out.length = 0;
    expect(await runStats(['--count', '1', '--json', '--type', 'report', proxy.stats], io)).toBe(0);
    expect(JSON.parse(out.join(''))).toMatchObject({ type: 'report', fields: { duration: expect.any(Number) } });
    out.length = 0;
    // --config reads stats_spec from a pushpin.conf.
    const conf = join(proxy.dir, 'stats.conf');
    writeFileSync(conf, `[global]\nrundir=run\n[handler]\nstats_spec=${proxy.stats}\n`);
    expect(await runStats(['--count', '1', '--report', '--config', conf], io)).toBe(0);
    expect(out.join('')).toMatch(/^report connections=[0-9]+ minutes=[0-9]+ received=[0-9]+ sent=[0-9]+ .*\| totals reports=1 /);
    out.length = 0;
    expect(await runStats(['--config', join(proxy.dir, 'missing.conf')], io)).toBe(1);
    expect(out.join('')).toMatch(/^ERR Error: .*missing\.conf: cannot read config file/);
    out.length = 0;
    expect(await runStats(['--bogus'], io)).toBe(1);
    expect(out.join('')).toMatch(/Unknown argument: bogus/);
  });

  it('thumbtack-stats stops when aborted', async () => {
    const abort = new AbortController();
    const io = { stdout: () => undefined, stderr: () => undefined, env: {}, signal: abort.signal };
    const running = runStats(['--type', 'nothing-ever', proxy.stats], io);
    await sleep(100);
    abort.abort();
    expect(await running).toBe(0);
  });
});

describe('stats messages no reader wants', () => {
  it('are neither encoded nor sent: only the types a reader subscribed to go out', async () => {
    const proxy = await startZmqProxy();
    const socket = proxy.thumbtack.zmq.statsSocket;
    if (!socket) throw new Error('no stats socket');
    try {
      const unreadBefore = socket.unread;
      const lonely = await proxy.stream('nr1');
      await until(() => socket.unread > unreadBefore, 5000, 'an unread conn message');
      lonely.close();

      const frames: Buffer[] = [];
      const reader = await joinedSubscriber(proxy.stats, 'conn');
      const loop = (async () => {
        for await (const [frame] of reader) frames.push(frame as Buffer);
      })();
      try {
        // `sub`, `activity` and `counts` are still unread; `conn` now goes out.
        const unreadAtJoin = socket.unread;
        const s = await proxy.stream('nr2');
        await until(() => frames.some((f) => f.toString('latin1').startsWith('conn T')), 5000, 'a conn frame');
        await until(() => socket.unread > unreadAtJoin, 5000, 'an unread sub message');
        expect(frames.every((f) => f.toString('latin1').startsWith('conn T'))).toBe(true);
        s.close();
      } finally {
        reader.close();
        await loop;
      }
    } finally {
      await proxy.close();
    }
  });
});

describe('stats_format=json', () => {
  it('sends `<type> J<compact JSON>` frames', async () => {
    const proxy = await startZmqProxy({ config: { statsFormat: 'json' } });
    const reader = await statsReader(proxy.stats);
    try {
      const s = await proxy.stream('js1');
      const conn = await reader.find((m) => m.type === 'conn', 'conn');
      const raw = reader.frames.find((f) => f.toString().startsWith('conn ')) as Buffer;
      expect(raw.toString()).toBe(`conn J${JSON.stringify(conn.fields)}`);
      expect(conn.fields).toMatchObject({ type: 'http', ttl: 120 });
      s.close();
    } finally {
      await reader.close();
      await proxy.close();
    }
  });
});
