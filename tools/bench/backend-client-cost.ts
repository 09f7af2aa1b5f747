/**
 * The CPU one backend request costs the proxy's process in each of its HTTP clients: undici's dispatcher
 * and our own (`src/proxy/raw-backend-client.ts`), against the bench backend in its own process, the two
 * alternating so that both see the same machine. Prints one JSON line per run and one with the medians.
 *
 *   node dist/tools/bench/backend-client-cost.js [--path /plain] [--n 30000] [--concurrency 50] [--runs 5]
 *
 * `--path /stream/x` asks for a GRIP hold's answer (the connect scenario's backend request), anything else
 * for the 3-byte `ok` (the proxy scenario's).
 */
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { RouteTarget } from '../../src/config/route-types';
import type { BackendOutcome, BackendRequest } from '../../src/proxy/backend-client';
import { rawBackendRequest } from '../../src/proxy/raw-backend-client';
import { dispatchBackendRequest } from '../../src/proxy/undici-request';
import { decodeInt } from './args';
import { median } from './stats';

type Client = (req: BackendRequest, settle: (outcome: BackendOutcome) => void) => { abort(): void };

interface Options {
  path: string;
  n: number;
  concurrency: number;
  runs: number;
}

function options(argv: string[]): Options {
  const opts: Options = { path: '/plain', n: 30_000, concurrency: 50, runs: 5 };
  for (let i = 0; i < argv.length; i += 2) {
    const [key, value] = [argv[i], argv[i + 1] ?? ''];
    if (key === '--path') opts.path = value;
    else if (key === '--n' || key === '--concurrency' || key === '--runs') {
      const n = decodeInt(key, argv[i + 1], { min: 1, max: 10_000_000 });
      if (!n.ok) throw n.error;
      opts[key.slice(2) as 'n' | 'concurrency' | 'runs'] = n.value;
    } else throw new Error(`unknown option ${key}`);
  }
  return opts;
}

/** `n` requests over `concurrency` lanes; microseconds of this process's CPU per request, and the rate. */
async function measure(client: Client, port: number, opts: Options, n: number): Promise<{ cpu_us: number; user_us: number; rps: number }> {
  const target: RouteTarget = { kind: 'net', host: '127.0.0.1', port, ssl: false, insecure: false, overHttp: false, oneEvent: false, subs: [], untrusted: false, trustConnectHost: false };
  let left = n;
  const one = (): Promise<void> =>
    new Promise((resolve, reject) => {
      client({ target, method: 'GET', path: opts.path, headers: [['Host', 'bench'], ['Accept', '*/*'], ['User-Agent', 'bench']], timeoutMs: 10_000 }, (o) => {
        if (!o.ok) return reject(new Error(`${o.failure}: ${o.detail}`));
        if (o.response.takeWholeBody?.(Infinity) !== undefined) return resolve();
        o.response.on('end', resolve).resume();
      });
    });
  const lane = async (): Promise<void> => {
    while (left-- > 0) await one();
  };
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(Array.from({ length: opts.concurrency }, lane));
  const used = process.cpuUsage(cpu);
  const ms = performance.now() - started;
  const round = (x: number): number => Math.round(x * 10) / 10;
  return { cpu_us: round((used.user + used.system) / n), user_us: round(used.user / n), rps: Math.round((n / ms) * 1000) };
}

async function main(): Promise<void> {
  const opts = options(process.argv.slice(2));
  const backend = fork(join(__dirname, 'backend.js'), ['0'], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve) => backend.on('message', (m: { type?: string; port?: number }) => m.type === 'ready' && resolve(m.port as number)));
  try {
    const clients: Array<[string, Client]> = [
      ['undici', dispatchBackendRequest],
      ['thumbtack', rawBackendRequest],
    ];
    // Warm-up: JIT, pools, the wasm parser.
    for (const [, client] of clients) await measure(client, port, opts, 5_000);
    const results = new Map<string, Array<{ cpu_us: number; user_us: number; rps: number }>>(clients.map(([name]) => [name, []]));
    for (let run = 1; run <= opts.runs; run++) {
      for (const [name, client] of clients) {
        const r = await measure(client, port, opts, opts.n);
        results.get(name)?.push(r);
        console.log(JSON.stringify({ run, client: name, path: opts.path, ...r }));
      }
    }
    const summary: Record<string, unknown> = { path: opts.path, n: opts.n, concurrency: opts.concurrency, runs: opts.runs };
    for (const [name, rs] of results) {
      summary[`${name}_cpu_us`] = median(rs.map((r) => r.cpu_us));
      summary[`${name}_rps`] = median(rs.map((r) => r.rps));
    }
    console.log(JSON.stringify(summary));
  } finally {
    backend.kill();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  },
);
