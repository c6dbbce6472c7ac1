"""bench/report.py - docs/BENCHMARKS.md and its plots from the results of
bench/run.py (build/bench/results.json).  Imported by run.py; also
`/usr/bin/python3 bench/run.py --report` rewrites them from the last run.

Plots are drawn by gnuplot (Debian's gnuplot-nox) from data files in
build/bench/plot/ into docs/bench/*.png.  bench/analysis.md, when it
exists, is copied into the report as its last section (hand-written notes
on a particular run: say which).
"""
import os
import statistics
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PLOT_DATA = os.path.join(ROOT, "build", "bench", "plot")

NAMES = {"lwgrpc": "lwgrpc", "cpp": "gRPC C++", "go": "grpc-go", "py": "Python grpcio",
         "js": "grpc-js"}
ORDER = ["lwgrpc", "cpp", "go", "py", "js"]


def n0(x):
    return "-" if x is None else "{:,}".format(int(round(x)))


def n1(x):
    return "-" if x is None else "{:,.1f}".format(x)


def ratio(a, b):
    if not a or not b:
        return "-"
    return "%.2f" % (a / b)


def size_name(s):
    return {0: "empty", 100: "100 B", 4096: "4 KiB", 1024: "1 KiB", 65536: "64 KiB"}.get(
        s, "%d B" % s)


def table(head, rows, align=None):
    align = align or ["---"] + ["---:"] * (len(head) - 1)
    out = ["| " + " | ".join(head) + " |", "| " + " | ".join(align) + " |"]
    for r in rows:
        out.append("| " + " | ".join(str(c) for c in r) + " |")
    return "\n".join(out)


def find_row(rows, **kw):
    for r in rows:
        if all(r.get(k) == v for k, v in kw.items()):
            return r
    return None


# ---- plots ------------------------------------------------------------------------

def gnuplot(script, png):
    os.makedirs(os.path.dirname(png), exist_ok=True)
    p = subprocess.run(["gnuplot"], input=script, text=True, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, cwd=ROOT)
    if p.returncode != 0:
        raise RuntimeError("gnuplot failed: " + p.stderr[-2000:])


def plot_server(res, png):
    srv = res["server"]
    impls = [i for i in ORDER if i in srv["servers"]]
    os.makedirs(PLOT_DATA, exist_ok=True)
    sizes = sorted({r["size"] for r in srv["rows"]})
    panels = []
    for s in sizes:
        path = os.path.join(PLOT_DATA, "server-%d.dat" % s)
        rows = [r for r in srv["rows"] if r["size"] == s]
        with open(path, "w") as f:
            f.write("# load " + " ".join(impls) + "\n")
            for i, r in enumerate(rows):
                vals = [r["impl"].get(n, {}).get("median") or "NaN" for n in impls]
                f.write('%d "%dx%d" %s\n' % (i, r["conns"], r["streams"],
                                             " ".join(str(v) for v in vals)))
        plots = ", ".join("'%s' using 1:%d:xtic(2) with linespoints lw 2 pt 7 title '%s'" % (
            path, 3 + k, NAMES[n]) for k, n in enumerate(impls))
        panels.append("set title '%s unary (h2load)'\n"
                      "plot %s\n" % (size_name(s), plots))
    script = ("set terminal pngcairo size 1500,500 font 'sans,10'\n"
              "set output '%s'\n"
              "set multiplot layout 1,%d\n"
              "set logscale y\nset grid ytics\nset key top left font 'sans,9'\n"
              "set xlabel 'connections x streams'\nset ylabel 'requests/s (median)'\n"
              "set xrange [-0.3:%f]\nset yrange [1000:*]\n" % (png, len(panels),
                                                             len(LOADS_OF(srv)) - 0.7)
              + "".join(panels) + "unset multiplot\n")
    gnuplot(script, png)


def LOADS_OF(srv):
    return sorted({(r["conns"], r["streams"]) for r in srv["rows"]})


def plot_client(res, png):
    cl = res["client"]
    panels = []
    for t in cl["targets"]:
        path = os.path.join(PLOT_DATA, "client-%s.dat" % t)
        rows = [r for r in cl["rows"] if r["target"] == t]
        with open(path, "w") as f:
            for r in rows:
                f.write("%d %s\n" % (r["conc"], " ".join(
                    str(r["impl"].get(c, {}).get("calls_per_s") or "NaN") for c in cl["clients"])))
        plots = ", ".join("'%s' using 1:%d with linespoints lw 2 pt 7 title '%s client'" % (
            path, 2 + k, NAMES[c]) for k, c in enumerate(cl["clients"]))
        panels.append("set title 'unary 100 B, one connection, against the %s server'\n"
                      "plot %s\n" % (NAMES[t], plots))
    script = ("set terminal pngcairo size 1100,450 font 'sans,10'\n"
              "set output '%s'\nset multiplot layout 1,%d\n"
              "set logscale x\nset grid\nset key top left font 'sans,9'\n"
              "set xlabel 'calls in flight'\nset ylabel 'calls/s (median)'\n"
              "set xrange [0.8:130]\nset yrange [0:*]\n" % (png, len(panels))
              + "".join(panels) + "unset multiplot\n")
    gnuplot(script, png)


def footprint_bars(fp):
    """Rows for the flash / RAM comparison: (label, {component: bytes})."""
    im, tls, heap = fp["images"], fp["tls"], fp["heap"]
    lwip_flash, lwip_ram = im["lwip"]["flash"], im["lwip"]["ram"]
    arena = tls.get("arena") or 0
    bars = []
    for role in ("client", "server"):
        for cfg in ("tiny-client", "server"):
            key = "lwg_%s_%s" % (role, cfg)
            if key not in im:
                continue
            r = im[key]
            t = tls.get(role, {})
            bars.append(("lwgrpc %s\\n%s cfg" % (role, cfg), {
                "flash": {"gRPC + HTTP/2": r["flash"] - r["nanopb"], "nanopb": r["nanopb"],
                          "TLS (mbedTLS + glue)": t.get("mbedtls", 0) + t.get("lwg_tls", 0),
                          "lwIP": lwip_flash},
                "ram": {"gRPC + HTTP/2": r["ram"], "TLS arena": arena, "lwIP": lwip_ram},
            }))
        r = im["alt_" + role]
        t = tls.get(role, {})
        bars.append(("nghttp2 %s\\n+ glue" % role, {
            "flash": {"gRPC + HTTP/2": r["flash"] - r["nanopb"], "nanopb": r["nanopb"],
                      "TLS (mbedTLS + glue)": t.get("mbedtls", 0), "lwIP": lwip_flash},
            "ram": {"gRPC + HTTP/2": r["ram"] + heap.get(role, 0), "TLS arena": arena,
                    "lwIP": lwip_ram},
        }))
    return bars


def plot_footprint(res, png):
    fp = res["footprint"]
    bars = footprint_bars(fp)
    comps = {"flash": ["gRPC + HTTP/2", "nanopb", "TLS (mbedTLS + glue)", "lwIP"],
             "ram": ["gRPC + HTTP/2", "TLS arena", "lwIP"]}
    panels = []
    for kind, title in (("flash", "Flash on Cortex-M4 (KiB)"), ("ram", "RAM (KiB)")):
        path = os.path.join(PLOT_DATA, "footprint-%s.dat" % kind)
        with open(path, "w") as f:
            f.write("label " + " ".join('"%s"' % c for c in comps[kind]) + "\n")
            for label, d in bars:
                f.write('"%s" %s\n' % (label, " ".join(
                    "%.2f" % (d[kind][c] / 1024.0) for c in comps[kind])))
        cols = " ".join("'%s' using %d%s title columnheader(%d)," % (
            path, 2 + k, ":xtic(1)" if k == 0 else "", 2 + k) for k in range(len(comps[kind])))
        panels.append("set title '%s'\nplot %s\n" % (title, cols.rstrip(",")))
    script = ("set terminal pngcairo size 1400,520 font 'sans,9'\n"
              "set output '%s'\nset multiplot layout 1,2\n"
              "set style data histograms\nset style histogram rowstacked\n"
              "set style fill solid 0.8 border -1\nset boxwidth 0.6\n"
              "set grid ytics\nset key top left font 'sans,9'\nset yrange [0:*]\n"
              "set xtics font 'sans,8'\nset bmargin 4\n" % png + "".join(panels) + "unset multiplot\n")
    gnuplot(script, png)


# ---- the document ------------------------------------------------------------------

def write(res, doc, plot_dir):
    os.makedirs(plot_dir, exist_ok=True)
    rel = os.path.relpath(plot_dir, os.path.dirname(doc))
    m = res["machine"]
    a = res.get("args", {})
    L = []
    w = L.append
    w("# Benchmarks")
    w("")
    w("lwgrpc against the gRPC implementations a user would otherwise pick, side by "
      "side in one run of `make bench`, so that each figure can be read as a ratio "
      "against its neighbours measured minutes apart on the same (shared, noisy) "
      "machine. Absolute numbers move from run to run by 10-30 %; the ratios are "
      "steadier. This file is written by `bench/run.py` (`bench/report.py`); "
      "do not edit it by hand.")
    w("")
    w("Run of %s at commit `%s`, %.0f s in all." % (m["date"], m["commit"],
                                                   res.get("timing", {}).get("total", 0)))
    w("")
    targets_section(res, w)
    w("## Machine")
    w("")
    w(table(["", ""], [
        ["CPU", "%s, %d cores%s" % (m["cpu"], m["cores"],
                                    " (%s guest)" % m["virt"] if m.get("virt") and
                                    m["virt"] != "none" else "")],
        ["memory", m["mem"]], ["OS", "%s, Linux %s" % (m["os"], m["kernel"])],
        ["load average", "%s at the start, %s at the end (1, 5, 15 min; other jobs share "
         "the machine)" % (m.get("loadavg_start", "?"), m.get("loadavg_end", "?"))],
        ["compilers", "gcc %s (C, C++), %s, Node.js %s" % (m["gcc"], m["go"], m["node"])],
        ["gRPC", "; ".join(m["packages"]) + "; @grpc/grpc-js " + m.get("grpc_js", "?")],
        ["tools", "%s, %s" % (m["h2load"], m["valgrind"])],
    ], ["---", "---"]))
    w("")
    reproduce_section(res, w)
    method_section(res, w)
    if "server" in res and res["server"].get("rows"):
        server_section(res, w, rel, plot_dir)
    if "client" in res and res["client"].get("rows"):
        client_section(res, w, rel, plot_dir)
    if "stream" in res and res["stream"].get("rows"):
        stream_section(res, w)
    if "callgrind" in res or "syscalls" in res:
        cost_section(res, w)
    if "footprint" in res and res["footprint"].get("images"):
        footprint_section(res, w, rel, plot_dir)
    checks = res.get("checks", [])
    bad = [d for ok, d in checks if not ok]
    w("## Checks")
    w("")
    w("%d checks passed, %d failed in this run (every h2load run verified against "
      "the server's OK counter, every client run against its own errors and the "
      "server's counter)." % (len(checks) - len(bad), len(bad)))
    for d in bad:
        w("- FAILED: " + d)
    w("")
    an = os.path.join(ROOT, "bench", "analysis.md")
    if os.path.exists(an):
        with open(an) as f:
            w(f.read().rstrip())
        w("")
    with open(doc, "w") as f:
        f.write("\n".join(L) + "\n")


def targets_section(res, w):
    w("## Targets")
    w("")
    rows = []
    srv = res.get("server", {}).get("rows", [])
    r = find_row(srv, size=100, conns=1, streams=100)
    if r:
        lw = r["impl"].get("lwgrpc", {}).get("median")
        go = r["impl"].get("go", {}).get("median")
        cpp = r["impl"].get("cpp", {}).get("median")
        if lw and go:
            rows.append(["server req/s at 1x100 unary (100 B) >= 2x grpc-go",
                         "%s vs %s: **%.2fx**" % (n0(lw), n0(go), lw / go),
                         "met" if lw >= 2 * go else "not met"])
        if lw and cpp:
            rows.append(["... and >= the gRPC C++ server",
                         "%s vs %s: **%.2fx**" % (n0(lw), n0(cpp), lw / cpp),
                         "met" if lw >= cpp else "not met"])
    cg = res.get("callgrind", {})
    for role in ("server", "client"):
        for load in (("1x100", "conc 100"), ("1x1", "conc 1")):
            key_l = "%s lwgrpc %s" % (role, load[0] if role == "server" else load[1])
            key_c = "%s cpp %s" % (role, load[0] if role == "server" else load[1])
            if key_l in cg and key_c in cg:
                a, b = cg[key_l]["ir_per_call"], cg[key_c]["ir_per_call"]
                rows.append(["%s instructions per call <= 1/10 of gRPC C++ (%s)" % (
                    role, load[0] if role == "server" else
                    load[1].replace("conc ", "") + " in flight"),
                    "%s vs %s: **%.1fx fewer**" % (n0(a), n0(b), b / a),
                    "met" if a * 10 <= b else "not met"])
    if rows:
        w(table(["target", "measured", ""], rows, ["---", "---", "---"]))
    w("")


def reproduce_section(res, w):
    w("## How to reproduce")
    w("")
    w("```sh")
    w("make bench          # installs what is missing (bench/deps.sh), builds every "
      "peer, runs everything: ~12 min")
    w("make bench-smoke    # a few seconds: one short round, lwgrpc + Python grpcio "
      "(also run by make test: tests/check_bench_smoke.sh)")
    w("/usr/bin/python3 bench/run.py --only=server,callgrind --rounds=5   # a part, "
      "more rounds")
    w("/usr/bin/python3 bench/run.py --report   # rewrite this file from "
      "build/bench/results.json")
    w("```")
    w("")
    w("Everything is built under `build/bench/`: the lwgrpc server and client "
      "(`bench/lwg/`, `-O2`, no sanitizers, options `bench/config/lwgrpc_opts.h`, "
      "nanopb from Debian's source package with `PB_FIELD_32BIT` for 64 KiB "
      "messages), the gRPC C++ server and client (`bench/peers/cpp/`, callback API, "
      "Debian's libgrpc++), the grpc-go server and client (`bench/peers/go/`, "
      "Debian's golang-google-grpc-dev, GOPATH mode, offline), the Python grpcio "
      "server (`bench/peers/py/`, grpc.aio) and the grpc-js server "
      "(`bench/peers/js/`). All implement `bench/bench.proto`. Raw results of "
      "every run are in `build/bench/results.json`, callgrind profiles in "
      "`build/bench/callgrind/` (`callgrind_annotate` them), logs in "
      "`build/bench/logs/`.")
    w("")


def method_section(res, w):
    a = res.get("args", {})
    w("## Method")
    w("")
    w("- **Servers, h2load.** h2load (one thread) sends prebuilt gRPC requests "
      "(`-d` with the 5-byte prefixed `bench.Payload`, `content-type: "
      "application/grpc`, `te: trailers`, POST to `/bench.Bench/Unary`) to each "
      "server in turn; the unary handler echoes the payload. A calibration round "
      "sizes each run to about %.1f s; then %d measured rounds alternate over the "
      "servers (the order rotates each round) and the median is reported. h2load "
      "cannot see trailers, so before and after every run the driver asks the "
      "server for its counter of calls finished with grpc-status 0 (`GetStats`): "
      "it must have grown by exactly the number of requests, and h2load must "
      "have counted as many 2xx responses." % (a.get("secs", 1), a.get("rounds", 3)))
    w("- **Threads.** lwgrpc's server is one thread (`lwg_posix_poll`). The others "
      "use what they use by default: gRPC C++'s callback API runs on gRPC's thread "
      "pool, grpc-go on goroutines (GOMAXPROCS = 2), Python grpcio in one asyncio "
      "process (C-core threads underneath), grpc-js on Node's event loop. Nothing "
      "is pinned; h2load shares the two cores. *CPU µs/req* is the server "
      "process's user + system CPU time (all threads, /proc) divided by the "
      "requests: the cost of a request independent of how many cores it spread "
      "over.")
    w("- **Clients.** The lwgrpc client (asynchronous API, one thread), the C++ "
      "client (callback API) and the grpc-go client (one goroutine per call in "
      "flight) each drive the same server on one connection with the same number "
      "of calls in flight, %.1f s after %.1f s of warm-up; latency is per call, "
      "start to status." % (a.get("client_secs", 1.5), a.get("warmup", 0.3)))
    w("- **Streaming.** One call at a time: ServerStream asks for N chunks, "
      "ClientStream sends N chunks and gets their count and bytes back (checked); "
      "MB/s is payload bytes over the measured time (10^6 bytes/MB).")
    w("- **Cost per call.** callgrind (user space only) counts instructions of a "
      "server while h2load makes N1 and then N2 calls, or of a client making N1 "
      "and N2 calls against the (native) lwgrpc server; (Ir(N2) - Ir(N1)) / (N2 - "
      "N1) removes start-up. The per-function table is the same difference per "
      "function (self cost). All threads count, so gRPC C++'s background threads "
      "are included. System calls per call: `strace -f -c` the same way.")
    w("")


def server_section(res, w, rel, plot_dir):
    srv = res["server"]
    impls = [i for i in ORDER if i in srv["servers"]]
    peers = [i for i in impls if i != "lwgrpc"]
    w("## Server throughput (h2load)")
    w("")
    w("Requests/s, median of %d rounds; the last columns are lwgrpc's req/s divided "
      "by the peer's." % res.get("args", {}).get("rounds", 3))
    w("")
    head = ["payload", "conns x streams"] + [NAMES[i] for i in impls] + \
        ["lwgrpc / %s" % NAMES[p] for p in peers]
    rows = []
    for r in srv["rows"]:
        lw = r["impl"].get("lwgrpc", {}).get("median")
        row = [size_name(r["size"]), "%d x %d" % (r["conns"], r["streams"])]
        row += [n0(r["impl"].get(i, {}).get("median")) for i in impls]
        row += [ratio(lw, r["impl"].get(p, {}).get("median")) for p in peers]
        rows.append(row)
    w(table(head, rows, ["---", "---"] + ["---:"] * (len(head) - 2)))
    w("")
    png = os.path.join(plot_dir, "server_throughput.png")
    try:
        plot_server(res, png)
        w("![server throughput by concurrency](%s/server_throughput.png)" % rel)
        w("")
    except Exception as e:  # noqa
        w("(plot failed: %s)" % e)
        w("")
    w("Server CPU per request (µs, all threads), cores the server kept busy, and the "
      "response header bytes per request h2load counted (HEADERS + trailers):")
    w("")
    head = ["payload", "c x s"] + ["%s µs/req" % NAMES[i] for i in impls] + \
        ["%s cores" % NAMES[i] for i in impls] + ["lwgrpc hdr B/req", "gRPC C++ hdr B/req"]
    rows = []
    for r in srv["rows"]:
        row = [size_name(r["size"]), "%dx%d" % (r["conns"], r["streams"])]
        row += [n1(r["impl"].get(i, {}).get("cpu_us_per_req")) for i in impls]
        row += ["%.2f" % r["impl"][i]["server_cores"] if i in r["impl"] else "-" for i in impls]
        row += [n1(r["impl"].get("lwgrpc", {}).get("header_bytes_per_req")),
                n1(r["impl"].get("cpp", {}).get("header_bytes_per_req"))]
        rows.append(row)
    w(table(head, rows, ["---", "---"] + ["---:"] * (len(head) - 2)))
    w("")
    ver = all(v.get("verified") for r in srv["rows"] for v in r["impl"].values())
    w("Every measured run was %s: the server's grpc-status-0 counter grew by exactly "
      "the requests h2load sent, all with HTTP 200." % ("verified" if ver else
                                                         "**not** all verified (see Checks)"))
    w("")


def client_section(res, w, rel, plot_dir):
    cl = res["client"]
    w("## Client throughput and latency")
    w("")
    w("Unary, 100-byte payload, one connection. calls/s, p50 / p99 latency (µs), and "
      "the client process's CPU µs per call (median of %d rounds)." %
      res.get("args", {}).get("client_rounds", 3))
    w("")
    head = ["server", "in flight"]
    for c in cl["clients"]:
        head += ["%s calls/s" % NAMES[c], "p50 / p99", "CPU µs/call"]
    rows = []
    for r in cl["rows"]:
        row = [NAMES[r["target"]], str(r["conc"])]
        for c in cl["clients"]:
            v = r["impl"].get(c)
            if v:
                row += [n0(v["calls_per_s"]), "%d / %d" % (v["p50_us"], v["p99_us"]),
                        n1(v["client_cpu_us_per_call"])]
            else:
                row += ["-", "-", "-"]
        rows.append(row)
    w(table(head, rows, ["---", "---:"] + ["---:"] * (len(head) - 2)))
    w("")
    png = os.path.join(plot_dir, "client_throughput.png")
    try:
        plot_client(res, png)
        w("![client throughput by concurrency](%s/client_throughput.png)" % rel)
        w("")
    except Exception as e:  # noqa
        w("(plot failed: %s)" % e)
        w("")


def stream_section(res, w):
    st = res["stream"]
    w("## Streaming")
    w("")
    w("MB/s of payload, one call at a time (1 KiB: 1000 chunks per call, 64 KiB: 32 "
      "chunks per call), median of %d rounds; columns are client -> server." %
      res.get("args", {}).get("stream_rounds", 2))
    w("")
    pairs = st["pairs"]
    head = ["kind", "chunk"] + ["%s -> %s" % (NAMES[p.split(":")[0]], NAMES[p.split(":")[1]])
                                for p in pairs]
    rows = []
    for r in st["rows"]:
        row = ["server streaming" if r["mode"] == "sstream" else "client streaming",
               size_name(r["size"])]
        row += [n0(r["pairs"].get(p, {}).get("mb_per_s")) for p in pairs]
        rows.append(row)
    w(table(head, rows, ["---", "---"] + ["---:"] * len(pairs)))
    w("")


def cost_section(res, w):
    w("## Cost per call")
    w("")
    cg = res.get("callgrind", {})
    if cg:
        w("Instructions per unary call (100-byte payload), user space, callgrind:")
        w("")
        rows = []
        for k, v in cg.items():
            load = ("%d conn x %d streams (h2load)" % (v["conns"], v["streams"])
                    if v["role"] == "server" else "%d in flight" % v["streams"])
            rows.append([v["role"], NAMES[v["impl"]], load, n0(v["ir_per_call"]),
                         "%d / %d" % (v["n1"], v["n2"])])
        w(table(["role", "implementation", "load", "instructions / call", "N1 / N2"], rows,
                ["---", "---", "---", "---:", "---:"]))
        w("")
        for k, v in cg.items():
            if v["impl"] != "lwgrpc":
                continue
            w("**%s** — top functions, self instructions per call:" % k)
            w("")
            tot = v["ir_per_call"]
            rows = [[n0(c), "%.1f %%" % (100.0 * c / tot), "`%s`" % f]
                    for f, c in v["top"][:10]]
            w(table(["Ir / call", "share", "function"], rows, ["---:", "---:", "---"]))
            w("")
    sc = res.get("syscalls", {})
    if sc:
        w("System calls per unary call (server, strace -f -c):")
        w("")
        rows = [[k, n1(v["total"]) if v["total"] >= 0.1 else "%.3f" % v["total"],
                 ", ".join("%s %.2f" % kv for kv in sorted(v["per_call"].items(),
                                                           key=lambda kv: -kv[1])[:6])]
                for k, v in sc.items()]
        w(table(["server, load", "syscalls / call", "which"], rows, ["---", "---:", "---"]))
        w("")


def footprint_section(res, w, rel, plot_dir):
    fp = res["footprint"]
    im = fp["images"]
    w("## Footprint")
    w("")
    if fp.get("size_md"):
        md = fp["size_md"]
        # the tables of build/size.md, demoted one heading level
        body = md.split("\n", 1)[1] if md.startswith("# ") else md
        w("### The size table (`make size`, build/size.md)")
        w("")
        w(body.replace("\n## ", "\n#### ").strip())
        w("")
    w("### Against nghttp2 + nanopb + mbedTLS + lwIP")
    w("")
    w("What a device links for one gRPC unary call (helloworld.Greeter/SayHello, "
      "nanopb messages) with lwgrpc, and with nghttp2 plus a hand-written gRPC "
      "layer (`bench/footprint/fp_alt.c`: framing, headers, trailers, "
      "grpc-status). All built the same way for Cortex-M4 from Debian's source "
      "packages: `-Os -ffunction-sections -fdata-sections`, `--gc-sections`, "
      "newlib-nano; each image minus a baseline with the same start-up code, port "
      "stubs and `snprintf`. nghttp2 allocates its state: its RAM is .data + .bss "
      "+ the heap peak of that call, measured on the host (64-bit, so an upper "
      "bound for a 32-bit device) with a counting `nghttp2_mem`. TLS (mbedTLS "
      "2.28 with `toolchain/mbedtls_config.h`, `make tls-size`) and lwIP "
      "(`bench/footprint/lwip/lwipopts.h`, NO_SYS=1, DHCP, DNS, TCP) are the "
      "same for both stacks except lwgrpc's TLS glue (`lwg_tls`).")
    w("")
    rows = []
    for role in ("client", "server"):
        for cfg in ("tiny-client", "server"):
            key = "lwg_%s_%s" % (role, cfg)
            if key in im:
                r = im[key]
                rows.append(["lwgrpc (%s config)" % cfg, role, n0(r["flash"]), n0(r["nanopb"]),
                             n0(r["ram"]), "0", n0(r["ram"])])
        r = im["alt_" + role]
        hp = fp["heap"].get(role, 0)
        rows.append(["nghttp2 %s + gRPC glue" % "1.52", role, n0(r["flash"]), n0(r["nanopb"]),
                     n0(r["ram"]), n0(hp), n0(r["ram"] + hp)])
    w(table(["stack", "role", "flash", "of which nanopb", "static RAM", "heap peak",
             "RAM"], rows, ["---", "---", "---:", "---:", "---:", "---:", "---:"]))
    w("")
    t = fp["tls"]
    lw = im["lwip"]
    w("Common layers: mbedTLS %s bytes of flash (client; lwgrpc adds %s of `lwg_tls` "
      "glue), a %s-byte TLS arena (lwgrpc) or as much heap (mbedTLS alone); lwIP %s "
      "bytes of flash and %s of RAM." % (
          n0(t.get("client", {}).get("mbedtls")), n0(t.get("client", {}).get("lwg_tls")),
          n0(t.get("arena")), n0(lw["flash"]), n0(lw["ram"])))
    w("")
    png = os.path.join(plot_dir, "footprint.png")
    try:
        plot_footprint(res, png)
        w("![flash and RAM per configuration](%s/footprint.png)" % rel)
        w("")
    except Exception as e:  # noqa
        w("(plot failed: %s)" % e)
        w("")
    st = fp.get("stack", {})
    if st:
        w("### Stack")
        w("")
        w("High-water mark of one unary call (helloworld, generated stubs, the "
          "handler), measured with painted stacks: client and server connected back "
          "to back in memory, each role's every entry (start, send, link input / "
          "output / tick) run on its own painted stack (`bench/footprint/"
          "stack_hwm.c`, host x86-64, gcc -Os; a port driver adds its own frames "
          "on top).")
        w("")
        rows = [[cfg, n0(v.get("client")), n0(v.get("server"))] for cfg, v in st.items()]
        w(table(["config", "client call (bytes)", "server call (bytes)"], rows))
        w("")
    fr = fp.get("frames", [])
    if fr:
        w("Largest stack frames on Cortex-M4 (`-fstack-usage`, server config):")
        w("")
        rows = [[n0(f["bytes"]), "`%s`" % f["function"], f["file"]] for f in fr[:8]]
        w(table(["bytes", "function", "file"], rows, ["---:", "---", "---"]))
        w("")
