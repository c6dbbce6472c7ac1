#!/usr/bin/python3
"""TLS and mutual TLS against standard gRPC peers (issue 7).

lwgrpc's interop binaries (build/host/bin/interop_server, interop_client:
ASan/UBSan, TLS on) against Python grpcio (gRPC C-core) and grpc-js, with
the certificates of tests/certs/make_certs.sh (build/certs/).  Parts:

  matrix    tests/interop/run_matrix.py --tls and --mtls: all 15 interop
            cases x (lwg->py, lwg->js, py->lwg, js->lwg); --tls with
            lwg:lwg; and --tls --self-check (the peers against each other,
            so a broken peer is told apart from an lwgrpc bug).  Each cell
            counts as one check.
  extra     ECDSA certificates (server_ec / client_ec by ca_ec, mutual TLS)
            in every pairing; a DER CA file; a target name matched without
            an override (localhost) and an IP address SAN (127.0.0.1).
  failure   for each way TLS must fail (wrong CA, wrong host name with and
            without an override, expired and not-yet-valid server
            certificates, no client certificate and an untrusted one when
            the server requires one, a plaintext client to a TLS server and
            a TLS client to a plaintext server), with lwgrpc as the client
            (against py, js and lwg servers) and as the server (py, js and
            lwg clients): the bad client gets UNAVAILABLE (lwgrpc's client:
            with a message naming the reason), no handler runs (py and js
            servers run with --log_calls), and a good client then succeeds
            on the same server (for an expired / future certificate, which
            no verifying client can take: an unverified TLS + HTTP/2
            EmptyCall made here).  A lwgrpc server must log the refusal.
  percall   per-RPC credentials (a bearer token) between the peers
            (--auth_token on the clients, --require_auth_token on the
            servers): with the token every call passes, without it or with
            a wrong one UNAUTHENTICATED and no handler; the lwgrpc client
            without a token gets UNAUTHENTICATED from them too.  lwgrpc's
            binaries take no token flags yet (proposed: interop_client
            --auth_token=TOKEN [--allow_insecure_credentials=true],
            interop_server --require_auth_token=TOKEN and --log_calls=true).
  probes    raw-socket servers written here for lwgrpc client behaviour the
            peers only show by chance.

Any sanitizer report in a lwgrpc process's output fails the check.  Cases
known to fail are listed in KNOWN_FAILURES and still print FAIL.  Every
child is started in its own session and killed by its process id in a
finally clause; every wait is bounded.

    tests/peer/test_tls_interop.py [--skip-matrix] [--only=PART,...] [-v]

PART: matrix, extra, failure, percall, probes.  Last line: `N passed, N failed`.
"""
import os
import re
import select
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
INTEROP = os.path.join(ROOT, "tests", "interop")
sys.path.insert(0, HERE)
sys.path.insert(0, INTEROP)
import h2peer_util as hp  # noqa: E402
import run_matrix as rm  # noqa: E402

PY = "/usr/bin/python3"
LWG_SERVER = os.environ.get("LWG_INTEROP_SERVER",
                            os.path.join(ROOT, "build/host/bin/interop_server"))
LWG_CLIENT = os.environ.get("LWG_INTEROP_CLIENT",
                            os.path.join(ROOT, "build/host/bin/interop_client"))
CERTS = os.path.join(ROOT, "build", "certs")
LOGS = os.path.join(ROOT, "build", "logs", "tls_interop")
OVERRIDE = "foo.test.google.fr"
CLIENT_TIMEOUT = 20.0       # seconds a client run may take
MATRIX_CASE_TIMEOUT = 20    # run_matrix.py --timeout

KNOWN_FAILURES = {}

VERBOSE = False
results = []                 # (name, ok, detail)
_lock = threading.Lock()


def record(name, ok, detail="", took=None):
    with _lock:
        results.append((name, ok))
    t = " (%.1fs)" % took if took is not None else ""
    known = KNOWN_FAILURES.get(name)
    if ok:
        note = " [listed in KNOWN_FAILURES but passed: remove it]" if known else ""
        print("ok   %s%s%s" % (name, t, note), flush=True)
    else:
        print("FAIL %s%s: %s%s" % (name, t, detail,
                                   " [known: %s]" % known if known else ""), flush=True)


class Fail(Exception):
    pass


# ---------------------------------------------------------------------------
# children
# ---------------------------------------------------------------------------

CHILDREN = []


def spawn(argv, log_path):
    """A child in its own session, stdout+stderr to log_path."""
    log = open(log_path, "ab")
    log.write(("$ %s\n" % " ".join(argv)).encode())
    log.flush()
    env = rm.node_env()
    env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0")
    env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1")
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                         cwd=ROOT, env=env, start_new_session=True)
    p.log, p.log_path = log, log_path
    CHILDREN.append(p)
    return p


def kill(p, grace=3.0):
    """Stop a child we started: SIGTERM to its process group (its pid), then
    SIGKILL.  Returns its exit status."""
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
    try:
        os.killpg(p.pid, signal.SIGKILL)    # nothing of its group lingers
    except (ProcessLookupError, PermissionError):
        pass
    if not p.log.closed:
        p.log.close()
    if p in CHILDREN:
        CHILDREN.remove(p)
    return p.returncode


def read_log(path, start=0):
    try:
        with open(path, "rb") as f:
            f.seek(start)
            return f.read().decode("utf-8", "replace")
    except OSError:
        return ""


def log_size(path):
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def sanitizer(text):
    m = rm.SANITIZER.search(text) or re.search(r"lwgrpc assert failed", text)
    return m and text[m.start():].splitlines()[0]


def tail(text, n=12):
    return "\n".join("    | " + l for l in text.splitlines()[-n:])


def settle(cond, within=5.0):
    """Poll cond() until it is true or `within` seconds pass; its last value.
    For what a server logs after the client has already finished: a fixed
    sleep is too short on a loaded machine."""
    end = time.monotonic() + within
    while True:
        v = cond()
        if v or time.monotonic() >= end:
            return v
        time.sleep(0.02)


def log_name(name):
    return os.path.join(LOGS, re.sub(r"[^A-Za-z0-9_.-]+", "_", name) + ".log")


class Server:
    """An interop server (kind lwg, py or js) on a port it picks itself."""

    LISTEN = {"lwg": re.compile(r"interop_server: listening on port (\d+)"),
              "py": re.compile(r"^listening on \S+:(\d+)", re.M),
              "js": re.compile(r"^listening on \S+:(\d+)", re.M)}

    def __init__(self, kind, args, name):
        self.kind = kind
        self.log_path = log_name("server " + name)
        if os.path.exists(self.log_path):
            os.unlink(self.log_path)
        if kind == "lwg":
            argv = [LWG_SERVER, "--port=0"] + args
        elif kind == "py":
            argv = [PY, os.path.join(INTEROP, "py_interop_server.py"), "--port=0",
                    "--log_calls=true"] + args
        else:
            argv = ["node", os.path.join(INTEROP, "js_interop_server.js"), "--port=0",
                    "--log_calls=true"] + args
        self.proc = spawn(argv, self.log_path)
        end = time.monotonic() + 20
        while True:
            m = self.LISTEN[kind].search(read_log(self.log_path))
            if m:
                self.port = int(m.group(1))
                break
            if self.proc.poll() is not None or time.monotonic() > end:
                text = read_log(self.log_path)
                kill(self.proc)
                raise Fail("%s server did not start:\n%s" % (kind, tail(text)))
            time.sleep(0.05)

    def calls(self, start=0):
        """Handler starts logged since offset start (py / js servers)."""
        return len(re.findall(r"^call \S+", read_log(self.log_path, start), re.M))

    def offset(self):
        return log_size(self.log_path)

    def stop(self):
        """Stop it; an error string for a crash, a death or a sanitizer report."""
        alive = self.proc.poll() is None
        rc = kill(self.proc)
        text = read_log(self.log_path)
        rep = sanitizer(text)
        if rep:
            return "%s server: sanitizer: %s" % (self.kind, rep)
        if not alive:
            return "%s server died (exit %s):\n%s" % (self.kind, rc, tail(text))
        return None


def run_client(kind, port, case, args, name, host="127.0.0.1"):
    """Run one client; (exit status or None on timeout, output)."""
    path = log_name("client " + name)
    if os.path.exists(path):
        os.unlink(path)
    common = ["--server_host=%s" % host, "--server_port=%d" % port, "--test_case=%s" % case]
    if kind == "lwg":
        argv = [LWG_CLIENT] + common + args
    elif kind == "py":
        argv = [PY, os.path.join(INTEROP, "py_interop_client.py"), "--timeout=10"] + common + args
    else:
        argv = ["node", os.path.join(INTEROP, "js_interop_client.js"), "--timeout=10"] + common + args
    p = spawn(argv, path)
    try:
        rc = p.wait(CLIENT_TIMEOUT)
    except subprocess.TimeoutExpired:
        rc = None
    finally:
        kill(p)
    out = read_log(path)
    return rc, out


def client_ok(kind, rc, out, case):
    """None if the client run passed every case, else why not."""
    rep = sanitizer(out)
    if rep:
        return "%s client: sanitizer: %s" % (kind, rep)
    if rc is None:
        return "%s client did not finish in %.0f s" % (kind, CLIENT_TIMEOUT)
    n = len(case.split(","))
    if rc != 0 or len(re.findall(r"^PASS ", out, re.M)) != n:
        return "%s client failed (exit %s):\n%s" % (kind, rc, tail(out))
    return None


# ---------------------------------------------------------------------------
# certificates and flags
# ---------------------------------------------------------------------------

def C(name):
    return os.path.join(CERTS, name)


def srv_tls(cert, client_ca=None):
    a = ["--use_tls=true", "--tls_cert_file=%s" % C(cert + ".pem"),
         "--tls_key_file=%s" % C(cert + ".key")]
    if client_ca:
        a += ["--tls_client_ca_file=%s" % C(client_ca + ".pem"), "--require_client_cert=true"]
    return a


def cli_tls(ca="ca.pem", override=OVERRIDE, cert=None):
    """Client TLS flags; ca=None: --use_test_ca=true (build/certs/ca.pem)."""
    a = ["--use_tls=true"] + (["--ca_file=%s" % C(ca)] if ca else ["--use_test_ca=true"])
    if override:
        a.append("--server_host_override=%s" % override)
    if cert:
        a += ["--tls_cert_file=%s" % C(cert + ".pem"), "--tls_key_file=%s" % C(cert + ".key")]
    return a


# ---------------------------------------------------------------------------
# part 1: the matrices (run_matrix.py)
# ---------------------------------------------------------------------------

CELL = re.compile(r"^(ok  |FAIL) (\S+->\S+) (\S+)")
SUMMARY = re.compile(r"^(\d+) passed, (\d+) failed")


def matrix(title, args):
    """run_matrix.py with args: one check per cell."""
    print("== %s: run_matrix.py %s" % (title, " ".join(args)), flush=True)
    t0 = time.monotonic()
    p = subprocess.Popen([PY, os.path.join(INTEROP, "run_matrix.py"),
                          "--timeout=%d" % MATRIX_CASE_TIMEOUT, "--logs=%s" % LOGS] + args,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         stdin=subprocess.DEVNULL, cwd=ROOT, start_new_session=True)
    lines, summary, npass, ncells = [], None, 0, 0
    try:
        for raw in p.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            lines.append(line)
            m = CELL.match(line)
            if m:
                # one check per cell, as run_matrix reports it
                ok = m.group(1) == "ok  "
                detail = line.split(": ", 1)[1] if ": " in line else line
                if not ok and m.group(3) == "timeout_on_sleeping_server" and \
                        m.group(2).startswith("lwg->"):
                    detail += " (see 'probe trailers before half-close')"
                took = re.search(r"\(([\d.]+)s\)", line)
                record("%s %s %s" % (title, m.group(2), m.group(3)), ok, detail,
                       float(took.group(1)) if took else None)
                ncells += 1
                npass += ok
            elif SUMMARY.match(line):
                summary = line
            elif line.startswith("FAIL") or line.startswith("  ") or VERBOSE:
                print("  " + line, flush=True)    # log tails, pairing-level failures
        p.wait(timeout=30)
    finally:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGTERM)   # run_matrix kills its own children
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
    print("   %s: %d of %d cells ok (%.1fs)" % (title, npass, ncells, time.monotonic() - t0),
          flush=True)
    m = SUMMARY.match(summary or "")
    if m and int(m.group(2)) > ncells - npass:
        # failures outside the cells (a sanitizer report at server shutdown)
        record("%s run" % title, False, "run_matrix: %s (%d failed cells)"
               % (summary, ncells - npass))
    if summary is None or p.returncode not in (0, 1):
        record("%s run" % title, False, "run_matrix.py ended (status %s) without a summary:\n%s"
               % (p.returncode, tail("\n".join(lines))))


def part_matrix():
    matrix("tls", ["--tls"])
    matrix("mtls", ["--mtls"])
    matrix("tls", ["--tls", "--pairings=lwg:lwg"])
    matrix("tls self-check", ["--tls", "--self-check"])


# ---------------------------------------------------------------------------
# part 2: extra positive checks
# ---------------------------------------------------------------------------

def pairing_check(name, skind, ckind, sargs, cargs, case, host="127.0.0.1"):
    t0 = time.monotonic()
    srv = None
    why = None
    try:
        srv = Server(skind, sargs, name)
        rc, out = run_client(ckind, srv.port, case, cargs, name, host)
        why = client_ok(ckind, rc, out, case)
    except Fail as e:
        why = str(e)
    finally:
        if srv is not None:
            e = srv.stop()
            why = why or e
    record(name, why is None, why or "", time.monotonic() - t0)


def part_extra():
    cases = "empty_unary,large_unary,ping_pong,custom_metadata"
    ec_srv = srv_tls("server_ec", client_ca="ca_ec")
    ec_cli = cli_tls(ca="ca_ec.pem", cert="client_ec")
    for c, s in (("lwg", "py"), ("lwg", "js"), ("py", "lwg"), ("js", "lwg"), ("lwg", "lwg")):
        pairing_check("extra ecdsa mtls %s->%s" % (c, s), s, c, ec_srv, ec_cli, cases)
    pairing_check("extra der ca file lwg->lwg", "lwg", "lwg", srv_tls("server"),
                  cli_tls(ca="ca.der"), "empty_unary")
    # the target name matched in the certificate, no override
    pairing_check("extra target localhost no override lwg->lwg", "lwg", "lwg",
                  srv_tls("server"), cli_tls(override=None), "empty_unary", host="localhost")
    # grpcio and grpc-js match the IP SAN 127.0.0.1: so must we
    for c in ("py", "js", "lwg"):
        pairing_check("extra ip san 127.0.0.1 %s->lwg" % c, "lwg", c,
                      srv_tls("server"), cli_tls(override=None), "empty_unary")


# ---------------------------------------------------------------------------
# part 3: the failure matrix
# ---------------------------------------------------------------------------

PROBE = "probe"      # good "client": an unverified TLS + HTTP/2 EmptyCall


class Scenario:
    """server: its flags; bad / good: the clients' flags (good may be PROBE);
    reason: what the lwgrpc client's message must match (None: any);
    refused_by_server: the server itself turns the bad client away, so a
    lwgrpc server must log it (else the client hangs up, often silently)."""

    def __init__(self, name, server, bad, good, reason, what, refused_by_server=False):
        self.name, self.server, self.bad, self.good = name, server, bad, good
        self.reason = re.compile(reason) if reason else None
        self.what = what
        self.refused_by_server = refused_by_server


SCENARIOS = [
    Scenario("wrong_ca", srv_tls("other_server"), cli_tls(), cli_tls(ca="other_ca.pem"),
             r"certificate verify failed.*(unknown CA|not trusted)",
             "server certificate from a CA the client does not trust"),
    Scenario("wrong_host", srv_tls("wronghost"), cli_tls(ca=None),
             cli_tls(ca=None, override="wrong.example.com"), r"host name mismatch",
             "certificate for wrong.example.com, override foo.test.google.fr"),
    Scenario("wrong_host_no_override", srv_tls("wronghost"), cli_tls(ca=None, override=None),
             cli_tls(ca=None, override="wrong.example.com"), r"host name mismatch",
             "certificate for wrong.example.com, target 127.0.0.1, no override"),
    Scenario("expired", srv_tls("expired"), cli_tls(), PROBE, r"expired",
             "server certificate valid only in 2020"),
    Scenario("not_yet_valid", srv_tls("future"), cli_tls(), PROBE, r"not yet valid|future",
             "server certificate valid from 2090"),
    Scenario("no_client_cert", srv_tls("server", client_ca="ca"), cli_tls(),
             cli_tls(cert="client"), r"handshake|certificate|alert",
             "server requires a client certificate, none sent", refused_by_server=True),
    Scenario("untrusted_client_cert", srv_tls("server", client_ca="ca"),
             cli_tls(cert="other_client"), cli_tls(cert="client"),
             r"handshake|certificate|alert|unknown.ca",
             "server requires a client certificate, one from another CA sent",
             refused_by_server=True),
    # a plaintext client cannot know why the server hung up: any message
    Scenario("plaintext_to_tls", srv_tls("server"), [], cli_tls(), None,
             "plaintext client, TLS server", refused_by_server=True),
    Scenario("tls_to_plaintext", [], cli_tls(), [], r"not speaking TLS|plaintext",
             "TLS client, plaintext server", refused_by_server=True),
]

LWG_STATUS = re.compile(r"status (\w+) \((.*)\), want OK")


class TlsH2Peer(hp.H2Peer):
    """H2Peer over an ssl socket (reads what the TLS layer holds, too)."""

    def pump_once(self, wait):
        self.flush()
        if self.closed:
            return
        if not self.sock.pending():
            r, _, _ = select.select([self.sock], [], [], max(wait, 0))
            if not r:
                return
        try:
            data = self.sock.recv(65536)
        except ssl.SSLWantReadError:
            return
        except (OSError, ssl.SSLError):
            data = b""
        if not data:
            self.closed = True
            return
        self.raw.feed(data)
        for ev in self.conn.receive_data(data):
            self._handle(ev)
        self.flush()


def probe_call(port):
    """An EmptyCall over TLS without verifying the certificate (ALPN h2);
    None if it got grpc-status 0, else why not."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.set_alpn_protocols(["h2"])
    raw = socket.create_connection(("127.0.0.1", port), timeout=5)
    try:
        s = ctx.wrap_socket(raw, server_hostname=OVERRIDE)
    except (OSError, ssl.SSLError) as e:
        raw.close()
        return "probe: TLS handshake failed: %s" % e
    try:
        if s.selected_alpn_protocol() != "h2":
            return "probe: ALPN %r, not h2" % s.selected_alpn_protocol()
        p = TlsH2Peer(s, client_side=True)
        p.pump(lambda: p.settings_seen, what="SETTINGS")
        hdrs = [(b":method", b"POST"), (b":scheme", b"https"),
                (b":path", b"/grpc.testing.TestService/EmptyCall"),
                (b":authority", OVERRIDE.encode()), (b"te", b"trailers"),
                (b"content-type", b"application/grpc"), (b"grpc-timeout", b"5S")]
        p.conn.send_headers(1, hdrs)
        p.conn.send_data(1, hp.grpc_frame(b""), end_stream=True)
        st = p.wait_done(1)
        status = st.trailer(b"grpc-status") or st.header(b"grpc-status")
        if status != b"0":
            return "probe: EmptyCall ended with grpc-status %r" % status
        return None
    except hp.Fail as e:
        return "probe: %s" % e
    finally:
        s.close()


def failure_case(sc, srv, ckind):
    """Run the bad client, then a good one, on srv; None or why it failed."""
    name = "failure %s %s->%s" % (sc.name, ckind, srv.kind)
    why = []
    off = srv.offset()
    rc, out = run_client(ckind, srv.port, "empty_unary", sc.bad, name + " bad")
    rep = sanitizer(out)
    if rep:
        why.append("bad client: sanitizer: %s" % rep)
    if rc is None:
        why.append("bad client hung (%.0f s)" % CLIENT_TIMEOUT)
    elif rc == 0 or re.search(r"^PASS ", out, re.M):
        why.append("bad client succeeded")
    elif ckind == "lwg":
        m = LWG_STATUS.search(out)
        if not m:
            why.append("no status line from the lwgrpc client:\n%s" % tail(out))
        elif m.group(1) != "UNAVAILABLE":
            why.append("status %s (%s), want UNAVAILABLE" % (m.group(1), m.group(2)))
        elif not m.group(2).strip():
            why.append("UNAVAILABLE without a message")
        elif sc.reason and not sc.reason.search(m.group(2)):
            why.append("message %r does not say why (want /%s/)" % (m.group(2), sc.reason.pattern))
    elif not re.search(r"\bUNAVAILABLE\b", out):
        why.append("%s client did not get UNAVAILABLE:\n%s" % (ckind, tail(out)))
    time.sleep(0.1)                     # grace for the checks that nothing ran
    if srv.kind in ("py", "js"):
        n = srv.calls(off)
        if n:
            why.append("%d handler(s) ran for the refused client" % n)
    else:
        text = read_log(srv.log_path, off)
        rep = sanitizer(text)
        if rep:
            why.append("lwg server: sanitizer: %s" % rep)
        if sc.refused_by_server and not settle(lambda: re.search(
                r"lwgrpc warn: (tls: |h2 connection error)", read_log(srv.log_path, off))):
            why.append("the lwgrpc server logged no refusal for the bad client")
    if srv.proc.poll() is not None:
        why.append("server exited (status %s) after the bad client" % srv.proc.returncode)
        return why
    # the server still serves others
    off = srv.offset()
    if sc.good == PROBE:
        e = probe_call(srv.port)
        if e:
            why.append("after it, " + e)
    else:
        rc, out = run_client(ckind, srv.port, "empty_unary", sc.good, name + " good")
        e = client_ok(ckind, rc, out, "empty_unary")
        if e:
            why.append("after it, a good client failed: " + e)
    if srv.kind in ("py", "js"):
        if not settle(lambda: srv.calls(off) >= 1):
            why.append("the good call reached no handler")
        elif sc.name == "no_client_cert" and srv.kind == "py" and ckind == "lwg" and \
                "peer_cn=lwg-test-client" not in read_log(srv.log_path, off):
            why.append("grpcio did not see the client certificate's CN lwg-test-client")
    return why


def part_failure():
    for sc in SCENARIOS:
        for skind in ("lwg", "py", "js"):
            clients = ("lwg", "py", "js") if skind == "lwg" else ("lwg",)
            t0 = time.monotonic()
            try:
                srv = Server(skind, sc.server, "failure %s %s" % (sc.name, skind))
            except Fail as e:
                for c in clients:
                    record("failure %s %s->%s" % (sc.name, c, skind), False, str(e))
                continue
            try:
                outcome = []
                for c in clients:
                    t1 = time.monotonic()
                    outcome.append((c, failure_case(sc, srv, c), time.monotonic() - t1))
            finally:
                end = srv.stop()
            for c, why, took in outcome:
                if end:
                    why = why + [end]
                record("failure %s %s->%s" % (sc.name, c, skind), not why,
                       "; ".join(why) + " [%s]" % sc.what if why else "", took)


# ---------------------------------------------------------------------------
# part 4: per-RPC credentials (peers; lwgrpc's client without a token)
# ---------------------------------------------------------------------------

TOKEN = "lwg-test-token-42"


def percall_case(name, skind, ckind, cargs, want):
    """want None: every case passes; else each call ends with status `want`
    and no handler runs (then a peer client with the token passes)."""
    t0 = time.monotonic()
    cases = "empty_unary,large_unary,server_streaming,ping_pong"
    why = []
    srv = None
    try:
        srv = Server(skind, srv_tls("server") + ["--require_auth_token=%s" % TOKEN], name)
        off = srv.offset()
        rc, out = run_client(ckind, srv.port, cases if want is None else "empty_unary",
                             cli_tls() + cargs, name)
        if want is None:
            e = client_ok(ckind, rc, out, cases)
            if e:
                why.append(e)
        else:
            rep = sanitizer(out)
            if rep:
                why.append("client: sanitizer: %s" % rep)
            if rc is None:
                why.append("client hung")
            elif rc == 0 or not re.search(r"\b%s\b" % want, out):
                why.append("no %s:\n%s" % (want, tail(out)))
            time.sleep(0.1)
            n = srv.calls(off)
            if n:
                why.append("%d handler(s) ran without the token" % n)
            good = "js" if skind == "py" else "py"
            rc, out = run_client(good, srv.port, "empty_unary",
                                 cli_tls() + ["--auth_token=%s" % TOKEN], name + " good")
            e = client_ok(good, rc, out, "empty_unary")
            if e:
                why.append("after it, a client with the token failed: " + e)
    except Fail as e:
        why.append(str(e))
    finally:
        if srv is not None:
            e = srv.stop()
            if e:
                why.append(e)
    record(name, not why, "; ".join(why), time.monotonic() - t0)


def part_percall():
    tok = ["--auth_token=%s" % TOKEN]
    for c, s in (("py", "js"), ("js", "py")):
        percall_case("percall token %s->%s" % (c, s), s, c, tok, None)
        percall_case("percall no token %s->%s" % (c, s), s, c, [], "UNAUTHENTICATED")
        percall_case("percall wrong token %s->%s" % (c, s), s, c, ["--auth_token=nope"],
                     "UNAUTHENTICATED")
    for s in ("py", "js"):
        percall_case("percall no token lwg->%s" % s, s, "lwg", [], "UNAUTHENTICATED")


# ---------------------------------------------------------------------------
# part 5: probes (servers written here)
# ---------------------------------------------------------------------------

def _lit(name, value):
    """HPACK literal header field without indexing, new name, no Huffman."""
    return b"\x00" + bytes([len(name)]) + name + bytes([len(value)]) + value


def probe_trailers_before_half_close():
    """The server ends the client's FullDuplexCall (Trailers-Only, END_STREAM,
    and no RST_STREAM, as grpc-js does at a deadline) before the client
    half-closes: the call must complete (the client's timeout_on_sleeping_server
    case).  Three tries; each must end within 5 s."""
    for attempt in range(3):
        ls = socket.socket()
        ls.bind(("127.0.0.1", 0))
        ls.listen(4)
        port = ls.getsockname()[1]
        name = "probe trailers before half-close"
        path = log_name("client " + name)
        if os.path.exists(path):
            os.unlink(path)
        cl = spawn([LWG_CLIENT, "--server_host=127.0.0.1", "--server_port=%d" % port,
                    "--test_case=empty_unary,timeout_on_sleeping_server"], path)
        s = None
        try:
            ls.settimeout(10)
            s, _ = ls.accept()
            p = hp.H2Peer(s, client_side=False)
            p.pump(lambda: p.requests, what="the first request")
            p.pump(lambda: p.st(1).ended, what="the end of the first request")
            p.conn.send_headers(1, [(b":status", b"200"), (b"content-type", b"application/grpc")])
            p.conn.send_data(1, hp.grpc_frame(b""))
            p.conn.send_headers(1, [(b"grpc-status", b"0")], end_stream=True)
            p.flush()
            # stream 3 (timeout 1 ms): answered by hand the moment its
            # HEADERS arrive, before the client's own deadline passes
            block = b"\x88" + _lit(b"content-type", b"application/grpc") + \
                _lit(b"grpc-status", b"4") + _lit(b"grpc-message", b"Deadline exceeded")
            answer = hp.frame_bytes(hp.HEADERS, hp.END_HEADERS | hp.END_STREAM, 3, block)
            end = time.monotonic() + 5
            seen = len(p.raw.frames)
            sent = False
            while not sent and time.monotonic() < end:
                r, _, _ = select.select([s], [], [], 0.5)
                if not r:
                    continue
                data = s.recv(65536)
                if not data:
                    break
                p.raw.feed(data)
                if any(f.type == hp.HEADERS and f.sid == 3 for f in p.raw.frames[seen:]):
                    s.sendall(answer)
                    sent = True
            if not sent:
                return "the client's second call never arrived:\n%s" % tail(read_log(path))
            try:
                rc = cl.wait(5)
            except subprocess.TimeoutExpired:
                return ("try %d: the client did not complete the call in 5 s (Trailers-Only "
                        "with END_STREAM arrived; no RST_STREAM)" % (attempt + 1))
            out = read_log(path)
            rep = sanitizer(out)
            if rep:
                return "sanitizer: %s" % rep
            if rc != 0:
                return "try %d: client exit %s:\n%s" % (attempt + 1, rc, tail(out))
        finally:
            kill(cl)
            if s is not None:
                s.close()
            ls.close()
    return None


def probe_handshake_eof_reason():
    """A server that takes the ClientHello and closes: the lwgrpc client's
    UNAVAILABLE must say the connection closed during the TLS handshake."""
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(4)
    port = ls.getsockname()[1]
    name = "probe handshake EOF reason"
    path = log_name("client " + name)
    if os.path.exists(path):
        os.unlink(path)
    cl = spawn([LWG_CLIENT, "--server_host=127.0.0.1", "--server_port=%d" % port,
                "--test_case=empty_unary"] + cli_tls(), path)
    s = None
    try:
        ls.settimeout(10)
        s, _ = ls.accept()
        s.settimeout(5)
        hello = s.recv(65536)
        if hello[:1] != b"\x16":
            return "the client did not start with a TLS handshake record: %r" % hello[:8]
        s.close()
        s = None
        try:
            cl.wait(CLIENT_TIMEOUT)
        except subprocess.TimeoutExpired:
            return "the client did not finish in %.0f s" % CLIENT_TIMEOUT
        out = read_log(path)
        rep = sanitizer(out)
        if rep:
            return "sanitizer: %s" % rep
        m = LWG_STATUS.search(out)
        if not m:
            return "no status line:\n%s" % tail(out)
        if m.group(1) != "UNAVAILABLE":
            return "status %s (%s), want UNAVAILABLE" % (m.group(1), m.group(2))
        if not re.search(r"handshake|TLS", m.group(2)):
            return "UNAVAILABLE with %r: the message does not say the TLS handshake " \
                   "was cut off" % m.group(2)
        return None
    finally:
        kill(cl)
        if s is not None:
            s.close()
        ls.close()


def part_probes():
    for name, fn in (("probe trailers before half-close", probe_trailers_before_half_close),
                     ("probe handshake EOF reason", probe_handshake_eof_reason)):
        t0 = time.monotonic()
        try:
            why = fn()
        except (hp.Fail, OSError) as e:
            why = "%s: %s" % (type(e).__name__, e)
        record(name, why is None, why or "", time.monotonic() - t0)


# ---------------------------------------------------------------------------

PARTS = {"matrix": part_matrix, "extra": part_extra, "failure": part_failure,
         "percall": part_percall, "probes": part_probes}


def main():
    global VERBOSE
    only = list(PARTS)
    for a in sys.argv[1:]:
        if a in ("-v", "--verbose"):
            VERBOSE = True
        elif a == "--skip-matrix":
            only = [p for p in only if p != "matrix"]
        elif a.startswith("--only="):
            only = a.split("=", 1)[1].split(",")
            for p in only:
                if p not in PARTS:
                    sys.exit("unknown part %r: %s" % (p, ", ".join(PARTS)))
        elif a in ("-h", "--help"):
            print(__doc__)
            return 0
        else:
            sys.exit("unknown argument %r (see --help)" % a)

    def stop(signum, _frame):
        raise KeyboardInterrupt("signal %d" % signum)
    signal.signal(signal.SIGTERM, stop)

    os.makedirs(LOGS, exist_ok=True)
    t0 = time.monotonic()
    missing = [p for p in (LWG_SERVER, LWG_CLIENT) if not os.access(p, os.X_OK)]
    try:
        if missing:
            record("lwgrpc interop binaries", False,
                   "missing: %s (make interop-bins)" % " ".join(missing))
        else:
            r = subprocess.run([os.path.join(ROOT, "tests/certs/make_certs.sh"), CERTS],
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, timeout=120, cwd=ROOT)
            if r.returncode != 0:
                record("certificates", False, "make_certs.sh failed:\n%s"
                       % tail(r.stdout.decode("utf-8", "replace")))
            else:
                for part in only:
                    t1 = time.monotonic()
                    print("== part %s" % part, flush=True)
                    PARTS[part]()
                    print("   part %s took %.1fs" % (part, time.monotonic() - t1), flush=True)
    except KeyboardInterrupt as e:
        record("interrupted", False, str(e) or "interrupted")
    finally:
        for p in list(CHILDREN):
            kill(p, grace=1.0)
    passed = sum(1 for _, ok in results if ok)
    failed = len(results) - passed
    known = sorted(n for n, ok in results if not ok and n in KNOWN_FAILURES)
    print("took %.1fs; %d failed check(s) are known bugs (KNOWN_FAILURES): %s"
          % (time.monotonic() - t0, len(known), ", ".join(known) or "none"))
    print("%d passed, %d failed" % (passed, failed), flush=True)
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
