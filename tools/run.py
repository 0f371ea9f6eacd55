#!/usr/bin/env python3
"""`make run`: boot the system in this terminal.

    tools/run.py [--nodes N] [--gdb] [--mem 128M] [--cpu rv64]

Boots a cluster of N nodes (tools/cluster run) with node 1's console in
this terminal; Ctrl-A X quits and tears the whole cluster down. --gdb
instead boots ONE node stopped at its first instruction with a gdb server on
a free TCP port and prints the command to attach (gdb-multiarch with the
kernel's symbols).
"""
import argparse
import os
import shutil
import socket
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
from qemucmd import QEMU, node_cmd  # noqa: E402
KERNEL = os.path.join("build", "kernel.elf")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--nodes", type=int, default=3, help="cluster size")
    ap.add_argument("--gdb", action="store_true", help="wait for gdb at the first instruction")
    ap.add_argument("--mem", default="128M")
    ap.add_argument("--cpu", default="rv64")
    ap.add_argument("--append", default="", help="extra bootargs words")
    args = ap.parse_args()
    os.chdir(ROOT)
    if not shutil.which(QEMU):
        sys.exit("run: qemu-system-riscv64 not found (run `make deps`)")
    if not os.path.exists(KERNEL):
        sys.exit(f"run: {KERNEL} not built (run `make`)")
    if args.gdb:
        # One node stopped at its first instruction, waiting for gdb. (In a
        # running cluster, `tools/cluster gdb K` attaches to node K instead.)
        port = free_port()
        cmd = node_cmd(KERNEL, 1, 1, args.mem, args.cpu, args.append,
                       ("-serial", "mon:stdio", "-S", "-gdb", f"tcp:127.0.0.1:{port}"))
        print(f"run: QEMU waits for gdb; in another terminal:\n"
              f"  gdb-multiarch -ex 'target remote :{port}' {KERNEL}\n"
              f"  (or: make gdb GDBPORT={port})", file=sys.stderr)
        print("run: Ctrl-A X quits QEMU", file=sys.stderr)
        sys.stderr.flush()
        try:
            return subprocess.call(cmd)
        except KeyboardInterrupt:
            return 130
    # A cluster, with node 1's console in this terminal; quitting it tears
    # the whole cluster down (tools/cluster run).
    cmd = ["tools/cluster", "run", "-n", str(args.nodes), "--mem", args.mem]
    if args.append:
        for k in range(1, args.nodes + 1):
            cmd += ["--node-args", f"{k}:{args.append}"]
    print(f"run: booting {args.nodes} nodes; node 1's console is here. Ctrl-A X (or Ctrl-]) "
          "quits and tears the cluster down.\n"
          "run: other consoles, from another terminal: tools/cluster console 2 "
          "(Ctrl-] detaches), or tools/cluster exec 2 'ps'", file=sys.stderr)
    sys.stderr.flush()
    os.execv(cmd[0], cmd)


if __name__ == "__main__":
    sys.exit(main())
