#!/usr/bin/env bash
# toolchain/check_noheap.sh LIB [NM] - fail if any object in the archive LIB
# references (has an undefined symbol for) a heap allocator.
#
# lwgrpc's promise is memory fixed at compile time: no object of the
# runtime may call malloc & co.  The C library itself may use its heap
# internally (e.g. newlib's printf); this checks only our objects.
# Prints one line: "ok   noheap LIB (N objects)" or "FAIL noheap LIB" with
# the offending object:symbol pairs.  NM defaults to nm (use the target's,
# e.g. arm-none-eabi-nm, for cross archives).
set -euo pipefail

lib=${1:?usage: check_noheap.sh LIB [NM]}
nm=${2:-nm}

# ISO C / POSIX allocators, their newlib reentrant forms, and the GNU ones.
HEAP_SYMS="malloc calloc realloc free strdup strndup
_malloc_r _free_r _calloc_r _realloc_r
reallocarray aligned_alloc posix_memalign memalign valloc pvalloc"

if [ ! -f "$lib" ]; then
    echo "FAIL noheap $lib: no such archive"
    exit 1
fi

# nm -A prints "archive:member:   U symbol" for each undefined symbol.
if ! out=$("$nm" -A -u "$lib" 2>&1); then
    echo "FAIL noheap $lib: $nm failed: $out"
    exit 1
fi
# any binutils ar lists any target's archive
objects=$(ar t "$lib" 2>/dev/null | grep -c . || true)

bad=$(printf '%s\n' "$out" | awk -v syms="$HEAP_SYMS" '
    BEGIN { n = split(syms, s, /[ \n]+/); for (i = 1; i <= n; i++) heap[s[i]] = 1 }
    $NF in heap {
        sub(/^.*\//, "", $1)            # drop the directory of the archive
        split($1, part, ":")
        printf "%s:%s ", part[2], $NF
    }')

if [ -n "$bad" ]; then
    echo "FAIL noheap $lib: ${bad% }"
    exit 1
fi
echo "ok   noheap $lib ($objects objects)"
