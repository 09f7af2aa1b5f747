/**
 * Pure wire helpers of the load generator: HTTP/1.1 request bytes, a response framer for keep-alive loops,
 * and scanners that find timestamps and keep-alive markers in a stream split at arbitrary points.
 */

/** The marker the bench puts before the publish timestamp in every item it publishes. */
export const STAMP_MARKER = 'bench-ts=';

/** The keep-alive content the bench backend asks for (`Grip-Keep-Alive`), as it appears on the wire. */
export const KEEP_ALIVE_MARKER = ':ka\n';

/** A GET request with keep-alive, as bytes. */
export function getRequest(path: string, host: string): Buffer {
  return Buffer.from(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\nAccept: */*\r\n\r\n`, 'latin1');
}

/** A POST request with a JSON body and keep-alive, as bytes. */
export function postJsonRequest(path: string, host: string, body: string): Buffer {
  const payload = Buffer.from(body, 'utf8');
  const head = `POST ${path} HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: ${payload.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), payload]);
}

/** The publish format the bench uses: SSE data (`http-stream`) or a WebSocket text message (`ws-message`). */
export type PublishFormat = 'http-stream' | 'ws-message';

/** The format object of one item carrying `stampMs` (ms, 3 decimals) after `STAMP_MARKER`. */
function stampedFormats(format: PublishFormat, stampMs: number): Record<string, { content: string }> {
  const stamp = `${STAMP_MARKER}${stampMs.toFixed(3)}`;
  return format === 'ws-message' ? { 'ws-message': { content: stamp } } : { 'http-stream': { content: `data: ${stamp}\n\n` } };
}

/** The JSON body of a single-item publish whose content carries `stampMs` (ms, 3 decimals). */
export function publishBody(channel: string, stampMs: number, format: PublishFormat = 'http-stream'): string {
  return JSON.stringify({ items: [{ channel, formats: stampedFormats(format, stampMs) }] });
}

/** One publish body with an item for each channel, all carrying the same `stampMs`. */
export function publishBatchBody(channels: readonly string[], stampMs: number, format: PublishFormat = 'http-stream'): string {
  const formats = stampedFormats(format, stampMs);
  return JSON.stringify({ items: channels.map((channel) => ({ channel, formats })) });
}

/** The stamp of one whole message (a WebSocket message): the number after `STAMP_MARKER` up to the end. */
export function messageStamp(text: string): number | undefined {
  const at = text.indexOf(STAMP_MARKER);
  if (at < 0) return undefined;
  const rest = text.slice(at + STAMP_MARKER.length);
  if (!/^\d+(\.\d+)?$/.test(rest)) return undefined;
  return Number(rest);
}

type Phase = 'head' | 'length' | 'chunk-size' | 'chunk-data' | 'chunk-end' | 'trailer';

/**
 * Splits a keep-alive connection's bytes into responses (Content-Length or chunked bodies; no body for 1xx,
 * 204 and 304). `feed` returns the status codes of the responses completed by this chunk, and `closing`
 * tells whether the server announced that it closes the connection. Throws on bytes
 * that are not an HTTP/1.1 response, since the load generator cannot continue on such a connection.
 */
export class ResponseFramer {
  private pending: Buffer = Buffer.alloc(0);
  private phase: Phase = 'head';
  private left = 0;
  private status = 0;
  /** Whether the last response head announced that the server closes the connection after it. */
  closing = false;

  /**
   * Takes the next bytes. It keeps no reference to `chunk` (the caller may reuse its memory, as a socket's
   * `onread` buffer is): bytes left over for the next call are copied.
   */
  feed(chunk: Buffer): number[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const done: number[] = [];
    try {
      this.frame(done);
    } finally {
      if (this.pending.length > 0) this.pending = Buffer.from(this.pending);
    }
    return done;
  }

  private frame(done: number[]): void {
    for (;;) {
      if (this.phase === 'head') {
        const end = this.pending.indexOf('\r\n\r\n', 0, 'latin1');
        if (end < 0) {
          if (this.pending.length > 65536) throw new Error('response head larger than 64 KiB');
          break;
        }
        const head = this.pending.toString('latin1', 0, end);
        this.pending = this.pending.subarray(end + 4);
        const match = /^HTTP\/1\.[01] (\d{3})/.exec(head);
        if (!match) throw new Error(`not an HTTP response: ${JSON.stringify(head.slice(0, 40))}`);
        this.status = Number(match[1]);
        this.closing = /\r\nconnection:[^\r]*close/i.test(head) || (head.startsWith('HTTP/1.0') && !/\r\nconnection:[^\r]*keep-alive/i.test(head));
        const length = /\r\ncontent-length:[ \t]*(\d+)/i.exec(head);
        if (/\r\ntransfer-encoding:[^\r]*chunked/i.test(head)) this.phase = 'chunk-size';
        else if (this.status < 200 || this.status === 204 || this.status === 304 || !length) this.finish(done);
        else {
          this.left = Number(length[1]);
          this.phase = 'length';
        }
      } else if (this.phase === 'length') {
        if (this.pending.length < this.left) {
          this.left -= this.pending.length;
          this.pending = Buffer.alloc(0);
          break;
        }
        this.pending = this.pending.subarray(this.left);
        this.finish(done);
      } else if (this.phase === 'chunk-size' || this.phase === 'trailer' || this.phase === 'chunk-end') {
        const eol = this.pending.indexOf('\r\n', 0, 'latin1');
        if (eol < 0) break;
        const line = this.pending.toString('latin1', 0, eol);
        this.pending = this.pending.subarray(eol + 2);
        if (this.phase === 'chunk-end') {
          if (line !== '') throw new Error('chunk data longer than its size');
          this.phase = 'chunk-size';
        } else if (this.phase === 'trailer') {
          if (line === '') this.finish(done);
        } else {
          const size = parseInt(line, 16);
          if (Number.isNaN(size)) throw new Error(`bad chunk size ${JSON.stringify(line)}`);
          if (size === 0) this.phase = 'trailer';
          else {
            this.left = size;
            this.phase = 'chunk-data';
          }
        }
      } else {
        const take = Math.min(this.left, this.pending.length);
        this.left -= take;
        this.pending = this.pending.subarray(take);
        if (this.left > 0) break;
        this.phase = 'chunk-end';
      }
    }
  }

  private finish(done: number[]): void {
    done.push(this.status);
    this.phase = 'head';
    this.left = 0;
  }
}

/**
 * Finds `marker` followed by a decimal number and a line end in text that arrives in pieces; a piece may end
 * in the middle of a marker or number, which is kept for the next call. Returns the numbers found.
 */
export class StampScanner {
  private carry = '';

  constructor(private readonly marker: string = STAMP_MARKER) {}

  feed(chunk: string): number[] {
    const text = this.carry + chunk;
    const found: number[] = [];
    let from = 0;
    for (;;) {
      const at = text.indexOf(this.marker, from);
      if (at < 0) break;
      const start = at + this.marker.length;
      const eol = text.indexOf('\n', start);
      if (eol < 0) {
        from = at;
        this.carry = text.slice(at);
        return found;
      }
      const value = Number(text.slice(start, eol));
      if (!Number.isNaN(value)) found.push(value);
      from = eol + 1;
    }
    // Keep a tail that might be the start of a marker split across pieces.
    this.carry = text.slice(Math.max(from, text.length - (this.marker.length - 1)));
    return found;
  }
}

/** Counts occurrences of a fixed marker in text that arrives in pieces (markers may be split across them). */
export class MarkerCounter {
  private carry = '';

  constructor(private readonly marker: string) {
    if (marker.length === 0) throw new RangeError('MarkerCounter: empty marker');
  }

  feed(chunk: string): number {
    const text = this.carry + chunk;
    let count = 0;
    let from = 0;
    for (;;) {
      const at = text.indexOf(this.marker, from);
      if (at < 0) break;
      count++;
      from = at + this.marker.length;
    }
    this.carry = text.slice(Math.max(from, text.length - (this.marker.length - 1)));
    return count;
  }
}
