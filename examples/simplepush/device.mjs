// A SimplePush device for trying the example by hand: connects, says hello (with the uaid saved in
// .simplepush-device.json of the working directory, if any), registers one channel, prints its push
// endpoint with a curl command, then prints and acknowledges every notification until Ctrl-C.
//
//   node examples/simplepush/device.mjs [ws://127.0.0.1:7999/]
import { readFileSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';

const url = process.argv[2] ?? 'ws://127.0.0.1:7999/';
const stateFile = '.simplepush-device.json';
let state = { uaid: '', channelID: randomUUID() };
try {
  state = { ...state, ...JSON.parse(readFileSync(stateFile, 'utf8')) };
} catch {
  // first run: a new device
}

const ws = new WebSocket(url, 'push-notification');
const send = (message) => {
  const text = JSON.stringify(message);
  console.log(`> ${text}`);
  ws.send(text);
};
ws.on('open', () => send({ messageType: 'hello', uaid: state.uaid, channelIDs: state.uaid ? [state.channelID] : [] }));
ws.on('message', (data) => {
  const text = data.toString();
  console.log(`< ${text}`);
  const msg = JSON.parse(text);
  if (msg.messageType === 'hello' && msg.status === 200) {
    state.uaid = msg.uaid;
    writeFileSync(stateFile, JSON.stringify(state));
    send({ messageType: 'register', channelID: state.channelID });
  } else if (msg.messageType === 'register' && msg.status === 200) {
    console.log(`\npush to this device (version = now, or add -d version=N):\n  curl -X PUT ${msg.pushEndpoint}\n`);
  } else if (msg.messageType === 'notification') {
    send({ messageType: 'ack', updates: msg.updates });
  }
});
ws.on('close', (code) => {
  console.log(`closed (${code})`);
  process.exit(0);
});
ws.on('error', (err) => {
  console.error(`cannot connect to ${url}: ${err.message}`);
  process.exit(1);
});
process.on('SIGINT', () => ws.close(1000));
