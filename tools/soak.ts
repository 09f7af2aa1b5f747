/**
 * Soak run (issue 7 item 7): a real backend and a real Thumbtack (child process, own ports and rundir, loopback
 * only), ~500 SSE clients over 20 channels churned at ~20 per second, ~200 items per second published over the
 * HTTP publish API, each item carrying its channel and a per-channel sequence number. Every client checks that
 * its sequence numbers are consecutive from the first item it received. The proxy's RSS (supervisor and its
 * children) is sampled every 10 s. The generated config raises message_rate (see MESSAGE_RATE). Prints one JSON line; exits 1 on any loss or duplicate.
 *
 * Usage: npm run build && node dist/tools/soak.js [--minutes 5] [--workers 1]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { launcherNodeFlags } from './launcher-node-flags';
import { parseSoakEvent, SequenceChecker, soakItemContent, splitEvents, summariseRss } from './soak/sequence';

const REPO_ROOT = resolve(__dirname, '..', '..');
const CLIENTS = 500;
const CHANNELS = 20;
const CHURN_PER_SECOND = 20;
const PUBLISH_TICK_MS = 100; // one item per channel per tick: 20 × 10 = 200 items/s
const RSS_EVERY_MS = 10_000;
const SETTLE_MS = 2_000;
/**
 * Deliveries per second per route allowed in the generated config. The load is 200 items/s × 25 clients per
 * channel = 5,000 deliveries/s, above the shipped message_rate=2500: with it, deliveries queue behind the
 * limiter (and drop past message_hwm) by design, which would hide the proxy's own behaviour. This keeps the
 * limiter in the path with room to spare.
 */
const MESSAGE_RATE = 20_000;

interface Args {
  minutes: number;
  workers: number;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { minutes: 5, workers: 1 };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i];
    const value = Number(argv[i + 1]);
    if ((key !== '--minutes' && key !== '--workers') || !Number.isFinite(value) || value <= 0 || value > 120) {
      throw new Error(`usage: soak [--minutes N (0 < N ≤ 120)] [--workers N (1..120)]; bad: ${key ?? ''} ${argv[i + 1] ?? ''}`);
    }
    if (key === '--minutes') args.minutes = value;
    else args.workers = Math.floor(value);
  }
  return args;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A free loopback TCP port (bound then released). */
function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = net.createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => res(port));
    });
  });
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const up = await new Promise<boolean>((res) => {
      const s = net.connect(port, '127.0.0.1', () => (s.destroy(), res(true)));
      s.on('error', () => res(false));
    });
    if (up) return;
    await sleep(100);
  }
  throw new Error(`port ${port} did not open within ${timeoutMs} ms`);
}

/** The backend: holds every request as an SSE stream on `?channel=`. */
function startBackend(): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const channel = new URL(req.url ?? '/', 'http://x').searchParams.get('channel') ?? 'none';
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Grip-Hold': 'stream', 'Grip-Channel': channel });
    res.end(':open\n\n');
  });
  return new Promise((res) => server.listen(0, '127.0.0.1', () => res(server)));
}

/** RSS (kB) of `root` and all its descendants, from /proc. */
function treeRssKb(root: number): number {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(name));
      children.set(ppid, list);
    } catch {
      // the process exited while we looked
    }
  }
  let total = 0;
  const todo = [root];
  for (let guard = 0; todo.length > 0 && guard < 10_000; guard++) {
    const pid = todo.pop() as number; // length checked above
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      total += Number(m?.[1] ?? 0);
    } catch {
      // gone
    }
    todo.push(...(children.get(pid) ?? []));
  }
  return total;
}

const totals = { opened: 0, delivered: 0, lossEvents: 0, missing: 0, duplicates: 0, misrouted: 0, dropped: 0, openErrors: 0, silent: 0 };

/** One SSE client on one channel. */
class Client {
  readonly checker = new SequenceChecker();
  private req: http.ClientRequest | undefined;
  private closing = false;

  constructor(readonly channel: string, port: number) {
    totals.opened += 1;
    const req = http.get({ host: '127.0.0.1', port, path: `/s?channel=${channel}`, agent: false }, (res) => {
      if (res.statusCode !== 200) {
        totals.openErrors += 1;
        res.resume();
        return;
      }
      res.setEncoding('utf8');
      let buffer = '';
      res.on('data', (chunk: string) => {
        const { events, rest } = splitEvents(buffer + chunk);
        buffer = rest;
        for (const event of events) this.onEvent(event);
      });
      res.on('close', () => {
        if (!this.closing) totals.dropped += 1;
      });
    });
    req.on('error', () => {
      if (!this.closing) totals.openErrors += 1;
    });
    this.req = req;
  }

  private onEvent(event: string): void {
    const item = parseSoakEvent(event);
    if (!item) return;
    if (item.channel !== this.channel) {
      totals.misrouted += 1;
      return;
    }
    totals.delivered += 1;
    const verdict = this.checker.observe(item.seq);
    if (verdict === 'gap') totals.lossEvents += 1;
    if (verdict === 'duplicate') totals.duplicates += 1;
  }

  /** Closes the client; its missing items were counted as they happened. */
  close(): void {
    this.closing = true;
    totals.missing += this.checker.missing;
    this.req?.destroy();
    this.req = undefined;
  }
}

/** POSTs one batch to the publish API; true on 200. */
function publish(port: number, items: unknown[]): Promise<boolean> {
  const body = JSON.stringify({ items });
  return new Promise((res) => {
    const req = http.request(
      { host: '127.0.0.1', port, path: '/publish/', method: 'POST', agent: false, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } },
      (r) => {
        r.resume();
        r.on('end', () => res(r.statusCode === 200));
      },
    );
    req.setTimeout(10_000, () => req.destroy());
    req.on('error', () => res(false));
    req.end(body);
  });
}

let proxy: ChildProcess | undefined;
let workDir: string | undefined;

function killAll(): void {
  if (proxy?.pid !== undefined && proxy.exitCode === null) {
    try {
      process.kill(-proxy.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  if (workDir) rmSync(workDir, { recursive: true, force: true });
  workDir = undefined;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const backend = await startBackend();
  const backendAddr = backend.address();
  const backendPort = typeof backendAddr === 'object' && backendAddr ? backendAddr.port : 0;
  const port = await freePort();
  const publishPort = await freePort();
  workDir = mkdtempSync(join(tmpdir(), 'thumbtack-soak-'));
  writeFileSync(join(workDir, 'routes'), `* 127.0.0.1:${backendPort}\n`);
  const conf = [
    '[global]', `rundir=${workDir}/run`,
    '[runner]', `http_port=127.0.0.1:${port}`, 'log_level=1',
    '[proxy]', 'routesfile=routes', `workers=${args.workers}`,
    '[handler]', 'push_in_http_addr=127.0.0.1', `push_in_http_port=${publishPort}`, 'push_in_spec=', 'push_in_sub_specs=', 'command_spec=', 'stats_spec=',
    `message_rate=${MESSAGE_RATE}`,
  ].join('\n');
  writeFileSync(join(workDir, 'pushpin.conf'), conf + '\n');
  const logFd = openSync(join(workDir, 'thumbtack.log'), 'a');
  const launcher = join(REPO_ROOT, 'bin', 'thumbtack.js');
  proxy = spawn(process.execPath, [...launcherNodeFlags(launcher), launcher, '--config', join(workDir, 'pushpin.conf')], {
    cwd: workDir, stdio: ['ignore', logFd, logFd], detached: true,
  });
  const proxyPid = proxy.pid ?? 0;
  await waitForPort(port, 20_000);
  await waitForPort(publishPort, 20_000);

  const channels = Array.from({ length: CHANNELS }, (_, i) => `soak${i}`);
  const seqs = channels.map(() => 0); // next sequence number per channel
  let clients: Client[] = channels.length > 0 ? Array.from({ length: CLIENTS }, (_, i) => new Client(channels[i % CHANNELS] as string, port)) : [];
  await sleep(SETTLE_MS);

  const started = Date.now();
  const endAt = started + args.minutes * 60_000;
  const rssMb: number[] = [];
  const sampleRss = (): void => void rssMb.push(Math.round(treeRssKb(proxyPid) / 102.4) / 10);
  sampleRss();
  const rssTimer = setInterval(sampleRss, RSS_EVERY_MS);
  const churnTimer = setInterval(() => {
    for (let k = 0; k < CHURN_PER_SECOND; k++) {
      const i = Math.floor(Math.random() * clients.length);
      const old = clients[i];
      if (!old) continue;
      old.close();
      clients[i] = new Client(old.channel, port);
    }
  }, 1000);

  let published = 0;
  let publishErrors = 0;
  for (let tick = started; Date.now() < endAt; tick += PUBLISH_TICK_MS) {
    const items = channels.map((channel, i) => ({ channel, formats: { 'http-stream': { content: soakItemContent(channel, seqs[i] ?? 0) } } }));
    if (await publish(publishPort, items)) {
      published += items.length;
      for (let i = 0; i < seqs.length; i++) seqs[i] = (seqs[i] ?? 0) + 1;
    } else publishErrors += 1;
    await sleep(Math.max(0, tick + PUBLISH_TICK_MS - Date.now()));
  }
  clearInterval(churnTimer);
  clearInterval(rssTimer);
  sampleRss();
  await sleep(SETTLE_MS); // let the last items arrive
  const durationS = Math.round((Date.now() - started) / 1000);

  let tailMissing = 0;
  for (const c of clients) {
    const last = (seqs[channels.indexOf(c.channel)] ?? 0) - 1;
    tailMissing += c.checker.tailMissing(last);
    if (c.checker.received === 0) totals.silent += 1;
    c.close();
  }
  clients = [];
  backend.closeAllConnections();
  backend.close();

  const losses = totals.missing + tailMissing;
  const report = {
    duration_s: durationS,
    workers: args.workers,
    published,
    publish_errors: publishErrors,
    delivered: totals.delivered,
    clients_opened: totals.opened,
    losses,
    loss_events: totals.lossEvents,
    tail_losses: tailMissing,
    duplicates: totals.duplicates,
    misrouted: totals.misrouted,
    dropped_by_proxy: totals.dropped,
    open_errors: totals.openErrors,
    silent_clients_at_end: totals.silent,
    rss_mb: { samples: rssMb, ...summariseRss(rssMb) },
  };
  process.stdout.write(JSON.stringify(report) + '\n');
  return losses > 0 || totals.duplicates > 0 ? 1 : 0;
}

process.on('SIGINT', () => {
  killAll();
  process.exit(130);
});
process.on('exit', killAll);
main().then(
  (code) => {
    killAll();
    process.exit(code);
  },
  (err: unknown) => {
    process.stderr.write(`soak: ${err instanceof Error ? err.message : String(err)}\n`);
    killAll();
    process.exit(2);
  },
);
