#!/bin/bash
# tests/fs/run.sh [FILTER]: build the file service's metadata host tests (the
# wire codec and the state machine) if they are out of date, then run those
# whose name contains FILTER. Prints `PASS name` or `FAIL name: why` per test
# and ends with `N passed, M failed`. FS_SEED=S changes the random streams.
cd "$(dirname "$0")/../.." || exit 1
. tests/common/build_or_fail.sh
build_or_fail tests/fs/fs_tests.mk build/host/fs_tests
exec build/host/fs_tests "$@"
