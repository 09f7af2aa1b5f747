/**
 * Properties of `Grip-Sig` verification (spec grip-headers.md §10), the one decoder that reads a token a
 * client may send: it never rejects its promise, accepts a token only when signed with the key and not yet
 * expired, and refuses any one-character change of a good token.
 */
import * as fc from 'fast-check';
import { GRIP_SIG_LIFETIME_SEC, GripSigner, verifyGripSig } from '../../src/grip/grip-sig';
import { anyString, runs, text } from './fuzz-settings';

const secret = fc.uint8Array({ maxLength: 24 }).map((b) => ({ kind: 'hmac' as const, secret: Buffer.from(b) }));
const NOW = 1_800_000_000;

/**
 * The key HMAC-SHA256 really uses for a secret of at most 64 bytes: zero-padded to the block size, so
 * secrets that differ only by trailing zero bytes are the same key (RFC 2104 §2; Pushpin alike).
 */
function hmacKey(secret: Buffer): Buffer {
  let end = secret.length;
  while (end > 0 && secret[end - 1] === 0) end--;
  return secret.subarray(0, end);
}

describe('verifyGripSig (fuzz)', () => {
  it('resolves false, never rejects, for any string', async () => {
    const JWT_CHARS = fc.constantFrom('eyJ', '.', 'a', '-', '_', '=', 'e30', 'eyJhbGciOiJub25lIn0');
    const token = fc.oneof(anyString(40), fc.array(JWT_CHARS, { maxLength: 12 }).map((p) => p.join('')));
    await fc.assert(
      fc.asyncProperty(token, secret, async (t, key) => {
        expect(await verifyGripSig(t, key, NOW)).toBe(false);
      }),
      runs(100),
    );
  });

  it('accepts a token signed with the key until it expires, and no other', async () => {
    await fc.assert(
      fc.asyncProperty(secret, secret, text(10), fc.integer({ min: 0, max: 2 * GRIP_SIG_LIFETIME_SEC }), async (key, other, iss, age) => {
        const token = await new GripSigner(key, iss).sign(NOW);
        const fresh = age < GRIP_SIG_LIFETIME_SEC;
        expect(await verifyGripSig(token, key, NOW + age)).toBe(fresh);
        expect(await verifyGripSig(token, other, NOW)).toBe(hmacKey(key.secret).equals(hmacKey(other.secret)));
      }),
      runs(150),
    );
  });

  it('refuses a good token with any one character changed', async () => {
    const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.';
    await fc.assert(
      fc.asyncProperty(secret, fc.nat(), fc.nat(), async (key, at, by) => {
        const token = await new GripSigner(key, 'pushpin').sign(NOW);
        const i = at % token.length;
        const c = B64URL[(B64URL.indexOf(token[i] as string) + 1 + (by % (B64URL.length - 1))) % B64URL.length] as string;
        const changed = token.slice(0, i) + c + token.slice(i + 1);
        // the last base64url character of a part may carry unused bits: a change there can decode to the same bytes
        const parts = changed.split('.').map((p) => Buffer.from(p, 'base64url'));
        const original = token.split('.').map((p) => Buffer.from(p, 'base64url'));
        const sameBytes = parts.length === 3 && parts.every((p, n) => p.equals(original[n] as Buffer));
        if (!sameBytes) expect(await verifyGripSig(changed, key, NOW)).toBe(false);
      }),
      runs(150),
    );
  });
});
