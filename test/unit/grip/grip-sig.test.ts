import { createHmac, generateKeyPairSync } from 'node:crypto';
import {
  GRIP_FEATURE,
  GripSigner,
  parseKeySpec,
  parseVerifyKeySpec,
  verifyGripSig,
} from '../../../src/grip/grip-sig';
import type { SigningKey } from '../../../src/grip/grip-sig';

const SPEC_TOKEN =
  'eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJleHAiOjE3OTUyOTk1NDYsImlzcyI6InB1c2hwaW4ifQ.YHq4_zoImIUbBSyoTbu31nhDG02u0WcDs_6MbAAaMeA';
const SPEC_EXP = 1795299546;

function part(token: string, n: number): unknown {
  return JSON.parse(Buffer.from(token.split('.')[n] as string, 'base64url').toString('utf8'));
}

function files(map: Record<string, string | Buffer>): (path: string) => string | Buffer {
  return (path) => {
    const data = map[path];
    if (data === undefined) throw new Error(`ENOENT: no such file, open '${path}'`);
    return data;
  };
}

function key(spec: string, readFile = files({})): SigningKey {
  const r = parseKeySpec(spec, readFile);
  if (!r.ok) throw new Error(`unexpected error: ${r.error.message}`);
  return r.value;
}

const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const KEY_FILES = files({
  'ec-pkcs8.pem': ec.privateKey.export({ type: 'pkcs8', format: 'pem' }),
  'ec-sec1.pem': ec.privateKey.export({ type: 'sec1', format: 'pem' }),
  'ec-pub.pem': ec.publicKey.export({ type: 'spki', format: 'pem' }),
  'rsa-pkcs1.pem': rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }),
  'rsa-pkcs8.pem': Buffer.from(rsa.privateKey.export({ type: 'pkcs8', format: 'pem' })),
  'rsa-pub.pem': rsa.publicKey.export({ type: 'pkcs1', format: 'pem' }),
  'p384.pem': generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({ type: 'pkcs8', format: 'pem' }),
  'ed.pem': generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }),
  'broken.pem': '-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n',
  'secret.hex': '6368616e67656d65\n',
  'empty.hex': '',
  'odd.hex': 'abc',
  'text.txt': 'just words',
});

describe('GRIP_FEATURE', () => {
  it('is the 1.36 string', () => {
    expect(GRIP_FEATURE).toBe(
      'status, session, link:next, filter:skip-self, filter:skip-users, filter:require-sub, filter:build-id, filter:var-subst',
    );
  });
});

describe('parseKeySpec', () => {
  it('reads plain, base64 and hex-file secrets', () => {
    expect(key('changeme')).toEqual({ kind: 'hmac', secret: Buffer.from('changeme') });
    expect(key('')).toEqual({ kind: 'hmac', secret: Buffer.alloc(0) });
    expect(key('base64:AAEC/w==')).toEqual({ kind: 'hmac', secret: Buffer.from([0, 1, 2, 255]) });
    expect(key('file:secret.hex', KEY_FILES)).toEqual({ kind: 'hmac', secret: Buffer.from('changeme') });
    expect(key('file:empty.hex', KEY_FILES)).toEqual({ kind: 'hmac', secret: Buffer.alloc(0) });
  });

  it('passes the path to readFile unchanged', () => {
    const seen: string[] = [];
    key('file:rel/dir/k.hex', (p) => {
      seen.push(p);
      return '00';
    });
    expect(seen).toEqual(['rel/dir/k.hex']);
  });

  it.each<[string, 'ES256' | 'RS256']>([
    ['ec-pkcs8.pem', 'ES256'],
    ['ec-sec1.pem', 'ES256'],
    ['rsa-pkcs1.pem', 'RS256'],
    ['rsa-pkcs8.pem', 'RS256'],
  ])('maps PEM private key %s to %s', (file, alg) => {
    const k = key(`file:${file}`, KEY_FILES);
    expect(k.kind === 'pem' && k.alg).toBe(alg);
  });

  it.each<[string, RegExp]>([
    ['file:missing.pem', /^cannot read key file 'missing.pem': ENOENT/],
    ['file:ec-pub.pem', /^key file 'ec-pub.pem' does not hold a valid PEM private key$/],
    ['file:broken.pem', /^key file 'broken.pem' does not hold a valid PEM private key$/],
    ['file:p384.pem', /^key file 'p384.pem' holds an EC key on curve secp384r1/],
    ['file:ed.pem', /^key file 'ed.pem' holds a ed25519 key/],
    ['file:odd.hex', /^key file 'odd.hex' is neither a PEM key nor a hex-encoded secret$/],
    ['file:text.txt', /^key file 'text.txt' is neither a PEM key nor a hex-encoded secret$/],
  ])('rejects %s', (spec, message) => {
    const r = parseKeySpec(spec, KEY_FILES);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('GRIP_KEY_INVALID');
    expect(r.error.message).toMatch(message);
  });

  it('accepts public keys only for verification', () => {
    const r = parseVerifyKeySpec('file:rsa-pub.pem', KEY_FILES);
    expect(r.ok && r.value.kind === 'pem' && r.value.alg).toBe('RS256');
    expect(parseVerifyKeySpec('file:ec-sec1.pem', KEY_FILES).ok).toBe(true);
    expect(parseVerifyKeySpec('file:broken.pem', KEY_FILES).ok).toBe(false);
  });
});

describe('GripSigner', () => {
  it('reproduces the verified Pushpin token exactly', async () => {
    const signer = new GripSigner(key('changeme'), 'pushpin');
    expect(await signer.sign(SPEC_EXP - 3600)).toBe(SPEC_TOKEN);
    expect(await signer.sign(SPEC_EXP - 3600 + 0.999)).toBe(SPEC_TOKEN);
  });

  it('matches an independent HMAC-SHA256 over header and claims', async () => {
    const token = await new GripSigner(key('s3cret'), 'iss1').sign(1000);
    const [h, c, sig] = token.split('.') as [string, string, string];
    expect(createHmac('sha256', 's3cret').update(`${h}.${c}`).digest('base64url')).toBe(sig);
    expect(Buffer.from(h, 'base64url').toString()).toBe('{"typ":"JWT","alg":"HS256"}');
    expect(Buffer.from(c, 'base64url').toString()).toBe('{"exp":4600,"iss":"iss1"}');
  });

  it('caches the token of the current second only', async () => {
    const signer = new GripSigner(key('k'), 'i');
    const a = signer.sign(5000);
    expect(signer.sign(5000.7)).toBe(a);
    const b = await signer.sign(5001);
    expect(b).not.toBe(await a);
    expect(part(b, 1)).toEqual({ exp: 8601, iss: 'i' });
  });

  it('signs with an empty secret (1.36) and the token verifies with it', async () => {
    const empty = key('');
    const token = await new GripSigner(empty, 'nk').sign(100);
    expect(await verifyGripSig(token, empty, 101)).toBe(true);
    expect(await verifyGripSig(token, key('x'), 101)).toBe(false);
  });

  it.each([['file:ec-sec1.pem'], ['file:rsa-pkcs1.pem']])('signs with %s and verifies with the public key', async (spec) => {
    const k = key(spec, KEY_FILES);
    if (k.kind !== 'pem') throw new Error('expected a PEM key');
    const token = await new GripSigner(k, 'pushpin').sign(2000);
    expect(part(token, 0)).toEqual({ typ: 'JWT', alg: k.alg });
    expect(part(token, 1)).toEqual({ exp: 5600, iss: 'pushpin' });
    const pubSpec = k.alg === 'ES256' ? 'file:ec-pub.pem' : 'file:rsa-pub.pem';
    const pub = parseVerifyKeySpec(pubSpec, KEY_FILES);
    if (!pub.ok) throw new Error(pub.error.message);
    expect(await verifyGripSig(token, pub.value, 2001)).toBe(true);
    expect(await verifyGripSig(token, k, 2001)).toBe(true);
    expect(await verifyGripSig(token, pub.value, 5600)).toBe(false);
    const other = k.alg === 'ES256' ? key('file:rsa-pkcs8.pem', KEY_FILES) : key('file:ec-pkcs8.pem', KEY_FILES);
    expect(await verifyGripSig(token, other, 2001)).toBe(false);
    expect(await verifyGripSig(token, key('changeme'), 2001)).toBe(false);
  });
});

describe('verifyGripSig', () => {
  const secret = key('changeme');

  it('accepts the spec token before exp and rejects it from exp on', async () => {
    expect(await verifyGripSig(SPEC_TOKEN, secret, SPEC_EXP - 1)).toBe(true);
    expect(await verifyGripSig(SPEC_TOKEN, secret, SPEC_EXP)).toBe(false);
    expect(await verifyGripSig(SPEC_TOKEN, secret, SPEC_EXP + 100)).toBe(false);
  });

  it('rejects a wrong secret, tampering, garbage, and tokens without exp', async () => {
    expect(await verifyGripSig(SPEC_TOKEN, key('changeme2'), SPEC_EXP - 1)).toBe(false);
    const [h, , s] = SPEC_TOKEN.split('.') as [string, string, string];
    const forged = Buffer.from('{"exp":1995299546,"iss":"pushpin"}').toString('base64url');
    expect(await verifyGripSig(`${h}.${forged}.${s}`, secret, SPEC_EXP - 1)).toBe(false);
    expect(await verifyGripSig('not.a.jwt', secret, 0)).toBe(false);
    expect(await verifyGripSig('', secret, 0)).toBe(false);
    const noExp = Buffer.from('{"iss":"pushpin"}').toString('base64url');
    const sig = createHmac('sha256', 'changeme').update(`${h}.${noExp}`).digest('base64url');
    expect(await verifyGripSig(`${h}.${noExp}.${sig}`, secret, 0)).toBe(false);
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"exp":9999999999}').toString('base64url')}.`;
    expect(await verifyGripSig(none, secret, 0)).toBe(false);
  });
});
