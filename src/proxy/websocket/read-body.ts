import { joinChunks } from '../../core/join-chunks';
import type { BackendResponse } from '../backend-response';

/**
 * Reads a response body: the bytes when it ends within `limit` bytes; with `truncate`, the first `limit`
 * bytes of a longer body (the rest is discarded), else `'too-large'`; `'failed'` when the stream breaks.
 */
export function readBody(stream: BackendResponse, limit: number, truncate = false): Promise<Buffer | 'too-large' | 'failed'> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (value: Buffer | 'too-large' | 'failed'): void => {
      if (done) return;
      done = true;
      resolve(value);
    };
    stream.on('data', (chunk: Buffer) => {
      if (done) return;
      if (size + chunk.length > limit) {
        if (truncate) chunks.push(chunk.subarray(0, limit - size));
        stream.destroy();
        finish(truncate ? joinChunks(chunks) : 'too-large');
        return;
      }
      size += chunk.length;
      chunks.push(chunk);
    });
    stream.once('end', () => finish(joinChunks(chunks)));
    stream.once('error', () => finish('failed'));
    stream.once('aborted', () => finish('failed'));
    stream.once('close', () => finish(stream.complete ? joinChunks(chunks) : 'failed'));
  });
}
