#!/usr/bin/python3
"""gRPC interop cases: lwgrpc's interop binaries against grpcio and grpc-js.

Run by `make test` (tests/run_all.sh runs every executable tests/peer/*.py).
Two parts, both by tests/interop/run_matrix.py:

  1. --self-check: the standard peers against each other (py and js,
     client x server), so a broken peer is told apart from an lwgrpc bug;
  2. the matrix: lwgrpc client -> py and js servers, py and js clients ->
     lwgrpc server (build/host/bin/interop_server / interop_client).

Arguments are passed to part 2 (e.g. --cases=large_unary -v).  Ends with the
summed `N passed, N failed`; exits non-zero on any failure.
"""
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
MATRIX = os.path.join(os.path.dirname(HERE), "interop", "run_matrix.py")
SUMMARY = re.compile(r"^(\d+) passed, (\d+) failed")


def part(title, args):
    """Run run_matrix.py with args, echoing its output; (passed, failed)."""
    print("== %s" % title, flush=True)
    p = subprocess.Popen(["/usr/bin/python3", MATRIX] + args, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    counts = None
    try:
        for raw in p.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            m = SUMMARY.match(line)
            if m:
                counts = (int(m.group(1)), int(m.group(2)))
                print("%s: %s" % (title, line), flush=True)
            else:
                print(line, flush=True)
        rc = p.wait()
    finally:
        if p.poll() is None:
            p.terminate()   # run_matrix kills its own servers and clients
            p.wait()
    if counts is None:
        print("%s: run_matrix.py ended (status %s) without a summary" % (title, rc))
        return 0, 1
    if rc != 0 and counts[1] == 0:
        return counts[0], 1
    return counts


def main():
    p1, f1 = part("peer self-check", ["--self-check"])
    p2, f2 = part("lwgrpc interop matrix", sys.argv[1:])
    print("%d passed, %d failed" % (p1 + p2, f1 + f2))
    return 0 if f1 + f2 == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
