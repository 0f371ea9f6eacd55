#!/bin/bash
# tests/netswitch/run.sh [FILTER]: build the ASan/UBSan netswitch if it is out of
# date, then run the tests whose name contains FILTER. Prints `PASS name` or
# `FAIL name: reason` per test and ends with `N passed, M failed`.
cd "$(dirname "$0")/../.." || exit 1
. tests/common/build_or_fail.sh
build_or_fail tools/netswitch/netswitch.mk build/host/netswitch-asan
exec "$PY" tests/netswitch/run.py "$@"
