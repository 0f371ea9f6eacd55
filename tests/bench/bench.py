#!/usr/bin/env python3
"""`make bench`: measure, do not assert.

Boots a node several times to time boot-to-prompt (host wall time from
starting QEMU to the first shell prompt, median of BOOTS boots), then in one
boot runs the in-guest micro-benchmarks (user/bench.c; each reports the
median of its own rounds):

    null   getpid round trip            (compare: bare trap)
    yield  one switch in a yield ping-pong between two processes
    spawn  spawn(true) + exit + wait
    trap   bare U->S->U trap round trip (the floor for any syscall)
    satp   one satp write + sfence.vma   (what a page-table switch costs)

Prints a table with each figure beside the calibration it should be read
against, and writes build/bench.json with the git commit and QEMU version.
"""
import json
import os
import re
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "cluster"))
from qemu import ROOT, Node, kernel_built, qemu_available, run_dir  # noqa: E402

BOOTS = int(os.environ.get("BENCH_BOOTS", "5"))
# (kind, iterations per round): sized so each round takes well under a second.
MICRO = [("trap", 200000), ("null", 100000), ("satp", 20000), ("yield", 20000),
         ("spawn", 200)]
TARGETS = {"boot_to_prompt_ms": 150, "null_ns": 1000, "spawn_ns": 500000}
XV6 = {"boot_to_prompt_ms": 345, "null_ns": 21600, "spawn_ns": 2900000}


def git_commit():
    try:
        rev = subprocess.check_output(["git", "rev-parse", "HEAD"], cwd=ROOT, text=True).strip()
        dirty = subprocess.call(["git", "diff", "--quiet", "HEAD"], cwd=ROOT) != 0
        return rev + ("-dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def qemu_version():
    try:
        out = subprocess.check_output(["qemu-system-riscv64", "--version"], text=True)
        return out.split("\n")[0].strip()
    except OSError:
        return "unknown"


def boot_times(logdir):
    """Per boot: (QEMU start to prompt, first console byte to prompt) in ms.
    The second leaves out QEMU's own start-up (process, ROMs, machine)."""
    times = []
    for i in range(BOOTS):
        with Node(logdir) as n:
            n.wait_prompt(60)
            now = time.monotonic()
            times.append(((now - n.start_time) * 1000, (now - n.first_output_time) * 1000))
    return times


def micro(logdir):
    res = {}
    with Node(logdir) as n:
        n.wait_prompt(60)
        for kind, iters in MICRO:
            out, st = n.run(f"bench {kind} {iters}", timeout=300)
            m = re.search(rf"^bench {kind} \d+ ([\d.]+)$", out, re.M)
            if st != 0 or not m:
                print(f"bench {kind}: failed (status {st}): {out}", file=sys.stderr)
                res[kind] = None
            else:
                res[kind] = float(m.group(1))
    return res


def fmt_ns(ns):
    if ns is None:
        return "n/a"
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.2f} us"
    return f"{ns:.0f} ns"


def ratio(a, b):
    return f"{a / b:.1f}x" if a and b else "n/a"


def main():
    if not (qemu_available() and kernel_built()):
        print("bench: needs qemu-system-riscv64 and build/kernel.elf (run `make`)")
        return 1
    logdir = run_dir("bench")
    both = boot_times(logdir)
    boots = [b[0] for b in both]
    boot_ms = statistics.median(boots)
    fw_ms = statistics.median(b[1] for b in both)
    m = micro(logdir)
    trap, satp = m.get("trap"), m.get("satp")
    rows = [
        ("boot to prompt", f"{boot_ms:.0f} ms", "host wall time, QEMU start to `n1$ `",
         f"target {TARGETS['boot_to_prompt_ms']} ms, xv6 {XV6['boot_to_prompt_ms']} ms"),
        ("QEMU to 1st byte", f"{boot_ms - fw_ms:.0f} ms", "QEMU start-up until OpenSBI prints",
         "calibration (not ours)"),
        ("firmware to prompt", f"{fw_ms:.0f} ms", "first console byte (OpenSBI) to `n1$ `",
         "the same, without QEMU's own start-up"),
        ("bare trap (floor)", fmt_ns(trap), "U->S->U, nothing saved", "calibration"),
        ("satp switch", fmt_ns(satp), "satp write + sfence.vma", "calibration"),
        ("null syscall", fmt_ns(m.get("null")), f"{ratio(m.get('null'), trap)} bare trap",
         f"target 1 us, xv6 21.6 us"),
        ("yield switch", fmt_ns(m.get("yield")),
         f"{ratio(m.get('yield'), satp)} satp switch", "one process switch"),
        ("spawn+exit+wait", fmt_ns(m.get("spawn")),
         f"{ratio(m.get('spawn'), satp)} satp switch", "target 0.5 ms, xv6 2.9 ms (fork+exec)"),
    ]
    print(f"{'figure':<18} {'median':>10}  {'vs calibration':<38} reference")
    for name, val, cal, ref in rows:
        print(f"{name:<18} {val:>10}  {cal:<38} {ref}")
    print(f"(boots: {', '.join(f'{t:.0f}' for t in boots)} ms)")
    data = {
        "commit": git_commit(),
        "qemu": qemu_version(),
        "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "boot_to_prompt_ms": {"median": boot_ms, "runs": boots},
        "first_output_to_prompt_ms": {"median": fw_ms, "runs": [b[1] for b in both]},
        "ns_per_op": m,
        "iterations": dict(MICRO),
        "ratios": {"null_over_trap": (m["null"] / trap) if m.get("null") and trap else None},
        "targets": TARGETS,
        "xv6_reference": XV6,
    }
    path = os.path.join(ROOT, "build", "bench.json")
    with open(path, "w") as f:
        json.dump(data, f, indent=2)
        f.write("\n")
    print(f"wrote {os.path.relpath(path, ROOT)}")
    return 0 if all(v is not None for v in m.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
