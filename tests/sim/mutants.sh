#!/usr/bin/env bash
# tests/sim/mutants.sh NAME...: run the simulator built with each deliberate
# bug (-DMUTANT_NAME, see services/raft/*.c) and report whether a scenario
# catches it. Fails if any mutant survives. `make mutants`.
cd "$(dirname "$0")/../.." || exit 2
SEEDS="${RAFT_MUTANT_SEEDS:-100}"
survived=0
for m in "$@"; do
    out=$(timeout 600 build/host/mutants/raft_sim_$m -n "$SEEDS" -q 2>&1)
    first=$(grep -m1 '^FAIL' <<<"$out")
    n=$(grep -c '^FAIL' <<<"$out")
    if [ -n "$first" ]; then
        echo "CAUGHT   $m: $n scenarios fail; first: ${first#FAIL }" | cut -c1-220
    else
        echo "SURVIVED $m: no scenario failed over $SEEDS seeds"
        survived=$((survived + 1))
    fi
done
echo "mutants: $(($# - survived)) caught, $survived survived"
[ "$survived" = 0 ]
