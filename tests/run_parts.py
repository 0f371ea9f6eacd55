#!/usr/bin/env python3
"""Runs every part of `make test` in turn, times each, and sums their results.

Each part is a command that prints one line per test and ends with the line
`N passed, N failed`. This script prints each part's time and ends with the
summary line over all parts. A part that crashes or prints no summary counts as
one failure, so a broken runner can never look like a pass.
"""
import argparse
import os
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SUMMARY = re.compile(r"^(\d+) passed, (\d+) failed\s*$")

# (part name, command, time limit in seconds). The filter is appended when given.
PARTS = [
    ("unit", ["build/host/unit_tests"], 300),
    ("docs", [sys.executable, "tests/docs/check_links.py"], 60),
    ("format", ["bash", "tests/format/run.sh"], 120),
    ("fuzz", ["bash", "tests/fuzz/run.sh", "short"], 300),
    ("raft-sim", ["bash", "tests/sim/run.sh"], 400),
    ("mutants", ["bash", "tests/sim/mutants.sh", "--short"], 300),
    ("storage", ["bash", "tests/storage/run.sh"], 300),
    ("chunkstore", ["bash", "tests/chunkstore/run.sh"], 300),
    ("naming-unit", ["bash", "tests/naming/run.sh"], 300),
    ("fs-unit", ["bash", "tests/fs/run.sh"], 300),
    ("sched-unit", ["bash", "tests/sched/run.sh"], 300),
    ("labs", ["bash", "tests/labs/run.sh"], 600),
    ("lincheck", ["bash", "tests/lincheck/run.sh"], 300),
    ("trace", ["bash", "tests/trace/run.sh"], 180),
    ("netswitch", ["bash", "tests/netswitch/run.sh"], 300),
    ("cluster", [sys.executable, "tests/cluster/run.py"], 1200),
    ("net", [sys.executable, "tests/net/run.py"], 600),
    ("naming", [sys.executable, "tests/naming/cluster.py"], 1500),
    ("fs", [sys.executable, "tests/fs/cluster.py"], 1500),
    ("migrate", [sys.executable, "tests/migrate/cluster.py"], 900),
    ("sched", [sys.executable, "tests/sched/cluster.py"], 900),
    ("trace-cluster", [sys.executable, "tests/trace/cluster.py"], 600),
]


def run_part(name, cmd, limit, flt):
    if flt:
        cmd = cmd + [flt]
    print(f"=== part {name}: {' '.join(cmd)}", flush=True)
    start = time.monotonic()
    passed = failed = None
    try:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True,
                                errors="replace", start_new_session=True)
        deadline = start + limit
        for line in proc.stdout:
            sys.stdout.write(line)
            sys.stdout.flush()
            m = SUMMARY.match(line.strip())
            if m:
                passed, failed = int(m.group(1)), int(m.group(2))
            if time.monotonic() > deadline:
                break
        try:
            proc.wait(timeout=max(1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
        if proc.poll() is None:
            os.killpg(proc.pid, 9)
            proc.wait()
            print(f"part {name}: killed after its {limit} s limit")
            passed, failed = (passed or 0), (failed or 0) + 1
        rc = proc.returncode
    except OSError as e:
        print(f"part {name}: cannot run: {e}")
        rc = 127
    elapsed = time.monotonic() - start
    if passed is None:
        print(f"part {name}: printed no summary line (exit {rc}); counted as one failure")
        passed, failed = 0, 1
    elif rc != 0 and failed == 0:
        print(f"part {name}: exited {rc} with no failed test; counted as one failure")
        failed = 1
    print(f"=== part {name}: {passed} passed, {failed} failed in {elapsed:.1f} s", flush=True)
    return passed, failed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--filter", default="")
    ap.add_argument("--parts", default="", help="comma-separated part names")
    args = ap.parse_args()
    only = set(p for p in args.parts.split(",") if p)
    total_p = total_f = 0
    for name, cmd, limit in PARTS:
        if only and name not in only:
            continue
        p, f = run_part(name, cmd, limit, args.filter)
        total_p += p
        total_f += f
    if args.filter and total_p + total_f == 0:
        print(f"no test name contains {args.filter!r} (a misspelt T=?)")
        total_f = 1
    print(f"{total_p} passed, {total_f} failed")
    return 1 if total_f else 0


if __name__ == "__main__":
    sys.exit(main())
