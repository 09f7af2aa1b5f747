/**
 * Builds Thumbtack's typed configuration from a `pushpin.conf` (spec/config.md §6-10). Pure: the caller
 * reads the file and passes its text and absolute path.
 *
 * - Defaults are the values of Pushpin's shipped `pushpin.conf`; `rundir` defaults to `<configDir>/run`
 *   (Pushpin has no default and requires it); `routesfile` to `<configDir>/routes`.
 * - Relative `rundir`, `routesfile` are resolved against the config file's folder (an absolute rundir is
 *   also what `{rundir}` expands to, so `ipc://{rundir}/...` specs never depend on the working directory).
 * - `{rundir}`, `{ipc_prefix}` and `{libdir}` are substituted in every value. `{libdir}` is `[global] libdir`,
 *   else `options.libdir`, else the config folder.
 * - `port_offset` shifts every `tcp://` spec (push_in_spec, push_in_sub_specs, stats_spec, command_spec)
 *   and `push_in_http_port`, but not `http_port` or `prometheus_port`.
 * - `[global] include` is accepted and ignored (Thumbtack has no `internal.conf`); an include of anything
 *   else than `internal.conf` gets a warning, since its keys will not be read.
 * - Keys are classified in `keys.ts`; unknown keys and bad values are errors naming file, line and key.
 */
import * as path from 'node:path';
import { IniSyntaxError, parseIni, type IniEntry } from './ini';
import { keyStatus } from './keys';
import { APPLIERS, type ApplyContext } from './config-appliers';
import { applyPortOffset, substituteVars, tcpSpecPorts } from './config-values';

export { applyPortOffset } from './config-values';

export interface ListenAddr {
  /** Address to bind; absent = all interfaces. */
  host?: string;
  port: number;
}

/** An `x_forwarded_for` rule: keep the last `truncate` existing values (absent = all), then maybe append the peer. */
export interface XffRule {
  truncate?: number;
  append: boolean;
}

export interface ThumbtackConfig {
  /** Absolute path of the file read, absent when running on defaults. */
  configFile?: string;
  /** Absolute folder of the config file; relative paths are resolved against it. */
  configDir: string;
  /** Absolute runtime directory (IPC sockets). */
  rundir: string;
  ipcPrefix: string;
  portOffset: number;
  /** Seconds; TTL announced in stats `conn` messages. */
  statsConnectionTtl: number;
  /** `[runner] http_port` (not shifted by port_offset); empty = no plain HTTP listener. */
  httpPorts: ListenAddr[];
  /** Bytes; the whole request header block must fit. */
  clientBufferSize: number;
  /** Client connections (sockets) a worker keeps open at once; more are answered 503 and closed. */
  clientMaxconn: number;
  /** Thumbtack: seconds a client may take to send a complete request head (slowloris bound; 408 after). */
  clientHeadersTimeout: number;
  /** 0 error, 1 warning, 2 info, 3 debug. */
  logLevel: number;
  allowCompression: boolean;
  /** Absolute path of the routes file. */
  routesFile: string;
  debug: boolean;
  autoCrossOrigin: boolean;
  acceptXForwardedProtocol: boolean;
  setXForwardedProtocol: 'true' | 'proto-only' | 'off';
  xForwardedFor: XffRule;
  xForwardedForTrusted: XffRule;
  acceptPushpinRoute: boolean;
  logFrom: boolean;
  logUserAgent: boolean;
  sigIss: string;
  /** Key syntax as Pushpin: secret text, `base64:<...>` or `file:<path>` (decoded by the signer). */
  sigKey: string;
  upstreamKey: string;
  cdnLoop: string;
  /** Absent = no limit (Pushpin then caps at client_maxconn). */
  /** ZeroMQ PULL bind; '' = disabled. */
  pushInSpec: string;
  pushInSubSpecs: string[];
  pushInSubConnect: boolean;
  pushInHttpAddr: string;
  /** port_offset applied. */
  pushInHttpPort: number;
  /** Bytes. */
  pushInHttpMaxHeadersSize: number;
  /** Bytes. */
  pushInHttpMaxBodySize: number;
  /** Thumbtack: `user:pass` accepted as HTTP Basic auth on the publish API; '' = not accepted. */
  pushInHttpAuthBasic: string;
  /** Thumbtack: a literal bearer token accepted on the publish API; '' = not accepted. */
  pushInHttpAuthToken: string;
  /** Thumbtack: key specs (as `upstream_key`) that verify bearer JWTs on the publish API; empty = none. */
  pushInHttpAuthJwtKeys: string[];
  /** tcp:// ports shifted by port_offset; {rundir}/{ipc_prefix}/{libdir} substituted. */
  statsSpec: string;
  commandSpec: string;
  /** Deliveries per second per route; absent = unlimited. */
  messageRate?: number;
  /** Queued deliveries per route before dropping; absent = unlimited. */
  messageHwm?: number;
  /** Bytes per counted block; absent = count messages. */
  messageBlockSize?: number;
  /** Milliseconds an out-of-order item waits for its predecessor. */
  messageWait: number;
  /** Seconds to remember (channel, id); 0 = off. */
  idCacheTtl: number;
  connectionSubscriptionMax: number;
  /** Seconds. */
  subscriptionLinger: number;
  /** Seconds. */
  statsSubscriptionTtl: number;
  /** Seconds. */
  statsReportInterval: number;
  statsFormat: 'tnetstring' | 'json';
  /** `[addr:]port` or `ipc://<path>`; absent = no Prometheus endpoint. */
  prometheusPort?: string;
  prometheusPrefix: string;
  updateOnFirstSubscription: boolean;
  /** Thumbtack: items kept per channel for replay to reconnecting clients; 0 = history off. */
  historyMaxItems: number;
  /** Thumbtack: seconds a history item is kept. */
  historyMaxAge: number;
  /** Thumbtack: bytes all channels' history may hold together. */
  historyMaxBytes: number;
  /** Worker processes; 0 = one per core (decided by the caller). */
  workers: number;
  /**
   * Thumbtack: how workers get new connections: `round-robin`, the supervisor accepts each and hands it to
   * the next worker (even, but every connection crosses the supervisor), or `kernel`, every worker accepts
   * on the shared socket itself (no hand-off, but the kernel may favour some workers).
   */
  workerAccept: 'round-robin' | 'kernel';
}

export interface ConfigProblem {
  file: string;
  line: number;
  /** Section of the key (`''` outside any section). */
  section: string;
  key: string;
  /** The reason, without the `<file>:<line>: ` prefix (see `formatConfigProblem`). */
  message: string;
}

export interface BuildConfigOptions {
  /** What `{libdir}` expands to when `[global] libdir` is not set (default: the config folder). */
  libdir?: string;
}

const STATS_SPEC_TEMPLATE = 'ipc://{rundir}/{ipc_prefix}stats';

/** Built-in defaults (Pushpin's shipped `pushpin.conf` values) for a config living in `configDir`. */
export function defaultConfig(configDir: string): ThumbtackConfig {
  const dir = path.resolve(configDir);
  const rundir = path.join(dir, 'run');
  return {
    configDir: dir,
    rundir,
    ipcPrefix: 'pushpin-',
    portOffset: 0,
    statsConnectionTtl: 120,
    httpPorts: [{ port: 7999 }],
    clientBufferSize: 8192,
    clientMaxconn: 50000,
    clientHeadersTimeout: 30,
    logLevel: 2,
    allowCompression: false,
    routesFile: path.join(dir, 'routes'),
    debug: false,
    autoCrossOrigin: false,
    acceptXForwardedProtocol: false,
    setXForwardedProtocol: 'proto-only',
    xForwardedFor: { append: false },
    xForwardedForTrusted: { append: false },
    acceptPushpinRoute: false,
    logFrom: false,
    logUserAgent: false,
    sigIss: 'pushpin',
    sigKey: 'changeme',
    upstreamKey: '',
    cdnLoop: '',
    pushInSpec: 'tcp://127.0.0.1:5560',
    pushInSubSpecs: ['tcp://127.0.0.1:5562'],
    pushInSubConnect: false,
    pushInHttpAddr: '127.0.0.1',
    pushInHttpPort: 5561,
    pushInHttpMaxHeadersSize: 10000,
    pushInHttpMaxBodySize: 1000000,
    pushInHttpAuthBasic: '',
    pushInHttpAuthToken: '',
    pushInHttpAuthJwtKeys: [],
    statsSpec: substituteVars(STATS_SPEC_TEMPLATE, { rundir, ipcPrefix: 'pushpin-', libdir: dir }),
    commandSpec: 'tcp://127.0.0.1:5563',
    messageRate: 2500,
    messageHwm: 25000,
    messageWait: 5000,
    idCacheTtl: 60,
    connectionSubscriptionMax: 20,
    subscriptionLinger: 60,
    statsSubscriptionTtl: 60,
    statsReportInterval: 10,
    statsFormat: 'tnetstring',
    prometheusPrefix: '',
    updateOnFirstSubscription: true,
    historyMaxItems: 0,
    historyMaxAge: 600,
    historyMaxBytes: 67108864,
    workers: 0,
    workerAccept: 'round-robin',
  };
}

/** `<file>:<line>: <message>`. */
export function formatConfigProblem(p: ConfigProblem): string {
  return `${p.file}:${p.line}: ${p.message}`;
}

function sectionLabel(section: string): string {
  return section === '' ? 'outside any section' : `in [${section}]`;
}

function scalarRaw(entry: IniEntry | undefined): string | undefined {
  if (!entry) return undefined;
  return typeof entry.value === 'string' ? entry.value : entry.value.join(',');
}

/**
 * Reads `pushpin.conf` text into a `ThumbtackConfig`. Never throws: problems come back as `warnings`
 * (the config is usable) and `errors` (the caller should refuse to start); keys with bad values keep
 * their defaults.
 * @param file absolute path of the file (relative paths in it resolve against its folder)
 */
export function buildConfig(
  text: string,
  file: string,
  options: BuildConfigOptions = {},
): { config: ThumbtackConfig; warnings: ConfigProblem[]; errors: ConfigProblem[] } {
  const configDir = path.dirname(path.resolve(file));
  const config: ThumbtackConfig = { ...defaultConfig(configDir), configFile: path.resolve(file) };
  config.statsSpec = STATS_SPEC_TEMPLATE;
  const warnings: ConfigProblem[] = [];
  const errors: ConfigProblem[] = [];
  const problem = (list: ConfigProblem[], entry: IniEntry, message: string): void => {
    list.push({ file, line: entry.line, section: entry.section, key: entry.key, message });
  };

  const doc = parseIni(text, file);
  const entries = doc.ok ? doc.value.entries : [];
  if (!doc.ok) {
    const e = doc.error;
    const syntax = e instanceof IniSyntaxError;
    errors.push({ file, line: syntax ? e.line : 0, section: '', key: '', message: syntax ? e.reason : e.message });
  }

  // classify every line; keep the last entry of each known key (QSettings: the last one wins)
  const last = new Map<string, IniEntry>();
  for (const entry of entries) {
    const { section, key } = entry;
    const status = keyStatus(section, key);
    const id = `${section}/${key}`;
    if (status === undefined) {
      problem(errors, entry, `unknown key '${key}' ${sectionLabel(section)}`);
      continue;
    }
    const previous = last.get(id);
    if (previous) {
      problem(warnings, entry, `[${section}] key '${key}' is set again (first on line ${previous.line}); the last value wins`);
    }
    last.set(id, entry);
    const raw = scalarRaw(entry) ?? '';
    if (status === 'not-yet' && raw !== '') {
      problem(warnings, entry, `[${section}] key '${key}' is a Pushpin option Thumbtack does not implement yet; ignored`);
    }
    if (id === 'global/include' && raw !== '' && path.basename(raw) !== 'internal.conf') {
      problem(warnings, entry, `[global] include '${raw}' is ignored: Thumbtack reads only this file`);
    }
  }

  // apply implemented keys in table order: bootstrap keys first, lower-precedence spellings before higher
  const libdir = scalarRaw(last.get('global/libdir')) || options.libdir || configDir;
  const vars = (): { rundir: string; ipcPrefix: string; libdir: string } => ({
    rundir: config.rundir,
    ipcPrefix: config.ipcPrefix,
    libdir,
  });
  const ctx: ApplyContext = { config, configDir };
  for (const a of APPLIERS) {
    const entry = last.get(`${a.section}/${a.key}`);
    if (!entry) continue;
    const v = entry.value;
    const value = a.raw ? v : typeof v === 'string' ? substituteVars(v, vars()) : v.map((s) => substituteVars(s, vars()));
    const message = a.apply(value, ctx);
    if (message !== undefined) problem(errors, entry, `bad value for '${entry.key}' in [${entry.section}]: ${message}`);
  }

  const proxyProm = last.get('proxy/prometheus_port');
  const handlerProm = last.get('handler/prometheus_port');
  if (proxyProm && handlerProm && scalarRaw(proxyProm) !== '' && scalarRaw(handlerProm) !== '') {
    problem(
      warnings,
      proxyProm,
      `[proxy] prometheus_port is ignored: Thumbtack serves one Prometheus endpoint, on [handler] prometheus_port (line ${handlerProm.line})`,
    );
  }

  // substitution and port offset for the ZeroMQ specs (defaults included) and the HTTP publish port
  const offset = config.portOffset;
  const blame = (key: string): IniEntry | undefined => last.get(`handler/${key}`) ?? last.get('global/port_offset');
  const shift = (spec: string, key: string): string => {
    const out = applyPortOffset(substituteVars(spec, vars()), offset);
    const entry = blame(key);
    for (const port of tcpSpecPorts(out)) {
      if ((port < 1 || port > 65535) && entry) {
        problem(errors, entry, `port ${port} of '${out}' is out of range 1-65535 after port_offset ${offset}`);
      }
    }
    return out;
  };
  config.pushInSpec = shift(config.pushInSpec, 'push_in_spec');
  config.pushInSubSpecs = config.pushInSubSpecs.map((s) => shift(s, 'push_in_sub_specs'));
  config.statsSpec = shift(config.statsSpec, 'stats_spec');
  config.commandSpec = shift(config.commandSpec, 'command_spec');
  const httpPort = config.pushInHttpPort + offset;
  const httpEntry = blame('push_in_http_port');
  if ((httpPort < 1 || httpPort > 65535) && httpEntry) {
    problem(errors, httpEntry, `push_in_http_port ${httpPort} is out of range 1-65535 after port_offset ${offset}`);
  }
  config.pushInHttpPort = httpPort;

  return { config, warnings, errors };
}
