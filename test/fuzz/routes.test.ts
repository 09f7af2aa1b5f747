/**
 * Properties of the routes-file decoders: the line tokenizer, the file parser and route selection
 * (spec/config.md §2-5). None of them may throw; selection must agree with a brute-force reading of §5.
 */
import * as fc from 'fast-check';
import { parseRouteLine, type RouteSection } from '../../src/config/route-line';
import { parseRoutes } from '../../src/config/routes';
import { RouteTable } from '../../src/config/route-table';
import type { Route, RouteRequest } from '../../src/config/route-types';
import { anyString, check, delimited, noThrow, runs } from './fuzz-settings';

const FILE = '/fuzz/routes';

function isPort(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && n <= 65535;
}

/** Characters the routes tokenizer treats specially, plus a few ordinary ones. */
const LINE_CHARS = [' ', ' ', ',', '=', '"', '\\', '#', '\r', '\t', 'a', 'b', ':', '/', '*', '8'];

/** Route-shaped tokens, so random lines often get past the tokenizer into the meaning checks. */
const ROUTE_WORDS = [
  '*', 'example.com', 'EXAMPLE.com', 'test', '127.0.0.1:8000', '[::1]:80', 'h:0', 'h:65536', 'zhttp/x',
  ',proto=http', ',proto=ws', ',proto=wss', ',ssl=yes', ',ssl=no', ',ssl=maybe', ',path_beg=/a', ',path_beg=',
  ',id=x', ',id=', ',path_rem=2', ',path_rem=-1', ',replace_beg=/', ',header=X-A:1', ',header=:v', ',header=a b:c',
  ',sub=c', ',over_http', ',host=h', ',jsonp_mode=basic', ',jsonp_mode=x', ' ', ' ', '#', '"', '\\"',
];

const routeishLine = fc.array(fc.oneof(fc.constantFrom(...ROUTE_WORDS), delimited(LINE_CHARS, 6)), { maxLength: 12 }).map((w) => w.join(''));

/** Quotes a value for a routes line: inside quotes only `\"` and `\\` are escapes. */
function q(s: string): string {
  return `"${s.replace(/[\\"]/g, '\\$&')}"`;
}

function serializeSections(sections: RouteSection[]): string {
  return sections.map((s) => q(s.value) + s.props.map(([n, v]) => `,${q(n)}=${q(v)}`).join('')).join(' ');
}

describe('parseRouteLine (fuzz)', () => {
  it('never throws, and every option it returns has a non-empty name', () => {
    fc.assert(
      fc.property(fc.oneof(delimited(LINE_CHARS, 40), routeishLine, anyString()), (line) => {
        const r = noThrow(() => parseRouteLine(line));
        if (r.ok) for (const s of r.sections) for (const [name] of s.props) check(name !== '', 'empty option name');
        else check(r.message !== '', 'empty message');
      }),
      runs(800),
    );
  });

  it('gives back the sections of a line written with every value quoted', () => {
    // A leading value or option name holding '=' is read as an option (spec §2), so those are excluded.
    const noEq = fc.string({ unit: 'binary', maxLength: 12 }).filter((s) => !s.includes('='));
    const section = fc.record({
      value: noEq,
      props: fc.array(fc.tuple(noEq.filter((s) => s !== ''), fc.string({ unit: 'binary', maxLength: 12 })), { maxLength: 4 }),
    });
    fc.assert(
      fc.property(fc.array(section, { maxLength: 5 }), (sections) => {
        const r = noThrow(() => parseRouteLine(serializeSections(sections)));
        expect(r).toEqual({ ok: true, sections });
      }),
      runs(400),
    );
  });
});

describe('parseRoutes (fuzz)', () => {
  it('never throws; problems point at real lines and every route is well-formed', () => {
    const text = fc.array(fc.oneof(routeishLine, delimited(LINE_CHARS, 30)), { maxLength: 8 }).map((l) => l.join('\n'));
    fc.assert(
      fc.property(text, (t) => {
        const { routes, problems } = noThrow(() => parseRoutes(t, FILE));
        const lineCount = t.split('\n').length;
        const lines = new Set<number>();
        for (const p of problems) {
          check(p.file === FILE && p.line >= 1 && p.line <= lineCount && p.message !== '', `bad problem ${JSON.stringify(p)}`);
          lines.add(p.line);
        }
        const seen = new Set<string>();
        for (const r of routes) {
          const what = `route on line ${r.source.line}`;
          check(!lines.has(r.source.line), `${what} is also a problem`);
          check(r.targets.length > 0 && r.id !== '', `${what} has no target or id`);
          check(r.domain === r.domain.toLowerCase() && (r.domain !== '' || r.explicitId), `${what}: bad domain`);
          check(r.pathBeg !== '', `${what}: empty path_beg`);
          for (const target of r.targets) {
            if (target.kind === 'net') check(isPort(target.port) && target.host !== '', `${what}: bad target`);
          }
          if (r.domain !== '') {
            const key = JSON.stringify([r.domain, r.proto, r.ssl, r.pathBeg]);
            check(!seen.has(key), `${what}: duplicate condition kept`);
            seen.add(key);
          }
        }
      }),
      runs(650),
    );
  });
});

// ---- route selection against a brute-force reading of spec/config.md §5 ----

const DOMAINS = ['*', 'a.example', 'b.example', 'A.Example'];
const PATHS = ['/', '/a', '/ab', '/abc', '/b', '/a/b', '/%41'];

interface Cond {
  domain: string;
  proto?: 'http' | 'ws';
  ssl?: 'yes' | 'no';
  pathBeg?: string;
  id?: string;
}

const cond: fc.Arbitrary<Cond> = fc.record(
  {
    domain: fc.constantFrom(...DOMAINS),
    proto: fc.constantFrom('http' as const, 'ws' as const),
    ssl: fc.constantFrom('yes' as const, 'no' as const),
    pathBeg: fc.constantFrom(...PATHS),
    id: fc.constantFrom('r1', 'r2', 'r3'),
  },
  { requiredKeys: ['domain'] },
);

function routeLine(c: Cond): string {
  let s = c.domain;
  if (c.proto) s += `,proto=${c.proto}`;
  if (c.ssl) s += `,ssl=${c.ssl}`;
  if (c.pathBeg) s += `,path_beg=${c.pathBeg}`;
  if (c.id) s += `,id=${c.id}`;
  return `${s} 127.0.0.1:8000`;
}

const request: fc.Arbitrary<RouteRequest> = fc.record({
  host: fc.constantFrom('a.example', 'b.example', 'c.example', ''),
  path: fc.oneof(fc.constantFrom(...PATHS, '/abcd', '/c', ''), fc.string({ maxLength: 6 })),
  isWebSocket: fc.boolean(),
  isTls: fc.boolean(),
});

/** §5 read literally: exact domain (else `*`), every set condition holds, then the most specific match. */
function referenceSelect(routes: Route[], req: RouteRequest): Route | undefined {
  const exact = routes.filter((r) => r.domain !== '' && r.domain === req.host);
  const pool = exact.length > 0 ? exact : routes.filter((r) => r.domain === '*');
  const matches = pool.filter(
    (r) =>
      (r.proto === undefined || (r.proto === 'ws') === req.isWebSocket) &&
      (r.ssl === undefined || r.ssl === req.isTls) &&
      (r.pathBeg === undefined || req.path.startsWith(r.pathBeg)),
  );
  const rank = (r: Route): [number, number, number] => [r.proto ? 1 : 0, r.pathBeg?.length ?? 0, r.ssl !== undefined ? 1 : 0];
  const better = (a: Route, b: Route): number => {
    const ra = rank(a);
    const rb = rank(b);
    for (let i = 0; i < 3; i++) if ((ra[i] as number) !== (rb[i] as number)) return (ra[i] as number) - (rb[i] as number);
    return 0;
  };
  let best: Route | undefined;
  for (const r of matches) if (!best || better(r, best) > 0) best = r;
  // the order is total among matches: no other match may tie with the best one
  if (best) check(matches.every((r) => r === best || better(r, best!) !== 0), 'two matching routes are equally specific');
  return best;
}

describe('RouteTable.select (fuzz)', () => {
  it('never throws and picks the route the spec rules pick', () => {
    fc.assert(
      fc.property(fc.array(cond, { maxLength: 10 }), fc.array(request, { minLength: 1, maxLength: 8 }), (conds, reqs) => {
        const { routes } = parseRoutes(conds.map(routeLine).join('\n'), FILE);
        const table = noThrow(() => new RouteTable(routes));
        for (const req of reqs) {
          const got = noThrow(() => table.select(req));
          const want = referenceSelect(routes, req);
          const gotLine = 'route' in got ? got.route.source.line : undefined;
          check(gotLine === want?.source.line, `${JSON.stringify(req)}: got the route on line ${gotLine}, the rules pick line ${want?.source.line}`);
          if (!('route' in got)) check(got.error === 'no-route' && got.host === req.host, 'bad no-route answer');
        }
      }),
      runs(650),
    );
  });

  it('never throws on routes and requests it was not built for', () => {
    fc.assert(
      fc.property(fc.array(routeishLine, { maxLength: 6 }), fc.array(request, { maxLength: 4 }), anyString(), (lines, reqs, id) => {
        const { routes } = parseRoutes(lines.join('\n'), FILE);
        const table = noThrow(() => new RouteTable(routes));
        for (const req of reqs) noThrow(() => table.select(req));
        noThrow(() => table.byId(id));
        // an id carried by exactly one route finds that route
        for (const r of routes) {
          const shared = routes.filter((o) => o.id === r.id).length > 1;
          check(table.byId(r.id) === (shared ? undefined : r) && table.isIdShared(r.id) === shared, `lookup of id ${r.id}`);
        }
      }),
      runs(400),
    );
  });
});
