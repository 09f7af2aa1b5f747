import net from 'node:net';
import { jwtVerify } from 'jose';
import { startBackend, startProxy, request, type Backend, type RunningProxy } from '../../helpers/harness';

/** Forwarding and pass-through of non-GRIP responses, with a real backend and a real proxy. */
describe('forwarding', () => {
  let backend: Backend;
  let proxy: RunningProxy;
  const big = Buffer.alloc(3 * 1024 * 1024, 'x');

  beforeAll(async () => {
    backend = await startBackend((req, res) => {
      const url = new URL(req.url ?? '/', 'http://b');
      if (url.pathname === '/plain') {
        res.writeHead(201, 'Made It', { 'Content-Type': 'text/plain', 'X-Custom': 'yes', 'Set-Cookie': ['a=1', 'b=2'] });
        res.end('plain body\n');
      } else if (url.pathname === '/chunked') {
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.write('part one\n');
        setTimeout(() => res.end('part two\n'), 50);
      } else if (url.pathname === '/big') {
        res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(big.length) });
        res.end(big);
      } else if (url.pathname === '/echo') {
        const seen = backend.requests[backend.requests.length - 1];
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, bodyLength: seen?.body.length }));
      } else if (url.pathname === '/slow') {
        setTimeout(() => {
          if (!res.destroyed) res.end('late\n');
        }, 3000).unref();
      } else if (url.pathname === '/nogrip') {
        res.writeHead(200, { 'Grip-Hold': 'stream', 'Grip-Channel': 'x', 'Content-Type': 'text/plain' });
        res.end('raw\n');
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    proxy = await startProxy({
      routes: [
        `* 127.0.0.1:${backend.port}`,
        `*,path_beg=/rem/,path_rem=4 127.0.0.1:${backend.port}`,
        `*,path_beg=/rb/,replace_beg=/ 127.0.0.1:${backend.port}`,
        `*,path_beg=/hdr/,replace_beg=/,header="X-Route: injected",header=User-Agent: 127.0.0.1:${backend.port},host=rewritten.example:81`,
        `*,path_beg=/own/,replace_beg=/,sig_iss=edge,sig_key=base64:c2VjcmV0 127.0.0.1:${backend.port}`,
        `*,path_beg=/raw/,replace_beg=/,no_grip 127.0.0.1:${backend.port}`,
        `*,path_beg=/dbg/,replace_beg=/,debug 127.0.0.1:1`,
        `*,path_beg=/down/,replace_beg=/ 127.0.0.1:1`,
        `*,path_beg=/failover/,replace_beg=/ 127.0.0.1:1 127.0.0.1:${backend.port}`,
        `only.example.com,path_beg=/x 127.0.0.1:${backend.port}`,
      ],
      backendTimeoutMs: 1000,
    });
  });
  afterAll(async () => {
    await proxy.close();
    await backend.close();
  });

  it('relays status, reason, headers (repeats kept) and body of a plain response', async () => {
    const res = await request(`${proxy.url}/plain`);
    expect(res.status).toBe(201);
    expect(res.reason).toBe('Made It');
    expect(res.headers['x-custom']).toBe('yes');
    expect(res.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    expect(res.text).toBe('plain body\n');
  });

  it('streams chunked bodies as they arrive', async () => {
    const res = await request(`${proxy.url}/chunked`);
    expect(res.headers['transfer-encoding']).toBe('chunked');
    expect(res.text).toBe('part one\npart two\n');
  });

  it('relays a 3 MiB body intact, and streams a 2 MiB request body to the backend', async () => {
    const res = await request(`${proxy.url}/big`);
    expect(res.body.length).toBe(big.length);
    expect(res.body.equals(big)).toBe(true);
    const upload = Buffer.alloc(2 * 1024 * 1024, 'y');
    const echoed = await request(`${proxy.url}/echo`, { method: 'POST', body: upload, headers: { 'Content-Type': 'application/octet-stream' } });
    expect(JSON.parse(echoed.text)).toMatchObject({ method: 'POST', bodyLength: upload.length });
  });

  it('forwards method, path and query; drops hop-by-hop and client Grip-* headers; adds Grip-Sig and Grip-Feature', async () => {
    const res = await request(`${proxy.url}/echo?a=1&b=%20`, {
      method: 'PUT',
      body: 'abc',
      headers: { 'Grip-Sig': 'forged', 'Grip-Last': 'x; last-id=1', 'Keep-Alive': 'timeout=5', 'X-Kept': 'k', 'Accept-Encoding': 'gzip' },
    });
    const seen = JSON.parse(res.text) as { method: string; url: string; headers: Record<string, string> };
    expect(seen.method).toBe('PUT');
    expect(seen.url).toBe('/echo?a=1&b=%20');
    expect(seen.headers['x-kept']).toBe('k');
    expect(seen.headers['keep-alive']).toBeUndefined();
    expect(seen.headers['accept-encoding']).toBeUndefined();
    expect(seen.headers['grip-last']).toBeUndefined();
    expect(seen.headers['grip-sig']).not.toBe('forged');
    expect(seen.headers['grip-feature']).toBe(
      'status, session, link:next, filter:skip-self, filter:skip-users, filter:require-sub, filter:build-id, filter:var-subst',
    );
    const { payload, protectedHeader } = await jwtVerify(seen.headers['grip-sig'] as string, new TextEncoder().encode('changeme'));
    expect(protectedHeader.alg).toBe('HS256');
    expect(payload.iss).toBe('pushpin');
    expect((payload.exp as number) - Date.now() / 1000).toBeGreaterThan(3590);
  });

  it('signs with the route key and issuer when both are set', async () => {
    const res = await request(`${proxy.url}/own/echo`);
    const seen = JSON.parse(res.text) as { headers: Record<string, string> };
    const { payload } = await jwtVerify(seen.headers['grip-sig'] as string, new TextEncoder().encode('secret'));
    expect(payload.iss).toBe('edge');
    await expect(jwtVerify(seen.headers['grip-sig'] as string, new TextEncoder().encode('changeme'))).rejects.toThrow();
  });

  it('applies path_rem, replace_beg, header= and host=', async () => {
    expect(JSON.parse((await request(`${proxy.url}/rem/echo`)).text).url).toBe('/echo');
    expect(JSON.parse((await request(`${proxy.url}/rb/echo?q=1`)).text).url).toBe('/echo?q=1');
    const seen = JSON.parse((await request(`${proxy.url}/hdr/echo`, { headers: { 'User-Agent': 'curl', 'X-Route': 'client' } })).text) as {
      headers: Record<string, string>;
    };
    expect(seen.headers['x-route']).toBe('injected');
    expect(seen.headers['user-agent']).toBeUndefined();
    expect(seen.headers.host).toBe('rewritten.example:81');
  });

  it('passes GRIP headers to the client on no_grip routes and sends no Grip-Sig', async () => {
    const res = await request(`${proxy.url}/raw/nogrip`);
    expect(res.headers['grip-hold']).toBe('stream');
    expect(res.text).toBe('raw\n');
    const echoed = JSON.parse((await request(`${proxy.url}/raw/echo`, { headers: { 'Grip-Sig': 'client' } })).text) as {
      headers: Record<string, string>;
    };
    expect(echoed.headers['grip-sig']).toBeUndefined();
    expect(echoed.headers['grip-feature']).toBeUndefined();
  });

  it('answers 502 when no target is reachable, with the debug text on debug routes', async () => {
    const res = await request(`${proxy.url}/down/x`);
    expect(res.status).toBe(502);
    expect(res.text).toBe('Error while proxying to origin.\n');
    const dbg = await request(`${proxy.url}/dbg/x`);
    expect(dbg.status).toBe(502);
    expect(dbg.text).toBe('Unable to connect to any targets. Tried: 127.0.0.1:1\n');
  });

  it('fails over to the next target on connection errors, body included', async () => {
    const res = await request(`${proxy.url}/failover/echo`, { method: 'POST', body: 'payload' });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toMatchObject({ url: '/echo', bodyLength: 7 });
  });

  it('answers 504 when the backend does not respond in time', async () => {
    const res = await request(`${proxy.url}/slow`);
    expect(res.status).toBe(504);
    expect(res.text).toBe('Error while proxying to origin.\n');
  });

  it('has no fallback to * once a domain has rules', async () => {
    const res = await request(`${proxy.url}/plain`, { headers: { Host: 'only.example.com:7999' } });
    expect(res.status).toBe(502);
    expect(res.text).toBe('No route for host: only.example.com\n');
  });

  it('answers 431 to a header block larger than client_buffer_size, and keeps serving', async () => {
    const reply = await new Promise<string>((resolve) => {
      const socket = net.connect(Number(new URL(proxy.url).port), '127.0.0.1', () => {
        socket.write(`GET /plain HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(9000)}\r\n\r\n`);
      });
      let data = '';
      socket.on('data', (d) => (data += d.toString()));
      socket.on('close', () => resolve(data));
      socket.on('error', () => resolve(data));
    });
    expect(reply).toMatch(/^HTTP\/1\.1 431 /);
    expect((await request(`${proxy.url}/plain`)).status).toBe(201);
  });
});
