#!/usr/bin/python3
"""The service lab's grader (labs/service/README.md), after labs/service/check
has built the tree: the host tests of the codec and the state machine
(build/labs/service/test_count), then `ns count` on one QEMU node running
the naming service. Prints `PASS name` or `FAIL name: why` per test and
`N passed, N failed`."""
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests/cluster"))
sys.path.insert(0, os.path.join(ROOT, "labs"))
from lablib import relay, report  # noqa: E402
from qemu import Node, Timeout, kernel_built, qemu_available, run_dir  # noqa: E402


def host_tests(results):
    p = subprocess.run([os.path.join(ROOT, "build/labs/service/test_count")],
                       capture_output=True, text=True, timeout=120)
    relay(p.stdout, results, "host_tests_run", (p.stdout + p.stderr)[-300:])


def cluster_tests(results):
    if not qemu_available() or not kernel_built():
        results.append(("boot", False, "needs qemu-system-riscv64 and build/kernel.elf"))
        return
    rdir = run_dir("lab_service")
    disk = os.path.join(rdir, "disk.img")  # the naming service keeps its Raft log there
    with open(disk, "wb") as f:
        f.truncate(16 << 20)
    extra = ("-global", "virtio-mmio.force-legacy=false",
             "-drive", f"file={disk},if=none,format=raw,id=d0",
             "-device", "virtio-blk-device,drive=d0")
    with Node(rdir, append="services=naming:voters=1", extra=extra) as n:
        n.wait_prompt(60)
        deadline = time.monotonic() + 30
        while True:  # the naming service elects itself, then answers
            out, st = n.run("ns put svc/a 1", 20)
            if st == 0:
                break
            if time.monotonic() > deadline:
                results.append(("naming_ready", False, f"`ns put` kept failing: {out}"))
                return
            time.sleep(0.5)
        for cmd in ("ns put svc/b 2", "ns put svc/c/d 3", "ns put other 4"):
            n.run(cmd, 20)
        out, st = n.run("ns count svc/", 20)
        results.append(("ns_count_prefix", st == 0 and out.strip() == "3",
                        f"`ns count svc/` exited {st} and printed {out!r}, not 3"))
        out, st = n.run("ns count nothing/", 20)
        results.append(("ns_count_none", st == 0 and out.strip() == "0",
                        f"`ns count nothing/` exited {st} and printed {out!r}, not 0"))
        listed, _ = n.run("ns ls", 20)
        names = [l for l in listed.split("\n") if l.strip()]
        out, st = n.run("ns count", 20)
        results.append(("ns_count_everything", st == 0 and out.strip() == str(len(names)),
                        f"`ns count` printed {out!r}; `ns ls` lists {len(names)} names"))
        out, st = n.run("ns count a b", 20)
        results.append(("ns_count_usage", st == 2,
                        f"`ns count a b` exited {st}, not 2 (usage)"))


def main():
    results = []
    host_tests(results)
    try:
        cluster_tests(results)
    except Timeout as e:
        results.append(("cluster", False, f"timed out: {str(e)[-300:]}"))
    return report(results)


if __name__ == "__main__":
    sys.exit(main())
