import { mkdtempSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as zmq from 'zeromq';
import { defaultConfig, type ThumbtackConfig } from '../../../src/config/config';
import { Logger } from '../../../src/core/logger';
import type { ZmqSpecs } from '../../../src/publish/zmq-services';
import { Thumbtack } from '../../../src/supervisor';
import { openStream, startBackend, until, type Backend, type OpenStream } from '../../helpers/harness';

/** A real Thumbtack with its ZeroMQ sockets on ephemeral loopback ports (or unique ipc paths). */
export interface ZmqProxy {
  thumbtack: Thumbtack;
  backend: Backend;
  /** `http://127.0.0.1:<client port>` */
  url: string;
  publishUrl: string;
  pull: string;
  sub: string[];
  command: string;
  stats: string;
  /** Log lines (JSON) at warning level and above. */
  logs: string[];
  dir: string;
  /** Opens `GET /<channel>`: the backend holds it as a stream on that channel (body `start\n`). */
  stream(channel: string): Promise<OpenStream>;
  /** Resolves once this instance has a subscriber on the channel. */
  subscribed(channel: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * A backend that holds every request: `GET /<channel>` → stream on `<channel>`, `GET /lp/<channel>` →
 * long-poll on `<channel>` (timeout 55 s).
 */
export function gripBackend(): Promise<Backend> {
  return startBackend((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path.startsWith('/lp/')) {
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Grip-Hold': 'response', 'Grip-Channel': path.slice(4), 'Grip-Timeout': '55' });
      res.end('timeout\n');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Grip-Hold': 'stream', 'Grip-Channel': path.slice(1) });
    res.end('start\n');
  });
}

export interface ZmqProxyOptions {
  config?: Partial<ThumbtackConfig>;
  zmqSpecs?: Partial<ZmqSpecs>;
}

export async function startZmqProxy(opts: ZmqProxyOptions = {}): Promise<ZmqProxy> {
  const dir = mkdtempSync(join(tmpdir(), 'thumbtack-zmq-'));
  const backend = await gripBackend();
  // One in-process worker unless a test asks for worker processes.
  const config: ThumbtackConfig = { ...defaultConfig(dir), workers: 1, ...opts.config };
  const logs: string[] = [];
  const logger = new Logger(1, { write: (line) => void logs.push(line) });
  const thumbtack = new Thumbtack({
    config,
    logger,
    routeLines: [`* 127.0.0.1:${backend.port}`],
    listenOverride: { host: '127.0.0.1', port: 0 },
    publishPortOverride: 0,
    zmqSpecs: {
      pushIn: 'tcp://127.0.0.1:*',
      pushInSub: ['tcp://127.0.0.1:*'],
      command: 'tcp://127.0.0.1:*',
      stats: `ipc://${join(dir, 'run', 'stats')}`,
      ...opts.zmqSpecs,
    },
  });
  try {
    await thumbtack.start();
  } catch (err) {
    await thumbtack.close();
    await backend.close();
    throw err;
  }
  const ep = thumbtack.zmq.endpoints();
  const url = `http://127.0.0.1:${thumbtack.proxyPorts[0]}`;
  const subscribed = (channel: string): Promise<void> =>
    until(() => thumbtack.bus.hasSubscribers(channel), 5000, `a subscriber on ${channel}`);
  return {
    thumbtack,
    backend,
    url,
    publishUrl: `http://127.0.0.1:${thumbtack.publishPort}`,
    pull: ep.pushIn ?? '',
    sub: ep.pushInSub,
    command: ep.command ?? '',
    stats: ep.stats ?? '',
    logs,
    dir,
    stream: async (channel) => {
      const s = await openStream(`${url}/${channel}`);
      await s.waitFor('start\n');
      await subscribed(channel);
      return s;
    },
    subscribed,
    close: async () => {
      await thumbtack.close();
      await backend.close();
    },
  };
}

/** Resolves once a log line matches (rejects after `ms`). */
export function logged(proxy: ZmqProxy, pattern: RegExp, ms = 5000): Promise<void> {
  return until(() => proxy.logs.some((l) => pattern.test(l)), ms, `a log line matching ${pattern}`);
}

/**
 * A SUB socket connected to `spec` and subscribed to `prefix`, resolved once the ZMTP handshake is done and
 * its subscription has had a moment to reach the publisher. A fixed sleep instead would let a slow machine
 * join late and miss a message sent only once (a stats `sub` or `conn` announcement).
 */
export async function joinedSubscriber(spec: string, prefix = '', opts: { receiveTimeout?: number } = {}): Promise<zmq.Subscriber> {
  const socket = new zmq.Subscriber({ linger: 0, ...opts });
  const handshake = new Promise<boolean>((resolve) => socket.events.on('handshake', () => resolve(true)));
  socket.connect(spec);
  socket.subscribe(prefix);
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([handshake, new Promise((resolve) => (timer = setTimeout(resolve, 10_000, false)))]);
  clearTimeout(timer);
  // The subscription frame follows the handshake on the same connection; give the publisher's I/O thread a turn.
  await new Promise((resolve) => setTimeout(resolve, 20));
  return socket;
}
