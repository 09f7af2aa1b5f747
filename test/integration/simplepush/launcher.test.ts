import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { freePort, startChild, waitForPort } from '../../helpers/processes';
import { put, startRedis } from './simplepush-helpers';

/** Resolves with the next message of `ws`, parsed (rejects after 10 s: the machine may be busy). */
function nextJson(ws: WebSocket): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no message within 10 s')), 10000);
    ws.once('message', (data: Buffer) => {
      clearTimeout(timer);
      resolve(JSON.parse(data.toString()) as Record<string, unknown>);
    });
  });
}

/** `npm run example:simplepush` runs examples/simplepush/run.mjs (after a build): backend + Thumbtack. */
describe('the SimplePush launcher (examples/simplepush/run.mjs)', () => {
  it('fails with a clear message when Redis is not reachable', async () => {
    const closed = await freePort();
    const launcher = startChild(process.execPath, ['examples/simplepush/run.mjs'], { env: { REDIS_URL: `redis://127.0.0.1:${closed}` } });
    expect(await launcher.exited).toBe(1);
    expect(launcher.output()).toContain(`simplepush: Redis is not reachable at redis://127.0.0.1:${closed} (connect ECONNREFUSED`);
    expect(launcher.output()).toContain('REDIS_URL');
  });

  it('starts the backend and Thumbtack in front of it, and stops both on SIGTERM', async () => {
    const redis = await startRedis();
    const [port, backendPort, publishPort] = [await freePort(), await freePort(), await freePort()];
    // Ports of its own, and no ZeroMQ sockets, so it cannot clash with anything else running.
    const dir = mkdtempSync(join(tmpdir(), 'simplepush-launcher-'));
    const config = join(dir, 'pushpin.conf');
    writeFileSync(
      config,
      ['[runner]', `rundir=${dir}/run`, '[handler]', 'push_in_spec=', 'push_in_sub_specs=', 'command_spec=', 'stats_spec=', `push_in_http_port=${publishPort}`, ''].join('\n'),
    );
    const launcher = startChild(process.execPath, ['examples/simplepush/run.mjs'], {
      env: { REDIS_URL: redis.url, PORT: String(port), BACKEND_PORT: String(backendPort), PUBLISH_PORT: String(publishPort), THUMBTACK_CONFIG: config },
    });
    try {
      await launcher.waitForOutput(/simplepush: ready/, 15000);
      expect(launcher.output()).toContain(`ws://127.0.0.1:${port}/`);
      const ws = new WebSocket(`ws://127.0.0.1:${port}/`, 'push-notification');
      await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
      ws.send(JSON.stringify({ messageType: 'hello', uaid: '' }));
      expect(await nextJson(ws)).toMatchObject({ messageType: 'hello', status: 200 });
      const channelID = '0c8e1b2a-3c4d-4e5f-8a9b-0c1d2e3f4a5b';
      ws.send(JSON.stringify({ messageType: 'register', channelID }));
      const reg = await nextJson(ws);
      expect(String(reg.pushEndpoint)).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${port}/update/`));
      const delivered = nextJson(ws);
      delivered.catch(() => undefined); // awaited below; a failed PUT must not leave it unhandled
      expect((await put(String(reg.pushEndpoint), 'version=5')).status).toBe(200);
      expect(await delivered).toEqual({ messageType: 'notification', updates: [{ channelID, version: 5 }] });
      ws.close();
    } finally {
      await launcher.stop();
      await redis.stop();
    }
    // Both children went with it (the launcher waits for them before exiting).
    await expect(waitForPort(backendPort, 200)).rejects.toThrow();
    await expect(waitForPort(port, 200)).rejects.toThrow();
  }, 30000);
});
