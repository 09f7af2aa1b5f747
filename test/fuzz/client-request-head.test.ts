/**
 * Properties of the lean front's head parser (src/proxy/client-request-head.ts): it never throws; and
 * whenever it reads a request, Node's own HTTP server (llhttp, on a real socket) reads the same bytes as
 * the same request: method, target, version, raw headers, and whether the connection stays open. What it
 * does not read goes to Node's server anyway, so agreeing on what it reads is the whole contract.
 */
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import * as fc from 'fast-check';
import { parseClientHead } from '../../src/proxy/client-request-head';
import { check, delimited, noThrow, runs } from './fuzz-settings';

const HEAD_PIECES = ['\r\n', '\n', '\r', ' ', ':', '\t', 'GET ', 'POST ', '/', '/a?b=c', ' HTTP/1.1', ' HTTP/1.0', 'Host: x', 'Connection: close', 'Content-Length: 3', '\x00', '\xff'];

const METHOD = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'M-SEARCH') },
  { weight: 1, arbitrary: fc.constantFrom('get', 'BREW', 'CONNECT', 'PRI') },
);
const TARGET = fc.oneof(
  { weight: 4, arbitrary: fc.stringMatching(/^\/[a-zA-Z0-9._~!$&'()*+,;=:@%\/?-]{0,20}$/) },
  { weight: 1, arbitrary: fc.constantFrom('/', '*', 'http://h/x', '/a b', '/\xe9', '/"q"', '/{x}', '/a|b', '/^', '/`', '/\\') },
);
const VERSION = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('HTTP/1.1', 'HTTP/1.0') },
  { weight: 1, arbitrary: fc.constantFrom('HTTP/2.0', 'http/1.1', 'HTTP/1.1 ') },
);
const NAME = fc.oneof(
  { weight: 4, arbitrary: fc.stringMatching(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,12}$/) },
  { weight: 1, arbitrary: fc.constantFrom('Host', 'host', 'Connection', 'Content-Length', 'Transfer-Encoding', 'Upgrade', 'Expect', 'Keep-Alive', 'X Y', 'X:Y', '') },
);
const VALUE = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: fc.constantFrom(...'aZ09 \t!"#,;=/:?@[]{}~'.split('')), maxLength: 14 }) },
  { weight: 1, arbitrary: fc.constantFrom('close', 'keep-alive', 'Keep-Alive, close', 'upgrade', '0', '3', '+3', ' 3 ', 'x\xe9', 'a\x01b', '') },
);

/** A head assembled from mostly plausible parts, sometimes broken. */
const HEAD = fc
  .record({
    method: METHOD,
    target: TARGET,
    version: VERSION,
    fields: fc.array(fc.tuple(NAME, VALUE), { maxLength: 6 }),
    host: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  })
  .map((h) => {
    let text = `${h.method} ${h.target} ${h.version}\r\n`;
    if (h.host) text += 'Host: example\r\n';
    for (const [k, v] of h.fields) text += `${k}:${v}\r\n`;
    return `${text}\r\n`;
  });

interface NodeRead {
  method: string;
  url: string;
  httpVersion: string;
  rawHeaders: string[];
  keepAlive: boolean;
}

/** What Node's HTTP server makes of `head` (undefined when it refuses it or does not call the handler). */
function nodeReads(port: number, seen: Array<Omit<NodeRead, 'keepAlive'>>, head: string): Promise<NodeRead | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let reply = '';
    const before = seen.length;
    const done = (): void => {
      socket.destroy();
      const read = seen[before];
      const status = reply.split('\r\n')[0] ?? '';
      if (read === undefined || !status.startsWith('HTTP/1.1 200')) return resolve(undefined);
      resolve({ ...read, keepAlive: /\r\nConnection: keep-alive\r\n/i.test(reply) });
    };
    socket.on('data', (d: Buffer) => {
      reply += d.toString('latin1');
      if (reply.includes('\r\n\r\n')) done();
    });
    socket.on('error', () => undefined);
    socket.on('close', done);
    socket.write(Buffer.from(head, 'latin1'));
    // A head Node waits on (a body it expects) is given up after a moment.
    setTimeout(done, 300);
  });
}

describe('parseClientHead (properties)', () => {
  it('never throws on any bytes', () => {
    fc.assert(
      fc.property(fc.oneof(delimited(HEAD_PIECES, 40), fc.string({ unit: 'binary', maxLength: 120 }), HEAD), fc.integer({ min: 1, max: 300 }), (s, max) => {
        const r = noThrow(() => parseClientHead(Buffer.from(s, 'latin1'), max));
        check(r.kind === 'incomplete' || r.kind === 'other' || r.kind === 'request', 'unknown result');
        if (r.kind === 'request') check(r.length <= max && r.length <= s.length, 'a head longer than the limit or the input');
      }),
      runs(3000),
    );
  });

  describe('against Node\'s own parser', () => {
    let server: http.Server;
    let port: number;
    const seen: Array<Omit<NodeRead, 'keepAlive'>> = [];
    beforeAll(async () => {
      server = http.createServer((req, res) => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', httpVersion: req.httpVersion, rawHeaders: req.rawHeaders });
        req.resume();
        // With a length, the answer's Connection field says what Node decided (an HTTP/1.0 answer without
        // one closes whatever the client asked).
        res.writeHead(200, { 'Content-Length': '0' });
        res.end();
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as AddressInfo).port;
    });
    afterAll(async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    it('reads a request only as Node reads it: method, target, version, raw headers, keep-alive', async () => {
      let read = 0;
      await fc.assert(
        fc.asyncProperty(HEAD, async (head) => {
          const ours = parseClientHead(Buffer.from(head, 'latin1'), 8192);
          if (ours.kind !== 'request') return;
          read++;
          // A body the head announces is sent with it, as the front requires.
          const body = 'x'.repeat(ours.head.contentLength);
          const node = await nodeReads(port, seen, head + body);
          check(node !== undefined, `Node refused what the front reads: ${JSON.stringify(head)}`);
          if (node === undefined) return;
          check(node.method === ours.head.method, `method ${node.method} vs ${ours.head.method}`);
          check(node.url === ours.head.url, `target ${node.url} vs ${ours.head.url}`);
          check(node.httpVersion === (ours.head.minorVersion === 1 ? '1.1' : '1.0'), `version ${node.httpVersion}`);
          check(JSON.stringify(node.rawHeaders) === JSON.stringify(ours.head.rawHeaders), `headers ${JSON.stringify(node.rawHeaders)} vs ${JSON.stringify(ours.head.rawHeaders)}`);
          check(node.keepAlive === ours.head.keepAlive, `keep-alive ${node.keepAlive} vs ${ours.head.keepAlive} for ${JSON.stringify(head)}`);
        }),
        runs(600),
      );
      // The generator must reach the interesting case often enough to mean something.
      expect(read).toBeGreaterThan(150);
    }, 60_000);
  });
});
