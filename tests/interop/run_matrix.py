#!/usr/bin/python3
"""The interop pass matrix: lwgrpc's interop binaries against standard peers.

    tests/interop/run_matrix.py [--server=PATH] [--client=PATH]
        [--pairings=LIST] [--cases=LIST] [--self-check] [--timeout=SECONDS]
        [--host=127.0.0.1] [--server-arg=ARG]... [--client-arg=ARG]...
        [--logs=DIR] [--tls | --mtls] [--certs=DIR]
        [--server-host-override=NAME] [-v]

Every case of doc/interop-test-descriptions.md (grpc/grpc repository) that
lwgrpc runs, in both directions, against two independent gRPC stacks:

  pairing      client                     server
  py-server    lwgrpc interop_client  ->  Python grpcio (C-core) server
  js-server    lwgrpc interop_client  ->  grpc-js server
  py-client    Python grpcio client   ->  lwgrpc interop_server
  js-client    grpc-js client         ->  lwgrpc interop_server

The lwgrpc binaries default to build/host/bin/interop_server and
build/host/bin/interop_client (or $LWG_INTEROP_SERVER / $LWG_INTEROP_CLIENT).
A pairing may also be written CLIENT:SERVER with CLIENT and SERVER each one
of lwg, py, js (e.g. lwg:lwg).  --self-check runs the peers against each
other (py:py py:js js:py js:js) and needs no lwgrpc binary: it validates
this script and the peers.

Servers are started here on free loopback ports (`--port=N`, for lwgrpc
too), one per pairing, and restarted if one dies; each client run is one
case (`--server_host=H --server_port=N --test_case=C`, exit 0 = pass).
A case also fails on a sanitizer report (ASan, UBSan, LSan) from either
process during it, and on a server that exited during it.  Every process is
killed in a finally clause; nothing runs longer than --timeout per case.
Logs: build/logs/interop/ (a failure shows its log tail).

TLS: --tls runs every case over TLS (server: --use_tls=true
--tls_cert_file=server.pem --tls_key_file=server.key; client:
--use_tls=true --ca_file=ca.pem --server_host_override=foo.test.google.fr,
as gRPC's interop programs take them, for lwgrpc and both peers alike);
--mtls is mutual TLS (the server also gets --tls_client_ca_file=ca.pem
--require_client_cert=true, the client --tls_cert_file=client.pem
--tls_key_file=client.key).  The certificates are made (if missing or
stale) by tests/certs/make_certs.sh into --certs (default build/certs).
Both work with --self-check.  Logs of TLS runs are named tls-* / mtls-*.
Without --tls / --mtls everything is plaintext, as before.

Prints one line per case, then the matrix (rows = cases, columns =
pairings), then `N passed, N failed`; exits non-zero on any failure.  A
missing lwgrpc binary fails every case of the pairings that need it.
"""
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PY = "/usr/bin/python3"

CASES = ["empty_unary", "large_unary", "client_streaming", "server_streaming",
         "ping_pong", "empty_stream", "custom_metadata", "status_code_and_message",
         "special_status_message", "unimplemented_method", "unimplemented_service",
         "cancel_after_begin", "cancel_after_first_response",
         "timeout_on_sleeping_server", "pick_first_unary"]

ALIASES = {"py-server": ("lwg", "py"), "js-server": ("lwg", "js"),
           "py-client": ("py", "lwg"), "js-client": ("js", "lwg")}
DEFAULT_PAIRINGS = ["py-server", "js-server", "py-client", "js-client"]
SELF_CHECK_PAIRINGS = ["py:py", "py:js", "js:py", "js:js"]
KINDS = ("lwg", "py", "js")

SANITIZER = re.compile(r"ERROR: AddressSanitizer|ERROR: LeakSanitizer|"
                       r"runtime error:|UndefinedBehaviorSanitizer|"
                       r"ERROR: MemorySanitizer|ThreadSanitizer")
STARTUP_TIMEOUT = 20.0


class Stop(Exception):
    """SIGTERM / SIGINT to this script: unwind through the finally clauses."""


def parse_args(argv):
    opts = {"server": os.environ.get("LWG_INTEROP_SERVER",
                                     os.path.join(ROOT, "build/host/bin/interop_server")),
            "client": os.environ.get("LWG_INTEROP_CLIENT",
                                     os.path.join(ROOT, "build/host/bin/interop_client")),
            "pairings": None, "cases": None, "self_check": False, "timeout": 60.0,
            "host": "127.0.0.1", "server_arg": [], "client_arg": [],
            "logs": os.path.join(ROOT, "build/logs/interop"), "verbose": False,
            "tls": None, "certs": os.path.join(ROOT, "build/certs"),
            "server_host_override": "foo.test.google.fr"}
    valued = {"server", "client", "pairings", "cases", "timeout", "host",
              "server_arg", "client_arg", "logs", "certs", "server_host_override"}
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("-h", "--help"):
            print(__doc__)
            sys.exit(0)
        if a in ("-v", "--verbose"):
            opts["verbose"] = True
        elif a in ("--self-check", "--self_check"):
            opts["self_check"] = True
        elif a in ("--tls", "--mtls"):
            if opts["tls"] and opts["tls"] != a[2:]:
                sys.exit("run_matrix: --tls and --mtls exclude each other")
            opts["tls"] = a[2:]
        elif a.startswith("--"):
            name, eq, value = a[2:].partition("=")
            name = name.replace("-", "_")
            if name not in valued:
                sys.exit("run_matrix: unknown option %s (see --help)" % a)
            if not eq:
                i += 1
                if i >= len(argv):
                    sys.exit("run_matrix: %s needs a value" % a)
                value = argv[i]
            if name in ("server_arg", "client_arg"):
                opts[name].append(value)
            elif name == "timeout":
                opts[name] = float(value)
            else:
                opts[name] = value
        else:
            sys.exit("run_matrix: unexpected argument %r (see --help)" % a)
        i += 1
    names = opts["pairings"].split(",") if opts["pairings"] else (
        SELF_CHECK_PAIRINGS if opts["self_check"] else DEFAULT_PAIRINGS)
    pairings = []
    for n in names:
        n = n.strip()
        if n in ALIASES:
            pairings.append(ALIASES[n])
        elif ":" in n and all(k in KINDS for k in n.split(":", 1)):
            pairings.append(tuple(n.split(":", 1)))
        else:
            sys.exit("run_matrix: unknown pairing %r: use %s, or CLIENT:SERVER with "
                     "each of %s" % (n, ", ".join(ALIASES), "/".join(KINDS)))
    opts["pairings"] = pairings
    cases = opts["cases"].split(",") if opts["cases"] else CASES
    for c in cases:
        if c not in CASES:
            sys.exit("run_matrix: unknown case %r; known: %s" % (c, " ".join(CASES)))
    opts["cases"] = cases
    opts["certs"] = os.path.abspath(opts["certs"])
    return opts


def tls_args(opts, role):
    """The TLS flags of a server or client (same for lwgrpc and the peers)."""
    mode, d = opts["tls"], opts["certs"]
    if not mode:
        return []
    if role == "server":
        args = ["--use_tls=true", "--tls_cert_file=%s/server.pem" % d,
                "--tls_key_file=%s/server.key" % d]
        if mode == "mtls":
            args += ["--tls_client_ca_file=%s/ca.pem" % d, "--require_client_cert=true"]
        return args
    args = ["--use_tls=true", "--ca_file=%s/ca.pem" % d,
            "--server_host_override=%s" % opts["server_host_override"]]
    if mode == "mtls":
        args += ["--tls_cert_file=%s/client.pem" % d, "--tls_key_file=%s/client.key" % d]
    return args


def make_certs(opts):
    """tests/certs/make_certs.sh into opts["certs"]; None or why it failed."""
    try:
        p = subprocess.run([os.path.join(ROOT, "tests/certs/make_certs.sh"), opts["certs"]],
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=120, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return "make_certs.sh did not finish in 120 s"
    if p.returncode != 0:
        return "make_certs.sh failed (%d): %s" % (p.returncode,
                                                  p.stdout.decode("utf-8", "replace")[-500:])
    return None


def label(pairing):
    return "%s->%s" % pairing


def free_port(host):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(fam, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def port_open(host, port):
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def node_env():
    env = dict(os.environ)
    mods = os.path.join(ROOT, "build/deps/node_modules")
    env["NODE_PATH"] = mods + (os.pathsep + env["NODE_PATH"] if env.get("NODE_PATH") else "")
    return env


class Runner:
    def __init__(self, opts):
        self.o = opts
        self.procs = []          # every live process we started
        os.makedirs(opts["logs"], exist_ok=True)

    # ---- commands --------------------------------------------------------
    def missing(self, kind, role):
        """Why a peer cannot run, or None."""
        if kind == "lwg":
            path = self.o[role]
            if not (os.path.isfile(path) and os.access(path, os.X_OK)):
                return ("lwgrpc interop %s not found: %s (build it first; "
                        "or pass --%s=PATH)" % (role, path, role))
        elif kind == "js":
            if not shutil.which("node"):
                return "node not found (toolchain/deps.sh npm)"
            if not os.path.isdir(os.path.join(ROOT, "build/deps/node_modules/@grpc/grpc-js")) \
                    and not os.environ.get("NODE_PATH"):
                return "@grpc/grpc-js not installed (toolchain/deps.sh npm)"
        elif kind == "py":
            if not os.access(PY, os.X_OK):
                return "%s not found" % PY
        return None

    def server_cmd(self, kind, port):
        h = self.o["host"]
        tls = tls_args(self.o, "server")
        if kind == "lwg":
            return [self.o["server"], "--port=%d" % port] + tls + self.o["server_arg"]
        if kind == "py":
            return [PY, os.path.join(HERE, "py_interop_server.py"),
                    "--port=%d" % port, "--host=%s" % h] + tls
        return ["node", os.path.join(HERE, "js_interop_server.js"),
                "--port=%d" % port, "--host=%s" % h] + tls

    def client_cmd(self, kind, port, case):
        args = ["--server_host=%s" % self.o["host"], "--server_port=%d" % port,
                "--test_case=%s" % case] + tls_args(self.o, "client")
        if kind == "lwg":
            return [self.o["client"]] + args + self.o["client_arg"]
        if kind == "py":
            return [PY, os.path.join(HERE, "py_interop_client.py")] + args
        return ["node", os.path.join(HERE, "js_interop_client.js")] + args

    # ---- processes -------------------------------------------------------
    def spawn(self, cmd, log_path):
        log = open(log_path, "ab")
        log.write(("$ %s\n" % " ".join(cmd)).encode())
        log.flush()
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log,
                             stderr=subprocess.STDOUT, cwd=ROOT, env=node_env(),
                             start_new_session=True)
        p.log = log
        self.procs.append(p)
        return p

    def kill(self, p, grace=3.0):
        """Stop one process we started (its own process group)."""
        if p.poll() is None:
            try:
                os.killpg(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                p.wait(grace)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                p.wait()
        # The leader is gone; nothing of its group (a wrapper script's
        # children) may linger.
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        p.log.close()
        if p in self.procs:
            self.procs.remove(p)

    def kill_all(self):
        for p in list(self.procs):
            self.kill(p, grace=1.0)

    def start_server(self, kind, log_path):
        """(process, port) once the port accepts connections, or (None, why)."""
        why = "did not start"
        for _attempt in range(3):
            port = free_port(self.o["host"])
            p = self.spawn(self.server_cmd(kind, port), log_path)
            t_end = time.monotonic() + STARTUP_TIMEOUT
            while time.monotonic() < t_end:
                if p.poll() is not None:
                    why = "exited with status %s during start-up" % p.returncode
                    break
                if port_open(self.o["host"], port):
                    return p, port
                time.sleep(0.05)
            else:
                why = "not listening on port %d after %.0f s" % (port, STARTUP_TIMEOUT)
            self.kill(p)
        return None, why


def tail(path, start=0, n=30):
    try:
        with open(path, "rb") as f:
            f.seek(start)
            lines = f.read().decode("utf-8", "replace").splitlines()
    except OSError:
        return ""
    return "\n".join("    | " + l for l in lines[-n:])


def sanitizer_report(path, start=0):
    try:
        with open(path, "rb") as f:
            f.seek(start)
            text = f.read().decode("utf-8", "replace")
    except OSError:
        return None
    m = SANITIZER.search(text)
    return m and text[m.start():].splitlines()[0]


def run(opts):
    r = Runner(opts)
    cases, pairings = opts["cases"], opts["pairings"]
    results = {}                    # (case, pairing) -> "ok" / "FAIL" / ...
    extra_failures = []             # failures outside the matrix cells
    mode = {"tls": "TLS", "mtls": "mutual TLS"}.get(opts["tls"], "plaintext")
    print("interop matrix (%s): %d cases x %d pairings (%s); logs in %s"
          % (mode, len(cases), len(pairings), " ".join(label(p) for p in pairings),
             os.path.relpath(opts["logs"], ROOT)), flush=True)
    if opts["tls"]:
        why = make_certs(opts)
        if why:
            print("FAIL certificates: %s" % why, flush=True)
            print("0 passed, %d failed" % (len(cases) * len(pairings)), flush=True)
            return 1
    try:
        for pairing in pairings:
            ckind, skind = pairing
            tag = ("%s-" % opts["tls"] if opts["tls"] else "") + "%s-%s" % pairing
            why = r.missing(ckind, "client") or r.missing(skind, "server")
            if why:
                print("FAIL %s: %s" % (label(pairing), why), flush=True)
                for c in cases:
                    results[(c, pairing)] = "NOBIN" if "lwgrpc" in why else "NOPEER"
                continue
            slog = os.path.join(opts["logs"], "%s-server.log" % tag)
            if os.path.exists(slog):
                os.unlink(slog)
            server, port = None, None
            server_broken = False
            for case in cases:
                if server_broken:
                    results[(case, pairing)] = "NOSRV"
                    continue
                if server is None:
                    server, port = r.start_server(skind, slog)
                    if server is None:
                        # no retry for later cases: each start may take
                        # STARTUP_TIMEOUT
                        print("FAIL %s %s: %s server %s; the pairing's other cases "
                              "are not run" % (label(pairing), case, skind, port), flush=True)
                        print(tail(slog), flush=True)
                        results[(case, pairing)] = "NOSRV"
                        server_broken = True
                        continue
                clog = os.path.join(opts["logs"], "%s-%s.log" % (tag, case))
                if os.path.exists(clog):
                    os.unlink(clog)
                s_off = os.path.getsize(slog)
                t0 = time.monotonic()
                client = r.spawn(r.client_cmd(ckind, port, case), clog)
                status, reason = "ok", ""
                try:
                    rc = client.wait(opts["timeout"])
                except subprocess.TimeoutExpired:
                    rc = None
                    status, reason = "TIME", "client did not finish in %.0f s" % opts["timeout"]
                r.kill(client)
                took = time.monotonic() - t0
                if rc is not None and rc != 0:
                    status, reason = "FAIL", "client exit status %d" % rc
                rep = sanitizer_report(clog)
                if rep:
                    status, reason = "FAIL", "client sanitizer: " + rep
                time.sleep(0.02)        # let the server log what it saw
                rep = sanitizer_report(slog, s_off)
                if rep:
                    status, reason = "FAIL", "server sanitizer: " + rep
                if server.poll() is not None:
                    status = "FAIL" if status == "ok" else status
                    reason = (reason + "; " if reason else "") + \
                        "server exited with status %s" % server.returncode
                    r.kill(server)
                    server = None       # restart for the next case
                results[(case, pairing)] = status
                line = "%s %s %s (%.1fs)" % ("ok  " if status == "ok" else "FAIL",
                                             label(pairing), case, took)
                if status != "ok":
                    line += ": " + reason
                print(line, flush=True)
                if status != "ok" or opts["verbose"]:
                    t = tail(clog)
                    if t:
                        print("  client log %s:\n%s" % (os.path.relpath(clog, ROOT), t))
                    t = tail(slog, s_off, 15)
                    if t and status != "ok":
                        print("  server log %s (this case):\n%s" % (os.path.relpath(slog, ROOT), t))
                    sys.stdout.flush()
            if server is not None:
                s_off = os.path.getsize(slog)
                r.kill(server)
                rep = sanitizer_report(slog, s_off)
                if rep:
                    msg = "%s: server sanitizer report at shutdown: %s" % (label(pairing), rep)
                    print("FAIL " + msg)
                    print(tail(slog, s_off))
                    extra_failures.append(msg)
    finally:
        r.kill_all()

    # ---- the matrix -----------------------------------------------------------
    w0 = max(len(c) for c in cases)
    cols = [label(p) for p in pairings]
    widths = [max(len(c), 5) for c in cols]
    print()
    print("%-*s  %s" % (w0, "case", "  ".join("%-*s" % (w, c) for w, c in zip(widths, cols))))
    print("%s  %s" % ("-" * w0, "  ".join("-" * w for w in widths)))
    for c in cases:
        cells = [results.get((c, p), "-") for p in pairings]
        print("%-*s  %s" % (w0, c, "  ".join("%-*s" % (w, v) for w, v in zip(widths, cells))))
    print()
    passed = sum(1 for v in results.values() if v == "ok")
    failed = sum(1 for v in results.values() if v != "ok") + len(extra_failures)
    legend = {"FAIL": "failed", "TIME": "timed out", "NOBIN": "lwgrpc binary missing",
              "NOPEER": "peer cannot run", "NOSRV": "server did not start"}
    used = sorted({v for v in results.values() if v in legend})
    if used:
        print("  ".join("%s = %s" % (k, legend[k]) for k in used))
    print("%d passed, %d failed" % (passed, failed), flush=True)
    return 0 if failed == 0 else 1


def main():
    opts = parse_args(sys.argv[1:])

    def stop(signum, _frame):
        raise Stop("signal %d" % signum)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        return run(opts)
    except Stop as e:
        print("run_matrix: stopped by %s" % e, flush=True)
        return 1


if __name__ == "__main__":
    sys.exit(main())
