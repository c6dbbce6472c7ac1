#!/usr/bin/env bash
# tests/fuzz/run.sh SECONDS|smoke BIN... - run libFuzzer targets.
#
#   tests/fuzz/run.sh 60 build/fuzz/fuzz_hpack     (make fuzz FUZZ_SECONDS=60)
#   tests/fuzz/run.sh smoke build/fuzz/fuzz_*      (make fuzz-smoke: 20 s each)
#
# Each binary build/fuzz/fuzz_X starts from its committed seed corpus
# tests/fuzz/corpus/X/, copied into the work directory build/fuzz/work/X/
# (new inputs the fuzzer finds go there, so the repository is never
# modified and later runs start from what earlier runs found).  Crash,
# leak and timeout reproducers go to build/fuzz/artifacts/X/; the run's
# output to build/fuzz/logs/X.log.  Targets run one after another.
#
# Exit status non-zero if any target found a crash (or failed to run).
# With no binaries it prints nothing and passes.
set -uo pipefail

cd "$(dirname "$0")/../.."

secs=${1:?usage: run.sh SECONDS|smoke BIN...}
shift
[ "$secs" = smoke ] && secs=20
case "$secs" in
''|*[!0-9]*) echo "run.sh: SECONDS must be a number or 'smoke'" >&2; exit 2 ;;
esac

failed=0
for bin in "$@"; do
    name=$(basename "$bin")
    x=${name#fuzz_}
    seeds=tests/fuzz/corpus/$x
    work=build/fuzz/work/$x
    arts=build/fuzz/artifacts/$x
    log=build/fuzz/logs/$x.log
    mkdir -p "$work" "$arts" "$(dirname "$log")"
    if [ -d "$seeds" ]; then
        cp -rn "$seeds"/. "$work"/
    fi

    start=$(date +%s)
    "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$arts/" "$work" >"$log" 2>&1
    rc=$?
    took=$(( $(date +%s) - start ))
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    if [ "$rc" -eq 0 ]; then
        echo "ok   fuzz $x (${runs:-?} runs in ${took}s, corpus $(ls "$work" | wc -l))"
    else
        echo "FAIL fuzz $x (exit $rc after ${took}s; reproducers in $arts/, log $log)"
        grep -E '^(==[0-9]+==ERROR|SUMMARY|.*Test unit written)' "$log" | head -n 10
        failed=1
    fi
done
exit "$failed"
