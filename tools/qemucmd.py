"""The QEMU command line of one node (Python standard library only): the
one place that says how a node is booted. tools/clustersup.py (a cluster's
nodes), tests/cluster/qemu.py (one node for a scenario) and tools/run.py
(`make run GDB=1`) add their own console, network and disk to it.

A node is QEMU's `virt` machine with one hart, OpenSBI as its firmware
(`-bios default`) and the kernel ELF loaded by QEMU; its bootargs say which
node of how many it is and when the host launched it (launched_ms=, the
host's wall clock: the kernel corrects its RTC with it, kernel/main.c), then
any extra words (services=, key=, ...). Build the command just before each
launch, a restart included, so launched_ms= is that launch's."""

import time

QEMU = "qemu-system-riscv64"


def node_cmd(kernel, node=1, nodes=1, mem="128M", cpu="rv64", append="", extra=()):
    """The command for node `node` of `nodes`: headless (no display, no
    monitor); the caller passes its serial console and devices in extra."""
    launched_ms = int(time.time() * 1000)
    bootargs = f"node={node} nodes={nodes} launched_ms={launched_ms}" + (f" {append}" if append else "")
    return [QEMU, "-machine", "virt", "-cpu", cpu, "-smp", "1", "-m", mem,
            "-bios", "default", "-kernel", kernel, "-append", bootargs,
            "-display", "none", "-monitor", "none", *extra]
