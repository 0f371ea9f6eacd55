#!/bin/bash
# tests/trace/run.sh [FILTER]: the `trace` part of `make test`: the host
# tests of tools/trace and its modules (test_tracelib.py), then the page in
# headless Chromium (test_page.py), each only the tests whose name contains
# FILTER. Prints their `PASS name` / `SKIP name: why` / `FAIL name: why`
# lines as they come and ends with one `N passed, M failed` over both.
# Without chromium the page tests are skipped, except under CI=true.
cd "$(dirname "$0")/../.." || exit 1
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
passed=0
failed=0
for t in tests/trace/test_tracelib.py tests/trace/test_page.py; do
    sum="" rc=""
    while IFS= read -r line; do
        if [[ "$line" =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
            sum=$line
            passed=$((passed + BASH_REMATCH[1]))
            failed=$((failed + BASH_REMATCH[2]))
        elif [[ "$line" =~ ^@@exit\ ([0-9]+)$ ]]; then
            rc=${BASH_REMATCH[1]}
        else
            echo "$line"
        fi
    done < <(timeout --kill-after=10 300 "$PY" "$t" "$@" 2>&1; echo "@@exit $?")
    if [ -z "$sum" ]; then
        echo "FAIL $(basename "$t"): exited $rc and printed no summary line"
        failed=$((failed + 1))
    elif [ "$rc" != 0 ] && [[ "$sum" == *" 0 failed" ]]; then
        echo "FAIL $(basename "$t"): exited $rc with no failed test"
        failed=$((failed + 1))
    fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
