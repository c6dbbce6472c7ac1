'use strict';
// Shared helpers of the grpc-js interop peers (required, not run).
//
// Loads @grpc/grpc-js and @grpc/proto-loader (from NODE_PATH, or from
// build/deps/node_modules where `toolchain/deps.sh npm` installs them),
// loads our own protos (proto/grpc/testing/*.proto) at run time, and holds
// the constants of doc/interop-test-descriptions.md (grpc/grpc repository)
// and a flag parser that takes `--flag=value` and `--flag value`.

const path = require('path');

const ROOT = path.resolve(__dirname, '..', '..');
const DEPS = path.join(ROOT, 'build', 'deps', 'node_modules');

function load(name) {
  try {
    return require(name);
  } catch (e) {
    if (e.code !== 'MODULE_NOT_FOUND') throw e;
    try {
      return require(path.join(DEPS, name));
    } catch (e2) {
      console.error(`cannot load ${name}: run toolchain/deps.sh npm (or set NODE_PATH)`);
      process.exit(2);
    }
  }
}

const grpc = load('@grpc/grpc-js');
const protoLoader = load('@grpc/proto-loader');

const PROTO_DIR = path.join(ROOT, 'proto');
const packageDefinition = protoLoader.loadSync(
  ['grpc/testing/empty.proto', 'grpc/testing/messages.proto', 'grpc/testing/test.proto'],
  {
    includeDirs: [PROTO_DIR],
    keepCase: true,   // field names as in the .proto (response_size, ...)
    longs: Number,
    enums: Number,
    bytes: Buffer,
    defaults: true,   // absent scalars read as 0 / '' / empty Buffer
    oneofs: true,
  });
const testing = grpc.loadPackageDefinition(packageDefinition).grpc.testing;

const C = {
  LARGE_REQ: 271828,
  LARGE_RESP: 314159,
  REQ_SIZES: [27182, 8, 1828, 45904],     // sum 74922
  RESP_SIZES: [31415, 9, 2653, 58979],
  ECHO_INITIAL_KEY: 'x-grpc-test-echo-initial',
  ECHO_INITIAL_VALUE: 'test_initial_metadata_value',
  ECHO_TRAILING_KEY: 'x-grpc-test-echo-trailing-bin',
  ECHO_TRAILING_VALUE: Buffer.from([0xab, 0xab, 0xab]),
  STATUS_MESSAGE: 'test status message',
  SPECIAL_STATUS_MESSAGE:
    '\t\ntest with whitespace\r\nand Unicode BMP \u263a and non-BMP \u{1F608}\t\n',
};

// parseFlags(argv, {name: default}) -> {name: string}; unknown flag: exit 2.
function parseFlags(argv, known) {
  const out = Object.assign({}, known);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) {
      console.error(`unexpected argument ${JSON.stringify(a)}`);
      process.exit(2);
    }
    let name = a.slice(2);
    let value;
    const eq = name.indexOf('=');
    if (eq >= 0) {
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
    } else {
      if (i + 1 >= argv.length) {
        console.error(`flag --${name} needs a value`);
        process.exit(2);
      }
      value = argv[++i];
    }
    name = name.replace(/-/g, '_');
    if (!(name in known)) {
      console.error(`unknown flag --${name}`);
      process.exit(2);
    }
    out[name] = value;
  }
  return out;
}

function flagTrue(v) {
  return ['1', 'true', 'yes', 'on'].includes(String(v).toLowerCase());
}

// TLS test credentials (tests/certs/make_certs.sh).
const CERT_DIR = path.join(ROOT, 'build', 'certs');
const TEST_CERTS = {
  CA_FILE: path.join(CERT_DIR, 'ca.pem'),
  CERT_FILE: path.join(CERT_DIR, 'server.pem'),
  KEY_FILE: path.join(CERT_DIR, 'server.key'),
};

// The contents of a file, or exit 2 saying which one cannot be read.
function readFileOrExit(file) {
  try {
    return require('fs').readFileSync(file);
  } catch (e) {
    console.error(`cannot read ${file}: ${e.message}`);
    process.exit(2);
  }
}

module.exports = { grpc, testing, C, parseFlags, flagTrue, ROOT, TEST_CERTS, readFileOrExit };
