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
sys.path.insert(0, os.path.join(ROOT, "labs"))
from lablib import relay, report  # noqa: E402
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
            relay(out, results, "nodeinfo_check_runs",
                  f"the checker printed nothing it should (status {st}): {out[-300:]}")
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
    return report(results)


if __name__ == "__main__":
    sys.exit(main())
