#!/bin/bash
# tests/storage/run.sh [FILTER]: build the log store's host tests if they are
# out of date, then run those whose name contains FILTER. Prints `PASS name` or
# `FAIL name: why` per test and ends with `N passed, M failed`. SOAK=1 runs the
# long crash sweeps.
cd "$(dirname "$0")/../.." || exit 1
if ! out=$(make --no-print-directory -s -f tests/storage/storage.mk build/host/storage_tests 2>&1); then
    echo "$out"
    echo "FAIL build: storage_tests did not compile"
    echo "0 passed, 1 failed"
    exit 1
fi
exec build/host/storage_tests "$@"
