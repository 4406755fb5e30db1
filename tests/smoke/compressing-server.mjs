// An agent server that offers WebSocket compression (permessage-deflate), as aiohttp and
// Node's `ws` do by default: the reference server behind a `ws` front that compresses every
// frame it can. `cargo xtask test` runs `cargo xtask demo --server <this>` against it, since
// trunk's proxy cannot pass compressed frames (Trunk.toml strips the offer).
//
// node tests/smoke/compressing-server.mjs   (DOCENT_SERVER_BIN names the reference server)
// prints "listening on http://127.0.0.1:PORT" once it has checked that it really compresses.
import { spawn } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { WebSocket, WebSocketServer } from 'ws';

const bin = process.env.DOCENT_SERVER_BIN
  ?? path.join(import.meta.dirname, '../../target/debug/docent-server');
const backend = spawn(bin, ['--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
const backendUrl = await new Promise((resolve, reject) => {
  let seen = '';
  backend.stdout.on('data', (chunk) => {
    seen += chunk;
    const match = seen.match(/listening on (http:\/\/\S+)/);
    if (match) resolve(match[1]);
  });
  backend.on('exit', (code) => reject(new Error(`the reference server exited (${code}): ${seen}`)));
});
const stop = () => { backend.kill('SIGKILL'); process.exit(0); };
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

const server = http.createServer((req, res) => {
  const upstream = http.request(new URL(req.url, backendUrl), { method: req.method, headers: req.headers },
    (answer) => { res.writeHead(answer.statusCode, answer.headers); answer.pipe(res); });
  upstream.on('error', () => { res.writeHead(502); res.end(); });
  req.pipe(upstream);
});
const sockets = new WebSocketServer({ server, perMessageDeflate: { threshold: 0 } });
sockets.on('connection', (client, req) => {
  const compressed = client.extensions.includes('permessage-deflate');
  console.log(`socket ${req.url.split('?')[0]}: compressed=${compressed}`);
  if (req.url === '/compression-check') return client.close(1000);
  const upstream = new WebSocket(new URL(req.url, backendUrl.replace('http', 'ws')), { perMessageDeflate: false });
  const pending = [];
  upstream.on('open', () => { for (const m of pending.splice(0)) upstream.send(m); });
  client.on('message', (data, binary) => {
    const m = binary ? data : data.toString();
    if (upstream.readyState === WebSocket.OPEN) upstream.send(m); else pending.push(m);
  });
  upstream.on('message', (data, binary) => client.send(binary ? data : data.toString()));
  // A close passes on with its code; one without a code (1005, 1006) passes on as a cut.
  const passOn = (to) => (code, reason) => (code === 1005 || code === 1006 ? to.terminate() : to.close(code, reason));
  upstream.on('close', passOn(client));
  client.on('close', passOn(upstream));
  upstream.on('error', () => client.terminate());
  client.on('error', () => upstream.terminate());
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${server.address().port}`;

// A client that offers compression must get it: otherwise this is not the server it claims to be.
const offered = await new Promise((resolve, reject) => {
  const check = new WebSocket(`${url.replace('http', 'ws')}/compression-check`);
  check.on('open', () => resolve(check.extensions));
  check.on('error', reject);
});
if (!offered.includes('permessage-deflate')) {
  console.error(`this server should offer permessage-deflate but negotiated "${offered}"`);
  stop();
}
console.log(`listening on ${url} (offers permessage-deflate)`);
