#!/usr/bin/env node
'use strict';
// gRPC interop test client on grpc-js (pure JavaScript gRPC): a standard peer.
//
//   node tests/interop/js_interop_client.js --server_host=H --server_port=N --test_case=C
//       [--server_host_override=NAME] [--timeout=SECONDS]
//       [--use_tls=true [--use_test_ca=true | --ca_file=F]
//                       [--tls_cert_file=F --tls_key_file=F] [--auth_token=TOKEN]]
//
// Runs one case of doc/interop-test-descriptions.md (grpc/grpc repository)
// against a grpc.testing.TestService server, plaintext or over TLS
// (grpc.credentials.createSsl), and checks everything
// that document lists under "Client asserts" (and the optional checks it
// allows: payload bodies are all zeros, exact response counts).  Prints
// `PASS CASE` and exits 0, or `FAIL CASE: reason` and exits 1.
// `--test_case=all` runs every case; a comma-separated list runs those.
//
// TLS: --use_tls=true verifies the server against --ca_file (PEM), or with
// --use_test_ca=true against build/certs/ca.pem (tests/certs/make_certs.sh),
// else against the system roots; --server_host_override=NAME is the name
// checked in the server's certificate (grpc.ssl_target_name_override) and
// the :authority.  --tls_cert_file and --tls_key_file give a client
// certificate for mutual TLS (as lwgrpc's interop_client takes them).
// --auth_token=TOKEN sends `authorization: Bearer TOKEN` with every call
// (per-RPC credentials, grpc.credentials.createFromMetadataGenerator; TLS
// only, as grpc-js refuses call credentials on a plaintext channel).
//
// Cases: empty_unary large_unary client_streaming server_streaming ping_pong
// empty_stream custom_metadata status_code_and_message special_status_message
// unimplemented_method unimplemented_service cancel_after_begin
// cancel_after_first_response timeout_on_sleeping_server pick_first_unary

const {
  grpc, testing, C, parseFlags, flagTrue, TEST_CERTS, readFileOrExit,
} = require('./interop_common');

let TIMEOUT_MS = 20000;   // deadline of every call not testing deadlines

class CheckFailed extends Error {}

function check(cond, what) {
  if (!cond) throw new CheckFailed(what);
}

const statusName = (code) =>
  Object.keys(grpc.status).find((k) => grpc.status[k] === code) || String(code);

const deadline = (ms = TIMEOUT_MS) => ({ deadline: Date.now() + ms });

function zeroPayload(n) {
  return { type: 0, body: Buffer.alloc(n) };
}

function checkZeros(payload, size, what) {
  check(payload, `${what}: no payload`);
  check(payload.body.length === size,
    `${what}: payload body is ${payload.body.length} bytes, expected ${size}`);
  check(payload.body.every((b) => b === 0), `${what}: payload body is not all zeros`);
  check(payload.type === 0, `${what}: payload type ${payload.type}, expected COMPRESSABLE`);
}

// Unary call -> Promise of {err, resp, initial, status}.
function unary(client, method, req, metadata = new grpc.Metadata(), opts = deadline()) {
  return new Promise((resolve) => {
    const r = { err: null, resp: null, initial: null, status: null };
    let called = false;
    const maybeDone = () => { if (called && r.status) resolve(r); };
    const call = client[method](req, metadata, opts, (err, resp) => {
      r.err = err;
      r.resp = resp;
      called = true;
      maybeDone();
    });
    call.on('metadata', (md) => { r.initial = md; });
    call.on('status', (st) => { r.status = st; maybeDone(); });
  });
}

// Reads a response stream: await next() for each message (null at the end).
class Reader {
  constructor(call) {
    this.call = call;
    this.msgs = [];
    this.waiters = [];
    this.ended = false;
    this.err = null;
    this.initial = null;
    this.status = null;
    this.statusWaiters = [];
    call.on('metadata', (md) => { this.initial = md; });
    call.on('data', (m) => { this.msgs.push(m); this._wake(); });
    call.on('end', () => { this.ended = true; this._wake(); });
    call.on('error', (e) => { this.err = e; this.ended = true; this._wake(); });
    call.on('status', (st) => {
      this.status = st;
      for (const w of this.statusWaiters.splice(0)) w(st);
    });
  }

  _wake() {
    for (const w of this.waiters.splice(0)) w();
  }

  async next() {
    while (!this.msgs.length && !this.ended) {
      await new Promise((r) => this.waiters.push(r));
    }
    return this.msgs.length ? this.msgs.shift() : null;
  }

  // All remaining messages, then the status.
  async rest() {
    const out = [];
    for (let m = await this.next(); m !== null; m = await this.next()) out.push(m);
    await this.finalStatus();
    return out;
  }

  finalStatus() {
    if (this.status) return Promise.resolve(this.status);
    return new Promise((r) => this.statusWaiters.push(r));
  }
}

function expectStatus(st, code, what) {
  check(st.code === code,
    `${what}: status ${statusName(st.code)} (${JSON.stringify(st.details)}), expected ${statusName(code)}`);
}

function echoMetadata() {
  const md = new grpc.Metadata();
  md.set(C.ECHO_INITIAL_KEY, C.ECHO_INITIAL_VALUE);
  md.set(C.ECHO_TRAILING_KEY, C.ECHO_TRAILING_VALUE);
  return md;
}

function checkEcho(initial, trailing, what) {
  const iv = initial ? initial.get(C.ECHO_INITIAL_KEY) : [];
  check(iv.length === 1 && iv[0] === C.ECHO_INITIAL_VALUE,
    `${what}: initial metadata ${C.ECHO_INITIAL_KEY} = ${JSON.stringify(iv)}, expected ["${C.ECHO_INITIAL_VALUE}"]`);
  const tv = trailing ? trailing.get(C.ECHO_TRAILING_KEY) : [];
  check(tv.length === 1 && Buffer.isBuffer(tv[0]) && tv[0].equals(C.ECHO_TRAILING_VALUE),
    `${what}: trailing metadata ${C.ECHO_TRAILING_KEY} = ${JSON.stringify(tv.map(String))}, expected 0xababab`);
}

// ---- the cases ------------------------------------------------------------------

const CASES = {
  async empty_unary(ctx) {
    const r = await unary(ctx.client, 'EmptyCall', {});
    check(!r.err, `status ${r.err && statusName(r.err.code)}: ${r.err && r.err.details}`);
    check(r.resp !== null && r.resp !== undefined, 'no response');
  },

  async large_unary(ctx) {
    const r = await unary(ctx.client, 'UnaryCall', {
      response_type: 0, response_size: C.LARGE_RESP, payload: zeroPayload(C.LARGE_REQ) });
    expectStatus(r.status, grpc.status.OK, 'UnaryCall');
    checkZeros(r.resp.payload, C.LARGE_RESP, 'response');
  },

  async client_streaming(ctx) {
    const r = await new Promise((resolve) => {
      const out = {};
      let n = 0;
      const call = ctx.client.StreamingInputCall(new grpc.Metadata(), deadline(), (err, resp) => {
        out.err = err;
        out.resp = resp;
        if (++n === 2) resolve(out);
      });
      call.on('status', (st) => { out.status = st; if (++n === 2) resolve(out); });
      for (const size of C.REQ_SIZES) call.write({ payload: zeroPayload(size) });
      call.end();
    });
    expectStatus(r.status, grpc.status.OK, 'StreamingInputCall');
    check(r.resp.aggregated_payload_size === 74922,
      `aggregated_payload_size ${r.resp.aggregated_payload_size}, expected 74922`);
  },

  async server_streaming(ctx) {
    const req = { response_type: 0, response_parameters: C.RESP_SIZES.map((size) => ({ size })) };
    const rd = new Reader(ctx.client.StreamingOutputCall(req, new grpc.Metadata(), deadline()));
    const got = await rd.rest();
    expectStatus(rd.status, grpc.status.OK, 'StreamingOutputCall');
    check(got.length === C.RESP_SIZES.length,
      `${got.length} responses, expected ${C.RESP_SIZES.length}`);
    got.forEach((m, i) => checkZeros(m.payload, C.RESP_SIZES[i], `response ${i}`));
  },

  async ping_pong(ctx) {
    const call = ctx.client.FullDuplexCall(new grpc.Metadata(), deadline());
    const rd = new Reader(call);
    try {
      for (let i = 0; i < C.REQ_SIZES.length; i++) {
        call.write({ response_type: 0, response_parameters: [{ size: C.RESP_SIZES[i] }],
                     payload: zeroPayload(C.REQ_SIZES[i]) });
        const m = await rd.next();
        check(m !== null, `stream ended after ${i} responses, expected 4` +
          (rd.err ? ` (status ${statusName(rd.err.code)}: ${rd.err.details})` : ''));
        checkZeros(m.payload, C.RESP_SIZES[i], `response ${i}`);
      }
      call.end();
      const extra = await rd.rest();
      check(extra.length === 0, `${extra.length} responses after the 4th`);
      expectStatus(rd.status, grpc.status.OK, 'FullDuplexCall');
    } finally {
      call.cancel();
    }
  },

  async empty_stream(ctx) {
    const call = ctx.client.FullDuplexCall(new grpc.Metadata(), deadline());
    const rd = new Reader(call);
    call.end();
    const got = await rd.rest();
    expectStatus(rd.status, grpc.status.OK, 'FullDuplexCall');
    check(got.length === 0, `${got.length} responses, expected none`);
  },

  async custom_metadata(ctx) {
    // 1. UnaryCall
    const r = await unary(ctx.client, 'UnaryCall', {
      response_type: 0, response_size: C.LARGE_RESP, payload: zeroPayload(C.LARGE_REQ) },
    echoMetadata());
    expectStatus(r.status, grpc.status.OK, 'UnaryCall');
    checkZeros(r.resp.payload, C.LARGE_RESP, 'UnaryCall response');
    checkEcho(r.initial, r.status.metadata, 'UnaryCall');
    // 2. FullDuplexCall, then half-close
    const call = ctx.client.FullDuplexCall(echoMetadata(), deadline());
    const rd = new Reader(call);
    call.write({ response_type: 0, response_parameters: [{ size: C.LARGE_RESP }],
                 payload: zeroPayload(C.LARGE_REQ) });
    call.end();
    const got = await rd.rest();
    expectStatus(rd.status, grpc.status.OK, 'FullDuplexCall');
    check(got.length === 1, `FullDuplexCall: ${got.length} responses, expected 1`);
    checkZeros(got[0].payload, C.LARGE_RESP, 'FullDuplexCall response');
    checkEcho(rd.initial, rd.status.metadata, 'FullDuplexCall');
  },

  async status_code_and_message(ctx) {
    await statusCase(ctx, C.STATUS_MESSAGE, true);
  },

  async special_status_message(ctx) {
    await statusCase(ctx, C.SPECIAL_STATUS_MESSAGE, false);
  },

  async unimplemented_method(ctx) {
    const r = await unary(ctx.client, 'UnimplementedCall', {});
    expectStatus(r.status, grpc.status.UNIMPLEMENTED, 'TestService/UnimplementedCall');
  },

  async unimplemented_service(ctx) {
    const client = new testing.UnimplementedService(ctx.target, ctx.creds, ctx.options);
    try {
      const r = await unary(client, 'UnimplementedCall', {});
      expectStatus(r.status, grpc.status.UNIMPLEMENTED, 'UnimplementedService/UnimplementedCall');
    } finally {
      client.close();
    }
  },

  async cancel_after_begin(ctx) {
    const st = await new Promise((resolve) => {
      const call = ctx.client.StreamingInputCall(new grpc.Metadata(), deadline(), () => {});
      call.on('status', resolve);
      call.cancel();
    });
    expectStatus(st, grpc.status.CANCELLED, 'StreamingInputCall');
  },

  async cancel_after_first_response(ctx) {
    const call = ctx.client.FullDuplexCall(new grpc.Metadata(), deadline());
    const rd = new Reader(call);
    call.write({ response_type: 0, response_parameters: [{ size: 31415 }],
                 payload: zeroPayload(27182) });
    const m = await rd.next();
    check(m !== null, 'stream ended before the first response' +
      (rd.err ? ` (status ${statusName(rd.err.code)}: ${rd.err.details})` : ''));
    checkZeros(m.payload, 31415, 'first response');
    call.cancel();
    await rd.rest();
    expectStatus(rd.status, grpc.status.CANCELLED, 'FullDuplexCall');
  },

  async timeout_on_sleeping_server(ctx) {
    const call = ctx.client.FullDuplexCall(new grpc.Metadata(), deadline(1));
    const rd = new Reader(call);
    call.write({ response_type: 0, payload: zeroPayload(27182) });
    await rd.rest();
    expectStatus(rd.status, grpc.status.DEADLINE_EXCEEDED, 'FullDuplexCall');
  },

  async pick_first_unary(ctx) {
    const ids = new Set();
    for (let i = 0; i < 100; i++) {
      const r = await unary(ctx.client, 'UnaryCall', { fill_server_id: true });
      expectStatus(r.status, grpc.status.OK, `UnaryCall ${i}`);
      if (ids.size && !ids.has(r.resp.server_id)) {
        throw new CheckFailed(`call ${i} reached server_id ${JSON.stringify(r.resp.server_id)}, ` +
          `earlier ones ${JSON.stringify([...ids])}`);
      }
      ids.add(r.resp.server_id);
    }
    check(!ids.has(''), 'server_id is empty (fill_server_id was set)');
  },
};

async function statusCase(ctx, message, duplex) {
  // 1. UnaryCall
  const r = await unary(ctx.client, 'UnaryCall', { response_status: { code: 2, message } });
  expectStatus(r.status, grpc.status.UNKNOWN, 'UnaryCall');
  check(r.status.details === message,
    `UnaryCall: status message ${JSON.stringify(r.status.details)}, expected ${JSON.stringify(message)}`);
  if (!duplex) return;
  // 2. FullDuplexCall, then half-close
  const call = ctx.client.FullDuplexCall(new grpc.Metadata(), deadline());
  const rd = new Reader(call);
  call.write({ response_status: { code: 2, message } });
  call.end();
  await rd.rest();
  expectStatus(rd.status, grpc.status.UNKNOWN, 'FullDuplexCall');
  check(rd.status.details === message,
    `FullDuplexCall: status message ${JSON.stringify(rd.status.details)}, expected ${JSON.stringify(message)}`);
}

async function runCase(name, target, override, tlsCreds) {
  const options = { 'grpc.max_receive_message_length': 8 << 20 };
  if (override) {
    options['grpc.default_authority'] = override;
    if (tlsCreds) options['grpc.ssl_target_name_override'] = override;
  }
  if (name === 'pick_first_unary') {
    options['grpc.service_config'] = JSON.stringify({ loadBalancingConfig: [{ pick_first: {} }] });
  }
  const creds = tlsCreds || grpc.credentials.createInsecure();
  const ctx = { target, creds, options, client: new testing.TestService(target, creds, options) };
  try {
    await CASES[name](ctx);
    console.log(`PASS ${name}`);
    return true;
  } catch (e) {
    if (e instanceof CheckFailed) console.log(`FAIL ${name}: ${e.message}`);
    else console.log(`FAIL ${name}: exception ${e && e.stack ? e.stack : e}`);
    return false;
  } finally {
    ctx.client.close();
  }
}

async function main() {
  const flags = parseFlags(process.argv.slice(2), {
    server_host: '127.0.0.1', server_port: '', test_case: '', server_host_override: '',
    use_tls: 'false', use_test_ca: 'false', ca_file: '', tls_cert_file: '', tls_key_file: '',
    auth_token: '', timeout: String(TIMEOUT_MS / 1000) });
  if (!flags.server_port || !flags.test_case) {
    console.error('usage: js_interop_client.js --server_host=H --server_port=N --test_case=C');
    process.exit(2);
  }
  let tlsCreds = null;
  if (flagTrue(flags.use_tls)) {
    const caFile = flags.ca_file || (flagTrue(flags.use_test_ca) ? TEST_CERTS.CA_FILE : '');
    if (!flags.tls_cert_file !== !flags.tls_key_file) {
      console.error('--tls_cert_file and --tls_key_file go together');
      process.exit(2);
    }
    tlsCreds = grpc.credentials.createSsl(
      caFile ? readFileOrExit(caFile) : null,          // null: the system roots
      flags.tls_key_file ? readFileOrExit(flags.tls_key_file) : null,
      flags.tls_cert_file ? readFileOrExit(flags.tls_cert_file) : null);
    if (flags.auth_token) {
      const token = flags.auth_token;
      tlsCreds = grpc.credentials.combineChannelCredentials(tlsCreds,
        grpc.credentials.createFromMetadataGenerator((_params, cb) => {
          const md = new grpc.Metadata();
          md.add('authorization', `Bearer ${token}`);
          cb(null, md);
        }));
    }
  } else if (flags.auth_token) {
    console.error('--auth_token needs --use_tls=true (grpc-js sends call credentials over TLS only)');
    process.exit(2);
  }
  TIMEOUT_MS = Math.round(parseFloat(flags.timeout) * 1000);
  const host = flags.server_host.includes(':') && !flags.server_host.startsWith('[')
    ? `[${flags.server_host}]` : flags.server_host;
  const target = `${host}:${flags.server_port}`;
  const names = flags.test_case === 'all' ? Object.keys(CASES) : flags.test_case.split(',');
  for (const n of names) {
    if (!(n in CASES)) {
      console.error(`unknown test case ${JSON.stringify(n)}; known: ${Object.keys(CASES).join(' ')}`);
      process.exit(2);
    }
  }
  // Nothing may hang: a case gets its call deadline plus a margin.
  const guard = setTimeout(() => {
    console.log(`FAIL ${flags.test_case}: client timed out`);
    process.exit(1);
  }, (TIMEOUT_MS + 10000) * names.length);
  guard.unref();
  let ok = true;
  for (const n of names) {
    ok = (await runCase(n, target, flags.server_host_override, tlsCreds)) && ok;
  }
  process.exit(ok ? 0 : 1);
}

main();
