/**
 * The `%` directive syntax shared by the `build-id` and `var-subst` filters (spec grip-headers.md §9,
 * Pushpin's `Format::process`): `%%` is `%`; `%` + a letter, or `%(` argument `)` + a letter, is handed to
 * a handler; inside the parentheses `\` escapes the next byte. Works on bytes; positions in error messages
 * are byte offsets, as Pushpin reports them. Pure.
 */

/** Turns one directive into bytes, or returns an error message (without the position). */
export type DirectiveHandler = (type: string, arg: Buffer | undefined) => { ok: true; value: Buffer } | { ok: false; error: string };

/**
 * `complete`: every byte processed. `partial`: (only with `allowPartial`) the input ended inside a
 * directive; `consumed` bytes were processed and the rest must be kept for the next chunk.
 */
export type DirectiveResult = { ok: true; out: Buffer; consumed: number } | { ok: false; error: string };

const PERCENT = 0x25;
const OPEN = 0x28;
const CLOSE = 0x29;
const BACKSLASH = 0x5c;

function isAlpha(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

/**
 * Expands the directives of `input`. With `allowPartial` (streamed content), a directive cut by the end of
 * the input is not an error: processing stops before it and `consumed` says where.
 */
export function processDirectives(input: Buffer, handler: DirectiveHandler, allowPartial = false): DirectiveResult {
  const out: Buffer[] = [];
  let literalStart = 0;
  const n = input.length;
  const partial = (marker: number): DirectiveResult => {
    out.push(input.subarray(literalStart, marker));
    return { ok: true, out: Buffer.concat(out), consumed: marker };
  };
  for (let i = 0; i < n; i++) {
    if (input[i] !== PERCENT) continue;
    const marker = i;
    out.push(input.subarray(literalStart, marker));
    literalStart = marker;
    if (i + 1 >= n) return allowPartial ? partial(marker) : { ok: false, error: `Expected directive after '%' at position ${i}` };
    i++;
    let c = input[i] as number;
    if (c === OPEN) {
      const fieldStart = i;
      if (i + 1 >= n) return allowPartial ? partial(marker) : { ok: false, error: `Expected character after '(' at position ${i}` };
      i++;
      const arg: number[] = [];
      let closed = false;
      for (; i < n; i++) {
        c = input[i] as number;
        if (c === BACKSLASH) {
          if (i + 1 >= n) return allowPartial ? partial(marker) : { ok: false, error: `Expected character after '\\' at position ${i}` };
          i++;
          arg.push(input[i] as number);
        } else if (c === CLOSE) {
          closed = true;
          break;
        } else arg.push(c);
      }
      if (!closed) return allowPartial ? partial(marker) : { ok: false, error: `Unterminated field starting at position ${fieldStart}` };
      if (i + 1 >= n) return allowPartial ? partial(marker) : { ok: false, error: `Expected directive after ')' at position ${i}` };
      i++;
      const r = handler(String.fromCharCode(input[i] as number), Buffer.from(arg));
      if (!r.ok) return { ok: false, error: `${r.error} at position ${i}` };
      out.push(r.value);
    } else if (c === PERCENT) {
      out.push(Buffer.from('%'));
    } else if (isAlpha(c)) {
      const r = handler(String.fromCharCode(c), undefined);
      if (!r.ok) return { ok: false, error: `${r.error} at position ${i}` };
      out.push(r.value);
    } else {
      return { ok: false, error: `Unknown directive '${String.fromCharCode(c)}' at position ${i}` };
    }
    literalStart = i + 1;
  }
  out.push(input.subarray(literalStart));
  return { ok: true, out: Buffer.concat(out), consumed: n };
}

/** A handler for `%(name)s` looking names up in `vars` (a missing or undefined value is an error). */
export function variableHandler(vars: (name: string) => string | undefined): DirectiveHandler {
  return (type, arg) => {
    if (type !== 's') return { ok: false, error: `Unknown directive '${type}'` };
    if (arg === undefined) return { ok: false, error: "Directive 's' requires argument" };
    const name = arg.toString('utf8');
    const value = vars(name);
    if (value === undefined) return { ok: false, error: `No such variable '${name}'` };
    return { ok: true, value: Buffer.from(value, 'utf8') };
  };
}
