#!/bin/bash
# tests/lincheck/run.sh [FILTER]: build the linearizability checker if it is
# out of date, then run its tests (tests/lincheck/test_lincheck.py) whose name
# contains FILTER. Prints `PASS name` or `FAIL name: why` per test and ends
# with `N passed, M failed`.
cd "$(dirname "$0")/../.." || exit 1
. tests/common/build_or_fail.sh
build_or_fail tests/lincheck/lincheck.mk build/host/lincheck
exec "$PY" tests/lincheck/test_lincheck.py "$@"
