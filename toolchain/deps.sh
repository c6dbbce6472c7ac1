#!/usr/bin/env bash
# toolchain/deps.sh [GROUP...] - install what lwgrpc's build and tests need.
#
# Idempotent and quick when everything is there: one dpkg-query for the
# packages, a directory check for the source trees and node modules.
# `apt-get update` runs only when something must be installed, and once.
#
# Groups (default: all):
#   host     compilers and host libraries: build, unit tests, sanitizers,
#            libFuzzer (clang + libclang-rt-14-dev), valgrind, protoc+nanopb
#   cross    cross toolchains: arm-none-eabi (newlib), riscv64-unknown-elf
#            (picolibc) for TARGET=cortex-m0plus / cortex-m4 / rv32imac
#   peers    independent HTTP/2 and gRPC peers for tests/peer
#   srcpkgs  Debian SOURCE packages nanopb, mbedtls, lwip unpacked into
#            build/deps/src/ (git-ignored) for cross builds of those libraries
#   npm      @grpc/grpc-js + @grpc/proto-loader into build/deps/node_modules
#   all      host cross peers srcpkgs npm
#   emu      (NOT in all yet) qemu-system-arm, for the firmware example that
#            a later issue adds; add it to `all` then.
#
# Runs as root (apt-get), or through sudo when that exists.  Non-interactive:
# CI runs it with no standard input.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD

PKGS_host="gcc clang make libclang-rt-14-dev valgrind openssl protobuf-compiler nanopb libnanopb-dev libmbedtls-dev liblwip-dev"
PKGS_cross="gcc-arm-none-eabi libnewlib-arm-none-eabi gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf"
PKGS_peers="python3-protobuf python3-grpcio python3-h2 nghttp2-client protobuf-compiler"
PKGS_srcpkgs="dpkg-dev"             # apt-get source unpacks with dpkg-source
PKGS_npm=""                         # npm itself is added below when missing
PKGS_emu="qemu-system-arm"          # later: firmware example on QEMU mps2

SRC_PKGS="nanopb mbedtls lwip"
SRC_DIR=build/deps/src
NPM_PREFIX=build/deps
# Pinned so every machine runs the same peer code.
NPM_MODULES="@grpc/grpc-js@1.14.7 @grpc/proto-loader@0.8.1"

ALL_GROUPS="host cross peers srcpkgs npm"
KNOWN_GROUPS="$ALL_GROUPS emu"

usage() {
    echo "usage: $0 [all|host|cross|peers|srcpkgs|npm|emu]..." >&2
    exit 2
}

groups=()
for g in "${@:-all}"; do
    case "$g" in
    all) groups+=($ALL_GROUPS) ;;
    -h|--help) usage ;;
    *)
        case " $KNOWN_GROUPS " in
        *" $g "*) groups+=("$g") ;;
        *) echo "deps.sh: unknown group '$g'" >&2; usage ;;
        esac
        ;;
    esac
done
want() { case " ${groups[*]} " in *" $1 "*) return 0 ;; esac; return 1; }

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; fi
fi
export DEBIAN_FRONTEND=noninteractive
APT_OPTS=(-y -q -o Dpkg::Use-Pty=0)
[ "$(id -u)" -eq 0 ] && APT_OPTS+=(-o APT::Sandbox::User=root)

updated=0
apt_update() {
    if [ "$updated" -eq 0 ]; then
        echo "deps: apt-get update"
        $SUDO apt-get "${APT_OPTS[@]}" update </dev/null >/dev/null
        updated=1
    fi
}

# ---- Debian binary packages ----------------------------------------------
pkgs=""
for g in "${groups[@]}"; do
    v="PKGS_$g"
    pkgs="$pkgs ${!v}"
done
if want npm && ! command -v npm >/dev/null 2>&1; then
    pkgs="$pkgs npm"
fi
# unique, in order
pkgs=$(printf '%s\n' $pkgs | awk 'NF && !seen[$0]++' | tr '\n' ' ')

missing=""
if [ -n "${pkgs// /}" ]; then
    installed=$(dpkg-query -W -f='${Package} ${Status}\n' $pkgs 2>/dev/null \
                | awk '$NF == "installed" { print $1 }' || true)
    for p in $pkgs; do
        printf '%s\n' "$installed" | grep -qx "$p" || missing="$missing $p"
    done
fi
if [ -n "$missing" ]; then
    apt_update
    echo "deps: apt-get install$missing"
    $SUDO apt-get "${APT_OPTS[@]}" install --no-install-recommends $missing </dev/null
fi

# ---- Debian source packages into build/deps/src --------------------------
# A source tree counts as fetched once build/deps/src/<pkg>.fetched exists
# (written after a successful apt-get source), so an interrupted fetch is
# retried.
fetch_sources() {
    local need="" p
    for p in $SRC_PKGS; do
        [ -f "$SRC_DIR/$p.fetched" ] || need="$need $p"
    done
    [ -n "$need" ] || return 0

    # apt-get source needs a deb-src entry.  Derive it from the machine's
    # own deb822 sources (same URIs, Suites, Components, Signed-By), in a
    # temporary file that is removed whatever happens.
    local main=/etc/apt/sources.list.d/debian.sources
    local tmp=/etc/apt/sources.list.d/lwgrpc-deb-src.sources
    local tmptext
    if [ -f "$main" ]; then
        tmptext=$(awk '
            function flush() {
                if (n && isdeb && !off) {
                    print "Types: deb-src"
                    for (i = 1; i <= n; i++) print f[i]
                    print ""
                }
                n = 0; isdeb = 0; off = 0
            }
            /^[ \t]*#/ { next }
            /^[ \t]*$/ { flush(); next }
            /^Types:/ { if ($0 ~ /[ \t]deb([ \t]|$)/) isdeb = 1; next }
            /^Enabled:[ \t]*[Nn][Oo]/ { off = 1; next }
            { f[++n] = $0 }
            END { flush() }' "$main")
    elif [ -f /etc/apt/sources.list ]; then
        # one-line format fallback: "deb [opts] uri suite comp..." -> deb-src
        tmp=/etc/apt/sources.list.d/lwgrpc-deb-src.list
        tmptext=$(sed -n 's/^[ \t]*deb[ \t]/deb-src /p' /etc/apt/sources.list)
    else
        echo "deps: no Debian apt sources found to derive a deb-src entry from" >&2
        return 1
    fi
    if [ -z "$tmptext" ]; then
        echo "deps: no enabled 'deb' entry in $main" >&2
        return 1
    fi

    trap '$SUDO rm -f "'"$tmp"'"' EXIT INT TERM
    printf '%s\n' "$tmptext" | $SUDO tee "$tmp" >/dev/null
    echo "deps: apt-get update (deb-src, temporary)"
    # Update only the temporary source's lists; keep every other list.
    $SUDO apt-get "${APT_OPTS[@]}" update \
        -o Dir::Etc::sourcelist="$tmp" -o Dir::Etc::sourceparts=- \
        -o APT::Get::List-Cleanup=0 </dev/null >/dev/null

    mkdir -p "$SRC_DIR"
    for p in $need; do
        echo "deps: apt-get source $p -> $SRC_DIR/"
        rm -rf "$SRC_DIR/.tmp-$p"
        mkdir -p "$SRC_DIR/.tmp-$p"
        (cd "$SRC_DIR/.tmp-$p" && apt-get "${APT_OPTS[@]}" source "$p" </dev/null >../"$p".log 2>&1) || {
            echo "deps: apt-get source $p failed:" >&2
            tail -n 20 "$SRC_DIR/$p.log" >&2
            return 1
        }
        # keep the unpacked tree (e.g. lwip-2.1.3+dfsg1/), drop the archives
        local d
        for d in "$SRC_DIR/.tmp-$p"/*/; do
            d=${d%/}
            rm -rf "$SRC_DIR/${d##*/}"
            mv "$d" "$SRC_DIR/"
            echo "${d##*/}" >"$SRC_DIR/$p.fetched"
        done
        rm -rf "$SRC_DIR/.tmp-$p"
        [ -f "$SRC_DIR/$p.fetched" ] || { echo "deps: no source tree for $p" >&2; return 1; }
    done

    $SUDO rm -f "$tmp"
    trap - EXIT INT TERM
}

if want srcpkgs; then
    fetch_sources
fi

# ---- npm modules into build/deps/node_modules ----------------------------
if want npm; then
    need_npm=0
    for m in $NPM_MODULES; do
        name=${m%@*}
        ver=${m##*@}
        pj="$NPM_PREFIX/node_modules/$name/package.json"
        if [ ! -f "$pj" ] || ! grep -q "\"version\": *\"$ver\"" "$pj"; then
            need_npm=1
        fi
    done
    if [ "$need_npm" -eq 1 ]; then
        echo "deps: npm install --prefix $NPM_PREFIX $NPM_MODULES"
        mkdir -p "$NPM_PREFIX"
        npm install --prefix "$NPM_PREFIX" --no-audit --no-fund --save-exact \
            --loglevel=error $NPM_MODULES </dev/null
    fi
fi

exit 0
