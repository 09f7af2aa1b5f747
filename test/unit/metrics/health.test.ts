import { readiness } from '../../../src/metrics/health';

describe('readiness', () => {
  it('is ready with no links and not draining', () => {
    expect(readiness({ draining: false, links: [] })).toEqual({
      status: 200,
      body: { status: 'ready', draining: false, links: [], reasons: [] },
    });
  });

  it('is ready when every link is up', () => {
    const links = [{ kind: 'zmq-sub', endpoint: 'tcp://a:1', up: true }];
    expect(readiness({ draining: false, links }).status).toBe(200);
  });

  it('is not ready while draining, and says why', () => {
    const r = readiness({ draining: true, links: [] });
    expect(r.status).toBe(503);
    expect(r.body).toEqual({ status: 'not-ready', draining: true, links: [], reasons: ['draining'] });
  });

  it('is not ready while any link is down, naming each', () => {
    const links = [
      { kind: 'zmq-sub', endpoint: 'tcp://a:1', up: true },
      { kind: 'zmq-sub', endpoint: 'tcp://b:2', up: false },
    ];
    const r = readiness({ draining: true, links });
    expect(r.status).toBe(503);
    expect(r.body.reasons).toEqual(['draining', 'zmq-sub link tcp://b:2 has no peer']);
  });
});
