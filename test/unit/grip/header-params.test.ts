import {
  firstHeaderValue,
  hasParam,
  headerBytes,
  headerText,
  headerValues,
  param,
  paramAll,
  parseHeaderElement,
  parseHeaderInt,
  parseHeaderList,
  parseParameterList,
  splitHeaderLine,
  splitHeaderList,
  toHeaderString,
  trimAscii,
} from '../../../src/grip/header-params';

describe('splitHeaderLine', () => {
  it.each<[string, string[]]>([
    ['a, b,c', ['a', 'b', 'c']],
    ['  a  ', ['a']],
    ['a, , b', ['a', '', 'b']],
    [', a', ['', 'a']],
    ['a,', ['a']],
    ['a, ', ['a', '']],
    ['', []],
    ['a; x="1,2", b', ['a; x="1,2"', 'b']],
    ['a; x="q\\",still", b', ['a; x="q\\",still"', 'b']],
    ['a; x="open, b', ['a; x="open, b']],
    ['"x, y" , z', ['"x, y"', 'z']],
    ['a\\, b', ['a\\', 'b']],
  ])('%j', (line, parts) => {
    expect(splitHeaderLine(line)).toEqual(parts);
  });

  it('joins repeated lines in order', () => {
    expect(splitHeaderList(['a, b', 'c', ' d ,e'])).toEqual(['a', 'b', 'c', 'd', 'e']);
  });
});

describe('parseParameterList', () => {
  it.each<[string, Array<[string, string | undefined]> | undefined]>([
    ['a=1', [['a', '1']]],
    ['user="alice", x', [['user', 'alice']]],
    [' a = 1 ; B = two words ; flag', [['a', '1'], ['B', 'two words'], ['flag', undefined]]],
    ['q="a\\"b\\\\c;d"; n=2', [['q', 'a"b\\c;d'], ['n', '2']]],
    ['q="x" junk; n=2', [['q', 'x'], ['n', '2']]],
    ['q= "x"', [['q', '"x"']]],
    ['q=', [['q', '']]],
    ['a;;b', [['a', undefined], ['', undefined], ['b', undefined]]],
    ['a;', [['a', undefined]]],
    ['', []],
    ['q="open', undefined],
    ['q="trailing\\', undefined],
  ])('%j', (input, expected) => {
    expect(parseParameterList(input)).toEqual(expected);
  });
});

describe('parseHeaderElement', () => {
  it('takes the first part literally and lower-cases parameter names only', () => {
    expect(parseHeaderElement(' Fruit ; Prev-ID=Abc; FILTER=Skip-Self ; filter=build-id')).toEqual({
      value: 'Fruit',
      params: [
        ['prev-id', 'Abc'],
        ['filter', 'Skip-Self'],
        ['filter', 'build-id'],
      ],
    });
  });

  it('does not interpret quotes in the first part', () => {
    expect(parseHeaderElement('"a;b"')).toEqual({ value: '"a', params: [['b"', undefined]] });
    expect(parseHeaderElement('"name"')).toEqual({ value: '"name"', params: [] });
  });

  it('skips an element with an unterminated quoted parameter', () => {
    expect(parseHeaderElement('a; x="open')).toBeUndefined();
  });

  it('gives an empty element an empty value', () => {
    expect(parseHeaderElement('')).toEqual({ value: '', params: [] });
  });

  it('looks parameters up case-insensitively', () => {
    const el = parseHeaderElement('x; rel=next; Timeout=5; flag; filter=a; filter')!;
    expect(param(el, 'REL')).toBe('next');
    expect(param(el, 'timeout')).toBe('5');
    expect(param(el, 'flag')).toBeUndefined();
    expect(hasParam(el, 'Flag')).toBe(true);
    expect(hasParam(el, 'missing')).toBe(false);
    expect(param(el, 'missing')).toBeUndefined();
    expect(paramAll(el, 'filter')).toEqual(['a', '']);
  });
});

describe('parseHeaderList', () => {
  it('parses every element of every line and skips broken ones', () => {
    const els = parseHeaderList(['fruit; prev-id=3, veg', 'a; x="open, b', 'c; n="1,2"']);
    expect(els).toEqual([
      { value: 'fruit', params: [['prev-id', '3']] },
      { value: 'veg', params: [] },
      { value: 'c', params: [['n', '1,2']] },
    ]);
  });
});

describe('header lookup', () => {
  const headers: Array<[string, string]> = [
    ['Grip-Channel', 'a'],
    ['X', '1'],
    ['grip-channel', 'b'],
  ];
  it('finds values case-insensitively in order', () => {
    expect(headerValues(headers, 'GRIP-CHANNEL')).toEqual(['a', 'b']);
    expect(firstHeaderValue(headers, 'Grip-Channel')).toBe('a');
    expect(firstHeaderValue(headers, 'Y')).toBeUndefined();
  });
});

describe('parseHeaderInt', () => {
  it.each<[string | undefined, number | undefined]>([
    ['55', 55],
    ['007', 7],
    ['+3', 3],
    ['-1', -1],
    [' 12 ', 12],
    ['-0', 0],
    ['2147483647', 2147483647],
    ['2147483648', undefined],
    ['', undefined],
    ['1.5', undefined],
    ['0x10', undefined],
    ['12abc', undefined],
    ['abc', undefined],
    [undefined, undefined],
  ])('%j -> %j', (s, n) => {
    expect(parseHeaderInt(s)).toBe(n);
  });
});

describe('text and bytes', () => {
  it('trims ASCII whitespace only', () => {
    expect(trimAscii('\t a \r\n')).toBe('a');
    expect(trimAscii('\u00a0a\u00a0')).toBe('\u00a0a\u00a0');
  });

  it('decodes latin1 byte strings as UTF-8 text', () => {
    const bytes = Buffer.from('café', 'utf8').toString('latin1');
    expect(headerText(bytes)).toBe('café');
    expect(headerText('plain')).toBe('plain');
    expect(headerText('\u00e9')).toBe('\u00e9'); // not valid UTF-8: unchanged
    expect(headerText('已')).toBe('已'); // already text
  });

  it('gives the bytes of byte strings and text', () => {
    expect(headerBytes('\u00ff\n')).toEqual(Buffer.from([0xff, 0x0a]));
    expect(headerBytes('已')).toEqual(Buffer.from('已', 'utf8'));
    expect(toHeaderString('café')).toBe(Buffer.from('café', 'utf8').toString('latin1'));
    expect(toHeaderString('ascii')).toBe('ascii');
  });
});
