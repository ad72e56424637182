// A minimal DDP server over TLS (wss://), for the certificate verification tests:
//   node tls.js --cert CERT.pem --key KEY.pem [--port P]      prints "listening PORT"
// Answers connect, ping and sub (one document {_id: "t1"} in "files", then ready).
'use strict';
const fs = require('fs');
const https = require('https');
const { WebSocketServer } = require('ws');

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};
const server = https.createServer({
  cert: fs.readFileSync(option('--cert')),
  key: fs.readFileSync(option('--key')),
});
const wss = new WebSocketServer({ server });
wss.on('connection', (ws) => {
  ws.on('error', () => {});
  ws.on('message', (data) => {
    let m;
    try { m = JSON.parse(String(data)); } catch (e) { return; }
    if (m.msg === 'connect') ws.send(JSON.stringify({ msg: 'connected', session: 'tls' }));
    if (m.msg === 'ping') ws.send(JSON.stringify({ msg: 'pong', id: m.id }));
    if (m.msg === 'sub') {
      ws.send(JSON.stringify({ msg: 'added', collection: 'files', id: 't1', fields: {} }));
      ws.send(JSON.stringify({ msg: 'ready', subs: [m.id] }));
    }
  });
});
server.on('tlsClientError', () => {});
server.listen(Number(option('--port', '0')), '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
