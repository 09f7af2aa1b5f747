import {
  MAX_TNET_DEPTH,
  decodeTnetstring,
  decodeTnetstringPrefix,
  encodeTnetstring,
} from '../../../src/core/tnetstring';
import type { TnetEncodable, TnetValue } from '../../../src/core/tnetstring';
import { ThumbtackError } from '../../../src/core/errors';

function decodeOk(s: string | Buffer): TnetValue {
  const r = decodeTnetstring(Buffer.isBuffer(s) ? s : Buffer.from(s, 'latin1'));
  if (!r.ok) throw new Error(`unexpected failure: ${r.error.message}`);
  return r.value;
}

function decodeErr(s: string | Buffer): { code: string; message: string } {
  const r = decodeTnetstring(Buffer.isBuffer(s) ? s : Buffer.from(s, 'latin1'));
  if (r.ok) throw new Error('expected a failure');
  return { code: r.error.code, message: r.error.message };
}

describe('tnetstring decode: scalar types', () => {
  it('decodes byte strings as Buffers', () => {
    expect(decodeOk('5:hello,')).toEqual(Buffer.from('hello'));
    expect(decodeOk('0:,')).toEqual(Buffer.alloc(0));
    expect(decodeOk(Buffer.from([0x33, 0x3a, 0x00, 0xff, 0x0a, 0x2c]))).toEqual(Buffer.from([0x00, 0xff, 0x0a]));
  });

  it('decodes integers, floats, booleans and null', () => {
    expect(decodeOk('2:42#')).toBe(42);
    expect(decodeOk('3:-17#')).toBe(-17);
    expect(decodeOk('1:0#')).toBe(0);
    expect(decodeOk('16:9007199254740991#')).toBe(Number.MAX_SAFE_INTEGER);
    expect(decodeOk('4:3.25^')).toBe(3.25);
    expect(decodeOk('5:-1e-3^')).toBe(-0.001);
    expect(decodeOk('4:true!')).toBe(true);
    expect(decodeOk('5:false!')).toBe(false);
    expect(decodeOk('0:~')).toBeNull();
  });

  it('decodes lists and dicts (null-prototype objects, UTF-8 keys)', () => {
    expect(decodeOk('0:]')).toEqual([]);
    expect(decodeOk('11:1:1#1:a,0:~]')).toEqual([1, Buffer.from('a'), null]);
    const d = decodeOk('0:}');
    expect(Object.getPrototypeOf(d)).toBeNull();
    const key = Buffer.from('clé', 'utf8');
    const inner = Buffer.concat([Buffer.from(`${key.length}:`), key, Buffer.from(',1:v,')]);
    const dict = decodeOk(Buffer.concat([Buffer.from(`${inner.length}:`), inner, Buffer.from('}')])) as Record<
      string,
      TnetValue
    >;
    expect(Object.keys(dict)).toEqual(['clé']);
    expect(dict['clé']).toEqual(Buffer.from('v'));
  });

  it('keeps a "__proto__" key as an ordinary entry (no prototype pollution)', () => {
    const d = decodeOk('23:9:__proto__,8:1:x,1:y,}}') as Record<string, TnetValue>;
    expect(Object.getPrototypeOf(d)).toBeNull();
    expect(Object.keys(d)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});

describe('tnetstring: the spec examples', () => {
  const item = '74:7:channel,2:s1,7:formats,45:11:http-stream,26:7:content,12:pull T tnet\n,}}}';

  it('decodes the example item of publishing.md §3', () => {
    const v = decodeOk(item) as Record<string, any>; // any: test navigation of a known shape
    expect(v.channel).toEqual(Buffer.from('s1'));
    expect(v.formats['http-stream'].content).toEqual(Buffer.from('pull T tnet\n'));
    expect(v.formats['http-stream'].content).toHaveLength(12);
  });

  it('encodes the example item back to the exact bytes', () => {
    const bytes = encodeTnetstring({ channel: 's1', formats: { 'http-stream': { content: 'pull T tnet\n' } } });
    expect(bytes.toString('latin1')).toBe(item);
  });

  it('decodes the command socket request and replies of §7', () => {
    const req = decodeOk('38:2:id,5:req-1,6:method,12:get-zmq-uris,}') as Record<string, TnetValue>;
    expect(req).toEqual({ id: Buffer.from('req-1'), method: Buffer.from('get-zmq-uris') });

    const reply = decodeOk(
      '156:7:success,4:true!5:value,113:7:command,20:tcp://127.0.0.1:5863,12:publish-pull,20:tcp://127.0.0.1:5860,11:publish-sub,20:tcp://127.0.0.1:5862,}2:id,5:req-1,}',
    ) as Record<string, any>; // any: test navigation of a known shape
    expect(reply.success).toBe(true);
    expect(reply.id).toEqual(Buffer.from('req-1'));
    expect(reply.value.command.toString()).toBe('tcp://127.0.0.1:5863');
    expect(reply.value['publish-pull'].toString()).toBe('tcp://127.0.0.1:5860');
    expect(reply.value['publish-sub'].toString()).toBe('tcp://127.0.0.1:5862');

    expect(decodeOk('30:2:id,5:req-1,6:method,5:bogus,}')).toEqual({
      id: Buffer.from('req-1'),
      method: Buffer.from('bogus'),
    });
    expect(decodeOk('63:7:success,5:false!9:condition,16:method-not-found,2:id,5:req-1,}')).toEqual({
      success: false,
      condition: Buffer.from('method-not-found'),
      id: Buffer.from('req-1'),
    });
  });

  it('encodes the §7 request to the exact bytes', () => {
    expect(encodeTnetstring({ id: 'req-1', method: 'get-zmq-uris' }).toString()).toBe(
      '38:2:id,5:req-1,6:method,12:get-zmq-uris,}',
    );
    expect(encodeTnetstring(new Map<string, TnetEncodable>([['success', false], ['condition', 'x']])).toString()).toBe(
      '34:7:success,5:false!9:condition,1:x,}',
    );
  });
});

describe('tnetstring round trips', () => {
  const values: Array<[string, TnetEncodable, TnetValue]> = [
    ['bytes', Buffer.from([0, 1, 2, 255]), Buffer.from([0, 1, 2, 255])],
    ['string', 'héllo', Buffer.from('héllo', 'utf8')],
    ['empty string', '', Buffer.alloc(0)],
    ['integer', 123456789, 123456789],
    ['negative integer', -5, -5],
    ['max safe integer', Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
    ['float', 2.5, 2.5],
    ['tiny float', 1e-7, 1e-7],
    ['big float', 1e21, 1e21],
    ['true', true, true],
    ['false', false, false],
    ['null', null, null],
    ['list', [1, 'a', [true, null]], [1, Buffer.from('a'), [true, null]]],
    ['dict', { a: { b: [1.5] }, c: 'd' }, { a: { b: [1.5] }, c: Buffer.from('d') }],
    ['map', new Map<string, TnetEncodable>([['k', 1]]), { k: 1 }],
  ];

  it.each(values)('%s', (_name, input, expected) => {
    const encoded = encodeTnetstring(input);
    expect(decodeOk(encoded)).toEqual(expected);
  });

  it('encodes undefined members like JSON (skipped in dicts, null in lists)', () => {
    expect(encodeTnetstring({ a: undefined, b: 1 }).toString()).toBe('8:1:b,1:1#}');
    expect(encodeTnetstring([undefined]).toString()).toBe('3:0:~]');
  });

  it('encodes bigints as integers', () => {
    expect(encodeTnetstring(10n).toString()).toBe('2:10#');
  });

  it('refuses values it cannot encode', () => {
    expect(() => encodeTnetstring(NaN)).toThrow(ThumbtackError);
    expect(() => encodeTnetstring(Infinity)).toThrow(/Infinity/);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => encodeTnetstring(cyclic as TnetEncodable)).toThrow(/deeper than 64/);
    expect(() => encodeTnetstring((() => 1) as unknown as TnetEncodable)).toThrow(/function/);
  });
});

describe('tnetstring prefix decoding', () => {
  it('decodes consecutive values and reports the next offset', () => {
    const buf = Buffer.from('1:a,2:bc,');
    const first = decodeTnetstringPrefix(buf, 0);
    expect(first.ok && first.value).toEqual({ value: Buffer.from('a'), next: 4 });
    const second = decodeTnetstringPrefix(buf, 4);
    expect(second.ok && second.value).toEqual({ value: Buffer.from('bc'), next: 9 });
  });

  it('rejects an offset outside the buffer', () => {
    const r = decodeTnetstringPrefix(Buffer.from('0:~'), 7);
    expect(r.ok).toBe(false);
  });
});

describe('tnetstring malformed input', () => {
  it('rejects an empty buffer', () => {
    expect(decodeErr('')).toEqual({ code: 'TNET_INVALID', message: 'tnetstring is empty at offset 0' });
  });

  it('rejects a non-digit length prefix', () => {
    expect(decodeErr('x:abc,')).toEqual({
      code: 'TNET_INVALID',
      message: 'tnetstring length prefix is not a number at offset 0',
    });
    expect(decodeErr('-1:a,').message).toBe('tnetstring length prefix is not a number at offset 0');
  });

  it('rejects a missing colon', () => {
    expect(decodeErr('5hello,').message).toBe("tnetstring length prefix is not followed by ':' at offset 1");
    expect(decodeErr('12').message).toBe("tnetstring length prefix is not followed by ':' at offset 2");
  });

  it('rejects a lying length before slicing anything', () => {
    expect(decodeErr('999999:hello world!')).toEqual({
      code: 'TNET_INVALID',
      message: 'tnetstring length 999999 exceeds remaining 12 bytes',
    });
    expect(decodeErr('999999999:x').message).toBe('tnetstring length 999999999 exceeds remaining 1 bytes');
  });

  it('caps the length prefix at 9 digits', () => {
    expect(decodeErr('1000000000:x,').message).toBe('tnetstring length prefix has more than 9 digits at offset 0');
    expect(decodeErr('0000000000000000000000001:x,').code).toBe('TNET_INVALID');
  });

  it('rejects a missing type character', () => {
    expect(decodeErr('5:hello').message).toBe('tnetstring at offset 0 has no type character after its 5-byte payload');
  });

  it('rejects an unknown type character', () => {
    expect(decodeErr('5:hello?').message).toBe('tnetstring type character 0x3f at offset 7 is unknown');
  });

  it('rejects trailing garbage', () => {
    expect(decodeErr('5:hello,xyz')).toEqual({
      code: 'TNET_INVALID',
      message: 'tnetstring has 3 trailing bytes at offset 8',
    });
  });

  it('rejects bad scalar payloads', () => {
    expect(decodeErr('2:4a#').message).toBe('tnetstring integer at offset 2 is not a number');
    expect(decodeErr('0:#').message).toBe('tnetstring integer at offset 2 is not a number');
    expect(decodeErr('16:9007199254740993#').message).toBe(
      'tnetstring integer 9007199254740993 at offset 3 is outside the safe range',
    );
    expect(decodeErr('3:inf^').message).toBe('tnetstring float at offset 2 is not a finite number');
    expect(decodeErr('5:1e999^').message).toBe('tnetstring float at offset 2 is not a finite number');
    expect(decodeErr('3:yes!').message).toBe("tnetstring boolean at offset 2 is neither 'true' nor 'false'");
    expect(decodeErr('1:x~').message).toBe('tnetstring null at offset 0 has a 1-byte payload');
  });

  it('keeps children inside their container', () => {
    // The list claims 4 bytes but its child claims 5: the child may not read past the list's payload.
    expect(decodeErr('4:5:abcde,]').code).toBe('TNET_INVALID');
    expect(decodeErr('6:1:a,1:]').code).toBe('TNET_INVALID');
  });

  it('rejects dicts with non-string keys or a key without a value', () => {
    expect(decodeErr('8:1:1#1:a,}').message).toBe('tnetstring dict key at offset 2 is not a byte string');
    expect(decodeErr('4:1:a,}').message).toBe('tnetstring dict key at offset 2 has no value');
  });

  it('bounds nesting depth', () => {
    const nest = (n: number): Buffer => {
      let s = '0:]';
      for (let i = 1; i < n; i++) s = `${s.length}:${s}]`;
      return Buffer.from(s);
    };
    expect(decodeTnetstring(nest(MAX_TNET_DEPTH)).ok).toBe(true);
    const tooDeep = decodeErr(nest(MAX_TNET_DEPTH + 1));
    expect(tooDeep.code).toBe('TNET_TOO_DEEP');
    expect(tooDeep.message).toMatch(/nesting exceeds 64 levels/);
  });

  it('stops a very deep (well-formed) nesting at the cap instead of recursing', () => {
    let s = '0:]';
    for (let i = 1; i < 5000; i++) s = `${s.length}:${s}]`;
    const r = decodeTnetstring(Buffer.from(s));
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error.code).toBe('TNET_TOO_DEEP');
    // lengths that lie at every level fail cleanly too
    expect(decodeTnetstring(Buffer.from('9:'.repeat(100000) + ']')).ok).toBe(false);
  });

  it('never throws on random bytes', () => {
    let seed = 12345;
    const rand = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    const alphabet = Buffer.from('0123456789:,#^!~]}x');
    for (let i = 0; i < 2000; i++) {
      const len = rand() % 40;
      const buf = Buffer.alloc(len);
      for (let j = 0; j < len; j++) buf[j] = alphabet[rand() % alphabet.length] as number;
      expect(() => decodeTnetstring(buf)).not.toThrow();
    }
  });
});
