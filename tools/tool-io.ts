/**
 * What the command-line tools need from their process, injected so that tests run them in-process.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface ToolIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Reads standard input to its end; absent when it is a terminal (nothing to read). */
  stdin?: () => Promise<Buffer>;
  env: Record<string, string | undefined>;
  /** Stops a long-running tool (tests); the real process stops on SIGINT/SIGTERM. */
  signal?: AbortSignal;
}

function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer | string) => chunks.push(typeof c === 'string' ? Buffer.from(c) : c));
    stream.once('end', () => resolve(Buffer.concat(chunks)));
    stream.once('error', reject);
  });
}

/** The real process's streams and environment. */
export function processIo(): ToolIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    stdin: process.stdin.isTTY ? undefined : () => readAll(process.stdin),
    env: process.env,
  };
}

/** The folder of the package.json above this file (works from `tools/` and from `dist/tools/`). */
export function packageRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 4; i++) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    dir = dirname(dir);
  }
  return process.cwd();
}

/** The package version (for `--version`). */
export function readPackageVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}
