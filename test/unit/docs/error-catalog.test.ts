import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** docs/errors.md and the error codes in the source must not drift apart (fastify's errors test, in spirit). */
const ROOT = resolve(__dirname, '..', '..', '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

function codesInSource(): Set<string> {
  const codes = new Set<string>();
  const patterns = [
    /\b(?:fail|\w*Error|super)\(\s*'([A-Z][A-Z0-9_]+)'/g,
    /\bconst (?![A-Z_]*_ENV\b)[A-Z_]+ = '([A-Z][A-Z0-9]*_[A-Z0-9_]+)'/g,
  ];
  for (const file of [...sourceFiles(join(ROOT, 'src')), ...sourceFiles(join(ROOT, 'tools'))]) {
    const text = readFileSync(file, 'utf8');
    for (const pattern of patterns) for (const m of text.matchAll(pattern)) codes.add(m[1] as string);
  }
  return codes;
}

function codesInDocs(): Set<string> {
  const text = readFileSync(join(ROOT, 'docs', 'errors.md'), 'utf8');
  return new Set([...text.matchAll(/^\| `([A-Z][A-Z0-9_]+)` \|/gm)].map((m) => m[1] as string));
}

describe('docs/errors.md', () => {
  it('lists every error code the source raises', () => {
    const documented = codesInDocs();
    const missing = [...codesInSource()].filter((c) => !documented.has(c));
    expect(missing).toEqual([]);
  });

  it('lists no code the source does not have', () => {
    const source = codesInSource();
    const stale = [...codesInDocs()].filter((c) => !source.has(c));
    expect(stale).toEqual([]);
  });
});
