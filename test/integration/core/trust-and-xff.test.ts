import { SignJWT } from 'jose';
import { request, startBackend, startProxy, type Backend, type RunningProxy } from '../../helpers/harness';

/** X-Forwarded-For rules and trusted upstream GRIP proxies (`upstream_key`). */
describe('X-Forwarded-For and upstream_key', () => {
  let backend: Backend;
  let proxy: RunningProxy;
  const upstreamSecret = new TextEncoder().encode('upstream-secret');

  beforeAll(async () => {
    backend = await startBackend((req, res) => {
      if (req.url === '/grip') {
        res.writeHead(200, { 'Grip-Hold': 'stream', 'Grip-Channel': 'up', 'Content-Type': 'text/plain' });
        res.end('instructions for the upstream proxy\n');
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(req.headers));
    });
    proxy = await startProxy({
      routes: [`* 127.0.0.1:${backend.port}`],
      config: {
        xForwardedFor: { truncate: 1, append: true },
        xForwardedForTrusted: { append: true },
        upstreamKey: 'upstream-secret',
      },
    });
  });
  afterAll(async () => {
    await proxy.close();
    await backend.close();
  });

  it('keeps the last N X-Forwarded-For values and appends the peer for untrusted clients', async () => {
    const seen = JSON.parse((await request(`${proxy.url}/`, { headers: { 'X-Forwarded-For': '1.1.1.1, 2.2.2.2' } })).text) as Record<string, string>;
    expect(seen['x-forwarded-for']).toBe('2.2.2.2, 127.0.0.1');
  });

  it('trusts a client whose Grip-Sig verifies with upstream_key: its Grip-* headers pass, instructions are relayed', async () => {
    const token = await new SignJWT({ iss: 'upstream' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(upstreamSecret);
    const seen = JSON.parse(
      (await request(`${proxy.url}/`, { headers: { 'Grip-Sig': token, 'Grip-Last': 'c; last-id=1', 'X-Forwarded-For': '1.1.1.1, 2.2.2.2' } })).text,
    ) as Record<string, string>;
    expect(seen['grip-sig']).toBe(token);
    expect(seen['grip-last']).toBe('c; last-id=1');
    expect(seen['x-forwarded-for']).toBe('1.1.1.1, 2.2.2.2, 127.0.0.1');
    const relayed = await request(`${proxy.url}/grip`, { headers: { 'Grip-Sig': token } });
    expect(relayed.headers['grip-hold']).toBe('stream');
    expect(relayed.text).toBe('instructions for the upstream proxy\n');
  });

  it('does not trust a Grip-Sig signed with another key, nor an expired one', async () => {
    const forged = await new SignJWT({ iss: 'x' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(new TextEncoder().encode('wrong'));
    const expired = await new SignJWT({ iss: 'x' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(Math.floor(Date.now() / 1000) - 10).sign(upstreamSecret);
    for (const token of [forged, expired]) {
      const seen = JSON.parse((await request(`${proxy.url}/`, { headers: { 'Grip-Sig': token, 'Grip-Last': 'c; last-id=1' } })).text) as Record<string, string>;
      expect(seen['grip-sig']).not.toBe(token);
      expect(seen['grip-last']).toBeUndefined();
    }
  });
});
