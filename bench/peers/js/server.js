#!/usr/bin/env node
'use strict';
// bench/peers/js/server.js - the bench.Bench service on grpc-js (pure
// JavaScript gRPC, npm @grpc/grpc-js + @grpc/proto-loader, installed into
// build/deps/node_modules by toolchain/deps.sh npm).
//
//   node bench/peers/js/server.js [--port=0]
//
// Prints "listening on port N".  GetStats returns the counters the
// benchmark driver checks: a Unary call counts once its handler has
// answered with a response (grpc-status 0 follows).

const path = require('path');
const ROOT = path.resolve(__dirname, '..', '..', '..');
const MODULES = path.join(ROOT, 'build', 'deps', 'node_modules');
const grpc = require(path.join(MODULES, '@grpc', 'grpc-js'));
const protoLoader = require(path.join(MODULES, '@grpc', 'proto-loader'));

const def = protoLoader.loadSync(path.join(ROOT, 'bench', 'bench.proto'), {
  keepCase: true, longs: Number, defaults: true,
});
const bench = grpc.loadPackageDefinition(def).bench;

let port = 0;
for (const a of process.argv.slice(2)) {
  if (a.startsWith('--port=')) port = parseInt(a.slice(7), 10);
  else { console.error('usage: server.js [--port=0]'); process.exit(2); }
}

const stats = { unary_ok: 0, stream_ok: 0, stream_bytes: 0 };
const CHUNK = Buffer.alloc(65536, 'x');

function Unary(call, callback) {
  stats.unary_ok++;
  callback(null, { data: call.request.data });
}

function ServerStream(call) {
  const { count, size } = call.request;
  if (size > CHUNK.length) {
    call.emit('error', { code: grpc.status.INVALID_ARGUMENT, details: 'size > 65536' });
    return;
  }
  const msg = { data: CHUNK.subarray(0, size) };
  let left = count;
  // write until the stream buffers are full, then wait for 'drain'
  function more() {
    while (left > 0) {
      left--;
      stats.stream_bytes += size;
      if (!call.write(msg)) {
        call.once('drain', more);
        return;
      }
    }
    stats.stream_ok++;
    call.end();
  }
  more();
}

function ClientStream(call, callback) {
  let messages = 0;
  let bytes = 0;
  call.on('data', (c) => { messages++; bytes += c.data.length; });
  call.on('end', () => {
    stats.stream_bytes += bytes;
    stats.stream_ok++;
    callback(null, { messages, bytes });
  });
}

function GetStats(call, callback) {
  callback(null, stats);
}

const server = new grpc.Server({
  'grpc.max_receive_message_length': 1 << 20,
});
server.addService(bench.Bench.service, { Unary, ServerStream, ClientStream, GetStats });
// grpc-js 1.14 (pinned by toolchain/deps.sh) serves once bound: no start()
server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (err, bound) => {
  if (err) { console.error('js bench server:', err.message); process.exit(1); }
  console.log(`listening on port ${bound}`);
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { server.forceShutdown(); process.exit(0); });
