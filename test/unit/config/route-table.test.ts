import { parseRoutes } from '../../../src/config/routes';
import { RouteTable } from '../../../src/config/route-table';
import type { RouteRequest } from '../../../src/config/route-types';

function table(text: string): RouteTable {
  const { routes, problems } = parseRoutes(text, 'routes');
  expect(problems).toEqual([]);
  return new RouteTable(routes);
}

function pick(t: RouteTable, req: Partial<RouteRequest>): string {
  const r = t.select({ host: 'example.com', path: '/', isWebSocket: false, isTls: false, ...req });
  return 'route' in r ? r.route.id : `no-route:${r.host}`;
}

const ROUTES = [
  '*,id=star test',
  '*,id=star-api,path_beg=/api test',
  '*,id=star-api-v2,path_beg=/api/v2 test',
  '*,id=star-ws,proto=ws test',
  '*,id=star-http-tls,proto=http,ssl=yes test',
  '*,id=star-api-tls,path_beg=/api,ssl=yes test',
  '*,id=star-short-tls,path_beg=/a,ssl=yes test',
  'exact.com,id=exact-api,path_beg=/api test',
  'exact.com,id=exact-ws,proto=ws test',
  'other.com,id=other test',
].join('\n');

describe('RouteTable.select', () => {
  const t = table(ROUTES);

  const cases: Array<[string, Partial<RouteRequest>, string]> = [
    ['no condition matches everything else', { path: '/' }, 'star'],
    ['longer path_beg wins', { path: '/api/v2/x' }, 'star-api-v2'],
    ['path_beg is a raw prefix match', { path: '/apix' }, 'star-api'],
    ['path_beg is case-sensitive', { path: '/API' }, 'star'],
    ['proto beats a longer path_beg', { path: '/api/v2', isWebSocket: true }, 'star-ws'],
    ['proto=http with ssl on TLS', { path: '/', isTls: true }, 'star-http-tls'],
    ['proto beats path_beg on TLS too', { path: '/api/v2', isTls: true }, 'star-http-tls'],
    ['ssl does not match non-TLS', { path: '/a' }, 'star'],
    ['ws on TLS: proto=ws', { isWebSocket: true, isTls: true }, 'star-ws'],
    ['exact domain rules only', { host: 'exact.com', path: '/api/x' }, 'exact-api'],
    ['exact domain proto=ws', { host: 'exact.com', path: '/api', isWebSocket: true }, 'exact-ws'],
    ['no fallback to * for a known domain', { host: 'exact.com', path: '/' }, 'no-route:exact.com'],
    ['an unknown domain uses *', { host: 'unknown.com', path: '/api' }, 'star-api'],
    ['host match is exact (no suffix match)', { host: 'www.exact.com', path: '/' }, 'star'],
    ['single rule domain', { host: 'other.com', path: '/anything', isWebSocket: true }, 'other'],
  ];

  it.each(cases)('%s', (_name, req, expected) => {
    expect(pick(t, req)).toBe(expected);
  });

  it('prefers the longer path_beg over ssl, whatever the file order', () => {
    // Pushpin 1.36 would pick "tls" here when it comes after "long" (pairwise comparison in file order)
    for (const text of ['*,id=long,path_beg=/abc test\n*,id=tls,ssl=yes test', '*,id=tls,ssl=yes test\n*,id=long,path_beg=/abc test']) {
      expect(pick(table(text), { path: '/abc', isTls: true })).toBe('long');
      expect(pick(table(text), { path: '/x', isTls: true })).toBe('tls');
    }
  });

  it('prefers ssl over none when path_beg lengths are equal', () => {
    const text = '*,id=plain,path_beg=/ab test\n*,id=tls,path_beg=/cd,ssl=yes test\n*,id=tls2,path_beg=/ab,ssl=yes test';
    expect(pick(table(text), { path: '/ab', isTls: true })).toBe('tls2');
    expect(pick(table(text), { path: '/ab', isTls: false })).toBe('plain');
  });

  it('gives no-route without any * rule', () => {
    const t2 = table('a.com test');
    expect(pick(t2, { host: 'b.com' })).toBe('no-route:b.com');
    expect(pick(new RouteTable([]), {})).toBe('no-route:example.com');
  });

  it('never selects id-only routes by host', () => {
    const t2 = table(',id=hidden test');
    expect(pick(t2, {})).toBe('no-route:example.com');
    expect(t2.byId('hidden')?.domain).toBe('');
  });
});

describe('RouteTable.byId and size', () => {
  it('finds routes by explicit and derived id', () => {
    const t = table('*,id=a test\nx.com,path_beg=/p test');
    expect(t.byId('a')?.source.line).toBe(1);
    expect(t.byId('x.com,*,*,/p')?.source.line).toBe(2);
    expect(t.byId('nope')).toBeUndefined();
    expect(t.size).toBe(2);
    expect(t.routes.map((r) => r.id)).toEqual(['a', 'x.com,*,*,/p']);
  });

  it('refuses an id shared by several routes (even three)', () => {
    const t = table('a.com,id=dup test\nb.com,id=dup test\nc.com,id=dup test\n*,id=ok test');
    expect(t.byId('dup')).toBeUndefined();
    expect(t.isIdShared('dup')).toBe(true);
    expect(t.isIdShared('ok')).toBe(false);
    expect(t.byId('ok')?.domain).toBe('*');
    // shared ids still route by host
    expect(pick(t, { host: 'b.com' })).toBe('dup');
    expect(t.size).toBe(4);
  });
});

describe('RouteTable.select against a naive scan', () => {
  it('agrees on random route sets and requests', () => {
    let seed = 12345;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return (seed >>> 16) % n;
    };
    const paths = ['/', '/a', '/ab', '/abc', '/b', '/ba'];
    for (let round = 0; round < 200; round++) {
      const lines: string[] = [];
      for (let i = 0; i < 1 + rand(8); i++) {
        const opts = [`id=r${i}`];
        if (rand(3) === 0) opts.push(`proto=${rand(2) ? 'ws' : 'http'}`);
        if (rand(3) === 0) opts.push(`ssl=${rand(2) ? 'yes' : 'no'}`);
        if (rand(2) === 0) opts.push(`path_beg=${paths[1 + rand(paths.length - 1)]}`);
        lines.push(`${rand(3) === 0 ? 'h.com' : '*'},${opts.join(',')} test`);
      }
      const { routes } = parseRoutes(lines.join('\n'), 'routes');
      const t = new RouteTable(routes);
      for (const host of ['h.com', 'x.com']) {
        for (const path of ['/', '/abcd', '/ab', '/bb', '/a']) {
          for (const isWebSocket of [false, true]) {
            for (const isTls of [false, true]) {
              const hostRoutes = routes.filter((r) => r.domain === host);
              const pool = hostRoutes.length > 0 ? hostRoutes : routes.filter((r) => r.domain === '*');
              const matches = pool.filter(
                (r) =>
                  (r.proto === undefined || (r.proto === 'ws') === isWebSocket) &&
                  (r.ssl === undefined || r.ssl === isTls) &&
                  (r.pathBeg === undefined || path.startsWith(r.pathBeg)),
              );
              const score = (r: (typeof routes)[number]): number =>
                (r.proto !== undefined ? 1000 : 0) + (r.pathBeg?.length ?? 0) * 10 + (r.ssl !== undefined ? 1 : 0);
              const best = matches.reduce<(typeof routes)[number] | undefined>(
                (b, r) => (b === undefined || score(r) > score(b) ? r : b),
                undefined,
              );
              const got = t.select({ host, path, isWebSocket, isTls });
              expect('route' in got ? got.route.id : undefined).toBe(best?.id);
            }
          }
        }
      }
    }
  });
});
