/**
 * Which backend requests undici may send. undici refuses some request headers outright (hop-by-hop ones it
 * manages itself, `Expect`, a repeated Host or Content-Length); Pushpin forwards some of them (`Upgrade: h2c`
 * on a plain request, spec grip-headers.md §10), so such a request goes through Node's client instead.
 */

/** Header names undici throws on (lower case). */
const REFUSED = new Set(['upgrade', 'transfer-encoding', 'keep-alive', 'connection', 'expect']);

/** Whether undici would send these headers as they are (see the module comment). */
export function undiciSends(headers: ReadonlyArray<readonly [string, string]>): boolean {
  let hosts = 0;
  let lengths = 0;
  for (const [name] of headers) {
    const lower = name.toLowerCase();
    if (REFUSED.has(lower)) return false;
    if (lower === 'host' && ++hosts > 1) return false;
    if (lower === 'content-length' && ++lengths > 1) return false;
  }
  return true;
}

/** Header pairs as undici's flat `[name, value, name, value, …]` list (order and repeats kept). */
export function flatHeaderList(headers: ReadonlyArray<readonly [string, string]>): string[] {
  const out = new Array<string>(headers.length * 2);
  let i = 0;
  for (const [name, value] of headers) {
    out[i++] = name;
    out[i++] = value;
  }
  return out;
}
