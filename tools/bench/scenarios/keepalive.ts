/**
 * `keepalive`: N streams held with `Grip-Keep-Alive: :ka\n\n; format=cstring; timeout=1`, no other traffic.
 * Over D seconds, counts the keep-alive messages the clients receive and the proxy's CPU.
 */
import type { BenchArgs } from '../args';
import { cpuWindow, pendingPerProc, now, procsFor, sleep, type RunMetrics, type ScenarioContext, type ScenarioDef } from '../scenario-kit';

const DEFAULTS = { n: 5_000, channels: 100, durationS: 10 };

function params(args: BenchArgs) {
  return { streams: args.n ?? DEFAULTS.n, channels: args.channels ?? DEFAULTS.channels, duration_s: args.durationS ?? DEFAULTS.durationS };
}

async function run(ctx: ScenarioContext): Promise<RunMetrics> {
  const { streams, channels, duration_s: durationS } = params(ctx.args);
  const opened = await ctx.fleet.openStreams({
    port: ctx.target.proxyPort,
    hostHeader: '127.0.0.1',
    count: streams,
    channels,
    pathPrefix: '/ka/',
    channelPrefix: 'k',
    maxPending: pendingPerProc(ctx.args, ctx.fleet.size),
    deadlineMs: 180_000,
  });
  ctx.note(`opened ${opened.established}/${streams} keep-alive streams`);
  await sleep(2000);
  const start = await ctx.fleet.collect(false);
  const t0 = now();
  const cpu = cpuWindow(ctx.target.pids);
  const gen = cpuWindow(ctx.fleet.pids);
  await sleep(durationS * 1000);
  const proxyCpu = cpu();
  const genCpu = gen();
  const end = await ctx.fleet.collect(true);
  const perSecond = ((end.keepAlives - start.keepAlives) * 1000) / (now() - t0);
  await ctx.fleet.closeAll();
  return {
    streams: opened.established,
    keepalives_per_s: perSecond,
    per_stream_per_s: opened.established > 0 ? perSecond / opened.established : NaN,
    proxy_cpu_pct: proxyCpu,
    gen_cpu_pct: genCpu,
    dropped: end.closed,
  };
}

export const keepaliveScenario: ScenarioDef = {
  name: 'keepalive',
  params,
  procs: (args) => args.procs ?? procsFor(args.n ?? DEFAULTS.n),
  run,
};
