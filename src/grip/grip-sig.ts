/**
 * `Grip-Sig` tokens (spec grip-headers.md §10): the JWT the proxy adds to backend requests, and its
 * verification for `upstream_key` (trusted clients) and tests. Key specs are parsed here; reading a key file
 * is the caller's job (it passes `readFile` and resolves relative paths).
 */
import { createPrivateKey, createPublicKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';
import { fail, ok } from '../core/errors';
import type { Result } from '../core/errors';

/** A key the proxy signs with: an HMAC secret (HS256), or a PEM EC P-256 / RSA private key. */
export type SigningKey = { kind: 'hmac'; secret: Uint8Array } | { kind: 'pem'; alg: 'ES256' | 'RS256'; pem: string };

/** A key a token is checked with: as `SigningKey`, except that the PEM may also be a public key. */
export type VerifyKey = SigningKey;

/** The `Grip-Feature` header value of Pushpin 1.36, exactly. */
export const GRIP_FEATURE =
  'status, session, link:next, filter:skip-self, filter:skip-users, filter:require-sub, filter:build-id, filter:var-subst';

/** Seconds between a token's creation and its `exp` claim. */
export const GRIP_SIG_LIFETIME_SEC = 3600;

type ReadFile = (path: string) => string | Buffer;

function readKeyFile(path: string, readFile: ReadFile): Result<Buffer> {
  try {
    const data = readFile(path);
    return ok(typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
  } catch (err) {
    return fail('GRIP_KEY_INVALID', `cannot read key file '${path}': ${err instanceof Error ? err.message : String(err)}`);
  }
}

function algFor(key: KeyObject, path: string): Result<'ES256' | 'RS256'> {
  if (key.asymmetricKeyType === 'rsa') return ok('RS256');
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'prime256v1') return ok('ES256');
    return fail('GRIP_KEY_INVALID', `key file '${path}' holds an EC key on curve ${curve ?? 'unknown'}; only P-256 (ES256) is supported`);
  }
  return fail('GRIP_KEY_INVALID', `key file '${path}' holds a ${key.asymmetricKeyType ?? 'unknown'} key; only EC P-256 and RSA keys are supported`);
}

function parseSpec(spec: string, readFile: ReadFile, allowPublic: boolean): Result<SigningKey> {
  if (spec.startsWith('base64:')) return ok({ kind: 'hmac', secret: Buffer.from(spec.slice(7), 'base64') });
  if (!spec.startsWith('file:')) return ok({ kind: 'hmac', secret: Buffer.from(spec, 'utf8') });

  const path = spec.slice(5);
  const data = readKeyFile(path, readFile);
  if (!data.ok) return data;
  const text = data.value.toString('utf8');
  if (text.includes('-----BEGIN')) {
    let key: KeyObject;
    try {
      key = allowPublic ? createPublicKey(text) : createPrivateKey(text);
    } catch {
      const what = allowPublic ? 'PEM public or private key' : 'PEM private key';
      return fail('GRIP_KEY_INVALID', `key file '${path}' does not hold a valid ${what}`);
    }
    const alg = algFor(key, path);
    if (!alg.ok) return alg;
    return ok({ kind: 'pem', alg: alg.value, pem: text });
  }
  // Pushpin 1.38+: a key file that is not PEM holds a hex-encoded HMAC secret.
  const hex = text.trim();
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(hex)) {
    return fail('GRIP_KEY_INVALID', `key file '${path}' is neither a PEM key nor a hex-encoded secret`);
  }
  return ok({ kind: 'hmac', secret: Buffer.from(hex, 'hex') });
}

/**
 * Parses a `sig_key` string: plain text (the HMAC secret), `base64:<b64>` (binary secret), or
 * `file:<path>`: a PEM EC P-256 private key (ES256), a PEM RSA private key (RS256), or hex text (HMAC
 * secret). The path is passed to `readFile` unchanged. Errors have code `GRIP_KEY_INVALID`.
 */
export function parseKeySpec(spec: string, readFile: ReadFile): Result<SigningKey> {
  return parseSpec(spec, readFile, false);
}

/** As `parseKeySpec`, for `upstream_key`: a `file:` PEM may also be a public key. */
export function parseVerifyKeySpec(spec: string, readFile: ReadFile): Result<VerifyKey> {
  return parseSpec(spec, readFile, true);
}

/**
 * Makes `Grip-Sig` tokens: header `{"typ":"JWT","alg":<HS256|ES256|RS256>}`, claims
 * `{"exp": now + 3600, "iss": <iss>}`. An empty HMAC secret still signs (Pushpin 1.36). The token of the
 * current second is cached, so signing on every request costs one comparison.
 */
export class GripSigner {
  private readonly alg: 'HS256' | 'ES256' | 'RS256';
  private readonly signKey: Uint8Array | KeyObject;
  private cachedSec = Number.NaN;
  private cached: Promise<string> | undefined;

  /** Throws if a PEM key does not parse (keys from `parseKeySpec` always do). */
  constructor(
    key: SigningKey,
    readonly iss: string,
  ) {
    if (key.kind === 'hmac') {
      this.alg = 'HS256';
      this.signKey = key.secret;
    } else {
      this.alg = key.alg;
      this.signKey = createPrivateKey(key.pem);
    }
  }

  /** The token for the time `nowSec` (seconds since the epoch; fractions are dropped). */
  sign(nowSec: number): Promise<string> {
    const sec = Math.floor(nowSec);
    if (sec === this.cachedSec && this.cached !== undefined) return this.cached;
    const token = new SignJWT({ exp: sec + GRIP_SIG_LIFETIME_SEC, iss: this.iss })
      .setProtectedHeader({ typ: 'JWT', alg: this.alg })
      .sign(this.signKey);
    this.cachedSec = sec;
    this.cached = token;
    token.catch(() => {
      if (this.cached === token) {
        this.cached = undefined;
        this.cachedSec = Number.NaN;
      }
    });
    return token;
  }
}

/**
 * Whether `token` is a JWT signed with `key` (HS256 for a secret, the key's own algorithm for a PEM) whose
 * `exp` claim (required) is later than `nowSec` (seconds since the epoch; default: the current time).
 * Never throws: any malformed input gives false.
 */
export async function verifyGripSig(token: string, key: VerifyKey, nowSec?: number): Promise<boolean> {
  try {
    const alg = key.kind === 'hmac' ? 'HS256' : key.alg;
    const verifyKey = key.kind === 'hmac' ? key.secret : createPublicKey(key.pem);
    const opts = {
      algorithms: [alg],
      requiredClaims: ['exp'],
      ...(nowSec !== undefined ? { currentDate: new Date(nowSec * 1000) } : {}),
    };
    await jwtVerify(token, verifyKey, opts);
    return true;
  } catch {
    return false;
  }
}
