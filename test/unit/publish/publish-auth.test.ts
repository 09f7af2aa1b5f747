import { generateKeyPairSync } from 'node:crypto';
import { SignJWT, importPKCS8 } from 'jose';
import { authChallenges, buildPublishAuth, checkPublishAuth, PUBLISH_UNAUTHORIZED, type PublishAuth } from '../../../src/publish/publish-auth';

const NOW = 1_900_000_000;
const noFiles = (path: string): never => {
  throw new Error(`no file ${path}`);
};

function build(settings: { basic?: string; token?: string; jwtKeys?: string[] }, files: Record<string, string> = {}): PublishAuth {
  const r = buildPublishAuth(
    { basic: settings.basic ?? '', token: settings.token ?? '', jwtKeys: settings.jwtKeys ?? [] },
    (path) => files[path] ?? noFiles(path),
  );
  if (!r.ok) throw r.error;
  if (r.value === undefined) throw new Error('auth is off');
  return r.value;
}

const basic = (userPass: string): string => `Basic ${Buffer.from(userPass).toString('base64')}`;

async function hs256(secret: string, exp: number | null = NOW + 600, iss = 'me'): Promise<string> {
  const jwt = new SignJWT({ iss }).setProtectedHeader({ alg: 'HS256' });
  if (exp !== null) jwt.setExpirationTime(exp);
  return jwt.sign(new TextEncoder().encode(secret));
}

async function outcome(auth: PublishAuth, header: string | undefined): Promise<string> {
  const r = await checkPublishAuth(auth, header, NOW);
  if (r.ok) return r.value;
  expect(r.error.code).toBe(PUBLISH_UNAUTHORIZED);
  return `refused: ${r.error.message}`;
}

describe('buildPublishAuth', () => {
  it('is off (undefined) when nothing is configured, as in Pushpin', () => {
    expect(buildPublishAuth({ basic: '', token: '', jwtKeys: [] }, noFiles)).toEqual({ ok: true, value: undefined });
  });

  it('refuses an unusable JWT key file, naming the key', () => {
    const r = buildPublishAuth({ basic: '', token: '', jwtKeys: ['file:/missing.pem'] }, noFiles);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('GRIP_KEY_INVALID');
      expect(r.error.message).toMatch(/^push_in_http_auth_jwt_key: cannot read key file '\/missing\.pem'/);
    }
  });
});

describe('checkPublishAuth', () => {
  it('accepts the configured Basic credential only (a password may contain a colon)', async () => {
    const auth = build({ basic: 'pub:se:cret' });
    expect(await outcome(auth, basic('pub:se:cret'))).toBe('basic');
    expect(await outcome(auth, `basic   ${Buffer.from('pub:se:cret').toString('base64')}`)).toBe('basic');
    expect(await outcome(auth, basic('pub:wrong'))).toBe('refused: invalid credentials');
    expect(await outcome(auth, basic('pub:se:cret2'))).toBe('refused: invalid credentials');
    expect(await outcome(auth, 'Basic !!!notbase64')).toBe('refused: invalid credentials');
    expect(await outcome(auth, undefined)).toBe('refused: missing credentials');
    expect(await outcome(auth, '  ')).toBe('refused: missing credentials');
    expect(await outcome(auth, 'Bearer pub:se:cret')).toBe('refused: unsupported authorization scheme');
    expect(await outcome(auth, 'Digest x')).toBe('refused: unsupported authorization scheme');
  });

  it('accepts the literal bearer token', async () => {
    const auth = build({ token: 'tok-123' });
    expect(await outcome(auth, 'Bearer tok-123')).toBe('token');
    expect(await outcome(auth, 'Bearer tok-1234')).toBe('refused: invalid credentials');
    expect(await outcome(auth, basic('tok-123:'))).toBe('refused: unsupported authorization scheme');
  });

  it('accepts HS256 JWTs signed with the secret, with a valid exp; refuses others', async () => {
    const auth = build({ jwtKeys: ['jwt-secret'] });
    expect(await outcome(auth, `Bearer ${await hs256('jwt-secret')}`)).toBe('jwt');
    expect(await outcome(auth, `Bearer ${await hs256('other')}`)).toBe('refused: invalid credentials');
    expect(await outcome(auth, `Bearer ${await hs256('jwt-secret', NOW - 10)}`)).toBe('refused: invalid credentials');
    expect(await outcome(auth, `Bearer ${await hs256('jwt-secret', null)}`)).toBe('refused: invalid credentials');
    // The secret itself is not a token unless configured as one.
    expect(await outcome(auth, 'Bearer jwt-secret')).toBe('refused: invalid credentials');
    const b64 = build({ jwtKeys: [`base64:${Buffer.from('jwt-secret').toString('base64')}`] });
    expect(await outcome(b64, `Bearer ${await hs256('jwt-secret')}`)).toBe('jwt');
  });

  it('accepts ES256 JWTs verified with a public key file, and tries every configured key', async () => {
    const pair = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const pub = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const priv = await importPKCS8(pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 'ES256');
    const auth = build({ jwtKeys: ['hs-secret', 'file:pub.pem'] }, { 'pub.pem': pub });
    const es = await new SignJWT({ iss: 'me' }).setProtectedHeader({ alg: 'ES256' }).setExpirationTime(NOW + 60).sign(priv);
    expect(await outcome(auth, `Bearer ${es}`)).toBe('jwt');
    expect(await outcome(auth, `Bearer ${await hs256('hs-secret')}`)).toBe('jwt');
    // An HS256 token "signed" with the public key text must not pass (algorithm confusion).
    expect(await outcome(auth, `Bearer ${await hs256(pub)}`)).toBe('refused: invalid credentials');
  });

  it('challenges with one WWW-Authenticate per configured scheme', () => {
    expect(authChallenges(build({ basic: 'a:b' }))).toEqual([['WWW-Authenticate', 'Basic realm="thumbtack-publish", charset="UTF-8"']]);
    expect(authChallenges(build({ basic: 'a:b', jwtKeys: ['k'] }))).toEqual([
      ['WWW-Authenticate', 'Basic realm="thumbtack-publish", charset="UTF-8"'],
      ['WWW-Authenticate', 'Bearer realm="thumbtack-publish"'],
    ]);
    expect(authChallenges(build({ token: 't' }))).toEqual([['WWW-Authenticate', 'Bearer realm="thumbtack-publish"']]);
  });
});
