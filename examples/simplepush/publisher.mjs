// Publishing `ws-message` items to the proxy's HTTP publish API, several items per request.
//
// @fanoutio/grip's Publisher sends one request per item. Under load (thousands of endpoint PUTs a second)
// that is one HTTP request — and, since the publish API closes its connections, one TCP connection — per
// notification. This batcher keeps grip's pieces (the GRIP_URL parsing, the Item / WebSocketMessageFormat
// export, the Basic / Bearer / JWT auth) and sends what accumulated during one event-loop turn as one
// `{"items": [...]}` request: a single item goes out at once, a burst goes out in a few requests.
import http from 'node:http';
import https from 'node:https';
import { Item, PublisherClient, WebSocketMessageFormat, parseGripUri } from '@fanoutio/grip';

/**
 * A publisher for `gripUrl` (e.g. `http://127.0.0.1:5561/?key=changeme`). `publishWsMessage(channel,
 * text)` resolves once the proxy accepted the request carrying it, or rejects with why it did not.
 * At most `maxItems` items per request and `maxInFlight` requests at a time; `timeoutMs` per request.
 */
export function createPublisher(gripUrl, { maxItems = 500, maxInFlight = 4, timeoutMs = 10_000 } = {}) {
  const client = new PublisherClient(parseGripUri(gripUrl));
  const url = new URL(client.publishUri);
  const transport = url.protocol === 'https:' ? https : http;
  /** @type {Array<{ item: object, resolve: () => void, reject: (err: Error) => void }>} */
  const queue = [];
  let inFlight = 0;
  let scheduled = false;

  function schedule() {
    if (scheduled || queue.length === 0 || inFlight >= maxInFlight) return;
    scheduled = true;
    setImmediate(flush);
  }

  function flush() {
    scheduled = false;
    while (queue.length > 0 && inFlight < maxInFlight) {
      const batch = queue.splice(0, maxItems);
      inFlight++;
      send(batch.map((b) => b.item))
        .then(
          () => batch.forEach((b) => b.resolve()),
          (err) => batch.forEach((b) => b.reject(err)),
        )
        .finally(() => {
          inFlight--;
          schedule();
        });
    }
  }

  async function send(items) {
    const body = JSON.stringify({ items });
    const headers = { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) };
    const auth = client.getAuth();
    if (auth) headers.Authorization = await auth.buildHeader();
    await new Promise((resolve, reject) => {
      const req = transport.request(url, { method: 'POST', headers, timeout: timeoutMs }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve();
          else reject(new Error(`publish answered ${status}: ${text.trim().slice(0, 200)}`));
        });
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`publish timed out after ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(body);
    });
  }

  return {
    /** Queues a text `ws-message` for `channel`; resolves when the publish request carrying it succeeded. */
    publishWsMessage(channel, text) {
      const item = new Item(new WebSocketMessageFormat(text)).export();
      item.channel = channel;
      return new Promise((resolve, reject) => {
        queue.push({ item, resolve, reject });
        schedule();
      });
    },
  };
}
