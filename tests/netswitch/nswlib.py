"""Test fixtures for tools/netswitch: a switch process and fake nodes.

A fake node is what QEMU's `-netdev dgram` is to the switch: a unix datagram
socket bound at RUNDIR/node-K.sock that sends Ethernet frames to
RUNDIR/sw-K.sock. A reader thread timestamps every frame it receives.
"""
import os
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.abspath(os.environ.get("NETSWITCH_BIN",
                                     os.path.join(ROOT, "build/host/netswitch-asan")))
sys.path.insert(0, os.path.join(ROOT, "tools/netswitch"))
import ctl  # noqa: E402

BCAST = b"\xff" * 6
ETHERTYPE = 0x88B5          # IEEE local experimental
MAGIC = b"NSWT"
SAN_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")


class TestFailure(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise TestFailure(msg)


def mac(k):
    return bytes([2, 0, 0, 0, 0, k])


def frame(dst, src, seq, size=64, tag=0):
    """An Ethernet frame carrying MAGIC, seq, tag and the monotonic send time."""
    body = MAGIC + struct.pack(">IId", seq, tag, time.monotonic())
    pad = max(0, size - 14 - len(body))
    return dst + src + struct.pack(">H", ETHERTYPE) + body + bytes(pad)


def parse(fr):
    """(seq, tag, sent_time) of a frame made by frame(), or None."""
    if len(fr) < 14 + 20 or fr[14:18] != MAGIC:
        return None
    return struct.unpack(">IId", fr[18:34])


def wait_until(pred, timeout=5.0, step=0.01):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(step)
    return pred()


class Node:
    """Fake QEMU node K on switch sw."""

    def __init__(self, sw, k, read=True):
        self.k = k
        self.mac = mac(k)
        self.path = os.path.join(sw.dir, f"node-{k}.sock")
        self.sw_path = os.path.join(sw.dir, f"sw-{k}.sock")
        if os.path.exists(self.path):
            os.unlink(self.path)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        # blocking, no timeout: the reader's MSG_DONTWAIT then really never waits
        self.frames = []    # (recv monotonic time, bytes)
        self.lock = threading.Lock()
        self.stop = False
        self.thread = None
        if read:
            self.start_reading()

    def start_reading(self):
        self.thread = threading.Thread(target=self._reader, daemon=True)
        self.thread.start()

    def _reader(self):
        while not self.stop:
            r, _, _ = select.select([self.sock], [], [], 0.05)
            if not r:
                continue
            while True:
                try:
                    data = self.sock.recv(70000, socket.MSG_DONTWAIT)
                except (BlockingIOError, InterruptedError):
                    break
                except OSError:
                    return
                with self.lock:
                    self.frames.append((time.monotonic(), data))

    def send_raw(self, data):
        self.sock.sendto(data, self.sw_path)

    def send(self, dst, seq=0, size=64, tag=0):
        self.send_raw(frame(dst, self.mac, seq, size, tag))

    def count(self):
        with self.lock:
            return len(self.frames)

    def got(self):
        with self.lock:
            return list(self.frames)

    def seqs(self, src=None):
        out = []
        for _, fr in self.got():
            p = parse(fr)
            if p and (src is None or fr[6:12] == src):
                out.append(p[0])
        return out

    def clear(self):
        with self.lock:
            self.frames.clear()

    def close(self):
        self.stop = True
        if self.thread:
            self.thread.join(1)
        self.sock.close()
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass


def die_with_parent():
    """preexec_fn: the child gets SIGKILL when the test runner dies, however it dies."""
    import ctypes
    ctypes.CDLL(None, use_errno=True).prctl(1, 9)   # PR_SET_PDEATHSIG, SIGKILL


def short_tmpdir():
    return tempfile.mkdtemp(prefix="nsw", dir="/tmp")


class Switch:
    """A netswitch process on its own run directory."""

    def __init__(self, nports, args=(), rundir=None, wait=True):
        self.dir = rundir or short_tmpdir()
        self.own_dir = rundir is None
        self.ctl = os.path.join(self.dir, "ctl.sock")
        self.log_path = os.path.join(self.dir, "switch.log")
        self.log = open(self.log_path, "wb")
        env = dict(os.environ)
        env.setdefault("ASAN_OPTIONS", "detect_leaks=1")
        env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1")
        self.proc = subprocess.Popen(
            [BIN, "--dir", self.dir, "--ports", str(nports), "--exit-with-parent", *args],
            stdout=self.log, stderr=subprocess.STDOUT, env=env, cwd=self.dir)
        self.nports = nports
        if wait:
            self.wait_ready()

    def wait_ready(self, timeout=10):
        """Wait until the control socket answers (a stale ctl.sock may already exist)."""
        def up():
            if self.proc.poll() is not None:
                return True
            try:
                return ctl.command(self.ctl, "ping", 1) == "ok pong"
            except ctl.CtlError:
                return False
        if not wait_until(up, timeout, 0.02):
            raise TestFailure("switch did not come up")
        if self.proc.poll() is not None:
            raise TestFailure(f"switch exited {self.proc.returncode}: {self.log_text()}")

    def log_text(self):
        self.log.flush()
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def cmd(self, text):
        return ctl.command(self.ctl, text)

    def ok(self, text):
        r = self.cmd(text)
        check(r.startswith("ok"), f"{text!r} -> {r!r}")
        return r

    def stats(self):
        return ctl.stats(self.ctl)

    def port(self, k):
        return self.stats()["ports"][k]

    def stop(self, sig=signal.SIGTERM):
        """Stop the switch; returns its exit status. Checks the sanitizer log."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise TestFailure("switch did not exit on signal")
        self.log.close()
        text = open(self.log_path, "rb").read().decode(errors="replace")
        for m in SAN_MARKERS:
            if m in text:
                raise TestFailure(f"sanitizer report from the switch:\n{text[-3000:]}")
        return self.proc.returncode

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if not self.log.closed:
            self.log.close()

    def cleanup(self):
        self.kill()
        if self.own_dir:
            shutil.rmtree(self.dir, ignore_errors=True)


class Ctx:
    """Owns every switch and node a test makes, and tears them down."""

    def __init__(self):
        self.switches = []
        self.nodes = []

    def switch(self, nports, args=(), **kw):
        sw = Switch(nports, args, **kw)
        self.switches.append(sw)
        return sw

    def node(self, sw, k, read=True):
        n = Node(sw, k, read)
        self.nodes.append(n)
        return n

    def nodes_for(self, sw, ks=None):
        return {k: self.node(sw, k) for k in (ks or range(1, sw.nports + 1))}

    def close(self):
        """Close the nodes, stop every switch (SIGTERM, exit status 0 expected if it
        was running) and check its sanitizer log; raises the first problem."""
        for n in self.nodes:
            n.close()
        err = None
        for sw in self.switches:
            try:
                running = sw.proc.poll() is None
                rc = sw.stop()
                if running and rc != 0:
                    err = err or TestFailure(f"switch exited {rc} on SIGTERM")
            except TestFailure as e:
                err = err or e
            except OSError:
                pass
            finally:
                sw.cleanup()
        if err:
            raise err


def send_paced(sw, src, dst_mac, seqs, out, burst=32, timeout=10):
    """Send frames with these seq numbers from node src, in bursts, waiting after
    each burst until the switch has read them all and emptied port `out`'s
    queue, so that no queue overflows."""
    rx0 = sw.port(src.k)["rx"]
    sent = 0
    for i in range(0, len(seqs), burst):
        for s in seqs[i:i + burst]:
            src.send(dst_mac, s)
            sent += 1

        def settled():
            st = sw.stats()
            return (st["ports"][src.k]["rx"] - rx0 >= sent and st["ports"][out]["queued"] == 0
                    and st["switch"]["delayq"].startswith("0/"))
        check(wait_until(settled, timeout, 0.005), f"switch did not settle after {sent} frames")
