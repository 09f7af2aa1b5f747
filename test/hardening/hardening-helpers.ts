import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfig, type ThumbtackConfig } from '../../src/config/config';
import { Logger } from '../../src/core/logger';
import type { ZmqSpecs } from '../../src/publish/zmq-services';
import { Thumbtack } from '../../src/supervisor';
import { openStream, request, until, type OpenStream } from '../helpers/harness';

/** A real Thumbtack on loopback whose log lines (JSON, debug level and up) are kept for assertions. */
export interface HardenedProxy {
  thumbtack: Thumbtack;
  url: string;
  publishUrl: string;
  port: number;
  config: ThumbtackConfig;
  dir: string;
  /** Log lines so far (one JSON object each). */
  logs: string[];
  /**
   * Resolves with the first log entry whose message matches `msg` and whose fields include `fields`
   * (rejects after 3 s).
   */
  logged(msg: RegExp, fields?: Record<string, unknown>): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

export interface HardenedOptions {
  routes?: string[];
  config?: Partial<ThumbtackConfig>;
  backendTimeoutMs?: number;
  maxQueuedBytes?: number;
  zmqSpecs?: Partial<ZmqSpecs>;
  /** Leave `routeLines` out: the routes file of `config.routesFile` is read (and reloadable). */
  routesFromFile?: boolean;
  dir?: string;
}

export async function startHardened(opts: HardenedOptions): Promise<HardenedProxy> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'thumbtack-hardening-'));
  // One in-process worker: the tests look at its connections, holds and counters.
  const config: ThumbtackConfig = { ...defaultConfig(dir), workers: 1, ...opts.config };
  const logs: string[] = [];
  const logger = new Logger(3, { write: (line: string) => void logs.push(line) });
  const thumbtack = new Thumbtack({
    config,
    logger,
    routeLines: opts.routesFromFile ? undefined : opts.routes,
    listenOverride: { host: '127.0.0.1', port: 0 },
    publishPortOverride: 0,
    backendTimeoutMs: opts.backendTimeoutMs,
    maxQueuedBytes: opts.maxQueuedBytes,
    zmqSpecs: { stats: `ipc://${join(dir, 'stats')}`, ...opts.zmqSpecs },
  });
  try {
    await thumbtack.start();
  } catch (err) {
    await thumbtack.close();
    throw err;
  }
  const port = thumbtack.proxyPorts[0] as number;
  return {
    thumbtack,
    url: `http://127.0.0.1:${port}`,
    publishUrl: `http://127.0.0.1:${thumbtack.publishPort}`,
    port,
    config,
    dir,
    logs,
    logged: async (msg, fields = {}) => {
      const matches = (line: string): Record<string, unknown> | undefined => {
        const entry = JSON.parse(line) as Record<string, unknown>;
        if (!msg.test(String(entry.msg))) return undefined;
        return Object.entries(fields).every(([k, v]) => entry[k] === v) ? entry : undefined;
      };
      let found: Record<string, unknown> | undefined;
      await until(
        () => logs.some((l) => (found = matches(l)) !== undefined),
        3000,
        `a log line ${msg} with ${JSON.stringify(fields)}; got\n${logs.join('')}`,
      );
      return found as Record<string, unknown>;
    },
    close: () => thumbtack.close(),
  };
}

/**
 * A connection that has nothing to do with the attack: an open stream on channel `bystander`. After each
 * attack, `stillServed()` publishes a fresh line on that channel and waits for it to arrive.
 */
export class Bystander {
  private constructor(
    private readonly proxy: HardenedProxy,
    readonly stream: OpenStream,
    private readonly authorization?: string,
  ) {}

  /**
   * Opens `GET /bystander` on the proxy (the backend must hold it as a stream on channel `bystander`);
   * `authorization` is sent with its publishes when the publish API wants credentials.
   */
  static async open(proxy: HardenedProxy, authorization?: string): Promise<Bystander> {
    const stream = await openStream(`${proxy.url}/bystander`);
    await until(() => (proxy.thumbtack.worker.hold.index.get('bystander')?.size ?? 0) > 0, 5000, 'the bystander to be held');
    return new Bystander(proxy, stream, authorization);
  }

  async stillServed(): Promise<void> {
    const line = `alive ${randomUUID()}\n`;
    const headers: Record<string, string> = { 'Content-Type': 'application/json' };
    if (this.authorization !== undefined) headers.Authorization = this.authorization;
    const body = JSON.stringify({ items: [{ channel: 'bystander', formats: { 'http-stream': { content: line } } }] });
    const res = await request(`${this.proxy.publishUrl}/publish/`, { method: 'POST', headers, body });
    expect(res.status).toBe(200);
    await this.stream.waitFor(line, 5000);
  }

  close(): void {
    this.stream.close();
  }
}

/** The backend answer that holds the bystander (and any other `GET` the tests route to it). */
export function holdBystander(res: ServerResponse): void {
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Grip-Hold': 'stream', 'Grip-Channel': 'bystander' });
  res.end('bystander\n');
}

/** What a raw TCP exchange saw. */
export interface RawResult {
  /** Everything received (latin1). */
  data: string;
  /** The peer closed (or reset) the connection before `ms`. */
  closed: boolean;
  /** Milliseconds from connect to close (or to giving up). */
  elapsedMs: number;
}

/**
 * Connects, writes `chunks` (each after `gapMs`, the first at once), and collects what comes back until the
 * server closes the connection or `ms` passes.
 */
export function rawExchange(port: number, chunks: Array<string | Buffer>, opts: { gapMs?: number; ms?: number } = {}): Promise<RawResult> {
  const ms = opts.ms ?? 3000;
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = net.connect(port, '127.0.0.1');
    let data = '';
    let finished = false;
    const timers: NodeJS.Timeout[] = [];
    const finish = (closed: boolean): void => {
      if (finished) return;
      finished = true;
      for (const t of timers) clearTimeout(t);
      socket.destroy();
      resolve({ data, closed, elapsedMs: Date.now() - started });
    };
    socket.on('data', (d: Buffer) => (data += d.toString('latin1')));
    socket.on('close', () => finish(true));
    socket.on('error', () => finish(true));
    chunks.forEach((chunk, i) => {
      timers.push(
        setTimeout(() => {
          if (!socket.destroyed && socket.writable) socket.write(chunk);
        }, i * (opts.gapMs ?? 0)),
      );
    });
    timers.push(setTimeout(() => finish(false), ms));
  });
}

/** The status line's code of a raw HTTP answer, or 0. */
export function statusOf(raw: string): number {
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(raw);
  return m ? Number(m[1]) : 0;
}
