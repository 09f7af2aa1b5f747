/**
 * The proxy's own backend client (src/proxy/raw-backend-client.ts) against real TCP backends: the bytes it
 * writes are undici's for the same requests; responses framed every way a backend frames them; keep-alive
 * reuse and every reason not to reuse; a backend that closes an idle connection; failures before and after
 * the response head; back pressure on a large body.
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { RouteTarget } from '../../../src/config/route-types';
import type { BackendOutcome, BackendRequest } from '../../../src/proxy/backend-client';
import type { BackendResponse } from '../../../src/proxy/backend-response';
import { idleBackendConnections, rawBackendRequest } from '../../../src/proxy/raw-backend-client';
import { dispatchBackendRequest } from '../../../src/proxy/undici-request';
import { until } from '../../helpers/harness';

/** A backend on a raw socket: `answer` gets each request's text (head and body as far as read) and the socket. */
interface RawBackend {
  port: number;
  requests: string[];
  connections: number;
  sockets: Set<net.Socket>;
  close(): Promise<void>;
}

async function rawBackend(answer: (request: string, socket: net.Socket, index: number) => void): Promise<RawBackend> {
  const state: RawBackend = { port: 0, requests: [], connections: 0, sockets: new Set(), close: async () => undefined };
  const server = net.createServer((socket) => {
    state.connections++;
    state.sockets.add(socket);
    socket.on('close', () => state.sockets.delete(socket));
    let text = '';
    socket.on('data', (d: Buffer) => {
      text += d.toString('latin1');
      // One request at a time: a head, and as many body bytes as its content-length says.
      for (;;) {
        const end = text.indexOf('\r\n\r\n');
        if (end < 0) return;
        const length = Number(/\r\ncontent-length: (\d+)/i.exec(text.slice(0, end))?.[1] ?? 0);
        if (text.length < end + 4 + length) return;
        const request = text.slice(0, end + 4 + length);
        text = text.slice(end + 4 + length);
        state.requests.push(request);
        answer(request, socket, state.requests.length - 1);
      }
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.port = (server.address() as AddressInfo).port;
  state.close = () =>
    new Promise<void>((resolve) => {
      for (const s of state.sockets) s.destroy();
      server.close(() => resolve());
    });
  return state;
}

function target(port: number): RouteTarget {
  return { kind: 'net', host: '127.0.0.1', port, ssl: false, insecure: false, overHttp: false, oneEvent: false, subs: [], untrusted: false, trustConnectHost: false };
}

function send(port: number, init: Partial<BackendRequest> = {}, client = rawBackendRequest): Promise<BackendOutcome> {
  return new Promise((resolve) => {
    client({ target: target(port), method: 'GET', path: '/', headers: [['Host', 'example.com']], timeoutMs: 5000, ...init }, resolve);
  });
}

function bodyOf(response: BackendResponse): Promise<string> {
  const whole = response.takeWholeBody?.(Infinity);
  if (whole !== undefined) return Promise.resolve(whole.toString('latin1'));
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    response.on('data', (d: Buffer) => parts.push(d));
    response.on('end', () => resolve(Buffer.concat(parts).toString('latin1')));
    response.on('error', reject);
    response.on('aborted', () => reject(new Error('aborted')));
  });
}

async function okResponse(outcome: Promise<BackendOutcome>): Promise<BackendResponse> {
  const o = await outcome;
  if (!o.ok) throw new Error(`${o.failure}: ${o.detail}`);
  return o.response;
}

const OK = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('raw backend client: the request on the wire', () => {
  it('writes the same bytes as undici for the same requests', async () => {
    const backend = await rawBackend((_, socket) => socket.write(OK));
    const shapes: Array<Partial<BackendRequest>> = [
      {},
      { path: '/a?b=1&c', headers: [['Host', 'example.com:8080'], ['Accept', '*/*'], ['X-A', '1'], ['x-a', '2'], ['User-Agent', 'é']] },
      { headers: [['Accept', 'x']] },
      { method: 'POST', headers: [['Host', 'h'], ['Content-Type', 'text/plain'], ['Content-Length', '5']], body: Buffer.from('hello') },
      { method: 'POST', headers: [['Host', 'h']], body: Buffer.alloc(0) },
      { method: 'POST', headers: [['Host', 'h']] },
      { method: 'PUT', headers: [['host', 'h']] },
      { method: 'DELETE', headers: [['Host', 'h'], ['Content-Length', '0']], body: Buffer.alloc(0) },
      { method: 'OPTIONS', headers: [['Host', 'h']] },
      { method: 'PATCH', headers: [['Host', 'h'], ['Grip-Sig', 'abc.def.ghi']], body: Buffer.from('{"a":1}') },
    ];
    try {
      for (const shape of shapes) {
        const before = backend.requests.length;
        await bodyOf(await okResponse(send(backend.port, shape, dispatchBackendRequest)));
        await bodyOf(await okResponse(send(backend.port, shape)));
        const [viaUndici, viaRaw] = backend.requests.slice(before);
        expect(viaRaw).toBe(viaUndici);
      }
    } finally {
      await backend.close();
    }
  });
});

describe('raw backend client: responses', () => {
  it('reads bodies framed by length, chunks or the close, a HEAD and a 204 without one, and skips interim responses', async () => {
    const answers: Record<string, string> = {
      '/length': 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello',
      '/chunked': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n',
      '/close': 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end',
      '/head': 'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n',
      '/nocontent': 'HTTP/1.1 204 No Content\r\n\r\n',
      '/interim': 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 4\r\n\r\nmade',
    };
    const backend = await rawBackend((request, socket) => {
      const path = request.split(' ')[1] as string;
      const answer = answers[path] as string;
      if (path === '/close') socket.end(answer);
      else if (path === '/chunked') {
        // In pieces, split inside the size lines and the data.
        for (let at = 0; at < answer.length; at += 7) setTimeout(() => socket.write(answer.slice(at, at + 7)), at);
      } else socket.write(answer);
    });
    try {
      expect(await bodyOf(await okResponse(send(backend.port, { path: '/length' })))).toBe('hello');
      expect(await bodyOf(await okResponse(send(backend.port, { path: '/chunked' })))).toBe('hello world');
      const closed = await okResponse(send(backend.port, { path: '/close' }));
      expect(closed.rawHeaders).toEqual(['Content-Type', 'text/plain']);
      expect(await bodyOf(closed)).toBe('until the end');
      const head = await okResponse(send(backend.port, { path: '/head', method: 'HEAD' }));
      expect(head.complete).toBe(true);
      expect(await bodyOf(head)).toBe('');
      const noContent = await okResponse(send(backend.port, { path: '/nocontent' }));
      expect(noContent.statusCode).toBe(204);
      expect(await bodyOf(noContent)).toBe('');
      const created = await okResponse(send(backend.port, { path: '/interim' }));
      expect([created.statusCode, created.statusMessage]).toEqual([201, 'Created']);
      expect(await bodyOf(created)).toBe('made');
    } finally {
      await backend.close();
    }
  });

  it('hands a body that came with its head over whole, and streams one that arrives later', async () => {
    const backend = await rawBackend((request, socket) => {
      if (request.startsWith('GET /whole')) socket.write(OK);
      else {
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nabc');
        setTimeout(() => socket.write('def'), 30);
      }
    });
    try {
      const whole = await okResponse(send(backend.port, { path: '/whole' }));
      expect(whole.takeWholeBody?.(Infinity)?.toString()).toBe('ok');
      const later = await okResponse(send(backend.port, { path: '/later' }));
      expect(later.complete).toBe(false);
      expect(later.takeWholeBody?.(Infinity)).toBeUndefined();
      expect(await bodyOf(later)).toBe('abcdef');
    } finally {
      await backend.close();
    }
  });

  it('keeps split heads and body pieces intact while other connections read (one read buffer is shared)', async () => {
    // Two responses at once, each head split over writes and each body in pieces (length-framed on one,
    // chunked on the other), the pieces of both interleaved; the bodies are read only once both are done.
    const backend = await rawBackend((request, socket) => {
      const a = request.startsWith('GET /a');
      const pieces = a
        ? ['HTTP/1.1 200 OK\r\nCont', 'ent-Length: 12\r\n', '\r\naaaa', 'bbbb', 'cccc']
        : ['HTTP/1.1 200 OK\r\nTransfer-Enc', 'oding: chunked\r\n\r\n', '4\r\nwwww\r\n', '4\r\nxxxx\r\n4\r\nyy', 'yy\r\n0\r\n\r\n'];
      pieces.forEach((piece, i) => setTimeout(() => socket.write(piece), 20 * i + (a ? 0 : 10)));
    });
    try {
      const [a, b] = await Promise.all([okResponse(send(backend.port, { path: '/a' })), okResponse(send(backend.port, { path: '/b' }))]);
      await sleep(150);
      expect(await bodyOf(a)).toBe('aaaabbbbcccc');
      expect(await bodyOf(b)).toBe('wwwwxxxxyyyy');
      expect(backend.connections).toBe(2);
    } finally {
      await backend.close();
    }
  });

  it('applies back pressure to a large body read late, and delivers all of it', async () => {
    const size = 8 * 1024 * 1024;
    const backend = await rawBackend((_, socket) => {
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${size}\r\n\r\n`);
      socket.write(Buffer.alloc(size, 'x'));
    });
    try {
      const response = await okResponse(send(backend.port));
      await sleep(300); // nobody reads: the socket must pause, not buffer the 8 MB in the stream
      expect(response.readableLength).toBeLessThan(1024 * 1024);
      expect((await bodyOf(response)).length).toBe(size);
    } finally {
      await backend.close();
    }
  });
});

describe('raw backend client: connections', () => {
  it('reuses one connection for requests in sequence, and opens more for requests at once', async () => {
    const backend = await rawBackend((_, socket) => socket.write(OK));
    try {
      for (let i = 0; i < 5; i++) await bodyOf(await okResponse(send(backend.port)));
      expect(backend.connections).toBe(1);
      await Promise.all([1, 2, 3].map(async () => bodyOf(await okResponse(send(backend.port)))));
      expect(backend.connections).toBe(3);
    } finally {
      await backend.close();
    }
  });

  it('does not reuse a connection after Connection: close, HTTP/1.0, a close-framed body or extra bytes', async () => {
    const answers = [
      'HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok',
      'HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok',
      'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA',
    ];
    const backend = await rawBackend((_, socket, index) => socket.write(answers[index] ?? OK));
    try {
      for (let i = 0; i < 4; i++) expect(await bodyOf(await okResponse(send(backend.port)))).toBe('ok');
      expect(backend.connections).toBe(4);
    } finally {
      await backend.close();
    }
  });

  it('sends a request again on a new connection when the backend closed the idle one (any method)', async () => {
    const backend = await rawBackend((_, socket) => socket.write(OK));
    try {
      await bodyOf(await okResponse(send(backend.port, { method: 'POST', body: Buffer.from('1') })));
      expect(idleBackendConnections()).toBeGreaterThanOrEqual(1);
      // The backend drops the idle connection with a reset, and the next request follows at once.
      for (const s of backend.sockets) s.resetAndDestroy();
      const second = await okResponse(send(backend.port, { method: 'POST', body: Buffer.from('2') }));
      expect(await bodyOf(second)).toBe('ok');
      expect(backend.connections).toBe(2);
      expect(backend.requests.filter((r) => r.endsWith('\r\n\r\n2'))).toHaveLength(1);
    } finally {
      await backend.close();
    }
  });

  it('closes idle connections after the Keep-Alive timeout the backend gave, less a margin', async () => {
    const backend = await rawBackend((_, socket) => socket.write('HTTP/1.1 200 OK\r\nKeep-Alive: timeout=2\r\nContent-Length: 2\r\n\r\nok'));
    try {
      await bodyOf(await okResponse(send(backend.port)));
      expect(backend.sockets.size).toBe(1);
      // timeout=2 less the 1 s margin: closed after ~1 s, well before the 4 s kept without a hint.
      const started = Date.now();
      await until(() => backend.sockets.size === 0, 5000, 'the idle connection to close');
      const closedAfter = Date.now() - started;
      expect(backend.sockets.size).toBe(0);
      expect(closedAfter).toBeGreaterThanOrEqual(900);
      expect(closedAfter).toBeLessThan(3500);
    } finally {
      await backend.close();
    }
  });
});

describe('raw backend client: failures', () => {
  it('reports a refused connection as connect, one dropped before the head as reset', async () => {
    const closed = await rawBackend(() => undefined);
    const port = closed.port;
    await closed.close();
    const refused = await send(port);
    expect(refused.ok || refused.failure).toBe('connect');
    const dropping = await rawBackend((_, socket) => socket.destroy());
    try {
      const reset = await send(dropping.port);
      expect(reset.ok || reset.failure).toBe('reset');
    } finally {
      await dropping.close();
    }
  });

  it('reports a malformed or oversized head as reset, naming the problem, and closes that connection', async () => {
    const backend = await rawBackend((request, socket) => {
      if (request.startsWith('GET /bad')) socket.write('HTTP/1.1 200 OK\r\nBad Header\r\n\r\n');
      else socket.write(`HTTP/1.1 200 OK\r\nX: ${'a'.repeat(20_000)}\r\n\r\n`);
    });
    try {
      const bad = await send(backend.port, { path: '/bad' });
      expect(bad.ok).toBe(false);
      if (!bad.ok) expect([bad.failure, bad.detail]).toEqual(['reset', expect.stringMatching(/not a token/)]);
      const big = await send(backend.port, { path: '/big' });
      expect(big.ok).toBe(false);
      if (!big.ok) expect(big.detail).toMatch(/over 16384 bytes/);
      expect(idleBackendConnections()).toBe(0);
    } finally {
      await backend.close();
    }
  });

  it('cuts the body off with aborted when the backend drops the connection mid-body or sends bad chunks', async () => {
    const backend = await rawBackend((request, socket) => {
      if (request.startsWith('GET /drop')) {
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc');
        setTimeout(() => socket.destroy(), 20);
      } else socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nzz\r\n');
    });
    try {
      for (const path of ['/drop', '/chunks']) {
        const response = await okResponse(send(backend.port, { path }));
        await expect(bodyOf(response)).rejects.toThrow('aborted');
      }
    } finally {
      await backend.close();
    }
  });

  it('drops the connection when the request is aborted (the caller timed out)', async () => {
    const backend = await rawBackend(() => undefined);
    try {
      let settled = false;
      const sent = rawBackendRequest({ target: target(backend.port), method: 'GET', path: '/', headers: [], timeoutMs: 1000 }, () => (settled = true));
      await until(() => backend.requests.length === 1, 5000, 'the request to arrive');
      expect(backend.sockets.size).toBe(1);
      sent.abort();
      await until(() => backend.sockets.size === 0, 5000, 'the connection to close');
      expect(backend.sockets.size).toBe(0);
      expect(settled).toBe(false);
    } finally {
      await backend.close();
    }
  });

  it('refuses a request it cannot write, without sending anything', async () => {
    const backend = await rawBackend((_, socket) => socket.write(OK));
    try {
      const outcome = await send(backend.port, { headers: [['X', 'a\r\nInjected: 1']] });
      expect(outcome.ok || outcome.failure).toBe('reset');
      expect(backend.connections).toBe(0);
    } finally {
      await backend.close();
    }
  });
});
