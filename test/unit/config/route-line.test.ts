import { parseRouteLine, type RouteSection } from '../../../src/config/route-line';

function sections(line: string): RouteSection[] {
  const r = parseRouteLine(line);
  if (!r.ok) throw new Error(`unexpected error: ${r.message}`);
  return r.sections;
}

function error(line: string): string {
  const r = parseRouteLine(line);
  if (r.ok) throw new Error(`expected an error for ${JSON.stringify(line)}`);
  return r.message;
}

describe('parseRouteLine', () => {
  it('splits sections on spaces and options on commas', () => {
    expect(sections('* 127.0.0.1:8000')).toEqual([
      { value: '*', props: [] },
      { value: '127.0.0.1:8000', props: [] },
    ]);
    expect(sections('  api.example.com,id=api,debug   b1:80,ssl,host=x  b2:80 ')).toEqual([
      { value: 'api.example.com', props: [['id', 'api'], ['debug', '']] },
      { value: 'b1:80', props: [['ssl', ''], ['host', 'x']] },
      { value: 'b2:80', props: [] },
    ]);
  });

  it('keeps repeated options in order and splits name=value at the first =', () => {
    expect(sections('*,header=A:1,header=B:x=y t:1')[0]).toEqual({
      value: '*',
      props: [['header', 'A:1'], ['header', 'B:x=y']],
    });
  });

  it('skips blank and comment lines, and stops at # outside quotes', () => {
    expect(sections('')).toEqual([]);
    expect(sections('    ')).toEqual([]);
    expect(sections('# * test')).toEqual([]);
    expect(sections('   # indented comment')).toEqual([]);
    expect(sections('* test # trailing comment')).toEqual([
      { value: '*', props: [] },
      { value: 'test', props: [] },
    ]);
    expect(sections('* test#comment')).toHaveLength(2);
    expect(sections('*,prefix=a#b test')).toEqual([{ value: '*', props: [['prefix', 'a']] }]);
  });

  it('treats tabs as ordinary characters, as Pushpin does', () => {
    expect(sections('*\ttest')).toEqual([{ value: '*\ttest', props: [] }]);
  });

  it('decodes double quotes anywhere in a value, with only \\" and \\\\ escapes', () => {
    expect(sections('*,header="X-Route: yes" t:1')[0]?.props).toEqual([['header', 'X-Route: yes']]);
    expect(sections('*,header=X-A:"a, b # c" t:1')[0]?.props).toEqual([['header', 'X-A:a, b # c']]);
    expect(sections('*,prefix="a\\"b\\\\c" t:1')[0]?.props).toEqual([['prefix', 'a"b\\c']]);
    expect(sections('"*" t:1')[0]?.value).toBe('*');
    expect(sections('*,x="" t:1')[0]?.props).toEqual([['x', '']]);
  });

  it('reports bad quoting', () => {
    expect(error('*,prefix="abc t:1')).toMatch(/unterminated quote/);
    expect(error('*,prefix="a\\nb" t:1')).toMatch(/bad escape '\\n'/);
    expect(error('*,prefix="abc\\')).toMatch(/unterminated quote/);
  });

  it('reads a first token containing = as an empty leading value plus an option', () => {
    expect(sections(',id=api test')).toEqual([
      { value: '', props: [['id', 'api']] },
      { value: 'test', props: [] },
    ]);
    expect(sections('id=api,debug test')).toEqual([
      { value: '', props: [['id', 'api'], ['debug', '']] },
      { value: 'test', props: [] },
    ]);
    expect(sections('"a=b" test')[0]).toEqual({ value: '', props: [['a', 'b']] });
  });

  it('fails like Pushpin when a later section starts with =, or when an option is empty', () => {
    expect(error('* a=b:80')).toMatch(/expecting prop/);
    expect(error('  id=api test')).toMatch(/expecting prop/);
    expect(error('*, test')).toMatch(/expecting prop/);
    expect(error('* test,')).toMatch(/expecting prop/);
    expect(error('*,,debug test')).toMatch(/expecting prop/);
    expect(error('*,=x test')).toMatch(/empty prop name/);
  });

  it('ignores a trailing carriage return', () => {
    expect(sections('* test\r')).toEqual([
      { value: '*', props: [] },
      { value: 'test', props: [] },
    ]);
  });
});
