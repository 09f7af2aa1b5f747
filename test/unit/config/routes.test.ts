import { formatRouteProblem, idFromCondition, parseRoutes } from '../../../src/config/routes';
import type { Route } from '../../../src/config/route-types';

const FILE = '/etc/thumbtack/routes';

function one(line: string): Route {
  const { routes, problems } = parseRoutes(line, FILE);
  expect(problems).toEqual([]);
  expect(routes).toHaveLength(1);
  return routes[0] as Route;
}

function problem(line: string): string {
  const { routes, problems } = parseRoutes(line, FILE);
  expect(routes).toEqual([]);
  expect(problems).toHaveLength(1);
  return problems[0]?.message ?? '';
}

describe('parseRoutes: file handling', () => {
  it('reports bad lines with their 1-based numbers and loads the rest', () => {
    const text = [
      '# header comment',
      '',
      '* 127.0.0.1:8000',
      'bad.example.com',
      'api.example.com,header=X-Route: yes 10.0.0.1:80',
      'api.example.com,path_beg=/x 10.0.0.1:80 # ok',
      '   ',
      'ws.example.com,proto=wss test',
    ].join('\n');
    const { routes, problems } = parseRoutes(text, FILE);
    expect(routes.map((r) => r.source.line)).toEqual([3, 6]);
    expect(routes.every((r) => r.source.file === FILE)).toBe(true);
    expect(problems).toEqual([
      { file: FILE, line: 4, message: 'must specify condition and at least one target' },
      { file: FILE, line: 5, message: expect.stringMatching(/^target bad format: 'yes'/) },
      { file: FILE, line: 8, message: "proto must be set to 'http' or 'ws' (got 'wss')" },
    ]);
    expect(formatRouteProblem(problems[0]!)).toBe(`${FILE}:4: must specify condition and at least one target`);
  });

  it('handles CRLF line endings and a BOM', () => {
    const { routes, problems } = parseRoutes('\uFEFF* test\r\nx.com 127.0.0.1:1\r\n', FILE);
    expect(problems).toEqual([]);
    expect(routes.map((r) => [r.domain, r.source.line])).toEqual([
      ['*', 1],
      ['x.com', 2],
    ]);
  });

  it('skips a later duplicate condition (same domain, proto, ssl, path_beg), whatever its other options', () => {
    const text = [
      '*,path_beg=/a test',
      '*,path_beg=/a,id=other,prefix=p 127.0.0.1:80',
      '*,path_beg=/a,proto=ws test',
      '*,path_beg=/a,ssl=yes test',
      'example.com,path_beg=/a test',
      '*,proto=ws,path_beg=/a test',
    ].join('\n');
    const { routes, problems } = parseRoutes(text, FILE);
    expect(routes.map((r) => r.source.line)).toEqual([1, 3, 4, 5]);
    expect(problems).toEqual([
      { file: FILE, line: 2, message: 'skipping duplicate condition (same as line 1)' },
      { file: FILE, line: 6, message: 'skipping duplicate condition (same as line 3)' },
    ]);
  });

  it('reports tokenizer errors on the line', () => {
    const { problems } = parseRoutes('* test\n*,prefix="abc test\n', FILE);
    expect(problems).toEqual([{ file: FILE, line: 2, message: expect.stringMatching(/unterminated quote/) }]);
  });
});

describe('parseRoutes: condition and route options', () => {
  it('gives defaults for a bare route', () => {
    expect(one('* 127.0.0.1:8000')).toEqual({
      id: '*,*,*,*',
      explicitId: false,
      domain: '*',
      prefix: '',
      headers: [],
      origHeaders: false,
      noGrip: false,
      debug: false,
      aco: false,
      targets: [
        {
          kind: 'net',
          host: '127.0.0.1',
          port: 8000,
          ssl: false,
          insecure: false,
          overHttp: false,
          oneEvent: false,
          subs: [],
          untrusted: false,
          trustConnectHost: false,
        },
      ],
      source: { file: FILE, line: 1 },
    });
  });

  it('lower-cases the domain', () => {
    expect(one('API.Example.COM test').domain).toBe('api.example.com');
  });

  it('parses proto and ssl, rejecting other values', () => {
    expect(one('*,proto=http test').proto).toBe('http');
    expect(one('*,proto=ws test').proto).toBe('ws');
    expect(one('*,ssl=yes test').ssl).toBe(true);
    expect(one('*,ssl=no test').ssl).toBe(false);
    expect(problem('*,proto=HTTP test')).toBe("proto must be set to 'http' or 'ws' (got 'HTTP')");
    expect(problem('*,proto test')).toBe("proto must be set to 'http' or 'ws' (got '')");
    expect(problem('*,ssl=true test')).toBe("ssl must be set to 'yes' or 'no' (got 'true')");
  });

  it('parses path_beg, which must not be empty', () => {
    expect(one('*,path_beg=/api/ test').pathBeg).toBe('/api/');
    expect(problem('*,path_beg= test')).toBe('path_beg cannot be empty');
    expect(problem('*,path_beg test')).toBe('path_beg cannot be empty');
  });

  it('uses an explicit id, else derives one from the condition as Pushpin does', () => {
    const r = one('*,id=api test');
    expect([r.id, r.explicitId]).toEqual(['api', true]);
    expect(one('*,id= test').explicitId).toBe(false);
    expect(one('x.com,proto=ws,ssl=yes,path_beg=/p test').id).toBe('x.com,ws,no-ssl,/p');
    expect(one('x.com,proto=http,ssl=no test').id).toBe('x.com,http,ssl,*');
    expect(idFromCondition({ domain: '*' })).toBe('*,*,*,*');
  });

  it('accepts an id-only route (no domain) and rejects a condition with neither', () => {
    const r = one(',id=internal 127.0.0.1:9000');
    expect([r.domain, r.id]).toEqual(['', 'internal']);
    expect(one('id=internal test').domain).toBe('');
    expect(problem(',path_beg=/q test')).toBe('condition has no domain or id');
  });

  it('parses sig_iss, sig_key, prefix, as_host', () => {
    const r = one('*,sig_iss=edge,sig_key=base64:c2VjcmV0,prefix=app-,as_host=internal:8080 test');
    expect(r).toMatchObject({ sigIss: 'edge', sigKey: 'base64:c2VjcmV0', prefix: 'app-', asHost: 'internal:8080' });
    const empty = one('*,sig_iss=,sig_key=,as_host= test');
    expect(empty.sigIss).toBeUndefined();
    expect(empty.sigKey).toBeUndefined();
    expect(empty.asHost).toBeUndefined();
  });

  it('parses path_rem as an integer >= 0', () => {
    expect(one('*,path_rem=3 test').pathRem).toBe(3);
    expect(one('*,path_rem=0 test').pathRem).toBe(0);
    expect(problem('*,path_rem=-1 test')).toBe("path_rem must be an integer >= 0 (got '-1')");
    expect(problem('*,path_rem=abc test')).toBe("path_rem must be an integer >= 0 (got 'abc')");
    expect(problem('*,path_rem= test')).toBe("path_rem must be an integer >= 0 (got '')");
  });

  it('parses replace_beg, which overrides path_rem', () => {
    const r = one('*,path_beg=/p/,path_rem=5,replace_beg=/ test');
    expect(r.replaceBeg).toBe('/');
    expect(r.pathRem).toBeUndefined();
    expect(one('*,path_beg=/p/,replace_beg= test').replaceBeg).toBe('');
  });

  it('parses repeatable header options in order, trimming values', () => {
    const r = one('*,header=X-A:1,header="X-B:  two words  ",header=X-Remove:,header=X-C:a:b test');
    expect(r.headers).toEqual([
      ['X-A', '1'],
      ['X-B', 'two words'],
      ['X-Remove', ''],
      ['X-C', 'a:b'],
    ]);
    expect(problem('*,header=NoColon test')).toBe("header must use format 'name:value' (got 'NoColon')");
    expect(problem('*,header=:v test')).toBe("header must use format 'name:value' (got ':v')");
    expect(problem('*,header="Bad Name:v" test')).toBe("header name 'Bad Name' is not a valid HTTP header name");
  });

  it('parses the flags orig_headers, no_grip, debug, aco (present = on, any value)', () => {
    expect(one('*,orig_headers,no_grip,debug,aco test')).toMatchObject({
      origHeaders: true,
      noGrip: true,
      debug: true,
      aco: true,
    });
  });

  it('accepts and ignores jsonp_*, session, sockjs*, log_level and unknown options', () => {
    const r = one(
      '*,jsonp_mode=basic,jsonp_cb=cb,jsonp_body=b,jsonp_defcb=d,jsonp_defmethod=POST,session,sockjs=/s,sockjs_as_path=/w,log_level=3,whatever=1 test',
    );
    expect(r.domain).toBe('*');
    expect(problem('*,jsonp_mode=fancy test')).toBe("jsonp_mode must be set to 'basic' or 'extended' (got 'fancy')");
  });

  it('uses the last value of a repeated single-valued option', () => {
    expect(one('*,prefix=a,prefix=b test').prefix).toBe('b');
  });
});

describe('parseRoutes: targets', () => {
  it('parses host:port, [ipv6]:port and test targets, several in order', () => {
    const r = one('* backend1:443 [::1]:8080 test');
    expect(r.targets.map((t) => [t.kind, t.host, t.port])).toEqual([
      ['net', 'backend1', 443],
      ['net', '::1', 8080],
      ['test', '', 0],
    ]);
  });

  it('parses every target option', () => {
    const r = one('* b:443,ssl,insecure,host=api.internal,trust_connect_host,untrusted,over_http,one_event,sub=a,sub=,sub=b,ipc_file_mode=777');
    expect(r.targets[0]).toEqual({
      kind: 'net',
      host: 'b',
      port: 443,
      ssl: true,
      insecure: true,
      hostHeader: 'api.internal',
      trustConnectHost: true,
      untrusted: true,
      overHttp: true,
      oneEvent: true,
      subs: ['a', 'b'],
    });
    expect(one('* b:80,host= test').targets[0]?.hostHeader).toBeUndefined();
  });

  it('rejects bad targets with precise messages', () => {
    expect(problem('* backend')).toBe("target bad format: 'backend' (expected host:port, [ipv6]:port or test)");
    expect(problem('* [::1]8080')).toBe("target bad format: '[::1]8080' (expected [ipv6]:port)");
    expect(problem('* b:0')).toBe("target invalid port '0' in 'b:0' (must be an integer 1-65535)");
    expect(problem('* b:65536')).toMatch(/^target invalid port '65536'/);
    expect(problem('* b:http')).toMatch(/^target invalid port 'http'/);
    expect(problem('* b:')).toMatch(/^target invalid port ''/);
    expect(problem('* ::1:80')).toMatch(/^target invalid port ':1:80'/);
    expect(problem('* :80')).toBe("target has no host: ':80'");
  });

  it('skips zhttp targets with a clear message', () => {
    expect(problem('* zhttp/tcp://127.0.0.1:10000')).toBe(
      "zhttp targets are not supported by Thumbtack ('zhttp/tcp://127.0.0.1:10000')",
    );
    expect(problem('* 127.0.0.1:80 zhttpreq/ipc:///tmp/x')).toMatch(/^zhttp targets are not supported/);
  });
});
