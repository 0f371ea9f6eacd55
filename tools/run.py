#!/usr/bin/env python3
"""`make run`: boot the system in this terminal.

    tools/run.py [--nodes N] [--gdb] [--mem 128M] [--cpu rv64]

For now this boots ONE node (node=1 nodes=1) with -nographic: the serial
console is this terminal, and Ctrl-A X quits QEMU. Once networking lands,
--nodes N will boot a cluster. --gdb stops the node at its first
instruction with a gdb server on a free TCP port and prints the command to
attach (gdb-multiarch with the kernel's symbols).
"""
import argparse
import os
import shutil
import socket
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KERNEL = os.path.join("build", "kernel.elf")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--nodes", type=int, default=1, help="cluster size (one node for now)")
    ap.add_argument("--gdb", action="store_true", help="wait for gdb at the first instruction")
    ap.add_argument("--mem", default="128M")
    ap.add_argument("--cpu", default="rv64")
    ap.add_argument("--append", default="", help="extra bootargs words")
    args = ap.parse_args()
    os.chdir(ROOT)
    if not shutil.which("qemu-system-riscv64"):
        sys.exit("run: qemu-system-riscv64 not found (run `make deps`)")
    if not os.path.exists(KERNEL):
        sys.exit(f"run: {KERNEL} not built (run `make`)")
    if args.nodes != 1:
        print(f"run: booting 1 node (a {args.nodes}-node cluster needs networking, "
              "which has not landed yet)", file=sys.stderr)
    bootargs = "node=1 nodes=1" + (f" {args.append}" if args.append else "")
    cmd = ["qemu-system-riscv64", "-machine", "virt", "-cpu", args.cpu, "-smp", "1",
           "-m", args.mem, "-bios", "default", "-kernel", KERNEL, "-append", bootargs,
           "-nographic"]
    if args.gdb:
        port = free_port()
        cmd += ["-S", "-gdb", f"tcp:127.0.0.1:{port}"]
        print(f"run: QEMU waits for gdb; in another terminal:\n"
              f"  gdb-multiarch -ex 'target remote :{port}' {KERNEL}\n"
              f"  (or: make gdb GDBPORT={port})", file=sys.stderr)
    print("run: Ctrl-A X quits QEMU, Ctrl-A H lists the other keys", file=sys.stderr)
    sys.stderr.flush()
    # QEMU owns the terminal until it exits; we just pass its status on.
    try:
        return subprocess.call(cmd)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
