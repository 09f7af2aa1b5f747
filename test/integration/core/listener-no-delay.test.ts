/**
 * TCP_NODELAY set once on the listening socket (src/proxy/listener-no-delay.ts) instead of on each accepted
 * connection. Node has no getsockopt, so the accepted socket is handed to python3 (as its fd 3), which reads
 * the option the kernel reports.
 */
import { spawn } from 'node:child_process';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { setNoDelayOnListener } from '../../../src/proxy/listener-no-delay';
import { startProxy } from '../../helpers/harness';

const READ_NODELAY = 'import socket; s = socket.socket(fileno=3); print(s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)); s.detach()';

/** The TCP_NODELAY value of an accepted socket, as the kernel reports it. */
function noDelayOf(socket: net.Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', ['-c', READ_NODELAY], { stdio: ['ignore', 'pipe', 'pipe', socket] });
    let out = '';
    let err = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`python3 exited ${code}: ${err}`))));
  });
}

/** Listens on `server`, applies the helper, and resolves with its answer and the first accepted socket. */
async function acceptOne(server: net.Server): Promise<{ applied: boolean; accepted: net.Socket; client: net.Socket }> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const applied = setNoDelayOnListener(server);
  const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
  const client = net.connect((server.address() as AddressInfo).port, '127.0.0.1');
  return { applied, accepted: await accepted, client };
}

describe('TCP_NODELAY on the listening socket', () => {
  const cleanup: Array<() => void> = [];
  afterEach(() => {
    for (const done of cleanup.splice(0)) done();
  });

  it('reaches every accepted connection without a call per connection', async () => {
    const server = net.createServer({ noDelay: true });
    const { applied, accepted, client } = await acceptOne(server);
    cleanup.push(() => (client.destroy(), accepted.destroy(), server.close()));
    expect(applied).toBe(true);
    // Node no longer sets it per connection...
    expect((server as net.Server & { noDelay?: boolean }).noDelay).toBe(false);
    // ...and the kernel copied it from the listener.
    expect(await noDelayOf(accepted)).toBe('1');
  });

  it('leaves a server that does not ask for it alone (an accepted socket then has Nagle on)', async () => {
    const server = net.createServer({ noDelay: false });
    const { applied, accepted, client } = await acceptOne(server);
    cleanup.push(() => (client.destroy(), accepted.destroy(), server.close()));
    expect(applied).toBe(false);
    expect(await noDelayOf(accepted)).toBe('0');
  });

  it('is on for the connections the proxy accepts', async () => {
    const proxy = await startProxy({ routes: ['* test'] });
    try {
      // The proxy's listening servers are private; a test reads them to see the socket it accepted.
      const front = (proxy.thumbtack.worker.proxy as unknown as { fronts: Array<{ server: net.Server }> }).fronts[0];
      expect(front).toBeDefined();
      const accepted = new Promise<net.Socket>((resolve) => front!.server.prependOnceListener('connection', resolve));
      const client = net.connect(Number(new URL(proxy.url).port), '127.0.0.1');
      cleanup.push(() => client.destroy());
      const socket = await accepted;
      expect((front!.server as net.Server & { noDelay?: boolean }).noDelay).toBe(false);
      expect(await noDelayOf(socket)).toBe('1');
    } finally {
      await proxy.close();
    }
  });
});
