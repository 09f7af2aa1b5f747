import http from 'node:http';
import { startBackend, type Backend } from '../../helpers/harness';

/** One sample of the exposition text: `name{labels} value`. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses Prometheus text exposition (the subset prom-client writes) into samples; throws on a bad line. */
export function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not an exposition line: ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1] as string] = l[2] as string;
    samples.push({ name: m[1] as string, labels, value: Number(m[3]) });
  }
  return samples;
}

/** The value of the sample with this name whose labels include `labels`; undefined when there is none. */
export function sampleValue(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const found = samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return found?.value;
}

/**
 * A GRIP backend: `/sse?ch=` holds an SSE stream (keep-alive every 20 s), `/poll?ch=` a long-poll,
 * anything else answers 200 `plain`.
 */
export function startGripBackend(): Promise<Backend> {
  return startBackend((req, res) => {
    const url = new URL(req.url ?? '/', 'http://b');
    const ch = url.searchParams.get('ch') ?? 'news';
    if (url.pathname === '/sse') {
      res.writeHead(200, {
        'Content-Type': 'text/event-stream',
        'Grip-Hold': 'stream',
        'Grip-Channel': ch,
        'Grip-Keep-Alive': ':\\n\\n; format=cstring; timeout=20',
      });
      res.end('event: message\ndata: open\n\n');
      return;
    }
    if (url.pathname === '/poll') {
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Grip-Hold': 'response', 'Grip-Channel': ch, 'Grip-Timeout': '55' });
      res.end('timeout\n');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end('plain\n');
  });
}

/** A request over a Unix socket (the `ipc://` form of prometheus_port). */
export function requestSocket(socketPath: string, path: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, path, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end();
  });
}
