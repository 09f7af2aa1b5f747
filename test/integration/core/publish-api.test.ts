import net from 'node:net';
import { rawExchange } from '../../hardening/hardening-helpers';
import { publish, request, startProxy, type RunningProxy } from '../../helpers/harness';

/** The HTTP publish API answers exactly as Pushpin 1.36 does (spec publishing.md §4). */
describe('HTTP publish API', () => {
  let proxy: RunningProxy;
  beforeAll(async () => {
    proxy = await startProxy({ routes: ['* test'], config: { pushInHttpMaxBodySize: 2000 } });
  });
  afterAll(() => proxy.close());

  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    request(`${proxy.publishUrl}${path}`, { method: 'POST', body, headers: { 'Content-Type': 'application/json', ...headers } });

  it('publishes and answers 200 Published (text), or JSON when asked', async () => {
    const text = await publish(proxy.publishUrl, [{ channel: 'a', formats: { 'http-stream': { content: 'x' } } }]);
    expect([text.status, text.text, text.headers['content-type'], text.headers.connection]).toEqual([200, 'Published\n', 'text/plain', 'close']);
    const json = await post('/publish', JSON.stringify({ items: [] }), { Accept: 'application/json' });
    expect([json.status, json.text, json.headers['content-type']]).toEqual([200, '{"message":"Published"}\n', 'application/json']);
  });

  it.each([
    ['not json', 400, 'Body is not valid JSON.\n'],
    ['[1]', 400, 'Invalid format.\n'],
    ['{}', 400, "Invalid format: object does not contain 'items'\n"],
    ['{"items":{}}', 400, "Invalid format: object contains 'items' with wrong type\n"],
    ['{"items":[{"formats":{"http-stream":{"content":"x"}}}]}', 400, "Invalid format: publish item object does not contain 'channel'\n"],
    ['{"items":[{"channel":"a"}]}', 400, 'Invalid format: no formats specified\n'],
    ['{"items":[{"channel":"a","formats":{"http-stream":{}}}]}', 400, "Invalid format: 'http-stream' does not contain 'content' or 'content-bin'\n"],
    ['{"items":[{"channel":"a","formats":{"http-response":{}}}]}', 400, "Invalid format: 'http-response' does not contain 'body', 'body-bin', or 'body-patch'\n"],
    ['{"items":[{"channel":"a","formats":{"http-stream":{"action":"explode"}}}]}', 400, 'Invalid format: \n'],
  ])('rejects %s with %i and the exact text', async (body, status, text) => {
    const res = await post('/publish/', body, { Accept: 'application/json' });
    expect(res.status).toBe(status);
    expect(res.text).toBe(text);
    expect(res.headers['content-type']).toBe('text/plain');
  });

  it('validates every item before publishing any', async () => {
    const res = await publish(proxy.publishUrl, [
      { channel: 'ok', formats: { 'http-stream': { content: 'x' } } },
      { channel: 'bad', formats: { 'http-stream': {} } },
    ]);
    expect(res.status).toBe(400);
  });

  it('answers wrong methods, paths, query strings, Accept and missing lengths as Pushpin does', async () => {
    const get = await request(`${proxy.publishUrl}/publish/`);
    expect([get.status, get.text, get.headers.allow]).toEqual([405, 'Method not allowed: GET.\n', 'POST']);
    expect((await post('/publish/?x=1', '{"items":[]}')).status).toBe(404);
    const notFound = await post('/elsewhere', '{}');
    expect([notFound.status, notFound.text]).toEqual([404, 'Not Found\n']);
    const root = await request(`${proxy.publishUrl}/`);
    expect([root.status, root.text]).toEqual([200, 'Pushpin API\n']);
    const accept = await post('/publish/', '{"items":[]}', { Accept: 'image/png' });
    expect([accept.status, accept.text]).toEqual([406, 'Not Acceptable. Supported formats are text/plain and application/json.\n']);
    const chunked = await new Promise<string>((resolve) => {
      const socket = net.connect(Number(new URL(proxy.publishUrl).port), '127.0.0.1', () =>
        socket.write('POST /publish/ HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n'),
      );
      let data = '';
      socket.on('data', (d) => (data += d.toString()));
      socket.on('close', () => resolve(data));
    });
    expect(chunked).toMatch(/^HTTP\/1\.1 411 /);
    expect(chunked).toContain('Request requires Content-Length.\n');
  });

  it('refuses bodies over push_in_http_max_body_size with 400', async () => {
    const res = await post('/publish/', JSON.stringify({ items: [{ channel: 'x'.repeat(3000) }] }));
    expect([res.status, res.text]).toEqual([400, 'Request body too large.\n']);
  });

  it('accepts POST /recover', async () => {
    const res = await post('/recover', '');
    expect([res.status, res.text]).toEqual([200, 'Updated\n']);
  });

  const publishPort = (): number => Number(new URL(proxy.publishUrl).port);

  it('keeps an HTTP/1.1 connection open between publishes (Pushpin closes each; a difference)', async () => {
    const body = JSON.stringify({ items: [{ channel: 'ka', formats: { 'http-stream': { content: 'x' } } }] });
    const one = `POST /publish/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    const r = await rawExchange(publishPort(), [one + one], { ms: 600 });
    expect(r.data.match(/HTTP\/1\.1 200 OK/g)?.length).toBe(2);
    expect(r.data).toMatch(/Connection: keep-alive/i);
    expect(r.closed).toBe(false);
  });

  it('closes when the client asks, and after an answer that left the body unread', async () => {
    const body = JSON.stringify({ items: [] });
    const asked = await rawExchange(publishPort(), [`POST /publish/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: ${body.length}\r\n\r\n${body}`], { ms: 1500 });
    expect(asked.data).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(asked.closed).toBe(true);
    const early = await rawExchange(publishPort(), ['POST /publish/ HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n{"items":'], { ms: 1500 });
    expect(early.data).toMatch(/^HTTP\/1\.1 400 Bad Request[^]*Connection: close[^]*Request body too large\.\n$/);
    expect(early.closed).toBe(true);
  });
});
