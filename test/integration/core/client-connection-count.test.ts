import net from 'node:net';
import { startProxy, until, type RunningProxy } from '../../helpers/harness';

/** The count of open client connections a worker reports (what the young-generation policy follows). */
describe('client connection count', () => {
  let proxy: RunningProxy;
  const sockets: net.Socket[] = [];

  beforeAll(async () => {
    proxy = await startProxy({ routes: ['* test'] });
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await proxy.close();
  });

  it('is told after every client connection that opens or closes', async () => {
    const counts: number[] = [];
    proxy.thumbtack.worker.proxy.connections.onCountChanged = (n) => counts.push(n);
    const port = Number(new URL(proxy.url).port);
    for (let i = 0; i < 3; i++) {
      const socket = net.connect(port, '127.0.0.1');
      sockets.push(socket);
      await until(() => counts.length === i + 1, 5000, `connection ${i + 1} counted`);
    }
    expect(counts).toEqual([1, 2, 3]);
    expect(proxy.thumbtack.worker.proxy.connections.count).toBe(3);
    for (const s of sockets) s.destroy();
    await until(() => counts.length === 6, 5000, 'the three closes counted');
    expect(counts).toEqual([1, 2, 3, 2, 1, 0]);
  });
});
