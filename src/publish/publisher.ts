/**
 * Sends one publish item the way `pushpin-publish` does (publishing.md §9): an `http:`/`https:` spec gets
 * `POST <spec path>/publish/` with `{"items":[item]}`; any other spec is a ZeroMQ PUSH endpoint that gets
 * the item as a bare tnetstring. Used by `thumbtack-publish` and by tests.
 */
import http from 'node:http';
import https from 'node:https';
import { readFile } from 'node:fs/promises';
import * as zmq from 'zeromq';
import { fail, ok } from '../core/errors';
import type { Result } from '../core/errors';
import { encodePublishItemJson, encodePublishItemTnet } from './item-encoder';
import type { PublishItem } from './item-types';
import type { PublishContent } from './publisher-item';

/** Error code of a failed publish; the message is what follows `Error: `. */
export const PUBLISH_FAILED = 'PUBLISH_FAILED';

/** `pushpin-publish`'s default spec when `GRIP_URL` is not set. */
export const DEFAULT_PUBLISH_SPEC = 'http://localhost:5561';

export interface PublishTarget {
  /** HTTP base URL (GRIP URL) or ZeroMQ PUSH spec. */
  spec: string;
  /** `user:pass` for Basic auth (https only). */
  user?: string;
  /** Milliseconds to wait for the HTTP response or for a ZeroMQ peer (default 10,000). */
  timeoutMs?: number;
}

/** Is this spec published to over HTTP? (else ZeroMQ) */
export function isHttpSpec(spec: string): boolean {
  return spec.startsWith('http:') || spec.startsWith('https:');
}

interface ParsedSpec {
  scheme: 'http' | 'https';
  /** Host header value: host, with its port when given. */
  host: string;
  hostname: string;
  port: number;
  /** The spec's path, as written (`/publish/` is appended to it). */
  path: string;
}

/** Splits a GRIP URL as pushpin-publish does: no normalisation, the path kept as written. */
export function parseHttpSpec(spec: string): Result<ParsedSpec> {
  const m = /^(https?):\/\/([^/]+)(.*)$/.exec(spec);
  if (!m) return fail(PUBLISH_FAILED, 'invalid URL');
  const scheme = m[1] as 'http' | 'https';
  const host = m[2] as string;
  const hostPort = /^(\[[^\]]+\]|[^:]+)(?::([0-9]+))?$/.exec(host);
  if (!hostPort) return fail(PUBLISH_FAILED, 'invalid URL');
  const port = hostPort[2] === undefined ? (scheme === 'https' ? 443 : 80) : Number(hostPort[2]);
  if (port > 65535) return fail(PUBLISH_FAILED, 'invalid URL');
  const hostname = (hostPort[1] as string).replace(/^\[(.*)\]$/, '$1');
  return ok({ scheme, host, hostname, port, path: m[3] as string });
}

/**
 * Reads the content argument: `@path` reads the file (sent as bytes, no newline added), other text is used
 * as it is. When the argument is absent, `stdin` (if given) supplies it: one trailing newline is removed and
 * the rest is used like a command-line argument (or as bytes when it is not UTF-8); empty input is an error.
 */
export async function resolveContent(
  raw: string | undefined,
  stdin?: () => Promise<Buffer>,
): Promise<Result<PublishContent | undefined>> {
  if (raw === undefined) {
    if (!stdin) return ok(undefined);
    let bytes = await stdin();
    if (bytes.length === 0) return fail(PUBLISH_FAILED, 'must specify content (standard input was empty)');
    if (bytes.length > 0 && bytes[bytes.length - 1] === 0x0a) {
      bytes = bytes.subarray(0, bytes.length - (bytes.length > 1 && bytes[bytes.length - 2] === 0x0d ? 2 : 1));
    }
    const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
    return ok(Buffer.from(text, 'utf8').equals(bytes) ? { kind: 'text', text } : { kind: 'bytes', bytes });
  }
  if (!raw.startsWith('@')) return ok({ kind: 'text', text: raw });
  const name = raw.slice(1);
  try {
    return ok({ kind: 'bytes', bytes: await readFile(name) });
  } catch (err) {
    return fail(PUBLISH_FAILED, `can't read file ${name}: ${(err as Error).message}`);
  }
}

/** Publishes one item; the error message is printed after `Error: ` by the CLI. */
export async function publishItem(item: PublishItem, target: PublishTarget): Promise<Result<void>> {
  const timeoutMs = target.timeoutMs ?? 10_000;
  if (isHttpSpec(target.spec)) return publishHttp(item, target.spec, target.user, timeoutMs);
  return publishZmq(item, target.spec, timeoutMs);
}

function publishHttp(item: PublishItem, spec: string, user: string | undefined, timeoutMs: number): Promise<Result<void>> {
  const parsed = parseHttpSpec(spec);
  if (!parsed.ok) return Promise.resolve(parsed);
  const url = parsed.value;
  if (user !== undefined && url.scheme !== 'https') return Promise.resolve(fail(PUBLISH_FAILED, 'Authentication requires https'));
  const body = Buffer.from(JSON.stringify({ items: [encodePublishItemJson(item)] }), 'utf8');
  const headers: Record<string, string> = {
    Host: url.host,
    'Content-Type': 'application/json',
    'Content-Length': String(body.length),
  };
  if (user !== undefined) headers.Authorization = `Basic ${Buffer.from(user, 'utf8').toString('base64')}`;
  const request = url.scheme === 'https' ? https.request : http.request;
  return new Promise((resolve) => {
    const req = request(
      { method: 'POST', host: url.hostname, port: url.port, path: `${url.path}/publish/`, headers, agent: false, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.once('error', (err) => resolve(fail(PUBLISH_FAILED, err.message)));
        res.once('end', () => {
          if (res.statusCode === 200) resolve(ok(undefined));
          else {
            const text = Buffer.concat(chunks).toString('utf8').trim();
            resolve(fail(PUBLISH_FAILED, text !== '' ? text : `HTTP ${res.statusCode ?? 0} ${res.statusMessage ?? ''}`.trim()));
          }
        });
      },
    );
    req.once('timeout', () => req.destroy(new Error(`no response from ${spec} within ${timeoutMs} ms`)));
    req.once('error', (err) => resolve(fail(PUBLISH_FAILED, err.message)));
    req.end(body);
  });
}

async function publishZmq(item: PublishItem, spec: string, timeoutMs: number): Promise<Result<void>> {
  let frame: Buffer;
  try {
    frame = encodePublishItemTnet(item);
  } catch (err) {
    return fail(PUBLISH_FAILED, (err as Error).message);
  }
  // `immediate`: wait for a connected peer instead of queueing into the void, at most `timeoutMs`; then
  // linger long enough for the queued frame to leave before the socket goes.
  const socket = new zmq.Push({ immediate: true, sendTimeout: timeoutMs, linger: timeoutMs });
  try {
    socket.connect(spec);
    await socket.send(frame);
    return ok(undefined);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EAGAIN') return fail(PUBLISH_FAILED, `no ZeroMQ peer accepted the message at ${spec} within ${timeoutMs} ms`);
    return fail(PUBLISH_FAILED, `${spec}: ${e.message}`);
  } finally {
    socket.close();
  }
}
