import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { startBackend, until, type Backend } from '../../helpers/harness';

/** A backend whose paths are answered by per-test handlers (the query string is ignored for lookup). */
export interface ScriptedBackend extends Backend {
  /** Sets the handler of a path (replacing any earlier one). */
  on(path: string, handler: (req: IncomingMessage, res: ServerResponse, url: URL) => void): void;
  /** Requests seen for a path. */
  seen(path: string): Backend['requests'];
  /** Resolves once `count` requests for `path` were seen (rejects after `ms`). */
  waitFor(path: string, count: number, ms?: number): Promise<Backend['requests']>;
}

export async function scriptedBackend(): Promise<ScriptedBackend> {
  const handlers = new Map<string, (req: IncomingMessage, res: ServerResponse, url: URL) => void>();
  const backend = await startBackend((req, res) => {
    const url = new URL(req.url ?? '/', 'http://backend');
    const h = handlers.get(url.pathname);
    if (h) h(req, res, url);
    else {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('no handler\n');
    }
  });
  const seen = (path: string): Backend['requests'] => backend.requests.filter((r) => new URL(r.url, 'http://b').pathname === path);
  return {
    ...backend,
    on: (path, handler) => void handlers.set(path, handler),
    seen,
    waitFor: async (path, count, ms = 8000) => {
      await until(() => seen(path).length >= count, ms, `${count} request(s) for ${path}`);
      return seen(path);
    },
  };
}

/** Answers with the given status, headers and body. */
export function reply(res: ServerResponse, headers: OutgoingHttpHeaders, body = '', code = 200): void {
  res.writeHead(code, headers);
  res.end(body);
}

/** An `http-stream` item. */
export function streamItem(channel: string, content: string, fields: { id?: string; prevId?: string; noSeq?: boolean; meta?: Record<string, string> } = {}): Record<string, unknown> {
  const item: Record<string, unknown> = { channel, formats: { 'http-stream': { content } } };
  if (fields.id !== undefined) item['id'] = fields.id;
  if (fields.prevId !== undefined) item['prev-id'] = fields.prevId;
  if (fields.noSeq) item['no-seq'] = true;
  if (fields.meta) item['meta'] = fields.meta;
  return item;
}

/** An item with an SSE event (`id:` + `data:`) in `http-stream` and the same id as the item id. */
export function sseItem(channel: string, id: string, prevId?: string): Record<string, unknown> {
  return streamItem(channel, `id: ${id}\ndata: ${id}\n\n`, prevId === undefined ? { id } : { id, prevId });
}

/** The SSE event ids in a stream's text, in order. */
export function sseIds(text: string): string[] {
  return [...text.matchAll(/^id: (.*)$/gm)].map((m) => m[1] as string);
}

/** A deterministic shuffle (seeded LCG), so a failing order can be replayed. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let x = seed >>> 0;
  for (let i = out.length - 1; i > 0; i--) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    const j = x % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}
