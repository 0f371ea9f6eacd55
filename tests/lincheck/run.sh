#!/bin/bash
# tests/lincheck/run.sh [FILTER]: build the linearizability checker if it is
# out of date, then run its tests (tests/lincheck/test_lincheck.py) whose name
# contains FILTER. Prints `PASS name` or `FAIL name: why` per test and ends
# with `N passed, M failed`.
cd "$(dirname "$0")/../.." || exit 1
if ! out=$(make --no-print-directory -s -f tests/lincheck/lincheck.mk build/host/lincheck 2>&1); then
    echo "$out"
    echo "FAIL build: lincheck did not compile"
    echo "0 passed, 1 failed"
    exit 1
fi
PY=$(test -x /usr/bin/python3 && echo /usr/bin/python3 || echo python3)
exec "$PY" tests/lincheck/test_lincheck.py "$@"
