#!/usr/bin/env bash
# tests/check_bench_smoke.sh - the benchmark still works (make test runs
# this; the real benchmark is `make bench`, see docs/BENCHMARKS.md).
#
# Builds the lwgrpc benchmark server and client (bench/bench.mk) and runs
# bench/run.py --smoke: a few seconds of h2load against the lwgrpc server
# and the Python grpcio server, each run checked against the server's
# grpc-status-0 counter, the lwgrpc client against the lwgrpc server, and
# one server- and one client-streaming run.  Ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
unset MAKEFLAGS MFLAGS MAKELEVEL
mkdir -p build/logs

for tool in h2load protoc /usr/bin/python3; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "FAIL $tool is missing (toolchain/deps.sh peers)"
        echo "0 passed, 1 failed"
        exit 1
    fi
done
if ! make --no-print-directory -j2 build/bench/bin/lwg_bench_server \
        build/bench/bin/lwg_bench_client build/bench/py/bench_pb2.py \
        >build/logs/bench-smoke-build.log 2>&1; then
    echo "FAIL build of the benchmark programs (build/logs/bench-smoke-build.log):"
    tail -n 20 build/logs/bench-smoke-build.log
    echo "0 passed, 1 failed"
    exit 1
fi
echo "ok   build of the benchmark programs"
# run.py prints its checks and "N passed, N failed"; add the build
out=$(/usr/bin/python3 bench/run.py --smoke 2>&1)
rc=$?
printf '%s\n' "$out" | sed '$d'
last=$(printf '%s\n' "$out" | tail -n 1)
if [[ "$last" =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
    p=$((BASH_REMATCH[1] + 1))
    f=${BASH_REMATCH[2]}
    [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
    echo "$p passed, $f failed"
else
    printf '%s\n' "$last"
    echo "1 passed, 1 failed"
    exit 1
fi
[ "$f" -eq 0 ]
