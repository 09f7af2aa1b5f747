/**
 * Properties of the `pushpin.conf` decoders (spec/config.md §6-10): the INI reader and `buildConfig`.
 * Neither may throw; the INI reader gives back what a QSettings-style writer wrote.
 */
import * as fc from 'fast-check';
import { IniSyntaxError, parseIni, type IniEntry } from '../../src/config/ini';
import { buildConfig, type ThumbtackConfig } from '../../src/config/config';
import { CONFIG_KEYS } from '../../src/config/keys';
import { anyString, check, delimited, noThrow, runs } from './fuzz-settings';

const FILE = '/fuzz/etc/pushpin.conf';

const INI_CHARS = ['[', ']', '=', '"', '\\', ';', '#', ',', ' ', '\t', '\n', '\r', '@', 'x', 'n', '0', '7', 'a'];

describe('parseIni (fuzz)', () => {
  it('never throws; entries and errors carry real line numbers', () => {
    fc.assert(
      fc.property(fc.oneof(delimited(INI_CHARS, 60), anyString(80)), (text) => {
        const r = noThrow(() => parseIni(text, FILE));
        const lineCount = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/).length;
        if (r.ok) {
          let previous = 0;
          for (const e of r.value.entries) {
            check(e.line > previous && e.line <= lineCount, `entry on line ${e.line}`);
            check(e.key !== '' && e.key === e.key.trim(), `key ${JSON.stringify(e.key)}`);
            previous = e.line;
          }
        } else {
          const e = r.error;
          check(e instanceof IniSyntaxError && e.code === 'CONFIG_SYNTAX', `bad error ${e.code}`);
          const line = (e as IniSyntaxError).line;
          check(line >= 1 && line <= lineCount, `error on line ${line}`);
        }
      }),
      runs(800),
    );
  });

  /** Writes a value the way QSettings would read it back: quoted, `\` `"` CR LF escaped, leading `@` doubled. */
  function writeItem(v: string): string {
    const at = v.startsWith('@') ? `@${v}` : v;
    return `"${at.replace(/[\\"]/g, '\\$&').replace(/\n/g, '\\n').replace(/\r/g, '\\r')}"`;
  }

  const key = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.-]{0,10}$/);
  const value = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 15 }),
    fc.array(fc.string({ unit: 'binary', maxLength: 8 }), { minLength: 2, maxLength: 4 }),
  );
  const section = fc.constantFrom('', 'global', 'runner', 'proxy', 'handler', 'Other Section');

  it('reads back every entry a writer produces (sections, quoting, escapes, lists, @)', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ section, key, value }), { maxLength: 8 }), fc.constantFrom('\n', '\r\n', '\r'), (entries, eol) => {
        const lines: string[] = [];
        const want: IniEntry[] = [];
        let current = '';
        for (const e of entries) {
          if (e.section !== current) {
            lines.push(`[${e.section === '' ? 'General' : e.section}]`);
            current = e.section;
          }
          const raw = typeof e.value === 'string' ? writeItem(e.value) : e.value.map(writeItem).join(' , ');
          lines.push(`  ${e.key} = ${raw}  ; comment`);
          want.push({ section: e.section, key: e.key, value: e.value, line: lines.length });
        }
        const r = noThrow(() => parseIni(lines.join(eol), FILE));
        expect(r).toEqual({ ok: true, value: { file: FILE, entries: want } });
      }),
      runs(400),
    );
  });
});

/** Every known `section/key`, plus a few unknown ones. */
const KNOWN_KEYS: Array<[string, string]> = Object.entries(CONFIG_KEYS).flatMap(([s, keys]) =>
  Object.keys(keys).map((k): [string, string] => [s, k]),
);
const KEYS: Array<[string, string]> = [
  ...KNOWN_KEYS,
  ['proxy', 'no_such_key'],
  ['nowhere', 'rundir'],
  ['global', '__proto__'],
  ['constructor', 'x'],
];

/** Values a config key may meet: numbers, edge integers, booleans, specs, lists, and junk. */
const VALUE = fc.oneof(
  fc.constantFrom('', '0', '1', '-1', '5', '65535', '65536', '99999999999999999999', '1e3', '+7', ' 8 ', 'true', 'false', 'yes'),
  fc.constantFrom('tcp://127.0.0.1:5560', 'tcp://[::1]:65535', 'ipc://{rundir}/{ipc_prefix}x', '{libdir}', 'ipc://', ':80', '[::1]:80'),
  fc.constantFrom('truncate:0,append', 'truncate:-1', '2,proxy:3', 'a:b', 'json', 'tnetstring', 'proto-only', '"a,b"', 'x,y,,z'),
  fc.integer({ min: -70000, max: 140000 }).map(String),
  delimited(['1', ',', ':', '/', '"', ' ', 'a', '-', '{', '}'], 10),
);

const configText = fc
  .array(fc.tuple(fc.constantFrom(...KEYS), VALUE), { maxLength: 12 })
  .map((entries) => entries.map(([[s, k], v]) => `[${s}]\n${k}=${v}`).join('\n'));

function isInt(n: number | undefined, min: number, max = Number.MAX_SAFE_INTEGER): boolean {
  return n === undefined || (Number.isSafeInteger(n) && n >= min && n <= max);
}

/** Whatever the input, the config built from it only holds values its fields allow (cheap checks: runs hot). */
function checkConfig(c: ThumbtackConfig): void {
  const ints: Array<[string, number | undefined, number, number?]> = [
    ['portOffset', c.portOffset, 0, 65535],
    ['clientBufferSize', c.clientBufferSize, 1],
    ['clientMaxconn', c.clientMaxconn, 1],
    ['logLevel', c.logLevel, 0],
    ['statsConnectionTtl', c.statsConnectionTtl, 1],
    ['messageRate', c.messageRate, 1],
    ['messageHwm', c.messageHwm, 1],
    ['messageBlockSize', c.messageBlockSize, 1],
    ['messageWait', c.messageWait, 0],
    ['workers', c.workers, 0],
    ...c.httpPorts.map((p): [string, number, number, number] => ['httpPorts', p.port, 1, 65535]),
  ];
  for (const [name, n, min, max] of ints) check(isInt(n, min, max), `${name} = ${String(n)}`);
  check(['true', 'proto-only', 'off'].includes(c.setXForwardedProtocol), `setXForwardedProtocol = ${c.setXForwardedProtocol}`);
  check(['tnetstring', 'json'].includes(c.statsFormat), `statsFormat = ${c.statsFormat}`);
  check(c.rundir.startsWith('/') && c.routesFile.startsWith('/'), `relative path: ${c.rundir} ${c.routesFile}`);
  check(c.pushInSubSpecs.every((x) => typeof x === 'string'), 'pushInSubSpecs');
}

describe('buildConfig (fuzz)', () => {
  it('never throws on real keys with random values; problems name a real line', () => {
    fc.assert(
      fc.property(configText, (text) => {
        const { config, warnings, errors } = noThrow(() => buildConfig(text, FILE));
        const lineCount = text.split('\n').length;
        for (const p of [...warnings, ...errors]) {
          check(p.file === FILE && p.line >= 1 && p.line <= lineCount && p.message !== '', `bad problem ${JSON.stringify(p)}`);
        }
        checkConfig(config);
      }),
      runs(400),
    );
  });

  it('never throws on arbitrary text, and a syntax error is reported as an error', () => {
    fc.assert(
      fc.property(fc.oneof(delimited(INI_CHARS, 60), anyString(60)), (text) => {
        const { config, errors } = noThrow(() => buildConfig(text, FILE));
        if (!parseIni(text, FILE).ok) check(errors.length > 0, 'a syntax error gave no error');
        checkConfig(config);
      }),
      runs(400),
    );
  });
});
