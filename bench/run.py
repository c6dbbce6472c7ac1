#!/usr/bin/python3
"""bench/run.py - lwgrpc against standard gRPC implementations, in one run.

    /usr/bin/python3 bench/run.py            the whole benchmark (make bench)
    /usr/bin/python3 bench/run.py --smoke    a few seconds: does it all work
                                             (make bench-smoke, make test)
    /usr/bin/python3 bench/run.py --report   rewrite docs/BENCHMARKS.md and
                                             the plots from the last results

Sections (--only=a,b,...; all by default):
  server     h2load against each server in turn (lwgrpc, gRPC C++, grpc-go,
             Python grpcio, grpc-js), alternating over several rounds:
             empty / 100-byte / 4 KiB unary at 1x1, 1x100, 4x100
             (connections x streams).  Every request must be answered with
             grpc-status 0: the server's own counter (GetStats) must have
             grown by exactly the number h2load sent, and h2load must have
             seen that many 2xx responses.
  client     the lwgrpc, C++ and grpc-go clients each driving the same
             server at the same concurrency: calls/s, p50/p99 latency
  stream     server- and client-streaming MB/s, 1 KiB and 64 KiB messages
  syscalls   strace -c: system calls per unary call (lwgrpc and C++ server)
  callgrind  instructions per unary call (user space) for the lwgrpc
             server and client and the C++ server and client: two runs of
             N1 and N2 calls, (Ir2 - Ir1) / (N2 - N1); the per-function
             difference gives the top costs per call
  footprint  make size (build/size.md), the stack high-water mark of a
             unary call in each role, and the flash/RAM comparison with
             nghttp2 + nanopb + mbedTLS + lwIP (bench/footprint/)

Results go to build/bench/results.json (every run, raw) and the report to
docs/BENCHMARKS.md with PNG plots in docs/bench/ (gnuplot).  The smoke
run writes build/bench/smoke.json only and ends with "N passed, N failed".
Every process this script starts is stopped by its pid when it ends.
"""
import argparse
import atexit
import datetime
import json
import os
import platform
import re
import resource
import select
import signal
import statistics
import struct
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BDIR = os.path.join(ROOT, "build", "bench")
BIN = os.path.join(BDIR, "bin")
RESULTS = os.path.join(BDIR, "results.json")
DOC = os.path.join(ROOT, "docs", "BENCHMARKS.md")
PLOTS = os.path.join(ROOT, "docs", "bench")
LOGS = os.path.join(BDIR, "logs")

SERVERS = {
    "lwgrpc": [os.path.join(BIN, "lwg_bench_server")],
    "cpp": [os.path.join(BIN, "cpp_bench_server")],
    "go": [os.path.join(BIN, "go_bench_server")],
    "py": ["/usr/bin/python3", os.path.join(ROOT, "bench", "peers", "py", "server.py")],
    "js": ["node", os.path.join(ROOT, "bench", "peers", "js", "server.js")],
}
CLIENTS = {
    "lwgrpc": os.path.join(BIN, "lwg_bench_client"),
    "cpp": os.path.join(BIN, "cpp_bench_client"),
    "go": os.path.join(BIN, "go_bench_client"),
}
NAMES = {
    "lwgrpc": "lwgrpc",
    "cpp": "gRPC C++",
    "go": "grpc-go",
    "py": "Python grpcio",
    "js": "grpc-js",
}
THREADS = {
    "lwgrpc": "1 thread, poll()",
    "cpp": "callback API, gRPC's thread pool",
    "go": "goroutines, GOMAXPROCS=2",
    "py": "asyncio (grpc.aio), 1 process",
    "js": "Node.js event loop",
}
SIZES = [0, 100, 4096]
LOADS = [(1, 1), (1, 100), (4, 100)]
CONCS = [1, 10, 100]
STREAMS = [("sstream", 1024, 1000), ("sstream", 65536, 32),
           ("cstream", 1024, 1000), ("cstream", 65536, 32)]
CLK_TCK = os.sysconf("SC_CLK_TCK")

started_procs = []     # (Popen, Server or None)


def log(msg):
    print(msg, flush=True)


def fmt_int(x):
    return "{:,}".format(int(round(x))) if x is not None else "-"


def load_name(c, m):
    return "%dx%d" % (c, m)


def size_name(s):
    return {0: "empty", 100: "100 B", 4096: "4 KiB", 1024: "1 KiB", 65536: "64 KiB"}.get(s, "%d B" % s)


# ---- processes -----------------------------------------------------------------

class Server:
    """A benchmark server process: started on a free port, stopped by pid."""

    def __init__(self, name, wrapper=None, tag=None):
        self.name = name
        self.argv = (wrapper or []) + SERVERS[name] + ["--port=0"]
        self.tag = tag or name
        self.proc = None
        self.port = None
        self.channel = None

    def start(self, timeout=60):
        os.makedirs(LOGS, exist_ok=True)
        self.errlog = open(os.path.join(LOGS, "server-%s.log" % self.tag), "wb")
        self.proc = subprocess.Popen(self.argv, stdout=subprocess.PIPE, stderr=self.errlog,
                                     cwd=ROOT)
        started_procs.append((self.proc, self))
        deadline = time.time() + timeout
        line = b""
        while time.time() < deadline:
            r, _, _ = select.select([self.proc.stdout], [], [], 0.2)
            if r:
                ch = os.read(self.proc.stdout.fileno(), 1)
                if not ch:
                    break
                line += ch
                if ch == b"\n":
                    m = re.match(rb"listening on port (\d+)", line)
                    if m:
                        self.port = int(m.group(1))
                        return self
                    line = b""
            elif self.proc.poll() is not None:
                break
        raise RuntimeError("server %s did not start (see %s)" % (self.tag, self.errlog.name))

    def pid(self):
        """The server's own pid: under strace, strace's child (valgrind runs
        its tool in the server's process)."""
        if self.argv[0] != "strace":
            return self.proc.pid
        try:
            with open("/proc/%d/task/%d/children" % (self.proc.pid, self.proc.pid)) as f:
                kids = f.read().split()
            return int(kids[0]) if kids else None
        except OSError:
            return None

    def cpu(self):
        """User + system CPU seconds of the process so far (all threads)."""
        try:
            with open("/proc/%d/stat" % self.pid()) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / CLK_TCK
        except OSError:
            return 0.0

    def stats(self):
        """The server's GetStats counters (unary_ok, stream_ok, stream_bytes)."""
        import grpc
        if self.channel is None:
            self.channel = grpc.insecure_channel("127.0.0.1:%d" % self.port)
        raw = self.channel.unary_unary("/bench.Bench/GetStats")(b"", timeout=60)
        return parse_stats(raw)

    def stop(self):
        if self.channel is not None:
            self.channel.close()
            self.channel = None
        if self.proc is None or self.proc.poll() is not None:
            return
        pid = self.pid()
        if pid is not None:
            os.kill(pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            if pid is not None and pid != self.proc.pid:
                os.kill(pid, signal.SIGKILL)
            self.proc.kill()
            self.proc.wait()


def parse_stats(raw):
    """Decode bench.Stats (three uint64 varint fields)."""
    out = {1: 0, 2: 0, 3: 0}
    i = 0
    while i < len(raw):
        key, i = varint(raw, i)
        if key & 7 != 0:
            raise ValueError("unexpected wire type in Stats")
        val, i = varint(raw, i)
        out[key >> 3] = val
    return {"unary_ok": out[1], "stream_ok": out[2], "stream_bytes": out[3]}


def varint(b, i):
    v = 0
    shift = 0
    while True:
        c = b[i]
        i += 1
        v |= (c & 0x7F) << shift
        shift += 7
        if not c & 0x80:
            return v, i


def stop_all():
    for p, srv in started_procs:
        if p.poll() is None:
            srv.stop()


atexit.register(stop_all)


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run_cmd(argv, timeout=600):
    """Run a client program; returns (stdout, its CPU seconds)."""
    c0 = children_cpu()
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout,
                       cwd=ROOT)
    return p, children_cpu() - c0


# ---- request bodies ---------------------------------------------------------------

def grpc_body(size):
    """A bench.Payload of `size` bytes, framed (5-byte gRPC prefix)."""
    pb = b""
    if size:
        v = size
        lb = b""
        while True:
            b = v & 0x7F
            v >>= 7
            lb += bytes([b | (0x80 if v else 0)])
            if not v:
                break
        pb = b"\x0a" + lb + b"x" * size
    return b"\x00" + struct.pack(">I", len(pb)) + pb


def body_file(size):
    path = os.path.join(BDIR, "req-%d.bin" % size)
    data = grpc_body(size)
    if not os.path.exists(path) or open(path, "rb").read() != data:
        with open(path, "wb") as f:
            f.write(data)
    return path


# ---- h2load ---------------------------------------------------------------------------

def h2load(port, size, conns, streams, n, timeout=300):
    argv = ["h2load", "-n", str(n), "-c", str(conns), "-m", str(streams), "-t", "1",
            "-d", body_file(size), "-H", "content-type: application/grpc",
            "-H", "te: trailers", "http://127.0.0.1:%d/bench.Bench/Unary" % port]
    p, cpu = run_cmd(argv, timeout)
    out = p.stdout.decode(errors="replace")
    r = {"n": n, "client_cpu": cpu}
    m = re.search(r"finished in ([\d.]+)(us|ms|s),", out)
    if not m:
        raise RuntimeError("h2load output not understood:\n" + out + p.stderr.decode())
    r["secs"] = float(m.group(1)) * {"us": 1e-6, "ms": 1e-3, "s": 1.0}[m.group(2)]
    m = re.search(r"requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, "
                  r"(\d+) failed, (\d+) errored", out)
    r["succeeded"], r["failed"], r["errored"] = int(m.group(4)), int(m.group(5)), int(m.group(6))
    m = re.search(r"status codes: (\d+) 2xx", out)
    r["http_2xx"] = int(m.group(1)) if m else 0
    m = re.search(r"traffic: .*?total, .*?\((\d+)\) headers", out)
    r["header_bytes"] = int(m.group(1)) if m else 0
    r["rate"] = r["succeeded"] / r["secs"] if r["secs"] > 0 else 0.0
    return r


def checked_h2load(srv, size, conns, streams, n):
    """One h2load run with the grpc-status check; returns the run's record."""
    before = srv.stats()["unary_ok"]
    cpu0 = srv.cpu()
    r = h2load(srv.port, size, conns, streams, n)
    r["server_cpu"] = srv.cpu() - cpu0
    after = srv.stats()["unary_ok"]
    r["grpc_ok"] = after - before
    r["verified"] = (r["succeeded"] == n and r["http_2xx"] == n and r["grpc_ok"] == n and
                     r["failed"] == 0 and r["errored"] == 0)
    return r


# ---- sections ---------------------------------------------------------------------------

def section_server(res, a, checks):
    names = a.servers
    rows = [(s, c, m) for s in a.sizes for (c, m) in a.loads]
    servers = {}
    for name in names:
        servers[name] = Server(name).start()
    out = res.setdefault("server", {"runs": [], "rows": []})
    out["servers"] = names
    rate_guess = {}
    # round 0: calibration (and warm-up): how many requests make ~secs
    total = len(rows) * len(names) * (a.rounds + 1)
    done = 0
    t0 = time.time()
    for rnd in range(a.rounds + 1):
        order = names[rnd % len(names):] + names[:rnd % len(names)]
        for (size, c, m) in rows:
            for name in order:
                srv = servers[name]
                key = (name, size, c, m)
                if rnd == 0:
                    n = a.calib_n
                else:
                    n = int(min(max(rate_guess[key] * a.secs, 500), 5_000_000))
                    n -= n % (c * m) if n > c * m else 0
                r = checked_h2load(srv, size, c, m, n)
                done += 1
                r.update({"server": name, "size": size, "conns": c, "streams": m, "round": rnd})
                if rnd == 0:
                    rate_guess[key] = max(r["rate"], 100.0)
                else:
                    out["runs"].append(r)
                ok = r["verified"]
                checks.append((ok, "server %s %s %s round %d: %d requests, %s req/s%s" % (
                    name, size_name(size), load_name(c, m), rnd, n, fmt_int(r["rate"]),
                    "" if ok else " NOT VERIFIED (%d 2xx, %d grpc OK, %d failed)" % (
                        r["http_2xx"], r["grpc_ok"], r["failed"] + r["errored"]))))
                if not ok or a.verbose:
                    log(("ok   " if ok else "FAIL ") + checks[-1][1])
        log("  server round %d/%d done (%d/%d runs, %.0fs)" % (rnd, a.rounds, done, total,
                                                             time.time() - t0))
    for srv in servers.values():
        srv.stop()
    # medians
    out["rows"] = []
    for (size, c, m) in rows:
        row = {"size": size, "conns": c, "streams": m, "impl": {}}
        for name in names:
            rs = [r for r in out["runs"] if r["server"] == name and r["size"] == size and
                  r["conns"] == c and r["streams"] == m]
            if not rs:
                continue
            rates = [r["rate"] for r in rs]
            cpu = sum(r["server_cpu"] for r in rs)
            reqs = sum(r["succeeded"] for r in rs)
            row["impl"][name] = {
                "median": statistics.median(rates), "min": min(rates), "max": max(rates),
                "cpu_us_per_req": cpu / reqs * 1e6 if reqs else None,
                "server_cores": statistics.median([r["server_cpu"] / r["secs"] for r in rs]),
                "h2load_cores": statistics.median([r["client_cpu"] / r["secs"] for r in rs]),
                "header_bytes_per_req": statistics.median(
                    [r["header_bytes"] / max(r["succeeded"], 1) for r in rs]),
                "verified": all(r["verified"] for r in rs),
                "rounds": len(rs),
            }
        out["rows"].append(row)


def client_argv(client, port, mode, conc, size, secs, warmup, count=None, calls=None):
    argv = [CLIENTS[client], "--server=127.0.0.1:%d" % port, "--mode=" + mode,
            "--conc=%d" % conc, "--size=%d" % size]
    if calls:
        argv.append("--calls=%d" % calls)
    else:
        argv += ["--secs=%g" % secs, "--warmup=%g" % warmup]
    if count:
        argv.append("--count=%d" % count)
    return argv


def run_client(client, srv, mode, conc, size, secs, warmup, count=None):
    st0 = srv.stats()
    cpu0 = srv.cpu()
    p, ccpu = run_cmd(client_argv(client, srv.port, mode, conc, size, secs, warmup, count),
                      timeout=120 + 10 * secs)
    scpu = srv.cpu() - cpu0
    st1 = srv.stats()
    out = p.stdout.decode(errors="replace")
    m = re.search(r"^RESULT (\{.*\})$", out, re.M)
    if not m:
        return None, "no RESULT line (exit %d): %s" % (p.returncode,
                                                   p.stderr.decode(errors="replace")[-300:])
    r = json.loads(m.group(1))
    r["client_cpu"] = ccpu
    r["server_cpu"] = scpu
    if mode == "unary":
        r["server_ok"] = st1["unary_ok"] - st0["unary_ok"]
    else:
        r["server_ok"] = st1["stream_ok"] - st0["stream_ok"]
    r["verified"] = (p.returncode == 0 and r["errors"] == 0 and r["calls"] > 0 and
                     r["server_ok"] >= r["calls"])
    return r, None


def section_client(res, a, checks):
    out = res.setdefault("client", {"runs": [], "rows": []})
    out["targets"] = a.client_targets
    out["clients"] = a.clients
    servers = {n: Server(n, tag="client-target-" + n).start() for n in a.client_targets}
    t0 = time.time()
    for rnd in range(a.client_rounds):
        for target in a.client_targets:
            for conc in a.concs:
                order = a.clients[rnd % len(a.clients):] + a.clients[:rnd % len(a.clients)]
                for client in order:
                    r, err = run_client(client, servers[target], "unary", conc, 100,
                                        a.client_secs, a.warmup)
                    desc = "client %s -> %s server, unary 100 B, %d in flight, round %d" % (
                        client, target, conc, rnd + 1)
                    if r is None:
                        checks.append((False, desc + ": " + err))
                        log("FAIL " + checks[-1][1])
                        continue
                    r.update({"client": client, "target": target, "round": rnd})
                    out["runs"].append(r)
                    checks.append((r["verified"], "%s: %s calls/s, p50 %d us, p99 %d us%s" % (
                        desc, fmt_int(r["calls_per_s"]), r["p50_us"], r["p99_us"],
                        "" if r["verified"] else " NOT VERIFIED (errors %d, server OK %d)" % (
                            r["errors"], r["server_ok"]))))
                    if not r["verified"] or a.verbose:
                        log(("ok   " if r["verified"] else "FAIL ") + checks[-1][1])
        log("  client round %d/%d done (%.0fs)" % (rnd + 1, a.client_rounds, time.time() - t0))
    for s in servers.values():
        s.stop()
    out["rows"] = []
    for target in a.client_targets:
        for conc in a.concs:
            row = {"target": target, "conc": conc, "impl": {}}
            for client in a.clients:
                rs = [r for r in out["runs"] if r["client"] == client and r["target"] == target
                      and r["conc"] == conc]
                if not rs:
                    continue
                row["impl"][client] = {
                    "calls_per_s": statistics.median([r["calls_per_s"] for r in rs]),
                    "p50_us": statistics.median([r["p50_us"] for r in rs]),
                    "p99_us": statistics.median([r["p99_us"] for r in rs]),
                    "client_cpu_us_per_call": sum(r["client_cpu"] for r in rs) /
                    max(sum(r["calls"] for r in rs), 1) * 1e6,
                    "client_cores": statistics.median([r["client_cpu"] / (r["secs"] + a.warmup)
                                                       for r in rs]),
                    "verified": all(r["verified"] for r in rs),
                }
            out["rows"].append(row)


def section_stream(res, a, checks):
    out = res.setdefault("stream", {"runs": [], "rows": []})
    pairs = [tuple(p.split(":")) for p in a.stream_pairs]
    out["pairs"] = ["%s:%s" % p for p in pairs]
    need = sorted({s for (_, s) in pairs})
    servers = {n: Server(n, tag="stream-" + n).start() for n in need}
    t0 = time.time()
    for rnd in range(a.stream_rounds):
        for (mode, size, count) in STREAMS:
            for (client, target) in pairs:
                r, err = run_client(client, servers[target], mode, 1, size, a.stream_secs,
                                    a.warmup, count)
                desc = "stream %s -> %s, %s %s, round %d" % (client, target, mode,
                                                            size_name(size), rnd + 1)
                if r is None:
                    checks.append((False, desc + ": " + err))
                    log("FAIL " + checks[-1][1])
                    continue
                r.update({"client": client, "target": target, "round": rnd, "count": count})
                out["runs"].append(r)
                checks.append((r["verified"], "%s: %.1f MB/s%s" % (
                    desc, r["mb_per_s"], "" if r["verified"] else " NOT VERIFIED")))
                if not r["verified"] or a.verbose:
                    log(("ok   " if r["verified"] else "FAIL ") + checks[-1][1])
        log("  stream round %d/%d done (%.0fs)" % (rnd + 1, a.stream_rounds, time.time() - t0))
    for s in servers.values():
        s.stop()
    out["rows"] = []
    for (mode, size, count) in STREAMS:
        row = {"mode": mode, "size": size, "count": count, "pairs": {}}
        for (client, target) in pairs:
            rs = [r for r in out["runs"] if r["client"] == client and r["target"] == target and
                  r["mode"] == mode and r["size"] == size]
            if rs:
                row["pairs"]["%s:%s" % (client, target)] = {
                    "mb_per_s": statistics.median([r["mb_per_s"] for r in rs]),
                    "verified": all(r["verified"] for r in rs)}
        out["rows"].append(row)


# ---- syscalls (strace -c) ------------------------------------------------------------------

def parse_strace_c(path):
    calls = {}
    with open(path) as f:
        for line in f:
            m = re.match(r"\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:(\d+)\s+)?(\w+)\s*$", line)
            if m and m.group(3) != "total":
                calls[m.group(3)] = int(m.group(1))
    return calls


def section_syscalls(res, a, checks):
    out = res.setdefault("syscalls", {})
    for name in a.syscall_servers:
        for (c, m) in [(1, 1), (1, 100)]:
            counts = {}
            for n in (a.syscall_n1, a.syscall_n2):
                path = os.path.join(BDIR, "strace-%s-%dx%d-%d.txt" % (name, c, m, n))
                srv = Server(name, wrapper=["strace", "-f", "-c", "-o", path],
                             tag="strace-%s" % name).start()
                r = h2load(srv.port, 100, c, m, n)
                srv.stop()
                counts[n] = parse_strace_c(path)
                ok = r["succeeded"] == n
                checks.append((ok, "strace %s server %dx%d, %d calls" % (name, c, m, n)))
                if not ok:
                    log("FAIL " + checks[-1][1])
            n1, n2 = a.syscall_n1, a.syscall_n2
            per = {}
            for sc in set(counts[n1]) | set(counts[n2]):
                d = (counts[n2].get(sc, 0) - counts[n1].get(sc, 0)) / (n2 - n1)
                if d > 0.005:
                    per[sc] = d
            out["%s %dx%d" % (name, c, m)] = {"per_call": per, "total": sum(per.values())}
            log("  syscalls %s %dx%d: %.2f per call %s" % (
                name, c, m, sum(per.values()),
                ", ".join("%s %.2f" % kv for kv in sorted(per.items(), key=lambda kv: -kv[1]))))


# ---- callgrind ----------------------------------------------------------------------------

CG_DIR = os.path.join(BDIR, "callgrind")


def cg_total(path):
    with open(path) as f:
        for line in f:
            if line.startswith("summary:") or line.startswith("totals:"):
                return int(line.split()[1])
    raise RuntimeError("no totals in " + path)


def cg_functions(path):
    """Self cost per function, from callgrind_annotate."""
    p = subprocess.run(["callgrind_annotate", "--inclusive=no", "--auto=no", "--threshold=100",
                        path],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    funcs = {}
    started = False
    for line in p.stdout.splitlines():
        if "file:function" in line:
            started = True
            continue
        if not started:
            continue
        m = re.match(r"\s*([\d,]+)\s+(?:\([\d. %]+\)\s+)?(\S.*)$", line)
        if m:
            key = m.group(2).strip()
            key = re.sub(r"\s+\[.*\]$", "", key)   # drop the object file
            key = key.replace("./string/../sysdeps/x86_64/multiarch/", "glibc:")
            funcs[key] = funcs.get(key, 0) + int(m.group(1).replace(",", ""))
    return funcs


def cg_diff(p1, p2, n1, n2):
    f1, f2 = cg_functions(p1), cg_functions(p2)
    per = {}
    for k in set(f1) | set(f2):
        d = (f2.get(k, 0) - f1.get(k, 0)) / (n2 - n1)
        if d > 0.5:
            per[k] = d
    return per


def cg_server_run(name, c, m, n):
    os.makedirs(CG_DIR, exist_ok=True)
    path = os.path.join(CG_DIR, "server-%s-%dx%d-%d.out" % (name, c, m, n))
    srv = Server(name, wrapper=["valgrind", "--tool=callgrind", "--callgrind-out-file=" + path],
                 tag="callgrind-%s" % name).start(timeout=120)
    r = h2load(srv.port, 100, c, m, n, timeout=900)
    srv.stop()
    return path, r["succeeded"] == n


def cg_client_run(client, target_srv, conc, n):
    os.makedirs(CG_DIR, exist_ok=True)
    path = os.path.join(CG_DIR, "client-%s-c%d-%d.out" % (client, conc, n))
    argv = (["valgrind", "--tool=callgrind", "--callgrind-out-file=" + path] +
            client_argv(client, target_srv.port, "unary", conc, 100, 0, 0, calls=n))
    p, _ = run_cmd(argv, timeout=1800)
    m = re.search(r"^RESULT (\{.*\})$", p.stdout.decode(errors="replace"), re.M)
    ok = bool(m) and json.loads(m.group(1))["calls"] == n
    return path, ok


def section_callgrind(res, a, checks):
    out = res.setdefault("callgrind", {})
    jobs = []
    for name in a.cg_servers:
        n1, n2 = (a.cg_n1, a.cg_n2) if name == "lwgrpc" else (a.cg_n1 // 2, a.cg_n2 // 2)
        for (c, m) in [(1, 1), (1, 100)]:
            jobs.append(("server", name, c, m, n1, n2))
    for name in a.cg_clients:
        n1, n2 = (a.cg_n1, a.cg_n2) if name == "lwgrpc" else (a.cg_n1 // 2, a.cg_n2 // 2)
        for conc in (1, 100):
            jobs.append(("client", name, 1, conc, n1, n2))
    target = None
    if a.cg_clients:
        target = Server("lwgrpc", tag="callgrind-target").start()
    for (role, name, c, m, n1, n2) in jobs:
        t0 = time.time()
        paths = []
        ok = True
        for n in (n1, n2):
            if role == "server":
                p, good = cg_server_run(name, c, m, n)
            else:
                p, good = cg_client_run(name, target, m, n)
            paths.append(p)
            ok = ok and good
        per_call = (cg_total(paths[1]) - cg_total(paths[0])) / (n2 - n1)
        funcs = cg_diff(paths[0], paths[1], n1, n2)
        key = "%s %s %s" % (role, name, load_name(c, m) if role == "server" else "conc %d" % m)
        out[key] = {"role": role, "impl": name, "conns": c, "streams": m, "n1": n1, "n2": n2,
                    "ir_per_call": per_call, "files": [os.path.relpath(p, ROOT) for p in paths],
                    "top": sorted(funcs.items(), key=lambda kv: -kv[1])[:25]}
        checks.append((ok and per_call > 0, "callgrind %s: %s instructions per call" % (
            key, fmt_int(per_call))))
        log(("ok   " if ok else "FAIL ") + checks[-1][1] + " (%.0fs)" % (time.time() - t0))
    if target:
        target.stop()


# ---- footprint ------------------------------------------------------------------------------

def section_footprint(res, a, checks):
    out = res.setdefault("footprint", {})
    env = dict(os.environ)
    for k in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL"):
        env.pop(k, None)
    p = subprocess.run(["make", "--no-print-directory", "size"], cwd=ROOT, env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    ok = p.returncode == 0 and os.path.exists(os.path.join(ROOT, "build", "size.md"))
    checks.append((ok, "make size"))
    if ok:
        out["size_md"] = open(os.path.join(ROOT, "build", "size.md")).read()
    else:
        log("FAIL make size:\n" + p.stdout.decode(errors="replace")[-2000:])
    p = subprocess.run(["/usr/bin/python3", "bench/footprint/footprint.py"], cwd=ROOT, env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    fp = os.path.join(BDIR, "footprint", "footprint.json")
    ok = p.returncode == 0 and os.path.exists(fp)
    checks.append((ok, "bench/footprint/footprint.py"))
    if ok:
        out.update(json.load(open(fp)))
    else:
        log("FAIL footprint:\n" + p.stdout.decode(errors="replace")[-3000:])


# ---- machine ---------------------------------------------------------------------------------

def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                              text=True, timeout=30).stdout.strip()
    except Exception:
        return ""


def machine():
    m = {
        "loadavg_start": "%.2f %.2f %.2f" % os.getloadavg(),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": sh("git -C %s describe --always --dirty" % ROOT),
        "cpu": sh("lscpu | sed -n 's/^Model name: *//p'"),
        "cores": os.cpu_count(),
        "mem": sh("free -g | awk '/Mem:/ {print $2\" GiB\"}'"),
        "kernel": platform.release(),
        "os": sh(". /etc/os-release && echo $PRETTY_NAME"),
        "virt": sh("systemd-detect-virt 2>/dev/null || true"),
        "gcc": sh("gcc -dumpfullversion"),
        "go": sh("go version | awk '{print $3}'"),
        "node": sh("node --version"),
        "h2load": sh("h2load --version | head -1"),
        "valgrind": sh("valgrind --version"),
    }
    pk = sh("dpkg-query -W -f='${Package} ${Version}\\n' libgrpc++-dev golang-google-grpc-dev "
            "python3-grpcio nghttp2-client libprotobuf-dev")
    m["packages"] = pk.splitlines()
    m["grpc_js"] = sh("sed -n 's/.*\"version\": *\"\\(.*\\)\".*/\\1/p' %s | head -1" % os.path.join(
        ROOT, "build", "deps", "node_modules", "@grpc", "grpc-js", "package.json"))
    return m


# ---- main -----------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--report", action="store_true", help="only rewrite the report")
    ap.add_argument("--only", default="server,client,stream,syscalls,callgrind,footprint")
    ap.add_argument("--rounds", type=int, default=5, help="server (h2load) rounds")
    ap.add_argument("--client-rounds", type=int, default=3)
    ap.add_argument("--secs", type=float, default=1.0, help="seconds per h2load run")
    ap.add_argument("--calib-n", type=int, default=2000)
    ap.add_argument("--servers", default="lwgrpc,cpp,go,py,js")
    ap.add_argument("--client-targets", default="lwgrpc,cpp")
    ap.add_argument("--clients", default="lwgrpc,cpp,go")
    ap.add_argument("--client-secs", type=float, default=1.5)
    ap.add_argument("--warmup", type=float, default=0.3)
    ap.add_argument("--stream-pairs", default="lwgrpc:lwgrpc,cpp:lwgrpc,go:lwgrpc,"
                    "lwgrpc:cpp,cpp:cpp,lwgrpc:go,go:go")
    ap.add_argument("--stream-rounds", type=int, default=3)
    ap.add_argument("--stream-secs", type=float, default=1.0)
    ap.add_argument("--cg-servers", default="lwgrpc,cpp")
    ap.add_argument("--cg-clients", default="lwgrpc,cpp")
    ap.add_argument("--cg-n1", type=int, default=2000)
    ap.add_argument("--cg-n2", type=int, default=10000)
    ap.add_argument("--syscall-servers", default="lwgrpc,cpp")
    ap.add_argument("--syscall-n1", type=int, default=2000)
    ap.add_argument("--syscall-n2", type=int, default=12000)
    ap.add_argument("--no-report", action="store_true")
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args()
    for k in ("servers", "client_targets", "clients", "stream_pairs", "cg_servers",
              "cg_clients", "syscall_servers", "only"):
        setattr(a, k, [x for x in getattr(a, k).split(",") if x])
    a.sizes, a.loads, a.concs = SIZES, LOADS, CONCS

    if a.report:
        res = json.load(open(RESULTS))
        write_report(res)
        return 0

    if a.smoke:
        # one short round against the lwgrpc server and one peer (Python grpcio:
        # it needs nothing compiled), lwgrpc's client on one row, one stream
        a.only = ["server", "client", "stream"]
        a.servers = ["lwgrpc", "py"]
        a.sizes, a.loads, a.concs = [100], [(1, 100)], [10]
        a.rounds, a.client_rounds, a.stream_rounds = 1, 1, 1
        a.calib_n, a.secs = 500, 0.3
        a.client_targets, a.clients = ["lwgrpc"], ["lwgrpc"]
        a.client_secs, a.warmup, a.stream_secs = 0.3, 0.1, 0.3
        a.stream_pairs = ["lwgrpc:lwgrpc"]
        global STREAMS
        STREAMS = [("sstream", 65536, 32), ("cstream", 1024, 1000)]

    os.makedirs(BDIR, exist_ok=True)
    res = {"machine": machine(), "args": {k: v for k, v in vars(a).items()
                                          if isinstance(v, (int, float, str, list))}}
    res["args"]["streams"] = STREAMS
    checks = []
    t0 = time.time()
    sections = [("server", section_server), ("client", section_client),
                ("stream", section_stream), ("syscalls", section_syscalls),
                ("callgrind", section_callgrind), ("footprint", section_footprint)]
    for name, fn in sections:
        if name not in a.only:
            continue
        t1 = time.time()
        log("== %s" % name)
        try:
            fn(res, a, checks)
        except Exception as e:  # a section that breaks must not hide the others
            checks.append((False, "%s: %s: %s" % (name, type(e).__name__, e)))
            log("FAIL " + checks[-1][1])
        res.setdefault("timing", {})[name] = time.time() - t1
    res["timing"]["total"] = time.time() - t0
    res["machine"]["loadavg_end"] = "%.2f %.2f %.2f" % os.getloadavg()
    res["checks"] = [[ok, d] for ok, d in checks]
    out = os.path.join(BDIR, "smoke.json" if a.smoke else "results.json")
    with open(out, "w") as f:
        json.dump(res, f, indent=1)
    passed = sum(1 for ok, _ in checks if ok)
    failed = len(checks) - passed
    if a.smoke:
        for ok, d in checks:
            log(("ok   " if ok else "FAIL ") + d)
    elif not a.no_report:
        write_report(res)
        log("report: %s" % os.path.relpath(DOC, ROOT))
    log("time: %.0fs" % (time.time() - t0))
    log("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


def write_report(res):
    sys.path.insert(0, os.path.join(ROOT, "bench"))
    import report
    report.write(res, DOC, PLOTS)


if __name__ == "__main__":
    sys.exit(main())
