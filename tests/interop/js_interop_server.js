#!/usr/bin/env node
'use strict';
// gRPC interop test server on grpc-js (pure JavaScript gRPC): a standard peer.
//
//   node tests/interop/js_interop_server.js --port=N [--host=127.0.0.1]
//       [--use_tls=true [--tls_cert_file=F --tls_key_file=F]
//                       [--tls_client_ca_file=F [--require_client_cert=true]]]
//       [--log_calls=true] [--require_auth_token=TOKEN]
//
// Implements grpc.testing.TestService as doc/interop-test-descriptions.md
// (grpc/grpc repository) describes it, over plaintext HTTP/2 or TLS: EmptyCall,
// UnaryCall, CacheableUnaryCall, StreamingOutputCall, StreamingInputCall,
// FullDuplexCall, HalfDuplexCall.  Every method observes response_size /
// response_parameters (size and interval_us), response_status (ends the call
// with that code and message, before any further response), fill_username and
// fill_oauth_scope (empty: no authentication), fill_server_id (one id per
// server process), and echoes the request metadata x-grpc-test-echo-initial
// into the initial metadata and x-grpc-test-echo-trailing-bin into the
// trailing metadata.  UnimplementedCall is left out (grpc-js answers
// UNIMPLEMENTED) and UnimplementedService is not registered.
//
// TLS (grpc.ServerCredentials.createSsl): --use_tls=true with --tls_cert_file
// and --tls_key_file (PEM; default build/certs/server.pem and server.key of
// tests/certs/make_certs.sh).  Mutual TLS: --tls_client_ca_file=F
// --require_client_cert=true (grpc-js either requires and verifies a client
// certificate or asks for none: without --require_client_cert the CA file
// is loaded but no certificate is asked for).  --log_calls=true prints
// `call METHOD` when a handler starts (a test's proof that a refused
// connection never reached one).  --require_auth_token=TOKEN: every call
// must carry `authorization: Bearer TOKEN` (per-RPC credentials), else it
// ends UNAUTHENTICATED before its handler runs (and is not logged).
//
// Prints "listening on HOST:PORT" once bound; stops on SIGTERM / SIGINT.

const {
  grpc, testing, C, parseFlags, flagTrue, TEST_CERTS, readFileOrExit,
} = require('./interop_common');

const SERVER_ID = `js-interop-server-${process.pid}`;

// The echo metadata of a call: [initial Metadata or null, trailing Metadata].
function echoMetadata(call) {
  const trailing = new grpc.Metadata();
  let initial = null;
  const iv = call.metadata.get(C.ECHO_INITIAL_KEY);
  if (iv.length) {
    initial = new grpc.Metadata();
    for (const v of iv) initial.add(C.ECHO_INITIAL_KEY, v);
    call.sendMetadata(initial);
  }
  for (const v of call.metadata.get(C.ECHO_TRAILING_KEY)) {
    trailing.add(C.ECHO_TRAILING_KEY, v);
  }
  return trailing;
}

// A status error (with the trailing metadata) for a response_status with a
// non-zero code, an unsupported response_type or a negative size; else null.
function requestError(req, trailing) {
  if (req.response_status && req.response_status.code !== 0) {
    return { code: req.response_status.code, details: req.response_status.message,
             metadata: trailing };
  }
  if (req.response_type !== 0) {
    return { code: grpc.status.INVALID_ARGUMENT,
             details: `unsupported response_type ${req.response_type}`, metadata: trailing };
  }
  for (const p of req.response_parameters || []) {
    if (p.size < 0) {
      return { code: grpc.status.INVALID_ARGUMENT, details: `negative size ${p.size}`,
               metadata: trailing };
    }
  }
  return null;
}

function zeros(n) {
  return { type: 0, body: Buffer.alloc(n) };
}

const sleep = (us) => new Promise((r) => setTimeout(r, Math.ceil(us / 1000)));

function simpleResponse(req) {
  const resp = {};
  if (req.response_size > 0) resp.payload = zeros(req.response_size);
  if (req.fill_username) resp.username = '';     // no authentication here
  if (req.fill_oauth_scope) resp.oauth_scope = '';
  if (req.fill_server_id) resp.server_id = SERVER_ID;
  if (req.fill_grpclb_route_type) resp.grpclb_route_type = 0;  // UNKNOWN
  return resp;
}

// Streaming calls: run the requests' work one after the other (interval_us
// sleeps keep order), stop at the first status to echo, or on cancel.
function makeStreamer(call, trailing) {
  let chain = Promise.resolve();
  let done = false;
  call.on('cancelled', () => { done = true; });
  call.on('error', () => { done = true; });
  return {
    // Queue one request's responses.
    respond(req) {
      chain = chain.then(async () => {
        if (done) return;
        const err = requestError(req, trailing);
        if (err) {
          done = true;
          call.emit('error', err);
          return;
        }
        for (const p of req.response_parameters) {
          if (p.interval_us > 0) await sleep(p.interval_us);
          if (done) return;
          call.write({ payload: zeros(p.size) });
        }
      });
    },
    // Queue the OK end of the call.
    finish() {
      chain = chain.then(() => {
        if (!done) {
          done = true;
          call.end(trailing);
        }
      });
    },
  };
}

const service = {
  EmptyCall(call, callback) {
    const trailing = echoMetadata(call);
    callback(null, {}, trailing);
  },

  UnaryCall(call, callback) {
    const trailing = echoMetadata(call);
    const err = requestError(call.request, trailing);
    if (err) return callback(err);
    return callback(null, simpleResponse(call.request), trailing);
  },

  CacheableUnaryCall(call, callback) {
    const trailing = echoMetadata(call);
    const err = requestError(call.request, trailing);
    if (err) return callback(err);
    const resp = simpleResponse(call.request);
    // Different for each call: a nanosecond timestamp, as ASCII.
    resp.payload = { type: 0, body: Buffer.from(process.hrtime.bigint().toString()) };
    return callback(null, resp, trailing);
  },

  StreamingOutputCall(call) {
    const trailing = echoMetadata(call);
    const s = makeStreamer(call, trailing);
    s.respond(call.request);
    s.finish();
  },

  StreamingInputCall(call, callback) {
    const trailing = echoMetadata(call);
    let total = 0;
    call.on('data', (req) => { total += req.payload ? req.payload.body.length : 0; });
    call.on('end', () => callback(null, { aggregated_payload_size: total }, trailing));
    call.on('error', () => {});
  },

  FullDuplexCall(call) {
    const trailing = echoMetadata(call);
    const s = makeStreamer(call, trailing);
    call.on('data', (req) => s.respond(req));
    call.on('end', () => s.finish());
  },

  HalfDuplexCall(call) {
    const trailing = echoMetadata(call);
    const s = makeStreamer(call, trailing);
    const reqs = [];
    call.on('data', (req) => reqs.push(req));
    call.on('end', () => {
      for (const r of reqs) s.respond(r);
      s.finish();
    });
  },
  // UnimplementedCall: deliberately absent.
};

// impl with every handler behind the per-RPC credentials check (token: the
// bearer token every call must carry, or null) and printing `call NAME`
// before it runs when logCalls.
function guarded(impl, logCalls, token) {
  const out = {};
  for (const [name, fn] of Object.entries(impl)) {
    out[name] = function (call, callback) {
      if (token !== null) {
        const auth = call.metadata.get('authorization');
        if (auth.length !== 1 || auth[0] !== `Bearer ${token}`) {
          const err = { code: grpc.status.UNAUTHENTICATED,
                        details: auth.length ? 'wrong bearer token' : 'no bearer token' };
          if (callback) callback(err);
          else call.emit('error', err);
          return undefined;
        }
      }
      if (logCalls) console.log(`call ${name}`);
      return fn.call(this, call, callback);
    };
  }
  return out;
}

function main() {
  const flags = parseFlags(process.argv.slice(2), {
    port: '', use_tls: 'false', host: '127.0.0.1',
    tls_cert_file: TEST_CERTS.CERT_FILE, tls_key_file: TEST_CERTS.KEY_FILE,
    tls_client_ca_file: '', require_client_cert: 'false', log_calls: 'false',
    require_auth_token: '' });
  if (!flags.port) {
    console.error('--port is required');
    process.exit(2);
  }
  let creds = grpc.ServerCredentials.createInsecure();
  const tls = flagTrue(flags.use_tls);
  if (tls) {
    const require = flagTrue(flags.require_client_cert);
    if (require && !flags.tls_client_ca_file) {
      console.error('--require_client_cert needs --tls_client_ca_file');
      process.exit(2);
    }
    const ca = flags.tls_client_ca_file ? readFileOrExit(flags.tls_client_ca_file) : null;
    creds = grpc.ServerCredentials.createSsl(ca, [{
      private_key: readFileOrExit(flags.tls_key_file),
      cert_chain: readFileOrExit(flags.tls_cert_file),
    }], require);
  }
  const server = new grpc.Server();
  const logCalls = flagTrue(flags.log_calls);
  const token = flags.require_auth_token || null;
  server.addService(testing.TestService.service,
    logCalls || token !== null ? guarded(service, logCalls, token) : service);
  const host = flags.host.includes(':') ? `[${flags.host}]` : flags.host;
  server.bindAsync(`${host}:${flags.port}`, creds, (err, port) => {
    if (err) {
      console.error(`cannot listen on ${host}:${flags.port}: ${err.message}`);
      process.exit(1);
    }
    console.log(`listening on ${flags.host}:${port}${tls ? ' (TLS)' : ''}`);
  });
  const stop = () => {
    server.tryShutdown(() => process.exit(0));
    setTimeout(() => { server.forceShutdown(); process.exit(0); }, 2000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main();
