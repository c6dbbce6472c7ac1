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

# The entry-point names size_main.c lists (X(name) lines).
roots=$(sed -n 's/^ *X(\(lwg_[A-Za-z0-9_]*\)).*/\1/p' toolchain/size_main.c)
nroots=$(printf '%s\n' "$roots" | grep -c . || true)

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
            rows="$rows| $t | $c | build failed | | | | | | | |"$'\n'
            continue
        fi
        # Berkeley size: line 2 = image, line 3 = baseline
        read -r it id ib _ < <(sed -n 2p "$dir/sizes.txt")
        read -r bt bd bb _ < <(sed -n 3p "$dir/sizes.txt")
        read -r lt _ < "$dir/lib.txt"
        found=$(printf '%s\n' "$roots" | while read -r r; do
                    grep -qE " [TtDdRrBb] $r\$" "$dir/symbols.txt" && echo "$r"
                done | grep -c . || true)
        rows="$rows| $t | $c | $it | $id | $ib | $((it - bt)) | $((id - bd)) | $((ib - bb)) | $lt | $found/$nroots |"$'\n'
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

# which entry points the images link (same list for every pair; show one)
linked_list() {
    local f=build/size/$SIZEOF_TARGET/server/symbols.txt r list=""
    [ -f "$f" ] || return 0
    for r in $roots; do
        grep -qE " [TtDdRrBb] $r\$" "$f" && list="$list \`$r\`"
    done
    echo "${list:- none yet}"
}

rev=$(git describe --always --dirty 2>/dev/null || echo unknown)
{
    echo "# lwgrpc size report"
    echo
    echo "Made by \`make size\` at $rev. Bytes."
    echo
    echo "## Flash and RAM per target and configuration"
    echo
    echo "*image*: \`toolchain/size_main.c\` linked against the runtime with"
    echo "\`--gc-sections\` (C library: newlib-nano on Cortex-M, picolibc on RV32)."
    echo "*runtime* = image minus a baseline image of the same program without the"
    echo "runtime: lwgrpc's code and constant data, the C library code it pulls in,"
    echo "and one of each main object the program places in .bss (see the structs"
    echo "table). Flash = .text + .data, RAM = .data + .bss (+ stack)."
    echo "*lib .text* is the sum over every object in the archive, before"
    echo "garbage collection. *entry points*: names listed in size_main.c that the"
    echo "image links."
    echo
    echo "| target | config | image .text | image .data | image .bss | runtime .text | runtime .data | runtime .bss | lib .text | entry points |"
    echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    printf '%s' "$rows"
    echo
    echo "Entry points linked ($SIZEOF_TARGET/server):$(linked_list)"
    echo
    echo "## Struct sizes on $SIZEOF_TARGET (sizeof, bytes)"
    echo
    echo "What a user places (static, stack or own allocator), per configuration;"
    echo "from \`toolchain/size_sizeof.c\`, read with \`nm -S\` without running code."
    echo
    sizeof_table
} >"$OUT"

cat "$OUT"
# causes last, where a log's tail shows them
for pair in $failures; do
    log=$LOGS/size-${pair%/*}-${pair#*/}.log
    echo "size: $pair failed (log: $log):" >&2
    tail -n 12 "$log" >&2
done
exit "$failed"
