/**
 * The configuration both systems are measured with: a copy of Pushpin's shipped pushpin.conf with only the
 * keys a private, loopback-only instance needs rewritten. Pure: text in, text out.
 */
import type { PushpinLimits, TargetName, WorkerAccept } from './args';

export interface ConfigEdit {
  section: string;
  key: string;
  /** undefined removes the key. */
  value: string | undefined;
}

/**
 * Applies edits to INI text: an existing `key=` line in the section is replaced (or removed), a missing key is
 * added at the end of its section, and a missing section is appended. Comments and other lines stay as they are.
 */
export function editIni(text: string, edits: readonly ConfigEdit[]): string {
  const lines = text.split('\n');
  const pending = [...edits];
  const out: string[] = [];
  let section = '';
  const flushSection = (): void => {
    for (let i = 0; i < pending.length; ) {
      const edit = pending[i] as ConfigEdit;
      if (edit.section === section) {
        if (edit.value !== undefined) out.push(`${edit.key}=${edit.value}`);
        pending.splice(i, 1);
      } else i++;
    }
  };
  for (const line of lines) {
    const header = /^\s*\[([^\]]+)\]\s*$/.exec(line);
    if (header) {
      flushSection();
      section = (header[1] as string).trim();
      out.push(line);
      continue;
    }
    const kv = /^\s*([A-Za-z0-9_]+)\s*=/.exec(line);
    if (kv) {
      const index = pending.findIndex((e) => e.section === section && e.key === kv[1]);
      if (index >= 0) {
        const edit = pending[index] as ConfigEdit;
        pending.splice(index, 1);
        if (edit.value !== undefined) out.push(`${edit.key}=${edit.value}`);
        continue;
      }
    }
    out.push(line);
  }
  flushSection();
  const sections = [...new Set(pending.filter((e) => e.value !== undefined).map((e) => e.section))];
  for (const name of sections) {
    out.push(`[${name}]`);
    for (const edit of pending) if (edit.section === name && edit.value !== undefined) out.push(`${edit.key}=${edit.value}`);
  }
  return out.join('\n');
}

/**
 * The value of `key` in `section` of INI text (the last one if repeated), trimmed; undefined when absent.
 */
export function iniValue(text: string, section: string, key: string): string | undefined {
  let current = '';
  let found: string | undefined;
  for (const line of text.split('\n')) {
    const header = /^\s*\[([^\]]+)\]\s*$/.exec(line);
    if (header) {
      current = (header[1] as string).trim();
      continue;
    }
    const kv = /^\s*([A-Za-z0-9_]+)\s*=(.*)$/.exec(line);
    if (kv && current === section && kv[1] === key) found = (kv[2] as string).trim();
  }
  return found;
}

/** Pushpin 1.36's shipped `client_maxconn` ([runner]), used when the base config does not say. */
export const SHIPPED_CLIENT_MAXCONN = 50_000;

/** Headroom over N for `client_maxconn` when N is above the shipped value (probes, publishes, stragglers). */
export const MAXCONN_HEADROOM = 1_000;

export interface InstanceSettings {
  target: TargetName;
  /** Folder of this instance (rundir, logdir and routes live under it). */
  dir: string;
  proxyPort: number;
  portOffset: number;
  logLevel: number;
  pushpinLimits: PushpinLimits;
  workers?: number;
  /** Thumbtack's `worker_accept` when given. */
  workerAccept?: WorkerAccept;
  /** Client connections the scenario will hold (`--n`); above `shippedMaxconn`, client_maxconn is raised. */
  connections?: number;
  /** `client_maxconn` of the base config (default `SHIPPED_CLIENT_MAXCONN`). */
  shippedMaxconn?: number;
}

/**
 * The edits that turn the shipped pushpin.conf into a private instance: own rundir/logdir/ports, loopback
 * only, and zurl started by the runner (the shipped file expects Debian's separate zurl service, which is
 * not running here). `raised` removes message_rate/message_hwm, which Pushpin then reads as "no limit".
 * When `connections` exceeds the shipped `client_maxconn`, both targets get `client_maxconn` = connections + 1000,
 * so that neither refuses or throttles clients the scenario asked for.
 */
export function instanceEdits(s: InstanceSettings): ConfigEdit[] {
  const edits: ConfigEdit[] = [
    { section: 'global', key: 'include', value: '/usr/lib/pushpin/internal.conf' },
    { section: 'global', key: 'rundir', value: `${s.dir}/run` },
    { section: 'global', key: 'port_offset', value: String(s.portOffset) },
    { section: 'runner', key: 'services', value: 'condure,zurl,pushpin-proxy,pushpin-handler' },
    { section: 'runner', key: 'http_port', value: `127.0.0.1:${s.proxyPort}` },
    { section: 'runner', key: 'logdir', value: s.target === 'pushpin' ? `${s.dir}/log` : undefined },
    { section: 'runner', key: 'log_level', value: String(s.logLevel) },
    { section: 'proxy', key: 'routesfile', value: `${s.dir}/routes` },
    { section: 'proxy', key: 'updates_check', value: 'off' },
    { section: 'proxy', key: 'zurl_out_specs', value: 'ipc://{rundir}/{ipc_prefix}zurl-in' },
    { section: 'proxy', key: 'zurl_out_stream_specs', value: 'ipc://{rundir}/{ipc_prefix}zurl-in-stream' },
    { section: 'proxy', key: 'zurl_in_specs', value: 'ipc://{rundir}/{ipc_prefix}zurl-out' },
    { section: 'handler', key: 'push_in_http_addr', value: '127.0.0.1' },
  ];
  if (s.pushpinLimits === 'raised') {
    // Pushpin reads a missing key as "no limit"; Thumbtack's built-in defaults are the shipped values, and an
    // empty value is its "no limit".
    const none = s.target === 'pushpin' ? undefined : '';
    edits.push({ section: 'handler', key: 'message_rate', value: none }, { section: 'handler', key: 'message_hwm', value: none });
  }
  if (s.connections !== undefined && s.connections > (s.shippedMaxconn ?? SHIPPED_CLIENT_MAXCONN)) {
    edits.push({ section: 'runner', key: 'client_maxconn', value: String(s.connections + MAXCONN_HEADROOM) });
  }
  if (s.target === 'thumbtack' && s.workers !== undefined) edits.push({ section: 'proxy', key: 'workers', value: String(s.workers) });
  if (s.target === 'thumbtack' && s.workerAccept !== undefined) edits.push({ section: 'proxy', key: 'worker_accept', value: s.workerAccept });
  return edits;
}

/**
 * The routes file: everything to the bench backend; with `overHttp`, WebSockets reach it as
 * WebSocket-over-HTTP (`over_http`; plain HTTP requests are proxied as usual).
 */
export function routesFile(backendPort: number, overHttp = false): string {
  return `* 127.0.0.1:${backendPort}${overHttp ? ',over_http' : ''}\n`;
}

/** The ports Pushpin derives from port_offset (push_in_spec, push_in_http_port, push_in_sub_specs, command_spec). */
export function offsetPorts(portOffset: number): number[] {
  return [5560, 5561, 5562, 5563].map((p) => p + portOffset);
}
