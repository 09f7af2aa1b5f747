import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LAUNCHER_NODE_FLAGS } from '../../../src/cluster/launcher-flags';
import { GROWTH_RESUMES_AT_CONNECTIONS, GROWTH_STOPS_AT_CONNECTIONS, SUPERVISOR_SEMI_SPACE_MB } from '../../../src/core/young-generation';
import { request, startBackend, until, type Backend } from '../../helpers/harness';
import { childrenOf, freePort, ROOT, startChild, waitForPort, type Child } from '../../helpers/processes';

/** A process's command line, one argument per entry. */
function commandLine(pid: number): string[] {
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((a) => a !== '');
}

const HINT = /V8's default young generation/;
const STOPS = new RegExp(`young generation: stops growing at ${GROWTH_STOPS_AT_CONNECTIONS} client connections`);
const RESUMES = new RegExp(`young generation: may grow again at ${GROWTH_RESUMES_AT_CONNECTIONS} client connections`);
const SUPERVISOR_CAP = new RegExp(`grows to ${SUPERVISOR_SEMI_SPACE_MB} MB semi-spaces at most in the supervisor`);

/** `bin/thumbtack.js` run as a command: its first line's Node flags, and what workers get instead. */
describe('the thumbtack launcher', () => {
  let backend: Backend;
  const running: Child[] = [];

  beforeAll(async () => {
    backend = await startBackend((_req, res) => res.end('plain\n'));
  });
  afterAll(async () => {
    await Promise.all(running.map((c) => c.stop()));
    await backend.close();
  });

  /** Thumbtack with `workers`, started as `command args… bin/thumbtack.js`; resolves once it serves. */
  async function start(workers: number, command: string, args: string[], extra: string[] = []): Promise<{ child: Child; port: number }> {
    const port = await freePort();
    const publishPort = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'thumbtack-launcher-'));
    const conf = ['[global]', 'rundir=run', '[proxy]', `workers=${workers}`, '[handler]', `push_in_http_port=${publishPort}`, 'push_in_spec=', 'push_in_sub_specs=', 'command_spec=', 'stats_spec='];
    writeFileSync(join(dir, 'p.conf'), conf.join('\n'));
    const options = ['--config', join(dir, 'p.conf'), '--port', `127.0.0.1:${port}`, '--route', `* 127.0.0.1:${backend.port}`, ...extra];
    const child = startChild(command, [...args, ...options], { env: { NODE_OPTIONS: '' } });
    running.push(child);
    await child.waitForOutput(/thumbtack started/, 20000);
    await waitForPort(port, 20000);
    expect((await request(`http://127.0.0.1:${port}/x`)).text).toBe('plain\n');
    return { child, port };
  }

  it('runs node with the flags of its first line, and says nothing about them', async () => {
    expect(LAUNCHER_NODE_FLAGS.length).toBeGreaterThan(0);
    const { child } = await start(1, join(ROOT, 'bin', 'thumbtack.js'), []);
    const argv = commandLine(child.proc.pid as number);
    for (const flag of LAUNCHER_NODE_FLAGS) expect(argv).toContain(flag);
    expect(child.output()).not.toMatch(HINT);
    await child.stop();
  });

  it('as `node bin/thumbtack.js`, in one process, logs how to get them', async () => {
    const { child } = await start(1, process.execPath, ['bin/thumbtack.js']);
    expect(commandLine(child.proc.pid as number)).not.toContain(LAUNCHER_NODE_FLAGS[0]);
    expect(child.output()).toMatch(HINT);
    await child.stop();
  });

  it('gives worker processes the launcher’s flags', async () => {
    const { child } = await start(2, join(ROOT, 'bin', 'thumbtack.js'), []);
    const workers = childrenOf(child.proc.pid as number);
    expect(workers).toHaveLength(2);
    for (const pid of workers) {
      const argv = commandLine(pid);
      for (const flag of LAUNCHER_NODE_FLAGS) expect(argv).toContain(flag);
      expect(argv.filter((a) => a.includes('semi-space') || a.includes('scavenge'))).toEqual([...LAUNCHER_NODE_FLAGS]);
    }
    expect(child.output()).not.toMatch(HINT);
    await child.stop();
  });

  it('with workers, caps the supervisor’s own young generation at V8’s default', async () => {
    const { child } = await start(2, join(ROOT, 'bin', 'thumbtack.js'), [], ['--loglevel', '3']);
    await child.waitForOutput(SUPERVISOR_CAP, 5000);
    await child.stop();
  });

  it('leaves the young generation alone in one process, and in a supervisor started without the launcher’s flags', async () => {
    const single = await start(1, join(ROOT, 'bin', 'thumbtack.js'), [], ['--loglevel', '3']);
    const plain = await start(2, process.execPath, ['bin/thumbtack.js'], ['--loglevel', '3']);
    expect(single.child.output()).not.toMatch(SUPERVISOR_CAP);
    expect(plain.child.output()).not.toMatch(SUPERVISOR_CAP);
    // Worker processes take the launcher's flags too: without them, the hint.
    expect(plain.child.output()).toMatch(HINT);
    await Promise.all([single.child.stop(), plain.child.stop()]);
  });

  /** Opens `n` raw client connections to the port (no request: an open socket is what is counted). */
  async function openSockets(port: number, n: number): Promise<net.Socket[]> {
    const sockets: net.Socket[] = [];
    for (let i = 0; i < n; i++) {
      const socket = net.connect(port, '127.0.0.1');
      socket.on('error', () => undefined);
      sockets.push(socket);
    }
    await Promise.all(sockets.map((s) => new Promise((ok) => (s.readyState === 'open' ? ok(null) : s.once('connect', ok)))));
    return sockets;
  }

  it('stops growing the young generation at 250 open client connections and lets it grow again at 125', async () => {
    const { child, port } = await start(1, join(ROOT, 'bin', 'thumbtack.js'), [], ['--loglevel', '3']);
    const sockets = await openSockets(port, GROWTH_STOPS_AT_CONNECTIONS);
    await child.waitForOutput(STOPS, 10000);
    for (const s of sockets.splice(0, GROWTH_STOPS_AT_CONNECTIONS - GROWTH_RESUMES_AT_CONNECTIONS)) s.destroy();
    await child.waitForOutput(RESUMES, 10000);
    for (const s of sockets) s.destroy();
    await child.stop();
  });

  it('does the same in each worker process', async () => {
    const { child, port } = await start(2, join(ROOT, 'bin', 'thumbtack.js'), [], ['--loglevel', '3']);
    const count = (line: RegExp): number => (child.output().match(new RegExp(line.source, 'g')) ?? []).length;
    const stops = (): number => count(STOPS);
    // node:cluster gives each connection to whichever worker is free, about half each but not exactly
    // (less so on a busy machine): open connections in batches until both workers have reached the threshold.
    const sockets: net.Socket[] = [];
    while (stops() < 2 && sockets.length < 8 * GROWTH_STOPS_AT_CONNECTIONS) {
      sockets.push(...(await openSockets(port, GROWTH_STOPS_AT_CONNECTIONS / 2)));
      if (sockets.length >= 2 * GROWTH_STOPS_AT_CONNECTIONS) await until(() => stops() === 2, 1000, 'both workers').catch(() => undefined);
    }
    expect(stops()).toBe(2);
    for (const s of sockets) s.destroy();
    await until(() => count(RESUMES) === 2, 10000, 'both workers again');
    await child.stop();
  });
});
