import { parseRoutes } from '../../../src/config/routes';
import type { Route } from '../../../src/config/route-types';
import { backendHeaders, type BackendHeaderOptions } from '../../../src/proxy/backend-headers';
import type { ClientRequestInfo } from '../../../src/proxy/client-request';

function route(line: string): Route {
  const parsed = parseRoutes(line, 'routes');
  expect(parsed.problems).toEqual([]);
  return parsed.routes[0] as Route;
}

function request(r: Route, headers: Array<[string, string]>): ClientRequestInfo {
  return { method: 'GET', url: '/s', host: 'example.com', headers, isTls: false, peerAddress: '10.0.0.9', route: r, bodyTooLarge: false };
}

function options(r: Route, overrides: Partial<BackendHeaderOptions> = {}): BackendHeaderOptions {
  return {
    target: r.targets[0] as BackendHeaderOptions['target'],
    acceptPushpinRoute: false,
    acceptXForwardedProtocol: false,
    setXForwardedProtocol: 'off',
    xForwardedFor: { append: false },
    xForwardedForTrusted: { append: false },
    cdnLoop: '',
    ...overrides,
  };
}

const names = (headers: Array<[string, string]>): string[] => headers.map(([k]) => k);

describe('backendHeaders', () => {
  const client: Array<[string, string]> = [
    ['Host', 'example.com'],
    ['Connection', 'keep-alive'],
    ['Accept-Encoding', 'gzip'],
    ['Grip-Sig', 'forged'],
    ['Pushpin-Route', 'other'],
    ['X-Forwarded-Proto', 'https'],
    ['X-Api', 'client'],
    ['Accept', 'text/event-stream'],
  ];

  it('drops hop-by-hop and Grip-* headers, whatever their case, and keeps the rest in order', () => {
    const r = route('* 127.0.0.1:8000');
    const lowerCase = client.map(([k, v]): [string, string] => [k.toUpperCase(), v]);
    for (const headers of [client, lowerCase]) {
      const out = backendHeaders(request(r, headers), options(r));
      expect(names(out).map((k) => k.toLowerCase())).toEqual(['host', 'pushpin-route', 'x-forwarded-proto', 'x-api', 'accept']);
    }
  });

  it('drops what the options say for the same route, as the options change (they are not fixed per route)', () => {
    const r = route('* 127.0.0.1:8000');
    const plain = names(backendHeaders(request(r, client), options(r)));
    const withRoute = names(backendHeaders(request(r, client), options(r, { acceptPushpinRoute: true })));
    const withProto = names(backendHeaders(request(r, client), options(r, { acceptXForwardedProtocol: true })));
    const again = names(backendHeaders(request(r, client), options(r)));
    expect(plain).toContain('Pushpin-Route');
    expect(plain).toContain('X-Forwarded-Proto');
    expect(withRoute).not.toContain('Pushpin-Route');
    expect(withRoute).toContain('X-Forwarded-Proto');
    expect(withProto).toContain('Pushpin-Route');
    expect(withProto).not.toContain('X-Forwarded-Proto');
    expect(again).toEqual(plain);
  });

  it("replaces the client's header by a route's header= entry, per route", () => {
    const a = route('*,header=X-Api:route 127.0.0.1:8000');
    const b = route('* 127.0.0.1:8000');
    expect(backendHeaders(request(a, client), options(a)).filter(([k]) => k === 'X-Api')).toEqual([['X-Api', 'route']]);
    expect(backendHeaders(request(b, client), options(b)).filter(([k]) => k === 'X-Api')).toEqual([['X-Api', 'client']]);
  });
});
