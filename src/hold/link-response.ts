/**
 * Reading one next-link response (spec grip-headers.md §7.1): it must be 2xx; its headers are decoded as
 * the next instruction at once (so a bad one fails before any body byte, and its `build-id` filter applies
 * to the body); the body streams to the client as it arrives, paused while the client's buffer is full; at
 * its end the instruction is handed back. A stream hold with `prev-id` but no link is reported after the
 * body, as Pushpin does; a response hold is an error.
 */
import type { BackendResponse } from '../proxy/backend-response';
import { decodeInstruction, PrevIdWithoutLinkError } from '../grip/instruction';
import type { Instruction } from '../grip/types';
import type { ClientStream } from './client-stream';
import { ResponseFilterStream, responseFilters } from './filters';

export interface LinkSink {
  /** Where the body goes to the client (its `drain` resumes a paused link body). */
  readonly clientOut: ClientStream;
  /** Link body bytes (after filters) for the client. */
  body(data: Buffer): void;
  /** The body ended: apply `instruction` (or end with `deferredError`). */
  done(instruction: Instruction, deferredError?: string): void;
  /** The fetch failed (connection, status, body cut) after `sentBytes` body bytes reached the client. */
  failed(detail: string, sentBytes: number): void;
  /** The response is unusable (bad instruction, filter error): the stream ends with this message. */
  error(message: string): void;
}

function headerPairs(raw: readonly string[]): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (let i = 0; i + 1 < raw.length; i += 2) pairs.push([raw[i] as string, raw[i + 1] as string]);
  return pairs;
}

/**
 * Consumes `response` (the answer to GET `uri`) into `sink`; returns a function that aborts the reading.
 * Exactly one of `done`, `failed` or `error` is called unless aborted.
 */
export function readLinkResponse(response: BackendResponse, uri: string, sink: LinkSink): () => void {
  let finished = false;
  let sent = 0;
  const finish = (): boolean => {
    if (finished) return false;
    finished = true;
    return true;
  };
  const abort = (): void => {
    finished = true;
    response.destroy();
  };
  const code = response.statusCode ?? 0;
  if (code < 200 || code >= 300) {
    finish();
    response.resume();
    sink.failed(`next link answered ${code}`, 0);
    return abort;
  }
  const decoded = decodeInstruction(
    { code, reason: response.statusMessage ?? '', headers: headerPairs(response.rawHeaders), body: Buffer.alloc(0) },
    uri,
  );
  let instruction: Instruction;
  let deferredError: string | undefined;
  if (decoded.ok) instruction = decoded.value;
  else if (decoded.error instanceof PrevIdWithoutLinkError) {
    instruction = decoded.error.instruction;
    deferredError = decoded.error.message;
  } else {
    finish();
    response.destroy();
    sink.error(decoded.error.message);
    return abort;
  }
  if (instruction.hold === 'response') {
    finish();
    response.destroy();
    sink.error('Next link returned non-stream hold.');
    return abort;
  }
  const filters = new ResponseFilterStream(responseFilters(instruction.channels), instruction.meta);
  const resume = (): void => {
    if (!finished) response.resume();
  };
  response.on('data', (chunk: Buffer) => {
    if (finished) return;
    const r = filters.update(chunk);
    if (!r.ok) {
      finish();
      response.destroy();
      sink.error(`filter error: ${r.error}`);
      return;
    }
    if (r.out.length === 0) return;
    sent += r.out.length;
    sink.body(r.out);
    if (sink.clientOut.writableNeedDrain) {
      response.pause();
      sink.clientOut.once('drain', resume);
    }
  });
  response.once('end', () => {
    if (!finish()) return;
    const r = filters.finalize();
    if (!r.ok) {
      sink.error(`filter error: ${r.error}`);
      return;
    }
    if (r.out.length > 0) sink.body(r.out);
    sink.done(instruction, deferredError);
  });
  const broken = (): void => {
    if (finish()) sink.failed('next link response cut short', sent);
  };
  response.once('error', broken);
  response.once('aborted', broken);
  response.once('close', () => {
    if (!response.complete) broken();
  });
  return abort;
}
