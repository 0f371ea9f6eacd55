#!/bin/bash
# tests/naming/soak.sh [RUNS]: the naming service's linearizability scenario
# with seeds 1..RUNS (make naming-soak). Each run boots a fresh 3-node
# cluster, runs clients under 60 s of faults (NAMING_LIN_SECONDS; make test
# runs 30) chosen by the seed and checks the
# history; a failing seed replays with
#   NAMING_LIN_SEED=N python3 tests/naming/cluster.py naming_linearizable
# Ends with `N passed, M failed`.
cd "$(dirname "$0")/../.." || exit 2
make --no-print-directory -s -f tests/lincheck/lincheck.mk build/host/lincheck || exit 2
runs="${1:-10}"
pass=0
fail=0
for s in $(seq 1 "$runs"); do
    out=$(NAMING_LIN_SEED=$s NAMING_LIN_SECONDS=${NAMING_LIN_SECONDS:-60} \
        /usr/bin/python3 tests/naming/cluster.py naming_linearizable 2>&1)
    line=$(echo "$out" | grep -E '^(PASS|FAIL) ' | head -1)
    echo "seed $s: $line"
    if echo "$line" | grep -q '^PASS'; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "$out" | tail -40
    fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
