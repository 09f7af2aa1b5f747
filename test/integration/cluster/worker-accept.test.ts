import { mkdtempSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request, startBackend, type Backend } from '../../helpers/harness';
import { childrenOf, freePort, startChild, waitForPort, type Child } from '../../helpers/processes';

/** The socket inode of the TCP listener on 127.0.0.1:`port` (from /proc/net/tcp, state 0A = LISTEN). */
function listenerInode(port: number): string | undefined {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f[1] === `0100007F:${hexPort}` && f[3] === '0A') return f[9];
  }
  return undefined;
}

/** The processes that hold an open descriptor on the socket with this inode. */
function holders(inode: string, pids: number[]): number[] {
  return pids.filter((pid) => {
    try {
      return readdirSync(`/proc/${pid}/fd`).some((fd) => {
        try {
          return readlinkSync(`/proc/${pid}/fd/${fd}`) === `socket:[${inode}]`;
        } catch {
          return false;
        }
      });
    } catch {
      return false;
    }
  });
}

/**
 * `worker_accept` with `workers=2`, on the real `thumbtack` process: `round-robin` keeps the listening
 * socket in the supervisor, which hands each connection to a worker; `kernel` gives it to the workers,
 * which accept on it themselves.
 */
describe('worker_accept', () => {
  let backend: Backend;
  const running: Child[] = [];

  beforeAll(async () => {
    backend = await startBackend((_req, res) => res.end(`plain\n`));
  });
  afterAll(async () => {
    await Promise.all(running.map((c) => c.stop()));
    await backend.close();
  });

  async function start(accept: string): Promise<{ child: Child; port: number }> {
    const port = await freePort();
    const publishPort = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'thumbtack-accept-'));
    writeFileSync(
      join(dir, 'p.conf'),
      ['[global]', 'rundir=run', '[proxy]', 'workers=2', `worker_accept=${accept}`, '[handler]', `push_in_http_port=${publishPort}`, 'push_in_spec=', 'push_in_sub_specs=', 'command_spec='].join('\n'),
    );
    const child = startChild(process.execPath, ['bin/thumbtack.js', '--config', join(dir, 'p.conf'), '--port', `127.0.0.1:${port}`, '--route', `* 127.0.0.1:${backend.port}`]);
    running.push(child);
    // Logged once every worker listens (the port answers as soon as the first one does).
    await child.waitForOutput(/thumbtack started/, 20000);
    await waitForPort(port, 20000);
    return { child, port };
  }

  async function listenerHolders(child: Child, port: number): Promise<{ supervisor: boolean; workers: number }> {
    const supervisor = child.proc.pid as number;
    const workers = childrenOf(supervisor);
    expect(workers).toHaveLength(2);
    const inode = listenerInode(port);
    expect(inode).toBeDefined();
    const held = holders(inode as string, [supervisor, ...workers]);
    return { supervisor: held.includes(supervisor), workers: held.filter((p) => p !== supervisor).length };
  }

  it('round-robin (the default): the supervisor accepts and hands connections over', async () => {
    const { child, port } = await start('round-robin');
    expect((await request(`http://127.0.0.1:${port}/x`)).text).toBe('plain\n');
    expect(await listenerHolders(child, port)).toEqual({ supervisor: true, workers: 0 });
    await child.stop();
  });

  it('kernel: both workers accept on the shared socket', async () => {
    const { child, port } = await start('kernel');
    const answers = await Promise.all(Array.from({ length: 20 }, () => request(`http://127.0.0.1:${port}/x`)));
    expect(answers.map((a) => a.text)).toEqual(Array(20).fill('plain\n'));
    expect((await listenerHolders(child, port)).workers).toBe(2);
    await child.stop();
  });

  it('rejects another value, naming the key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'thumbtack-accept-'));
    writeFileSync(join(dir, 'p.conf'), ['[proxy]', 'worker_accept=random'].join('\n'));
    const child = startChild(process.execPath, ['bin/thumbtack.js', '--config', join(dir, 'p.conf')]);
    running.push(child);
    expect(await child.exited).toBe(1);
    expect(child.output()).toMatch(/p\.conf:2: .*worker_accept.*expected round-robin or kernel, got 'random'/);
  });
});
