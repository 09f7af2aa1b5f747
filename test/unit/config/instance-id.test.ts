import { defaultConfig } from '../../../src/config/config';
import { withInstanceId } from '../../../src/main';

describe('--id', () => {
  it('shifts the publish port and every tcp ZeroMQ spec by id×10, and prefixes IPC names', () => {
    const base = defaultConfig('/srv/tt');
    const c = withInstanceId(base, 2);
    expect(c.pushInHttpPort).toBe(5581);
    expect(c.pushInSpec).toBe('tcp://127.0.0.1:5580');
    expect(c.pushInSubSpecs).toEqual(['tcp://127.0.0.1:5582']);
    expect(c.commandSpec).toBe('tcp://127.0.0.1:5583');
    expect(c.statsSpec).toBe('ipc:///srv/tt/run/p2-stats');
    expect(c.httpPorts).toEqual(base.httpPorts);
  });
});
