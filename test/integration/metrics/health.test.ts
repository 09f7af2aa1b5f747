import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as zmq from 'zeromq';
import { request, startBackend, startProxy, until, type Backend, type RunningProxy } from '../../helpers/harness';
import { freePort } from '../../helpers/processes';
import { parseExposition, requestSocket, sampleValue } from './metrics-helpers';

interface ReadyBody {
  status: string;
  draining: boolean;
  links: Array<{ kind: string; endpoint: string; up: boolean }>;
  reasons: string[];
}

async function ready(url: string): Promise<{ status: number; body: ReadyBody }> {
  const res = await request(`${url}/health/ready`);
  expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
  return { status: res.status, body: JSON.parse(res.text) as ReadyBody };
}

/** `/health/live` and `/health/ready` on prometheus_port. */
describe('health endpoints', () => {
  it('answers live and ready, then not ready while draining', async () => {
    const port = await freePort();
    let release: (() => void) | undefined;
    const backend: Backend = await startBackend((_req, res) => {
      // Never answers until released: a request in progress keeps the shutdown draining.
      release = () => res.end('late\n');
    });
    const proxy = await startProxy({ routes: [`* 127.0.0.1:${backend.port}`], config: { workers: 1, prometheusPort: `127.0.0.1:${port}` } });
    const url = `http://127.0.0.1:${port}`;
    try {
      const live = await request(`${url}/health/live`);
      expect(live.status).toBe(200);
      expect(JSON.parse(live.text)).toMatchObject({ status: 'live', pid: process.pid });
      expect(await ready(url)).toEqual({ status: 200, body: { status: 'ready', draining: false, links: [], reasons: [] } });

      const inProgress = request(`${proxy.url}/slow`).catch(() => undefined);
      await until(() => backend.requests.length === 1 || release !== undefined, 5000, 'the backend request');
      const closing = proxy.close();
      const during = await ready(url);
      expect(during).toEqual({ status: 503, body: { status: 'not-ready', draining: true, links: [], reasons: ['draining'] } });
      expect((await request(`${url}/health/live`)).status).toBe(200);
      release?.();
      await closing;
      await inProgress;
    } finally {
      await proxy.close();
      await backend.close();
    }
  });

  it('is not ready while a ZeroMQ SUB link in connect mode has no publisher', async () => {
    const port = await freePort();
    const pubPort = await freePort();
    const endpoint = `tcp://127.0.0.1:${pubPort}`;
    let proxy: RunningProxy | undefined;
    let publisher: zmq.Publisher | undefined;
    try {
      proxy = await startProxy({
        routes: ['* test'],
        config: { workers: 1, prometheusPort: `127.0.0.1:${port}`, pushInSubSpecs: [endpoint], pushInSubConnect: true },
      });
      const url = `http://127.0.0.1:${port}`;
      const down = await ready(url);
      expect(down.status).toBe(503);
      expect(down.body.links).toEqual([{ kind: 'zmq-sub', endpoint, up: false }]);
      expect(down.body.reasons).toEqual([`zmq-sub link ${endpoint} has no peer`]);
      const metrics = parseExposition((await request(`${url}/metrics`)).text);
      expect(sampleValue(metrics, 'thumbtack_publish_link_up', { endpoint })).toBe(0);
      expect(sampleValue(metrics, 'thumbtack_ready')).toBe(0);

      publisher = new zmq.Publisher({ linger: 0 });
      await publisher.bind(endpoint);
      const start = Date.now();
      let up = await ready(url);
      while (up.status !== 200 && Date.now() - start < 10_000) {
        await new Promise((r) => setTimeout(r, 50));
        up = await ready(url);
      }
      expect(up).toEqual({ status: 200, body: { status: 'ready', draining: false, links: [{ kind: 'zmq-sub', endpoint, up: true }], reasons: [] } });
      expect(sampleValue(parseExposition((await request(`${url}/metrics`)).text), 'thumbtack_publish_link_up', { endpoint })).toBe(1);

      publisher.close();
      publisher = undefined;
      let again = await ready(url);
      while (again.status !== 503 && Date.now() - start < 10_000) {
        await new Promise((r) => setTimeout(r, 50));
        again = await ready(url);
      }
      expect(again.status).toBe(503);
    } finally {
      publisher?.close();
      await proxy?.close();
    }
  });

  it('listens on a Unix socket with ipc://', async () => {
    const path = join(tmpdir(), `thumbtack-metrics-${process.pid}-${Date.now()}.sock`);
    const proxy = await startProxy({ routes: ['* test'], config: { workers: 1, prometheusPort: `ipc://${path}` } });
    try {
      const live = await requestSocket(path, '/health/live');
      expect(live.status).toBe(200);
      const metrics = await requestSocket(path, '/metrics');
      expect(metrics.text).toContain('# TYPE request_received counter');
    } finally {
      await proxy.close();
      rmSync(path, { force: true });
    }
  });
});
