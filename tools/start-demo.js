#!/usr/bin/env node
'use strict';
/**
 * `npm start`: the example backend on :8000 and Thumbtack on :7999 in front of it (built-in defaults and the
 * repo's `routes`). Once both are up it opens a stream through the proxy, publishes one message, and prints
 * what arrived, so you can see the whole path working. Then it keeps running until Ctrl-C.
 */
const { spawn } = require('node:child_process');
const http = require('node:http');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const children = [];

function start(name, args) {
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  child.on('exit', (code) => {
    console.error(`${name} exited (${code}); stopping`);
    stopAll(1);
  });
  children.push(child);
}

function stopAll(code) {
  for (const c of children) c.removeAllListeners('exit'), c.kill('SIGTERM');
  process.exit(code);
}
process.on('SIGINT', () => stopAll(0));
process.on('SIGTERM', () => stopAll(0));

function waitFor(url, tries = 50) {
  return new Promise((resolve, reject) => {
    const attempt = (n) => {
      http
        .get(url, (res) => {
          res.resume();
          resolve();
        })
        .on('error', () => (n > 0 ? setTimeout(() => attempt(n - 1), 100) : reject(new Error(`${url} did not come up`))));
    };
    attempt(tries);
  });
}

function publish(channel, text) {
  const body = JSON.stringify({ items: [{ channel, formats: { 'http-stream': { content: `event: message\ndata: ${text}\n\n` } } }] });
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: 5561, path: '/publish/', method: 'POST', headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function selfCheck() {
  await waitFor('http://127.0.0.1:8000/');
  await waitFor('http://127.0.0.1:7999/');
  await waitFor('http://127.0.0.1:5561/');
  const received = await new Promise((resolve, reject) => {
    const req = http.get('http://127.0.0.1:7999/stream?channel=demo', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        text += chunk;
        if (text.includes('data: stream open')) publish('demo', 'hello from the publish API').catch(reject);
        if (text.includes('hello from the publish API')) {
          req.destroy();
          resolve(text);
        }
      });
    });
    req.on('error', reject);
    setTimeout(() => reject(new Error('no published message arrived within 5 s')), 5000).unref();
  });
  console.log('\n--- self-check: a stream through Thumbtack received ---');
  console.log(received.trim());
  console.log('--- now try it yourself (Ctrl-C here to stop) ---');
  console.log('  curl -N "http://localhost:7999/stream?channel=news"');
  console.log(`  curl -d '{"items":[{"channel":"news","formats":{"http-stream":{"content":"event: message\\ndata: hi\\n\\n"}}}]}' http://localhost:5561/publish/`);
  console.log('  or: node bin/thumbtack-publish.js news "hi"\n');
}

start('backend', ['examples/hello/backend.js', '8000']);
// With the Node flags of bin/thumbtack.js's first line, read as the bench and soak read them.
start('thumbtack', [...require('../dist/tools/launcher-node-flags.js').launcherNodeFlags(path.join(root, 'bin', 'thumbtack.js')), 'bin/thumbtack.js']);
selfCheck().catch((err) => {
  console.error(`self-check failed: ${err.message}`);
  stopAll(1);
});
