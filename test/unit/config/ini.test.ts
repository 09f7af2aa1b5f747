import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IniSyntaxError, decodeIniValue, parseIni, type IniDocument } from '../../../src/config/ini';

function doc(text: string): IniDocument {
  const r = parseIni(text, 'test.conf');
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

function syntaxError(text: string): IniSyntaxError {
  const r = parseIni(text, 'test.conf');
  if (r.ok) throw new Error('expected a syntax error');
  expect(r.error).toBeInstanceOf(IniSyntaxError);
  expect(r.error.code).toBe('CONFIG_SYNTAX');
  return r.error as IniSyntaxError;
}

function value(raw: string): string | string[] {
  const r = decodeIniValue(raw);
  if (!r.ok) throw new Error(r.message);
  return r.value;
}

describe('parseIni', () => {
  it('reads sections and keys with their line numbers', () => {
    const d = doc(['top=1', '[global]', '# comment', '; comment', '', '  rundir = /var/run/x  ', '[proxy]', 'debug=false'].join('\n'));
    expect(d.file).toBe('test.conf');
    expect(d.entries).toEqual([
      { section: '', key: 'top', value: '1', line: 1 },
      { section: 'global', key: 'rundir', value: '/var/run/x', line: 6 },
      { section: 'proxy', key: 'debug', value: 'false', line: 8 },
    ]);
  });

  it('treats [General] (any case) as the unnamed section and trims section names', () => {
    expect(doc('[GENERAL]\na=1\n[ handler ]\nb=2').entries.map((e) => e.section)).toEqual(['', 'handler']);
  });

  it('keeps repeated keys in order', () => {
    expect(doc('[a]\nk=1\nk=2').entries.map((e) => [e.value, e.line])).toEqual([
      ['1', 2],
      ['2', 3],
    ]);
  });

  it('handles CRLF, CR and a UTF-8 BOM', () => {
    expect(doc('\uFEFF[a]\r\nk=1\r\nj=2\rl=3').entries.map((e) => [e.key, e.line])).toEqual([
      ['k', 2],
      ['j', 3],
      ['l', 4],
    ]);
  });

  it('splits at the first = outside quotes', () => {
    expect(doc('[a]\nk=a=b').entries[0]?.value).toBe('a=b');
    expect(doc('[a]\nk=').entries[0]?.value).toBe('');
  });

  it('reads the shipped Pushpin 1.36 files without error', () => {
    for (const name of ['pushpin-1.36.conf', 'pushpin-1.36-internal.conf']) {
      const text = readFileSync(join(__dirname, '../../fixtures', name), 'utf8');
      const r = parseIni(text, name);
      expect(r.ok).toBe(true);
    }
    const text = readFileSync(join(__dirname, '../../fixtures/pushpin-1.36.conf'), 'utf8');
    const d = doc(text);
    const find = (s: string, k: string): unknown => d.entries.find((e) => e.section === s && e.key === k);
    expect(find('global', 'include')).toEqual({ section: 'global', key: 'include', value: '{libdir}/internal.conf', line: 2 });
    expect(find('handler', 'message_block_size')).toBeUndefined(); // commented out with '#'
    expect(find('runner', 'https_ports')).toBeUndefined();
  });

  it('reports syntax errors with file and line', () => {
    const e = syntaxError('[a]\nk=1\njust words\n');
    expect([e.file, e.line]).toEqual(['test.conf', 3]);
    expect(e.message).toBe("test.conf:3: expected 'key=value', a [section] or a comment: 'just words'");
    expect(syntaxError('[a\nk=1').message).toBe("test.conf:1: section header without ']'");
    expect(syntaxError('[]').reason).toBe('empty section name');
    expect(syntaxError('[a] junk').reason).toBe("unexpected text after section header: 'junk'");
    expect(syntaxError('[a]\n=1').reason).toBe("missing key before '='");
    expect(syntaxError('[a]\nk="open').reason).toMatch(/^key 'k': unterminated quote/);
    expect(syntaxError('[a]\nk=C:\\dir').reason).toMatch(/unsupported escape '\\d'/);
    expect(syntaxError('[a]\nk=abc\\').line).toBe(2);
  });
});

describe('decodeIniValue (QSettings rules)', () => {
  it('trims unquoted values and keeps quoted spaces', () => {
    expect(value('  hello world  ')).toBe('hello world');
    expect(value('"  padded  "')).toBe('  padded  ');
    expect(value('a" b "c')).toBe('a b c');
  });

  it('makes a list of a value with an unquoted comma, and keeps quoted commas', () => {
    expect(value('tcp://a:1, tcp://b:2')).toEqual(['tcp://a:1', 'tcp://b:2']);
    expect(value('truncate:0,append')).toEqual(['truncate:0', 'append']);
    expect(value('"a,b"')).toBe('a,b');
    expect(value('"a,b", c')).toEqual(['a,b', 'c']);
    expect(value('a,')).toEqual(['a', '']);
    expect(value(',')).toEqual(['', '']);
  });

  it('ends a value at ; outside quotes, but not at #', () => {
    expect(value('abc ; comment')).toBe('abc');
    expect(value('"a;b"')).toBe('a;b');
    expect(value('ab#c')).toBe('ab#c');
  });

  it('decodes backslash escapes', () => {
    expect(value('a\\tb\\n\\\\\\"')).toBe('a\tb\n\\"');
    expect(value('\\x41\\x4a')).toBe('AJ');
    expect(value('\\101')).toBe('A');
    expect(value('"q\\"uote"')).toBe('q"uote');
  });

  it('turns a leading @@ into @', () => {
    expect(value('@@x')).toBe('@x');
    expect(value('@x')).toBe('@x');
  });

  it('rejects what it cannot decode', () => {
    expect(decodeIniValue('"abc')).toEqual({ ok: false, message: expect.stringMatching(/unterminated quote/) });
    expect(decodeIniValue('a\\')).toEqual({ ok: false, message: expect.stringMatching(/lone backslash/) });
    expect(decodeIniValue('a\\,b')).toEqual({ ok: false, message: expect.stringMatching(/unsupported escape/) });
  });
});
