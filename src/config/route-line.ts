/**
 * Tokenizer for one routes-file line, a port of Pushpin's `RoutesFile::parseLine` state machine
 * (spec/config.md §2). It only splits the line into sections; meaning is given in `routes.ts`.
 *
 * - Sections are separated by spaces (only `' '`, not tabs); leading spaces are skipped.
 * - `#` outside quotes ends the line.
 * - Inside a section, `,` separates the leading value from `name` / `name=value` options.
 * - Double quotes may wrap any part of a value; inside them only `\"` and `\\` are escapes.
 * - If the leading value of a section contains `=`, the section has an empty leading value and the
 *   text is re-read as an option. As in Pushpin, this re-read starts at the separator before the
 *   section, so it only works for a first section with no leading spaces (`,id=x` style lines);
 *   elsewhere it fails with `expecting prop`.
 */

/** One space-separated part of a route line: its leading value and its options in order. */
export interface RouteSection {
  value: string;
  /** `[name, value]` in file order; a flag (no `=`) has the value `''`. */
  props: Array<[string, string]>;
}

export type RouteLineResult =
  | { ok: true; sections: RouteSection[] }
  | { ok: false; message: string };

const enum State {
  ReadSeparator,
  ReadInitialValue,
  ReadProp,
}

type Token =
  | { type: 'initial'; value: string }
  | { type: 'prop'; name: string; value: string }
  | { type: 'end' }
  | { type: 'error'; message: string };

function findNext(str: string, offset: number): number {
  for (let n = offset; n < str.length; n++) {
    const c = str[n];
    if (c === '"' || c === ',' || c === ' ' || c === '#') return n;
  }
  return -1;
}

class LineTokenizer {
  private state = State.ReadSeparator;
  private index = 0;

  constructor(private readonly str: string) {}

  next(): Token {
    const str = this.str;
    const start = this.index;
    let part = '';

    for (;;) {
      if (this.state === State.ReadSeparator) {
        while (this.index < str.length && str[this.index] === ' ') this.index++;
        if (this.index >= str.length || str[this.index] === '#') return { type: 'end' };
        this.state = State.ReadInitialValue;
        continue;
      }

      let at = findNext(str, this.index);

      if (at !== -1 && str[at] === '"') {
        const quoteStart = at;
        part += str.slice(this.index, at);
        at++;
        for (; at < str.length; at++) {
          const c = str[at];
          if (c === '\\') {
            at++;
            if (at >= str.length) {
              return { type: 'error', message: `unterminated quote (opened at column ${quoteStart + 1})` };
            }
            const e = str[at];
            if (e === '\\' || e === '"') {
              part += e;
            } else {
              return {
                type: 'error',
                message: `bad escape '\\${e}' at column ${at} (inside quotes only \\" and \\\\ are allowed)`,
              };
            }
          } else if (c === '"') {
            break;
          } else {
            part += c;
          }
        }
        if (at >= str.length) {
          return { type: 'error', message: `unterminated quote (opened at column ${quoteStart + 1})` };
        }
        this.index = at + 1;
        continue;
      }

      // any other delimiter, or end of line, ends the leading value or the option
      if (at === -1) at = str.length;
      part += str.slice(this.index, at);

      let token: Token;
      if (this.state === State.ReadInitialValue) {
        if (part.includes('=')) {
          // empty leading value: re-read the same text as an option
          this.index = start;
          this.state = State.ReadProp;
          return { type: 'initial', value: '' };
        }
        token = { type: 'initial', value: part };
      } else {
        if (part === '') return { type: 'error', message: `expecting prop at column ${at + 1}` };
        const eq = part.indexOf('=');
        const name = eq === -1 ? part : part.slice(0, eq);
        const value = eq === -1 ? '' : part.slice(eq + 1);
        if (name === '') return { type: 'error', message: `empty prop name before column ${at + 1}` };
        token = { type: 'prop', name, value };
      }

      if (at < str.length && str[at] === ',') {
        at++;
        this.state = State.ReadProp;
      } else {
        this.state = State.ReadSeparator;
      }
      this.index = at;
      return token;
    }
  }
}

/**
 * Splits one routes-file line into sections. A blank or comment-only line gives no sections.
 * Trailing `\r` (CRLF files) is ignored.
 */
export function parseRouteLine(line: string): RouteLineResult {
  const text = line.endsWith('\r') ? line.slice(0, -1) : line;
  const tokenizer = new LineTokenizer(text);
  const sections: RouteSection[] = [];
  for (;;) {
    const t = tokenizer.next();
    switch (t.type) {
      case 'error':
        return { ok: false, message: t.message };
      case 'initial':
        sections.push({ value: t.value, props: [] });
        break;
      case 'prop': {
        const last = sections[sections.length - 1];
        // the tokenizer always yields a leading value before any option
        if (last) last.props.push([t.name, t.value]);
        break;
      }
      case 'end':
        return { ok: true, sections };
    }
  }
}
