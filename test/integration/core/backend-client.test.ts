import net from 'node:net';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { createHash } from 'node:crypto';
import { startBackend, startProxy, request, until, type Backend, type RunningProxy } from '../../helpers/harness';

/**
 * The backend client (undici, with Node's client for the headers undici refuses): keep-alive reuse, back
 * pressure from a slow client to the backend, and the requests that go through Node's client.
 */
describe('backend client', () => {
  let backend: Backend;
  let proxy: RunningProxy;
  const chunk = Buffer.alloc(64 * 1024, 'z');
  const hugeChunks = 1024; // 64 MiB
  let hugeSent = 0;
  const peerPorts: number[] = [];
  let tlsBackend: https.Server;
  const tlsNames: Array<string | false | null> = [];

  beforeAll(async () => {
    backend = await startBackend((req, res) => {
      if (req.url === '/huge') {
        hugeSent = 0;
        res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(chunk.length * hugeChunks) });
        let i = 0;
        const pump = (): void => {
          while (i < hugeChunks) {
            i++;
            hugeSent += chunk.length;
            if (!res.write(chunk)) {
              res.once('drain', pump);
              return;
            }
          }
          res.end();
        };
        pump();
        return;
      }
      peerPorts.push(req.socket.remotePort ?? 0);
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ headers: req.headers }));
    });
    const tls = join(__dirname, '../../fixtures/tls');
    tlsBackend = https.createServer({ key: readFileSync(join(tls, 'backend-key.pem')), cert: readFileSync(join(tls, 'backend-cert.pem')) }, (req, res) => {
      tlsNames.push((req.socket as TLSSocket).servername);
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end(`over tls ${req.url}`);
    });
    await new Promise<void>((resolve) => tlsBackend.listen(0, '127.0.0.1', resolve));
    const tlsPort = (tlsBackend.address() as AddressInfo).port;
    proxy = await startProxy({
      routes: [
        `*,path_beg=/tls-insecure/ 127.0.0.1:${tlsPort},ssl,insecure,host=backend.test`,
        `*,path_beg=/tls-verified/ 127.0.0.1:${tlsPort},ssl,host=backend.test`,
        `* 127.0.0.1:${backend.port}`,
      ],
    });
  });
  afterAll(async () => {
    tlsBackend.closeAllConnections();
    await new Promise<void>((resolve) => tlsBackend.close(() => resolve()));
    await proxy.close();
    await backend.close();
  });

  it('reuses one backend connection for requests one after another', async () => {
    peerPorts.length = 0;
    for (let i = 0; i < 5; i++) expect((await request(`${proxy.url}/echo`)).status).toBe(200);
    expect(peerPorts).toHaveLength(5);
    expect(new Set(peerPorts).size).toBe(1);
  });

  it('sends a request with headers undici refuses (Upgrade: h2c) through Node’s client, unchanged', async () => {
    const res = await request(`${proxy.url}/echo`, { headers: { Upgrade: 'h2c', 'X-Extra': 'kept' } });
    expect(res.status).toBe(200);
    const seen = JSON.parse(res.text) as { headers: Record<string, string> };
    expect(seen.headers.upgrade).toBe('h2c');
    expect(seen.headers['x-extra']).toBe('kept');
  });

  it('reaches a TLS backend (insecure: any certificate), naming the host= value in SNI', async () => {
    const res = await request(`${proxy.url}/tls-insecure/a`);
    expect(res.status).toBe(200);
    expect(res.text).toBe('over tls /tls-insecure/a');
    expect(tlsNames.at(-1)).toBe('backend.test');
  });

  it('refuses a TLS backend whose certificate is not trusted (502), unless the target is insecure', async () => {
    const res = await request(`${proxy.url}/tls-verified/a`);
    expect(res.status).toBe(502);
  });

  it('slows the backend down to a client that does not read, then delivers every byte', async () => {
    const total = chunk.length * hugeChunks;
    const socket = net.connect(Number(new URL(proxy.url).port), '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    socket.pause();
    socket.write('GET /huge HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    // Kernel buffers on both hops take some megabytes; far less than the body if back pressure works.
    await until(() => hugeSent > 0, 5000, 'the backend to start');
    await new Promise((r) => setTimeout(r, 1000));
    const sentWhilePaused = hugeSent;
    expect(sentWhilePaused).toBeLessThan(total / 2);
    const hash = createHash('sha256');
    let received = 0;
    let head = '';
    let inBody = false;
    socket.on('data', (data: Buffer) => {
      if (!inBody) {
        head += data.toString('latin1');
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        inBody = true;
        const body = Buffer.from(head.slice(end + 4), 'latin1');
        received += body.length;
        hash.update(body);
        return;
      }
      received += data.length;
      hash.update(data);
    });
    socket.resume();
    await new Promise<void>((resolve) => socket.once('end', resolve));
    expect(head.startsWith('HTTP/1.1 200')).toBe(true);
    expect(received).toBe(total);
    const expected = createHash('sha256');
    for (let i = 0; i < hugeChunks; i++) expected.update(chunk);
    expect(hash.digest('hex')).toBe(expected.digest('hex'));
  }, 30_000);
});
