#!/bin/bash
# tests/netswitch/run.sh [FILTER]: build the ASan/UBSan netswitch if it is out of
# date, then run the tests whose name contains FILTER. Prints `PASS name` or
# `FAIL name: reason` per test and ends with `N passed, M failed`.
cd "$(dirname "$0")/../.." || exit 1
MK="make --no-print-directory -s -f tools/netswitch/netswitch.mk"
if ! out=$($MK build/host/netswitch-asan 2>&1); then
    echo "$out"
    echo "FAIL build: netswitch-asan did not compile"
    echo "0 passed, 1 failed"
    exit 1
fi
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
exec "$PY" tests/netswitch/run.py "$@"
