/**
 * A QSettings-flavoured INI reader (spec/config.md §6), for `pushpin.conf`.
 *
 * - `[section]` headers (`[General]`, any case, is the unnamed section `''`, as are keys before any header);
 * - `key=value`, split at the first `=` outside quotes; key and value are trimmed;
 * - comment lines start with `#` or `;`; a `;` outside quotes also ends a value (as QSettings does);
 *   `#` is only a comment at the start of a line, so `sig_key=ab#c` keeps its `#`;
 * - a value with an unquoted `,` is a list (items trimmed); quote a value (or part of it) to keep commas,
 *   spaces at its ends, or `;`;
 * - backslash escapes as QSettings: `\a \b \f \n \r \t \v \" \? \' \\`, `\xHH..`, `\OOO` (octal);
 *   QSettings silently drops other escaped characters, this reader rejects them;
 * - a leading `@@` stands for a literal `@` (QSettings' marker for typed values).
 *
 * Not supported (rejected): values continued over several lines (by quotes or a trailing backslash).
 * Every entry keeps its 1-based line number. Pure: no I/O.
 */
import { ThumbtackError, ok, type Result } from '../core/errors';

/** A syntax error in an INI file; `message` is `<file>:<line>: <reason>`. Code `CONFIG_SYNTAX`. */
export class IniSyntaxError extends ThumbtackError {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly reason: string,
  ) {
    super('CONFIG_SYNTAX', `${file}:${line}: ${reason}`);
  }
}

function syntaxError(file: string, line: number, reason: string): Result<IniDocument> {
  return { ok: false, error: new IniSyntaxError(file, line, reason) };
}

export interface IniEntry {
  /** Section name as written (`''` for keys outside any section or in `[General]`). */
  section: string;
  key: string;
  /** The decoded value; a list when the raw value had a comma outside quotes. */
  value: string | string[];
  /** 1-based line number. */
  line: number;
}

export interface IniDocument {
  file: string;
  /** Every `key=value` line in file order (repeats kept; QSettings lets the last one win). */
  entries: IniEntry[];
}

const ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '"': '"',
  '?': '?',
  "'": "'",
  '\\': '\\',
};

const HEX = /[0-9a-fA-F]/;
const OCT = /[0-7]/;

type ValueResult = { ok: true; value: string | string[] } | { ok: false; message: string };

function chopTrailingSpaces(s: string): string {
  return s.replace(/[ \t]+$/, '');
}

function unAt(s: string): string {
  return s.startsWith('@@') ? s.slice(1) : s;
}

/** Finds the first `=` outside quotes, honouring backslash escapes; -1 if none. */
function findEquals(line: string): number {
  let inQuotes = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '\\') i++;
    else if (c === '"') inQuotes = !inQuotes;
    else if (c === '=' && !inQuotes) return i;
  }
  return -1;
}

/** Decodes the text after `=` the way QSettings' `iniUnescapedStringList` does. */
export function decodeIniValue(raw: string): ValueResult {
  const items: string[] = [];
  let isList = false;
  let current = '';
  let quoted = false; // the current item contained quotes: keep its trailing spaces
  let inQuotes = false;
  let i = 0;

  const skipSpaces = (): void => {
    while (i < raw.length && (raw[i] === ' ' || raw[i] === '\t')) i++;
  };

  skipSpaces();
  while (i < raw.length) {
    const c = raw[i] as string;
    if (c === '\\') {
      const e = raw[i + 1];
      if (e === undefined) return { ok: false, message: 'value ends with a lone backslash (continuation lines are not supported)' };
      i += 2;
      const simple = ESCAPES[e];
      if (simple !== undefined) {
        current += simple;
      } else if (e === 'x' && HEX.test(raw[i] ?? '')) {
        let n = 0;
        while (i < raw.length && HEX.test(raw[i] as string)) n = n * 16 + parseInt(raw[i++] as string, 16);
        current += String.fromCharCode(n);
      } else if (OCT.test(e)) {
        let n = Number(e);
        while (i < raw.length && OCT.test(raw[i] as string)) n = n * 8 + Number(raw[i++]);
        current += String.fromCharCode(n);
      } else {
        return { ok: false, message: `unsupported escape '\\${e}' in value (quote the value instead)` };
      }
    } else if (c === '"') {
      i++;
      quoted = true;
      inQuotes = !inQuotes;
      if (!inQuotes) skipSpaces();
    } else if (c === ';' && !inQuotes) {
      break; // the rest of the line is a comment
    } else if (c === ',' && !inQuotes) {
      items.push(unAt(quoted ? current : chopTrailingSpaces(current)));
      isList = true;
      current = '';
      quoted = false;
      i++;
      skipSpaces();
    } else {
      current += c;
      i++;
    }
  }
  if (inQuotes) return { ok: false, message: 'unterminated quote in value (values cannot span lines)' };
  const last = unAt(quoted ? current : chopTrailingSpaces(current));
  if (!isList) return { ok: true, value: last };
  items.push(last);
  return { ok: true, value: items };
}

/**
 * Parses INI text. Fails (code `CONFIG_SYNTAX`, message `<file>:<line>: <reason>`) on the first line that is
 * neither blank, a comment, a section header nor `key=value`, or whose value cannot be decoded.
 */
export function parseIni(text: string, file: string): Result<IniDocument> {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const lines = body.split(/\r\n|\n|\r/);
  const entries: IniEntry[] = [];
  let section = '';

  for (let index = 0; index < lines.length; index++) {
    const lineNo = index + 1;
    const line = (lines[index] as string).trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;

    if (line.startsWith('[')) {
      const close = line.indexOf(']');
      if (close === -1) return syntaxError(file, lineNo, `section header without ']'`);
      const rest = line.slice(close + 1).trim();
      if (rest !== '' && !rest.startsWith(';') && !rest.startsWith('#')) {
        return syntaxError(file, lineNo, `unexpected text after section header: '${rest}'`);
      }
      const name = line.slice(1, close).trim();
      if (name === '') return syntaxError(file, lineNo, `empty section name`);
      section = name.toLowerCase() === 'general' ? '' : name;
      continue;
    }

    const eq = findEquals(line);
    if (eq === -1) return syntaxError(file, lineNo, `expected 'key=value', a [section] or a comment: '${line}'`);
    const key = line.slice(0, eq).trim();
    if (key === '') return syntaxError(file, lineNo, `missing key before '='`);
    const decoded = decodeIniValue(line.slice(eq + 1));
    if (!decoded.ok) return syntaxError(file, lineNo, `key '${key}': ${decoded.message}`);
    entries.push({ section, key, value: decoded.value, line: lineNo });
  }

  return ok({ file, entries });
}
