import { LAUNCHER_NODE_FLAGS } from '../../../src/cluster/launcher-flags';
import { WORKER_SEMI_SPACE_MB, workerExecArgv } from '../../../src/cluster/worker-exec-argv';

describe('workerExecArgv', () => {
  it('adds the semi-space cap to the supervisor’s flags', () => {
    expect(workerExecArgv(['--expose-gc'], undefined)).toEqual(['--expose-gc', `--max-semi-space-size=${WORKER_SEMI_SPACE_MB}`]);
  });

  it('keeps a cap the user set, in the flags or in NODE_OPTIONS, in either spelling', () => {
    expect(workerExecArgv(['--max-semi-space-size=16'], undefined)).toEqual(['--max-semi-space-size=16']);
    expect(workerExecArgv(['--max_semi_space_size', '8'], undefined)).toEqual(['--max_semi_space_size', '8']);
    expect(workerExecArgv([], '--max-old-space-size=4096 --max-semi-space-size=32')).toEqual([]);
  });

  it('leaves the launcher’s flags to the supervisor and caps the workers', () => {
    const cap = `--max-semi-space-size=${WORKER_SEMI_SPACE_MB}`;
    expect(workerExecArgv([...LAUNCHER_NODE_FLAGS, '--expose-gc'], undefined)).toEqual(['--expose-gc', cap]);
    expect(workerExecArgv([...LAUNCHER_NODE_FLAGS], '--max-semi-space-size=8')).toEqual([]);
  });
});
