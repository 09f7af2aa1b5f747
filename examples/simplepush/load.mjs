// Load run for the SimplePush example: N devices connect (hello + register), then one PUT per device;
// counts deliveries (lost, duplicated, wrong) and the latency from sending the PUT to the device receiving
// its notification. Every device acks what it got. Against a running `npm run example:simplepush`.
//
//   node examples/simplepush/load.mjs [--devices 10000] [--url ws://127.0.0.1:7999/]
//                                     [--connect-concurrency 200] [--put-concurrency 64] [--timeout 120]
//
// Each device is one client socket in this process (ulimit -n must exceed devices + put-concurrency).
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}
const DEVICES = Number(arg('devices', 10000));
const URL_WS = arg('url', 'ws://127.0.0.1:7999/');
const CONNECT_CONCURRENCY = Number(arg('connect-concurrency', 200));
const PUT_CONCURRENCY = Number(arg('put-concurrency', 64));
const TIMEOUT_S = Number(arg('timeout', 120));
const agent = new http.Agent({ keepAlive: true, maxSockets: PUT_CONCURRENCY });

/** Runs `fn(i)` for i in [0, n), at most `limit` at a time. */
async function pool(n, limit, fn) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, n) }, async () => {
      while (next < n) await fn(next++);
    }),
  );
}

function put(endpoint, body) {
  return new Promise((resolve) => {
    const req = http.request(endpoint, { method: 'PUT', agent, headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

const devices = new Array(DEVICES);
const stats = { connectFailed: 0, putStatus: {}, delivered: 0, duplicates: 0, wrong: 0, latencies: [] };
let allDelivered;
const deliveredAll = new Promise((resolve) => (allDelivered = resolve));

/** Opens device `i`: WebSocket, hello, register; resolves when it has its endpoint. */
function openDevice(i) {
  return new Promise((resolve) => {
    const d = { i, channelID: randomUUID(), endpoint: '', sentAt: 0, got: 0, ws: new WebSocket(URL_WS, 'push-notification') };
    devices[i] = d;
    let settled = false;
    const fail = () => {
      if (!d.endpoint && !settled) {
        settled = true;
        stats.connectFailed++;
        resolve();
      }
    };
    d.ws.on('error', fail);
    d.ws.on('close', fail);
    d.ws.on('open', () => d.ws.send(JSON.stringify({ messageType: 'hello', uaid: '', channelIDs: [] })));
    d.ws.on('message', (data) => {
      const m = JSON.parse(data.toString());
      if (m.messageType === 'hello') d.ws.send(JSON.stringify({ messageType: 'register', channelID: d.channelID }));
      else if (m.messageType === 'register') {
        d.endpoint = m.pushEndpoint;
        settled = true;
        resolve();
      } else if (m.messageType === 'notification') {
        const now = performance.now();
        const u = m.updates?.[0];
        if (m.updates?.length !== 1 || u.channelID !== d.channelID || u.version !== i + 1) stats.wrong++;
        else if (d.got++ > 0) stats.duplicates++;
        else {
          stats.delivered++;
          stats.latencies.push(now - d.sentAt);
          d.ws.send(JSON.stringify({ messageType: 'ack', updates: m.updates }));
          if (stats.delivered === DEVICES - stats.connectFailed) allDelivered();
        }
      }
    });
  });
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
const ms = (v) => `${v.toFixed(1)} ms`;

const t0 = performance.now();
await pool(DEVICES, CONNECT_CONCURRENCY, openDevice);
const connectS = (performance.now() - t0) / 1000;
const connected = DEVICES - stats.connectFailed;
console.log(`connected ${connected}/${DEVICES} devices (hello + register) in ${connectS.toFixed(1)} s`);

const t1 = performance.now();
await pool(DEVICES, PUT_CONCURRENCY, async (i) => {
  const d = devices[i];
  if (!d.endpoint) return;
  d.sentAt = performance.now();
  const status = await put(d.endpoint, `version=${i + 1}`);
  stats.putStatus[status] = (stats.putStatus[status] ?? 0) + 1;
});
const putS = (performance.now() - t1) / 1000;
const timeout = new Promise((resolve) => setTimeout(resolve, TIMEOUT_S * 1000).unref());
await Promise.race([deliveredAll, timeout]);
const deliverS = (performance.now() - t1) / 1000;
await new Promise((r) => setTimeout(r, 1000)); // let late duplicates show up

const sorted = stats.latencies.sort((a, b) => a - b);
const summary = {
  devices: DEVICES,
  connected,
  connectSeconds: Number(connectS.toFixed(2)),
  puts: stats.putStatus,
  putSeconds: Number(putS.toFixed(2)),
  putsPerSecond: Math.round(connected / putS),
  delivered: stats.delivered,
  lost: connected - stats.delivered,
  duplicates: stats.duplicates,
  wrong: stats.wrong,
  allDeliveredSeconds: Number(deliverS.toFixed(2)),
  latencyMs: { p50: Number(pct(sorted, 50)?.toFixed(1)), p99: Number(pct(sorted, 99)?.toFixed(1)), max: Number(sorted.at(-1)?.toFixed(1)) },
};
console.log(`PUTs: ${JSON.stringify(stats.putStatus)} in ${putS.toFixed(1)} s (${summary.putsPerSecond}/s)`);
console.log(`delivered ${stats.delivered}/${connected}, lost ${summary.lost}, duplicates ${stats.duplicates}, wrong ${stats.wrong}; all in ${deliverS.toFixed(1)} s`);
console.log(`PUT → notification latency: p50 ${ms(pct(sorted, 50))}, p99 ${ms(pct(sorted, 99))}, max ${ms(sorted.at(-1) ?? NaN)}`);
console.log(JSON.stringify(summary));

await pool(DEVICES, 500, async (i) => {
  const d = devices[i];
  if (d && d.ws.readyState === WebSocket.OPEN) {
    d.ws.close(1000);
    await new Promise((r) => d.ws.once('close', r));
  }
});
agent.destroy();
process.exit(summary.lost === 0 && stats.wrong === 0 && stats.connectFailed === 0 ? 0 : 1);
