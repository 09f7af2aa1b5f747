import type { ServerResponse } from 'node:http';
import type { Logger } from '../core/logger';

/**
 * One log line per client request, like Pushpin's proxy log: `GET http://host/path -> 127.0.0.1:8000
 * code=200` when the response is done, `... accept` as soon as a request is held. With the route, status,
 * whether it was held and how long it took (to the response, or to the hold). The record rides on the response; one shared listener.
 */
const ACCESS = Symbol('thumbtack.access');

export interface AccessRecord {
  logger: Logger;
  startMs: number;
  method: string;
  uri: string;
  route: string;
  target: string;
  held?: 'response' | 'stream';
}

type LoggedResponse = ServerResponse & { [ACCESS]?: AccessRecord };

function writeLine(r: AccessRecord, status: number, completed: boolean): void {
  const outcome = r.held ? 'accept' : `code=${status}`;
  r.logger.info(`${r.method} ${r.uri} -> ${r.target} ${outcome}`, {
    route: r.route,
    status,
    held: r.held ?? false,
    durationMs: Math.round(performance.now() - r.startMs),
    completed,
  });
}

function onFinished(this: LoggedResponse): void {
  const r = this[ACCESS];
  if (!r) return;
  this[ACCESS] = undefined;
  writeLine(r, this.statusCode, this.writableFinished);
}

/** The access record of a request, started now (undefined when info logging is off). */
export function startAccess(logger: Logger, fields: Omit<AccessRecord, 'logger' | 'startMs' | 'held'>): AccessRecord | undefined {
  if (!logger.enabled(2)) return undefined;
  return { logger, startMs: performance.now(), ...fields };
}

/** Puts a started record on the response: its line is written when the response closes. */
export function attachAccess(res: ServerResponse, record: AccessRecord): void {
  (res as LoggedResponse)[ACCESS] = record;
  res.on('close', onFinished); // shared and idempotent: no `once` wrapper per response
}

/** Starts the access record of a request (nothing when info logging is off). */
export function beginAccess(res: ServerResponse, logger: Logger, fields: Omit<AccessRecord, 'logger' | 'startMs' | 'held'>): void {
  const record = startAccess(logger, fields);
  if (record !== undefined) attachAccess(res, record);
}

/**
 * The request is held: its line is written now and says `accept`, when and as Pushpin's proxy writes it
 * (not when the held connection ends). The record is dropped, so a held connection does not carry it.
 */
export function markHeld(res: ServerResponse, kind: 'response' | 'stream'): void {
  const r = (res as LoggedResponse)[ACCESS];
  if (!r) return;
  r.held = kind;
  onFinished.call(res as LoggedResponse);
  res.removeListener('close', onFinished);
}

/** A stream held without a response object (its head written to the socket): its `accept` line now. */
export function logHeldStream(record: AccessRecord | undefined, status: number): void {
  if (record === undefined) return;
  record.held = 'stream';
  writeLine(record, status, false);
}
