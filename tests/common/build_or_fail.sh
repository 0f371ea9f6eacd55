# tests/common/build_or_fail.sh: sourced by a test part's run.sh (from the
# repo root). `build_or_fail MAKEFILE TARGET` brings TARGET up to date with
# that make fragment; if it does not build, prints make's output and a
# FAIL line plus the part's summary `0 passed, 1 failed` (so the failure is
# counted, not skipped) and exits 1.
build_or_fail() {
    local out
    if ! out=$(make --no-print-directory -s -f "$1" "$2" 2>&1); then
        echo "$out"
        echo "FAIL build: $(basename "$2") did not compile"
        echo "0 passed, 1 failed"
        exit 1
    fi
}
# The Python the tests run under: Debian's, as `make test` uses.
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
