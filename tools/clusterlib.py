"""A cluster of QEMU nodes on one netswitch (Python standard library only).

    from clusterlib import Cluster
    with Cluster(3) as c:                  # switch + 3 nodes, every prompt answers
        out, status = c.exec(1, "ping -c 1 2")
        c.partition("1/2,3"); c.heal()
        c.net("1 2 loss 0.3")              # the switch's `link` command
        c.kill(2); c.restart(2)

Every cluster lives in a run directory (short, e.g. /tmp/mkc-XXXX, since unix
socket paths must stay under ~100 bytes):

    cluster.json      the configuration: n, mem, kernel, per-node bootargs, gdb ports
    sup.sock          the supervisor's control socket (see below)
    supervisor.log    the supervisor's own messages
    ctl.sock          the netswitch control socket; sw-K.sock its port K
    switch.log        the switch's stderr
    node-K.sock       node K's virtio-net end (QEMU dgram netdev)
    console-K.sock    node K's serial console (QEMU socket chardev, server)
    node-K.log        everything node K printed on its console, ever
    qemu-K.err        QEMU's own stderr for node K

The supervisor is one python process per cluster (tools/clustersup.py,
started by Cluster.up). It is the parent of the switch and of every QEMU: QEMU gets
PR_SET_PDEATHSIG=SIGKILL and the switch --exit-with-parent, so when the
supervisor dies, however it dies, everything dies. An "attached" supervisor
(what tests and `tools/cluster run` use) also exits when the process that
started it dies (it checks getppid() 5 times a second), so a test runner
killed with SIGKILL leaves nothing behind. A "detached" one (`tools/cluster
up`) lives until `down`.

The supervisor owns every console socket (QEMU accepts one client at a time):
it appends all output to node-K.log and multiplexes the console to any number of
clients of sup.sock. Its protocol: the client sends one line, then
    status                -> one JSON line
    attach K [excl] [tail BYTES]  -> `ok` line, then the raw console both ways
                             (excl: one exclusive client per node at a time,
                             later ones wait their turn; used by exec)
    kill K | pause K | resume K | restart K | down -> one `ok ...`/`error ...` line
"""
import json
import secrets
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import consolemark  # noqa: E402  (the marker-exec helper, shared with tests/cluster/qemu.py)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KERNEL = os.path.join(ROOT, "build", "kernel.elf")
SWITCH = os.path.join(ROOT, "build", "host", "netswitch")
CURRENT = os.path.join(ROOT, "build", "cluster.current")
KLOG_LINE, ANSI = consolemark.KLOG_LINE, consolemark.ANSI
EXIT_TIMEOUT = 124
# The system services every node boots unless its bootargs say otherwise:
# the naming service and the file service (metadata, chunk store, chunk
# primary, anti-entropy; docs/fs.md).
DEFAULT_SERVICES = "naming,fs,chunkd,primaryd,repaird,schedd"
# The replicated services: (program, the name in its "<name>: ready" line).
REPLICATED = (("naming", "naming"), ("fs", "fs"), ("schedd", "sched"))
DISK_MB = 256  # each node's disk image (sparse: blocks cost only once written)

sys.path.insert(0, os.path.join(ROOT, "tools", "netswitch"))
import ctl as _ctl  # noqa: E402


class ClusterError(Exception):
    """The cluster is not there, a node is not running, or a command failed."""


class ExecTimeout(ClusterError):
    """exec() ran out of time; .output holds what the command printed so far."""

    def __init__(self, msg, output=""):
        super().__init__(msg)
        self.output = output


def mac_of(k):
    return "52:54:00:00:%02x:%02x" % (k >> 8, k & 0xFF)


def ip_of(k):
    return "10.0.%d.%d" % (k >> 8, k & 0xFF)


def free_port():
    return free_ports(1)[0]


def free_ports(n):
    """n distinct loopback TCP ports free right now. All are held open until
    all are chosen: one at a time, the kernel may hand out the same port
    twice (a 16-node cluster once got a gdb port already in use)."""
    socks = []
    try:
        for _ in range(n):
            s = socket.socket()
            socks.append(s)
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def default_dir():
    """The run directory selected without --dir: $CLUSTER_DIR, else the one
    recorded in build/cluster.current by the last `up`."""
    d = os.environ.get("CLUSTER_DIR")
    if d:
        return d
    try:
        with open(CURRENT) as f:
            return f.read().strip() or None
    except OSError:
        return None


# ---------------------------------------------------------------------------
# The client side
# ---------------------------------------------------------------------------

def _sup_connect(rundir, timeout=10.0):
    path = os.path.join(rundir, "sup.sock")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect(path)
    except OSError as e:
        s.close()
        raise ClusterError(f"no cluster running at {rundir} ({e})") from None
    return s


def _readline(s):
    buf = b""
    while not buf.endswith(b"\n"):
        c = s.recv(1)
        if not c:
            raise ClusterError("the supervisor hung up")
        buf += c
    return buf.decode(errors="replace").rstrip("\n")


def sup_request(rundir, line, timeout=60.0):
    """One request to the supervisor; returns its one-line reply."""
    s = _sup_connect(rundir, timeout)
    try:
        s.sendall(line.encode() + b"\n")
        try:
            return _readline(s)
        except socket.timeout:
            raise ClusterError(f"no reply from the supervisor to {line!r}") from None
    finally:
        s.close()


class Cluster:
    """A cluster of n nodes in run directory `dir` (a fresh /tmp/mkc-XXXX when
    None). up() starts it; attach() connects to one already running (as the
    CLI does). node_args maps a node id to extra bootargs words. disk_mb:
    the size of each node's disk image when it is made (lib/disklabel.c
    cuts it into regions; docs/storage.md, "Regions")."""

    def __init__(self, n=3, dir=None, mem="128M", node_args=None, kernel=KERNEL,
                 boot_timeout=None, attached=True, qemu_args=(), disk_mb=DISK_MB):
        self.n = n
        self.mem = mem
        self.disk_mb = disk_mb
        self.node_args = {int(k): v for k, v in (node_args or {}).items()}
        self.kernel = os.path.abspath(kernel)
        self.attached = attached
        self.qemu_args = list(qemu_args)
        self.boot_timeout = boot_timeout or (60 + 8 * n)
        self.own_dir = dir is None
        self.dir = os.path.abspath(dir) if dir else None
        self.sup = None  # the supervisor's Popen when we started it
        self._seq = 0
        self._lock = threading.Lock()

    # ---- lifetime ----------------------------------------------------------

    @classmethod
    def attach(cls, dir):
        """A handle on the cluster already running in dir."""
        try:
            with open(os.path.join(dir, "cluster.json")) as f:
                cfg = json.load(f)
        except OSError:
            raise ClusterError(f"no cluster at {dir}") from None
        c = cls(cfg["n"], dir=dir, mem=cfg["mem"], node_args=cfg["node_args"],
                disk_mb=cfg.get("disk_mb", DISK_MB),
                kernel=cfg["kernel"])
        c.own_dir = False
        return c

    def __enter__(self):
        self.up()
        return self

    def __exit__(self, *exc):
        self.down()
        return False

    def up(self):
        """Starts the switch and every node; returns when every prompt answers
        an exec. Raises ClusterError (after tearing everything down) if not."""
        if not os.path.exists(self.kernel):
            raise ClusterError(f"{self.kernel} not built (run `make`)")
        if not os.path.exists(SWITCH):
            raise ClusterError(f"{SWITCH} not built (run `make build/host/netswitch`)")
        if self.dir is None:
            self.dir = tempfile.mkdtemp(prefix="mkc-", dir="/tmp")
        os.makedirs(self.dir, exist_ok=True)
        if len(os.path.join(self.dir, "console-%d.sock" % self.n)) > 96:
            raise ClusterError(f"run directory path too long for unix sockets: {self.dir}")
        if os.path.exists(os.path.join(self.dir, "sup.sock")):
            try:
                sup_request(self.dir, "status", 2)
                raise ClusterError(f"a cluster is already running in {self.dir}")
            except ClusterError as e:
                if "already" in str(e):
                    raise
        # Each node has its own disk image, made here once and kept across
        # restart (and `down` without --rm), so a node comes back with its state.
        for k in range(1, self.n + 1):
            img = os.path.join(self.dir, f"disk-{k}.img")
            if not os.path.exists(img):
                with open(img, "wb") as f:
                    f.truncate(self.disk_mb << 20)
        cfg = {"n": self.n, "mem": self.mem, "kernel": self.kernel, "disk_mb": self.disk_mb,
               # The cluster key authenticates every RPC frame (docs/ipc.md).
               "key": secrets.token_hex(32),
               "node_args": {str(k): v for k, v in self.node_args.items()},
               "gdb_ports": {str(k): p for k, p in zip(range(1, self.n + 1),
                                                        free_ports(self.n))},
               "qemu_args": self.qemu_args, "root": ROOT,
               "attached": self.attached, "tmp": self.own_dir}
        with open(os.path.join(self.dir, "cluster.json"), "w") as f:
            json.dump(cfg, f, indent=1)
        cmd = [sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                               "clustersup.py"), "--supervise", self.dir]
        if self.attached:
            cmd.append("--attached")
        log = open(os.path.join(self.dir, "supervisor.log"), "ab")
        self.sup = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                    start_new_session=not self.attached, close_fds=True)
        log.close()
        try:
            self._wait_up()
        except BaseException:
            self.down()
            raise
        return self

    def _wait_up(self):
        deadline = time.monotonic() + self.boot_timeout
        sock = os.path.join(self.dir, "sup.sock")
        while not os.path.exists(sock):
            if self.sup.poll() is not None:
                raise ClusterError(f"the supervisor exited ({self.sup.returncode}): "
                                   + self._file_tail("supervisor.log"))
            if time.monotonic() > deadline:
                raise ClusterError("the supervisor did not start")
            time.sleep(0.05)
        pending = set(range(1, self.n + 1))
        while pending:
            for k in sorted(pending):
                if re.search(rb"n%d\$ " % k, self._log_bytes(k)):
                    pending.discard(k)
            if not pending:
                break
            st = self.status()
            dead = [k for k in pending if not st["nodes"][str(k)]["alive"]]
            if dead:
                raise ClusterError(f"node(s) {dead} died while booting:\n"
                                   + self.tail(dead[0]) + self._file_tail(f"qemu-{dead[0]}.err"))
            if time.monotonic() > deadline:
                raise ClusterError(f"node(s) {sorted(pending)} gave no prompt in "
                                   f"{self.boot_timeout} s; node {min(pending)}:\n"
                                   + self.tail(min(pending)))
            time.sleep(0.2)
        # Nodes that run the naming service say when it is ready (a leader is
        # known and the node's session is open): wait for that too.
        # Nodes that run a replicated service (naming, the file service's
        # metadata) say when it is ready (a leader is known and the node's
        # session is open): wait for that too.
        waits = [(k, name) for prog, name in REPLICATED for k in range(1, self.n + 1)
                 if self.runs(k, prog)]
        while waits:
            waits = [(k, name) for k, name in waits
                     if f"{name}: ready".encode() not in self._log_bytes(k)]
            if not waits:
                break
            if time.monotonic() > deadline:
                k, svc = waits[0]
                raise ClusterError(f"node(s) {sorted({w[0] for w in waits})} did not report "
                                   f"`{svc}: ready` in {self.boot_timeout} s; node {k}:\n"
                                   + self.tail(k))
            time.sleep(0.2)
        # The prompt was printed; make sure each shell answers, and tell it
        # the time (set_clock).
        errors = []

        def probe(k):
            try:
                self.set_clock(k, timeout=max(10, deadline - time.monotonic()))
            except ClusterError as e:
                errors.append(f"node {k}: {e}")
        # One node at a time: side by side, the nodes' shells and `date`
        # compete for the host's cores, and the time each is told arrives
        # later by a different amount (offsets of up to 15 ms, against 8).
        for k in range(1, self.n + 1):
            probe(k)
        if errors:
            raise ClusterError("; ".join(errors))

    def runs(self, k, service):
        """True if node k boots `service` (every one in DEFAULT_SERVICES
        does, unless its bootargs name a services= list of their own)."""
        extra = self.node_args.get(k, "")
        m = re.search(r"services=(\S*)", extra)
        if m is None:
            return service in DEFAULT_SERVICES.split(",")
        return any(s.split(":")[0] == service for s in m.group(1).split(","))

    def runs_naming(self, k):
        """True if node k boots the naming service (the default)."""
        return self.runs(k, "naming")

    def wait_log(self, k, pattern, timeout, after=0):
        """Waits until node k's log matches pattern (bytes regex) past offset
        `after`; returns the match. Raises ClusterError on timeout."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            m = rx.search(self._log_bytes(k), after)
            if m:
                return m
            if time.monotonic() > deadline:
                raise ClusterError(f"node {k}: no {pattern!r} in {timeout} s:\n" + self.tail(k))
            time.sleep(0.1)

    def log_size(self, k):
        return len(self._log_bytes(k))

    def down(self, remove=None):
        """Kills every node and the switch, removes the sockets. The run
        directory itself is removed when we created it (remove=None) or when
        remove=True; logs are otherwise kept."""
        if self.dir is None:
            return
        try:
            sup_request(self.dir, "down", 30)
        except ClusterError:
            pass
        if self.sup is not None:
            try:
                self.sup.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.sup.kill()
                self.sup.wait()
        else:
            # Detached supervisor started by someone else: wait for it to go.
            pid = self._cfg_pid()
            deadline = time.monotonic() + 30
            while pid and _alive(pid) and time.monotonic() < deadline:
                time.sleep(0.05)
            if pid and _alive(pid):
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
        _cleanup_sockets(self.dir, self.n)
        if remove or (remove is None and self.own_dir):
            import shutil
            shutil.rmtree(self.dir, ignore_errors=True)

    def _cfg_pid(self):
        try:
            with open(os.path.join(self.dir, "supervisor.pid")) as f:
                return int(f.read())
        except (OSError, ValueError):
            return None

    # ---- inspection ---------------------------------------------------------

    def status(self):
        """{"supervisor": pid, "switch": {"pid", "alive"}, "nodes": {"K": {"pid",
        "alive", "paused", "gdb", "exit"}}}."""
        return json.loads(sup_request(self.dir, "status", 10))

    def log_path(self, k):
        return os.path.join(self.dir, f"node-{k}.log")

    def _log_bytes(self, k):
        try:
            with open(self.log_path(k), "rb") as f:
                return f.read()
        except OSError:
            return b""

    def _file_tail(self, name, n=10):
        try:
            with open(os.path.join(self.dir, name), errors="replace") as f:
                return "\n".join(f.read().splitlines()[-n:])
        except OSError:
            return ""

    def tail(self, k, n=20):
        """The last n lines node k printed (ANSI and CR removed)."""
        text = self._log_bytes(k).decode(errors="replace").replace("\r", "")
        return "\n".join(ANSI.sub("", text).split("\n")[-n:])

    def gdb_port(self, k):
        with open(os.path.join(self.dir, "cluster.json")) as f:
            return json.load(f)["gdb_ports"][str(k)]

    # ---- nodes --------------------------------------------------------------

    def _node_op(self, op, k):
        r = sup_request(self.dir, f"{op} {k}", 60)
        if not r.startswith("ok"):
            raise ClusterError(f"{op} {k}: {r}")
        return r

    def kill(self, k):
        """SIGKILL node k's QEMU."""
        self._node_op("kill", k)

    def pause(self, k):
        self._node_op("pause", k)

    def resume(self, k):
        self._node_op("resume", k)

    def restart(self, k, timeout=None):
        """Starts node k again (killing it first if it runs) with the same
        arguments; returns when its shell answers, with the offset in its
        log where this boot began (for wait_log)."""
        r = self._node_op("restart", k)
        offset = int(r.split()[1])
        deadline = time.monotonic() + (timeout or 90)
        while not re.search(rb"n%d\$ " % k, self._log_bytes(k)[offset:]):
            if time.monotonic() > deadline:
                raise ClusterError(f"node {k} gave no prompt after restart:\n" + self.tail(k))
            time.sleep(0.1)
        self.set_clock(k, timeout=max(10, deadline - time.monotonic()))
        return offset

    def set_clock(self, k, timeout=30):
        """Tells node k's shell the host's time (`date -s`), which also shows
        that it answers. QEMU's RTC starts up to a second behind the host
        (drivers/rtc.h), a different fraction on every node; told, the
        nodes' wall clocks agree to a few ms (what the console takes to
        carry the line), and an offset a test injects (clock_offset=) is
        the only difference left (docs/trace.md, "Clocks")."""
        out, st = self.exec(k, f"date -s {time.time_ns()}", timeout=timeout)
        if out != "" or st != 0:
            raise ClusterError(f"node {k}: `date -s` printed {out!r} status {st}")

    # ---- exec ---------------------------------------------------------------

    def exec_full(self, k, cmd, timeout=30):
        """Runs cmd in node k's shell; returns (lines, status, klog): its output
        lines with kernel log lines removed, its exit status, and the kernel
        log lines printed meanwhile. Raises ExecTimeout or ClusterError."""
        if "\n" in cmd or "\r" in cmd:
            raise ClusterError("exec takes one line")
        with self._lock:
            self._seq += 1
            tag = "%dx%dx%d" % (os.getpid(), self._seq, int(time.monotonic() * 1000) % 100000)
        deadline = time.monotonic() + timeout
        s = _sup_connect(self.dir, timeout)
        try:
            s.sendall(f"attach {k} excl\n".encode())
            try:
                r = _readline(s)
            except socket.timeout:
                raise ExecTimeout(f"node {k}: console busy for {timeout} s") from None
            if r != "ok":
                raise ClusterError(f"node {k}: {r}")
            s.sendall(consolemark.wrap(cmd, tag).encode())
            begin, end = consolemark.begin_re(tag), consolemark.end_re(tag)
            buf = ""
            start = None
            while True:
                if start is None:
                    m = begin.search(buf)
                    if m:
                        start = m.end()
                if start is not None:
                    m = end.search(buf, start)
                    if m:
                        span, status = buf[start:m.start()], int(m.group(1))
                        break
                left = deadline - time.monotonic()
                if left <= 0:
                    raise ExecTimeout(f"node {k}: `{cmd}` timed out after {timeout:g} s",
                                      consolemark.split_output(
                                          buf[start:] if start is not None else "")[0])
                s.settimeout(left)
                try:
                    data = s.recv(65536)
                except socket.timeout:
                    continue
                if not data:
                    raise ClusterError(f"node {k} stopped (its console closed) during `{cmd}`")
                buf += data.decode(errors="replace")
        finally:
            s.close()
        lines, klog = consolemark.split_output(span)
        return lines, status, klog

    def exec(self, k, cmd, timeout=30):
        """Runs cmd on node k; returns (output, status), output being its lines
        joined by newlines, without kernel log lines."""
        lines, status, _ = self.exec_full(k, cmd, timeout)
        return "\n".join(lines), status

    # ---- the switch -----------------------------------------------------------

    def switch(self, command):
        """One netswitch control command; returns the reply, raises on `error`."""
        try:
            r = _ctl.command(self.dir, command)
        except _ctl.CtlError as e:
            raise ClusterError(str(e)) from None
        if not r.startswith("ok"):
            raise ClusterError(f"switch: {command}: {r}")
        return r

    def partition(self, groups):
        """groups: "1,2/3" or [[1, 2], [3]]."""
        if not isinstance(groups, str):
            groups = "/".join(",".join(str(k) for k in g) for g in groups)
        return self.switch(f"partition {groups}")

    def heal(self):
        return self.switch("heal")

    def net(self, spec):
        """The switch's `link` command: net("1 2 loss 0.3"), net("* * clear")."""
        return self.switch(f"link {spec}")

    def seed(self, n):
        return self.switch(f"seed {n}")

    def pcap_start(self, path, mode=""):
        return self.switch(f"pcap start {os.path.abspath(path)}" + (f" {mode}" if mode else ""))

    def pcap_stop(self):
        return self.switch("pcap stop")

    def stats(self):
        return _ctl.stats(self.dir)


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie is dead
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _cleanup_sockets(rundir, n):
    names = ["sup.sock", "ctl.sock", "ctl.sock.tmp"]
    for k in range(1, n + 1):
        names += [f"node-{k}.sock", f"sw-{k}.sock", f"console-{k}.sock"]
    for name in names:
        try:
            os.unlink(os.path.join(rundir, name))
        except OSError:
            pass
