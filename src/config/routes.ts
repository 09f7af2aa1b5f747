/**
 * The routes file (spec/config.md §2-4): one route per line, parsed with Pushpin's syntax. Bad lines
 * become problems (`<file>:<line>: <reason>`) and are skipped; the rest of the file still loads.
 *
 * Deliberate differences from Pushpin 1.36, all on lines Pushpin would mis-handle:
 * - domains are lower-cased (the request host always is, so `Example.com` could never match in Pushpin);
 * - a condition with neither a domain nor an `id` is reported (`condition has no domain or id`); Pushpin
 *   means to, but derives an id first and so silently keeps the line as an id-only route;
 * - `zhttp/` and `zhttpreq/` targets are reported as unsupported;
 * - `[ipv6]:port` targets are accepted (Pushpin 1.41+);
 * - numbers are validated (`path_rem`), header names must be HTTP tokens, and header values are trimmed;
 * - an empty `id=` counts as no id.
 */
import { isToken } from '../core/http-syntax';
import type { Route, RouteProblem, RouteTarget } from './route-types';
import { parseRouteLine, type RouteSection } from './route-line';

/** Multi-valued options of one section, as Pushpin's `QMultiHash`: single options use the last value. */
class Props {
  constructor(private readonly props: Array<[string, string]>) {}

  has(name: string): boolean {
    return this.props.some(([n]) => n === name);
  }

  /** The last value given for `name`, or undefined. */
  get(name: string): string | undefined {
    for (let i = this.props.length - 1; i >= 0; i--) {
      const p = this.props[i];
      if (p && p[0] === name) return p[1];
    }
    return undefined;
  }

  /** Every value given for `name`, in file order. */
  all(name: string): string[] {
    return this.props.filter(([n]) => n === name).map(([, v]) => v);
  }
}

type Built<T> = { ok: true; value: T } | { ok: false; message: string };

const DIGITS = /^[0-9]+$/;

/**
 * The id Pushpin derives from a condition when no `id=` is given: `domain,proto,ssl,path_beg` with `*`
 * for unset parts. Pushpin 1.36 writes `ssl` for `ssl=no` and `no-ssl` for `ssl=yes` (inverted); this is
 * copied so that `Pushpin-Route` lookups by derived id behave the same.
 */
export function idFromCondition(r: Pick<Route, 'domain' | 'proto' | 'ssl' | 'pathBeg'>): string {
  const domain = r.domain !== '' ? r.domain : '*';
  const proto = r.proto ?? '*';
  const ssl = r.ssl === undefined ? '*' : r.ssl ? 'no-ssl' : 'ssl';
  const pathBeg = r.pathBeg ?? '*';
  return `${domain},${proto},${ssl},${pathBeg}`;
}

function buildCondition(section: RouteSection, file: string, line: number): Built<Route> {
  const props = new Props(section.props);
  const route: Route = {
    id: '',
    explicitId: false,
    // '' = no domain given (an id-only route, reachable only by id); '*' = any domain
    domain: section.value.toLowerCase(),
    prefix: '',
    headers: [],
    origHeaders: props.has('orig_headers'),
    noGrip: props.has('no_grip'),
    debug: props.has('debug'),
    aco: props.has('aco'),
    targets: [],
    source: { file, line },
  };

  const proto = props.get('proto');
  if (proto !== undefined) {
    if (proto !== 'http' && proto !== 'ws') {
      return { ok: false, message: `proto must be set to 'http' or 'ws' (got '${proto}')` };
    }
    route.proto = proto;
  }

  const ssl = props.get('ssl');
  if (ssl !== undefined) {
    if (ssl !== 'yes' && ssl !== 'no') return { ok: false, message: `ssl must be set to 'yes' or 'no' (got '${ssl}')` };
    route.ssl = ssl === 'yes';
  }

  const id = props.get('id');
  if (id !== undefined && id !== '') {
    route.id = id;
    route.explicitId = true;
  }

  const pathBeg = props.get('path_beg');
  if (pathBeg !== undefined) {
    if (pathBeg === '') return { ok: false, message: 'path_beg cannot be empty' };
    route.pathBeg = pathBeg;
  }

  const sigIss = props.get('sig_iss');
  if (sigIss) route.sigIss = sigIss;
  const sigKey = props.get('sig_key');
  if (sigKey) route.sigKey = sigKey;
  route.prefix = props.get('prefix') ?? '';
  const asHost = props.get('as_host');
  if (asHost) route.asHost = asHost;

  const pathRem = props.get('path_rem');
  if (pathRem !== undefined) {
    if (!DIGITS.test(pathRem)) return { ok: false, message: `path_rem must be an integer >= 0 (got '${pathRem}')` };
    route.pathRem = Number(pathRem);
  }

  const replaceBeg = props.get('replace_beg');
  if (replaceBeg !== undefined) {
    // as Pushpin: replace_beg overrides path_rem (the matched path_beg is replaced by replace_beg)
    delete route.pathRem;
    route.replaceBeg = replaceBeg;
  }

  const jsonpMode = props.get('jsonp_mode');
  if (jsonpMode !== undefined && jsonpMode !== 'basic' && jsonpMode !== 'extended') {
    return { ok: false, message: `jsonp_mode must be set to 'basic' or 'extended' (got '${jsonpMode}')` };
  }
  // jsonp_cb, jsonp_body, jsonp_defcb, jsonp_defmethod, session, sockjs, sockjs_as_path and log_level are
  // accepted and ignored; unknown options are ignored as in Pushpin.

  for (const h of props.all('header')) {
    const at = h.indexOf(':');
    if (at < 1) return { ok: false, message: `header must use format 'name:value' (got '${h}')` };
    const name = h.slice(0, at);
    if (!isToken(name)) return { ok: false, message: `header name '${name}' is not a valid HTTP header name` };
    route.headers.push([name, h.slice(at + 1).trim()]);
  }

  return { ok: true, value: route };
}

function parsePort(text: string, target: string): Built<number> {
  const port = DIGITS.test(text) ? Number(text) : NaN;
  if (!(port >= 1 && port <= 65535)) {
    return { ok: false, message: `target invalid port '${text}' in '${target}' (must be an integer 1-65535)` };
  }
  return { ok: true, value: port };
}

function buildTarget(section: RouteSection): Built<RouteTarget> {
  const val = section.value;
  const props = new Props(section.props);
  const target: RouteTarget = {
    kind: 'net',
    host: '',
    port: 0,
    ssl: props.has('ssl'),
    insecure: props.has('insecure'),
    overHttp: props.has('over_http'),
    oneEvent: props.has('one_event'),
    subs: props.all('sub').filter((s) => s !== ''),
    untrusted: props.has('untrusted'),
    trustConnectHost: props.has('trust_connect_host'),
  };
  const hostHeader = props.get('host');
  if (hostHeader) target.hostHeader = hostHeader;
  // ipc_file_mode only concerns zhttp targets: accepted and ignored

  if (val === 'test') {
    target.kind = 'test';
    return { ok: true, value: target };
  }
  if (val.startsWith('zhttp/') || val.startsWith('zhttpreq/')) {
    return { ok: false, message: `zhttp targets are not supported by Thumbtack ('${val}')` };
  }

  let host: string;
  let portText: string;
  if (val.startsWith('[')) {
    const close = val.indexOf(']');
    if (close === -1 || val[close + 1] !== ':') {
      return { ok: false, message: `target bad format: '${val}' (expected [ipv6]:port)` };
    }
    host = val.slice(1, close);
    portText = val.slice(close + 2);
  } else {
    const at = val.indexOf(':');
    if (at === -1) {
      return { ok: false, message: `target bad format: '${val}' (expected host:port, [ipv6]:port or test)` };
    }
    host = val.slice(0, at);
    portText = val.slice(at + 1);
  }
  const port = parsePort(portText, val);
  if (!port.ok) return port;
  if (host === '') return { ok: false, message: `target has no host: '${val}'` };
  target.host = host;
  target.port = port.value;
  return { ok: true, value: target };
}

function buildRoute(sections: RouteSection[], file: string, line: number): Built<Route> {
  const [condition, ...targetSections] = sections;
  if (!condition || targetSections.length === 0) {
    return { ok: false, message: 'must specify condition and at least one target' };
  }
  const built = buildCondition(condition, file, line);
  if (!built.ok) return built;
  const route = built.value;
  for (const section of targetSections) {
    const t = buildTarget(section);
    if (!t.ok) return t;
    route.targets.push(t.value);
  }
  if (route.domain === '' && !route.explicitId) {
    return { ok: false, message: 'condition has no domain or id' };
  }
  if (!route.explicitId) route.id = idFromCondition(route);
  return { ok: true, value: route };
}

function sameCondition(a: Route, b: Route): boolean {
  return a.proto === b.proto && a.ssl === b.ssl && a.pathBeg === b.pathBeg;
}

/**
 * Parses a routes file (or `--route` lines joined with newlines). Lines are 1-based; bad lines are
 * returned as problems and skipped, as are later duplicates of a domain+proto+ssl+path_beg condition.
 * Routes come back in file order; use `RouteTable` to select among them.
 */
export function parseRoutes(text: string, file: string): { routes: Route[]; problems: RouteProblem[] } {
  const routes: Route[] = [];
  const problems: RouteProblem[] = [];
  const byDomain = new Map<string, Route[]>();
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const lines = body.split('\n');

  lines.forEach((raw, index) => {
    const line = index + 1;
    const parsed = parseRouteLine(raw);
    if (!parsed.ok) {
      problems.push({ file, line, message: parsed.message });
      return;
    }
    if (parsed.sections.length === 0) return; // blank or comment
    const built = buildRoute(parsed.sections, file, line);
    if (!built.ok) {
      problems.push({ file, line, message: built.message });
      return;
    }
    const route = built.value;
    if (route.domain !== '') {
      const same = byDomain.get(route.domain);
      const dup = same?.find((r) => sameCondition(r, route));
      if (dup) {
        problems.push({ file, line, message: `skipping duplicate condition (same as line ${dup.source.line})` });
        return;
      }
      if (same) same.push(route);
      else byDomain.set(route.domain, [route]);
    }
    routes.push(route);
  });

  return { routes, problems };
}

/** `<file>:<line>: <message>`, the form Pushpin logs. */
export function formatRouteProblem(p: RouteProblem): string {
  return `${p.file}:${p.line}: ${p.message}`;
}
