"""Shared helpers of the Python interop peers (imported, not run).

Messages come from our own protos (proto/grpc/testing/*.proto), compiled
by protoc into a descriptor set under build/gen/py/ when that is missing or
older than a .proto, and turned into Python classes at import time.  No
generated _pb2 modules and no grpc_python_plugin are needed: the gRPC
method handlers and stubs are wired by hand from the method paths below.

Also here: the test constants of doc/interop-test-descriptions.md (grpc/grpc
repository) and a command-line parser that takes both `--flag=value` and
`--flag value`.
"""
import os
import subprocess
import sys
import tempfile

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROTO_DIR = os.path.join(ROOT, "proto")
PROTOS = ["grpc/testing/empty.proto", "grpc/testing/messages.proto",
          "grpc/testing/test.proto"]
GEN_DIR = os.path.join(ROOT, "build", "gen", "py")
DESC = os.path.join(GEN_DIR, "grpc_testing.desc")


def _descriptor_set():
    """Bytes of a FileDescriptorSet of PROTOS (rebuilt when stale)."""
    src_mtime = max(os.path.getmtime(os.path.join(PROTO_DIR, p)) for p in PROTOS)
    if not os.path.exists(DESC) or os.path.getmtime(DESC) < src_mtime:
        os.makedirs(GEN_DIR, exist_ok=True)
        # Write to a private file and rename: peers started side by side
        # never read a half-written set.
        fd, tmp = tempfile.mkstemp(dir=GEN_DIR, suffix=".tmp")
        os.close(fd)
        try:
            subprocess.run(["protoc", "-I" + PROTO_DIR, "--include_imports",
                            "--descriptor_set_out=" + tmp] +
                           [os.path.join(PROTO_DIR, p) for p in PROTOS],
                           check=True)
            os.replace(tmp, DESC)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    with open(DESC, "rb") as f:
        return f.read()


def _load():
    fds = descriptor_pb2.FileDescriptorSet.FromString(_descriptor_set())
    pool = descriptor_pool.DescriptorPool()
    for fdp in fds.file:
        pool.Add(fdp)
    classes = {}
    for fdp in fds.file:
        fdesc = pool.FindFileByName(fdp.name)
        for name, mdesc in fdesc.message_types_by_name.items():
            if hasattr(message_factory, "GetMessageClass"):
                classes[name] = message_factory.GetMessageClass(mdesc)
            else:
                classes[name] = message_factory.MessageFactory(pool).GetPrototype(mdesc)
    return pool, classes


POOL, _CLASSES = _load()
Empty = _CLASSES["Empty"]
Payload = _CLASSES["Payload"]
EchoStatus = _CLASSES["EchoStatus"]
BoolValue = _CLASSES["BoolValue"]
SimpleRequest = _CLASSES["SimpleRequest"]
SimpleResponse = _CLASSES["SimpleResponse"]
StreamingInputCallRequest = _CLASSES["StreamingInputCallRequest"]
StreamingInputCallResponse = _CLASSES["StreamingInputCallResponse"]
ResponseParameters = _CLASSES["ResponseParameters"]
StreamingOutputCallRequest = _CLASSES["StreamingOutputCallRequest"]
StreamingOutputCallResponse = _CLASSES["StreamingOutputCallResponse"]

TEST_SERVICE = "grpc.testing.TestService"
UNIMPLEMENTED_SERVICE = "grpc.testing.UnimplementedService"

# method name -> (request class, response class, client streams, server streams)
TEST_METHODS = {
    "EmptyCall": (Empty, Empty, False, False),
    "UnaryCall": (SimpleRequest, SimpleResponse, False, False),
    "CacheableUnaryCall": (SimpleRequest, SimpleResponse, False, False),
    "StreamingOutputCall": (StreamingOutputCallRequest, StreamingOutputCallResponse, False, True),
    "StreamingInputCall": (StreamingInputCallRequest, StreamingInputCallResponse, True, False),
    "FullDuplexCall": (StreamingOutputCallRequest, StreamingOutputCallResponse, True, True),
    "HalfDuplexCall": (StreamingOutputCallRequest, StreamingOutputCallResponse, True, True),
    "UnimplementedCall": (Empty, Empty, False, False),
}

# ---- constants of the interop test descriptions ---------------------------
LARGE_REQ = 271828
LARGE_RESP = 314159
REQ_SIZES = [27182, 8, 1828, 45904]          # sum 74922
RESP_SIZES = [31415, 9, 2653, 58979]
ECHO_INITIAL_KEY = "x-grpc-test-echo-initial"
ECHO_INITIAL_VALUE = "test_initial_metadata_value"
ECHO_TRAILING_KEY = "x-grpc-test-echo-trailing-bin"
ECHO_TRAILING_VALUE = b"\xab\xab\xab"
STATUS_MESSAGE = "test status message"
SPECIAL_STATUS_MESSAGE = ("\t\ntest with whitespace\r\nand Unicode BMP \u263a "
                          "and non-BMP \U0001F608\t\n")

CODE_BY_NUMBER = {c.value[0]: c for c in grpc.StatusCode}


def status_code(number):
    """grpc.StatusCode for a numeric code (UNKNOWN for a number out of range)."""
    return CODE_BY_NUMBER.get(number, grpc.StatusCode.UNKNOWN)


# ---- TLS test credentials (tests/certs/make_certs.sh) -----------------------
CERT_DIR = os.path.join(ROOT, "build", "certs")
TEST_CA_FILE = os.path.join(CERT_DIR, "ca.pem")
TEST_CERT_FILE = os.path.join(CERT_DIR, "server.pem")
TEST_KEY_FILE = os.path.join(CERT_DIR, "server.key")


def read_file(path):
    with open(path, "rb") as f:
        return f.read()


def parse_flags(argv, known):
    """Parse `--name=value` and `--name value` flags.

    known maps flag name (without dashes) to its default; unknown flags are
    an error (exit 2).  Returns a dict of strings (defaults as given)."""
    out = dict(known)
    i = 0
    while i < len(argv):
        a = argv[i]
        if not a.startswith("--"):
            sys.exit("unexpected argument %r" % a)
        name = a[2:]
        if "=" in name:
            name, value = name.split("=", 1)
        else:
            if i + 1 >= len(argv):
                sys.exit("flag --%s needs a value" % name)
            i += 1
            value = argv[i]
        name = name.replace("-", "_")
        if name not in known:
            print("unknown flag --%s" % name, file=sys.stderr)
            sys.exit(2)
        out[name] = value
        i += 1
    return out


def flag_true(value):
    return str(value).lower() in ("1", "true", "yes", "on")
