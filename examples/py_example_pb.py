"""Helpers of the Python peers of the examples (imported, not run).

load(proto) compiles one of our .proto files (a path under proto/) with
protoc into a descriptor set in build/gen/py/ -- again only when the
.proto is newer -- and returns its message classes by name.  Nothing
generated is committed and no grpc_python_plugin is needed: the examples'
Python servers and clients wire grpcio's generic handlers and
multi-callables from the method paths themselves.

Also: a `--flag=value` / `--flag value` parser and the port line the test
and the demo read ("listening on port N").
"""
import os
import subprocess
import sys
import tempfile

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROTO_DIR = os.path.join(ROOT, "proto")
GEN_DIR = os.path.join(ROOT, "build", "gen", "py")


def load(proto):
    """Message classes of proto/<proto>: {"Point": class, "Rectangle": ...}."""
    src = os.path.join(PROTO_DIR, proto)
    desc = os.path.join(GEN_DIR, proto.replace("/", "_") + ".desc")
    if not os.path.exists(desc) or os.path.getmtime(desc) < os.path.getmtime(src):
        os.makedirs(GEN_DIR, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=GEN_DIR, suffix=".tmp")
        os.close(fd)
        try:
            subprocess.run(["protoc", "-I" + PROTO_DIR, "--include_imports",
                            "--descriptor_set_out=" + tmp, src], check=True)
            os.replace(tmp, desc)   # peers started together never see half a file
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    with open(desc, "rb") as f:
        fds = descriptor_pb2.FileDescriptorSet.FromString(f.read())
    pool = descriptor_pool.DescriptorPool()
    for fdp in fds.file:
        pool.Add(fdp)
    classes = {}
    fdesc = pool.FindFileByName(proto)
    for name, mdesc in fdesc.message_types_by_name.items():
        if hasattr(message_factory, "GetMessageClass"):
            classes[name] = message_factory.GetMessageClass(mdesc)
        else:
            classes[name] = message_factory.MessageFactory(pool).GetPrototype(mdesc)
    return classes


def flags(argv, known, usage):
    """Parse --name=value / --name value against `known` (name -> default)."""
    out = dict(known)
    i = 0
    while i < len(argv):
        a = argv[i]
        name, value = (a[2:].split("=", 1) + [None])[:2] if a.startswith("--") else (None, None)
        if name not in known:
            sys.exit("unknown argument %s\nusage: %s" % (a, usage))
        if value is None:
            i += 1
            if i >= len(argv):
                sys.exit("--%s needs a value\nusage: %s" % (name, usage))
            value = argv[i]
        out[name] = value
        i += 1
    return out


def serve_until_signal(server, name, port):
    """Print the port line, serve until SIGTERM or Ctrl-C."""
    import signal
    import threading
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    print("%s: listening on port %d" % (name, port), flush=True)
    done.wait()
    server.stop(grace=1).wait()
