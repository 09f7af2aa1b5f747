import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { request, startProxy, type FullResponse, type RunningProxy } from '../../helpers/harness';
import { freePort, startChild, type Child } from '../../helpers/processes';
import { connect, wsUrl, type TestClient } from '../websocket/ws-helpers';

/**
 * A real redis-server on a free loopback port, without persistence, stopped by `stop()`. Missing
 * redis-server fails the suite (it is a test dependency, installed by .ci/run), never skips it.
 */
export interface RedisServer {
  url: string;
  port: number;
  child: Child;
  stop(): Promise<void>;
}

export async function startRedis(): Promise<RedisServer> {
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (probe.error !== undefined || probe.status !== 0) {
    throw new Error(
      'redis-server is not installed: the SimplePush tests need a real Redis (Debian: apt-get install -y redis-server; .ci/run installs it).',
    );
  }
  const port = await freePort();
  const child = startChild('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']);
  await child.waitForOutput(/Ready to accept connections/, 10000);
  return { url: `redis://127.0.0.1:${port}`, port, child, stop: () => child.stop() };
}

/** One SimplePush backend process (examples/simplepush/server.mjs) publishing to `proxy`. */
export async function startSimplePush(proxy: RunningProxy, redis: RedisServer, opts: { port?: number; env?: Record<string, string> } = {}): Promise<{ child: Child; port: number }> {
  const port = opts.port ?? (await freePort());
  const child = startChild(process.execPath, ['examples/simplepush/server.mjs'], {
    env: { PORT: String(port), REDIS_URL: redis.url, GRIP_URL: `${proxy.publishUrl}/?key=changeme`, LOG_LEVEL: 'info', ...opts.env },
  });
  await child.waitForOutput(/listening on/, 10000);
  return { child, port };
}

/** Redis + Thumbtack (in-process, routing everything to one backend over HTTP) + the backend. */
export interface Stack {
  redis: RedisServer;
  proxy: RunningProxy;
  backend: Child;
  backendPort: number;
  close(): Promise<void>;
}

export async function startStack(): Promise<Stack> {
  const redis = await startRedis();
  const backendPort = await freePort();
  const proxy = await startProxy({ routes: [`* 127.0.0.1:${backendPort},over_http`] });
  const { child } = await startSimplePush(proxy, redis, { port: backendPort });
  return {
    redis,
    proxy,
    backend: child,
    backendPort,
    close: async () => {
      await child.stop();
      await proxy.close();
      await redis.stop();
    },
  };
}

/** What a device receives: parsed JSON messages. */
export type Msg = Record<string, unknown> & { messageType?: string; status?: number };

/** A SimplePush device: a real `ws` client speaking the protocol through the proxy. */
export class Device {
  readonly client: TestClient;
  uaid = '';

  constructor(url: string) {
    this.client = connect(url, 'push-notification');
  }

  static async open(proxy: RunningProxy, path = '/'): Promise<Device> {
    const d = new Device(wsUrl(proxy.url, path));
    await d.client.opened;
    return d;
  }

  send(message: unknown): void {
    this.client.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  async next(ms = 10000): Promise<Msg> {
    const m = await this.client.next(ms);
    return JSON.parse(m.text) as Msg;
  }

  /** Sends a hello and returns the reply (remembering the uaid). */
  async hello(uaid = this.uaid, channelIDs: string[] = []): Promise<Msg> {
    this.send({ messageType: 'hello', uaid, channelIDs });
    const reply = await this.next();
    expect(reply).toMatchObject({ messageType: 'hello', status: 200 });
    this.uaid = String(reply.uaid);
    return reply;
  }

  /** Registers a channel (a new random one by default); resolves with its id and push endpoint. */
  async register(channelID: string = randomUUID()): Promise<{ channelID: string; endpoint: string }> {
    this.send({ messageType: 'register', channelID });
    const reply = await this.next();
    expect(reply).toMatchObject({ messageType: 'register', channelID, status: 200 });
    return { channelID, endpoint: String(reply.pushEndpoint) };
  }

  /** Sends `{}` and waits for the `{}` answer (messages before it are returned). */
  async ping(ms = 10000): Promise<Msg[]> {
    this.send({});
    const before: Msg[] = [];
    for (;;) {
      const m = await this.next(ms);
      if (Object.keys(m).length === 0) return before;
      before.push(m);
    }
  }

  async close(): Promise<void> {
    this.client.ws.close(1000);
    await this.client.closed;
  }
}

/** `PUT <endpoint>` with a form body (`version=N`, or empty). */
export function put(endpoint: string, body = '', method = 'PUT'): Promise<FullResponse> {
  return request(endpoint, { method, headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body });
}

/** The notification message for one channel and version. */
export const note = (channelID: string, version: number): Msg => ({ messageType: 'notification', updates: [{ channelID, version }] });
