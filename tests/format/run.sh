#!/bin/bash
# tests/format/run.sh [FILTER]: the `format` part of `make test`: every C
# file of the tree (and of labs/) is laid out as .clang-format says, so a
# diff is only ever about substance. `clang-format -i FILE` fixes one.
# Prints `PASS format_c` or `FAIL format_c: FILES`, then `N passed, N failed`.
# Without clang-format the part is skipped, except under CI=true, where
# that fails.
cd "$(dirname "$0")/../.." || exit 2
[[ "format_c" == *"${1:-}"* ]] || { echo "0 passed, 0 failed"; exit 0; }
if ! command -v clang-format >/dev/null; then
    if [ "${CI:-}" = true ]; then
        echo "FAIL format_c: clang-format not installed (make deps)"
        echo "0 passed, 1 failed"
        exit 1
    fi
    echo "SKIP format_c: clang-format not installed (make deps)"
    echo "0 passed, 0 failed"
    exit 0
fi
files=$({ git ls-files '*.c' '*.h' 2>/dev/null || find . -name '*.[ch]' -not -path './build/*'; } | sort -u)
# One run over every file; each file not laid out so gets error lines.
mapfile -t bad < <(echo "$files" | xargs clang-format --dry-run --Werror 2>&1 |
                   sed -n 's/^\([^:]*\):[0-9]*:[0-9]*: error:.*/\1/p' | sort -u)
if [ ${#bad[@]} -eq 0 ]; then
    echo "PASS format_c"
    echo "1 passed, 0 failed"
else
    echo "FAIL format_c: ${#bad[@]} files not laid out as .clang-format says: ${bad[*]:0:10}"
    echo "0 passed, 1 failed"
    exit 1
fi
