#!/usr/bin/python3
"""bench/footprint/footprint.py - the footprint part of the benchmark report.

Writes build/bench/footprint/footprint.json with:

  images    Cortex-M4 (-Os, -ffunction-sections -fdata-sections,
            --gc-sections, newlib-nano), one unary call of
            helloworld.Greeter/SayHello, each image minus a baseline
            (fp_port.c: start-up code, port stubs, snprintf):
              lwg_client_<cfg>, lwg_server_<cfg>   lwgrpc + generated stubs +
                                                   nanopb (fp_lwg.c), per
                                                   sample config
              alt_client, alt_server               nghttp2 + nanopb + the gRPC
                                                   glue by hand (fp_alt.c)
              lwip                                 lwIP NO_SYS=1 (fp_lwip.c),
                                                   the same for both stacks
            with the nanopb share taken from the link map
  tls       `make tls-size` (server-tls config): lwg_tls + mbedTLS flash, arena
  heap      nghttp2's heap peak per session for that call (host, 64-bit,
            counting allocator: fp_alt.c -DFP_HOST)
  stack     painted-stack high-water marks of the call, client and server
            role, per sample config (stack_hwm.c, host x86-64, -Os)
  frames    the largest stack frames on Cortex-M4 (-fstack-usage), server
            config

Everything is built from the Debian source packages in build/deps/src
(bench/deps.sh) into build/bench/footprint/.
"""
import glob
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "build", "bench", "footprint")
FP = os.path.join(ROOT, "bench", "footprint")
SRC = os.path.join(ROOT, "build", "deps", "src")
CONFIGS = ["tiny-client", "server"]

CROSS = "arm-none-eabi-"
ARCH = ["-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16"]
OPT = ["-Os", "-ffunction-sections", "-fdata-sections"]
LDFLAGS = ["-specs=nano.specs", "-specs=nosys.specs", "-Wl,--gc-sections"]


def run(argv, **kw):
    p = subprocess.run(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, **kw)
    if p.returncode != 0:
        sys.stderr.write("$ %s\n%s\n" % (" ".join(argv), p.stdout[-4000:]))
        raise SystemExit(1)
    return p.stdout


def make(*args):
    env = dict(os.environ)
    for k in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL"):
        env.pop(k, None)
    return run(["make", "--no-print-directory"] + list(args), env=env)


def src_tree(pkg):
    with open(os.path.join(SRC, pkg + ".fetched")) as f:
        return os.path.join(SRC, f.read().strip())


def compile_all(cc, flags, sources, objdir):
    """Compile when the object is older than its source (or missing)."""
    os.makedirs(objdir, exist_ok=True)
    objs = []
    for s in sources:
        o = os.path.join(objdir, os.path.basename(s)[:-2] + ".o")
        if not os.path.exists(o) or os.path.getmtime(o) < os.path.getmtime(s):
            run([cc] + flags + ["-c", s, "-o", o])
        objs.append(o)
    return objs


def archive(objs, path):
    if os.path.exists(path):
        os.unlink(path)
    run([CROSS + "ar", "rcs", path] + objs)
    return path


def link(name, objs, libs):
    elf = os.path.join(OUT, name + ".elf")
    run([CROSS + "gcc"] + ARCH + objs + libs + LDFLAGS +
        ["-Wl,-Map=" + elf[:-4] + ".map", "-o", elf])
    out = run([CROSS + "size", elf]).splitlines()[1].split()
    return {"text": int(out[0]), "data": int(out[1]), "bss": int(out[2]),
            "map": os.path.relpath(elf[:-4] + ".map", ROOT)}


def map_share(mapfile, pattern):
    """Bytes of .text/.rodata/.data input sections from archives matching
    `pattern` that the link kept (from the GNU ld map)."""
    total = 0
    in_map = False
    pending = None
    with open(os.path.join(ROOT, mapfile)) as f:
        for line in f:
            if line.startswith("Linker script and memory map"):
                in_map = True
                continue
            if not in_map:
                continue
            m = re.match(r"^ (\.(?:text|rodata|data)[^\s]*)\s*$", line)
            if m:
                pending = m.group(1)
                continue
            m = re.match(r"^ (\.(?:text|rodata|data)\S*)?\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S+)",
                         line)
            if m and (m.group(1) or pending):
                if re.search(pattern, m.group(4)):
                    total += int(m.group(3), 16)
            pending = None
    return total


def images():
    """Build every Cortex-M4 image; returns {name: size dict}."""
    nanopb = src_tree("nanopb")
    nghttp2 = src_tree("nghttp2")
    lwip = src_tree("lwip")
    objdir = os.path.join(OUT, "obj")
    gen = os.path.join(ROOT, "build", "gen", "c")
    res = {}

    # nanopb, built the same way for both stacks
    nflags = ARCH + OPT + ["-I" + nanopb]
    nano_lib = archive(compile_all(CROSS + "gcc", nflags, sorted(glob.glob(nanopb + "/pb_*.c")),
                                   os.path.join(objdir, "nanopb")),
                       os.path.join(OUT, "libnanopb.a"))

    # baseline
    base_o = os.path.join(objdir, "baseline.o")
    run([CROSS + "gcc"] + ARCH + OPT + ["-DFP_BASELINE", "-I.", "-Iexamples/config/server",
                                        "-c", os.path.join(FP, "fp_port.c"), "-o", base_o])
    res["baseline"] = link("baseline", [base_o], [])
    port_o = os.path.join(objdir, "fp_port.o")
    run([CROSS + "gcc"] + ARCH + OPT + ["-I.", "-Iexamples/config/server", "-c",
                                        os.path.join(FP, "fp_port.c"), "-o", port_o])

    # lwgrpc per sample config: the runtime as `make configs` builds it
    make("gen")
    for cfg in CONFIGS:
        bdir = "build/cfg/cortex-m4/" + cfg
        make("TARGET=cortex-m4", "CONFIG=" + cfg, "BUILD=" + bdir, "lib")
        cflags = ARCH + OPT + ["-std=c11", "-I.", "-I" + gen, "-I" + nanopb,
                               "-Iexamples/config/" + cfg]
        objs = compile_all(CROSS + "gcc", cflags,
                           [os.path.join(gen, "helloworld", "helloworld.pb.c"),
                            os.path.join(gen, "helloworld", "helloworld.lwgrpc.c")],
                           os.path.join(objdir, "lwg-" + cfg))
        for role in ("client", "server"):
            o = os.path.join(objdir, "lwg-%s-%s.o" % (cfg, role))
            run([CROSS + "gcc"] + cflags + ["-DFP_" + role.upper(), "-c",
                                            os.path.join(FP, "fp_lwg.c"), "-o", o])
            res["lwg_%s_%s" % (role, cfg)] = link(
                "lwg_%s_%s" % (role, cfg), [o, port_o] + objs,
                [os.path.join(ROOT, bdir, "liblwgrpc.a"), nano_lib])

    # nghttp2 from its Debian source package
    inc = os.path.join(OUT, "nghttp2-inc")
    os.makedirs(os.path.join(inc, "nghttp2"), exist_ok=True)
    with open(os.path.join(FP, "nghttp2_config.h")) as f:
        cfgh = f.read()
    with open(os.path.join(inc, "config.h"), "w") as f:
        f.write(cfgh)
    m = re.search(r"(\d+)\.(\d+)\.(\d+)", os.path.basename(nghttp2))
    major, minor, patch = (int(x) for x in m.groups())
    with open(os.path.join(nghttp2, "lib", "includes", "nghttp2", "nghttp2ver.h.in")) as f:
        vh = f.read().replace("@PACKAGE_VERSION@", "%d.%d.%d" % (major, minor, patch)).replace(
            "@PACKAGE_VERSION_NUM@", "0x%02x%02x%02x" % (major, minor, patch))
    with open(os.path.join(inc, "nghttp2", "nghttp2ver.h"), "w") as f:
        f.write(vh)
    ngflags = ARCH + OPT + ["-DHAVE_CONFIG_H", "-I" + inc, "-I" + nghttp2 + "/lib/includes",
                            "-I" + nghttp2 + "/lib", "-w"]
    ng_lib = archive(compile_all(CROSS + "gcc", ngflags,
                                 sorted(glob.glob(nghttp2 + "/lib/nghttp2_*.c")),
                                 os.path.join(objdir, "nghttp2")),
                     os.path.join(OUT, "libnghttp2.a"))
    aflags = ngflags + ["-I" + gen, "-I" + nanopb, "-Wall"]
    pb_o = compile_all(CROSS + "gcc", aflags, [os.path.join(gen, "helloworld", "helloworld.pb.c")],
                       os.path.join(objdir, "alt"))
    for role in ("client", "server"):
        o = os.path.join(objdir, "alt-%s.o" % role)
        run([CROSS + "gcc"] + aflags + ["-DFP_" + role.upper(), "-c",
                                        os.path.join(FP, "fp_alt.c"), "-o", o])
        res["alt_" + role] = link("alt_" + role, [o, port_o] + pb_o, [ng_lib, nano_lib])

    # lwIP (NO_SYS=1) from its Debian source package
    lsrc = (glob.glob(lwip + "/src/core/*.c") + glob.glob(lwip + "/src/core/ipv4/*.c") +
            [lwip + "/src/netif/ethernet.c"])
    lflags = ARCH + OPT + ["-I" + os.path.join(FP, "lwip"), "-I" + lwip + "/src/include", "-w"]
    lw_lib = archive(compile_all(CROSS + "gcc", lflags, sorted(lsrc), os.path.join(objdir, "lwip")),
                     os.path.join(OUT, "liblwip.a"))
    o = os.path.join(objdir, "fp_lwip.o")
    run([CROSS + "gcc"] + lflags + ["-c", os.path.join(FP, "fp_lwip.c"), "-o", o])
    res["lwip"] = link("lwip", [o, port_o], [lw_lib])

    base = res["baseline"]
    for name, r in res.items():
        r["flash"] = r["text"] + r["data"] - base["text"] - base["data"]
        r["ram"] = r["data"] + r["bss"] - base["data"] - base["bss"]
        r["nanopb"] = map_share(r["map"], r"libnanopb\.a")
    return res


def tls():
    out = make("TARGET=cortex-m4", "CONFIG=server-tls", "BUILD=build/cfg/cortex-m4/server-tls",
               "tls-size")
    r = {}
    for role in ("client", "server"):
        m = re.search(r"tls_%s\.elf:\n\s+flash lwg_tls\*\.o\s+(\d+) bytes, mbedTLS objects\s+(\d+)"
                      % role, out)
        if m:
            r[role] = {"lwg_tls": int(m.group(1)), "mbedtls": int(m.group(2))}
    m = re.search(r"RAM tls_arena\s+(\d+)", out)
    r["arena"] = int(m.group(1)) if m else None
    for k in ("config", "conn"):
        m = re.search(r"RAM %s\s+(\d+)" % k, out)
        r["ram_" + k] = int(m.group(1)) if m else None
    return r


def host_prog(name, sources, flags):
    exe = os.path.join(OUT, name)
    run(["gcc", "-std=gnu11", "-Os", "-g", "-D_GNU_SOURCE"] + flags + sources + ["-o", exe])
    return run([exe])


def heap():
    nanopb = src_tree("nanopb")
    nghttp2 = src_tree("nghttp2")
    gen = os.path.join(ROOT, "build", "gen", "c")
    out = host_prog("fp_alt_host",
                    [os.path.join(FP, "fp_alt.c"), os.path.join(gen, "helloworld", "helloworld.pb.c")]
                    + sorted(glob.glob(nanopb + "/pb_*.c"))
                    + sorted(glob.glob(nghttp2 + "/lib/nghttp2_*.c")),
                    ["-DFP_HOST", "-DHAVE_CONFIG_H", "-I" + os.path.join(OUT, "nghttp2-inc"),
                     "-I" + nghttp2 + "/lib/includes", "-I" + nghttp2 + "/lib", "-I" + gen,
                     "-I" + nanopb, "-w"])
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"HEAP role=(\w+) peak=(\d+)", out)}


def stack():
    nanopb = src_tree("nanopb")
    gen = os.path.join(ROOT, "build", "gen", "c")
    rt = (glob.glob(os.path.join(ROOT, "port", "*.c")) +
          glob.glob(os.path.join(ROOT, "transport", "*.c")) +
          glob.glob(os.path.join(ROOT, "core", "*.c")))
    res = {}
    for cfg in CONFIGS:
        out = host_prog("stack_hwm_" + cfg,
                        [os.path.join(FP, "stack_hwm.c"),
                         os.path.join(gen, "helloworld", "helloworld.pb.c"),
                         os.path.join(gen, "helloworld", "helloworld.lwgrpc.c")]
                        + sorted(glob.glob(nanopb + "/pb_*.c")) + sorted(rt),
                        ["-I" + ROOT, "-I" + gen, "-I" + nanopb,
                         "-I" + os.path.join(ROOT, "examples", "config", cfg)])
        res[cfg] = {m.group(1): int(m.group(2))
                    for m in re.finditer(r"STACK role=(\w+) bytes=(\d+)", out)}
    return res


def frames():
    """-fstack-usage of the runtime, the generated stubs and nanopb on
    Cortex-M4 (server config): the largest frames."""
    nanopb = src_tree("nanopb")
    gen = os.path.join(ROOT, "build", "gen", "c")
    objdir = os.path.join(OUT, "su")
    os.makedirs(objdir, exist_ok=True)
    srcs = (sorted(glob.glob(os.path.join(ROOT, "transport", "*.c")) +
                   glob.glob(os.path.join(ROOT, "core", "*.c"))) +
            [os.path.join(gen, "helloworld", "helloworld.lwgrpc.c")] +
            sorted(glob.glob(nanopb + "/pb_*.c")))
    for s in srcs:
        o = os.path.join(objdir, os.path.basename(s)[:-2] + ".o")
        run([CROSS + "gcc"] + ARCH + OPT + ["-std=c11", "-I.", "-I" + gen, "-I" + nanopb,
                                            "-Iexamples/config/server", "-fstack-usage",
                                            "-c", s, "-o", o])
    rows = []
    for su in glob.glob(os.path.join(objdir, "*.su")):
        with open(su) as f:
            for line in f:
                parts = line.rstrip("\n").split("\t")
                if len(parts) >= 3:
                    loc = parts[0]
                    fn = loc.rsplit(":", 1)[-1]
                    path = loc.split(":")[0]
                    path = os.path.relpath(path, ROOT) if os.path.isabs(path) else path
                    if "nanopb" in path:
                        path = "nanopb/" + os.path.basename(path)
                    rows.append({"function": fn, "file": path, "bytes": int(parts[1]),
                                 "kind": parts[2]})
    rows.sort(key=lambda r: -r["bytes"])
    return rows[:12]


def main():
    os.makedirs(OUT, exist_ok=True)
    res = {"images": images(), "tls": tls(), "heap": heap(), "stack": stack(),
           "frames": frames()}
    with open(os.path.join(OUT, "footprint.json"), "w") as f:
        json.dump(res, f, indent=1)
    for k, v in res["images"].items():
        print("%-24s flash %6d  ram %6d  (nanopb %d)" % (k, v["flash"], v["ram"], v["nanopb"]))
    print("tls", res["tls"])
    print("heap", res["heap"])
    print("stack", res["stack"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
