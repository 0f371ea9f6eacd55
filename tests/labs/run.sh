#!/bin/bash
# tests/labs/run.sh [FILTER]: the `labs` part of `make test`. For each lab
# in labs/ (a folder with a `check` grader and a `solution.patch`) whose
# name contains FILTER, two tests:
#   lab_NAME_start    the grader fails on the tree as it is (the lab's
#                     starting point): it can tell a missing solution
#   lab_NAME_solved   the grader passes on a copy of the tree with the
#                     reference solution applied (build/labs/NAME/solved)
# Prints `PASS name` or `FAIL name: why` and ends with `N passed, N failed`.
cd "$(dirname "$0")/../.." || exit 2
ROOT=$(pwd)
filter="${1:-}"
passed=0 failed=0
pass() { echo "PASS $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }

for dir in labs/*/; do
    lab=$(basename "$dir")
    [ -x "$dir/check" ] && [ -f "$dir/solution.patch" ] || continue
    [[ "lab_$lab" == *"$filter"* ]] || continue
    log=build/labs/$lab.start.log
    mkdir -p build/labs
    if timeout 600 "$dir/check" "$ROOT" >"$log" 2>&1; then
        fail "lab_${lab}_start" "the grader passes without a solution ($log)"
    elif grep -q '^FAIL' "$log"; then
        pass "lab_${lab}_start ($(tail -1 "$log"))"
    else
        fail "lab_${lab}_start" "the grader failed without saying which test ($log)"
    fi
    solved=build/labs/$lab/solved
    rm -rf "$solved" && mkdir -p "$solved"
    tar --exclude=./build --exclude=./.git -cf - . | tar -xf - -C "$solved"
    # This tree's guest build as a start, so that only what the patch changes
    # is built again (make compares times, which tar and cp -a keep).
    mkdir -p "$solved/build"
    for b in user k kernel.elf kernel.asm ramdisk.img; do
        [ -e "build/$b" ] && cp -a "build/$b" "$solved/build/"
    done
    # and what the grader built for the starting point (its objects)
    mkdir -p "$solved/build/labs/$lab"
    find "build/labs/$lab" -mindepth 1 -maxdepth 1 ! -name solved \
        -exec cp -a {} "$solved/build/labs/$lab/" \;
    log=build/labs/$lab.solved.log
    # (git must not take the copy for a part of this repository: a patch
    # applied in a subfolder of one skips every path outside it, silently)
    if ! (cd "$solved" && GIT_CEILING_DIRECTORIES="$ROOT/build/labs/$lab" \
            git apply "$ROOT/$dir/solution.patch") >"$log" 2>&1; then
        fail "lab_${lab}_solved" "solution.patch does not apply to this tree ($log)"
    elif timeout 600 "$solved/labs/$lab/check" "$solved" >>"$log" 2>&1 &&
            tail -1 "$log" | grep -qE '^[1-9][0-9]* passed, 0 failed$'; then
        pass "lab_${lab}_solved ($(tail -1 "$log"))"
    else
        fail "lab_${lab}_solved" "$(grep -m1 '^FAIL' "$log") ($log)"
    fi
done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
