/**
 * Reading the body of a GRIP backend response (spec grip-headers.md §1 "Size rules"): buffered up to the
 * 100,000-byte limit; beyond it only a header-instructed stream (or an unheld response with a next link)
 * whose channels use no `build-id` filter may go on, relayed to the client as it arrives.
 */
import type { BackendResponse } from './backend-response';
import type { Instruction } from '../grip/types';
import { responseFilters } from '../hold/filters';
import { joinChunks } from '../core/join-chunks';

/** A GRIP body read up to a limit. */
export type GripBody =
  /** The whole body, within the limit. */
  | { kind: 'complete'; body: Buffer }
  /** Over the limit: the bytes read so far (at least `limit + 1`); the stream is paused, the rest unread. */
  | { kind: 'over'; head: Buffer }
  /** The backend connection broke before the body ended. */
  | { kind: 'failed' };

/**
 * Reads a backend body up to `limit` bytes (see `GripBody`). A body that came whole with its head is
 * taken in one piece, without stream events (`takeWholeBody`).
 */
export function readGripBody(stream: BackendResponse, limit: number): Promise<GripBody> {
  const whole = stream.takeWholeBody?.(limit);
  if (whole !== undefined) return Promise.resolve({ kind: 'complete', body: whole });
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (result: GripBody): void => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onFailed);
      stream.off('aborted', onFailed);
      resolve(result);
    };
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      size += chunk.length;
      if (size > limit) {
        stream.pause();
        done({ kind: 'over', head: joinChunks(chunks) });
      }
    };
    const onEnd = (): void => done({ kind: 'complete', body: joinChunks(chunks) });
    const onFailed = (): void => done({ kind: 'failed' });
    stream.on('data', onData);
    stream.once('end', onEnd);
    stream.once('error', onFailed);
    stream.once('aborted', onFailed);
  });
}

/**
 * Whether an instruction whose body went over the limit may be relayed as a stream: a stream hold, or no
 * hold but a next link, and no channel with the `build-id` filter (which needs the whole body).
 */
export function streamsOverLimit(instruction: Pick<Instruction, 'hold' | 'nextLink' | 'channels'>): boolean {
  const streaming = instruction.hold === 'stream' || (instruction.hold === undefined && instruction.nextLink !== undefined);
  return streaming && responseFilters(instruction.channels).length === 0;
}
