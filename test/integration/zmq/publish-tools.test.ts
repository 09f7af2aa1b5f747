/**
 * The two publish tools are interchangeable: Pushpin's `pushpin-publish` publishes to Thumbtack, and
 * `thumbtack-publish` publishes to a real Pushpin, each over HTTP and over ZeroMQ.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeStatsMessage } from '../../../src/stats/stats-message';
import { run as runPublish } from '../../../tools/thumbtack-publish';
import { run as runStats } from '../../../tools/thumbtack-stats';
import type { ToolIo } from '../../../tools/tool-io';
import { openStream, until, type Backend, type OpenStream } from '../../helpers/harness';
import { freePort, startChild, waitForPort, type Child } from '../../helpers/processes';
import { gripBackend, joinedSubscriber, startZmqProxy, type ZmqProxy } from './zmq-helpers';

function installed(bin: string): boolean {
  return !spawnSync(bin, ['--version']).error;
}

/** Runs `thumbtack-publish` in-process; resolves with its exit code and output. */
async function thumbtackPublish(args: string[], opts: { stdin?: string; env?: Record<string, string> } = {}) {
  let stdout = '';
  let stderr = '';
  const io: ToolIo = {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    stdin: opts.stdin === undefined ? undefined : () => Promise.resolve(Buffer.from(opts.stdin as string)),
    env: opts.env ?? {},
  };
  const code = await runPublish(args, io);
  return { code, stdout, stderr };
}

/** Runs the installed `pushpin-publish`. */
function pushpinPublish(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('pushpin-publish', args, { timeout: 10_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('thumbtack-publish against Thumbtack', () => {
  let proxy: ZmqProxy;
  beforeAll(async () => {
    proxy = await startZmqProxy();
  });
  afterAll(() => proxy.close());

  it('publishes over HTTP (--spec and GRIP_URL) and over ZeroMQ PUSH, with content from standard input', async () => {
    const s = await proxy.stream('tp1');
    expect(await thumbtackPublish(['--spec', proxy.publishUrl, 'tp1', 'over http'])).toEqual({ code: 0, stdout: 'Published\n', stderr: '' });
    await s.waitFor('over http\n');
    expect((await thumbtackPublish(['tp1', 'from env'], { env: { GRIP_URL: proxy.publishUrl } })).code).toBe(0);
    await s.waitFor('from env\n');
    expect(await thumbtackPublish(['--spec', proxy.pull, 'tp1', '--no-eol', 'over zmq\n'])).toEqual({ code: 0, stdout: 'Published\n', stderr: '' });
    await s.waitFor('over zmq\n');
    expect((await thumbtackPublish(['--spec', proxy.pull, 'tp1'], { stdin: 'piped in\n' })).code).toBe(0);
    await s.waitFor('piped in\n');
    expect((await thumbtackPublish(['--spec', proxy.publishUrl, 'tp1', '--close'])).code).toBe(0);
    await s.ended;
    expect(s.text()).toBe('start\nover http\nfrom env\nover zmq\npiped in\n');
  });

  it('sends the long-poll response with --code, -H and --id', async () => {
    const lp = openStream(`${proxy.url}/lp/tp2`);
    await proxy.subscribed('tp2');
    const r = await thumbtackPublish(['--spec', proxy.publishUrl, 'tp2', 'made it', '--code', '201', '-H', 'X-Tool: thumbtack', '--id', 'a1']);
    expect(r.code).toBe(0);
    const res = await lp;
    await res.ended;
    expect(res.res.statusCode).toBe(201);
    expect(res.res.headers['x-tool']).toBe('thumbtack');
    expect(res.text()).toBe('made it\n');
  });

  it('prints `Error: <reason>` and exits 1', async () => {
    const rejected = await thumbtackPublish(['--spec', proxy.publishUrl, 'bad\nchannel', 'x']);
    expect(rejected.code).toBe(1);
    expect(rejected.stderr).toMatch(/^Error: Invalid format: .*control character\n$/);
    const port = await freePort();
    const refused = await thumbtackPublish(['--spec', `http://127.0.0.1:${port}`, 'c', 'x']);
    expect(refused).toMatchObject({ code: 1, stdout: '' });
    expect(refused.stderr).toMatch(/^Error: connect ECONNREFUSED/);
    const noPeer = await thumbtackPublish(['--spec', `tcp://127.0.0.1:${port}`, '--timeout', '0.3', 'c', 'x']);
    expect(noPeer.stderr).toBe(`Error: no ZeroMQ peer accepted the message at tcp://127.0.0.1:${port} within 300 ms\n`);
    expect((await thumbtackPublish(['--spec', proxy.publishUrl, 'c'])).stderr).toBe('Error: must specify content\n');
    expect((await thumbtackPublish(['--spec', proxy.publishUrl, 'c', 'x', '-u', 'a:b'])).stderr).toBe('Error: Authentication requires https\n');
    const usage = await thumbtackPublish([]);
    expect(usage.code).toBe(1);
    expect(usage.stderr).toMatch(/^error: the following required argument was not provided: <channel>\n\nUSAGE:/);
    const help = await thumbtackPublish(['--help']);
    expect(help.code).toBe(0);
    for (const flag of ['--close', '--hint', '--no-eol', '--no-seq', '--patch', '--code', '--header', '--id', '--meta', '--prev-id', '--sender', '--spec', '--user']) {
      expect(help.stdout).toContain(flag);
    }
  });
});

const hasPushpinPublish = installed('pushpin-publish');
if (!hasPushpinPublish) console.log('pushpin-publish is not installed: skipping the pushpin-publish → Thumbtack tests');

(hasPushpinPublish ? describe : describe.skip)('pushpin-publish (Debian package) against Thumbtack', () => {
  let proxy: ZmqProxy;
  beforeAll(async () => {
    proxy = await startZmqProxy();
  });
  afterAll(() => proxy.close());

  it('publishes over HTTP and over ZeroMQ PUSH', async () => {
    const s = await proxy.stream('pp1');
    expect(await pushpinPublish(['--spec', proxy.publishUrl, 'pp1', 'pushpin over http'])).toMatchObject({ code: 0, stdout: 'Published\n' });
    await s.waitFor('pushpin over http\n');
    expect(await pushpinPublish(['--spec', proxy.pull, 'pp1', 'pushpin over zmq'])).toMatchObject({ code: 0, stdout: 'Published\n' });
    await s.waitFor('pushpin over zmq\n');
    expect(s.text()).toBe('start\npushpin over http\npushpin over zmq\n');
    s.close();
  });

  it("delivers the long-poll response it builds, and Thumbtack's errors reach it", async () => {
    const lp = openStream(`${proxy.url}/lp/pp2`);
    await proxy.subscribed('pp2');
    expect((await pushpinPublish(['--spec', proxy.publishUrl, 'pp2', 'lp body', '--code', '202', '-H', 'X-From: pushpin-publish'])).code).toBe(0);
    const res = await lp;
    await res.ended;
    expect([res.res.statusCode, res.res.headers['x-from'], res.text()]).toEqual([202, 'pushpin-publish', 'lp body\n']);
    const bad = await pushpinPublish(['--spec', proxy.publishUrl, 'bad\u0001channel', 'x']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^Error: Invalid format: /);
  });
});

const hasPushpin = installed('pushpin');
if (!hasPushpin) console.log('pushpin is not installed: skipping the thumbtack-publish → Pushpin tests');

(hasPushpin ? describe : describe.skip)('thumbtack-publish against a real Pushpin 1.36', () => {
  let pushpin: Child;
  let backend: Backend;
  let dir: string;
  const ports = { http: 0, publish: 0, pull: 0, sub: 0, command: 0 };
  let statsSpec: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'thumbtack-pp-'));
    backend = await gripBackend();
    for (const key of Object.keys(ports) as Array<keyof typeof ports>) ports[key] = await freePort();
    statsSpec = `ipc://${join(dir, 'run', 'pushpin-stats')}`;
    writeFileSync(join(dir, 'routes'), `* 127.0.0.1:${backend.port}\n`);
    writeFileSync(
      join(dir, 'pushpin.conf'),
      [
        '[global]',
        'include={libdir}/internal.conf',
        `rundir=${join(dir, 'run')}`,
        'ipc_prefix=pushpin-',
        'port_offset=0',
        '[runner]',
        // zurl makes the backend requests (1.36); its sockets live in this rundir, not /var/run/zurl.
        'services=condure,zurl,pushpin-proxy,pushpin-handler',
        `http_port=127.0.0.1:${ports.http}`,
        'log_level=2',
        '[proxy]',
        'zurl_out_specs=ipc://{rundir}/{ipc_prefix}zurl-in',
        'zurl_out_stream_specs=ipc://{rundir}/{ipc_prefix}zurl-in-stream',
        'zurl_in_specs=ipc://{rundir}/{ipc_prefix}zurl-out',
        'routesfile=routes',
        'sig_key=changeme',
        '[handler]',
        `push_in_spec=tcp://127.0.0.1:${ports.pull}`,
        `push_in_sub_specs=tcp://127.0.0.1:${ports.sub}`,
        'push_in_http_addr=127.0.0.1',
        `push_in_http_port=${ports.publish}`,
        `command_spec=tcp://127.0.0.1:${ports.command}`,
        'stats_spec=ipc://{rundir}/{ipc_prefix}stats',
        '',
      ].join('\n'),
    );
    pushpin = startChild('pushpin', ['--config', join(dir, 'pushpin.conf')], { cwd: dir });
    await waitForPort(ports.publish, 20_000);
    await waitForPort(ports.http, 20_000);
    // Listening is not ready: wait until a request goes through all of Pushpin's processes to the backend.
    (await openPushpinStream('warm-up')).close();
  }, 60_000);

  afterAll(async () => {
    await pushpin?.stop();
    await backend?.close();
  });

  /**
   * Opens a stream through Pushpin. A Pushpin that is still starting (or a loaded machine) may answer
   * `500 Accept service unavailable.` or accept and not answer yet: ask again, for up to 30 s.
   */
  async function openPushpinStream(channel: string): Promise<OpenStream> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      let failure: string;
      try {
        const s = await openStream(`http://127.0.0.1:${ports.http}/${channel}`, {}, { headTimeoutMs: 5_000 });
        if (s.res.statusCode === 200) {
          await s.waitFor('start\n', 10_000);
          return s;
        }
        s.close();
        failure = `status ${s.res.statusCode}`;
      } catch (err) {
        failure = String(err);
      }
      if (Date.now() > deadline) throw new Error(`Pushpin did not open a stream on ${channel}: ${failure}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  /**
   * Opens a stream through Pushpin and waits until its handler reports the subscription on its stats socket.
   * The stats subscriber must be connected before the stream opens: Pushpin announces a subscription once and
   * refreshes it only much later, so a late joiner (a slow machine) would wait past the test's time. If the
   * announcement is still missed, the stream is opened again, which announces it anew.
   */
  async function pushpinStream(channel: string): Promise<OpenStream> {
    const stats = await joinedSubscriber(statsSpec, 'sub ', { receiveTimeout: 4_000 });
    try {
      for (let attempt = 1; ; attempt++) {
        const s = await openPushpinStream(channel);
        try {
          for (;;) {
            const [frame] = await stats.receive();
            const msg = decodeStatsMessage(frame as Buffer);
            if (msg.ok && msg.value.fields.channel === channel) return s;
          }
        } catch (err) {
          s.close();
          if (attempt === 3) throw err;
        }
      }
    } finally {
      stats.close();
    }
  }

  it('publishes to Pushpin over HTTP and over ZeroMQ PUSH', async () => {
    const s = await pushpinStream('tt1');
    const http = await thumbtackPublish(['--spec', `http://127.0.0.1:${ports.publish}`, 'tt1', 'thumbtack over http']);
    expect(http).toEqual({ code: 0, stdout: 'Published\n', stderr: '' });
    await s.waitFor('thumbtack over http\n');
    const viaZmq = await thumbtackPublish(['--spec', `tcp://127.0.0.1:${ports.pull}`, 'tt1', 'thumbtack over zmq', '--id', 'z1']);
    expect(viaZmq).toEqual({ code: 0, stdout: 'Published\n', stderr: '' });
    await s.waitFor('thumbtack over zmq\n');
    expect(s.text()).toBe('start\nthumbtack over http\nthumbtack over zmq\n');
    s.close();
  });

  it("prints Pushpin's error text and exits 1 when Pushpin refuses", async () => {
    // A GRIP URL with a path: POST /nope/publish/ is a 404 for Pushpin's publish API.
    const r = await thumbtackPublish(['--spec', `http://127.0.0.1:${ports.publish}/nope`, 'tt2', 'x']);
    expect(r).toEqual({ code: 1, stdout: '', stderr: 'Error: Not Found\n' });
    // pushpin-publish says exactly the same.
    if (hasPushpinPublish) {
      const p = await pushpinPublish(['--spec', `http://127.0.0.1:${ports.publish}/nope`, 'tt2', 'x']);
      expect([p.code, p.stderr]).toEqual([1, 'Error: Not Found\n']);
    }
  });

  it("thumbtack-stats reads Pushpin's stats socket", async () => {
    const out: string[] = [];
    const io = { stdout: (t: string) => void out.push(t), stderr: (t: string) => void out.push(`ERR ${t}`), env: {} };
    const reading = runStats(['--count', '1', '--json', '--type', 'conn', statsSpec], io);
    // The tool's subscriber may join after the first connection's announcement (a slow machine): each new
    // connection announces itself, so open another until one is read.
    const streams: OpenStream[] = [];
    try {
      for (let attempt = 0; out.length === 0 && attempt < 10; attempt++) {
        await new Promise((r) => setTimeout(r, attempt === 0 ? 200 : 1_000));
        streams.push(await openStream(`http://127.0.0.1:${ports.http}/tt3`));
      }
      expect(await reading).toBe(0);
      await until(() => out.length > 0, 5000, 'a line');
      expect(JSON.parse(out[0] as string)).toMatchObject({ type: 'conn', fields: { type: 'http', from: expect.stringMatching(/^pushpin-handler_/) } });
    } finally {
      for (const s of streams) s.close();
    }
  });
});
