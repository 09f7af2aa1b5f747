/**
 * Optional authentication of the HTTP publish API (Thumbtack only; Pushpin has none, so it is off unless
 * configured): HTTP Basic (`push_in_http_auth_basic`), a literal bearer token (`push_in_http_auth_token`),
 * and bearer JWTs verified with `jose` (`push_in_http_auth_jwt_key`, HS256 secrets or ES256/RS256 public
 * keys). A request passes when any configured method accepts its `Authorization` header. Pure apart from
 * the crypto: the caller passes the time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { fail, ok } from '../core/errors';
import type { Result } from '../core/errors';
import { parseVerifyKeySpec, verifyGripSig, type VerifyKey } from '../grip/grip-sig';

/** Error code of a publish request that no configured method lets in. */
export const PUBLISH_UNAUTHORIZED = 'PUBLISH_UNAUTHORIZED';

/** The realm named in `WWW-Authenticate` challenges. */
export const PUBLISH_REALM = 'thumbtack-publish';

/** The decoded auth settings; `undefined` (from {@link buildPublishAuth}) means auth is off. */
export interface PublishAuth {
  /** SHA-256 of `user:pass`, compared in constant time. */
  basic?: Buffer;
  /** SHA-256 of the literal bearer token. */
  token?: Buffer;
  jwtKeys: VerifyKey[];
}

/** The configuration slice: the three `push_in_http_auth_*` keys. */
export interface PublishAuthSettings {
  /** `user:pass`, or '' for none. */
  basic: string;
  /** A literal bearer token, or '' for none. */
  token: string;
  /** Key specs as `upstream_key` takes them (secret text, `base64:`, `file:`). */
  jwtKeys: readonly string[];
}

function digest(text: string | Buffer): Buffer {
  return createHash('sha256').update(text).digest();
}

function sameDigest(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Builds the auth settings. `readFile` reads `file:` key paths (relative paths are the caller's business).
 * @returns `undefined` when no method is configured (auth off), or the first unusable JWT key as a
 *   `GRIP_KEY_INVALID` error naming the key.
 */
export function buildPublishAuth(settings: PublishAuthSettings, readFile: (path: string) => string | Buffer): Result<PublishAuth | undefined> {
  if (settings.basic === '' && settings.token === '' && settings.jwtKeys.length === 0) return ok(undefined);
  const auth: PublishAuth = { jwtKeys: [] };
  if (settings.basic !== '') auth.basic = digest(settings.basic);
  if (settings.token !== '') auth.token = digest(settings.token);
  for (const spec of settings.jwtKeys) {
    const key = parseVerifyKeySpec(spec, readFile);
    if (!key.ok) return fail(key.error.code, `push_in_http_auth_jwt_key: ${key.error.message}`);
    auth.jwtKeys.push(key.value);
  }
  return ok(auth);
}

/** How a request authenticated. */
export type AuthMethod = 'basic' | 'token' | 'jwt';

/**
 * Checks an `Authorization` header value against the configured methods.
 * @param nowSec the current time in seconds since the epoch (JWT `exp` and `nbf` are checked against it)
 * @returns the method that accepted it, or a `PUBLISH_UNAUTHORIZED` error whose message says what was wrong
 *   without echoing the credentials: `missing credentials`, `unsupported authorization scheme`, `invalid
 *   credentials`
 */
export async function checkPublishAuth(auth: PublishAuth, authorization: string | undefined, nowSec: number): Promise<Result<AuthMethod>> {
  if (authorization === undefined || authorization.trim() === '') return fail(PUBLISH_UNAUTHORIZED, 'missing credentials');
  const m = /^\s*([A-Za-z]+)\s+(\S+)\s*$/.exec(authorization);
  const scheme = m?.[1]?.toLowerCase();
  const value = m?.[2] ?? '';
  if (scheme === 'basic' && auth.basic !== undefined) {
    const decoded = Buffer.from(value, 'base64');
    return sameDigest(digest(decoded), auth.basic) ? ok('basic') : fail(PUBLISH_UNAUTHORIZED, 'invalid credentials');
  }
  if (scheme === 'bearer' && (auth.token !== undefined || auth.jwtKeys.length > 0)) {
    if (auth.token !== undefined && sameDigest(digest(value), auth.token)) return ok('token');
    for (const key of auth.jwtKeys) if (await verifyGripSig(value, key, nowSec)) return ok('jwt');
    return fail(PUBLISH_UNAUTHORIZED, 'invalid credentials');
  }
  return fail(PUBLISH_UNAUTHORIZED, 'unsupported authorization scheme');
}

/** `WWW-Authenticate` challenges for a 401: one per configured scheme. */
export function authChallenges(auth: PublishAuth): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  if (auth.basic !== undefined) out.push(['WWW-Authenticate', `Basic realm="${PUBLISH_REALM}", charset="UTF-8"`]);
  if (auth.token !== undefined || auth.jwtKeys.length > 0) out.push(['WWW-Authenticate', `Bearer realm="${PUBLISH_REALM}"`]);
  return out;
}
