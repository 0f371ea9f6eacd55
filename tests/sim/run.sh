#!/usr/bin/env bash
# tests/sim/run.sh [FILTER]: the `raft-sim` part of `make test`.
#
# Runs, printing one PASS/FAIL line per test:
#   - the linearizability checker's own tests (raft_lin_test),
#   - the wire codec and input-check tests (raft_codec_test),
#   - the core's API contracts (raft_api_test),
#   - raft_freestanding: the core cross-compiled for the guest references no
#     allocator, clock, randomness or stdio symbol,
#   - every simulator scenario over many seeds with the -O2 build
#     (RAFT_SIM_SEEDS per unit of scenario weight, default 150: 7,500 runs),
#   - every scenario again under ASan/UBSan on fewer seeds (asan_*).
# Ends with `N passed, M failed`; exits non-zero on any failure. A failing
# scenario prints its seed, the reason and the trace tail; replay it with
#   build/host/raft_sim -s NAME -seed N -v
# `run.sh freestanding` runs only the symbol check (make raft-freestanding).
cd "$(dirname "$0")/../.." || exit 2
B=build/host
FILTER="${1:-}"
SEEDS="${RAFT_SIM_SEEDS:-150}"
ASAN_SEEDS="${RAFT_SIM_ASAN_SEEDS:-4}"
pass=0
fail=0

# Run a command that prints PASS/FAIL lines and a summary; relay the lines
# (with an optional name prefix) and count them. A command that dies without
# its summary line counts as one failure.
relay() {
    local prefix="$1"
    shift
    local out rc summary=0
    out="$("$@" 2>&1)"
    rc=$?
    while IFS= read -r line; do
        case "$line" in
        PASS\ *) pass=$((pass + 1)); echo "PASS $prefix${line#PASS }" ;;
        FAIL\ *) fail=$((fail + 1)); echo "FAIL $prefix${line#FAIL }" ;;
        *" passed, "*" failed") summary=1 ;;
        *) echo "$line" ;;
        esac
    done <<<"$out"
    if [ "$summary" = 0 ] || { [ $rc -ne 0 ] && ! grep -q '^FAIL' <<<"$out"; }; then
        fail=$((fail + 1))
        echo "FAIL $prefix$(basename "$1") exited $rc without a summary"
    fi
}

freestanding() {
    local objs=(build/raft-rv/*.o) bad
    if [ ! -e "${objs[0]}" ]; then
        echo "FAIL raft_freestanding: no cross-compiled objects (make build/raft-rv/raft_core.a)"
        return 1
    fi
    # memcpy/memset are allowed: a freestanding compiler may emit them and
    # the kernel's lib provides them.
    bad=$(riscv64-unknown-elf-nm -u "${objs[@]}" 2>/dev/null | awk '{print $2}' | grep -v '^$' |
        grep -xE 'malloc|calloc|realloc|free|time|clock|clock_gettime|gettimeofday|rand|random|srand|printf|fprintf|sprintf|snprintf|puts|putchar|abort|exit|__assert_fail|assert' | sort -u)
    local undef
    undef=$(riscv64-unknown-elf-nm -u "${objs[@]}" | awk 'NF==2{print $2}' | sort -u |
        grep -vxE 'memcpy|memset|memmove|memcmp' |
        while read -r s; do riscv64-unknown-elf-nm --defined-only "${objs[@]}" | grep -qw "$s" || echo "$s"; done)
    if [ -n "$bad$undef" ]; then
        echo "FAIL raft_freestanding: core references: $bad $undef"
        return 1
    fi
    echo "PASS raft_freestanding (${#objs[@]} objects, no allocator/clock/random/stdio symbols)"
}

if [ "$FILTER" = freestanding ]; then
    freestanding
    exit $?
fi

relay "" $B/raft_lin_test "$FILTER"
relay "" $B/raft_codec_test "$FILTER"
relay "" $B/raft_api_test "$FILTER"
if [[ raft_freestanding == *"$FILTER"* ]]; then
    if freestanding; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
fi
relay "" $B/raft_sim_fast -s "$FILTER" -n "$SEEDS" -w
relay "asan_" $B/raft_sim -s "$FILTER" -n "$ASAN_SEEDS" -w -seed 1000001
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
