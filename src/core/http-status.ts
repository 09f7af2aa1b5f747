import { STATUS_CODES } from 'node:http';

/** The standard reason phrase for a status code, as Pushpin fills it in when only a code is given. */
export function reasonPhrase(code: number): string {
  return STATUS_CODES[code] ?? 'Unknown';
}
