#!/usr/bin/env bash
# examples/demo.sh - `make demo`: lwgrpc speaking real gRPC, in one command.
#
# Installs what is missing (toolchain/deps.sh host peers), builds the route
# guide example (make examples), then runs gRPC's route guide -- one RPC of
# each kind: unary, server streaming, client streaming, bidirectional --
#   1. lwgrpc client  -> lwgrpc server
#   2. lwgrpc client  -> Python grpcio server (gRPC C-core)
#   3. grpcio client  -> lwgrpc server
# and prints what each side did.  Everything it starts is stopped on exit
# (also on Ctrl-C).  Exit status 0 when every call of every run ended OK.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
unset MAKEFLAGS MFLAGS MAKELEVEL
PY=/usr/bin/python3
BIN=build/host/bin
tmp=$(mktemp -d /tmp/lwg_demo.XXXXXX) || exit 1
pids=()

cleanup() {
    local p
    for p in "${pids[@]}"; do
        kill "$p" 2>/dev/null
    done
    for p in "${pids[@]}"; do
        wait "$p" 2>/dev/null
    done
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -t 1 ]; then B=$'\033[1m'; G=$'\033[32m'; R=$'\033[31m'; N=$'\033[0m'; else B= G= R= N=; fi
heading() { printf '\n%s== %s%s\n' "$B" "$*" "$N"; }
note()    { printf -- '-- %s\n' "$*"; }
indent()  { sed 's/^/   /'; }
die()     { printf '%sdemo: %s%s\n' "$R" "$*" "$N"; exit 1; }

# start_server NAME CMD...: run CMD --port=0 in the background; sets PORT
start_server() {
    local name=$1 i
    shift
    "$@" --port=0 >"$tmp/$name.log" 2>&1 &
    pids+=($!)
    PORT=
    for i in $(seq 1 200); do
        PORT=$(sed -n 's/.*listening on port \([0-9]*\).*/\1/p' "$tmp/$name.log")
        [ -n "$PORT" ] && return 0
        kill -0 "${pids[-1]}" 2>/dev/null || break
        sleep 0.05
    done
    indent <"$tmp/$name.log"
    die "$name did not start"
}

failures=0
# run_client full|results TITLE CMD...: run a client and show all it printed
# or only its result lines (one per RPC); count a failure
run_client() {
    local mode=$1 title=$2 rc
    shift 2
    note "$title"
    "$@" >"$tmp/client.log" 2>&1
    rc=$?
    if [ "$mode" = full ] || [ "$rc" -ne 0 ]; then
        indent <"$tmp/client.log"
    else
        grep -e ' -> ' "$tmp/client.log" | indent
    fi
    if [ "$rc" -eq 0 ]; then
        printf '   %sall four calls ended OK%s\n' "$G" "$N"
    else
        printf '   %sa call failed%s\n' "$R" "$N"
        failures=$((failures + 1))
    fi
}

# server_side NAME: what a server printed, one line per RPC
server_side() {
    grep -e ' -> ' "$tmp/$1.log" | indent
    printf '   RouteChat: %s notes received\n' "$(grep -c 'RouteChat note' "$tmp/$1.log")"
}

heading "lwgrpc demo: gRPC's route guide, in C, against standard gRPC"
cat <<'TEXT'
lwgrpc is a gRPC runtime in C for microcontrollers: HTTP/2 + protobuf
(nanopb), all four RPC kinds, fixed memory (no malloc).  The route guide
service has one method of each kind:
  GetFeature    unary              a point in, the feature there out
  ListFeatures  server streaming   a rectangle in, the features in it out
  RecordRoute   client streaming   points in, a summary out
  RouteChat     bidirectional      notes in, earlier notes at the same place out
The lwgrpc programs are C (examples/route_guide/), built on stubs that
protoc-gen-lwgrpc generates from proto/route_guide/route_guide.proto.  The
other side is Python grpcio, Google's gRPC (C-core).
TEXT

heading "setting up"
note "installing what is missing: toolchain/deps.sh host peers"
toolchain/deps.sh host peers >"$tmp/deps.log" 2>&1 || { tail -n 20 "$tmp/deps.log" | indent; die "toolchain/deps.sh failed"; }
note "building: make examples"
make --no-print-directory -j"$(nproc 2>/dev/null || echo 2)" examples >"$tmp/build.log" 2>&1 ||
    { tail -n 30 "$tmp/build.log" | indent; die "the build failed"; }
for b in route_guide_server route_guide_client; do
    printf '   %-20s %s bytes of code\n' "$BIN/$b" "$(size "$BIN/$b" | awk 'NR == 2 { print $1 }')"
done

heading "1. lwgrpc client -> lwgrpc server"
start_server lwgrpc_server "$BIN/route_guide_server"
LWG_PORT=$PORT
note "lwgrpc route_guide_server listening on port $LWG_PORT (one thread, poll loop)"
run_client full "$BIN/route_guide_client --server=localhost:$LWG_PORT" \
    "$BIN/route_guide_client" --server=localhost:"$LWG_PORT"

heading "2. lwgrpc client -> Python grpcio server"
start_server grpcio_server "$PY" examples/route_guide/py_route_guide_server.py
note "grpcio py_route_guide_server.py listening on port $PORT"
run_client results "$BIN/route_guide_client --server=localhost:$PORT  (the result lines)" \
    "$BIN/route_guide_client" --server=localhost:"$PORT"
note "the grpcio server's side:"
server_side grpcio_server

heading "3. Python grpcio client -> lwgrpc server"
note "the same lwgrpc server as in 1: RouteChat now also returns the notes run 1 left"
run_client results "examples/route_guide/py_route_guide_client.py --server=localhost:$LWG_PORT  (the result lines)" \
    "$PY" examples/route_guide/py_route_guide_client.py --server=localhost:"$LWG_PORT"
note "the lwgrpc server's side (runs 1 and 3):"
server_side lwgrpc_server

heading "done"
if [ "$failures" -eq 0 ]; then
    printf '%severy RPC kind worked both ways between lwgrpc and gRPC (grpcio)%s\n' "$G" "$N"
else
    printf '%s%d run(s) had a failed call%s\n' "$R" "$failures" "$N"
fi
cat <<'TEXT'
Next: README.md "From a .proto to a working client and server in five
steps", examples/helloworld/ (the smallest program), make test.
TEXT
exit $((failures > 0))
