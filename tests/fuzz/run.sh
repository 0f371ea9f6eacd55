#!/usr/bin/env bash
# tests/fuzz/run.sh MODE [FILTER]: runs every libFuzzer binary in build/fuzz/
# (built by `make host-bins` or `make fuzz`) whose name contains FILTER.
#
#   MODE short  each fuzzer runs FUZZ_SECONDS (default 2) seconds: `make test`
#   MODE long   each fuzzer runs FUZZ_SECONDS (default 300) seconds: `make fuzz`
#
# Seeds come from tests/fuzz/corpus/<fuzzer>/ (committed) and are copied into a
# scratch corpus, build/fuzz-work/<fuzzer>/corpus/, which keeps what libFuzzer
# finds between runs. Prints `PASS fuzz_x` or `FAIL fuzz_x: ...` (with the
# crashing input and the command that reproduces it) per fuzzer, and ends with
# `N passed, M failed`. Exit status 1 if any failed. As many fuzzers run at
# once as there are cores (FUZZ_JOBS to change it).
#
# Without clang/libFuzzer the part is skipped (0 passed, 0 failed), except under
# CI=true, where it fails: CI must not go green by not fuzzing.
set -u
cd "$(dirname "$0")/../.." || exit 1

MODE=${1:-short}
FILTER=${2:-}
BUILD=${BUILD:-build}
case "$MODE" in
short) SECS=${FUZZ_SECONDS:-2} ;;
long) SECS=${FUZZ_SECONDS:-300} ;;
*)
    echo "usage: $0 short|long [FILTER]" >&2
    echo "0 passed, 1 failed"
    exit 1
    ;;
esac

passed=0
failed=0
finish() {
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    exit $?
}

# Is libFuzzer usable here at all?
fuzzer_toolchain_ok() {
    command -v "${FUZZ_CC:-clang}" >/dev/null 2>&1 || return 1
    local tmp
    tmp=$(mktemp -d) || return 1
    echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }' >"$tmp/t.c"
    "${FUZZ_CC:-clang}" -fsanitize=fuzzer,address,undefined "$tmp/t.c" -o "$tmp/t" >/dev/null 2>&1
    local rv=$?
    rm -rf "$tmp"
    return $rv
}

bins=()
if [ -d "$BUILD/fuzz" ]; then
    for f in $(ls "$BUILD/fuzz/"); do
        p="$BUILD/fuzz/$f"
        [ -f "$p" ] && [ -x "$p" ] || continue
        bins+=("$p")
    done
fi

if [ ${#bins[@]} -eq 0 ]; then
    if ! fuzzer_toolchain_ok; then
        if [ "${CI:-}" = "true" ]; then
            echo "FAIL fuzz: clang/libFuzzer unavailable (CI=true: not skipping)"
            failed=1
        else
            echo "SKIP fuzz: clang/libFuzzer unavailable (install clang; under CI=true this fails)"
        fi
    else
        echo "FAIL fuzz: no fuzzers in $BUILD/fuzz/ (run \`make host-bins\` first)"
        failed=1
    fi
    finish
fi

# One fuzzer: its PASS or FAIL line (and on failure the sanitizer's own
# explanation) on stdout.
run_one() {
    local bin="$1" name work corpus art log start rc elapsed runs crash seed
    name=$(basename "$bin")
    work="$BUILD/fuzz-work/$name"
    corpus="$work/corpus"
    art="$work/artifacts"
    log="$work/log.txt"
    if [ -d "tests/fuzz/corpus/$name" ]; then
        cp -n tests/fuzz/corpus/"$name"/* "$corpus/" 2>/dev/null
    fi
    # Crash files from an earlier run would confuse the report below.
    rm -f "$art"/crash-* "$art"/leak-* "$art"/timeout-* "$art"/oom-* "$art"/slow-unit-*
    start=$(date +%s)
    # -timeout: one input taking >10 s is a hang. The outer timeout is a backstop.
    timeout --kill-after=10 $((SECS + 120)) "$bin" -max_total_time="$SECS" -timeout=10 \
        -rss_limit_mb=2048 -artifact_prefix="$art/" -print_final_stats=1 "$corpus" >"$log" 2>&1
    rc=$?
    elapsed=$(($(date +%s) - start))
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    if [ "$rc" -eq 0 ]; then
        echo "PASS $name (${runs:-?} runs in ${elapsed} s, corpus $(ls "$corpus" | wc -l))"
        return
    fi
    crash=$(ls -t "$art"/* 2>/dev/null | head -1)
    seed=$(sed -n 's/.*INFO: Seed: \([0-9]*\).*/\1/p' "$log" | head -1)
    if [ -n "$crash" ]; then
        echo "FAIL $name: exit $rc, input $crash (seed ${seed:-?}); reproduce: $bin $crash"
    else
        echo "FAIL $name: exit $rc, no crash file (seed ${seed:-?}); log: $log"
    fi
    # The sanitizer's or libFuzzer's own explanation.
    grep -E 'ERROR: |SUMMARY: |runtime error|deadly signal|Test unit written' "$log" \
        | head -8 | sed 's/^/    /'
}

# As many fuzzers at once as there are cores (FUZZ_JOBS): each still gets
# SECS seconds of its own, and the part's wall time is divided by the cores.
# Their lines come out in the fuzzers' order.
JOBS=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 1)}
names=()
for bin in "${bins[@]}"; do
    name=$(basename "$bin")
    case "$name" in *"$FILTER"*) ;; *) continue ;; esac
    names+=("$name")
    mkdir -p "$BUILD/fuzz-work/$name/corpus" "$BUILD/fuzz-work/$name/artifacts"
    while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do
        wait -n
    done
    run_one "$bin" >"$BUILD/fuzz-work/$name/result.txt" &
done
wait
for name in "${names[@]}"; do
    result="$BUILD/fuzz-work/$name/result.txt"
    cat "$result"
    if head -1 "$result" | grep -q '^PASS '; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
    fi
done

finish
