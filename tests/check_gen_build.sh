#!/usr/bin/env bash
# tests/check_gen_build.sh - the code protoc-gen-lwgrpc and nanopb generate
# for every .proto in proto/ (and the generator's test protos in
# tests/gen/) compiles without a warning: the .pb.c, the .lwgrpc.c and a
# file including the .lwgrpc_posix.h, with the runtime's warning flags
# plus -Werror, under
#   gcc and clang       (host, examples/config/host, Debian's nanopb headers)
#   arm-none-eabi-gcc   (Cortex-M4 as TARGET=cortex-m4 builds it,
#                        examples/config/server, nanopb from
#                        build/deps/src: toolchain/deps.sh srcpkgs)
# One check per .proto and compiler; last line "N passed, N failed".
set -u
cd "$(dirname "$0")/.." || exit 1
unset MAKEFLAGS MFLAGS MAKELEVEL
PLUGIN=proto/protoc-gen-lwgrpc
tmp=$(mktemp -d /tmp/lwg_gen_build.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT

WARN=$(make --no-print-directory -s print-WARN_CFLAGS)
ARM_ARCH=$(make --no-print-directory -s TARGET=cortex-m4 print-ARCH_CFLAGS)
ARM_OPT=$(make --no-print-directory -s TARGET=cortex-m4 print-OPT_CFLAGS)
NANOPB_SRC=$(make --no-print-directory -s TARGET=cortex-m4 print-NANOPB_SRC)

passed=0
failed=0
ok()  { echo "  ok   $1"; passed=$((passed + 1)); }
bad() { echo "  FAIL $1"; sed 's/^/         /' "$2" | head -n 30; failed=$((failed + 1)); }

# compiler label: command and flags for each compiler
declare -A CCMD
CCMD[gcc]="gcc -O2 $WARN -D_GNU_SOURCE -Iexamples/config/host"
CCMD[clang]="clang -O2 $WARN -D_GNU_SOURCE -Iexamples/config/host"
CCMD[cortex-m4]="arm-none-eabi-gcc $ARM_ARCH $ARM_OPT $WARN -Iexamples/config/server -I$NANOPB_SRC"
COMPILERS="gcc clang cortex-m4"

# generate: every proto of a root in one protoc run per file
gen_root() {   # gen_root ROOT OUTDIR
    local root=$1 out=$2 f
    mkdir -p "$out"
    while IFS= read -r f; do
        if ! protoc -I"$root" --plugin=protoc-gen-lwgrpc=$PLUGIN \
                --nanopb_opt=-I"$root" --nanopb_out="$out" \
                --lwgrpc_opt=-I"$root" --lwgrpc_out="$out" "$f" >"$tmp/gen.log" 2>&1; then
            bad "generate $f" "$tmp/gen.log"
            continue
        fi
        printf '%s\n' "${f#"$root"/}" >>"$out/list"
    done < <(find "$root" -name '*.proto' | sort)
}

gen_root proto "$tmp/proto"
# the generator's test protos, except those it must refuse
for f in tests/gen/*.proto; do
    [ -f "tests/gen/golden/$(basename "$f" .proto).err" ] && continue
    mkdir -p "$tmp/tests"
    if protoc -Itests/gen --plugin=protoc-gen-lwgrpc=$PLUGIN \
            --nanopb_opt=-Itests/gen --nanopb_out="$tmp/tests" \
            --lwgrpc_opt=-Itests/gen --lwgrpc_out="$tmp/tests" "$f" >"$tmp/gen.log" 2>&1; then
        printf '%s\n' "${f#tests/gen/}" >>"$tmp/tests/list"
    else
        bad "generate $f" "$tmp/gen.log"
    fi
done

if [ ! -f "$NANOPB_SRC/pb.h" ]; then
    echo "  (nanopb sources missing in build/deps/src: run toolchain/deps.sh srcpkgs)"
fi

for dir in "$tmp/proto" "$tmp/tests"; do
    [ -f "$dir/list" ] || continue
    root=proto
    [ "$dir" = "$tmp/tests" ] && root=tests/gen
    while IFS= read -r p; do
        base=${p%.proto}
        printf '#include "%s.lwgrpc_posix.h"\n' "$base" >"$dir/$base.posix_check.c"
        for c in $COMPILERS; do
            log=$tmp/cc.log
            : >"$log"
            okay=1
            for src in "$dir/$base.pb.c" "$dir/$base.lwgrpc.c" "$dir/$base.posix_check.c"; do
                # shellcheck disable=SC2086
                if ! ${CCMD[$c]} -I. -I"$dir" -c "$src" -o "$tmp/x.o" >>"$log" 2>&1; then
                    okay=0
                fi
            done
            label="$c: $root/$p (.pb.c, .lwgrpc.c, .lwgrpc_posix.h)"
            if [ "$okay" -eq 1 ] && [ ! -s "$log" ]; then
                ok "$label"
            else
                bad "$label" "$log"
            fi
        done
    done <"$dir/list"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
