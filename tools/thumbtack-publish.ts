/**
 * `thumbtack-publish`: publishes one message, with the arguments and behaviour of `pushpin-publish` 1.36
 * (publishing.md §9). A thin front over `src/publish/publisher.ts`. Exit code 0 after `Published`, 1 after
 * `Error: ...` or a usage error.
 */
import yargs from 'yargs';
import { buildPublishItem, parseCode } from '../src/publish/publisher-item';
import { DEFAULT_PUBLISH_SPEC, publishItem, resolveContent } from '../src/publish/publisher';
import { readPackageVersion, type ToolIo } from './tool-io';

const USAGE = 'thumbtack-publish [options] <channel> [--] [content]';

interface PublishCliArgs {
  channel?: string;
  content?: string;
  /** Arguments after `--` (positionals even when they start with `-`). */
  '--'?: string[];
  code: string;
  header?: string[];
  meta?: string[];
  id?: string;
  'prev-id'?: string;
  sender?: string;
  spec: string;
  user?: string;
  hint: boolean;
  close: boolean;
  patch: boolean;
  'no-seq': boolean;
  'no-eol': boolean;
  timeout: number;
}

function parser(env: ToolIo['env']): yargs.Argv {
  return yargs()
    .scriptName('thumbtack-publish')
    .usage(`${USAGE}\n\nPublish a message to Thumbtack (or Pushpin).`)
    .command('$0 [channel] [content]', false)
    .positional('channel', { type: 'string', describe: 'Channel to send to' })
    .positional('content', {
      type: 'string',
      describe: 'Content for the HTTP body and WebSocket message; @file reads a file; omitted: standard input',
    })
    .parserConfiguration({
      'boolean-negation': false,
      'parse-numbers': false,
      'parse-positional-numbers': false,
      'populate--': true,
    })
    .option('close', { type: 'boolean', default: false, describe: 'Close streaming and WebSocket connections' })
    .option('hint', { type: 'boolean', default: false, describe: 'Send hint instead of content' })
    .option('no-eol', { type: 'boolean', default: false, describe: "Don't add newline to HTTP payloads" })
    .option('no-seq', { type: 'boolean', default: false, describe: 'Bypass sequencing buffer' })
    .option('patch', { type: 'boolean', default: false, describe: 'Content is JSON patch' })
    .option('code', { type: 'string', default: '200', describe: 'HTTP response code to use' })
    .option('header', { alias: 'H', type: 'string', array: true, describe: 'Add HTTP response header ("K: V")' })
    .option('id', { type: 'string', describe: 'Payload ID' })
    .option('meta', { alias: 'M', type: 'string', array: true, describe: 'Add meta variable ("K=V")' })
    .option('prev-id', { type: 'string', describe: 'Previous payload ID' })
    .option('sender', { type: 'string', describe: 'Sender meta value' })
    .option('spec', {
      type: 'string',
      default: env.GRIP_URL ?? DEFAULT_PUBLISH_SPEC,
      describe: 'GRIP URL or ZeroMQ PUSH spec ($GRIP_URL, else http://localhost:5561)',
    })
    .option('user', { alias: 'u', type: 'string', describe: 'Authenticate using basic auth (user:pass, https only)' })
    .option('timeout', { type: 'number', default: 10, describe: 'Seconds to wait for the server or a ZeroMQ peer' })
    .version(readPackageVersion())
    .alias('V', 'version')
    .help()
    .alias('h', 'help')
    .strict()
    .wrap(null);
}

/** Parses `argv` with yargs without letting it exit: help and version text come back as `output`. */
function parse(argv: string[], env: ToolIo['env']): Promise<{ args?: PublishCliArgs; output: string; error?: string }> {
  return new Promise((resolve) => {
    parser(env).parse(argv, {}, (err: Error | undefined, args: unknown, output: string) => {
      if (err) resolve({ output, error: err.message });
      else resolve({ args: args as PublishCliArgs, output });
    });
  });
}

function usageError(io: ToolIo, message: string): number {
  io.stderr(`error: ${message}\n\nUSAGE:\n    ${USAGE}\n\nFor more information try --help\n`);
  return 1;
}

/** Runs `thumbtack-publish`; resolves with the exit code. */
export async function run(argv: string[], io: ToolIo): Promise<number> {
  const parsed = await parse(argv, io.env);
  if (parsed.error !== undefined) return usageError(io, parsed.error);
  if (!parsed.args || parsed.output !== '') {
    io.stdout(parsed.output + '\n');
    return 0;
  }
  const a = parsed.args;
  // `--` ends the options (content may then start with '-'): what follows fills the positionals in order.
  const positionals = [a.channel, a.content].filter((v): v is string => v !== undefined).map(String);
  positionals.push(...(a['--'] ?? []).map(String));
  if (positionals.length > 2) return usageError(io, `unexpected argument '${positionals[2] ?? ''}'`);
  const [channel, rawContent] = positionals;
  if (channel === undefined) return usageError(io, 'the following required argument was not provided: <channel>');
  const fail = (message: string): number => {
    io.stderr(`Error: ${message}\n`);
    return 1;
  };
  const code = parseCode(a.code);
  if (!code.ok) return fail(code.error.message);
  const needsContent = !a.hint && !a.close;
  const content = await resolveContent(rawContent, needsContent ? io.stdin : undefined);
  if (!content.ok) return fail(content.error.message);
  const item = buildPublishItem({
    channel,
    content: content.value,
    id: a.id,
    prevId: a['prev-id'],
    sender: a.sender,
    code: code.value,
    headers: a.header ?? [],
    meta: a.meta ?? [],
    hint: a.hint,
    close: a.close,
    patch: a.patch,
    noSeq: a['no-seq'],
    noEol: a['no-eol'],
  });
  if (!item.ok) return fail(item.error.message);
  const sent = await publishItem(item.value, { spec: a.spec, user: a.user, timeoutMs: Math.max(0.001, a.timeout) * 1000 });
  if (!sent.ok) return fail(sent.error.message);
  io.stdout('Published\n');
  return 0;
}
