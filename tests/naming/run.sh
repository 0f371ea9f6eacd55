#!/bin/bash
# tests/naming/run.sh [FILTER]: build the naming service's host tests (the
# wire codec and the state machine) if they are out of date, then run those
# whose name contains FILTER. Prints `PASS name` or `FAIL name: why` per test
# and ends with `N passed, M failed`. NAMING_SEED=S changes the random streams.
cd "$(dirname "$0")/../.." || exit 1
. tests/common/build_or_fail.sh
build_or_fail tests/naming/naming_tests.mk build/host/naming_tests
exec build/host/naming_tests "$@"
