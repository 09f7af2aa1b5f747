import { decodeCString, parseKeepAliveHeader } from '../../../src/grip/keep-alive';
import type { KeepAlive } from '../../../src/grip/types';

function keepAlive(value: string | undefined): KeepAlive | undefined {
  const r = parseKeepAliveHeader(value);
  if (!r.ok) throw new Error(`unexpected error: ${r.error.message}`);
  return r.value;
}

function error(value: string): string {
  const r = parseKeepAliveHeader(value);
  if (r.ok) throw new Error(`expected an error for ${value}`);
  expect(r.error.code).toBe('GRIP_INVALID');
  return r.error.message;
}

describe('decodeCString', () => {
  it.each<[string, number[] | undefined]>([
    ['plain', [...Buffer.from('plain')]],
    ['a\\nb', [0x61, 0x0a, 0x62]],
    ['\\r\\n', [0x0d, 0x0a]],
    ['\\\\', [0x5c]],
    ['\\x41\\x0a\\xfF', [0x41, 0x0a, 0xff]],
    ['a\\tb\\"c', [0x61, 0x62, 0x63]],
    ['', []],
    ['end\\', undefined],
    ['\\x4', undefined],
    ['\\x4g', undefined],
    ['\\xg1', undefined],
    ['\\x', undefined],
  ])('%j', (input, bytes) => {
    const out = decodeCString(Buffer.from(input, 'latin1'));
    if (bytes === undefined) expect(out).toBeUndefined();
    else expect([...(out as Buffer)]).toEqual(bytes);
  });
});

describe('parseKeepAliveHeader', () => {
  it('is absent without a header, with an empty one, or with an unterminated quote', () => {
    expect(keepAlive(undefined)).toBeUndefined();
    expect(keepAlive('')).toBeUndefined();
    expect(keepAlive('ka; format="raw')).toBeUndefined();
  });

  it('defaults to raw data, 55 s, idle mode', () => {
    expect(keepAlive('ping')).toEqual({ data: Buffer.from('ping'), timeoutSec: 55, mode: 'idle' });
  });

  it('keeps raw backslashes and commas (first line, not comma-split)', () => {
    expect(keepAlive('ping1\\n, more; timeout=10')).toEqual({
      data: Buffer.from('ping1\\n, more'),
      timeoutSec: 10,
      mode: 'idle',
    });
  });

  it('decodes cstring and base64 formats', () => {
    expect(keepAlive('ka\\n; format=cstring; timeout=2')?.data).toEqual(Buffer.from('ka\n'));
    expect(keepAlive('\\n; format=cstring')?.data).toEqual(Buffer.from('\n'));
    expect(keepAlive('cGluZzMK; format=base64')?.data).toEqual(Buffer.from('ping3\n'));
    expect(keepAlive('ka; format=raw')?.data).toEqual(Buffer.from('ka'));
    expect(keepAlive('ka; format=')?.data).toEqual(Buffer.from('ka'));
  });

  it('keeps the bytes of a latin1 header value', () => {
    expect(keepAlive('\u00ff\u00fe')?.data).toEqual(Buffer.from([0xff, 0xfe]));
  });

  it('reads the mode, case-insensitive parameter names, case-sensitive values', () => {
    expect(keepAlive('k; mode=interval')?.mode).toBe('interval');
    expect(keepAlive('k; MODE=idle')?.mode).toBe('idle');
    expect(keepAlive('k; mode=')?.mode).toBe('idle');
    expect(error('k; mode=Interval')).toBe("no such Grip-Keep-Alive mode 'Interval'");
  });

  it('applies the minimum of 1 s', () => {
    expect(keepAlive('k; timeout=0')?.timeoutSec).toBe(1);
    expect(keepAlive('k; timeout=1')?.timeoutSec).toBe(1);
    expect(keepAlive('k; timeout=2')?.timeoutSec).toBe(2);
  });

  it.each<[string, string]>([
    ['; timeout=5', 'Grip-Keep-Alive cannot be empty'],
    ['k; format=hex', "no such Grip-Keep-Alive format 'hex'"],
    ['k; format=CSTRING', "no such Grip-Keep-Alive format 'CSTRING'"],
    ['k; mode=sometimes', "no such Grip-Keep-Alive mode 'sometimes'"],
    ['k; timeout=abc', 'failed to parse Grip-Keep-Alive timeout value'],
    ['k; timeout=1.5', 'failed to parse Grip-Keep-Alive timeout value'],
    ['k; timeout', 'failed to parse Grip-Keep-Alive timeout value'],
    ['k; timeout=-1', 'Grip-Keep-Alive timeout has invalid value'],
    ['bad\\; format=cstring', 'failed to parse Grip-Keep-Alive cstring format'],
    ['\\xZZ; format=cstring', 'failed to parse Grip-Keep-Alive cstring format'],
  ])('%j -> %s', (value, message) => {
    expect(error(value)).toBe(message);
  });

  it('checks the mode before the timeout and the timeout before the format', () => {
    expect(error('k; format=bad; timeout=x; mode=bad')).toBe("no such Grip-Keep-Alive mode 'bad'");
    expect(error('k; format=bad; timeout=x')).toBe('failed to parse Grip-Keep-Alive timeout value');
  });
});
