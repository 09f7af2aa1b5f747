/**
 * Decodes a chunked HTTP/1.1 body (RFC 9112 §7.1) as it arrives in pieces (pure: no I/O). Data comes out
 * as views of the input buffers, not copies. Chunk extensions and trailer fields are read and dropped.
 * Lines may end in a bare LF, as backends sometimes send them.
 */
import { fail, ok, type Result } from '../core/errors';

/** Error code of a body that is not valid chunked encoding. */
export const BAD_CHUNKED_BODY = 'BACKEND_BAD_CHUNKED_BODY';

/** A size line or trailer line longer than this is refused (a backend sending garbage, not a body). */
const MAX_LINE = 4096;
const HEX = /^[0-9A-Fa-f]{1,12}$/;

const SIZE = 0;
const DATA = 1;
const DATA_END = 2;
const TRAILER = 3;
const DONE = 4;

export interface ChunkedOutput {
  /** Body bytes found in this input, in order. */
  data: Buffer[];
  /** The last chunk and the trailer section have been read. */
  done: boolean;
  /** Bytes after the end of the body (only when done; empty when none). */
  rest: Buffer;
}

export class ChunkedDecoder {
  private state = SIZE;
  /** Bytes of the current chunk still to come. */
  private remaining = 0;
  /** The part of a line seen so far (a size line, the CRLF after data, a trailer line). */
  private line = '';

  get done(): boolean {
    return this.state === DONE;
  }

  /** Feeds the next piece of the body. */
  push(buf: Buffer): Result<ChunkedOutput> {
    const data: Buffer[] = [];
    let at = 0;
    while (at < buf.length && this.state !== DONE) {
      if (this.state === DATA) {
        const take = Math.min(this.remaining, buf.length - at);
        data.push(buf.subarray(at, at + take));
        at += take;
        this.remaining -= take;
        if (this.remaining === 0) this.state = DATA_END;
        continue;
      }
      const lf = buf.indexOf(10, at);
      const end = lf < 0 ? buf.length : lf;
      this.line += buf.toString('latin1', at, end);
      if (this.line.length > MAX_LINE) return fail(BAD_CHUNKED_BODY, `a chunked-body line over ${MAX_LINE} bytes`);
      if (lf < 0) break;
      at = lf + 1;
      const line = this.line.endsWith('\r') ? this.line.slice(0, -1) : this.line;
      this.line = '';
      const step = this.endLine(line);
      if (!step.ok) return step;
    }
    const done = this.state === DONE;
    return ok({ data, done, rest: done ? buf.subarray(at) : Buffer.alloc(0) });
  }

  private endLine(line: string): Result<true> {
    if (this.state === SIZE) {
      const semicolon = line.indexOf(';');
      const size = (semicolon >= 0 ? line.slice(0, semicolon) : line).replace(/[ \t]+$/, '');
      if (!HEX.test(size)) return fail(BAD_CHUNKED_BODY, `chunk size ${JSON.stringify(size.slice(0, 20))} is not hexadecimal`);
      this.remaining = parseInt(size, 16);
      this.state = this.remaining === 0 ? TRAILER : DATA;
    } else if (this.state === DATA_END) {
      if (line !== '') return fail(BAD_CHUNKED_BODY, 'chunk data is not followed by CRLF');
      this.state = SIZE;
    } else if (this.state === TRAILER && line === '') this.state = DONE;
    return ok(true);
  }
}
