import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import yargs from 'yargs';
import { buildConfig, defaultConfig, type ThumbtackConfig } from './config/config';
import { applyPortOffset, decodeListenAddr } from './config/config-values';
import { installGcOnSignal } from './core/gc-signal';
import { Logger, type LogLevel } from './core/logger';
import { BufferedLogSink } from './core/buffered-log-sink';
import { Thumbtack } from './supervisor';

/** The repository (or installed package) root: where the default `routes` file lives. */
export const PACKAGE_ROOT = resolve(__dirname, '..', '..');

/** Milliseconds after SIGTERM/SIGINT by which the process exits, drained or not. */
export const SHUTDOWN_BOUND_MS = 5000;

interface CliArgs {
  config?: string;
  port?: string;
  route?: string[];
  verbose: boolean;
  loglevel?: number;
  id?: number;
}

function parseArgs(argv: string[]): CliArgs {
  const version = (JSON.parse(readFileSync(resolve(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  return yargs(argv)
    .scriptName('thumbtack')
    .usage('$0 [options]\n\nA GRIP proxy: a drop-in replacement for Pushpin.')
    .option('config', { type: 'string', describe: 'config file (pushpin.conf format)' })
    .option('port', { type: 'string', describe: 'listen on this single [addr:]port instead of http_port' })
    .option('route', { type: 'string', array: true, describe: 'a routes-file line; repeatable; replaces the routes file' })
    .option('verbose', { type: 'boolean', default: false, describe: 'debug logging (same as --loglevel=3)' })
    .option('loglevel', { type: 'number', describe: '0 error, 1 warning, 2 info (default), 3 debug' })
    .option('id', { type: 'number', describe: 'instance id: adds id×10 to the publish and ZeroMQ ports' })
    .version(version)
    .alias('v', 'version')
    .help()
    .alias('h', 'help')
    .strict()
    .parseSync() as unknown as CliArgs;
}

/** Loads the config file, printing warnings; returns undefined (after printing errors) when it is invalid. */
function loadConfig(file: string | undefined, log: (line: string) => void): ThumbtackConfig | undefined {
  if (file === undefined) return defaultConfig(PACKAGE_ROOT);
  const path = resolve(file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    log(`${path}: cannot read config file: ${(err as Error).message}`);
    return undefined;
  }
  const built = buildConfig(text, path);
  for (const w of built.warnings) log(`warning: ${w.file}:${w.line}: ${w.message}`);
  for (const e of built.errors) log(`error: ${e.file}:${e.line}: ${e.message}`);
  return built.errors.length > 0 ? undefined : built.config;
}

/**
 * `--id N`, as Pushpin's: another instance side by side, its publish port and every tcp:// ZeroMQ spec
 * shifted by N×10 and its IPC names prefixed `p<N>-`.
 */
export function withInstanceId(config: ThumbtackConfig, id: number): ThumbtackConfig {
  const offset = id * 10;
  const ipc = (spec: string): string => spec.split(config.ipcPrefix).join(`p${id}-`);
  return {
    ...config,
    ipcPrefix: `p${id}-`,
    pushInHttpPort: config.pushInHttpPort + offset,
    pushInSpec: ipc(applyPortOffset(config.pushInSpec, offset)),
    pushInSubSpecs: config.pushInSubSpecs.map((s) => ipc(applyPortOffset(s, offset))),
    commandSpec: ipc(applyPortOffset(config.commandSpec, offset)),
    statsSpec: ipc(applyPortOffset(config.statsSpec, offset)),
  };
}

/** The `thumbtack` command. Resolves with the running instance, or exits the process on bad input. */
export async function main(argv: string[]): Promise<Thumbtack | undefined> {
  const args = parseArgs(argv);
  const config = loadConfig(args.config, (line) => process.stderr.write(line + '\n'));
  if (!config) {
    process.exitCode = 1;
    return undefined;
  }
  let listenOverride: { host?: string; port: number } | undefined;
  if (args.port !== undefined) {
    const addr = decodeListenAddr(args.port);
    if (!addr.ok) {
      process.stderr.write(`error: --port: ${addr.message}\n`);
      process.exitCode = 1;
      return undefined;
    }
    listenOverride = addr.value;
  }
  const level = Math.max(0, Math.min(3, args.verbose ? 3 : (args.loglevel ?? config.logLevel))) as LogLevel;
  const logger = new Logger(level, new BufferedLogSink(process.stderr), {}, process.stderr.isTTY ? 'text' : 'json');
  const instance = args.id !== undefined ? withInstanceId(config, args.id) : config;
  const thumbtack = new Thumbtack({
    config: instance,
    logger,
    routeLines: args.route,
    listenOverride,
    logLevel: level,
    logFormat: process.stderr.isTTY ? 'text' : 'json',
    steerYoungGeneration: true,
  });
  try {
    await thumbtack.start();
  } catch (err) {
    logger.error('cannot start', { error: (err as Error).message });
    await thumbtack.close();
    process.exitCode = 1;
    return undefined;
  }
  const stop = (signal: string): void => {
    logger.info('stopping', { signal });
    // The drain is bounded inside close(); this is the backstop should anything hang.
    setTimeout(() => {
      logger.error('shutdown took too long; exiting', { boundMs: SHUTDOWN_BOUND_MS });
      process.exit(1);
    }, SHUTDOWN_BOUND_MS).unref();
    thumbtack.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  installGcOnSignal();
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  return thumbtack;
}
