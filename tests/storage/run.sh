#!/bin/bash
# tests/storage/run.sh [FILTER]: build the log store's host tests if they are
# out of date, then run those whose name contains FILTER. Prints `PASS name` or
# `FAIL name: why` per test and ends with `N passed, M failed`. SOAK=1 runs the
# long crash sweeps.
cd "$(dirname "$0")/../.." || exit 1
. tests/common/build_or_fail.sh
build_or_fail tests/storage/storage.mk build/host/storage_tests
exec build/host/storage_tests "$@"
