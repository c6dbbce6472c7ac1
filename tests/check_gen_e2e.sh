#!/bin/sh
# tests/check_gen_e2e.sh - the generated stubs of the generator's edge-case
# protos (tests/gen/: no package, package a.b.c, imported and nested
# types, the same method names in two services, nanopb's mangle_names, all
# four RPC kinds) at work: `make gen-e2e` builds build/host/bin/gen_e2e
# (tests/gen/gen_e2e.c, ASan + UBSan), which runs an lwgrpc server in a
# child process and calls every method through the generated blocking and
# asynchronous client functions.  Its last line is "N passed, N failed".
cd "$(dirname "$0")/.." || exit 1
unset MAKEFLAGS MFLAGS MAKELEVEL
if ! make --no-print-directory gen-e2e >/tmp/lwg_gen_e2e_build.$$.log 2>&1; then
    echo "FAIL make gen-e2e:"
    tail -n 30 /tmp/lwg_gen_e2e_build.$$.log | sed 's/^/    /'
    rm -f /tmp/lwg_gen_e2e_build.$$.log
    echo "0 passed, 1 failed"
    exit 1
fi
rm -f /tmp/lwg_gen_e2e_build.$$.log
exec timeout 120 build/host/bin/gen_e2e
