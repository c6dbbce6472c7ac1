#!/usr/bin/env bash
# bench/deps.sh [smoke] - install what the benchmarks need, only what is
# missing (quick when everything is there).
#
#   toolchain/deps.sh host cross peers srcpkgs npm   the project's groups
#                     (compilers, h2load, grpcio, nanopb/mbedTLS/lwIP
#                     sources, grpc-js)
#   Debian packages   gRPC C++ (libgrpc++-dev, protobuf-compiler-grpc),
#                     grpc-go (golang-go, golang-google-grpc-dev), gnuplot,
#                     valgrind (callgrind), strace
#   Debian source     nghttp2, into build/deps/src/ (the footprint
#                     comparison builds it for Cortex-M4)
#
# With `smoke`, only what the smoke run needs (toolchain/deps.sh host peers
# srcpkgs: h2load, grpcio, protoc, nanopb's sources).
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; fi
export DEBIAN_FRONTEND=noninteractive
APT_OPTS=(-y -q -o Dpkg::Use-Pty=0)
[ "$(id -u)" -eq 0 ] && APT_OPTS+=(-o APT::Sandbox::User=root)

if [ "${1:-}" = smoke ]; then
    exec toolchain/deps.sh host peers srcpkgs
fi
toolchain/deps.sh host cross peers srcpkgs npm

PKGS="libgrpc++-dev protobuf-compiler-grpc golang-go golang-google-grpc-dev gnuplot-nox
      valgrind strace nghttp2-client dpkg-dev"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' ||
        missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "bench deps: apt-get install$missing"
    $SUDO apt-get "${APT_OPTS[@]}" update </dev/null >/dev/null
    $SUDO apt-get "${APT_OPTS[@]}" install --no-install-recommends $missing </dev/null
fi

# ---- nghttp2's Debian source package (build/deps/src/nghttp2-*) -------------
SRC_DIR=build/deps/src
if [ ! -f "$SRC_DIR/nghttp2.fetched" ]; then
    # a temporary deb-src entry derived from the machine's own sources
    main=/etc/apt/sources.list.d/debian.sources
    tmp=/etc/apt/sources.list.d/lwgrpc-bench-deb-src.sources
    if [ -f "$main" ]; then
        text=$(awk '
            function flush() {
                if (n && isdeb && !off) {
                    print "Types: deb-src"; for (i = 1; i <= n; i++) print f[i]; print ""
                }
                n = 0; isdeb = 0; off = 0
            }
            /^[ \t]*#/ { next }
            /^[ \t]*$/ { flush(); next }
            /^Types:/ { if ($0 ~ /[ \t]deb([ \t]|$)/) isdeb = 1; next }
            /^Enabled:[ \t]*[Nn][Oo]/ { off = 1; next }
            { f[++n] = $0 }
            END { flush() }' "$main")
    else
        tmp=/etc/apt/sources.list.d/lwgrpc-bench-deb-src.list
        text=$(sed -n 's/^[ \t]*deb[ \t]/deb-src /p' /etc/apt/sources.list)
    fi
    trap '$SUDO rm -f "'"$tmp"'"' EXIT INT TERM
    printf '%s\n' "$text" | $SUDO tee "$tmp" >/dev/null
    echo "bench deps: apt-get source nghttp2 -> $SRC_DIR/"
    $SUDO apt-get "${APT_OPTS[@]}" update -o Dir::Etc::sourcelist="$tmp" \
        -o Dir::Etc::sourceparts=- -o APT::Get::List-Cleanup=0 </dev/null >/dev/null
    mkdir -p "$SRC_DIR"
    rm -rf "$SRC_DIR/.tmp-nghttp2"
    mkdir -p "$SRC_DIR/.tmp-nghttp2"
    (cd "$SRC_DIR/.tmp-nghttp2" && apt-get "${APT_OPTS[@]}" source nghttp2 </dev/null \
        >../nghttp2.log 2>&1) || { tail -n 20 "$SRC_DIR/nghttp2.log" >&2; exit 1; }
    for d in "$SRC_DIR/.tmp-nghttp2"/*/; do
        d=${d%/}
        rm -rf "$SRC_DIR/${d##*/}"
        mv "$d" "$SRC_DIR/"
        echo "${d##*/}" >"$SRC_DIR/nghttp2.fetched"
    done
    rm -rf "$SRC_DIR/.tmp-nghttp2"
    $SUDO rm -f "$tmp"
    trap - EXIT INT TERM
    [ -f "$SRC_DIR/nghttp2.fetched" ] || { echo "bench deps: no nghttp2 source tree" >&2; exit 1; }
fi
