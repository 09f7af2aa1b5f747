/**
 * `proxy`: plain request/response pass-through (GET, 3-byte body) over keep-alive connections, concurrency
 * 50, for D seconds: first straight to the backend for reference, then through the proxy, after
 * `--warmup-s` seconds (default 1) through the proxy unmeasured (reported as warmup_rps).
 */
import type { BenchArgs } from '../args';
import { perSecond } from '../stats';
import { cpuMicrosPer, cpuUse, cpuWindow, sleep, type RunMetrics, type ScenarioContext, type ScenarioDef } from '../scenario-kit';

const DEFAULTS = { concurrency: 50, durationS: 5, warmupS: 1 };

function params(args: BenchArgs) {
  return {
    concurrency: args.concurrency ?? DEFAULTS.concurrency,
    duration_s: args.durationS ?? DEFAULTS.durationS,
    warmup_s: args.warmupS ?? DEFAULTS.warmupS,
  };
}

async function run(ctx: ScenarioContext): Promise<RunMetrics> {
  const { concurrency, duration_s: durationS, warmup_s: warmupS } = params(ctx.args);
  const load = (port: number, seconds = durationS): ReturnType<typeof ctx.fleet.httpLoad> =>
    ctx.fleet.httpLoad({ port, hostHeader: '127.0.0.1', method: 'GET', path: '/plain', concurrency, durationMs: seconds * 1000 });
  const backendCpu = cpuWindow([ctx.backend.pid]);
  const direct = await load(ctx.backend.port);
  const directBackendCpu = backendCpu();
  await sleep(500);
  const warmup = warmupS > 0 ? await load(ctx.target.proxyPort, warmupS) : undefined;
  const proxyCpu = cpuUse(ctx.target.pids);
  const gen = cpuWindow(ctx.fleet.pids);
  const backendCpu2 = cpuWindow([ctx.backend.pid]);
  const proxied = await load(ctx.target.proxyPort);
  const proxyUse = proxyCpu();
  const metrics: RunMetrics = {
    proxied_rps: perSecond(proxied.ok, proxied.elapsedMs),
    direct_rps: perSecond(direct.ok, direct.elapsedMs),
    non_2xx: proxied.other,
    errors: proxied.errors,
    proxy_cpu_pct: proxyUse.pct,
    // CPU per proxied request, over every process of the proxy.
    proxy_cpu_us_per_request: cpuMicrosPer(proxyUse.cpuS, proxied.ok),
    backend_cpu_pct: backendCpu2(),
    backend_cpu_pct_direct: directBackendCpu,
    gen_cpu_pct: gen(),
  };
  if (warmup) metrics.warmup_rps = perSecond(warmup.ok, warmup.elapsedMs);
  return metrics;
}

export const proxyScenario: ScenarioDef = {
  name: 'proxy',
  params,
  procs: (args) => args.procs ?? 1,
  run,
};
