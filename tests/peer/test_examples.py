#!/usr/bin/python3
"""The examples against a standard gRPC peer (Python grpcio, gRPC C-core)
and against each other: every client with every server.

    tests/peer/test_examples.py [-v]

For examples/helloworld and examples/route_guide it builds the lwgrpc
programs (make examples), then runs, each pairing on a fresh server:

    lwgrpc client -> lwgrpc server
    lwgrpc client -> grpcio server   (examples/*/py_*_server.py)
    grpcio client -> lwgrpc server   (examples/*/py_*_client.py)
    grpcio client -> grpcio server   (a self-check of the Python peers)

and checks what the client printed (both clients print the same lines)
and what the server says it saw.  -v prints every output.  Ends with
`N passed, N failed`.
"""
import os
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.join(ROOT, "build", "host", "bin")
PY = "/usr/bin/python3"
VERBOSE = "-v" in sys.argv[1:]

passed = 0
failed = 0


def report(ok, name, why="", outputs=()):
    global passed, failed
    if ok:
        passed += 1
        print("ok   %s" % name, flush=True)
    else:
        failed += 1
        print("FAIL %s: %s" % (name, why), flush=True)
    if VERBOSE or not ok:
        for title, text in outputs:
            print("    --- %s" % title)
            for line in text.splitlines():
                print("    | %s" % line)


class Server:
    """A server process on a free port; its output goes to a file."""

    def __init__(self, argv):
        self.log = tempfile.NamedTemporaryFile(mode="w+", suffix=".log", delete=False)
        self.proc = subprocess.Popen(argv + ["--port=0"], stdout=self.log,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     cwd=ROOT)
        self.port = None
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and self.proc.poll() is None:
            m = re.search(r"listening on port (\d+)", self.output())
            if m:
                self.port = int(m.group(1))
                break
            time.sleep(0.05)

    def output(self):
        with open(self.log.name, encoding="utf-8", errors="replace") as f:
            return f.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        text = self.output()
        self.log.close()
        os.unlink(self.log.name)
        return text


def run_client(argv):
    try:
        p = subprocess.run(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           stdin=subprocess.DEVNULL, timeout=60)
        return p.returncode, p.stdout.decode("utf-8", "replace")
    except subprocess.TimeoutExpired as e:
        return -1, (e.output or b"").decode("utf-8", "replace") + "\n(timed out)"


def missing(text, wanted):
    """The first wanted line (a string, or a compiled regex) not in text."""
    lines = text.splitlines()
    for w in wanted:
        if isinstance(w, str):
            if w not in lines:
                return w
        elif not any(w.fullmatch(line) for line in lines):
            return w.pattern
    return None


def pairing(example, client_name, client_argv, server_name, server_argv, want_client,
            want_server):
    name = "%s: %s client -> %s server" % (example, client_name, server_name)
    server = Server(server_argv)
    if server.port is None:
        text = server.stop()
        report(False, name, "the server did not start", [("server", text)])
        return
    try:
        rc, out = run_client(client_argv + ["--server=localhost:%d" % server.port])
    finally:
        # let a server's last log line out before it is stopped
        time.sleep(0.1)
        server_out = server.stop()
    outputs = [("client", out), ("server", server_out)]
    lost = missing(out, want_client)
    lost_server = missing(server_out, want_server)
    if rc != 0:
        report(False, name, "client exit status %d" % rc, outputs)
    elif lost:
        report(False, name, "client did not print: %s" % lost, outputs)
    elif lost_server:
        report(False, name, "server did not print: %s" % lost_server, outputs)
    else:
        report(True, name, outputs=outputs)


def all_pairings(example, clients, servers, want_client, want_server):
    for cname, cargv in clients:
        for sname, sargv in servers:
            pairing(example, cname, cargv(cname, sname), sname, sargv, want_client(cname, sname),
                    want_server(cname, sname))


def helloworld():
    def client_argv(lang):
        prog = [os.path.join(BIN, "helloworld_client")] if lang == "lwgrpc" else \
            [PY, "examples/helloworld/py_greeter_client.py"]
        return lambda c, s: prog + ["--name=%s to %s" % (c, s)]

    clients = [("lwgrpc", client_argv("lwgrpc")), ("grpcio", client_argv("grpcio"))]
    servers = [("lwgrpc", [os.path.join(BIN, "helloworld_server")]),
               ("grpcio", [PY, "examples/helloworld/py_greeter_server.py"])]
    all_pairings(
        "helloworld", clients, servers,
        lambda c, s: ['Greeter.SayHello("%s to %s") -> "Hello %s to %s"' % (c, s, c, s)],
        lambda c, s: ['SayHello("%s to %s") -> "Hello %s to %s"' % (c, s, c, s)])


CASTLE = "55.9486120, -3.2008330"
CALTON = "55.9553000, -3.1826000"
SEAT = "55.9441200, -3.1618300"

ROUTE_CLIENT = [
    "== GetFeature (unary)",
    'GetFeature(%s) -> "Edinburgh Castle"' % CASTLE,
    "GetFeature(55.9000000, -3.3000000) -> no feature",
    "== ListFeatures (server streaming)",
    "ListFeatures(55.9400000, -3.2200000 .. 55.9600000, -3.1600000)",
    '  "Edinburgh Castle" at %s' % CASTLE,
    '  "St Giles\' Cathedral" at 55.9494980, -3.1908030',
    '  "Calton Hill" at %s' % CALTON,
    '  "Palace of Holyroodhouse" at 55.9527000, -3.1722000',
    '  "Arthur\'s Seat" at %s' % SEAT,
    '  "Dean Village" at 55.9521000, -3.2192000',
    "ListFeatures -> 6 features, status OK",
    "== RecordRoute (client streaming)",
    "RecordRoute: 8 points sent",
    re.compile(r"RecordRoute -> 8 points, 6 features, 7081 m, \d+ s, status OK"),
    "== RouteChat (bidirectional streaming)",
    'RouteChat: sent "First message" at %s' % CASTLE,
    'RouteChat: sent "Sixth message" at %s' % SEAT,
    'RouteChat: got "First message" at %s' % CASTLE,
    'RouteChat: got "Second message" at %s' % CALTON,
    'RouteChat: got "Third message" at %s' % SEAT,
    "RouteChat -> 6 notes sent, 3 notes back, status OK",
]

ROUTE_SERVER = [
    'GetFeature(%s) -> "Edinburgh Castle"' % CASTLE,
    "GetFeature(55.9000000, -3.3000000) -> no feature",
    "ListFeatures -> 6 features",
    "RecordRoute -> 8 points, 6 features, 7081 m",
    'RouteChat note "First message" at %s' % CASTLE,
    'RouteChat note "Sixth message" at %s' % SEAT,
]


def route_guide():
    clients = [("lwgrpc", lambda c, s: [os.path.join(BIN, "route_guide_client")]),
               ("grpcio", lambda c, s: [PY, "examples/route_guide/py_route_guide_client.py"])]
    servers = [("lwgrpc", [os.path.join(BIN, "route_guide_server")]),
               ("grpcio", [PY, "examples/route_guide/py_route_guide_server.py"])]
    all_pairings("route_guide", clients, servers, lambda c, s: ROUTE_CLIENT,
                 lambda c, s: ROUTE_SERVER)


def main():
    env = dict(os.environ)
    for k in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL"):
        env.pop(k, None)
    p = subprocess.run(["make", "--no-print-directory", "-j2", "examples"], cwd=ROOT, env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    report(p.returncode == 0, "make examples (build/host/bin/*_server, *_client)",
           "exit status %d" % p.returncode,
           [("make", p.stdout.decode("utf-8", "replace")[-3000:])] if p.returncode else ())
    if p.returncode == 0:
        helloworld()
        route_guide()
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
