#!/bin/sh
# tests/check_gen_golden.sh - protoc-gen-lwgrpc writes exactly the committed
# expected output for the generator's test protos (tests/gen/*.proto):
# regenerate each into a temporary directory and compare with
# tests/gen/golden/<name>.lwgrpc.h, .lwgrpc.c and .lwgrpc_posix.h byte for
# byte.  A proto with a tests/gen/golden/<name>.err file must be refused,
# with that text in protoc's error output.
#
#   tests/check_gen_golden.sh            check (last line "N passed, N failed")
#   tests/check_gen_golden.sh --update   rewrite the golden files (then
#                                        review the diff before committing)
cd "$(dirname "$0")/.." || exit 1
PLUGIN=proto/protoc-gen-lwgrpc
GOLDEN=tests/gen/golden
tmp=$(mktemp -d /tmp/lwg_gen_golden.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
update=0
[ "${1:-}" = "--update" ] && update=1

passed=0
failed=0
ok()  { echo "  ok   $1"; passed=$((passed + 1)); }
bad() { echo "  FAIL $1"; failed=$((failed + 1)); }

for proto in tests/gen/*.proto; do
    name=$(basename "$proto" .proto)
    out=$tmp/$name
    mkdir -p "$out"
    protoc -Itests/gen --plugin=protoc-gen-lwgrpc=$PLUGIN \
        --nanopb_opt=-Itests/gen --nanopb_out="$out" \
        --lwgrpc_opt=-Itests/gen --lwgrpc_out="$out" "$proto" 2>"$out/stderr"
    rc=$?
    if [ -f "$GOLDEN/$name.err" ]; then
        want=$(cat "$GOLDEN/$name.err")
        if [ "$rc" -ne 0 ] && grep -qF -- "$want" "$out/stderr"; then
            ok "$name.proto refused: $want"
        else
            bad "$name.proto: want protoc to fail with \"$want\"; got (exit $rc):"
            sed 's/^/         /' "$out/stderr"
        fi
        continue
    fi
    if [ "$rc" -ne 0 ]; then
        bad "$name.proto: protoc failed (exit $rc):"
        sed 's/^/         /' "$out/stderr"
        continue
    fi
    for suffix in .lwgrpc.h .lwgrpc.c .lwgrpc_posix.h; do
        f=$name$suffix
        if [ "$update" -eq 1 ]; then
            cp "$out/$f" "$GOLDEN/$f"
        fi
        if [ ! -f "$GOLDEN/$f" ]; then
            bad "$f: no golden file $GOLDEN/$f (tests/check_gen_golden.sh --update)"
        elif cmp -s "$out/$f" "$GOLDEN/$f"; then
            ok "$f matches $GOLDEN/$f"
        else
            bad "$f differs from $GOLDEN/$f:"
            diff -u "$GOLDEN/$f" "$out/$f" | head -n 40 | sed 's/^/         /'
        fi
    done
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
