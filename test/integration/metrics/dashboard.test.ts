import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, requireChromium } from '../../helpers/browser';
import { openStream, publish, request, startProxy, subscribed, type Backend, type OpenStream, type RunningProxy } from '../../helpers/harness';
import { freePort } from '../../helpers/processes';
import { startGripBackend } from './metrics-helpers';

/**
 * The dashboard at `/` on prometheus_port, in Debian's headless Chromium: its feed is a stream held by
 * Thumbtack itself; the charts draw points, a screenshot of the connections chart shows its line, the
 * connection table lists a held SSE stream, and its close button ends that stream.
 *
 * The screenshot of the whole page is saved to $DASHBOARD_SCREENSHOT (default: <tmpdir>/thumbtack-dashboard.png).
 */
const CHANNEL = 'dash-news';
const WAIT_MS = 8000;

/**
 * Run in the page (a string: the test is compiled without DOM types): decodes a PNG screenshot (B64 is
 * replaced by its base64) and counts the pixels close to the chart's blue (#2563eb = 37, 99, 235).
 */
const COUNT_BLUE_PIXELS = `(async () => {
  const img = new Image();
  img.src = 'data:image/png;base64,B64';
  await img.decode();
  const canvas = document.createElement('canvas');
  canvas.width = img.width;
  canvas.height = img.height;
  const g = canvas.getContext('2d');
  g.drawImage(img, 0, 0);
  const data = g.getImageData(0, 0, img.width, img.height).data;
  let count = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (Math.abs(data[i] - 37) < 40 && Math.abs(data[i + 1] - 99) < 40 && Math.abs(data[i + 2] - 235) < 40) count++;
  }
  return count;
})()`;

describe('the dashboard in headless Chromium', () => {
  let backend: Backend | undefined;
  let proxy: RunningProxy | undefined;
  let browser: Browser | undefined;
  let page: Page | undefined;
  let stream: OpenStream | undefined;
  let metricsUrl = '';
  const pageErrors: string[] = [];

  beforeAll(async () => {
    requireChromium('the dashboard test'); // before anything else starts: CI installs it
    backend = await startGripBackend();
    const port = await freePort();
    proxy = await startProxy({ routes: [`*,id=main 127.0.0.1:${backend.port}`], config: { workers: 1, prometheusPort: `127.0.0.1:${port}` } });
    metricsUrl = `http://127.0.0.1:${port}`;
    browser = await launchChromium('the dashboard test');
  }, 20000);

  afterAll(async () => {
    stream?.close();
    await page?.close().catch(() => undefined);
    await browser?.close();
    await proxy?.close();
    await backend?.close();
  }, 20000);

  it('draws live charts, lists a held stream and closes it from its button', async () => {
    if (!proxy || !browser) throw new Error('setup failed');
    const running = proxy;
    stream = await openStream(`${proxy.url}/sse?ch=${CHANNEL}`);
    await stream.waitFor('data: open');
    await subscribed(proxy, CHANNEL);

    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    page.on('pageerror', (err) => pageErrors.push(`pageerror: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error') pageErrors.push(`console: ${msg.text()}`);
    });
    const response = await page.goto(`${metricsUrl}/`);
    expect(response?.status()).toBe(200);
    await page.locator('#feed[data-state="open"]').waitFor({ timeout: WAIT_MS });
    // The page's own feed is a stream held by the worker on `thumbtack-dashboard`.
    await subscribed(proxy, 'thumbtack-dashboard');

    // Traffic for the rate chart and the busiest channels, while a few snapshots arrive.
    let n = 0;
    const traffic = setInterval(() => {
      n++;
      void publish(running.publishUrl, [{ channel: CHANNEL, formats: { 'http-stream': { content: `data: tick ${n}\n\n` } } }]);
    }, 150);
    try {
      await page.waitForFunction('Number(document.body.getAttribute("data-snapshots")) >= 4', undefined, { timeout: WAIT_MS });
      await page.locator('#busiest td', { hasText: CHANNEL }).waitFor({ timeout: WAIT_MS });
    } finally {
      clearInterval(traffic);
    }
    await stream.waitFor('data: tick 3');

    // Every chart has drawn its points; the connections line is above zero (the stream and the page's feed).
    for (const id of ['c-conn', 'c-subs', 'c-rate']) {
      expect(Number(await page.locator(`#${id}`).getAttribute('data-points'))).toBeGreaterThanOrEqual(4);
    }
    const total = await page.locator('#c-conn polyline[data-series="total"]').getAttribute('points');
    const ys = (total ?? '').split(' ').map((p) => Number(p.split(',')[1]));
    expect(ys.length).toBeGreaterThanOrEqual(4);
    expect(Math.min(...ys)).toBeLessThan(150); // the baseline is at y=154 in the 170-high viewBox
    const sent = await page.locator('#c-rate polyline[data-series="sent"]').getAttribute('points');
    expect(Math.min(...(sent ?? '').split(' ').map((p) => Number(p.split(',')[1])))).toBeLessThan(150);
    expect(await page.locator('#t-conn').textContent()).toBe('2');

    // A screenshot of the connections chart really shows its blue line (#2563eb), counted in the page.
    const shot = await page.locator('#c-conn').screenshot();
    const bluePixels = await page.evaluate<number>(COUNT_BLUE_PIXELS.replace('B64', shot.toString('base64')));
    expect(bluePixels).toBeGreaterThan(100);

    // The table lists the held stream with its route and channel, and the page's own feed.
    const row = page.locator('#held tr', { hasText: CHANNEL });
    await row.waitFor({ timeout: WAIT_MS });
    expect(await row.locator('td').nth(1).textContent()).toBe('http-stream');
    expect(await row.locator('td').nth(2).textContent()).toBe('main');
    expect(await row.locator('td').nth(4).textContent()).toMatch(/^\d+ s$/);
    await page.locator('#held tr', { hasText: 'thumbtack-dashboard' }).waitFor({ timeout: WAIT_MS });

    const screenshot = process.env.DASHBOARD_SCREENSHOT ?? join(tmpdir(), 'thumbtack-dashboard.png');
    await page.screenshot({ path: screenshot, fullPage: true });

    // Its close button ends that stream (and only that one), and the next snapshots no longer list it.
    await row.locator('button.close').click();
    await stream.ended;
    await page.locator('#held tr', { hasText: CHANNEL }).waitFor({ state: 'detached', timeout: WAIT_MS });
    expect(proxy.thumbtack.worker.hold.index.get(CHANNEL)).toBeUndefined();
    expect(proxy.thumbtack.worker.hold.index.get('thumbtack-dashboard')?.size).toBe(1);
    const snapshot = JSON.parse((await request(`${metricsUrl}/dashboard/snapshot`)).text) as { connections: { total: number } };
    expect(snapshot.connections.total).toBe(1);
    expect(pageErrors).toEqual([]);
  });
});
