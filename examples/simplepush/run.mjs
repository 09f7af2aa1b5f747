// `npm run example:simplepush`: the SimplePush backend and Thumbtack in front of it.
//
//   devices:            ws://127.0.0.1:7999/
//   push endpoints:     http://127.0.0.1:7999/update/<token>
//
// Environment: REDIS_URL (default redis://127.0.0.1:6379), PORT (Thumbtack, default 7999), BACKEND_PORT
// (default 8010), THUMBTACK_CONFIG (a pushpin.conf for Thumbtack; default: built-in defaults),
// THUMBTACK_ID (Thumbtack's --id: moves its publish port by id×10), PUBLISH_PORT (Thumbtack's publish
// port when the config moves it; default 5561 + id×10), THUMBTACK_LOGLEVEL (0-3, default 2), and the
// backend's LOG_LEVEL and SYNC_INTERVAL.
// Exits with a clear message when Redis is not reachable; Ctrl-C stops both processes.
import { spawn } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';
import { Redis } from 'ioredis';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const port = Number(process.env.PORT ?? 7999);
const backendPort = Number(process.env.BACKEND_PORT ?? 8010);
const id = process.env.THUMBTACK_ID === undefined ? undefined : Number(process.env.THUMBTACK_ID);
const publishPort = Number(process.env.PUBLISH_PORT ?? 5561 + (id ?? 0) * 10);
const children = [];

async function checkRedis() {
  const probe = new Redis(redisUrl, { lazyConnect: true, connectTimeout: 3000, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  let lastError;
  probe.on('error', (err) => (lastError = err));
  try {
    await probe.connect();
    await probe.ping();
  } catch (err) {
    console.error(`simplepush: Redis is not reachable at ${redisUrl} (${lastError?.message || err?.message || err}).`);
    console.error('Start one (for example `redis-server --port 6379`) or point REDIS_URL at yours, then run this again.');
    process.exit(1);
  } finally {
    probe.disconnect();
  }
}

function start(name, args, env) {
  const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit'] });
  child.on('exit', (code, signal) => {
    console.error(`simplepush: ${name} exited (${signal ?? code}); stopping`);
    stopAll(1);
  });
  children.push(child);
}

/** Stops both children (SIGTERM, then waits for them, at most 10 s) and exits with `code`. */
function stopAll(code) {
  const running = children.filter((c) => c.exitCode === null && c.signalCode === null);
  for (const c of children) c.removeAllListeners('exit');
  setTimeout(() => process.exit(code), 10_000).unref();
  Promise.all(running.map((c) => new Promise((done) => c.once('exit', done)))).then(() => process.exit(code));
  for (const c of running) c.kill('SIGTERM');
}
process.on('SIGINT', () => stopAll(0));
process.on('SIGTERM', () => stopAll(0));

function waitForPort(p, what, ms = 15000) {
  const deadline = Date.now() + ms;
  return new Promise((ok, fail) => {
    const attempt = () => {
      const s = net.connect(p, '127.0.0.1', () => {
        s.destroy();
        ok();
      });
      s.on('error', () => (Date.now() > deadline ? fail(new Error(`${what} did not come up on port ${p}`)) : setTimeout(attempt, 100)));
    };
    attempt();
  });
}

await checkRedis();
start('backend', ['examples/simplepush/server.mjs'], {
  PORT: String(backendPort),
  REDIS_URL: redisUrl,
  GRIP_URL: `http://127.0.0.1:${publishPort}/?key=changeme`,
});
await waitForPort(backendPort, 'the backend');
const thumbtackArgs = ['bin/thumbtack.js', '--port', `127.0.0.1:${port}`, '--route', `* 127.0.0.1:${backendPort},over_http`];
if (process.env.THUMBTACK_CONFIG) thumbtackArgs.push('--config', process.env.THUMBTACK_CONFIG);
if (id !== undefined) thumbtackArgs.push('--id', String(id));
if (process.env.THUMBTACK_LOGLEVEL) thumbtackArgs.push('--loglevel', process.env.THUMBTACK_LOGLEVEL);
start('thumbtack', thumbtackArgs, {});
await waitForPort(port, 'Thumbtack').catch((err) => {
  console.error(`simplepush: ${err.message}`);
  stopAll(1);
});
console.log(`
simplepush: ready (Redis ${redisUrl})
  devices connect to   ws://127.0.0.1:${port}/   (subprotocol push-notification)
  endpoints are under  http://127.0.0.1:${port}/update/
  push to a device:    curl -X PUT -d version=5 <pushEndpoint>
Ctrl-C stops both.
`);
