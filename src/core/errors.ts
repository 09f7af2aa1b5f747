/**
 * Every error Thumbtack raises or returns carries a stable string `code` (listed in docs/errors.md) and a
 * precise human message. Pure decoders return `Result`s; only the I/O shell throws.
 */
export class ThumbtackError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ThumbtackError';
  }
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: ThumbtackError };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail<T = never>(code: string, message: string): Result<T> {
  return { ok: false, error: new ThumbtackError(code, message) };
}
