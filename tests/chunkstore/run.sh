#!/bin/bash
# tests/chunkstore/run.sh [FILTER]: build the chunk store's host tests if they
# are out of date, then run those whose name contains FILTER. Prints `PASS
# name` or `FAIL name: why` per test and ends with `N passed, M failed`.
# SOAK=1 runs the long sweeps; CHUNKSTORE_SEED=N replays the random test.
cd "$(dirname "$0")/../.." || exit 1
. tests/common/build_or_fail.sh
build_or_fail tests/chunkstore/chunkstore.mk build/host/chunkstore_tests
exec build/host/chunkstore_tests "$@"
