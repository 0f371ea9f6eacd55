#!/usr/bin/env python3
"""Boot-and-check scenarios on real QEMU nodes (Python standard library only).

    tests/cluster/run.py [FILTER]

Runs every scenario whose name contains FILTER, each on freshly booted
node(s), and prints `PASS name (1.2 s)` or `FAIL name: reason` followed by
the node's last 40 console lines; ends with exactly `N passed, M failed` and
exits 1 if anything failed. Logs are kept in build/test-runs/<scenario>/.
Without qemu-system-riscv64 or build/kernel.elf the scenarios are skipped,
except under CI=true, where that is a failure.
"""
import os
import pty
import re
import select
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "common"))
from qemu import ROOT, Node, Timeout, kernel_built, qemu_available, run_dir  # noqa: E402
from scenarios import Fail, Scenarios, check  # noqa: E402  (tests/common/scenarios.py)

# Bare @scenario: each has 300 s, far beyond what any takes (its waits are
# bounded on their own); the limit is what ends a hang.
scenario = Scenarios(default_limit=300, reasons=(Timeout,))
# A virtio-net device on a QEMU hub with nothing else on it: enough for the
# kernel to bring networking up, with no host networking involved.
NIC_ARGS = ["-global", "virtio-mmio.force-legacy=false", "-netdev", "hubport,id=n0,hubid=0",
            "-device", "virtio-net-device,netdev=n0"]
BOOT_TIMEOUT = 30


def expect(node, cmd, status=0, output=None, timeout=20, contains=None):
    """Runs cmd and checks its status and (exact or partial) output."""
    out, st = node.run(cmd, timeout)
    check(st == status, f"`{cmd}` exited {st}, expected {status}; output:\n{out}")
    if output is not None:
        check(out == output, f"`{cmd}` printed {out!r}, expected {output!r}")
    if contains is not None:
        check(contains in out, f"`{cmd}` output lacks {contains!r}:\n{out}")
    return out


def boot_node(ctx, **kw):
    """Boots one node for this scenario and waits for its prompt."""
    n = Node(ctx.dir, **kw)
    ctx.nodes.append(n)
    n.wait_prompt(BOOT_TIMEOUT)
    return n


def shell_alive(n):
    expect(n, "echo still here", output="still here")


def free_pages(n):
    return n.meminfo()["free"]


# ---- scenarios ---------------------------------------------------------------

@scenario
def boot(ctx):
    """The kernel boots, logs its banner, and the shell prints its prompt."""
    n = boot_node(ctx)
    con = n.console()
    check(re.search(r"^\[n1 +\d+\.\d+\] .*node 1 of 1", con, re.M),
          "no kernel banner line `[n1 t] ... node 1 of 1 ...` before the prompt")
    check(re.search(r"^n1\$ ", con, re.M), "the prompt is not `n1$ ` at the start of a line")
    expect(n, "true", output="")


@scenario
def args(ctx):
    """Arguments and quoting reach the program exactly."""
    n = boot_node(ctx)
    expect(n, "args one two", output="argc=3 [args] [one] [two]")
    expect(n, "args \"a b\"  'c  d' e\"f g\"h ''", output="argc=5 [args] [a b] [c  d] [ef gh] []")
    expect(n, "echo @@B\"\"x", output="@@Bx")
    expect(n, "echo   spaced    out  ", output="spaced out")
    many = " ".join(f"w{i}" for i in range(30))
    expect(n, f"args {many}", output="argc=31 [args] " + " ".join(f"[w{i}]" for i in range(30)))
    out, st = n.run("args " + " ".join("x" for _ in range(40)))
    check(st == 126 and "sh: args:" in out, f"40 args: expected an E2BIG error, got {st} {out!r}")


@scenario
def exit_status(ctx):
    """$? after exitcode 7, false, true, an unknown program; `exit` in a child shell."""
    n = boot_node(ctx)
    expect(n, "exitcode 7", status=7)
    expect(n, "exitcode 7; echo st=$?", output="st=7")
    expect(n, "false; echo a$?b", output="a1b")
    expect(n, "true; echo $?", output="0")
    expect(n, "exitcode 255", status=255)
    out = expect(n, "nosuchprog", status=127)
    check(out == "sh: nosuchprog: not found", f"unknown program message: {out!r}")
    # `exit N` ends the shell; the kernel starts a new one.
    n.send("exit 5\n")
    n.wait_for(r"shell exited", 10)
    n.wait_prompt(10)
    shell_alive(n)


@scenario
def line_editing(ctx):
    """The kernel's cooked console: backspace, DEL and Ctrl-U edit the line."""
    n = boot_node(ctx)
    expect(n, "echo abX\x7fc", output="abc")
    expect(n, "echo abXY\x08\x08cd", output="abcd")
    n.send("echo junk\x15echo fresh\n")
    n.wait_for(r"^fresh$", 10)
    n.wait_prompt(10)
    shell_alive(n)


FAULTS = {"null": 139, "kread": 139, "kwrite": 139, "wild": 139, "unmapped": 139,
          "textwrite": 139, "exec": 139, "ill": 132, "stack": 139}


@scenario
def fault(ctx):
    """Each kind of bad access kills only that process, with one kernel report line."""
    n = boot_node(ctx)
    for kind, want in FAULTS.items():
        lines, st, klog = n.run_full(f"fault {kind}")
        check(st == want, f"fault {kind}: status {st}, expected {want}; output {lines}")
        check(len(klog) == 1 and "killed" in klog[0],
              f"fault {kind}: expected one kernel report line, got {klog}")
        shell_alive(n)
    # The illegal instruction report names the right cause.
    _, _, klog = n.run_full("fault ill")
    check(klog and "illegal" in klog[0], f"fault ill report: {klog}")
    # And a memory fault's report names the faulting address (stval, which
    # trap.c reads itself, before anything else can trap).
    _, _, klog = n.run_full("fault unmapped")
    check(klog and "load page fault" in klog[0] and "address 2000000000" in klog[0],
          f"fault unmapped report: {klog}")
    _, _, klog = n.run_full("fault kwrite")
    check(klog and "address 80200000" in klog[0], f"fault kwrite report: {klog}")


@scenario
def many_procs(ctx):
    """50 processes at once, all reaped; the process table is back to where it was."""
    n = boot_node(ctx)
    before = n.meminfo()
    expect(n, "spawnmany 50", output="spawnmany: 50 ok", timeout=90)
    expect(n, "spawnmany 50 true", output="spawnmany: 50 ok", timeout=90)
    after = n.meminfo()
    check(after["procs"] == before["procs"], f"procs {before['procs']} -> {after['procs']}")


@scenario
def preemption(ctx):
    """Two CPU burners in the background both progress at the same time."""
    n = boot_node(ctx)
    t0 = time.monotonic()
    out, st = n.run("burn 2 A & burn 2 B & wait", timeout=40)
    wall = time.monotonic() - t0
    check(st == 0, f"status {st}: {out}")
    runs = {}
    for m in re.finditer(r"burn (\w): iters (\d+) start_ns (\d+) end_ns (\d+)", out):
        runs[m.group(1)] = tuple(int(x) for x in m.group(2, 3, 4))
    check(set(runs) == {"A", "B"}, f"expected both burners to report:\n{out}")
    check(len(re.findall(r"^\[\d+\] done 0$", out, re.M)) == 2, f"expected two done lines:\n{out}")
    (ia, sa, ea), (ib, sb, eb) = runs["A"], runs["B"]
    overlap = min(ea, eb) - max(sa, sb)
    check(overlap > 1.5e9, f"burners did not run concurrently: A [{sa},{ea}] B [{sb},{eb}]")
    check(ia > 0 and ib > 0 and max(ia, ib) < 4 * min(ia, ib),
          f"unfair progress: A {ia} iterations, B {ib}")
    check(wall < 20, f"two 2-second burners took {wall:.1f} s of host time")


def uptimes(out):
    return [float(x) for x in re.findall(r"^up (\d+\.\d+) s$", out, re.M)]


@scenario
def sleep_accuracy(ctx):
    """sleep 0.5 and 0.25 last about that long by the node's own clock."""
    n = boot_node(ctx)
    for secs in (0.5, 0.25, 1):
        out = expect(n, f"uptime; sleep {secs}; uptime", timeout=30)
        u = uptimes(out)
        check(len(u) == 2, f"uptime output: {out!r}")
        d = u[1] - u[0]
        # Never early; late by at most 1 s (spawning two programs under
        # emulation on a loaded host takes time).
        check(secs <= d <= secs + 1.0, f"sleep {secs} took {d:.3f} s by the node clock")
    t0 = time.monotonic()
    expect(n, "sleep 1", timeout=20)
    wall = time.monotonic() - t0
    check(0.9 <= wall <= 6, f"sleep 1 took {wall:.2f} s of host time")
    expect(n, "sleep x", status=2)


@scenario
def clock_user(ctx):
    """clock() without a trap (time CSR + SYS_CLOCK_INFO) is the SYS_CLOCK clock, and cheaper."""
    n = boot_node(ctx)
    out, st = n.run("clockcheck 20000", timeout=60)
    check(st == 0, f"clockcheck exited {st}:\n{out}")
    check(re.search(r"20000 rounds, 0 out of order", out), f"clockcheck output:\n{out}")
    check(re.search(r"user_time 1", out), f"user mode cannot read the time CSR:\n{out}")


@scenario
def wall_clock(ctx):
    """SYS_WALLCLOCK: the node's wall clock is the host's (to a few seconds)."""
    n = boot_node(ctx)
    out = expect(n, "date")
    m = re.search(r"^(\d+)\.(\d{9}) \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", out, re.M)
    check(m, f"date printed {out!r}")
    check(abs(int(m.group(1)) - time.time()) < 5, f"node says {m.group(1)}, host {time.time():.0f}")


@scenario
def bad_pointers(ctx):
    """Every pointer-taking syscall rejects null/kernel/unmapped/straddling/overflowing pointers."""
    n = boot_node(ctx)
    out, st = n.run("badptr", timeout=30)
    bad = [ln for ln in out.split("\n") if "NOT AN ERROR" in ln]
    check(st == 0, f"badptr exited {st}; accepted: {bad or out}")
    check(re.search(r"badptr: \d+ cases, 0 not rejected", out), f"badptr summary missing:\n{out}")
    shell_alive(n)
    expect(n, "ps", contains="sh")
    # Again with a network device, so that udpecho gets past "no network"
    # (-ENODEV) to the pointer check itself.
    n.close()
    n = boot_node(ctx, extra=NIC_ARGS)
    out, st = n.run("badptr", timeout=30)
    check(st == 0, f"badptr with a NIC exited {st}:\n{out}")
    for kind in ("null", "kernel", "unmapped", "straddle", "overflow"):
        check(f"badptr: udpecho {kind} -> -14" in out, f"udpecho {kind} is not -EFAULT:\n{out}")
    shell_alive(n)


def disarm(n, site):
    """Disarms fault injection. Spawning failalloc can itself hit a failure
    still armed, so it may take a few tries."""
    for _ in range(5):
        out, st = n.run(f"failalloc {site} 0 0")
        if st == 0:
            return
        check(st == 126 and out.startswith("sh: failalloc: "), f"disarm: {st} {out!r}")
    raise Fail(f"could not disarm {site} fault injection")


@scenario
def alloc_failures(ctx):
    """Kernel page and heap allocations fail on purpose at every step of
    spawn+load+sbrk; the commands fail cleanly, the node survives, and free
    memory comes back."""
    n = boot_node(ctx)
    free0 = free_pages(n)
    failures0 = n.meminfo()["failures"]
    outcomes = {}
    for site, points in (("page", list(range(0, 40, 2)) + [60, 120, 200, 300]),
                         ("heap", list(range(0, 12)))):
        for after in points:
            out, st = n.run(f"failalloc {site} {after} 1; memtouch 1", timeout=30)
            ok = (st == 0 and "memtouch: ok 1 MiB" in out) or \
                 (st == 1 and "memtouch: cannot allocate" in out) or \
                 (st == 126 and re.search(r"sh: memtouch: .+", out))
            check(ok, f"failalloc {site} {after}: unclean outcome: status {st}, output {out!r}")
            outcomes[(site, after)] = st
            disarm(n, site)
    failed = [k for k, v in outcomes.items() if v != 0]
    check(any(s == "page" for s, _ in failed), "no injected page failure made memtouch fail")
    # Everything works again.
    expect(n, "memtouch 4", output="memtouch: ok 4 MiB", timeout=30)
    expect(n, "spawnmany 5 true", output="spawnmany: 5 ok", timeout=30)
    info = n.meminfo()
    check(info["failures"] > failures0, f"alloc failure counter did not move: {info}")
    check(abs(info["free"] - free0) <= 4, f"free pages {free0} after boot, {info['free']} now")


@scenario
def fpu(ctx):
    """Floating-point state survives yields and preemption in several processes,
    and the IPC fastpath's switches between a client and a server that both
    keep FP values in registers across their calls; a process that never
    used FP sees zero registers even right after another one filled them."""
    n = boot_node(ctx)
    expect(n, "fpu 3", output=None, contains="fpu: ok", timeout=90)
    expect(n, "fpu ipc", output=None, contains="fpu: ipc ok", timeout=60)
    expect(n, "fpu zeros", output=None, contains="fpu: zeros ok", timeout=60)


@scenario
def limits(ctx):
    """Page and children limits: malloc gets NULL, spawn gets an error, nobody is killed."""
    n = boot_node(ctx)
    out = expect(n, "limits", timeout=60)
    check("limits: all ok" in out, out)
    expect(n, "memtouch 90", status=1, contains="memtouch: cannot allocate", timeout=60)
    shell_alive(n)


@scenario
def mem_sizes(ctx):
    """`mem` reports about the RAM QEMU was given, for -m 64M and -m 1G."""
    for mem, mib in (("64M", 64), ("1G", 1024)):
        n = boot_node(ctx, mem=mem)
        total = n.meminfo()["total"] * 4096 >> 20
        check(0.8 * mib <= total <= mib, f"-m {mem}: mem shows total {total} MiB")
        expect(n, "memtouch 16", output="memtouch: ok 16 MiB", timeout=60)
        n.close()


@scenario
def sstc_off(ctx):
    """Without Sstc the SBI timer drives sleep and preemption."""
    n = boot_node(ctx, cpu="rv64,sstc=off")
    out = expect(n, "uptime; sleep 0.5; uptime", timeout=30)
    u = uptimes(out)
    check(len(u) == 2 and 0.5 <= u[1] - u[0] <= 1.5, f"sleep 0.5 without Sstc: {out!r}")
    out, st = n.run("burn 1 A & burn 1 B & wait", timeout=30)
    check(st == 0 and len(re.findall(r"burn \w: iters [1-9]", out)) == 2, out)


@scenario
def idle_cost(ctx):
    """Idle nodes cost the host almost nothing (wfi, no needless ticks)."""
    count = int(os.environ.get("IDLE_NODES", "8"))
    nodes = []
    for i in range(count):
        nd = Node(ctx.dir, node=i + 1, nodes=count)
        ctx.nodes.append(nd)
        nodes.append(nd)
    for nd in nodes:
        nd.wait_prompt(BOOT_TIMEOUT + 5 * count)
    time.sleep(1)
    c0 = sum(nd.cpu_seconds() for nd in nodes)
    t0 = time.monotonic()
    time.sleep(5)
    used = sum(nd.cpu_seconds() for nd in nodes) - c0
    cores = used / (time.monotonic() - t0)
    ctx.note = f"{count} idle nodes: {cores:.3f} cores"
    check(cores < 0.3, f"{count} idle nodes used {cores:.2f} cores")


@scenario
def bad_elf(ctx):
    """Spawning a corrupt ELF is an error (ENOEXEC), not a crash."""
    n = boot_node(ctx)
    out = expect(n, "badelf", status=126)
    check(out.startswith("sh: badelf: "), f"badelf message: {out!r}")
    shell_alive(n)


@scenario
def shell_input(ctx):
    """The shell survives bad input and reports it."""
    n = boot_node(ctx)
    # Raw lines: the markers of run() would be swallowed by an open quote.
    # A 1500-byte line is cut by the kernel's line buffer or by the shell's:
    # either way it is an error (too long, or no such program), not a crash.
    for line, msg, st in (("echo 'unbalanced", r"sh: unbalanced ' quote", "2"),
                          ('echo "x', r'sh: unbalanced " quote', "2"),
                          ("&", r"sh: syntax error near '&'", "2"),
                          ("x" * 1500, r"^sh: (line too long|x+: )", "(2|126)"),
                          ("", None, "0")):
        n.send(line + "\n")
        if msg:
            n.wait_for(msg, 10)
        n.wait_prompt(10)
        # run() would reset $? with its own marker echo: ask directly.
        n.send("echo st=$?\n")
        n.wait_for(rf"^st={st}$", 10)
        n.wait_prompt(10)
    expect(n, "true ;; true", status=0)
    expect(n, "true & ; true", status=0, contains="[")
    expect(n, "wait")
    expect(n, "help", contains="builtins")
    shell_alive(n)


@scenario
def naming_absent(ctx):
    """Without a naming server anywhere, `ns` and `calc` say so at once
    (no hang, a clear message, a non-zero status)."""
    n = boot_node(ctx)
    t0 = time.monotonic()
    expect(n, "ns get x", status=1, contains="no naming service")
    check(time.monotonic() - t0 < 5, "ns took too long to give up")
    expect(n, "nodes", status=1, contains="no (")
    expect(n, "calc add 1 2", status=1, contains="no \"calc\" service")


@scenario
def kill_ps(ctx):
    """ps lists a background sleeper; kill -9 and kill -15 end it with 137 and 143."""
    n = boot_node(ctx)
    for sig, want in (("-9", 137), ("", 143)):
        out = expect(n, "sleep 30 &")
        m = re.match(r"^\[(\d+)\]$", out)
        check(m, f"background start line: {out!r}")
        pid = int(m.group(1))
        check(pid // 100000 == 1, f"pid {pid} does not encode node 1")
        out = expect(n, "ps")
        check(re.search(rf"^\s*{pid}\s+\d+\s+sleeping\s+1\s.*sleep$", out, re.M),
              f"ps does not show {pid} sleeping:\n{out}")
        expect(n, f"kill {sig} {pid}".replace("  ", " "))
        out = expect(n, "wait", timeout=10)
        check(f"[{pid}] done {want}" in out, f"expected [{pid}] done {want}:\n{out}")
    expect(n, "kill 199999", status=1, contains="kill: 199999:")


@scenario
def make_run(ctx):
    """`make run` under a pty reaches the prompt; `nodes` and `ns` work across
    its 3 nodes; Ctrl-A X quits, no QEMU is left."""
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(ROOT)
        os.execvp("make", ["make", "--no-print-directory", "run"])
    log = open(os.path.join(ctx.dir, "make-run.log"), "wb")
    buf = b""
    try:
        def read_until(rx, timeout):
            nonlocal buf
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                r, _, _ = select.select([fd], [], [], 0.2)
                if r:
                    try:
                        data = os.read(fd, 4096)
                    except OSError:
                        return None
                    if not data:
                        return None
                    buf += data
                    log.write(data)
                    log.flush()
                    m = re.search(rx, buf)
                    if m:
                        return m
            return None

        check(read_until(rb"n1\$ ", 120), "no prompt from `make run`: " +
              buf[-1500:].decode(errors="replace"))
        os.write(fd, b"nodes\n")
        check(read_until(rb"\n3 +(leader|follower) .* yes\r?\n", 30),
              "`nodes` in `make run`: " + buf[-1500:].decode(errors="replace"))
        os.write(fd, b"ns put run.key hello\n")
        check(read_until(rb"ok version 1", 30), "`ns put` in `make run`: " +
              buf[-1000:].decode(errors="replace"))
        os.write(fd, b"ns get run.key\n")
        check(read_until(rb"\nhello\r?\n", 30), "`ns get` in `make run`: " +
              buf[-1000:].decode(errors="replace"))
        os.write(fd, b"\x01x")
        deadline = time.monotonic() + 20
        status = None
        while time.monotonic() < deadline:
            read_until(rb"$^", 0.2)
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
        else:
            raise Fail("`make run` did not exit within 20 s of Ctrl-A X")
        left = [p for p in session_procs(pid)]
        check(not left, f"processes left behind by `make run`: {left}")
    finally:
        for p in session_procs(pid):
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass
        os.close(fd)
        log.close()


@scenario
def gdb_attach(ctx):
    """A node started with -S -gdb waits at its first instruction; gdb-multiarch
    attaches with the kernel's symbols, stops in kmain, and the node then boots."""
    import shutil
    import socket
    gdb = shutil.which("gdb-multiarch")
    if not gdb:
        raise Fail("gdb-multiarch not installed (make deps)")
    with socket.socket() as so:
        so.bind(("127.0.0.1", 0))
        port = so.getsockname()[1]
    n = Node(ctx.dir, extra=["-S", "-gdb", f"tcp:127.0.0.1:{port}"])
    ctx.nodes.append(n)
    time.sleep(0.5)
    check(not n.console().strip(), "the node ran before gdb attached")
    cmd = [gdb, "-q", "-batch", "-nx", "-ex", f"target remote :{port}",
           "-ex", "break kmain", "-ex", "continue", "-ex", "bt 1", "-ex", "detach",
           os.path.join(ROOT, "build", "kernel.elf")]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=60).stdout
    except subprocess.TimeoutExpired:
        raise Fail("gdb-multiarch did not finish within 60 s")
    with open(os.path.join(ctx.dir, "gdb.log"), "w") as f:
        f.write(out)
    check(re.search(r"#0\s+kmain \(", out), f"gdb did not stop in kmain:\n{out}")
    n.wait_prompt(BOOT_TIMEOUT)
    shell_alive(n)


def session_procs(sid):
    """Pids of live (non-zombie) processes in session sid."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid and fields[0] != "Z" and int(d) != sid:
            out.append(int(d))
    return out


@scenario
def leaks(ctx):
    """After a batch of programs (faults, failures, limits, many processes),
    free pages and the process count return exactly to their earlier values.
    The batch runs once first: the kernel keeps page-table pages for the
    kernel-stack slots it has used (a high-water mark bounded by the process
    table, not a leak), so the baseline is taken after that warm-up."""
    n = boot_node(ctx)
    batch = ["spawnmany 20 true", "fault null", "fault stack", "fault ill", "badptr",
             "fpu 2", "limits", "memtouch 8", "memtouch 100", "badelf", "bench spawn 20",
             "failalloc page 5 1; memtouch 1", "failalloc heap 1 1; memtouch 1",
             "sleep 0.1 & wait"]
    booted = n.meminfo()
    for cmd in batch:
        n.run(cmd, timeout=90)
    before = n.meminfo()
    for _ in range(2):
        for cmd in batch:
            n.run(cmd, timeout=90)
    after = n.meminfo()
    ctx.note = f"warm-up kept {booted['free'] - before['free']} pages"
    check(after["procs"] == before["procs"], f"procs {before['procs']} -> {after['procs']}")
    check(after["free"] == before["free"],
          f"free pages {before['free']} before, {after['free']} after two more batches "
          f"({before['free'] - after['free']} leaked)")
    check(after["heap"] == before["heap"], f"kernel heap {before['heap']} -> {after['heap']} bytes")


def disk_args(ctx, size_mb=16, name="disk.img", fresh=True):
    """QEMU arguments for a raw disk image of this scenario (a new blank one
    unless fresh=False, which reuses what an earlier boot left)."""
    path = os.path.join(ctx.dir, name)
    if fresh:
        with open(path, "wb") as f:
            f.truncate(size_mb << 20)
    return ("-global", "virtio-mmio.force-legacy=false",
            "-drive", f"file={path},if=none,format=raw,id=d0",
            "-device", "virtio-blk-device,drive=d0")


@scenario
def disk_service(ctx):
    """A boot service reads, writes and flushes the disk (64 KiB requests,
    data checked) and gets errors for bad sectors, counts and pointers."""
    n = boot_node(ctx, append="services=disktool:selftest", extra=disk_args(ctx))
    n.wait_for(r"disktool: selftest ok", 30)  # may follow the prompt on its line
    n.wait_for(r"service disktool \(pid \d+\) exited with status 0", 10)
    shell_alive(n)


@scenario
def disk_not_for_programs(ctx):
    """Ordinary programs are refused the disk with EPERM; the node has one."""
    n = boot_node(ctx, extra=disk_args(ctx))
    out = expect(n, "disktool info", status=1)
    check("Not owner" in out or "not permitted" in out.lower(), out)
    check(re.search(r"disk: 32768 sectors", n.console()), "no disk line in the boot log")
    # The "disk" port refuses them too (it serves the node's services only).
    out, st = n.run("storetest verify port", timeout=30)
    check(st == 1 and "using the disk port" in out and "no disk: Not owner" in out,
          f"an ordinary program got through the disk port: status {st}, {out!r}")


@scenario
def ipc_local(ctx):
    """Ports on one node: every edge case of ipctest, call/reply with payloads
    from 0 bytes to the 68 KiB maximum checked byte for byte, and the
    calculator demo (call and streaming sum)."""
    n = boot_node(ctx)
    expect(n, "ipctest", contains="ipctest: all ok", timeout=60)
    expect(n, "echod &", contains="[")
    for size in (0, 1, 1367, 1368, 1369, 4096, 65536, 69632):
        expect(n, f"ipcping -c 3 {size}", contains="ipcping: 3/3 ok", timeout=30)
    expect(n, "calcd &", contains="[")
    expect(n, "calc add 2 40", output="42")
    expect(n, "calc add -5 3", output="-2")
    expect(n, "calc sum 1000", output="500500", timeout=60)
    expect(n, "calc sum 0", output="0")
    # The fastpath (kernel/ipc_fast.c) carries nearly every step of a small
    # ping-pong: a call and a reply per round trip. A few may take the
    # ordinary path (the end of a time slice, a timer), none should fail.
    # 20 ms timeouts: the timer then fires every ~20 ms for a deadline that
    # has passed, while the pair runs and nobody else wants the CPU; each
    # such tick ends the slice, and the next return must start a new one
    # (should_yield in kernel/sched.c), or every call after the first tick
    # would take the ordinary path.
    def fast():
        return int(re.search(r"^local_fast\s+(\d+)", expect(n, "rpcstat"), re.M).group(1))
    before = fast()
    expect(n, "ipcping -c 20000 -t 20 0", contains="ipcping: 20000/20000 ok", timeout=60)
    steps = fast() - before
    check(steps >= 0.9 * 2 * 20000, f"only {steps} of 40000 call/reply steps took the fastpath")
    before = n.meminfo()
    for _ in range(3):
        expect(n, "ipcping -c 20 65536", contains="20/20 ok", timeout=60)
    after = n.meminfo()
    check(after["free"] == before["free"], f"message pages leaked: {before} -> {after}")


@scenario
def ipc_stress(ctx):
    """Six processes calling one echo server at once (`ipcstress`): sizes on
    both sides of the fastpath's limit, 20 us timeouts that expire behind a
    queue, clients killed mid-call and replaced, the server killed and
    restarted. Every reply is checked byte for byte and every failure must
    be one a caller can expect; after a second run no page is left behind."""
    n = boot_node(ctx)
    expect(n, "ipcstress -c 6 -s 1", contains="ipcstress: ok", timeout=90)
    before = n.meminfo()  # after one run: the message cache and heap are warm
    out = expect(n, "ipcstress -c 6 -s 2", contains="ipcstress: ok", timeout=90)
    check("reset 1" in out, f"no client met the server's restart:\n{out}")
    after = n.meminfo()
    check(after["free"] == before["free"] and after["procs"] == before["procs"],
          f"kernel memory or processes left behind: {before} -> {after}")


def flip_byte(path, offset):
    with open(path, "r+b") as f:
        f.seek(offset)
        b = f.read(1)
        f.seek(offset)
        f.write(bytes([b[0] ^ 0x5a]))


@scenario
def store_kill_recover(ctx):
    """The log store on a real disk: a service appends numbered records and
    commits; QEMU is SIGKILLed mid-stream; after restart every record
    acknowledged before the kill is back, in order. Then a corrupted record
    in the middle and a corrupted superblock each give a clear error at boot,
    and the node stays up."""
    n = boot_node(ctx, append="services=storetest:append:10000000",
                  extra=disk_args(ctx, size_mb=32))
    n.wait_for(r"storetest: acked (\d{4,})", 60)  # at least 1000 records acked
    time.sleep(0.3)
    n.close()  # SIGKILL, mid-stream
    acked = [int(x) for x in re.findall(r"storetest: acked (\d+)", n.console())]
    check(acked, "no acknowledged records before the kill")
    k = max(acked)
    # (verified through the "disk" port, so both ways to the disk are tested)
    n2 = boot_node(ctx, append="services=storetest:verify:port",
                   extra=disk_args(ctx, name="disk.img", fresh=False))
    n2.wait_for(r"storetest: using the disk port", 30)
    m = n2.wait_for(r"storetest: (verified (\d+)|.*)\n", 60)
    check(m.group(2), f"verify failed: {m.group(0)!r}")
    check(int(m.group(2)) >= k, f"acknowledged up to {k} before the kill, only "
          f"{m.group(2)} back")
    n2.close()
    img = os.path.join(ctx.dir, "disk.img")
    data = open(img, "rb").read()
    at = data.find(f"rec {k // 2}\0".encode()) if data.find(f"rec {k // 2}\0".encode()) >= 0 \
        else data.find(f"rec {k // 2}".encode())
    check(at > 0, f"record {k // 2} not found in the image")
    flip_byte(img, at + 2)
    n3 = boot_node(ctx, append="services=storetest:verify",
                   extra=disk_args(ctx, name="disk.img", fresh=False))
    m = n3.wait_for(r"storetest: cannot open the store: (.*?)\r?\n", 60)
    check("record" in m.group(1).lower() or "batch" in m.group(1).lower(),
          f"the error does not name the record: {m.group(1)!r}")
    shell_alive(n3)
    n3.close()
    flip_byte(img, at + 2)  # mend the record, break the superblock instead
    flip_byte(img, 16)
    n4 = boot_node(ctx, append="services=storetest:verify",
                   extra=disk_args(ctx, name="disk.img", fresh=False))
    m = n4.wait_for(r"storetest: cannot open the store: (.*?)\r?\n", 60)
    check("superblock" in m.group(1).lower(), f"the error does not name the superblock: "
          f"{m.group(1)!r}")
    shell_alive(n4)


@scenario
def kernel_panic(ctx):
    """A kernel fault (forced with bootargs panic_test=1) prints the cause,
    sepc, stval and every register, then stops the node cleanly: QEMU exits."""
    n = Node(ctx.dir, append="panic_test=1")
    ctx.nodes.append(n)
    n.wait_for(r"kernel trap: store page fault \(scause f\) sepc [0-9a-f]+ stval 8", 30)
    n.wait_for(r" ra [0-9a-f]{16} +sp [0-9a-f]{16}", 10)
    n.wait_for(r"panic: kernel fault", 10)
    n.wait_for(r"node stopped", 10)
    deadline = time.time() + 20
    while n.alive() and time.time() < deadline:
        time.sleep(0.1)
    check(not n.alive(), "QEMU still runs after the panic")


# ---- runner ------------------------------------------------------------------

class Ctx:
    """Per-scenario state: the nodes booted (closed at the end) and the
    scenario's run directory (build/test-runs/<scenario>/)."""

    def __init__(self, name):
        self.name = name
        self.dir = run_dir(name)
        self.nodes = []
        self.note = ""

    def tails(self):
        out = []
        for nd in self.nodes[:2]:
            out.append(f"--- node {nd.node} console, last 40 lines ({nd.log_path}):\n"
                       + nd.tail(40))
        return "\n".join(out)

    def close(self):
        for nd in self.nodes:
            nd.close()


def missing(needs):
    return [what for what, ok in (("qemu-system-riscv64", qemu_available()),
                                  ("build/kernel.elf", kernel_built())) if not ok]


if __name__ == "__main__":
    sys.exit(scenario.main(make_ctx=Ctx, missing=missing))
