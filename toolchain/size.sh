#!/usr/bin/env bash
# toolchain/size.sh - the flash/RAM report behind `make size`.
#
# For every cross target x sample configuration it runs
#   make TARGET=t CONFIG=c BUILD=build/cfg/t/c size-image
# (see toolchain/size.mk: the runtime library, the image and baseline
# programs from toolchain/size_main.c, the struct sizes from
# toolchain/size_sizeof.c), then writes build/size.md and prints it.
#
# Environment (set by size.mk): SIZE_TARGETS, SIZE_CONFIGS, MAKE.
# Exit status non-zero if any pair failed to build or link.
set -uo pipefail

cd "$(dirname "$0")/.."
TARGETS=${SIZE_TARGETS:-cortex-m0plus cortex-m4 rv32imac}
CONFIGS=${SIZE_CONFIGS:-tiny-client server host}
MAKE=${MAKE:-make}
SIZEOF_TARGET=cortex-m4
OUT=build/size.md
LOGS=build/logs
mkdir -p "$LOGS"

failed=0
failures=""
rows=""
for t in $TARGETS; do
    for c in $CONFIGS; do
        dir=build/size/$t/$c
        log=$LOGS/size-$t-$c.log
        rm -f "$dir/sizes.txt"
        if ! $MAKE --no-print-directory TARGET="$t" CONFIG="$c" \
                BUILD="build/cfg/$t/$c" size-image >"$log" 2>&1 ||
           [ ! -s "$dir/sizes.txt" ]; then
            failed=1
            failures="$failures$t/$c "
            rows="$rows| $t | $c | build failed | | | | | | |"$'\n'
            continue
        fi
        # Berkeley size: line 2 = client, 3 = server, 4 = baseline
        read -r ct cd cb _ < <(sed -n 2p "$dir/sizes.txt")
        read -r st sd sb _ < <(sed -n 3p "$dir/sizes.txt")
        read -r bt bd bb _ < <(sed -n 4p "$dir/sizes.txt")
        read -r lt _ < "$dir/lib.txt"
        rows="$rows| $t | $c | $((ct - bt)) | $((cd - bd)) | $((cb - bb)) | $((st - bt)) | $((sd - bd)) | $((sb - bb)) | $lt |"$'\n'
    done
done

# struct sizes on SIZEOF_TARGET: rows = structs, columns = configs
sizeof_table() {
    local names c f
    names=$(for c in $CONFIGS; do
                f=build/size/$SIZEOF_TARGET/$c/sizeof.txt
                [ -f "$f" ] && sed -n 's/.* lwg_sizeof__\(.*\)$/\1/p' "$f"
            done | awk '!seen[$0]++')
    printf '| struct |'; for c in $CONFIGS; do printf ' %s |' "$c"; done; echo
    printf '| --- |'; for c in $CONFIGS; do printf ' ---: |'; done; echo
    for n in $names; do
        printf '| `%s` |' "$n"
        for c in $CONFIGS; do
            f=build/size/$SIZEOF_TARGET/$c/sizeof.txt
            hex=$(awk -v s="lwg_sizeof__$n" '$NF == s { print $2 }' "$f" 2>/dev/null)
            if [ -n "$hex" ]; then printf ' %d |' "$((16#$hex))"; else printf ' - |'; fi
        done
        echo
    done
}

rev=$(git describe --always --dirty 2>/dev/null || echo unknown)
{
    echo "# lwgrpc size report"
    echo
    echo "Made by \`make size\` at $rev. Bytes."
    echo
    echo "## Flash and RAM per target and configuration"
    echo
    echo "What each role costs on the device: \`toolchain/size_main.c\` linked with"
    echo "\`--gc-sections\` as a client (a channel and one call, driven the way a port"
    echo "driver pumps it) and as a server (one service, one accepted connection),"
    echo "minus a baseline image of the same start-up code. It counts lwgrpc's code"
    echo "and constant data, nanopb and the C library code it pulls in (newlib-nano"
    echo "on Cortex-M, picolibc on RV32), and the objects placed statically: the"
    echo "channel and one call (client), the server with its connections and call"
    echo "pool (server). Flash = .text + .data, RAM = .data + .bss (+ stack)."
    echo "*lib .text* sums every object in liblwgrpc.a before garbage collection."
    echo
    echo "| target | config | client .text | client .data | client .bss | server .text | server .data | server .bss | lib .text |"
    echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    printf '%s' "$rows"
    echo
    echo "## Struct sizes on $SIZEOF_TARGET (sizeof, bytes)"
    echo
    echo "What a user places (static, stack or own allocator), per configuration;"
    echo "from \`toolchain/size_sizeof.c\`, read with \`nm -S\` without running code."
    echo
    sizeof_table
} >"$OUT"

# TLS on Cortex-M4: what a TLS client / server adds (toolchain/mbedtls.mk)
tls_log=$LOGS/size-tls.log
if $MAKE --no-print-directory TARGET=cortex-m4 CONFIG=server-tls \
        BUILD=build/cfg/cortex-m4/server-tls tls-size >"$tls_log" 2>&1; then
    {
        echo
        echo "## TLS (cortex-m4, config server-tls, mbedTLS 2.28 with toolchain/mbedtls_config.h)"
        echo
        echo "What TLS adds to a client and to a server image (make tls-size):"
        echo
        echo '```'
        grep -E "TLS flash|flash lwg_tls|RAM (config|conn|tls_arena)" "$tls_log"
        echo '```'
        echo
        echo "The arena's measured peak per connection (test_tls_filter, records 16384"
        echo "in / 4096 out): RSA-2048 27.9 KB client / 27.2 KB server, ECDSA P-256"
        echo "25.6 / 24.5 KB, mTLS up to 29.7 KB; about 22.4 KB held per connection"
        echo "after the handshake.  Size LWG_TLS_ARENA_SIZE for the connections you"
        echo "open at once plus the configs' certificates and keys."
    } >>"$OUT"
else
    failed=1
    failures="${failures}cortex-m4/tls "
fi

cat "$OUT"
# causes last, where a log's tail shows them
for pair in $failures; do
    log=$LOGS/size-${pair%/*}-${pair#*/}.log
    [ "${pair#*/}" = tls ] && log=$LOGS/size-tls.log
    echo "size: $pair failed (log: $log):" >&2
    tail -n 12 "$log" >&2
done
exit "$failed"
