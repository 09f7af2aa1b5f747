import http from 'node:http';
import { startBackend, type Backend } from '../../helpers/harness';

export { parseExposition, sampleValue, type Sample } from './exposition';

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
