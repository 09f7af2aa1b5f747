import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, importPKCS8 } from 'jose';
import { request, startBackend, type Backend, type FullResponse } from '../helpers/harness';
import { startChild } from '../helpers/processes';
import { Bystander, holdBystander, startHardened, type HardenedProxy } from './hardening-helpers';

const GRIP_PUBLISH = 'test/hardening/fixtures/grip-publish.mjs';

function publishWith(proxy: HardenedProxy, authorization: string | undefined, line: string, path = '/publish/'): Promise<FullResponse> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (authorization !== undefined) headers.Authorization = authorization;
  return request(`${proxy.publishUrl}${path}`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ items: [{ channel: 'bystander', formats: { 'http-stream': { content: line } } }] }),
  });
}

/** Runs @fanoutio/grip's Publisher in a child process, as a backend would publish. */
async function gripPublish(gripUrl: string, content: string): Promise<string> {
  const child = startChild(process.execPath, [GRIP_PUBLISH, gripUrl, 'bystander', content]);
  await child.exited;
  return child.output().trim();
}

/** Publish endpoint access (issue 7, item 4): loopback by default, optional Basic / bearer / JWT auth. */
describe('hardening: publish endpoint access', () => {
  let backend: Backend;

  beforeAll(async () => {
    backend = await startBackend((_req, res) => holdBystander(res));
  });
  afterAll(async () => {
    await backend.close();
  });

  it('binds the publish API and every ZeroMQ socket to loopback by default, with no auth (as Pushpin)', async () => {
    const proxy = await startHardened({ routes: [`* 127.0.0.1:${backend.port}`] });
    try {
      expect(proxy.config.pushInHttpAddr).toBe('127.0.0.1');
      expect((proxy.thumbtack.intake.server.address() as AddressInfo).address).toBe('127.0.0.1');
      const zmq = proxy.thumbtack.zmq.endpoints();
      for (const endpoint of [zmq.pushIn, zmq.command, ...zmq.pushInSub]) expect(endpoint).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/);
      expect(proxy.thumbtack.intake.authenticated).toBe(false);
      const bystander = await Bystander.open(proxy);
      expect((await publishWith(proxy, undefined, 'open\n')).status).toBe(200);
      await bystander.stream.waitFor('open\n');
      bystander.close();
    } finally {
      await proxy.close();
    }
  });

  describe('with push_in_http_auth_* set', () => {
    let proxy: HardenedProxy;
    let bystander: Bystander;
    let esKey: Awaited<ReturnType<typeof importPKCS8>>;

    beforeAll(async () => {
      const dir = mkdtempSync(join(tmpdir(), 'thumbtack-auth-'));
      const pair = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
      writeFileSync(join(dir, 'publish.pub.pem'), pair.publicKey.export({ type: 'spki', format: 'pem' }));
      esKey = await importPKCS8(pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 'ES256');
      proxy = await startHardened({
        dir,
        routes: [`* 127.0.0.1:${backend.port}`],
        config: {
          pushInHttpAuthBasic: 'publisher:s3cret',
          pushInHttpAuthToken: 'static-token',
          pushInHttpAuthJwtKeys: ['jwt-secret', 'file:publish.pub.pem'],
        },
      });
      bystander = await Bystander.open(proxy, 'Bearer static-token');
    });
    afterAll(async () => {
      bystander.close();
      await proxy.close();
    });

    it('answers 401 with WWW-Authenticate to missing or wrong credentials, and publishes nothing', async () => {
      const attempts: Array<[string | undefined, string]> = [
        [undefined, 'Unauthorized: missing credentials.\n'],
        [`Basic ${Buffer.from('publisher:wrong').toString('base64')}`, 'Unauthorized: invalid credentials.\n'],
        ['Bearer not-the-token', 'Unauthorized: invalid credentials.\n'],
        [`Bearer ${await new SignJWT({ iss: 'x' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(new TextEncoder().encode('guess'))}`, 'Unauthorized: invalid credentials.\n'],
        ['Negotiate abc', 'Unauthorized: unsupported authorization scheme.\n'],
      ];
      for (const [authorization, text] of attempts) {
        const res = await publishWith(proxy, authorization, 'must not arrive\n');
        expect([res.status, res.text]).toEqual([401, text]);
        expect(res.rawHeaders.filter((_, i, a) => i % 2 === 1 && a[i - 1] === 'WWW-Authenticate')).toEqual([
          'Basic realm="thumbtack-publish", charset="UTF-8"',
          'Bearer realm="thumbtack-publish"',
        ]);
      }
      expect((await publishWith(proxy, undefined, 'x', '/recover')).status).toBe(401);
      expect((await request(`${proxy.publishUrl}/`)).status).toBe(200); // liveness stays open
      await proxy.logged(/publish request refused/, { reason: 'invalid credentials' });
      await bystander.stillServed();
      expect(bystander.stream.text()).not.toContain('must not arrive');
    });

    it('accepts Basic as curl -u sends it, a literal bearer token, and HS256 / ES256 JWTs', async () => {
      const es = await new SignJWT({ iss: 'me' }).setProtectedHeader({ alg: 'ES256' }).setExpirationTime('5m').sign(esKey);
      const hs = await new SignJWT({ iss: 'me' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('5m').sign(new TextEncoder().encode('jwt-secret'));
      const ways: Array<[string, string]> = [
        ['basic', `Basic ${Buffer.from('publisher:s3cret').toString('base64')}`],
        ['token', 'Bearer static-token'],
        ['hs256', `Bearer ${hs}`],
        ['es256', `Bearer ${es}`],
      ];
      for (const [name, authorization] of ways) {
        const res = await publishWith(proxy, authorization, `via ${name}\n`);
        expect([name, res.status, res.text]).toEqual([name, 200, 'Published\n']);
        await bystander.stream.waitFor(`via ${name}\n`);
      }
      await bystander.stillServed();
    });

    it("works with @fanoutio/grip's Publisher: GRIP_URL with user:pass, with key= alone, with iss= and key=", async () => {
      const port = new URL(proxy.publishUrl).port;
      const urls: Array<[string, string]> = [
        ['basic', `http://publisher:s3cret@127.0.0.1:${port}/`],
        ['key', `http://127.0.0.1:${port}/?key=static-token`],
        ['jwt', `http://127.0.0.1:${port}/?iss=backend&key=jwt-secret`],
      ];
      const outputs = await Promise.all(urls.map(([name, url]) => gripPublish(url, `grip ${name}\n`)));
      expect(outputs).toEqual(['published', 'published', 'published']);
      for (const [name] of urls) await bystander.stream.waitFor(`grip ${name}\n`);
      expect(await gripPublish(`http://127.0.0.1:${port}/?iss=backend&key=wrong-secret`, 'refused\n')).toMatch(/^failed 401 /);
      await bystander.stillServed();
    });
  });

  it('refuses to start when a JWT key cannot be used (fails closed)', async () => {
    await expect(startHardened({ routes: [`* 127.0.0.1:${backend.port}`], config: { pushInHttpAuthJwtKeys: ['file:/nonexistent/key.pem'] } })).rejects.toThrow(
      /push_in_http_auth_jwt_key: cannot read key file/,
    );
  });
});
