import { buildConfig, formatConfigProblem } from '../../../src/config/config';
import { CONFIG_KEYS } from '../../../src/config/keys';

const build = (text: string): { prefix: string; port?: string; errors: string[] } => {
  const r = buildConfig(text, '/etc/thumbtack/pushpin.conf');
  return { prefix: r.config.prometheusPrefix, port: r.config.prometheusPort, errors: r.errors.map(formatConfigProblem) };
};

describe('prometheus_port and prometheus_prefix', () => {
  it('are implemented keys in [handler] and [proxy]', () => {
    expect(CONFIG_KEYS.handler.prometheus_port).toBe('implemented');
    expect(CONFIG_KEYS.handler.prometheus_prefix).toBe('implemented');
    expect(CONFIG_KEYS.proxy.prometheus_port).toBe('implemented');
  });

  it('accepts a port, addr:port, ipc:// and a valid prefix', () => {
    expect(build('[handler]\nprometheus_port=9100\nprometheus_prefix=pushpin_')).toEqual({ prefix: 'pushpin_', port: '9100', errors: [] });
    expect(build('[handler]\nprometheus_port=127.0.0.1:9100').port).toBe('127.0.0.1:9100');
    expect(build('[handler]\nprometheus_port=ipc:///run/tt/metrics').port).toBe('ipc:///run/tt/metrics');
    expect(build('[handler]\nprometheus_prefix=a:b_1').prefix).toBe('a:b_1');
  });

  it('is off by default', () => {
    expect(build('')).toEqual({ prefix: '', port: undefined, errors: [] });
  });

  it('rejects a prefix that makes invalid metric names, and a bad port', () => {
    expect(build('[handler]\nprometheus_prefix=my-app_').errors).toEqual([
      "/etc/thumbtack/pushpin.conf:2: bad value for 'prometheus_prefix' in [handler]: 'my-app_' would make invalid metric names: use letters, digits, '_' and ':', not starting with a digit",
    ]);
    expect(build('[handler]\nprometheus_prefix=1x').errors).toHaveLength(1);
    expect(build('[handler]\nprometheus_port=nope').errors).toHaveLength(1);
  });
});
