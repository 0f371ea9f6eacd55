#!/usr/bin/env bash
# tests/sim/mutants.sh NAME...: run the simulator built with each deliberate
# bug (-DMUTANT_NAME, see services/raft/*.c) and report whether a scenario
# catches it. Fails if any mutant survives. `make mutants`.
#
# tests/sim/mutants.sh --short [FILTER]: the `mutants` part of `make test`:
# each mutant whose name contains FILTER against the scenario known to catch
# it (the table below), so that a weakened simulator check fails CI in a few
# seconds. Prints `PASS mutant_NAME` (caught) or `FAIL mutant_NAME`
# (survived), then `N passed, N failed`.
cd "$(dirname "$0")/../.." || exit 2
SEEDS="${RAFT_MUTANT_SEEDS:-100}"

# mutant:scenario (a substring of the scenarios' names, raft_sim -s)
SHORT="VOTE_TWICE:initial_election NO_UPTODATE_CHECK:reelection
COMMIT_OLD_TERM:figure8_script SKIP_LOG_MATCH:many_elections
NO_PERSIST_VOTE:vote_crash ACK_BEFORE_PERSIST:initial_election
APPLY_BEFORE_COMMIT:initial_election READ_NO_HEARTBEAT:read_isolated_leader
LEASE_FROM_ACK:lease_reads LEASE_NO_DRIFT:lease_reads_drift
LEASE_NO_BOOT_QUIET:lease_reads_restart FOLLOWER_READ_OWN_COMMIT:follower_reads
FOLLOWER_READ_LOCAL:follower_reads"

if [ "$1" = --short ]; then
    filter="${2:-}"
    passed=0 failed=0
    for pair in $SHORT; do
        m=${pair%%:*} sc=${pair#*:}
        [[ "mutant_$m" == *"$filter"* ]] || continue
        bin=build/host/mutants/raft_sim_$m
        out=$(timeout 300 "$bin" -s "$sc" -n "$SEEDS" -q 2>&1)
        first=$(grep -m1 '^FAIL' <<<"$out")
        if [ -n "$first" ]; then
            echo "PASS mutant_$m (caught: ${first#FAIL })" | cut -c1-200
            passed=$((passed + 1))
        else
            echo "FAIL mutant_$m: $sc did not catch it over $SEEDS seeds"
            failed=$((failed + 1))
        fi
    done
    echo "$passed passed, $failed failed"
    [ "$failed" = 0 ]
    exit
fi

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
