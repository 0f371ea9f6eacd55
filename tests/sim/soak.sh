#!/usr/bin/env bash
# tests/sim/soak.sh SEEDS: every scenario over seeds 1..SEEDS with the -O2
# simulator, split across the machine's cores, running every seed even after
# a failure. `make soak SEEDS=N`. Exits non-zero if any seed failed.
cd "$(dirname "$0")/../.." || exit 2
N="${1:-10000}"
J="${RAFT_SOAK_JOBS:-$(nproc)}"
per=$(((N + J - 1) / J))
start=$(date +%s)
pids=()
for ((j = 0; j < J; j++)); do
    from=$((1 + j * per))
    cnt=$per
    [ $((from + cnt - 1)) -gt "$N" ] && cnt=$((N - from + 1))
    [ "$cnt" -le 0 ] && continue
    build/host/raft_sim_fast -k -q -seed "$from" -n "$cnt" >"build/soak.$j.log" 2>&1 &
    pids+=($!)
done
rc=0
for p in "${pids[@]}"; do wait "$p" || rc=1; done
grep -hE '^(FAIL|  )' build/soak.*.log | head -200
scenarios=$(build/host/raft_sim_fast -l | wc -l)
fails=$(cat build/soak.*.log | grep -c '^FAIL')
rm -f build/soak.*.log
echo "soak: seeds 1..$N x $scenarios scenarios = $((N * scenarios)) runs, $fails failed, $(($(date +%s) - start)) s"
exit $rc
