#!/usr/bin/python3
"""The switch's own frame rate on this host (measure, do not assert).

    tests/netswitch/bench.py [--frames N] [--size BYTES] [--json]

Starts the production build/host/netswitch with 3 ports, a sender on port 1
and a receiver (a separate process) on port 2, learns the receiver's MAC, then
blasts N unicast frames from 1 to 2 with blocking sendto(), so the sender is
paced by the switch's reading. Reports:

    delivered_fps   frames per second that reached the receiver
    switch_us       switch CPU time (user+sys) per forwarded frame
    capacity_fps    1 / switch_us: the rate the switch could sustain on one core
    dropped         frames the switch dropped (receiver slower than the switch)

Python endpoints are usually the bottleneck for delivered_fps; switch_us is the
figure that belongs to the switch. With --json, prints one JSON object instead.
"""
import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("NETSWITCH_BIN", os.path.join(ROOT, "build/host/netswitch"))
sys.path.insert(0, os.path.join(ROOT, "tools/netswitch"))
import ctl  # noqa: E402

RECEIVER = r"""
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
# announce ourselves so the switch learns our MAC (02:00:00:00:00:02)
s.sendto(b"\xff" * 6 + bytes([2, 0, 0, 0, 0, 2]) + b"\x88\xb5" + bytes(46), sys.argv[2])
print("ready", flush=True)
s.settimeout(1.0)
n = 0
first = last = None
try:
    while True:
        s.recv(70000)
        last = time.monotonic()
        if first is None:
            first = last
        n += 1
except socket.timeout:
    pass
print(n, first or 0, last or 0, flush=True)
"""


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=int(os.environ.get("NSW_BENCH_FRAMES", 50000)))
    ap.add_argument("--size", type=int, default=64)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if not os.access(BIN, os.X_OK):
        subprocess.check_call(["make", "-s", "-f", "tools/netswitch/netswitch.mk", BIN], cwd=ROOT)
    d = tempfile.mkdtemp(prefix="nswb", dir="/tmp")
    sw = rx = None
    try:
        sw = subprocess.Popen([BIN, "--dir", d, "--ports", "3"], stderr=subprocess.DEVNULL)
        end = time.monotonic() + 10
        while not os.path.exists(f"{d}/ctl.sock"):
            if time.monotonic() > end or sw.poll() is not None:
                sys.exit("netswitch did not start")
            time.sleep(0.01)
        rx = subprocess.Popen([sys.executable, "-c", RECEIVER, f"{d}/node-2.sock",
                               f"{d}/sw-2.sock"], stdout=subprocess.PIPE, text=True)
        rx.stdout.readline()
        tx = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        tx.bind(f"{d}/node-1.sock")
        while ctl.stats(d)["macs"].get("02:00:00:00:00:02") != 2:
            time.sleep(0.01)
        fr = bytes([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1]) + b"\x88\xb5"
        fr += bytes(max(0, args.size - len(fr)))
        dest = f"{d}/sw-1.sock"
        cpu0 = cpu_seconds(sw.pid)
        t0 = time.monotonic()
        for _ in range(args.frames):
            tx.sendto(fr, dest)
        sent_s = time.monotonic() - t0
        n, first, last = rx.communicate(timeout=60)[0].split()
        n, first, last = int(n), float(first), float(last)
        cpu = cpu_seconds(sw.pid) - cpu0
        st = ctl.stats(d)["ports"]
        fwd = st[2]["tx"] + st[2]["dropped"]
        res = {
            "frames": args.frames, "size": args.size,
            "delivered": n, "dropped": st[2]["dropped"],
            "delivered_fps": round(n / max(1e-9, last - t0)),
            "send_fps": round(args.frames / sent_s),
            "switch_us": round(cpu * 1e6 / max(1, fwd), 3),
            "capacity_fps": round(fwd / cpu) if cpu > 0 else None,
        }
        ctl.command(d, "quit")
        sw.wait(10)
    finally:
        for p in (rx, sw):
            if p and p.poll() is None:
                p.kill()
                p.wait()
        shutil.rmtree(d, ignore_errors=True)
    if args.json:
        print(json.dumps(res))
    else:
        print(f"netswitch: {res['frames']} frames of {res['size']} bytes, port 1 -> port 2")
        print(f"  delivered     {res['delivered']} ({res['dropped']} dropped)")
        print(f"  delivered_fps {res['delivered_fps']}")
        print(f"  switch_us     {res['switch_us']} CPU per frame")
        print(f"  capacity_fps  {res['capacity_fps']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
