import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as zmq from 'zeromq';
import { decodeStatsMessage } from '../../src/stats/stats-message';
import { freePort, waitForPort } from '../helpers/processes';

/** Where the Debian package puts things. */
export const PUSHPIN_CONF = '/etc/pushpin/pushpin.conf';
export const PUSHPIN_INTERNAL_CONF = '/usr/lib/pushpin/internal.conf';

/** Publish ports of the shipped config before `port_offset`: push_in (PULL), http, sub (XSUB), command. */
const SHIPPED_HANDLER_PORTS = [5560, 5561, 5562, 5563];

/** A real Pushpin started from the Debian package's config, on free loopback ports, in its own temp dir. */
export interface PushpinInstance {
  /** `http://127.0.0.1:<http_port>` */
  url: string;
  /** `http://127.0.0.1:<push_in_http_port + port_offset>` */
  publishUrl: string;
  /** `pushpin --version`, e.g. `pushpin 1.36.0`. */
  version: string;
  dir: string;
  /** Resolves once the handler announced (stats `sub`) a subscription to `channel`. */
  subscribed(channel: string, ms?: number): Promise<void>;
  /** The runner's stdout/stderr so far, and the proxy and handler logs. */
  logs(): string;
  close(): Promise<void>;
}

/** Finds an executable on PATH (`process.env.PATH`), or undefined. */
export function which(cmd: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir === '') continue;
    const candidate = join(dir, cmd);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

/** True when something can bind the port on all interfaces and on loopback right now. */
/**
 * An http_port and a port_offset such that http_port and the four shifted handler ports are free. Both
 * come from `freePort`: below Linux's ephemeral range (32768–60999), so an outgoing connection of a test
 * running in parallel cannot take them as its source port before Pushpin binds them, and in this Jest
 * worker's own slice, so a suite running in parallel cannot pick them either.
 */
async function choosePorts(): Promise<{ httpPort: number; portOffset: number }> {
  const httpPort = await freePort();
  const first = await freePort(SHIPPED_HANDLER_PORTS.length);
  return { httpPort, portOffset: first - Math.min(...SHIPPED_HANDLER_PORTS) };
}

/**
 * The shipped pushpin.conf with our rundir, logdir, http_port, port_offset and the absolute internal.conf.
 *
 * One change beyond those: the Debian `internal.conf` points pushpin-proxy at a system-wide zurl
 * (`ipc:///var/run/zurl/...`) and the shipped `services` line does not start one, so a plain copy answers
 * every proxied request with a 502 after 60 s. We add `zurl` to `services` (the runner then writes its own
 * zurl.conf into the rundir) and point the proxy's zurl specs at that rundir, as upstream's config does.
 */
export function pushpinConfig(shipped: string, opts: { dir: string; httpPort: number; portOffset: number }): string {
  const set = (text: string, key: string, value: string): string => {
    const re = new RegExp(`^${key}=.*$`, 'm');
    if (!re.test(text)) throw new Error(`${PUSHPIN_CONF} has no ${key}= line`);
    return text.replace(re, `${key}=${value}`);
  };
  let conf = shipped;
  conf = set(conf, 'include', PUSHPIN_INTERNAL_CONF);
  conf = set(conf, 'rundir', join(opts.dir, 'run'));
  conf = set(conf, 'logdir', join(opts.dir, 'log'));
  conf = set(conf, 'http_port', String(opts.httpPort));
  conf = set(conf, 'port_offset', String(opts.portOffset));
  conf = set(conf, 'routesfile', join(opts.dir, 'routes'));
  const services = /^services=(.*)$/m.exec(conf)?.[1]?.split(',').map((s) => s.trim()) ?? [];
  if (!services.includes('zurl')) {
    const at = services.findIndex((s) => s.startsWith('pushpin-proxy'));
    services.splice(at < 0 ? services.length : at, 0, 'zurl');
    conf = set(conf, 'services', services.join(','));
  }
  conf = conf.replace(
    /^\[proxy\]$/m,
    [
      '[proxy]',
      'zurl_out_specs=ipc://{rundir}/{ipc_prefix}zurl-in',
      'zurl_out_stream_specs=ipc://{rundir}/{ipc_prefix}zurl-in-stream',
      'zurl_in_specs=ipc://{rundir}/{ipc_prefix}zurl-out',
    ].join('\n'),
  );
  return conf;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The Host of the extra route to Pushpin's test target (see `heldAndAnnounced`). */
const WARMUP_HOST = 'thumbtack-warmup.invalid';

/**
 * Opens a stream held by Pushpin's test target on `channel` and resolves once the stats socket announced
 * its subscription (`announced`), or false after `ms`. The stream is closed either way.
 */
async function heldAndAnnounced(httpPort: number, channel: string, announced: () => boolean, ms: number): Promise<boolean> {
  const socket = net.connect(httpPort, '127.0.0.1', () =>
    socket.write(`GET /stream?channel=${channel} HTTP/1.1\r\nHost: ${WARMUP_HOST}\r\n\r\n`),
  );
  socket.on('data', () => undefined);
  socket.on('error', () => undefined);
  try {
    const deadline = Date.now() + ms;
    while (!announced()) {
      if (Date.now() > deadline || socket.destroyed) return false;
      await sleep(20);
    }
    return true;
  } finally {
    socket.destroy();
  }
}

/** The Host of the extra route to an origin of our own (see `proxiedAndAnswered`). */
const ORIGIN_WARMUP_HOST = 'thumbtack-origin-warmup.invalid';
/** What that origin answers, so that only a response that came from it counts. */
const ORIGIN_WARMUP_BODY = 'warm origin';

/** A loopback HTTP server that answers every request with 200 and `ORIGIN_WARMUP_BODY`; `close` may be called again. */
async function startWarmupOrigin(): Promise<{ port: number; close(): void }> {
  const server = http.createServer((req, res) => {
    req.resume();
    res.end(ORIGIN_WARMUP_BODY);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  let closed = false;
  return {
    port: (server.address() as AddressInfo).port,
    close: () => {
      if (closed) return;
      closed = true;
      server.close();
      server.closeAllConnections();
    },
  };
}

/**
 * Sends one request through Pushpin to the warm-up origin (through its zurl) and resolves true when the
 * origin's answer came back within `ms`, false otherwise.
 */
function proxiedAndAnswered(httpPort: number, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    let received = '';
    const socket = net.connect(httpPort, '127.0.0.1', () =>
      socket.write(`GET /warm HTTP/1.1\r\nHost: ${ORIGIN_WARMUP_HOST}\r\nConnection: close\r\n\r\n`),
    );
    const timer = setTimeout(() => socket.destroy(), ms);
    socket.on('data', (d: Buffer) => (received += d.toString()));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(received.startsWith('HTTP/1.1 200') && received.endsWith(ORIGIN_WARMUP_BODY));
    });
  });
}

/**
 * Starts Pushpin with the given route lines. Fails (throws) with a clear message when Pushpin is not
 * installed. Resolves once the client port and the HTTP publish port accept connections and the stats
 * socket is live (so `subscribed()` cannot miss an announcement).
 */
export async function startPushpin(routes: readonly string[]): Promise<PushpinInstance> {
  const bin = which('pushpin');
  if (bin === undefined || !existsSync(PUSHPIN_CONF) || !existsSync(PUSHPIN_INTERNAL_CONF)) {
    throw new Error(
      `Pushpin is not installed (need \`pushpin\` on PATH, ${PUSHPIN_CONF} and ${PUSHPIN_INTERNAL_CONF}). ` +
        'The side-by-side conformance suite compares Thumbtack with Pushpin 1.36: install the Debian package ' +
        '`pushpin` (.ci/run does).',
    );
  }
  const version = spawnSync(bin, ['--version'], { encoding: 'utf8' }).stdout.trim();
  const dir = mkdtempSync(join(tmpdir(), 'thumbtack-conformance-'));
  mkdirSync(join(dir, 'run'));
  mkdirSync(join(dir, 'log'));
  // Two more routes, for hosts no test uses: Pushpin's built-in test target, to warm up the hold path, and
  // an origin of our own, to warm up the proxied path (through zurl).
  const origin = await startWarmupOrigin();
  writeFileSync(
    join(dir, 'routes'),
    [...routes, `${WARMUP_HOST} test`, `${ORIGIN_WARMUP_HOST} 127.0.0.1:${origin.port}`].join('\n') + '\n',
  );
  const { httpPort, portOffset } = await choosePorts();
  const confFile = join(dir, 'pushpin.conf');
  writeFileSync(confFile, pushpinConfig(readFileSync(PUSHPIN_CONF, 'utf8'), { dir, httpPort, portOffset }));

  const proc: ChildProcess = spawn(bin, ['--config', confFile], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  // If this process ends without afterAll (a crash, a forced exit), do not leave Pushpin running.
  const onExit = (): void => {
    if (proc.pid !== undefined && proc.exitCode === null) {
      try {
        process.kill(-proc.pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
    }
  };
  process.once('exit', onExit);
  let output = '';
  proc.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const readLog = (name: string): string => {
    try {
      return readFileSync(join(dir, 'log', name), 'utf8');
    } catch {
      return '';
    }
  };
  /** The runner's output and every log Pushpin's services wrote (proxy, handler, zurl, connection manager). */
  const logs = (): string => {
    let names: string[] = [];
    try {
      names = readdirSync(join(dir, 'log')).sort();
    } catch {
      /* no log dir yet */
    }
    return [`--- pushpin runner\n${output}`, ...names.map((name) => `--- ${name}\n${readLog(name)}`)].join('\n');
  };

  const subscriptions = new Set<string>();
  const waiters: Array<() => void> = [];
  let statsSeen = 0;
  const stats = new zmq.Subscriber({ linger: 0 });
  let closed = false;

  const stopProcesses = async (): Promise<void> => {
    if (proc.pid !== undefined && proc.exitCode === null && proc.signalCode === null) {
      try {
        process.kill(-proc.pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise<void>((resolve) => (timer = setTimeout(resolve, 3000)))]);
      clearTimeout(timer);
      if (proc.exitCode === null && proc.signalCode === null) {
        try {
          process.kill(-proc.pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
    }
    // The runner puts each service in its own process group; if the runner died without stopping them,
    // end the ones whose pid files are in our own rundir (and only those).
    for (const name of ['condure', 'zurl', 'pushpin-proxy', 'pushpin-handler', 'mongrel2', 'm2adapter']) {
      const pidFile = join(dir, 'run', `${name}.pid`);
      if (!existsSync(pidFile)) continue;
      const pid = Number(readFileSync(pidFile, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) process.kill(pid, 'SIGKILL');
    }
  };

  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    process.off('exit', onExit);
    origin.close();
    stats.close();
    await stopProcesses();
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    const publishPort = 5561 + portOffset;
    await Promise.all([waitForPort(httpPort, 10000), waitForPort(publishPort, 10000)]);
    stats.connect(`ipc://${join(dir, 'run', 'pushpin-stats')}`);
    stats.subscribe();
    void (async () => {
      try {
        for await (const [frame] of stats) {
          if (frame === undefined) continue;
          statsSeen++;
          const decoded = decodeStatsMessage(frame);
          if (decoded.ok && decoded.value.type === 'sub' && decoded.value.fields.unavailable !== true) {
            subscriptions.add(String(decoded.value.fields.channel));
          }
          for (const w of waiters.splice(0)) w();
        }
      } catch {
        /* socket closed */
      }
    })();
    // Every client connection produces a stats `conn` message: poke the test route until one arrives.
    const start = Date.now();
    while (statsSeen === 0) {
      if (Date.now() - start > 5000) throw new Error('no message on the Pushpin stats socket');
      await new Promise<void>((resolve) => {
        const socket = net.connect(httpPort, '127.0.0.1', () => socket.end('GET / HTTP/1.1\r\nHost: stats.probe\r\n\r\n'));
        socket.on('data', () => undefined);
        socket.on('close', () => resolve());
        socket.on('error', () => resolve());
      });
      await sleep(50);
    }
    // A client port and stats socket that answer do not make a hold path that works: right after start
    // Pushpin may answer a hold with an error while its proxy and handler connect (CI saw a test's first
    // stream never subscribed). Hold a test-target stream until its subscription is announced.
    for (let attempt = 1; ; attempt++) {
      const channel = `warmup-${attempt}`;
      if (await heldAndAnnounced(httpPort, channel, () => subscriptions.has(channel), 3000)) break;
      if (Date.now() - start > 60_000) throw new Error('Pushpin never announced a held stream on its stats socket');
    }
    // Nor does a hold path that works make a proxied path that works: the test target is answered inside
    // Pushpin, while a route to an origin goes through zurl, a process of its own. CI once saw the first
    // proxied requests after start answered 502 or "Error while proxying to origin", or not at all. Send
    // requests to our own origin until one comes back with its answer.
    while (!(await proxiedAndAnswered(httpPort, 3000))) {
      if (Date.now() - start > 60_000) throw new Error('Pushpin never answered a proxied request with its origin\'s response');
      await sleep(50);
    }
    origin.close();
    return {
      url: `http://127.0.0.1:${httpPort}`,
      publishUrl: `http://127.0.0.1:${publishPort}`,
      version,
      dir,
      logs,
      close,
      subscribed: (channel, ms = 5000) =>
        new Promise((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`Pushpin: no subscription to ${channel} within ${ms} ms`)), ms);
          const check = (): void => {
            if (subscriptions.has(channel)) {
              clearTimeout(timer);
              resolve();
            } else waiters.push(check);
          };
          check();
        }),
    };
  } catch (err) {
    const text = logs();
    await close();
    throw new Error(`Pushpin did not start: ${(err as Error).message}\n${text}`);
  }
}
