import { fail, ok } from '../core/errors';
import type { Result } from '../core/errors';
import type { KeepAlive } from './types';
import { hasParam, headerBytes, headerText, param, parseHeaderElement, parseHeaderInt } from './header-params';

/** Default seconds between keep-alives (header and JSON form). */
export const KEEP_ALIVE_DEFAULT_SEC = 55;
/** Keep-alive timeouts below this many seconds are raised to it. */
export const KEEP_ALIVE_MIN_SEC = 1;

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

/**
 * Decodes Pushpin's `cstring` keep-alive format: `\\`, `\r`, `\n` and `\xHH` are decoded, any other escaped
 * character is dropped together with its backslash. Returns undefined for a trailing lone backslash or a
 * `\x` not followed by two hex digits.
 */
export function decodeCString(input: Buffer): Buffer | undefined {
  const out = Buffer.allocUnsafe(input.length);
  let len = 0;
  for (let n = 0; n < input.length; n++) {
    const c = input[n] as number;
    if (c !== 0x5c) {
      out[len++] = c;
      continue;
    }
    if (n + 1 >= input.length) return undefined;
    n++;
    const e = input[n] as number;
    if (e === 0x5c) out[len++] = 0x5c;
    else if (e === 0x72) out[len++] = 0x0d;
    else if (e === 0x6e) out[len++] = 0x0a;
    else if (e === 0x78) {
      if (n + 2 >= input.length) return undefined;
      const hi = hexDigit(input[n + 1] as number);
      const lo = hexDigit(input[n + 2] as number);
      n += 2;
      if (hi === -1 || lo === -1) return undefined;
      out[len++] = (hi << 4) | lo;
    }
  }
  return out.subarray(0, len);
}

/** Raises a keep-alive timeout to the minimum of 1 s. */
export function clampKeepAliveTimeout(sec: number): number {
  return sec < KEEP_ALIVE_MIN_SEC ? KEEP_ALIVE_MIN_SEC : sec;
}

/**
 * Decodes the first `Grip-Keep-Alive` header line (not comma-split):
 * `<data>[; format=raw|cstring|base64][; timeout=<s>][; mode=idle|interval]`. Timeout in seconds, default 55,
 * minimum 1. Returns ok(undefined) when the value is absent/empty or has an unterminated quoted parameter
 * (Pushpin ignores the header then). Errors carry code `GRIP_INVALID` and Pushpin's exact reason text.
 */
export function parseKeepAliveHeader(value: string | undefined): Result<KeepAlive | undefined> {
  if (value === undefined || value === '') return ok(undefined);
  const el = parseHeaderElement(value);
  if (el === undefined) return ok(undefined);
  if (el.value === '') return fail('GRIP_INVALID', 'Grip-Keep-Alive cannot be empty');

  const modeStr = param(el, 'mode') ?? '';
  let mode: KeepAlive['mode'];
  if (modeStr === '' || modeStr === 'idle') mode = 'idle';
  else if (modeStr === 'interval') mode = 'interval';
  else return fail('GRIP_INVALID', `no such Grip-Keep-Alive mode '${headerText(modeStr)}'`);

  let timeoutSec = KEEP_ALIVE_DEFAULT_SEC;
  if (hasParam(el, 'timeout')) {
    const t = parseHeaderInt(param(el, 'timeout'));
    if (t === undefined) return fail('GRIP_INVALID', 'failed to parse Grip-Keep-Alive timeout value');
    if (t < 0) return fail('GRIP_INVALID', 'Grip-Keep-Alive timeout has invalid value');
    timeoutSec = t;
  }

  const format = param(el, 'format') ?? '';
  const raw = headerBytes(el.value);
  let data: Buffer;
  if (format === '' || format === 'raw') {
    data = raw;
  } else if (format === 'cstring') {
    const decoded = decodeCString(raw);
    if (decoded === undefined) return fail('GRIP_INVALID', 'failed to parse Grip-Keep-Alive cstring format');
    data = decoded;
  } else if (format === 'base64') {
    data = Buffer.from(raw.toString('latin1'), 'base64');
  } else {
    return fail('GRIP_INVALID', `no such Grip-Keep-Alive format '${headerText(format)}'`);
  }

  return ok({ data, timeoutSec: clampKeepAliveTimeout(timeoutSec), mode });
}
