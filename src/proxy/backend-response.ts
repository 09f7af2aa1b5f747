import { Readable } from 'node:stream';

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
}

/**
 * The body of an undici-dispatched response as a Readable. undici pauses its parser when `push` says the
 * buffer is full; `_read` resumes it. Destroying the stream before the end aborts the request (undici then
 * drops the connection, as Node's client does).
 */
export class DispatchedResponse extends Readable implements BackendResponse {
  complete = false;
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

  override _read(): void {
    this.resumeParser?.();
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
