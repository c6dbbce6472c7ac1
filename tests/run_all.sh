#!/usr/bin/env bash
# tests/run_all.sh - the whole test suite: `make test`, and CI (.ci/run).
#
# One line per counted check ("ok   ..." / "FAIL ..."); a failure shows the
# last 30 lines of its log (all logs: build/logs/).  The last line is
# "N passed, N failed"; the exit status is non-zero if anything failed.
#
# Steps, in order:
#   toolchain/deps.sh                         (not counted)
#   host runtime with gcc and with clang      1 each
#   config matrix: every target x config      1 each (make print-CFG_PAIRS)
#   no heap: every archive built above        1 each
#   unit tests: make unit-bins (1), then each build/test/host/bin/test_*
#     binary counts with its own final "N passed, N failed" line; a binary
#     that exits non-zero without such a line counts as 1 failed
#   peer drivers and interop binaries: make peer-bins (1)
#   scripts: every EXECUTABLE tests/check_*.sh and tests/peer/*.py (Python
#     ones run with Debian's /usr/bin/python3), counted like unit binaries;
#     a non-executable .py in tests/peer/ is a helper and is not run
#   make fuzz-smoke (1), when tests/fuzz/fuzz_*.c exist
#   make size (1), and the table is printed
set -uo pipefail

cd "$(dirname "$0")/.."
# Run our own makes, not as part of a caller's make (jobserver, variables).
unset MAKEFLAGS MFLAGS MAKELEVEL
export LC_ALL=C
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}
MAKE_CMD=(make --no-print-directory)
PY=/usr/bin/python3
LOGS=build/logs
rm -rf "$LOGS"
mkdir -p "$LOGS"

passed=0
failed=0
t_start=$(date +%s)

took() {    # " (Ns)" when a step took 2 s or more
    local s=$(( $(date +%s) - $1 ))
    [ "$s" -ge 2 ] && printf ' (%ss)' "$s"
}
show_log() {  # the log's failure lines (with what precedes each), then its tail
    [ -f "$1" ] || return 0
    grep -n -B 6 -E '^(FAIL|not ok)|Traceback|AddressSanitizer|runtime error' "$1" |
        head -n 60 | sed 's/^/    ! /'
    tail -n 30 "$1" | sed 's/^/    | /'
}
ok()   { echo "ok   $1"; passed=$((passed + 1)); }
bad()  { echo "FAIL $1"; show_log "${2:-}"; failed=$((failed + 1)); }

# step NAME LOG CMD...: one counted check, ok when CMD exits 0
step() {
    local name=$1 log=$2 t0
    shift 2
    t0=$(date +%s)
    if "$@" >"$log" 2>&1; then
        ok "$name$(took "$t0")"
        step_ok=1
    else
        bad "$name$(took "$t0")" "$log"
        step_ok=0
    fi
}

# counted NAME LOG CMD...: a test program that ends with its own
# "N passed, N failed" line; adds its counts.
counted() {
    local name=$1 log=$2 rc t0 line p f
    shift 2
    t0=$(date +%s)
    "$@" >"$log" 2>&1 </dev/null
    rc=$?
    line=$(grep -E '^([A-Za-z]+: )?[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
    if [ -n "$line" ]; then
        p=$(printf '%s\n' "$line" | sed -E 's/^([A-Za-z]+: )?([0-9]+) passed.*/\2/')
        f=$(printf '%s\n' "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
        # e.g. a sanitizer report after the summary line
        [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
    else
        p=0
        f=1
    fi
    passed=$((passed + p))
    failed=$((failed + f))
    if [ "$f" -eq 0 ]; then
        echo "ok   $name ($p passed)$(took "$t0")"
    else
        echo "FAIL $name ($p passed, $f failed, exit $rc)$(took "$t0")"
        show_log "$log"
    fi
}

echo "lwgrpc test suite (logs in $LOGS/)"

# ---- dependencies (not counted) -------------------------------------------
if toolchain/deps.sh >"$LOGS/deps.log" 2>&1; then
    echo "deps ok"
else
    echo "deps FAILED (toolchain/deps.sh, not counted; the steps below may fail)"
    show_log "$LOGS/deps.log"
fi

# ---- builds ---------------------------------------------------------------
built=()
build() {   # build NAME LOGNAME ARCHIVE MAKEARGS...
    local name=$1 log=$LOGS/$2.log lib=$3 before=$failed
    shift 3
    step "build $name" "$log" "${MAKE_CMD[@]}" -j"$JOBS" "$@" lib
    [ "$failed" -eq "$before" ] && built+=("$lib")
}
build "host (gcc)" build-host build/host/liblwgrpc.a TARGET=host
build "host-clang (clang)" build-host-clang build/host-clang/liblwgrpc.a TARGET=host-clang

for pair in $("${MAKE_CMD[@]}" -s print-CFG_PAIRS); do
    tc=${pair#cfg/}             # target/config
    build "$tc" "build-${tc/\//-}" "build/$pair/liblwgrpc.a" \
        TARGET="${tc%/*}" CONFIG="${tc#*/}" BUILD="build/$pair"
done

# ---- no heap ----------------------------------------------------------------
if [ "${#built[@]}" -gt 0 ]; then
    "${MAKE_CMD[@]}" -s noheap NOHEAP_LIBS="${built[*]}" >"$LOGS/noheap.log" 2>&1
    rc=$?
    n_before=$((passed + failed))
    while IFS= read -r l; do
        case "$l" in
        "ok   noheap "*) echo "$l"; passed=$((passed + 1)) ;;
        "FAIL noheap "*) echo "$l"; failed=$((failed + 1)) ;;
        esac
    done <"$LOGS/noheap.log"
    if [ "$rc" -ne 0 ] && [ $((passed + failed)) -eq "$n_before" ]; then
        bad "noheap" "$LOGS/noheap.log"
    fi
fi

# ---- unit tests -------------------------------------------------------------
test_dir=build/test/host/bin
step "build unit tests" "$LOGS/unit-bins.log" "${MAKE_CMD[@]}" -k -j"$JOBS" unit-bins
unit_build_ok=$step_ok
for src in tests/unit/test_*.c; do
    [ -e "$src" ] || continue
    name=$(basename "$src" .c)
    bin=$test_dir/$name
    # never run a stale binary whose rebuild failed (when the build
    # succeeded every binary is current; `make -q` is asked only after a
    # failure, since a flags stamp rewritten by any later make makes it
    # answer "stale" for binaries that are not)
    if [ ! -x "$bin" ] ||
       { [ "$unit_build_ok" -eq 0 ] && ! "${MAKE_CMD[@]}" -q "$bin" >/dev/null 2>&1; }; then
        bad "unit $name (not built; see build unit tests)"
        continue
    fi
    counted "unit $name" "$LOGS/unit-$name.log" timeout 300 "$bin"
done

# ---- peer drivers and test scripts --------------------------------------------
# peer drivers (tests/peer/*_driver.c) and the interop binaries
step "build peer drivers and interop binaries" "$LOGS/peer-bins.log" \
    "${MAKE_CMD[@]}" -k -j"$JOBS" peer-bins
for s in tests/check_*.sh tests/peer/*.py; do
    [ -f "$s" ] && [ -x "$s" ] || continue
    log=$LOGS/script-$(basename "$s").log
    case "$s" in
    *.py) counted "$s" "$log" timeout 900 "$PY" "$s" ;;
    *)    counted "$s" "$log" timeout 900 "$s" ;;
    esac
done

# ---- fuzz smoke ---------------------------------------------------------------
if compgen -G 'tests/fuzz/fuzz_*.c' >/dev/null; then
    step "fuzz smoke" "$LOGS/fuzz-smoke.log" "${MAKE_CMD[@]}" -j"$JOBS" fuzz-smoke
fi

# ---- size -----------------------------------------------------------------------
step "size" "$LOGS/size.log" "${MAKE_CMD[@]}" size
if [ -f build/size.md ]; then
    echo
    sed -n '/^| target/,/^$/p; /^| struct/,$p' build/size.md
    echo "(full report: build/size.md)"
fi

echo "time: $(( $(date +%s) - t_start ))s"
summary="$passed passed, $failed failed"
echo "$summary" >"$LOGS/summary.txt"
echo "$summary"
[ "$failed" -eq 0 ]
