import net from 'node:net';
import { freePort, portSlice } from '../../helpers/processes';

describe('portSlice: where a Jest worker picks fixed ports', () => {
  it('gives workers 1–4 disjoint slices of 20000–31999', () => {
    const slices = [1, 2, 3, 4].map((id) => portSlice(String(id)));
    for (const s of slices) {
      expect(s.low).toBeGreaterThanOrEqual(20000);
      expect(s.low + s.size).toBeLessThanOrEqual(32000);
    }
    const sorted = [...slices].sort((a, b) => a.low - b.low);
    let end = 0;
    for (const s of sorted) {
      expect(s.low).toBeGreaterThanOrEqual(end);
      end = s.low + s.size;
    }
  });

  it('uses the whole range outside Jest or with an unreadable worker id', () => {
    expect(portSlice(undefined)).toEqual({ low: 20000, size: 12000 });
    expect(portSlice('x')).toEqual({ low: 20000, size: 12000 });
  });
});

describe('freePort', () => {
  it('never hands out a port twice in one process, and a run of ports is all bindable', async () => {
    const seen = new Set<number>();
    for (let i = 0; i < 30; i++) {
      const first = await freePort(i % 3 === 0 ? 4 : 1);
      const run = i % 3 === 0 ? [first, first + 1, first + 2, first + 3] : [first];
      for (const p of run) {
        expect(seen.has(p)).toBe(false);
        seen.add(p);
      }
    }
    const last = await freePort(4);
    const servers = await Promise.all(
      [0, 1, 2, 3].map(
        (i) =>
          new Promise<net.Server>((ok, fail) => {
            const s = net.createServer();
            s.once('error', fail);
            s.listen(last + i, '127.0.0.1', () => ok(s));
          }),
      ),
    );
    await Promise.all(servers.map((s) => new Promise((done) => s.close(done))));
  });
});
