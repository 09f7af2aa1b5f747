import { readFileSync } from 'node:fs';
import { shebangNodeFlags } from '../src/cluster/launcher-flags';

/**
 * The Node flags a launcher script's first line gives it (`[]` for an older tree's `#!/usr/bin/env node`),
 * for tools that start Thumbtack as `node FLAGS bin/thumbtack.js` to add flags of their own.
 */
export function launcherNodeFlags(script: string): string[] {
  const text = readFileSync(script, 'utf8');
  const end = text.indexOf('\n');
  return shebangNodeFlags(end < 0 ? text : text.slice(0, end));
}
