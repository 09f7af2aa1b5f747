import { Readable } from 'node:stream';
import { joinChunks } from '../core/join-chunks';

/**
 * Body bytes a `DispatchedResponse` keeps aside, before anyone reads it, so that a small body can be
 * taken whole (`takeWholeBody`). Past this, the chunks go into the stream and its back pressure applies.
 */
const EARLY_BODY_LIMIT = 64 * 1024;

/**
 * A backend response as the proxy reads it: status, raw header list and the body as a stream. Node's
 * `http.IncomingMessage` is one (the fallback client); `DispatchedResponse` is the other (undici).
 */
export interface BackendResponse extends Readable {
  readonly statusCode?: number;
  readonly statusMessage?: string;
  /** Header names and values, alternating, as they came (latin1, like Node's). */
  readonly rawHeaders: string[];
  /** True once the whole body has arrived. */
  readonly complete: boolean;
  /**
   * The whole body, if it has all arrived, is at most `maxBytes` long and nothing has read the stream yet
   * (a small body comes in the same read as its head), taken without the stream machinery: nothing may
   * read the stream afterwards. Else undefined, and the stream is read as usual.
   */
  takeWholeBody?(maxBytes: number): Buffer | undefined;
}

/**
 * The body of an undici-dispatched response as a Readable. undici hands its chunks to `receive` and says
 * `finish` at the end. Until someone reads, up to EARLY_BODY_LIMIT bytes wait aside, so that a body
 * complete with its head can be taken whole (`takeWholeBody`: no stream events, ~10 % of a proxied
 * request's CPU); after that undici pauses its parser when `push` says the buffer is full, and `_read`
 * resumes it. Destroying the stream before the end aborts the request (undici then drops the connection,
 * as Node's client does).
 */
export class DispatchedResponse extends Readable implements BackendResponse {
  complete = false;
  /** Chunks kept aside until the first read (undefined once handed to the stream or taken). */
  private early: Buffer[] | undefined = [];
  private earlyBytes = 0;
  /** Resumes undici's parser after `onData` returned false. */
  resumeParser: (() => void) | undefined = undefined;
  /** Aborts the request (set by undici's `onConnect`). */
  abortRequest: ((err?: Error) => void) | undefined = undefined;

  constructor(
    readonly statusCode: number,
    readonly statusMessage: string,
    readonly rawHeaders: string[],
  ) {
    super();
  }

  /** A body chunk from undici; false asks it to pause its parser until `_read`. */
  receive(chunk: Buffer): boolean {
    if (this.early !== undefined) {
      this.early.push(chunk);
      this.earlyBytes += chunk.length;
      if (this.earlyBytes <= EARLY_BODY_LIMIT) return true;
      return this.releaseEarly();
    }
    return this.push(chunk);
  }

  /** The body ended. */
  finish(): void {
    this.complete = true;
    if (this.early === undefined) this.push(null);
  }

  takeWholeBody(maxBytes: number): Buffer | undefined {
    if (!this.complete || this.early === undefined || this.earlyBytes > maxBytes) return undefined;
    const body = joinChunks(this.early);
    this.early = undefined;
    return body;
  }

  override _read(): void {
    if (this.early !== undefined) this.releaseEarly();
    else this.resumeParser?.();
  }

  /** Hands the chunks kept aside to the stream (and its end, if it came); returns what the last push said. */
  private releaseEarly(): boolean {
    const chunks = this.early ?? [];
    this.early = undefined;
    let more = true;
    for (const chunk of chunks) more = this.push(chunk);
    if (this.complete) this.push(null);
    return more;
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    if (!this.complete) this.abortRequest?.(err ?? new Error('response destroyed before its end'));
    callback(err);
  }
}

/** Header names and values from undici's raw header buffers, decoded as Node's parser does (latin1). */
export function rawHeaderStrings(raw: readonly Buffer[]): string[] {
  const out = new Array<string>(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = (raw[i] as Buffer).toString('latin1');
  return out;
}
