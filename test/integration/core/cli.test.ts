import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request, startBackend, type Backend } from '../../helpers/harness';
import { freePort, startChild, waitForPort, type Child } from '../../helpers/processes';

const BIN = 'bin/thumbtack.js';

/** The `thumbtack` command itself, run as a real process on the built output. */
describe('thumbtack CLI', () => {
  let backendA: Backend;
  let backendB: Backend;
  const running: Child[] = [];

  beforeAll(async () => {
    backendA = await startBackend((_req, res) => res.end('from A\n'));
    backendB = await startBackend((_req, res) => res.end('from B\n'));
  });
  afterAll(async () => {
    await Promise.all(running.map((c) => c.stop()));
    await backendA.close();
    await backendB.close();
  });

  function run(args: string[]): Child {
    const child = startChild(process.execPath, [BIN, ...args]);
    running.push(child);
    return child;
  }

  it('prints --help and --version', async () => {
    const help = run(['--help']);
    expect(await help.exited).toBe(0);
    expect(help.output()).toContain('--route');
    expect(help.output()).toContain('--config');
    const version = run(['--version']);
    expect(await version.exited).toBe(0);
    expect(version.output().trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('reads a pushpin.conf: relative routes file, port_offset on the publish port only, warnings for unimplemented keys', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'thumbtack-cli-'));
    const httpPort = await freePort();
    const publishBase = await freePort();
    writeFileSync(join(dir, 'routes'), `* 127.0.0.1:${backendA.port}\n`);
    writeFileSync(
      join(dir, 'pushpin.conf'),
      [
        '[global]',
        'rundir=run',
        'port_offset=0',
        '[runner]',
        'services=condure,pushpin-proxy,pushpin-handler',
        `http_port=127.0.0.1:${httpPort}`,
        'logdir=/var/log/pushpin',
        '[proxy]',
        'routesfile=routes',
        '[handler]',
        `push_in_http_port=${publishBase - 1}`,
        'push_in_spec=',
        'port_offset_is_not_here=1',
      ].join('\n'),
    );
    const bad = run(['--config', join(dir, 'pushpin.conf')]);
    expect(await bad.exited).toBe(1);
    expect(bad.output()).toMatch(/pushpin\.conf:13: .*port_offset_is_not_here/);
    expect(bad.output()).toMatch(/pushpin\.conf:7: .*logdir/);

    const good = join(dir, 'good.conf');
    writeFileSync(
      good,
      [
        '[global]',
        'rundir=run',
        'port_offset=1',
        '[runner]',
        `http_port=127.0.0.1:${httpPort}`,
        '[proxy]',
        'routesfile=routes',
        '[handler]',
        `push_in_http_port=${publishBase - 1}`,
        // No ZeroMQ sockets: the defaults (5560, 5562, 5563) may be taken by other tests on this machine.
        'push_in_spec=',
        'push_in_sub_specs=',
        'command_spec=',
      ].join('\n'),
    );
    const proc = run(['--config', good]);
    await waitForPort(httpPort);
    await waitForPort(publishBase);
    expect((await request(`http://127.0.0.1:${httpPort}/`)).text).toBe('from A\n');
    expect((await request(`http://127.0.0.1:${publishBase}/`)).text).toBe('Pushpin API\n');

    // The routes file is watched: a change takes effect; an invalid file keeps the old routes.
    writeFileSync(join(dir, 'routes'), `* 127.0.0.1:${backendB.port}\n`);
    await proc.waitForOutput(/routes loaded with 1 entries.*file changed|file changed.*routes loaded/s, 5000);
    expect((await request(`http://127.0.0.1:${httpPort}/`)).text).toBe('from B\n');
    writeFileSync(join(dir, 'routes'), `* 127.0.0.1:${backendA.port},bogus=x "unterminated\n`);
    await proc.waitForOutput(/rejected: keeping the 1 routes in force/, 5000);
    expect(proc.output()).toMatch(/routes:1: /);
    expect((await request(`http://127.0.0.1:${httpPort}/`)).text).toBe('from B\n');

    // SIGHUP reloads too.
    writeFileSync(join(dir, 'routes'), `* 127.0.0.1:${backendA.port}\n`);
    proc.proc.kill('SIGHUP');
    const start = Date.now();
    let text = '';
    while (Date.now() - start < 5000) {
      text = (await request(`http://127.0.0.1:${httpPort}/`)).text;
      if (text === 'from A\n') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(text).toBe('from A\n');
    proc.proc.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
  });

  it('runs with --port and --route lines instead of the routes file', async () => {
    const port = await freePort();
    const publishPort = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'thumbtack-cli-'));
    // The routes file named here points nowhere useful: --route lines must replace it.
    writeFileSync(join(dir, 'routes'), '* 127.0.0.1:1\n');
    writeFileSync(join(dir, 'p.conf'), ['[global]', 'rundir=run', '[handler]', `push_in_http_port=${publishPort}`, 'push_in_spec=', 'push_in_sub_specs=', 'command_spec='].join('\n'));
    const proc = run(['--config', join(dir, 'p.conf'), '--port', `127.0.0.1:${port}`, '--route', `*,path_beg=/b 127.0.0.1:${backendB.port}`, '--route', `* 127.0.0.1:${backendA.port}`]);
    await waitForPort(port);
    expect((await request(`http://127.0.0.1:${port}/b/x`)).text).toBe('from B\n');
    expect((await request(`http://127.0.0.1:${port}/a`)).text).toBe('from A\n');
    await proc.stop();
  });

  it('rejects a bad --port with a clear error', async () => {
    const proc = run(['--port', 'nonsense:port']);
    expect(await proc.exited).toBe(1);
    expect(proc.output()).toMatch(/--port/);
  });
});
