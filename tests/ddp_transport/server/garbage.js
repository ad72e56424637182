// A raw WebSocket server that abuses its client, for the malformed-frame test: whatever a
// server sends, the client must survive it and end connected once the server behaves.
//   node garbage.js [--port P]      prints "listening PORT"
// Connection 1: text that is not JSON, truncated JSON, non-object JSON, a binary frame, a 2 MiB
//               frame, deep nesting, then a text frame that is not UTF-8 (the client must drop
//               the connection).
// Connection 2: "connected", frames of the wrong shape, then an abrupt TCP close (no close
//               frame).
// Connection 3: a frame bigger than the client's limit (8 MiB).
// Connection 4 and later: a correct DDP server with one document {_id: "ok"} in "files".
'use strict';
const { WebSocketServer } = require('ws');

const args = process.argv.slice(2);
const i = args.indexOf('--port');
const port = i >= 0 ? Number(args[i + 1]) : 0;
let connections = 0;

const wss = new WebSocketServer({ host: '127.0.0.1', port, maxPayload: 64 << 20 });
wss.on('listening', () => process.stdout.write(`listening ${wss.address().port}\n`));
wss.on('connection', (ws) => {
  const n = ++connections;
  ws.on('error', () => {});
  if (n === 1) {
    ws.send('not json at all');
    ws.send('{"msg":"added","collection":"files"');
    ws.send('42');
    ws.send('null');
    ws.send('[1,2]');
    ws.send('"hello"');
    ws.send(Buffer.from([0, 1, 2, 255]), { binary: true });
    ws.send(JSON.stringify({ msg: 'added', collection: 'big', id: 'b1',
                             fields: { blob: 'x'.repeat(2 << 20) } }));
    ws.send('['.repeat(100000) + ']'.repeat(100000));
    ws.send('{"msg":"added","collection":"files","id":"x","fields":{"a":' + '{"b":'.repeat(5000) +
            '1' + '}'.repeat(5001) + '}');
    ws.send(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), { binary: false });
    return;
  }
  if (n === 2) {
    ws.send('{"msg":"connected","session":"g2"}');
    ws.send('{"msg":"added","collection":"files","id":"y"}');
    ws.send('{"msg":"changed","collection":"files","id":"nope","fields":{"a":1}}');
    ws.send('{"msg":"result","id":"never-called","result":1}');
    ws.send('{"msg":"ready","subs":"not-an-array"}');
    ws.send('{"msg":"ping","id":"p1"}', () => setTimeout(() => ws._socket.destroy(), 50));
    return;
  }
  if (n === 3) {
    ws.send('"' + 'y'.repeat(8 << 20) + '"');
    return;
  }
  ws.on('message', (data) => {
    let m;
    try { m = JSON.parse(String(data)); } catch (e) { return; }
    if (m.msg === 'connect') ws.send(JSON.stringify({ msg: 'connected', session: `g${n}` }));
    if (m.msg === 'ping') ws.send(JSON.stringify({ msg: 'pong', id: m.id }));
    if (m.msg === 'sub') {
      ws.send(JSON.stringify({ msg: 'added', collection: 'files', id: 'ok', fields: { n: n } }));
      ws.send(JSON.stringify({ msg: 'ready', subs: [m.id] }));
    }
  });
});
