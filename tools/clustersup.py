"""The supervisor of one cluster (Python standard library only): the parent
of its switch and of every QEMU, the owner of their console sockets, and
the server of sup.sock. tools/clusterlib.py starts it (`clustersup.py
--supervise RUNDIR [--attached]`) and talks to it; its protocol and the run
directory's files are described there."""
import json
import os
import selectors
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clusterlib import DEFAULT_SERVICES, SWITCH, _cleanup_sockets, mac_of  # noqa: E402
from qemucmd import node_cmd  # noqa: E402

_LIBC = None


def _pdeathsig():
    """preexec_fn: SIGKILL this child when its parent (the supervisor) dies."""
    _LIBC.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    if os.getppid() != _SUPERVISOR_PID:  # it died before prctl took effect
        os._exit(1)


class _Node:
    def __init__(self, k):
        self.k = k
        self.proc = None
        self.con = None          # console socket
        self.out = bytearray()   # pending input for the console
        self.clients = []        # attached _Client objects
        self.excl = None         # the exclusive client
        self.waiting = []        # exclusive clients waiting their turn
        self.tail = bytearray()  # the last 64 KiB of output
        self.log = None
        self.paused = False
        self.exit = None
        self.started = 0.0


class _Client:
    def __init__(self, sock):
        self.sock = sock
        self.inbuf = b""
        self.out = bytearray()
        self.node = None
        self.attached = False
        self.closing = False
        self.reply_only = False


class Supervisor:
    def __init__(self, rundir, attached):
        self.dir = rundir
        with open(os.path.join(rundir, "cluster.json")) as f:
            self.cfg = json.load(f)
        self.n = self.cfg["n"]
        self.attached = attached
        self.ppid = os.getppid()
        self.sel = selectors.DefaultSelector()
        self.nodes = {k: _Node(k) for k in range(1, self.n + 1)}
        self.switch = None
        self.stop = False
        self.orphaned = False

    def say(self, msg):
        sys.stderr.write(time.strftime("%H:%M:%S ") + msg + "\n")
        sys.stderr.flush()

    # -- processes --

    def start_switch(self):
        err = open(os.path.join(self.dir, "switch.log"), "ab")
        self.switch = subprocess.Popen(
            [SWITCH, "--dir", self.dir, "--ports", str(self.n), "--exit-with-parent"],
            stdin=subprocess.DEVNULL, stdout=err, stderr=err, close_fds=True)
        err.close()
        deadline = time.monotonic() + 20
        while not os.path.exists(os.path.join(self.dir, "ctl.sock")):
            if self.switch.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("netswitch did not start; see switch.log")
            time.sleep(0.02)

    def qemu_cmd(self, k):
        d = self.dir
        boot = ""
        if self.cfg.get("key"):
            boot += f"key={self.cfg['key']}"  # node args come after: they can override it
        extra = self.cfg["node_args"].get(str(k), "")
        if "services=" not in extra:
            boot += " services=" + DEFAULT_SERVICES
        if extra:
            boot += " " + extra
        return node_cmd(self.cfg["kernel"], k, self.n, self.cfg["mem"], "rv64", boot.strip(), (
            "-chardev", f"socket,id=c0,path={d}/console-{k}.sock,server=on,wait=on",
            "-serial", "chardev:c0",
            "-gdb", f"tcp:127.0.0.1:{self.cfg['gdb_ports'][str(k)]}",
            "-global", "virtio-mmio.force-legacy=false",
            "-netdev", f"dgram,id=n0,local.type=unix,local.path={d}/node-{k}.sock,"
                       f"remote.type=unix,remote.path={d}/sw-{k}.sock",
            "-device", f"virtio-net-device,netdev=n0,mac={mac_of(k)}",
            "-drive", f"file={d}/disk-{k}.img,if=none,format=raw,id=d0",
            "-device", "virtio-blk-device,drive=d0",
            *self.cfg.get("qemu_args", [])))

    def start_node(self, k):
        nd = self.nodes[k]
        try:
            os.unlink(os.path.join(self.dir, f"console-{k}.sock"))
        except OSError:
            pass
        if nd.log is None:
            nd.log = open(os.path.join(self.dir, f"node-{k}.log"), "ab")
        err = open(os.path.join(self.dir, f"qemu-{k}.err"), "ab")
        nd.proc = subprocess.Popen(self.qemu_cmd(k), stdin=subprocess.DEVNULL, stdout=err,
                                   stderr=err, close_fds=True, preexec_fn=_pdeathsig)
        err.close()
        nd.paused = False
        nd.exit = None
        nd.started = time.monotonic()
        self.say(f"node {k} started, pid {nd.proc.pid}")

    def try_connect(self, nd):
        if nd.con is not None or nd.proc is None or nd.proc.poll() is not None:
            return
        path = os.path.join(self.dir, f"console-{nd.k}.sock")
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(path)
        except OSError:
            s.close()
            return
        s.setblocking(False)
        nd.con = s
        self.sel.register(s, selectors.EVENT_READ, ("con", nd))

    def close_console(self, nd):
        if nd.con is not None:
            self.sel.unregister(nd.con)
            nd.con.close()
            nd.con = None
        nd.out.clear()
        for c in list(nd.clients):
            self.drop_client(c)
        for c in list(nd.waiting):
            self.drop_client(c)

    def kill_node(self, k):
        nd = self.nodes[k]
        if nd.proc is not None and nd.proc.poll() is None:
            nd.proc.kill()
            nd.proc.wait()
            nd.exit = nd.proc.returncode
            self.say(f"node {k} killed")
        self.close_console(nd)

    def reap(self):
        for nd in self.nodes.values():
            if nd.proc is not None and nd.exit is None and nd.proc.poll() is not None:
                nd.exit = nd.proc.returncode
                self.say(f"node {nd.k} exited with {nd.exit}")
                self.drain(nd)
                self.close_console(nd)
        if self.switch is not None and self.switch.poll() is not None and not self.stop:
            self.say(f"netswitch exited with {self.switch.returncode}")
            self.switch = None

    def drain(self, nd):
        """Reads what is left on a console whose QEMU is gone."""
        if nd.con is None:
            return
        try:
            while True:
                data = nd.con.recv(65536)
                if not data:
                    break
                self.console_data(nd, data)
        except OSError:
            pass

    # -- consoles and clients --

    def console_data(self, nd, data):
        nd.log.write(data)
        nd.log.flush()
        nd.tail += data
        if len(nd.tail) > 65536:
            del nd.tail[:-65536]
        for c in nd.clients:
            if c.attached:
                self.queue(c, data)

    def queue(self, c, data):
        if c.closing:
            return
        c.out += data
        if len(c.out) > 8 << 20:  # a client that does not read loses its place
            self.drop_client(c)
            return
        self.sel.modify(c.sock, selectors.EVENT_READ | selectors.EVENT_WRITE, ("cli", c))

    def drop_client(self, c):
        if c.closing:
            return
        c.closing = True
        try:
            self.sel.unregister(c.sock)
        except (KeyError, ValueError):
            pass
        c.sock.close()
        nd = c.node
        if nd is not None:
            if c in nd.clients:
                nd.clients.remove(c)
            if c in nd.waiting:
                nd.waiting.remove(c)
            if nd.excl is c:
                nd.excl = None
                while nd.waiting and nd.excl is None:
                    nxt = nd.waiting.pop(0)
                    self.grant(nd, nxt)

    def grant(self, nd, c):
        if c.closing:
            return
        nd.excl = c
        c.attached = True
        nd.clients.append(c)
        self.queue(c, b"ok\n")

    def request(self, c, line):
        words = line.split()
        if not words:
            return self.reply(c, "error empty request")
        op = words[0]
        if op == "status":
            return self.reply(c, json.dumps(self.status_obj()))
        if op == "down":
            self.stop = True
            return self.reply(c, "ok down")
        if len(words) < 2 or not words[1].isdigit() or int(words[1]) not in self.nodes:
            return self.reply(c, f"error bad node in {line!r}")
        nd = self.nodes[int(words[1])]
        alive = nd.proc is not None and nd.proc.poll() is None
        if op == "attach":
            if not alive or nd.con is None:
                return self.reply(c, f"error node {nd.k} is not running")
            c.node = nd
            tail = 0
            if "tail" in words:
                i = words.index("tail")
                tail = int(words[i + 1]) if i + 1 < len(words) and words[i + 1].isdigit() else 0
            if "excl" in words:
                if nd.excl is None:
                    nd.excl = c
                    c.attached = True
                    nd.clients.append(c)
                    self.queue(c, b"ok\n")
                else:
                    nd.waiting.append(c)
            else:
                c.attached = True
                nd.clients.append(c)
                self.queue(c, b"ok\n" + (bytes(nd.tail[-tail:]) if tail else b""))
            return
        if op == "kill":
            self.kill_node(nd.k)
            return self.reply(c, f"ok killed {nd.k}")
        if op == "restart":
            self.kill_node(nd.k)
            nd.log.flush()
            offset = nd.log.tell()
            self.start_node(nd.k)
            return self.reply(c, f"ok {offset}")
        if op in ("pause", "resume"):
            if not alive:
                return self.reply(c, f"error node {nd.k} is not running")
            os.kill(nd.proc.pid, signal.SIGSTOP if op == "pause" else signal.SIGCONT)
            nd.paused = op == "pause"
            return self.reply(c, f"ok {op}d {nd.k}")
        return self.reply(c, f"error unknown request {op!r}")

    def reply(self, c, text):
        self.queue(c, text.encode() + b"\n")
        c.reply_only = True

    def status_obj(self):
        nodes = {}
        for k, nd in self.nodes.items():
            alive = nd.proc is not None and nd.proc.poll() is None
            nodes[str(k)] = {"pid": nd.proc.pid if nd.proc else None, "alive": alive,
                             "paused": nd.paused and alive, "exit": nd.exit,
                             "gdb": self.cfg["gdb_ports"][str(k)],
                             "console": nd.con is not None}
        sw = self.switch
        return {"supervisor": os.getpid(), "dir": self.dir, "n": self.n,
                "switch": {"pid": sw.pid if sw else None,
                           "alive": sw is not None and sw.poll() is None},
                "nodes": nodes}

    def client_event(self, c, mask):
        if mask & selectors.EVENT_READ:
            try:
                data = c.sock.recv(65536)
            except (BlockingIOError, InterruptedError):
                data = None
            except OSError:
                data = b""
            if data == b"":
                self.drop_client(c)
                return
            if data:
                if c.attached:
                    c.node.out += data
                    self.flush_console(c.node)
                elif c.node is None:
                    c.inbuf += data
                    if b"\n" in c.inbuf:
                        line, rest = c.inbuf.split(b"\n", 1)
                        c.inbuf = b""
                        self.request(c, line.decode(errors="replace"))
                        if c.attached and rest and c.node:
                            c.node.out += rest
                            self.flush_console(c.node)
                    elif len(c.inbuf) > 4096:
                        self.drop_client(c)
                        return
        if c.closing:
            return
        if mask & selectors.EVENT_WRITE and c.out:
            try:
                sent = c.sock.send(c.out)
                del c.out[:sent]
            except (BlockingIOError, InterruptedError):
                pass
            except OSError:
                self.drop_client(c)
                return
            if not c.out:
                if c.reply_only:
                    self.drop_client(c)
                    return
                self.sel.modify(c.sock, selectors.EVENT_READ, ("cli", c))

    def flush_console(self, nd):
        if nd.con is None or not nd.out:
            nd.out.clear()
            return
        try:
            sent = nd.con.send(nd.out)
            del nd.out[:sent]
        except (BlockingIOError, InterruptedError):
            pass
        except OSError:
            nd.out.clear()
        ev = selectors.EVENT_READ | (selectors.EVENT_WRITE if nd.out else 0)
        self.sel.modify(nd.con, ev, ("con", nd))

    # -- main loop --

    def run(self):
        with open(os.path.join(self.dir, "supervisor.pid"), "w") as f:
            f.write(str(os.getpid()))
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, self.on_signal)
        try:
            self.start_switch()
            for k in self.nodes:
                self.start_node(k)
            path = os.path.join(self.dir, "sup.sock")
            try:
                os.unlink(path)
            except OSError:
                pass
            lsock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            lsock.bind(path + ".tmp")
            lsock.listen(64)
            os.rename(path + ".tmp", path)
            lsock.setblocking(False)
            self.sel.register(lsock, selectors.EVENT_READ, ("listen", None))
            self.say(f"cluster of {self.n} up in {self.dir}, pid {os.getpid()}")
            last_check = 0.0
            while not self.stop:
                for key, mask in self.sel.select(timeout=0.05):
                    kind, obj = key.data
                    if kind == "listen":
                        try:
                            s, _ = lsock.accept()
                        except OSError:
                            continue
                        s.setblocking(False)
                        self.sel.register(s, selectors.EVENT_READ, ("cli", _Client(s)))
                    elif kind == "cli":
                        self.client_event(obj, mask)
                    elif kind == "con":
                        nd = obj
                        if nd.con is None or key.fileobj is not nd.con:
                            # An earlier event of this batch (a client's kill
                            # or restart) closed or replaced this console.
                            continue
                        if mask & selectors.EVENT_READ:
                            try:
                                data = nd.con.recv(65536)
                            except (BlockingIOError, InterruptedError):
                                data = None
                            except OSError:
                                data = b""
                            if data:
                                self.console_data(nd, data)
                            elif data == b"":
                                self.say(f"node {nd.k} console closed")
                                self.close_console(nd)
                                continue
                        if mask & selectors.EVENT_WRITE and nd.con is not None:
                            self.flush_console(nd)
                now = time.monotonic()
                if now - last_check > 0.05:
                    last_check = now
                    for nd in self.nodes.values():
                        self.try_connect(nd)
                    self.reap()
                    if self.attached and os.getppid() != self.ppid:
                        self.say("parent gone: tearing down")
                        self.stop = self.orphaned = True
        except Exception as e:
            self.say(f"error: {e!r}")
            raise
        finally:
            self.teardown()

    def on_signal(self, signum, frame):
        self.stop = True

    def teardown(self):
        for nd in self.nodes.values():
            if nd.proc is not None and nd.proc.poll() is None:
                try:
                    nd.proc.kill()
                except OSError:
                    pass
        for nd in self.nodes.values():
            if nd.proc is not None:
                try:
                    nd.proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    pass
            if nd.log:
                nd.log.close()
        if self.switch is not None and self.switch.poll() is None:
            self.switch.terminate()
            try:
                self.switch.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.switch.kill()
                self.switch.wait()
        # flush pending replies (e.g. "ok down") before closing
        for key in list(self.sel.get_map().values()):
            kind, obj = key.data
            if kind == "cli" and obj.out:
                try:
                    obj.sock.setblocking(True)
                    obj.sock.settimeout(1)
                    obj.sock.sendall(obj.out)
                except OSError:
                    pass
        _cleanup_sockets(self.dir, self.n)
        try:
            os.unlink(os.path.join(self.dir, "supervisor.pid"))
        except OSError:
            pass
        self.say("down")
        if self.orphaned and self.cfg.get("tmp"):
            # Our starter died without down(): nobody else will remove its
            # temporary run directory.
            import shutil
            shutil.rmtree(self.dir, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "--supervise":
        import ctypes
        _LIBC = ctypes.CDLL(None, use_errno=True)
        _SUPERVISOR_PID = os.getpid()
        Supervisor(os.path.abspath(sys.argv[2]), "--attached" in sys.argv[3:]).run()
    else:
        sys.exit("usage: clustersup.py --supervise RUNDIR [--attached] (use tools/cluster)")
