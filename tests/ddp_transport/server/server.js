// The DDP server of the ddp_transport end-to-end tests and benchmark: ddp-server-reactive
// (a third-party DDP server from npm) on localhost, with our data and methods.
//   node server.js [--port P] [--data a|b] [--log FILE] [--hang METHOD]
// Prints "listening PORT" on stdout once it accepts connections. --data picks the initial
// documents: "b" is what a restarted server holds after changes made while the client was away
// (f1 renamed, f2 gone, f3 untouched, f4 new). --log FILE appends one JSON line per "method"
// frame received ({"method","id","randomSeed"}), so that a test can see the ids a retried call
// came with across a restart. --hang METHOD makes that method block the server for good (a call
// in flight when the test kills the server).
'use strict';
const http = require('http');
const DDPServer = require('ddp-server-reactive');

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};
const port = Number(option('--port', '0'));
const data = option('--data', 'a');
const log = option('--log', '');
const hang = option('--hang', '');

// ddp-server-reactive hands a method its params only, not the frame: the frames are seen where
// it parses them (it calls JSON.parse on every WebSocket message).
if (log) {
  const fs = require('fs');
  const parse = JSON.parse;
  JSON.parse = function (...args) {
    const value = parse.apply(this, args);
    if (value && value.msg === 'method') {
      const line = { method: value.method, id: value.id, randomSeed: value.randomSeed };
      fs.appendFileSync(log, JSON.stringify(line) + '\n');
    }
    return value;
  };
}

const httpServer = http.createServer();
const server = new DDPServer({ httpServer });
const files = server.publish('files');
const users = server.publish('users');

if (data === 'a') {
  files.f1 = { name: 'Budget.xlsx', size: 20480, owner: 'u1' };
  files.f2 = { name: 'Notes.txt', size: 512, owner: 'u2' };
  files.f3 = { name: 'Slides.pptx', size: 4096, owner: 'u1' };
} else {
  files.f1 = { name: 'Budget 2025.xlsx', size: 20480, owner: 'u1' };
  files.f3 = { name: 'Slides.pptx', size: 4096, owner: 'u1' };
  files.f4 = { name: 'Plan.md', size: 100, owner: 'u2' };
}
users.u1 = { username: 'alice' };

const now = () => performance.timeOrigin + performance.now();

const methods = {
  'files.add': (id, doc) => { files[id] = doc; return id; },
  'files.set': (id, field, value) => { files[id][field] = value; return true; },
  'files.unset': (id, field) => { delete files[id][field]; return true; },
  'files.remove': (id) => { delete files[id]; return true; },
  'fail': () => { throw new Error('on purpose'); },
  // The server's own view of the data, to compare with the client's store.
  'dump': () => {
    const out = {};
    for (const [name, coll] of [['files', files], ['users', users]]) {
      out[name] = {};
      for (const id of Object.keys(coll)) out[name][id] = Object.assign({}, coll[id]);
    }
    return out;
  },
  // n changes of one document, each stamped with the time it was made (ms since the epoch,
  // sub-millisecond precision), sent as fast as the server can.
  'bench.burst': (id, n) => {
    for (let i = 0; i < n; ++i) files[id].seq = { i, t: now() };
    return n;
  },
};
if (hang in methods) {
  methods[hang] = () => { for (;;) {} };
}
server.methods(methods);

httpServer.listen(port, '127.0.0.1', () => {
  process.stdout.write(`listening ${httpServer.address().port}\n`);
});
