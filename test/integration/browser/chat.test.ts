import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, requireChromium } from '../../helpers/browser';
import { publish, startProxy, until, type RunningProxy } from '../../helpers/harness';
import { freePort, startChild, type Child } from '../../helpers/processes';

/**
 * The chat example (examples/websocket-chat: server.mjs + index.html) in a real browser: Debian's
 * headless Chromium, driven by playwright-core, loads the page through Thumbtack, which also carries the
 * page's WebSocket (WebSocket-over-HTTP to the backend) and its EventSource (a GRIP stream hold).
 *
 * Set CHAT_SCREENSHOT=/some/file.png to save a screenshot of the first page once everything arrived.
 */
const ROOM = 'browser-room';
const WAIT_MS = 5000;

describe('the chat example in headless Chromium', () => {
  let proxy: RunningProxy | undefined;
  let chat: Child | undefined;
  let browser: Browser | undefined;
  const pages: Page[] = [];
  const pageErrors: string[] = [];

  /** Opens the chat page through Thumbtack and waits until its WebSocket is open and its stream has started. */
  async function openChatPage(url: string): Promise<Page> {
    if (!browser) throw new Error('no browser');
    const page = await browser.newPage();
    pages.push(page);
    page.on('pageerror', (err) => pageErrors.push(`pageerror: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error') pageErrors.push(`console: ${msg.text()} (${msg.location().url})`);
    });
    const response = await page.goto(`${url}/?room=${ROOM}`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-type']).toBe('text/html; charset=utf-8');
    await page.locator('#ws-status[data-state="open"]').waitFor({ timeout: WAIT_MS });
    await page.locator('#sse-messages li.message', { hasText: `joined ${ROOM}` }).waitFor({ timeout: WAIT_MS });
    await expect(page.locator('#sse-status').getAttribute('data-state')).resolves.toBe('open');
    return page;
  }

  /** The texts of one list (`ws-messages` or `sse-messages`) of a page. */
  const texts = (page: Page, list: string): Promise<string[]> => page.locator(`#${list} li.message`).allTextContents();

  /** Waits until the list of the page shows an item with exactly `text`. */
  async function shows(page: Page, list: string, text: string): Promise<void> {
    const start = Date.now();
    while (!(await texts(page, list)).includes(text)) {
      if (Date.now() - start > WAIT_MS) throw new Error(`#${list} never showed ${JSON.stringify(text)}; it has ${JSON.stringify(await texts(page, list))}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  beforeAll(async () => {
    requireChromium('the browser test'); // before anything else starts: CI installs it
    const port = await freePort();
    proxy = await startProxy({ routes: [`* 127.0.0.1:${port},over_http`] });
    chat = startChild(process.execPath, ['examples/websocket-chat/server.mjs'], {
      env: { PORT: String(port), GRIP_URL: `${proxy.publishUrl}/?key=changeme` },
    });
    await chat.waitForOutput(/listening/);
    browser = await launchChromium('the browser test');
  }, 20000);

  afterAll(async () => {
    for (const page of pages) await page.close().catch(() => undefined);
    await browser?.close();
    await chat?.stop();
    await proxy?.close();
  }, 20000);

  it('receives published messages over the WebSocket and the EventSource, and chats between two pages', async () => {
    if (!proxy || !chat) throw new Error('setup failed');
    const alicePage = await openChatPage(proxy.url);
    const bobPage = await openChatPage(proxy.url);
    // Two WebSockets and two streams are held on the room.
    const running = proxy;
    await until(() => (running.thumbtack.worker.hold.index.get(ROOM)?.size ?? 0) >= 4, WAIT_MS, '4 subscribers on the room');

    // (a) The HTTP publish API: a ws-message item reaches only the WebSocket lists, an http-stream item
    // only the EventSource lists, and markup is shown as text, never run.
    const published = await publish(proxy.publishUrl, [
      { channel: ROOM, formats: { 'ws-message': { content: 'published to websockets' } } },
      { channel: ROOM, formats: { 'http-stream': { content: 'event: message\ndata: published to streams\n\n' } } },
      { channel: ROOM, formats: { 'ws-message': { content: '<b id="injected">bold?</b>' } } },
    ]);
    expect(published.status).toBe(200);
    for (const page of [alicePage, bobPage]) {
      await shows(page, 'ws-messages', 'published to websockets');
      await shows(page, 'sse-messages', 'published to streams');
      await shows(page, 'ws-messages', '<b id="injected">bold?</b>');
      expect(await page.locator('#injected').count()).toBe(0);
      expect(await texts(page, 'ws-messages')).not.toContain('published to streams');
      expect(await texts(page, 'sse-messages')).not.toContain('published to websockets');
    }

    // (b) The form: browser → Thumbtack → backend (WebSocket-over-HTTP) → Publisher → Thumbtack → every page.
    await alicePage.fill('#nick', 'alice');
    await alicePage.fill('#message', 'hello from the browser');
    await alicePage.click('#send');
    await shows(alicePage, 'ws-messages', 'you are alice'); // the backend's direct reply, to alice only
    for (const page of [alicePage, bobPage]) {
      await shows(page, 'ws-messages', 'alice: hello from the browser');
      await shows(page, 'sse-messages', 'alice: hello from the browser');
    }
    expect(await texts(bobPage, 'ws-messages')).not.toContain('you are alice');
    expect(await alicePage.inputValue('#message')).toBe('');

    await bobPage.fill('#message', 'hi alice');
    await bobPage.press('#message', 'Enter');
    await shows(alicePage, 'ws-messages', 'anonymous: hi alice');
    await shows(alicePage, 'sse-messages', 'anonymous: hi alice');

    // Nothing arrived twice, and the pages saw no script errors.
    expect((await texts(bobPage, 'ws-messages')).filter((t) => t === 'alice: hello from the browser')).toHaveLength(1);
    expect((await texts(bobPage, 'sse-messages')).filter((t) => t === 'alice: hello from the browser')).toHaveLength(1);
    expect(pageErrors).toEqual([]);
    expect(chat.output()).not.toMatch(/Error/);

    const screenshot = process.env.CHAT_SCREENSHOT;
    if (screenshot) await alicePage.screenshot({ path: screenshot.startsWith('/') ? screenshot : join(tmpdir(), screenshot), fullPage: true });
  });
});
