#!/bin/bash
# tests/naming/run.sh [FILTER]: build the naming service's host tests (the
# wire codec and the state machine) if they are out of date, then run those
# whose name contains FILTER. Prints `PASS name` or `FAIL name: why` per test
# and ends with `N passed, M failed`. NAMING_SEED=S changes the random streams.
cd "$(dirname "$0")/../.." || exit 1
if ! out=$(make --no-print-directory -s -f tests/naming/naming_tests.mk build/host/naming_tests 2>&1); then
    echo "$out"
    echo "FAIL build: naming_tests did not compile"
    echo "0 passed, 1 failed"
    exit 1
fi
exec build/host/naming_tests "$@"
