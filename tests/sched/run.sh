#!/bin/bash
# tests/sched/run.sh [FILTER]: build the global scheduler's host tests (the
# filters, placement and policies, the replicated machine, the wire codecs,
# the text forms and the seeded simulator) if they are out of date, then run
# those whose name contains FILTER. Prints `PASS name` or `FAIL name: why`
# per test and ends with `N passed, M failed`. SCHED_SEED=S changes the
# random streams (the simulator's included).
cd "$(dirname "$0")/../.." || exit 1
. tests/common/build_or_fail.sh
build_or_fail tests/sched/sched_tests.mk build/host/sched_tests
exec build/host/sched_tests "$@"
