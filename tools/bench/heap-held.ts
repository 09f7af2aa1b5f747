/**
 * `node dist/tools/bench/heap-held.js [--n 10000] [--ws] [--out DIR]`: where a held idle SSE connection's
 * heap goes, in one command (with `--ws`: a WebSocket-over-HTTP session's, as the `ws` scenario opens them).
 * Starts the bench backend and Thumbtack (`workers=1`, under `--heapsnapshot-signal=SIGUSR2`), takes a heap
 * snapshot, opens N idle connections over 100 channels with the bench's load generator, takes a second one,
 * and prints `heap-summary`'s per-connection difference of the two. The snapshots stay in DIR (default: a new
 * temp folder).
 */
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { processIo } from '../tool-io';
import { decodeInt } from './args';
import { Fleet } from './fleet';
import { runHeapSummary } from './heap-summary';
import { sleep } from './scenario-kit';
import { startBackend, startTarget, type Backend, type Target } from './targets';
import { WS_PATH_PREFIX } from './ws-events';

const DEFAULT_N = 10_000;
const CHANNELS = 100;
/** A snapshot is complete once its file has not grown for this long (V8 writes it from the main thread). */
const SETTLED_MS = 1_000;

/** Whether the file's last non-blank byte closes a JSON object (a snapshot is one object). */
function endsDocument(path: string): boolean {
  const size = statSync(path).size;
  if (size === 0) return false;
  const tail = Buffer.alloc(Math.min(size, 64));
  const fd = openSync(path, 'r');
  try {
    readSync(fd, tail, 0, tail.length, size - tail.length);
  } finally {
    closeSync(fd);
  }
  return tail.toString('latin1').trimEnd().endsWith('}');
}

/** Sends SIGUSR2 to `pid` and resolves with the path of the snapshot it writes into `dir`. */
async function snapshot(pid: number, dir: string): Promise<string> {
  const before = new Set(readdirSync(dir));
  process.kill(pid, 'SIGUSR2');
  for (let waited = 0; waited < 120_000; waited += 250) {
    await sleep(250);
    const file = readdirSync(dir).find((name) => name.endsWith('.heapsnapshot') && !before.has(name));
    if (file === undefined) continue;
    const path = join(dir, file);
    // The file is created before V8 has built the snapshot, and written in parts: done once it ends the
    // JSON document and has stopped growing.
    if (!endsDocument(path)) continue;
    let size = -1;
    while (statSync(path).size !== size) {
      size = statSync(path).size;
      await sleep(SETTLED_MS);
    }
    if (endsDocument(path)) return path;
  }
  throw new Error(`no heap snapshot appeared in ${dir}`);
}

async function main(argv: readonly string[]): Promise<number> {
  let n = DEFAULT_N;
  let out: string | undefined;
  let ws = false;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--n') {
      const value = decodeInt('--n', argv[++i], { min: 1, max: 19_000 });
      if (!value.ok) throw new Error(value.error.message);
      n = value.value;
    } else if (argv[i] === '--ws') ws = true;
    else if (argv[i] === '--out' && argv[i + 1] !== undefined) out = resolve(argv[++i] as string);
    else throw new Error(`usage: heap-held [--n N (1..19000)] [--ws] [--out DIR]; unexpected ${JSON.stringify(argv[i])}`);
  }
  const dir = out ?? mkdtempSync(join(tmpdir(), 'thumbtack-heap-'));
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
  let backend: Backend | undefined;
  let target: Target | undefined;
  let fleet: Fleet | undefined;
  try {
    backend = await startBackend(0);
    target = await startTarget('thumbtack', {
      backendPort: backend.port,
      logLevel: 2,
      pushpinLimits: 'raised',
      workers: 1,
      heapSnapshotDir: dir,
      overHttp: ws,
    });
    const pid = target.pids[0] as number;
    fleet = await Fleet.start(1);
    await sleep(1000);
    const first = await snapshot(pid, dir);
    const opened = await fleet.openStreams({
      kind: ws ? 'ws' : 'sse',
      port: target.proxyPort,
      hostHeader: '127.0.0.1',
      count: n,
      channels: CHANNELS,
      pathPrefix: ws ? WS_PATH_PREFIX : '/stream/',
      channelPrefix: 'h',
      maxPending: 100,
      deadlineMs: 180_000,
    });
    if (opened.established !== n) throw new Error(`opened ${opened.established} of ${n} streams (${opened.failed} failed)`);
    await sleep(1000);
    const second = await snapshot(pid, dir);
    process.stderr.write(`heap-held: ${n} idle ${ws ? 'WebSocket-over-HTTP sessions' : 'SSE streams'} over ${CHANNELS} channels; snapshots in ${dir}\n`);
    return runHeapSummary([first, second, '--n', String(n)], processIo());
  } finally {
    await fleet?.stop();
    await target?.stop();
    await backend?.stop();
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: Error) => {
      process.stderr.write(`heap-held: ${err.message}\n`);
      process.exit(1);
    },
  );
}
