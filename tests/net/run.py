#!/usr/bin/python3
"""Network scenarios on real QEMU clusters (Python standard library only).

    tests/net/run.py [FILTER]

Each scenario whose name contains FILTER boots its own cluster through
tools/clusterlib.py (switch + nodes in a fresh /tmp/mkc-XXXX run directory),
has a time limit, and always tears its cluster down. Prints `PASS name (t s)`,
`SKIP name: why` or `FAIL name: reason` followed by the last console lines of
each node; ends with exactly `N passed, M failed`; exits 1 on failure. Node
logs are kept in build/test-runs/net/<scenario>/. A missing qemu, kernel,
netswitch or tshark skips the scenarios that need it, except under CI=true,
where it is a failure. The runner is tests/common/scenarios.py, the
cluster context tests/common/clusterctx.py.
"""
import os
import pty
import re
import select
import shutil
import signal
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "common"))
from clusterctx import (BackgroundExec, ClusterError, ExecTimeout, Fail, Scenarios,  # noqa: E402
                        check, expect, run)
import clusterlib  # noqa: E402  (put on the path by clusterctx)

CLI = os.path.join(ROOT, "tools", "cluster")
scenario = Scenarios(reasons=(ClusterError,))


def leftovers(rundir):
    """Processes whose command line mentions rundir (QEMU, netswitch, supervisor)."""
    r = subprocess.run(["pgrep", "-af", rundir], capture_output=True, text=True)
    me = str(os.getpid())
    return [line for line in r.stdout.splitlines()
            if line.split()[0] != me and "pgrep" not in line]


def kill_leftovers(rundir):
    """SIGKILL whatever still runs from rundir (cleanup after a failed check)."""
    for p in leftovers(rundir):
        try:
            os.kill(int(p.split()[0]), signal.SIGKILL)
        except OSError:
            pass


def wait_gone(rundir, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        left = leftovers(rundir)
        if not left:
            return []
        time.sleep(0.2)
    return leftovers(rundir)


def ping_stats(out):
    m = re.search(r"(\d+) packets transmitted, (\d+) received", out)
    check(m, f"no ping summary in:\n{out}")
    return int(m.group(1)), int(m.group(2))


def cli(*args, timeout=120, env=None):
    return subprocess.run([CLI, *args], capture_output=True, text=True, timeout=timeout,
                          env=env, cwd=ROOT)


# ---- scenarios -------------------------------------------------------------

@scenario(90)
def exec_exact(ctx):
    """exec prints exactly the command's output, drops kernel log lines,
    propagates the status, and times out with a distinct code."""
    c = ctx.cluster(2)
    check(c.exec(1, "echo hello") == ("hello", 0), "echo hello")
    check(c.exec(1, "echo 'a  b' \"c;d\"") == ("a  b c;d", 0), "quoting kept")
    check(c.exec(2, "true") == ("", 0), "true: empty output")
    check(c.exec(2, "echo one; echo two") == ("one\ntwo", 0), "two lines")
    check(c.exec(1, "false")[1] == 1, "false -> 1")
    check(c.exec(1, "exitcode 42")[1] == 42, "exitcode 42")
    check(c.exec(1, "nosuchprogram")[1] == 127, "not found -> 127")
    # A marker-looking line printed by the command is output, not a marker.
    check(c.exec(1, "echo @@E1 0")[0] == "@@E1 0", "fake marker")
    lines, st, klog = c.exec_full(1, "fault null")
    check(st == 139 and len(klog) == 1 and "killed" in klog[0],
          f"fault null: status {st}, klog {klog}, lines {lines}")
    check(not any(clusterlib.KLOG_LINE.match(x) for x in lines), f"klog in output {lines}")
    t = time.monotonic()
    try:
        c.exec(1, "sleep 3", timeout=1)
        raise Fail("sleep 3 with a 1 s timeout did not time out")
    except ExecTimeout:
        pass
    check(time.monotonic() - t < 2.5, "timeout took too long")
    # The CLI: output, status, timeout code 124, and 125 for a bad node.
    env = dict(os.environ, CLUSTER_DIR=c.dir)
    r = cli("exec", "2", "echo cli; exitcode 3", env=env)
    check((r.stdout, r.returncode) == ("cli\n", 3), f"cli exec: {r.stdout!r} rc {r.returncode}")
    r = cli("exec", "2", "ping", "-c", "1", "1", env=env)
    check(r.returncode == 0 and "1 received" in r.stdout, f"cli exec argv: {r.stdout!r}")
    r = cli("exec", "2", "sleep 3", "--timeout", "1", env=env)
    check(r.returncode == 124, f"cli timeout: rc {r.returncode} {r.stderr}")
    r = cli("exec", "9", "true", env=env)
    check(r.returncode == 125, f"cli bad node: rc {r.returncode}")
    r = cli("status", env=env)
    check(r.returncode == 0 and r.stdout.count("alive") == 3, f"status:\n{r.stdout}")
    # After the timed-out commands the shells still answer.
    check(c.exec(1, "echo still", 10) == ("still", 0), "shell after timeout")


@scenario(90)
def ping_all_pairs(ctx):
    """Every ordered pair of a 3-node cluster pings; ARP resolves."""
    c = ctx.cluster(3)
    out = expect(c, 1, "rawecho -c 20 2")  # the bare Ethernet echo below IP, too
    check("20/20 ok" in out, f"rawecho: {out}")
    for a in range(1, 4):
        for b in range(1, 4):
            if a != b:
                target = str(b) if b % 2 else clusterlib.ip_of(b)  # node id and dotted IP
                out = expect(c, a, f"ping -c 2 -i 0.05 {target}")
                tx, rx = ping_stats(out)
                check(rx == 2, f"{a}->{b}: {rx}/{tx} replies")
    # ARP: every node took part, asking or answering (which node asks first
    # depends on which services start talking first; the others learn its
    # address from its request); nobody saw a bad frame.
    requests = replies = 0
    for k in range(1, 4):
        out = expect(c, k, "netstat")
        cnt = dict((w[0], int(w[1])) for w in (ln.split() for ln in out.splitlines())
                   if len(w) == 2 and w[1].isdigit())
        check("arp_requests_sent" in cnt, f"netstat has no ARP counters:\n{out}")
        requests += cnt["arp_requests_sent"]
        replies += cnt.get("arp_replies_sent", 0)
        check(cnt["arp_requests_sent"] + cnt.get("arp_replies_sent", 0) >= 1,
              f"node {k} neither asked nor answered an ARP request: {cnt}")
        bad = {n: v for n, v in cnt.items() if n.startswith("rx_bad") and v}
        check(not bad, f"node {k} counted bad frames: {bad}")
    check(requests >= 2 and replies >= 2, f"ARP requests {requests}, replies {replies}")
    ctx.note = f"ARP requests {requests}, replies {replies}"
    # A node that does not exist gets no reply (ARP unanswered): status 1.
    out = expect(c, 1, "ping -c 1 -W 0.3 7", status=1)


@scenario(150)
def udpecho_sizes(ctx):
    """UDP echo of every size 0..1472 between two nodes, checked byte for byte."""
    c = ctx.cluster(2)
    cmds = [f"udpecho -c 1 -s {s} 2" for s in range(0, 1473)]
    done = 0
    while cmds:
        batch = []
        while cmds and len("; ".join(batch + [cmds[0]])) < 900:
            batch.append(cmds.pop(0))
        out, _ = c.exec(1, "; ".join(batch), timeout=60)
        oks = re.findall(r"udpecho: 1/1 ok, (\d+) bytes each", out)
        want = [b.split()[4] for b in batch]
        check(oks == want, f"sizes {want[0]}..{want[-1]}: got {oks}, output:\n{out}")
        done += len(batch)
    check(done == 1473, f"{done} sizes")
    out = expect(c, 2, "udpecho -c 20 -s 1472 1")


@scenario(90)
def partition_heal(ctx):
    """partition 1/2,3 stops traffic across it, not within; heal restores it."""
    c = ctx.cluster(3)
    expect(c, 1, "ping -c 1 2")
    expect(c, 1, "ping -c 1 3")
    c.partition("1/2,3")
    out = expect(c, 1, "ping -c 3 -i 0.05 -W 0.3 2", status=1)
    check(ping_stats(out)[1] == 0, "replies across the partition")
    expect(c, 3, "ping -c 2 -i 0.05 -W 0.3 1", status=1)
    expect(c, 2, "ping -c 2 -i 0.05 3")           # same side still talks
    expect(c, 1, "udpecho -c 1 -s 10 2", status=1)
    st = c.stats()
    check(st["ports"][2]["drop_part"] + st["ports"][1]["drop_part"] > 0, "no drop_part counted")
    c.heal()
    out = expect(c, 1, "ping -c 3 -i 0.05 2")
    check(ping_stats(out)[1] == 3, f"after heal:\n{out}")
    expect(c, 3, "ping -c 1 1")
    expect(c, 1, "udpecho -c 5 -s 100 2")


@scenario(120)
def loss_30(ctx):
    """30% loss per frame on link 1-2: about half of 100 pings fail (51% +- 15%)."""
    c = ctx.cluster(2)
    expect(c, 1, "ping -c 1 2")  # ARP resolved before the loss starts
    c.seed(7)
    c.net("1 2 loss 0.3")
    out = expect(c, 1, "ping -c 100 -i 0.01 -W 0.2 2", timeout=90)
    tx, rx = ping_stats(out)
    failed = 100 * (tx - rx) / tx
    check(tx == 100 and 36 <= failed <= 66, f"{failed:.0f}% of pings failed, expected 51% +- 15%")
    drops = c.stats()["ports"]
    check(drops[1]["drop_loss"] + drops[2]["drop_loss"] > 0, "switch counted no drop_loss")
    ctx.note = f"{failed:.0f}% failed"
    c.net("* * clear")
    expect(c, 1, "ping -c 5 -i 0.02 2")


@scenario(120, needs=("tshark",))
def pcap_tshark(ctx):
    """A capture of pings and UDP echoes decodes in tshark with checksum checks
    on: no malformed frame, no expert warning, UDP checksums never 0.
    Without the naming service: its traffic would resolve every ARP entry
    before the capture starts."""
    c = ctx.cluster(3, node_args={k: "services=" for k in (1, 2, 3)})
    path = os.path.join(c.dir, "run.pcap")
    c.pcap_start(path)
    expect(c, 1, "ping -c 3 -i 0.05 2")
    expect(c, 3, "ping -c 2 -i 0.05 10.0.0.1")
    expect(c, 2, "udpecho -c 5 -s 1472 3")
    expect(c, 1, "udpecho -c 5 -s 0 2")
    expect(c, 3, "udpecho -c 5 -s 333 1")
    r = c.pcap_stop()
    check(" frames written" in r, r)
    base = ["tshark", "-n", "-r", path, "-o", "ip.check_checksum:TRUE",
            "-o", "udp.check_checksum:TRUE"]
    if subprocess.run(["tshark", "-G", "defaultprefs"], capture_output=True, text=True
                      ).stdout.find("icmp.check_checksum") >= 0:
        base += ["-o", "icmp.check_checksum:TRUE"]
    r = subprocess.run(base, capture_output=True, text=True, timeout=60)
    check(r.returncode == 0, f"tshark failed: {r.stderr}")
    text = r.stdout
    check("Malformed" not in text, f"tshark shows a malformed frame:\n{text[:3000]}")
    check("ARP" in text and "ICMP" in text, f"no ARP or ICMP frame:\n{text[:2000]}")
    r = subprocess.run(base + ["-q", "-z", "expert"], capture_output=True, text=True, timeout=60)
    check(not re.search(r"^(Errors|Warns|Warnings) \(", r.stdout, re.M),
          f"tshark expert info:\n{r.stdout}")
    r = subprocess.run(base + ["-V"], capture_output=True, text=True, timeout=60)
    for bad in ("[Malformed", "Bad checksum", "incorrect", "Expert Info (Warning",
                "Expert Info (Error"):
        check(bad not in r.stdout, f"tshark -V shows {bad!r}")
    r = subprocess.run(base + ["-Y", "ip", "-T", "fields", "-e", "ip.checksum.status",
                               "-e", "udp.checksum", "-e", "udp.checksum.status",
                               "-e", "icmp.checksum.status"],
                       capture_output=True, text=True, timeout=60)
    rows = [ln.split("\t") for ln in r.stdout.splitlines()]
    udp = [row for row in rows if row[1]]
    icmp = [row for row in rows if row[3]]
    check(len(udp) >= 30 and len(icmp) >= 10, f"{len(udp)} UDP, {len(icmp)} ICMP frames")
    check(all(row[0] == "1" for row in rows), "an IPv4 header checksum is not Good")
    check(all(int(row[1], 16) != 0 and row[2] == "1" for row in udp),
          f"a UDP checksum is 0 or not Good: {[row for row in udp if row[2] != '1'][:3]}")
    check(all(row[3] == "1" for row in icmp), "an ICMP checksum is not Good")
    # Negative control: the same checks do catch bad checksums (a capture of
    # what nodes receive over a link that flips one bit per frame).
    bad_path = os.path.join(c.dir, "corrupt.pcap")
    c.pcap_start(bad_path, "tx")
    c.net("1 2 corrupt 1")
    c.exec(1, "ping -c 2 -i 0.05 -W 0.3 2; udpecho -c 2 -s 100 2", 30)
    c.pcap_stop()
    c.net("* * clear")
    r = subprocess.run(base[:3] + [bad_path] + base[4:] + ["-q", "-z", "expert"],
                       capture_output=True, text=True, timeout=60)
    check("Bad checksum" in r.stdout and re.search(r"^(Errors|Warns) \(", r.stdout, re.M),
          f"corrupted capture not flagged by tshark:\n{r.stdout}")
    ctx.note = f"{len(rows)} IPv4 frames, {len(udp)} UDP"


@scenario(120)
def kill_restart_pause(ctx):
    """kill stops a node (others see it gone), restart brings it back with its
    address; pause/resume freeze and thaw it."""
    c = ctx.cluster(3)
    expect(c, 1, "ping -c 1 3")
    c.kill(3)
    st = c.status()
    check(not st["nodes"]["3"]["alive"], "node 3 still alive after kill")
    try:
        c.exec(3, "true", 5)
        raise Fail("exec on a killed node succeeded")
    except ExecTimeout:
        raise Fail("exec on a killed node timed out instead of failing")
    except ClusterError:
        pass
    expect(c, 1, "ping -c 2 -i 0.05 -W 0.3 3", status=1)
    pid = st["nodes"]["3"]["pid"]
    c.restart(3)
    check(c.status()["nodes"]["3"]["pid"] != pid, "same pid after restart")
    expect(c, 1, "ping -c 2 -i 0.05 3")
    expect(c, 3, "ping -c 1 2")
    c.pause(2)
    check(c.status()["nodes"]["2"]["paused"], "not shown paused")
    expect(c, 1, "ping -c 2 -i 0.05 -W 0.3 2", status=1)
    c.resume(2)
    expect(c, 1, "ping -c 2 -i 0.05 2")
    check(c.exec(2, "echo thawed", 20) == ("thawed", 0), "exec after resume")


@scenario(60)
def teardown_clean(ctx):
    """down() leaves no QEMU, switch or supervisor, and no socket."""
    c = ctx.cluster(3)
    d = c.dir
    check(len(leftovers(d)) == 5, f"expected supervisor+switch+3 QEMU:\n{leftovers(d)}")
    c.down(remove=False)
    left = wait_gone(d, 5)
    check(not left, f"left behind:\n{left}")
    socks = [f for f in os.listdir(d) if f.endswith(".sock")]
    check(not socks, f"sockets left: {socks}")
    shutil.rmtree(d, ignore_errors=True)


CHILD = r"""
import sys, time
sys.path.insert(0, {tools!r})
from clusterlib import Cluster
c = Cluster(3, dir={dir!r})
c.up()
print("UP", flush=True)
time.sleep(600)
"""


@scenario(90)
def runner_killed(ctx):
    """A test runner killed with SIGKILL mid-run leaves nothing behind."""
    import tempfile
    d = tempfile.mkdtemp(prefix="mkc-", dir="/tmp")
    try:
        child = subprocess.Popen([sys.executable, "-c",
                                  CHILD.format(tools=os.path.join(ROOT, "tools"), dir=d)],
                                 stdout=subprocess.PIPE, text=True)
        line = child.stdout.readline()
        check(line.strip() == "UP", f"child runner did not come up: {line!r}")
        check(len(leftovers(d)) >= 5, f"cluster not running:\n{leftovers(d)}")
        child.kill()
        child.wait()
        left = wait_gone(d, 10)
        check(not left, f"left behind after SIGKILL of the runner:\n{left}")
        # The same for the detached CLI cluster: `down` of a cluster whose
        # supervisor was SIGKILLed still cleans up (QEMU dies with it).
        r = cli("up", "-n", "2", "--dir", d + "/c")
        check(r.returncode == 0, f"cli up: {r.stderr}")
        sup = int(open(os.path.join(d, "c", "supervisor.pid")).read())
        os.kill(sup, signal.SIGKILL)
        left = wait_gone(d + "/c", 10)
        check(not left, f"left behind after SIGKILL of the supervisor:\n{left}")
        r = cli("down", "--dir", d + "/c")
        check(r.returncode == 0, f"down after a dead supervisor: rc {r.returncode} {r.stderr}")
    finally:
        kill_leftovers(d)
        shutil.rmtree(d, ignore_errors=True)


@scenario(120)
def cli_two_clusters(ctx):
    """tools/cluster up/exec/partition/down on two clusters at once (--dir and
    CLUSTER_DIR), each isolated from the other."""
    import tempfile
    base = tempfile.mkdtemp(prefix="mkc-", dir="/tmp")
    a, b = base + "/a", base + "/b"
    try:
        r = cli("up", "-n", "2", "--dir", a, "--node-args", "2:foo=bar")
        check(r.returncode == 0 and r.stdout.strip() == a, f"up a: {r.stdout} {r.stderr}")
        r = cli("up", "-n", "3", "--dir", b)
        check(r.returncode == 0, f"up b: {r.stderr}")
        r = cli("up", "-n", "3", "--dir", b)
        check(r.returncode != 0 and "already" in r.stderr, f"second up on b: {r.stderr}")
        envb = dict(os.environ, CLUSTER_DIR=b)
        r = cli("exec", "3", "ping -c 1 2", env=envb)
        check(r.returncode == 0, f"b: 3 pings 2: {r.stdout}")
        r = cli("exec", "1", "ping -c 1 -W 0.3 3", "--dir", a)
        check(r.returncode == 1, f"a has no node 3 but it answered: {r.stdout}")
        r = cli("exec", "--dir", a, "1", "ping -c 1 2")
        check(r.returncode == 0, f"a: 1 pings 2: {r.stdout} {r.stderr}")
        r = cli("partition", "1/2", "--dir", a)
        check(r.returncode == 0 and r.stdout.startswith("ok"), f"partition: {r.stdout}")
        r = cli("exec", "1", "ping -c 1 -W 0.3 2", "--dir", a)
        check(r.returncode == 1, "partitioned ping answered")
        r = cli("exec", "1", "ping -c 1 2", env=envb)
        check(r.returncode == 0, "cluster b affected by a's partition")
        cli("heal", "--dir", a)
        r = cli("net", "loss", "1", "--dir", a)
        check(r.returncode == 0, f"net: {r.stderr}")
        r = cli("exec", "1", "ping -c 1 -W 0.3 2", "--dir", a)
        check(r.returncode == 1, "100% loss ping answered")
        cli("net", "clear", "--dir", a)
        r = cli("kill", "2", "--dir", a)
        r = cli("status", "--dir", a)
        check(r.returncode == 1 and "dead" in r.stdout, f"status after kill:\n{r.stdout}")
        r = cli("restart", "2", "--dir", a)
        check(r.returncode == 0, f"restart: {r.stderr}")
        r = cli("exec", "1", "ping -c 1 2", "--dir", a)
        check(r.returncode == 0, "ping after restart")
        with open(os.path.join(a, "cluster.json")) as f:
            check('"2": "foo=bar"' in f.read(), "node args not recorded")
        r = cli("log", "2", "-n", "200", "--dir", a)
        check("foo=bar" in r.stdout or "n2$" in r.stdout, f"log:\n{r.stdout}")
        for d in (a, b):
            r = cli("down", "--dir", d)
            check(r.returncode == 0, f"down {d}: {r.stderr}")
            left = wait_gone(d, 5)
            check(not left, f"left behind:\n{left}")
        r = cli("status", "--dir", a)
        check(r.returncode != 0, "status of a downed cluster succeeded")
    finally:
        for d in (a, b):
            cli("down", "--dir", d)
        shutil.rmtree(base, ignore_errors=True)


@scenario(90)
def console_run(ctx):
    """`tools/cluster run -n 2` in a terminal: node 1's console is interactive,
    node 2 reachable meanwhile; Ctrl-A X tears everything down."""
    import tempfile
    d = tempfile.mkdtemp(prefix="mkc-", dir="/tmp")
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(CLI, [CLI, "run", "-n", "2", "--dir", d])
    buf = b""

    def read_until(pattern, timeout):
        nonlocal buf
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if re.search(pattern, buf):
                return True
            r, _, _ = select.select([fd], [], [], 0.2)
            if r:
                try:
                    buf += os.read(fd, 4096)
                except OSError:
                    break
        return bool(re.search(pattern, buf))
    try:
        check(read_until(rb"console of node 1", 60), f"no console banner:\n{buf[-500:]!r}")
        os.write(fd, b"\r")  # a fresh prompt first: the shell may still be printing
        check(read_until(rb"n1\$ ", 20), f"no prompt:\n{buf[-500:]!r}")
        os.write(fd, b"echo con''sole\r")
        check(read_until(rb"console\r?\n", 10), f"no echo:\n{buf[-500:]!r}")
        r = cli("exec", "2", "ping -c 1 1", "--dir", d)
        check(r.returncode == 0, f"exec on node 2 meanwhile: {r.stdout} {r.stderr}")
        os.write(fd, b"\x01x")
        read_until(rb"cluster: down", 30)
        _, status = os.waitpid(pid, 0)
        pid = None
        check(os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0,
              f"run exited with status {status}")
        left = wait_gone(d, 5)
        check(not left, f"left behind:\n{left}")
    finally:
        if pid:
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except OSError:
                pass
        os.close(fd)
        kill_leftovers(d)
        shutil.rmtree(d, ignore_errors=True)


@scenario(240)
def cluster16(ctx):
    """16 nodes boot on this host, with the naming service on each (3 voters,
    13 learners), and every node reaches every other (all 240 ordered pairs
    ping), plus a UDP echo across the cluster. Idle, the 16 QEMUs together
    use well under one host core."""
    t0 = time.monotonic()
    c = ctx.cluster(16, all_services=True)  # once every node's services are ready
    boot = time.monotonic() - t0
    pids = [c.status()["nodes"][str(k)]["pid"] for k in range(1, 17)]

    def cpu_s():
        total = 0
        for p in pids:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime + stime
        return total / os.sysconf("SC_CLK_TCK")
    time.sleep(2)
    a, t1 = cpu_s(), time.monotonic()
    time.sleep(5)
    idle = (cpu_s() - a) / (time.monotonic() - t1)
    # The budget: well under one core. Three replicated services (naming,
    # the file service's metadata, the scheduler) now run on every node:
    # 0.44-0.55 measured, so the old 0.5 line sat inside the spread
    # (docs/sched.md; bringing it down again is noted in issue 15).
    check(idle < 0.75, f"16 idle nodes use {idle:.2f} host cores")
    n = 16
    for k in range(1, n + 1):  # every node pings every other, once
        others = [t for t in range(1, n + 1) if t != k]
        out = expect(c, k, "; ".join(f"ping -c 1 -W 2 {t}" for t in others), timeout=90)
        check(out.count(" 1 received") == n - 1, f"node {k} -> all:\n{out}")
    expect(c, 16, "udpecho -c 3 -s 1000 1", timeout=30)
    ctx.note = f"boot to naming ready {boot:.1f} s, idle {idle:.2f} cores"


# ---- runner ------------------------------------------------------------------

def counters(out):
    """`rpcstat` / `netstat` output as a dict."""
    return dict((w[0], int(w[1])) for w in (ln.split() for ln in out.splitlines())
                if len(w) == 2 and w[1].isdigit())


@scenario(180)
def ipc_remote(ctx):
    """Transparent IPC: call/reply from nodes 1 and 3 to a port on node 2 with
    payloads from 0 bytes to 68 KiB, checked byte for byte; the calculator
    service on node 1 reached from every node (call and streaming sum)."""
    c = ctx.cluster(3)
    expect(c, 2, "echod &")
    expect(c, 1, "calcd &")
    for k in (1, 3):
        for size in (0, 1, 1367, 1368, 1369, 4096, 65536, 69632):
            out = expect(c, k, f"ipcping -n 2 -c 3 {size}", timeout=60)
            check("3/3 ok" in out, f"node {k}, {size} bytes: {out}")
    for k in (1, 2, 3):
        check(expect(c, k, "calc -n 1 add 2 40").strip() == "42", f"calc add from node {k}")
        out = expect(c, k, "calc -n 1 sum 300", timeout=60).strip()
        check(out == "45150", f"calc sum 300 from node {k}: {out!r}")
    st = counters(expect(c, 2, "rpcstat"))
    check(st["bad_mac"] == 0 and st["bad_frames"] == 0 and st["replayed"] == 0,
          f"node 2 counted bad frames: {st}")


@scenario(120)
def ipc_frames_per_call(ctx):
    """A small remote call costs two frames, the request and the reply:
    the caller's next request to the node acknowledges the last reply, so no
    separate ACK goes out per call (docs/ipc.md)."""
    c = ctx.cluster(2, node_args={1: "services=", 2: "services="})  # a quiet fabric
    expect(c, 2, "echod &")
    expect(c, 1, "ipcping -n 2 -c 5 0")  # lookups and ARP out of the way
    before = counters(expect(c, 1, "rpcstat"))["tx_frames"]
    expect(c, 1, "ipcping -n 2 -c 200 0", timeout=60)
    sent = counters(expect(c, 1, "rpcstat"))["tx_frames"] - before
    check(sent < 200 * 1.2, f"200 calls took {sent} frames from the caller (one each expected)")
    ctx.note = f"{sent} caller frames for 200 calls"


@scenario(300)
def ipc_at_most_once(ctx):
    """A counter service called under 20% loss plus 20% duplication on every
    link ends between the calls that succeeded and that plus the calls that
    timed out, and never sees a request twice; the same while the server's
    node is restarted during the calls."""
    c = ctx.cluster(3)
    expect(c, 2, "counterd &")
    expect(c, 1, "counter -n 2 get")  # ARP and bootstrap before the faults
    expect(c, 3, "counter -n 2 get")
    c.seed(11)
    c.net("* * loss 0.2 dup 0.2")
    out1 = expect(c, 1, "counter -n 2 -t 3000 150", timeout=240)
    out3 = expect(c, 3, "counter -n 2 -t 3000 150", timeout=240)
    c.net("* * clear")
    ok = to = 0
    for out in (out1, out3):
        m = re.search(r"ok (\d+) timeout (\d+) error (\d+)", out)
        check(m and m.group(3) == "0", f"counter client: {out}")
        ok += int(m.group(1))
        to += int(m.group(2))
    value = int(expect(c, 1, "counter -n 2 get").strip())
    check(ok <= value <= ok + to, f"counter {value} outside [{ok}, {ok + to}]")
    log = c.tail(2, 400)
    check("DUPLICATE" not in log, "the server executed a request twice:\n" + log)
    dups = counters(expect(c, 2, "rpcstat"))["duplicates"]
    ctx.note = f"{ok} ok, {to} timed out, counter {value}, {dups} duplicates suppressed"
    # The server's node restarts while a client calls: the calls in flight
    # fail cleanly (timeout, or "connection refused" once the new node
    # answers for a port that no longer exists), none hangs, none runs twice.
    finished = re.compile(r"counter: ok (\d+) timeout (\d+) error (\d+)")
    seen = len(finished.findall(c.tail(1, 5000)))
    expect(c, 1, "counter -n 2 -t 1000 4000 &")
    time.sleep(0.3)
    c.restart(2)
    expect(c, 2, "counterd &")
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and len(finished.findall(c.tail(1, 5000))) == seen:
        time.sleep(1)
    runs = list(finished.finditer(c.tail(1, 5000)))
    check(len(runs) > seen, "the client did not finish after the restart:\n" + c.tail(1, 30))
    m = runs[-1]  # this run's summary: the last one in the log
    check(int(m.group(2)) + int(m.group(3)) > 0, f"no call noticed the restart: {m.group(0)}")
    check("DUPLICATE" not in c.tail(2, 400), "duplicate after restart")
    expect(c, 1, "counter -n 2 3")  # the new server works
    ctx.note += f"; during restart: {m.group(0)}"


@scenario(180)
def ipc_flow_control(ctx):
    """A fast sender to a slow receiver: full queues refuse (EAGAIN) instead
    of growing, every accepted message arrives, and kernel memory stays
    bounded."""
    c = ctx.cluster(2)
    expect(c, 2, "sinkd 20 &")
    mem0 = expect(c, 2, "mem")
    out = expect(c, 1, "ipcflood -n 2 60 16384", timeout=120)
    m = re.search(r"sent (\d+) full (\d+) error (\d+)", out)
    check(m and m.group(1) == "60" and m.group(3) == "0", f"ipcflood: {out}")
    check(int(m.group(2)) > 0, f"the sender never saw a full queue: {out}")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and "sinkd: received 60 messages" not in c.tail(2, 40):
        time.sleep(1)  # the sink drains one message per 20 ms
    check("sinkd: received 60 messages" in c.tail(2, 40),
          "the sink did not get all 60 accepted messages:\n" + c.tail(2, 20))
    free = lambda out: int(re.search(r"free (\d+)", out).group(1))  # noqa: E731
    mem1 = expect(c, 2, "mem")
    check(free(mem0) - free(mem1) < 200, f"free pages fell from {free(mem0)} to {free(mem1)}")
    ctx.note = f"{m.group(2)} sends refused while the sink was full"


def hear_from(c, a, b):
    """Node a hears from node b (a kernel request that b answers), so that a
    knows b's boot epoch."""
    expect(c, a, "ps")


def spawn_across_a_restart(c):
    """Node 2 paused, `run -n 2 echo spawned-once` from node 1, node 2
    killed and restarted while node 1 retransmits: the run's (output,
    status)."""
    c.pause(2)
    spawn = BackgroundExec(c, 1, "run -n 2 echo spawned-once", timeout=60)
    time.sleep(1.0)  # the request is out and being retransmitted
    c.kill(2)
    c.restart(2)
    return spawn.result(60)


def spawn_while_target_restarts(c):
    """A spawn request retransmitted across its target's restart: the new
    boot must refuse it (ECONNRESET, counted as stale_kernel) and serve the
    next one."""
    out, st = spawn_across_a_restart(c)
    check("spawned-once" not in out, f"the new boot ran a request meant for the old one:\n{out}")
    check(st != 0 and "reset" in out.lower(), f"run -n 2 across the restart: {st} {out!r}")
    stale = counters(expect(c, 2, "rpcstat"))["stale_kernel"]
    check(stale >= 1, f"node 2 counted {stale} stale kernel requests")
    # And the restarted node serves new requests (its new epoch is learnt).
    check(expect(c, 1, "run -n 2 echo fresh").strip() == "fresh", "spawn after the restart")


@scenario(120)
def spawn_across_restart(ctx):
    """A remote spawn whose request is still being retransmitted when its
    target restarts is refused by the new boot (ECONNRESET), never run
    there: kernel requests name the boot they were meant for."""
    c = ctx.cluster(2, node_args={1: "services=", 2: "services="})
    hear_from(c, 1, 2)
    spawn_while_target_restarts(c)


@scenario(120)
def spawn_first_contact_restart(ctx):
    """The same when the caller has never heard from the target, so knows no
    boot of it to name: it first asks the target for its registry port (a
    question any boot may answer, kernel/kreq.c), and names the boot that
    answered. Target paused, then restarted while that question waits: the
    new boot answers, and the spawn, never sent to the old boot, runs
    there, once. A first contact with a node already up is served, whatever
    the two clocks say (it used to carry the sender's wall clock: with
    CLUSTER_SKEW, node 1 10 s behind node 2, every first contact failed)."""
    c = ctx.cluster(2, node_args={1: "services=", 2: "services="})
    rx = counters(expect(c, 1, "rpcstat"))["rx_frames"]
    check(rx == 0, f"node 1 has heard from node 2 already ({rx} frames): not a first contact")
    out, st = spawn_across_a_restart(c)  # (the question is what is retransmitted)
    check(st == 0 and out.count("spawned-once") == 1, f"run -n 2 across the restart: {st} {out!r}")
    d = ctx.cluster(2, node_args={1: "services=", 2: "services="})
    check(expect(d, 1, "run -n 2 echo first").strip() == "first", "a first contact is refused")


@scenario(150)
def restart_within_a_second(ctx):
    """A node restarted again and again, each boot within about a second of
    the last: every boot's wall clock reads no earlier than its launch plus
    its uptime, so its boot epoch is larger than the last boot's and its
    peer takes its frames (and serves its kernel requests). QEMU's goldfish
    RTC alone lags the host by a different fraction of a second each boot:
    a smaller epoch then, and every frame refused as a replay (naming_learner
    lost its learner so, 2026-12-07)."""
    c = ctx.cluster(2, node_args={1: "services=", 2: "services="})
    hear_from(c, 1, 2)
    lags = []
    for i in range(5):
        before = time.time()
        c.restart(2)
        out = expect(c, 2, "uptime; date")
        m = re.search(r"up (\d+\.\d+) s\s+(\d+\.\d+) ", out)
        check(m, f"uptime; date printed {out!r}")
        up, wall = float(m.group(1)), float(m.group(2))
        # The kernel's bound (kernel/main.c wall_clock_init): launched_ms +
        # the time CSR; `before` precedes the launch, `uptime` the reading.
        check(wall >= before + up - 0.002,
              f"boot {i + 1}: the wall clock reads {before + up - wall:.3f} s before launch + uptime")
        lags.append(time.time() - wall)
        # Node 1 heard the last boot: it must take this one's frames.
        got = expect(c, 2, "run -n 1 echo from-new-boot", timeout=20).strip()
        check(got == "from-new-boot", f"boot {i + 1}: a call to node 1 gave {got!r}")
    replayed = counters(expect(c, 1, "rpcstat"))["replayed"]
    check(replayed == 0, f"node 1 refused {replayed} frames of node 2 as replays")
    ctx.note = f"5 restarts, wall clock behind the host by {min(lags):.3f}-{max(lags):.3f} s"


@scenario(120)
def ipc_datagram(ctx):
    """SEND_DATAGRAM: multi-fragment datagrams arrive whole on a clean
    link; with every frame duplicated none arrives twice; under loss some
    are lost and the sender never waits or sees an error."""
    c = ctx.cluster(2, node_args={1: "services=", 2: "services="})
    expect(c, 2, "sinkd 0 &")

    def received():
        m = re.findall(r"sinkd: received (\d+) messages", c.tail(2, 60))
        return int(m[-1]) if m else 0
    out = expect(c, 1, "ipcflood -d -n 2 20 3000", timeout=60)
    check("sent 20 full 0 error 0" in out, f"ipcflood -d: {out}")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and received() < 20:
        time.sleep(0.3)
    check(received() == 20, f"clean link: the sink got {received()} of 20")
    c.net("1 2 dup 1")
    expect(c, 1, "ipcflood -d -n 2 20 3000", timeout=60)
    time.sleep(2)
    check(received() == 40, f"duplicated frames: the sink counts {received()}, not 40")
    c.net("1 2 clear")
    c.net("1 2 loss 0.3")
    t0 = time.monotonic()
    out = expect(c, 1, "ipcflood -d -n 2 30 3000", timeout=60)
    took = time.monotonic() - t0
    check("sent 30 full 0 error 0" in out, f"ipcflood -d under loss: {out}")
    check(took < 5, f"30 datagrams under 30% loss took {took:.1f} s: the sender waited")
    time.sleep(2)
    got = received() - 40
    check(0 <= got < 30, f"under 30% loss (3 frames each) {got} of 30 arrived")
    c.net("1 2 clear")
    out = counters(expect(c, 1, "rpcstat"))
    check(out["datagrams"] >= 70, f"rpcstat counts {out['datagrams']} datagrams")
    ctx.note = f"{got} of 30 arrived under 30% loss"


@scenario(120)
def ipc_peer_down(ctx):
    """A call to a node that is killed fails within its timeout; calls to the
    surviving nodes keep working."""
    c = ctx.cluster(3)
    expect(c, 2, "echod &")
    expect(c, 3, "echod &")
    expect(c, 1, "ipcping -n 2 -c 2 100")
    c.kill(2)
    t0 = time.monotonic()
    out, st = c.exec(1, "counter -n 2 get", 60)  # a lookup through node 2's registry
    el = time.monotonic() - t0
    check(st != 0 and ("down" in out.lower() or "timed out" in out.lower()),
          f"call to a dead node: status {st}, {out!r}")
    check(el < 20, f"the failure took {el:.1f} s")
    expect(c, 1, "ipcping -n 3 -c 5 1000")
    ctx.note = f"failed after {el:.1f} s: {out.strip()}"


@scenario(150)
def ipc_auth(ctx):
    """A node started with the wrong key cannot call the others (its frames
    fail the MAC and are counted); replayed and truncated frames injected
    through the switch are rejected and counted."""
    # (node 3 runs no naming server: with the wrong key it could never join)
    c = ctx.cluster(3, node_args={3: "key=" + "ab" * 32 + " services="})
    expect(c, 1, "echod &")
    expect(c, 2, "ipcping -n 1 -c 2 10")
    out, st = c.exec(3, "ipcping -n 1 -c 1 10", 60)
    check(st != 0, f"the node with the wrong key got through: {out}")
    bad = counters(expect(c, 1, "rpcstat"))["bad_mac"]
    check(bad > 0, "node 1 counted no bad MAC")
    # Replay and truncation: capture a genuine frame from node 2 to node 1.
    pcap = os.path.join(c.dir, "auth.pcap")
    c.pcap_start(pcap)
    expect(c, 2, "ipcping -n 1 -c 1 10")
    c.pcap_stop()
    frames = read_pcap(pcap)
    rpc = [f for f in frames if len(f) > 42 and f[12:14] == b"\x08\x00" and f[23] == 17
           and f[36:38] == (4100).to_bytes(2, "big") and f[30:34] == bytes([10, 0, 0, 1])]
    check(rpc, "no RPC frame to node 1 in the capture")
    before = counters(expect(c, 1, "rpcstat"))
    c.switch(f"inject 1 {rpc[0].hex()}")           # replay
    c.switch(f"inject 1 {rpc[0][:-20].hex()}")     # truncated (the IP length is now wrong)
    time.sleep(0.5)
    after = counters(expect(c, 1, "rpcstat"))
    net = counters(expect(c, 1, "netstat"))
    check(after["replayed"] > before["replayed"], f"replay not counted: {before} -> {after}")
    check(net["rx_bad_ip"] + net["rx_bad_udp"] > 0 or after["bad_frames"] > before["bad_frames"]
          or after["bad_mac"] > before["bad_mac"], f"truncated frame not counted: {net}")


@scenario(180)
def global_processes(ctx):
    """Processes across nodes: `run -n K` starts a program on node K whose
    output appears on the starting node's console before its exit status is
    reported; wait, kill and $? work across nodes; ps lists every node."""
    c = ctx.cluster(3)
    out = expect(c, 1, "run -n 2 echo hello from two")
    check(out.strip() == "hello from two", f"remote output: {out!r}")
    out = expect(c, 1, "run -n 3 args one 'two words'")
    check("two words" in out, f"remote argv: {out!r}")
    _, st = c.exec(1, "run -n 3 exitcode 7", 30)
    check(st == 7, f"remote exit status {st}")
    _, st = c.exec(1, "run -n 2 fault null", 30)
    check(st == 139, f"a remote fault gave status {st}")
    out = expect(c, 1, "run -n 2 sleep 30 &")
    m = re.match(r"^\[(\d+)\]$", out.strip())
    check(m and int(m.group(1)) // 100000 == 2, f"remote pid {out!r} does not name node 2")
    pid = int(m.group(1))
    out = expect(c, 1, "ps")
    check(re.search(rf"^\s*{pid}\s+\d+\s+sleeping\s+2\s.*sleep$", out, re.M),
          f"ps does not show {pid} on node 2:\n{out}")
    for k in (1, 2, 3):
        check(re.search(rf"^\s*{k}0000\d\s+0\s+\w+\s+{k}\s.*sh$", out, re.M),
              f"ps does not show node {k}'s shell:\n{out}")
    expect(c, 1, f"kill {pid}")
    t0 = time.monotonic()
    expect(c, 1, "wait", timeout=30)  # the shell reaps it here or at the prompt before
    check(f"[{pid}] done 143" in c.tail(1, 40) and time.monotonic() - t0 < 10,
          "remote kill + wait:\n" + c.tail(1, 10))
    _, st = c.exec(1, "run -n 9 true", 30)
    check(st == 126, f"a node outside the cluster: status {st}")
    out = expect(c, 2, "run -n 3 echo to node two", timeout=30)  # output goes home: node 2
    check(out.strip() == "to node two", f"output from node 3 to node 2: {out!r}")
    # A child whose node dies: the parent's wait ends (status 137), never hangs.
    out = expect(c, 1, "run -n 3 sleep 60 &")
    pid = int(re.match(r"^\[(\d+)\]$", out.strip()).group(1))
    c.kill(3)
    t0 = time.monotonic()
    expect(c, 1, "wait", timeout=40)
    el = time.monotonic() - t0
    check(f"[{pid}] done 137" in c.tail(1, 40), "lost child not reaped:\n" + c.tail(1, 10))
    check(el < 30, f"the wait for a lost child took {el:.1f} s")
    ctx.note = f"a child on a killed node was reaped after {el:.1f} s"


def read_pcap(path):
    """The frames of a classic pcap file."""
    import struct
    data = open(path, "rb").read()
    out, off = [], 24
    while off + 16 <= len(data):
        incl = struct.unpack_from("<I", data, off + 8)[0]
        out.append(data[off + 16:off + 16 + incl])
        off += 16 + incl
    return out


if __name__ == "__main__":
    sys.exit(run(scenario, "net"))
