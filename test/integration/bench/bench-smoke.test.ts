import { execFile } from 'node:child_process';
import { ROOT } from '../../helpers/processes';

/**
 * The smoke version of `tools/bench` that CI runs: every scenario, tiny sizes, one run, against Thumbtack.
 * It asserts that each scenario runs and reports, never a timing target (those live in docs/PERFORMANCE.md).
 */
function bench(args: string[]): Promise<Array<Record<string, unknown>>> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['dist/tools/bench/main.js', ...args, '--target', 'thumbtack', '--runs', '1', '--json'], { cwd: ROOT, timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) {
        reject(new Error(`bench ${args.join(' ')} failed: ${err.message}\n${stderr}`));
        return;
      }
      const lines = stdout.split('\n').filter((l) => l.startsWith('{'));
      resolve(lines.map((l) => JSON.parse(l) as Record<string, unknown>));
    });
  });
}

type Summary = Record<string, { median: number }>;

describe('tools/bench smoke run', () => {
  jest.setTimeout(120_000);

  it('connections: holds every idle SSE connection it opens', async () => {
    const [report] = await bench(['connections', '--n', '200', '--channels', '10']);
    const summary = report?.summary as Summary;
    expect(summary.established?.median).toBe(200);
    expect(summary.failed?.median).toBe(0);
  });

  it('fanout, publish, proxy and keepalive report their figures', async () => {
    const fanout = (await bench(['fanout', '--n', '200', '--channels', '10', '--rounds', '2']))[0];
    const publish = (await bench(['publish', '--duration', '1', '--concurrency', '4']))[0];
    const proxy = (await bench(['proxy', '--duration', '1', '--concurrency', '4']))[0];
    const keepalive = (await bench(['keepalive', '--n', '50', '--duration', '2']))[0];
    for (const report of [fanout, publish, proxy, keepalive]) {
      expect(report?.target).toBe('thumbtack');
      expect(Object.keys((report?.summary as Summary) ?? {}).length).toBeGreaterThan(0);
      expect(report?.errors).toEqual([]);
    }
  });
});
