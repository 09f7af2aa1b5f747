// An Express backend written with the official GRIP libraries (@fanoutio/serve-grip and @fanoutio/grip),
// exactly as it would be written for Pushpin. Thumbtack holds the connections; this app stays stateless.
//
//   GET  /stream?channel=news   Server-Sent Events (a stream hold)
//   GET  /poll?channel=news     long-poll (a response hold, 20 s)
//   POST /send/:channel         publishes the request body to the channel with @fanoutio/grip's Publisher
//
// Environment: PORT (default 8000), GRIP_URL (default http://127.0.0.1:5561/?key=changeme), the publish
// endpoint plus the key that verifies Grip-Sig (Thumbtack's sig_key).
import express from 'express';
import { ServeGrip } from '@fanoutio/serve-grip';

const port = Number(process.env.PORT ?? 8000);
const serveGrip = new ServeGrip({
  grip: process.env.GRIP_URL ?? 'http://127.0.0.1:5561/?key=changeme',
  gripProxyRequired: true,
});

const app = express();
app.use(serveGrip);

app.get('/stream', (req, res) => {
  const channel = String(req.query.channel ?? 'news');
  const instruct = res.grip.startInstruct();
  instruct.addChannel(channel);
  instruct.setHoldStream();
  instruct.setKeepAlive(':\n\n', 20);
  res.setHeader('Content-Type', 'text/event-stream');
  res.end(`event: message\ndata: stream open on ${channel}\n\n`);
});

app.get('/poll', (req, res) => {
  const channel = String(req.query.channel ?? 'news');
  const instruct = res.grip.startInstruct();
  instruct.addChannel(channel);
  instruct.setHoldLongPoll(20);
  res.setHeader('Content-Type', 'application/json');
  res.end(JSON.stringify({ channel, messages: [] }) + '\n');
});

app.post('/send/:channel', express.text({ type: '*/*' }), async (req, res) => {
  const text = typeof req.body === 'string' ? req.body : '';
  const publisher = serveGrip.getPublisher();
  try {
    await publisher.publishHttpStream(req.params.channel, `event: message\ndata: ${text}\n\n`);
    await publisher.publishHttpResponse(req.params.channel, JSON.stringify({ channel: req.params.channel, messages: [text] }) + '\n');
    res.json({ published: true });
  } catch (err) {
    res.status(502).json({ published: false, error: String(err?.message ?? err) });
  }
});

const server = app.listen(port, '127.0.0.1', () => {
  console.log(`express GRIP backend listening on http://127.0.0.1:${server.address().port}`);
});
