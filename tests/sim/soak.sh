#!/usr/bin/env bash
# tests/sim/soak.sh SEEDS: every scenario over seeds 1..SEEDS with the -O2
# simulator, split across the machine's cores. `make soak SEEDS=N`.
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
    build/host/raft_sim_fast -seed "$from" -n "$cnt" >"build/soak.$j.log" 2>&1 &
    pids+=($!)
done
rc=0
for p in "${pids[@]}"; do wait "$p" || rc=1; done
cat build/soak.*.log | grep -E '^(FAIL|    )' | head -100
runs=$(cat build/soak.*.log | grep -E '^PASS' | sed -E 's/.*\(([0-9]+) seeds.*/\1/' | paste -sd+ | bc)
fails=$(cat build/soak.*.log | grep -c '^FAIL')
rm -f build/soak.*.log
echo "soak: $N seeds x every scenario: ${runs:-0} runs passed, $fails scenario failures, $(($(date +%s) - start)) s"
exit $rc
