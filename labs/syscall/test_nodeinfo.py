#!/usr/bin/python3
"""The QEMU half of the system-call lab's grader (labs/syscall/README.md):
boots one node with the tree's kernel (built by labs/syscall/check with the
in-guest checker, labs/syscall/nodeinfo_check.c, in its ramdisk), runs the
checker and the student's `nodeinfo` program, and prints `PASS name` or
`FAIL name: why` per test and `N passed, N failed`."""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests/cluster"))
from qemu import Node, Timeout, kernel_built, qemu_available, run_dir  # noqa: E402

NODEINFO_LINE = re.compile(
    r"^node 1 of 1, up \d+\.\d{3} s, (\d+) processes, (\d+) of (\d+) pages free$")


def main():
    results = []
    if not qemu_available() or not kernel_built():
        print("FAIL setup: needs qemu-system-riscv64 and build/kernel.elf")
        print("0 passed, 1 failed")
        return 1
    try:
        with Node(run_dir("lab_syscall")) as n:
            n.wait_prompt(60)
            out, st = n.run("nodeinfo_check", 30)
            lines = [l for l in out.split("\n") if l.startswith(("PASS ", "FAIL "))]
            if not lines:
                results.append(("nodeinfo_check_runs", False,
                                f"the checker printed nothing it should (status {st}): {out[-300:]}"))
            for l in lines:
                name, _, why = l[5:].partition(": ")
                results.append((name, l.startswith("PASS"), why))
            out, st = n.run("echo still here", 20)
            results.append(("node_survives", st == 0 and out == "still here",
                            f"after the bad pointers the shell said {out!r}"))
            out, st = n.run("nodeinfo", 20)
            m = NODEINFO_LINE.match(out.strip())
            ok = st == 0 and m is not None and int(m.group(2)) <= int(m.group(3))
            results.append(("nodeinfo_command", ok,
                            f"`nodeinfo` exited {st} and printed {out.strip()!r}; expected "
                            "`node 1 of 1, up S.mmm s, P processes, F of T pages free`"))
    except Timeout as e:
        results.append(("boot_and_run", False, f"timed out: {str(e)[-300:]}"))
    passed = sum(1 for _, ok, _ in results if ok)
    for name, ok, why in results:
        print(f"PASS {name}" if ok else f"FAIL {name}: {why}")
    print(f"{passed} passed, {len(results) - passed} failed")
    return 0 if passed == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
