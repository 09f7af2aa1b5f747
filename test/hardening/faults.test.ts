import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as zmq from 'zeromq';
import { openStream, request, startBackend, until, type Backend } from '../helpers/harness';
import { freePort, startChild, waitForPort } from '../helpers/processes';
import { Bystander, holdBystander, startHardened } from './hardening-helpers';

/** A backend: `/stream` held as a stream, `/poll` as a long-poll, `/slow` answered after 300 ms, `/who` says its name. */
function faultBackend(name: string): Promise<Backend> {
  return startBackend((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/stream') {
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Grip-Hold': 'stream', 'Grip-Channel': 'drain' });
      res.end('event: open\ndata: x\n\n');
    } else if (path === '/poll') {
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Grip-Hold': 'response', 'Grip-Channel': 'drainpoll' });
      res.end('timeout\n');
    } else if (path === '/slow') {
      setTimeout(() => res.end('slow but served\n'), 300);
    } else if (path === '/who') res.end(`${name}\n`);
    else holdBystander(res);
  });
}

/** Faults (issue 7, item 5). Worker restarts need worker processes, which Thumbtack does not have yet. */
describe('hardening: faults', () => {
  let backendA: Backend;
  let backendB: Backend;

  beforeAll(async () => {
    backendA = await faultBackend('A');
    backendB = await faultBackend('B');
  });
  afterAll(async () => {
    await backendA.close();
    await backendB.close();
  });

  it('drains on SIGTERM: stops accepting, ends streams cleanly, answers long-polls 503 + Retry-After, finishes requests in progress, exits in time', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'thumbtack-sigterm-'));
    const port = await freePort();
    const publishPort = await freePort();
    writeFileSync(join(dir, 'routes'), `* 127.0.0.1:${backendA.port}\n`);
    writeFileSync(
      join(dir, 'pushpin.conf'),
      ['[global]', 'rundir=run', '[runner]', `http_port=127.0.0.1:${port}`, '[proxy]', 'routesfile=routes', 'workers=1', '[handler]',
        `push_in_http_port=${publishPort}`, 'push_in_spec=', 'push_in_sub_specs=', 'command_spec=', 'stats_spec='].join('\n'),
    );
    const child = startChild(process.execPath, ['bin/thumbtack.js', '--config', join(dir, 'pushpin.conf')]);
    try {
      await waitForPort(port);
      const base = `http://127.0.0.1:${port}`;
      const stream = await openStream(`${base}/stream`);
      await stream.waitFor('event: open');
      const poll = request(`${base}/poll`);
      await new Promise((r) => setTimeout(r, 200)); // both held
      const slow = request(`${base}/slow`);
      await new Promise((r) => setTimeout(r, 50)); // the slow request is at the backend
      const signalled = Date.now();
      child.proc.kill('SIGTERM');
      const [polled, slowRes] = await Promise.all([poll, slow]);
      expect(polled.status).toBe(503);
      expect(polled.headers['retry-after']).toBe('1');
      expect(polled.headers.connection).toBe('close');
      expect(slowRes.text).toBe('slow but served\n');
      await stream.ended;
      expect(stream.res.complete).toBe(true); // the chunked stream was ended, not cut
      expect(stream.text()).toBe('event: open\ndata: x\n\n'); // nothing injected into the stream
      const code = await child.exited;
      expect(code).toBe(0);
      expect(Date.now() - signalled).toBeLessThan(5000);
      const refused = await new Promise<boolean>((resolve) => {
        const s = net.connect(port, '127.0.0.1', () => resolve(false));
        s.on('error', () => resolve(true));
      });
      expect(refused).toBe(true);
    } finally {
      await child.stop();
    }
  });

  it('survives a bad routes file (watched and on SIGHUP), keeping the routes in force, then takes a good one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'thumbtack-reload-'));
    const routesFile = join(dir, 'routes');
    writeFileSync(routesFile, `* 127.0.0.1:${backendA.port}\n`);
    const proxy = await startHardened({ dir, routesFromFile: true, config: { routesFile } });
    try {
      const bystander = await Bystander.open(proxy);
      expect((await request(`${proxy.url}/who`)).text).toBe('A\n');
      writeFileSync(routesFile, `* 127.0.0.1:notaport\n`);
      await proxy.logged(/routes reload \(file changed\) rejected/);
      process.emit('SIGHUP', 'SIGHUP');
      await proxy.logged(/routes reload \(SIGHUP\) rejected/);
      expect((await request(`${proxy.url}/who`)).text).toBe('A\n');
      await bystander.stillServed();
      writeFileSync(routesFile, `* 127.0.0.1:${backendB.port}\n`);
      process.emit('SIGHUP', 'SIGHUP');
      expect((await request(`${proxy.url}/who`)).text).toBe('B\n');
      await bystander.stillServed(); // a held connection outlives a route change
      bystander.close();
    } finally {
      await proxy.close();
    }
  });

  it('reconnects a SUB socket (push_in_sub_connect) to a publisher that goes away and comes back', async () => {
    const endpoint = `tcp://127.0.0.1:${await freePort()}`;
    let xpub = new zmq.XPublisher({ linger: 0 });
    await xpub.bind(endpoint);
    const proxy = await startHardened({
      routes: [`*,path_beg=/stream 127.0.0.1:${backendA.port}`, `* 127.0.0.1:${backendA.port}`],
      zmqSpecs: { pushInSub: [endpoint], pushInSubConnect: true },
    });
    try {
      const bystander = await Bystander.open(proxy);
      const stream = await openStream(`${proxy.url}/stream`);
      await subscription(xpub, 'drain');
      await xpub.send(['drain', 'J{"formats":{"http-stream":{"content":"first\\n"}}}']);
      await stream.waitFor('first\n');
      xpub.close(); // the publisher dies
      await new Promise((r) => setTimeout(r, 300));
      xpub = new zmq.XPublisher({ linger: 0 });
      await xpub.bind(endpoint); // and comes back on the same address
      await subscription(xpub, 'drain'); // Thumbtack reconnected and subscribed again
      await xpub.send(['drain', 'J{"formats":{"http-stream":{"content":"after the restart\\n"}}}']);
      await stream.waitFor('after the restart\n');
      stream.close();
      await bystander.stillServed();
      bystander.close();
    } finally {
      xpub.close();
      await proxy.close();
    }
  });

  it('in-process close: ends a held stream cleanly and answers 503 to a request completed while draining', async () => {
    const proxy = await startHardened({ routes: [`* 127.0.0.1:${backendA.port}`] });
    const stream = await openStream(`${proxy.url}/stream`);
    await until(() => (proxy.thumbtack.worker.hold.index.get('drain')?.size ?? 0) > 0, 5000, 'the stream');
    // A client in the middle of sending its request head when the drain starts.
    const late = net.connect(proxy.port, '127.0.0.1');
    let reply = '';
    late.on('data', (d: Buffer) => (reply += d.toString('latin1')));
    late.on('error', () => undefined);
    await new Promise<void>((resolve) => late.write('GET /who HTTP/1.1\r\nHost: x\r\n', () => resolve()));
    await until(() => proxy.thumbtack.worker.proxy.connections.count === 2, 3000, 'the late connection');
    const started = Date.now();
    const closing = proxy.close();
    late.write('\r\n');
    await closing;
    expect(Date.now() - started).toBeLessThan(2000);
    await until(() => reply.includes('retry.'), 3000, 'the 503');
    expect(reply).toMatch(/^HTTP\/1\.1 503 Service Unavailable\r\n/);
    expect(reply).toMatch(/\r\nRetry-After: 1\r\n/);
    await stream.ended;
    expect(stream.res.complete).toBe(true);
    late.destroy();
  });
});

/** Waits until `xpub` receives the subscription message for `channel`. */
async function subscription(xpub: zmq.XPublisher, channel: string): Promise<void> {
  xpub.receiveTimeout = 100;
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    try {
      const [frame] = await xpub.receive();
      if (frame?.toString('latin1') === `\x01${channel}`) return;
    } catch {
      // receive timeout: poll again
    }
  }
  throw new Error(`no subscription to ${channel}`);
}
