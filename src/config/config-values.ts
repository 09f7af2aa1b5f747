/**
 * Pure decoders for `pushpin.conf` values. Each returns the decoded value or a message naming what was
 * expected; `config.ts` adds file, line and key.
 */
import type { ListenAddr, XffRule } from './config';

export type Decoded<T> = { ok: true; value: T } | { ok: false; message: string };

const INT = /^[+-]?[0-9]+$/;

function good<T>(value: T): Decoded<T> {
  return { ok: true, value };
}

function bad<T>(message: string): Decoded<T> {
  return { ok: false, message };
}

/** `true`/`false` (also `1`/`0`, any case); empty means false, as QVariant's `toBool()`. */
export function decodeBool(text: string): Decoded<boolean> {
  const t = text.toLowerCase();
  if (t === 'true' || t === '1') return good(true);
  if (t === 'false' || t === '0' || t === '') return good(false);
  return bad(`expected true or false, got '${text}'`);
}

/** The largest integer a config value may hold: Pushpin reads them into a 32-bit `int`. */
export const CONFIG_INT_MAX = 2 ** 31 - 1;

/** A decimal integer within [min, max] (max defaults to {@link CONFIG_INT_MAX}, so seconds × 1000 stays a valid timer). */
export function decodeInt(text: string, min: number, max = CONFIG_INT_MAX): Decoded<number> {
  if (!INT.test(text)) return bad(`expected an integer, got '${text}'`);
  const n = Number(text);
  if (n < min || n > max) return bad(`must be ${min}-${max}, got ${text.trim()}`);
  return good(n);
}

/** A TCP port, 1-65535. */
export function decodePort(text: string): Decoded<number> {
  if (!INT.test(text)) return bad(`expected a port number (1-65535), got '${text}'`);
  return decodeInt(text, 1, 65535);
}

/**
 * An optional limit: empty or `-1` means unset (Pushpin's "unlimited"), otherwise an integer >= `min`.
 */
export function decodeOptionalInt(text: string, min: number): Decoded<number | undefined> {
  if (text === '' || text === '-1') return good(undefined);
  const d = decodeInt(text, min);
  if (!d.ok) return bad(`${d.message} (or empty / -1 for no limit)`);
  return d;
}

/** `[addr:]port`, with `[v6addr]:port` for IPv6. */
export function decodeListenAddr(text: string): Decoded<ListenAddr> {
  let host: string | undefined;
  let portText = text;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close === -1 || text[close + 1] !== ':') return bad(`expected [addr]:port, got '${text}'`);
    host = text.slice(1, close);
    portText = text.slice(close + 2);
  } else {
    const at = text.lastIndexOf(':');
    if (at !== -1) {
      host = text.slice(0, at);
      portText = text.slice(at + 1);
      if (host.includes(':')) return bad(`IPv6 addresses must be written [addr]:port, got '${text}'`);
    }
  }
  if (host === '') return bad(`empty address in '${text}'`);
  const port = decodePort(portText);
  if (!port.ok) return bad(`${port.message} in '${text}'`);
  return good(host === undefined ? { port: port.value } : { host, port: port.value });
}

/** `x_forwarded_for` rules: a list of `truncate:<n>` and/or `append`; empty = leave the header alone. */
export function decodeXffRule(items: string[]): Decoded<XffRule> {
  const rule: XffRule = { append: false };
  for (const item of items) {
    if (item === 'append') {
      rule.append = true;
    } else if (item.startsWith('truncate:')) {
      const n = decodeInt(item.slice(9), 0);
      if (!n.ok) return bad(`bad truncate count in '${item}': ${n.message}`);
      rule.truncate = n.value;
    } else {
      return bad(`expected 'truncate:<n>' or 'append', got '${item}'`);
    }
  }
  return good(rule);
}

/** `[runner] log_level`: `N` or a list like `2,proxy:3,handler:3`; proxy/handler entries can only raise N. */
export function decodeLogLevel(items: string[]): Decoded<number> {
  let level: number | undefined;
  let serviceMax = -1;
  for (const item of items) {
    const colon = item.indexOf(':');
    if (colon === -1) {
      const n = decodeInt(item, 0);
      if (!n.ok) return bad(`log level ${n.message}`);
      level = n.value;
    } else {
      const n = decodeInt(item.slice(colon + 1), 0);
      if (!n.ok) return bad(`log level for '${item.slice(0, colon)}' ${n.message}`);
      const service = item.slice(0, colon);
      if (service === 'proxy' || service === 'handler') serviceMax = Math.max(serviceMax, n.value);
    }
  }
  return good(Math.max(level ?? 2, serviceMax));
}

/** `[handler] prometheus_port`: `[addr:]port` or `ipc://<path>`, kept as text. */
export function decodePrometheusPort(text: string): Decoded<string> {
  if (text.startsWith('ipc://')) {
    return text.length > 6 ? good(text) : bad(`empty path in '${text}'`);
  }
  const addr = decodeListenAddr(text);
  return addr.ok ? good(text) : bad(`expected [addr:]port or ipc://<path>: ${addr.message}`);
}

/**
 * Adds `offset` to the port of every `tcp://host:port` in `spec` (also `tcp://[v6]:port`), as Pushpin does
 * for ZeroMQ specs. Other schemes are returned unchanged.
 */
export function applyPortOffset(spec: string, offset: number): string {
  if (offset === 0) return spec;
  return spec.replace(/(tcp:\/\/(?:\[[^\]]*\]|[^:/\s,]*):)([0-9]+)/g, (_m, head: string, port: string) => {
    return `${head}${Number(port) + offset}`;
  });
}

/** Replaces `{rundir}`, `{ipc_prefix}` and `{libdir}` everywhere in `text`. */
export function substituteVars(text: string, vars: { rundir: string; ipcPrefix: string; libdir: string }): string {
  return text
    .replaceAll('{libdir}', vars.libdir)
    .replaceAll('{rundir}', vars.rundir)
    .replaceAll('{ipc_prefix}', vars.ipcPrefix);
}

/** The port of a `tcp://` spec, if any, so callers can check it is still valid after the offset. */
export function tcpSpecPorts(spec: string): number[] {
  const out: number[] = [];
  for (const m of spec.matchAll(/tcp:\/\/(?:\[[^\]]*\]|[^:/\s,]*):([0-9]+)/g)) out.push(Number(m[1]));
  return out;
}
