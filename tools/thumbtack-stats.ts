/**
 * `thumbtack-stats`: subscribes to a stats socket (Thumbtack's or Pushpin's) and prints each message on one
 * line: readable by default, `--json` for machines, `--report` for report totals only.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import yargs from 'yargs';
import * as zmq from 'zeromq';
import { buildConfig, defaultConfig } from '../src/config/config';
import { decodeStatsMessage } from '../src/stats/stats-message';
import { formatJson, formatReadable, ReportTally } from '../src/stats/stats-print';
import { packageRoot, readPackageVersion, type ToolIo } from './tool-io';

interface StatsCliArgs {
  spec?: string;
  config?: string;
  json: boolean;
  report: boolean;
  type?: string[];
  count?: number;
}

function parser(): yargs.Argv {
  return yargs()
    .scriptName('thumbtack-stats')
    .usage(
      '$0 [options] [spec]\n\nPrint the messages of a Thumbtack (or Pushpin) stats socket, one per line.\n' +
        'The spec defaults to stats_spec of --config, else of the built-in defaults.',
    )
    .command('$0 [spec]', false)
    .parserConfiguration({ 'greedy-arrays': false })
    .positional('spec', { type: 'string', describe: 'ZeroMQ spec of the stats PUB socket (e.g. ipc:///var/run/pushpin/pushpin-stats)' })
    .option('config', { type: 'string', describe: 'config file (pushpin.conf format) to read stats_spec from' })
    .option('json', { type: 'boolean', default: false, describe: 'print {"type":...,"fields":{...}} JSON lines' })
    .option('report', { type: 'boolean', default: false, describe: 'print only report totals (with running sums)' })
    .option('type', { type: 'string', array: true, describe: 'only these message types (conn, sub, message, activity, counts, report)' })
    .option('count', { type: 'number', describe: 'exit after printing this many messages' })
    .version(readPackageVersion())
    .alias('V', 'version')
    .help()
    .alias('h', 'help')
    .strict()
    .wrap(null);
}

function parse(argv: string[]): Promise<{ args?: StatsCliArgs; output: string; error?: string }> {
  return new Promise((done) => {
    parser().parse(argv, {}, (err: Error | undefined, args: unknown, output: string) => {
      if (err) done({ output, error: err.message });
      else done({ args: args as StatsCliArgs, output });
    });
  });
}

/** The stats spec to read: the argument, else the config file's `stats_spec`, else the default one. */
function statsSpec(args: StatsCliArgs): { spec?: string; error?: string } {
  if (args.spec !== undefined) return { spec: args.spec };
  if (args.config === undefined) return { spec: defaultConfig(packageRoot()).statsSpec };
  const path = resolve(args.config);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return { error: `${path}: cannot read config file: ${(err as Error).message}` };
  }
  const built = buildConfig(text, path);
  const first = built.errors[0];
  if (first) return { error: `${first.file}:${first.line}: ${first.message}` };
  if (built.config.statsSpec === '') return { error: `${path}: stats_spec is empty: stats are disabled` };
  return { spec: built.config.statsSpec };
}

/** Runs `thumbtack-stats` until `--count` messages were printed, or `io.signal` aborts; resolves with the exit code. */
export async function run(argv: string[], io: ToolIo): Promise<number> {
  const parsed = await parse(argv);
  if (parsed.error !== undefined) {
    io.stderr(`${parsed.output ? parsed.output + '\n\n' : ''}error: ${parsed.error}\n`);
    return 1;
  }
  if (!parsed.args || parsed.output !== '') {
    io.stdout(parsed.output + '\n');
    return 0;
  }
  const args = parsed.args;
  const { spec, error } = statsSpec(args);
  if (spec === undefined) {
    io.stderr(`Error: ${error ?? 'no stats spec'}\n`);
    return 1;
  }
  const socket = new zmq.Subscriber({ linger: 0 });
  try {
    socket.connect(spec);
  } catch (err) {
    socket.close();
    io.stderr(`Error: ${spec}: ${(err as Error).message}\n`);
    return 1;
  }
  const types = args.report ? ['report'] : args.type;
  if (types && types.length > 0) for (const t of types) socket.subscribe(`${t} `);
  else socket.subscribe();
  const stop = (): void => socket.close();
  io.signal?.addEventListener('abort', stop);
  if (io.signal?.aborted) stop();
  const tally = new ReportTally();
  let printed = 0;
  try {
    while (!socket.closed && (args.count === undefined || printed < args.count)) {
      let frames: Buffer[];
      try {
        frames = await socket.receive();
      } catch (err) {
        if (socket.closed) break;
        throw err;
      }
      const msg = decodeStatsMessage(frames[0] ?? Buffer.alloc(0));
      if (!msg.ok) {
        io.stderr(`warning: skipping a bad stats frame: ${msg.error.message}\n`);
        continue;
      }
      if (args.report) io.stdout(tally.add(msg.value.fields) + '\n');
      else io.stdout((args.json ? formatJson(msg.value) : formatReadable(msg.value)) + '\n');
      printed++;
    }
  } finally {
    io.signal?.removeEventListener('abort', stop);
    if (!socket.closed) socket.close();
  }
  return 0;
}
