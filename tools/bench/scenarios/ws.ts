/**
 * `ws`: the idle and fan-out figures over WebSocket-over-HTTP. N WebSocket clients (real `Upgrade:
 * websocket` handshakes) over C channels connect through the proxy to `/ws/<channel>`; the route carries
 * `over_http`, and the bench backend accepts each `OPEN` in GRIP mode with a `c:` subscribe to the channel.
 * Held like `idle` (established, failures, accept rate, RSS per connection, idle CPU), then M rounds each
 * publish one `ws-message` item per channel (stamped, as `fanout`) and wait for all N deliveries. Last, every
 * client leaves at once: how many of them the backend heard of (WebSocket-over-HTTP sends a request when a
 * client leaves), how long that took, and how many new TCP connections the machine opened meanwhile (the
 * load generator opens none then: they are the proxy's to the backend).
 */
import { performance } from 'node:perf_hooks';
import type { BenchArgs } from '../args';
import { DEFAULT_PENDING, pollUntil, procsFor, sleep, type RunMetrics, type ScenarioContext, type ScenarioDef } from '../scenario-kit';
import { tcpActiveOpens } from '../proc-stats';
import { WS_PATH_PREFIX } from '../ws-events';
import { openAndHold } from './hold-phase';
import { publishRounds } from './publish-rounds';

/**
 * 3 warm-up rounds (1 before the eighteenth pass), as `fanout`: 6 alternating pairs of `ws --runs 1`
 * against Thumbtack gave p99 20.6-34.3 ms with 3 against 31.1-53.6 with 1 (lower in every pair), and
 * deliveries higher in every pair (in one by 0.6 %); Pushpin, 3 pairs: deliveries alike, p99 149-219
 * against 214-281 ms.
 */
const DEFAULTS = { n: 5_000, channels: 100, rounds: 3, warmup: 3, holdS: 3, publishConnections: 4 };
/** How long the backend may take to hear of every client that left. */
const LEAVE_WAIT_MS = 10_000;

function params(args: BenchArgs) {
  return {
    clients: args.n ?? DEFAULTS.n,
    channels: args.channels ?? DEFAULTS.channels,
    rounds: args.rounds ?? DEFAULTS.rounds,
    warmup: args.warmup ?? DEFAULTS.warmup,
    pending: args.pending ?? DEFAULT_PENDING,
    hold_s: DEFAULTS.holdS,
    publish_connections: args.batch ? 1 : DEFAULTS.publishConnections,
    batch: args.batch ? 1 : 0,
  };
}

async function run(ctx: ScenarioContext): Promise<RunMetrics> {
  const { clients, channels, rounds, warmup, hold_s: holdS } = params(ctx.args);
  const requestsBefore = await ctx.backend.requests();
  const held = await openAndHold(ctx, { kind: 'ws', n: clients, channels, pathPrefix: WS_PATH_PREFIX, channelPrefix: 'w', holdS });
  // The subscriptions were made while holding (≥ 4 s ago); a short pause more for Pushpin's handler.
  await sleep(500);
  const figures = await publishRounds(ctx, {
    channels: Array.from({ length: channels }, (_, i) => `w${i}`),
    rounds,
    warmup,
    expected: held.opened.established,
    format: 'ws-message',
    batch: ctx.args.batch,
    publishConnections: DEFAULTS.publishConnections,
  });
  const end = await ctx.fleet.collect(false);
  // Publishes do not touch the backend: one request per client (its OPEN) is expected until the close.
  const backendRequests = (await ctx.backend.requests()) - requestsBefore;
  const leave = await leaveAll(ctx, held.opened.established);
  return { ...held.metrics, ...figures, dropped: end.closed, backend_requests: backendRequests, ...leave };
}

/**
 * Every client leaves at once (the load generator drops its connections): leave_notified_pct of them reached
 * the backend as a request within LEAVE_WAIT_MS, all of those by leave_ms, and leave_backend_connects new
 * TCP connections were opened on the machine meanwhile (left out where /proc/net/snmp cannot be read).
 */
async function leaveAll(ctx: ScenarioContext, clients: number): Promise<RunMetrics> {
  const before = await ctx.backend.requests();
  const opensBefore = tcpActiveOpens();
  const startedAt = performance.now();
  await ctx.fleet.closeAll();
  let lastAt = startedAt;
  let last = 0;
  const heard = await pollUntil(
    async () => {
      const n = (await ctx.backend.requests()) - before;
      if (n !== last) {
        last = n;
        lastAt = performance.now();
      }
      return n;
    },
    (n) => n >= clients,
    { everyMs: 50, timeoutMs: LEAVE_WAIT_MS, stallMs: LEAVE_WAIT_MS, key: (n) => n },
  );
  const opensAfter = tcpActiveOpens();
  const metrics: RunMetrics = {
    leave_notified_pct: clients > 0 ? (100 * Math.min(heard, clients)) / clients : 100,
    leave_ms: lastAt - startedAt,
  };
  if (opensBefore !== undefined && opensAfter !== undefined) metrics.leave_backend_connects = opensAfter - opensBefore;
  return metrics;
}

export const wsScenario: ScenarioDef = {
  name: 'ws',
  params,
  procs: (args) => args.procs ?? procsFor(args.n ?? DEFAULTS.n),
  overHttp: true,
  run,
};
