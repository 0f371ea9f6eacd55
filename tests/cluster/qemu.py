"""Boot one QEMU node and talk to its console (Python standard library only).

    with Node(run_dir("boot")) as n:
        n.wait_prompt()
        out, status = n.run("echo hi")

The serial console is QEMU's stdio (a pipe): a reader thread copies every byte
into a log file (build/test-runs/<test>/node<id>.log) and an in-memory buffer
that wait_for() searches. run() brackets a command with unique markers
(`echo @@B""<id>; cmd; echo @@E""<id> $?`) so its output and exit status are
exact even while the kernel logs to the same console: the quotes keep the
echoed command line from matching, and kernel log lines (`[n1 12.345678] ...`)
are dropped from the span. Every wait has a timeout; the context manager
always kills QEMU.
"""
import os
import re
import shutil
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import consolemark  # noqa: E402  (the marker-exec helper, shared with tools/clusterlib.py)
from qemucmd import QEMU, node_cmd  # noqa: E402  (the one builder of a node's command line)

KERNEL = os.path.join(ROOT, "build", "kernel.elf")
KLOG_LINE, ANSI = consolemark.KLOG_LINE, consolemark.ANSI


class Timeout(Exception):
    """A wait ran out of time; the message carries the last console lines."""


def run_dir(test):
    """A fresh directory build/test-runs/<test>/ for one test's logs."""
    d = os.path.join(ROOT, "build", "test-runs", test)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d, exist_ok=True)
    return d


def qemu_available():
    return shutil.which(QEMU) is not None


def kernel_built():
    return os.path.exists(KERNEL)


def qemu_cmd(node=1, nodes=1, mem="128M", cpu="rv64", append="", extra=(), kernel=KERNEL):
    """The QEMU command line for one headless node with its serial on stdio."""
    return node_cmd(kernel, node, nodes, mem, cpu, append, ("-serial", "stdio", "-nodefaults", *extra))


class Node:
    """One QEMU node. Arguments select the memory size, the CPU model (e.g.
    "rv64,sstc=off"), extra bootargs words and extra QEMU arguments."""

    def __init__(self, logdir, node=1, nodes=1, mem="128M", cpu="rv64", append="",
                 extra=(), kernel=KERNEL):
        self.node = node
        self.log_path = os.path.join(logdir, f"node{node}.log")
        self.cmd = qemu_cmd(node, nodes, mem, cpu, append, extra, kernel)
        self._buf = ""
        self._pos = 0  # wait_for() searches from here
        self._cond = threading.Condition()
        self._eof = False
        self._seq = 0
        self.first_output_time = None  # time.monotonic() of the first console byte
        self.proc = None
        self._log = open(self.log_path, "w", encoding="utf-8", errors="replace")
        self._log.write("# " + " ".join(self.cmd) + "\n")
        self._log.flush()
        self.start_time = time.monotonic()
        self.proc = subprocess.Popen(self.cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    # ---- lifetime ----------------------------------------------------------

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def close(self):
        """Kill QEMU (whatever state it is in) and close the log."""
        if self.proc and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, 9)
            except ProcessLookupError:
                pass
        if self.proc:
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            for f in (self.proc.stdin, self.proc.stdout):
                try:
                    f.close()
                except OSError:
                    pass
        self._reader.join(timeout=5)
        if not self._log.closed:
            self._log.close()

    def alive(self):
        return self.proc.poll() is None

    def _read(self):
        fd = self.proc.stdout.fileno()
        while True:
            try:
                data = os.read(fd, 4096)
            except OSError:
                data = b""
            if not data:
                break
            text = data.decode("utf-8", errors="replace").replace("\r", "")
            if self.first_output_time is None:
                self.first_output_time = time.monotonic()
            with self._cond:
                self._buf += text
                self._cond.notify_all()
            try:
                self._log.write(text)
                self._log.flush()
            except ValueError:  # closed under us at teardown
                break
        with self._cond:
            self._eof = True
            self._cond.notify_all()

    # ---- console -----------------------------------------------------------

    def console(self):
        """Everything the node printed so far."""
        with self._cond:
            return self._buf

    def tail(self, n=30):
        lines = ANSI.sub("", self.console()).split("\n")
        return "\n".join(lines[-n:])

    def send(self, text):
        """Types text on the console (no newline added)."""
        try:
            self.proc.stdin.write(text.encode())
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError) as e:
            raise Timeout(f"node {self.node}: cannot write to the console ({e}); "
                          f"last lines:\n{self.tail()}")

    def wait_for(self, pattern, timeout, flags=re.M):
        """Waits until pattern (a regex) appears after the last match; returns
        the match and moves past it. Raises Timeout (with the last 30 console
        lines) if it does not appear in time or QEMU exits."""
        rx = re.compile(pattern, flags)
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                m = rx.search(self._buf, self._pos)
                if m:
                    self._pos = m.end()
                    return m
                left = deadline - time.monotonic()
                if left <= 0 or self._eof:
                    why = "QEMU exited" if self._eof else f"timed out after {timeout:g} s"
                    break
                self._cond.wait(min(left, 0.5))
        raise Timeout(f"node {self.node}: waiting for /{pattern}/: {why}; "
                      f"last console lines:\n{self.tail()}")

    def wait_prompt(self, timeout=30):
        """Waits for the shell prompt `n<id>$ ` at the end of the output."""
        return self.wait_for(rf"n{self.node}\$ ", timeout)

    def run_full(self, cmd, timeout=20):
        """Runs cmd in the shell; returns (lines, status, klog): the output
        lines between the markers without kernel log lines, the exit status,
        and the kernel log lines printed meanwhile."""
        self._seq += 1
        tag = f"{self._seq}x{os.getpid() % 1000}"
        start = time.monotonic()
        self.send(consolemark.wrap(cmd, tag))
        self.wait_for(consolemark.begin_re(tag).pattern, timeout)
        with self._cond:
            begin = self._pos
        left = max(1.0, timeout - (time.monotonic() - start))
        m = self.wait_for(consolemark.end_re(tag).pattern, left)
        with self._cond:
            span = self._buf[begin:m.start()]
        lines, klog = consolemark.split_output(span)
        return lines, int(m.group(1)), klog

    def run(self, cmd, timeout=20):
        """Runs cmd in the shell; returns (output, status), output being the
        lines it printed (joined by newlines, kernel log lines removed)."""
        lines, status, _ = self.run_full(cmd, timeout)
        return "\n".join(lines), status

    def meminfo(self, timeout=20):
        """`mem` as a dict: total, free, heap, procs, failures."""
        out, st = self.run("mem", timeout)
        if st != 0:
            raise AssertionError(f"mem exited {st}: {out}")
        info = {}
        for line in out.split("\n"):
            parts = line.split()
            if len(parts) >= 2 and parts[1].isdigit():
                info[parts[0]] = int(parts[1])
        return info

    def cpu_seconds(self):
        """Host CPU time (user + system) QEMU has used so far."""
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        tick = os.sysconf("SC_CLK_TCK")
        return (int(fields[11]) + int(fields[12])) / tick
