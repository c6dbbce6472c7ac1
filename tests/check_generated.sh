#!/bin/sh
# tests/check_generated.sh - the committed generated tables match their
# generator: regenerate transport/lwg_hpack_tables.{c,h} into a temporary
# directory and compare byte for byte.  Last line: "N passed, N failed".
cd "$(dirname "$0")/.." || exit 1
PY=/usr/bin/python3
tmp=$(mktemp -d /tmp/lwg_gen.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT

ok=1
if ! "$PY" transport/gen/gen_hpack_tables.py "$tmp"; then
    echo "FAIL gen_hpack_tables.py did not run"
    ok=0
else
    for f in lwg_hpack_tables.c lwg_hpack_tables.h; do
        if ! cmp "$tmp/$f" "transport/$f"; then
            echo "FAIL transport/$f differs from its generator's output;"
            echo "     run: $PY transport/gen/gen_hpack_tables.py"
            ok=0
        fi
    done
fi
if [ "$ok" -eq 1 ]; then
    echo "  ok   hpack tables match transport/gen/gen_hpack_tables.py"
    echo "1 passed, 0 failed"
else
    echo "0 passed, 1 failed"
    exit 1
fi
