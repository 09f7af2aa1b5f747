import { startProxy, subscribed, type RunningProxy } from '../../helpers/harness';
import { freePort, startChild, type Child } from '../../helpers/processes';
import { open, wsUrl } from './ws-helpers';

/**
 * The chat example (examples/websocket-chat/server.mjs): a WebSocket-over-HTTP backend written with
 * @fanoutio/serve-grip, publishing with @fanoutio/grip's Publisher and WebSocketMessageFormat, run
 * unchanged behind Thumbtack as a separate process.
 */
describe('a @fanoutio/serve-grip WebSocket-over-HTTP backend', () => {
  let proxy: RunningProxy;
  let chat: Child;

  beforeAll(async () => {
    const port = await freePort();
    proxy = await startProxy({ routes: [`* 127.0.0.1:${port},over_http`] });
    chat = startChild(process.execPath, ['examples/websocket-chat/server.mjs'], {
      env: { PORT: String(port), GRIP_URL: `${proxy.publishUrl}/?key=changeme` },
    });
    await chat.waitForOutput(/listening/);
  });
  afterAll(async () => {
    await chat.stop();
    await proxy.close();
  });

  it('chats: meta from Set-Meta-*, messages published to every member of the room', async () => {
    const alice = await open(wsUrl(proxy.url, '/chat?room=r1'));
    const bob = await open(wsUrl(proxy.url, '/chat?room=r1'));
    const other = await open(wsUrl(proxy.url, '/chat?room=r2'));
    await subscribed(proxy, 'r1');
    await subscribed(proxy, 'r2');
    alice.ws.send('/nick alice');
    expect((await alice.next()).text).toBe('you are alice');
    alice.ws.send('hello room');
    expect((await alice.next()).text).toBe('alice: hello room');
    expect((await bob.next()).text).toBe('alice: hello room');
    bob.ws.send('hi');
    expect((await alice.next()).text).toBe('anonymous: hi');
    expect((await bob.next()).text).toBe('anonymous: hi');
    await other.quiet(200);
    bob.ws.close(1000);
    expect((await bob.closed).code).toBe(1000);
    // A published close (WebSocketMessageFormat with close=true) ends the room.
    alice.ws.send('/kick');
    expect((await alice.closed).code).toBe(4000);
    other.ws.close();
    await other.closed;
    expect(chat.output()).not.toMatch(/Error/);
  });
});
