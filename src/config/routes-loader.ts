import { readFileSync } from 'node:fs';
import { RouteTable } from './route-table';
import { formatRouteProblem, parseRoutes } from './routes';

/** The outcome of reading a routes file (or `--route` lines): a table plus every problem line. */
export interface LoadedRoutes {
  table: RouteTable;
  problems: string[];
}

/** Reads and parses a routes file; a file that cannot be read is reported as one problem and an empty table. */
export function loadRoutesFile(file: string): LoadedRoutes {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    return { table: new RouteTable([]), problems: [`${file}: cannot read routes file: ${(err as Error).message}`] };
  }
  const parsed = parseRoutes(text, file);
  return { table: new RouteTable(parsed.routes), problems: parsed.problems.map(formatRouteProblem) };
}

/** Parses `--route` command-line lines (they replace the routes file, as in Pushpin). */
export function loadRouteLines(lines: readonly string[]): LoadedRoutes {
  const parsed = parseRoutes(lines.join('\n'), '--route');
  return { table: new RouteTable(parsed.routes), problems: parsed.problems.map(formatRouteProblem) };
}
