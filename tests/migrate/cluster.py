#!/usr/bin/python3
"""Process migration on real QEMU clusters (stdlib only).

    tests/migrate/cluster.py [FILTER]

The runner of tests/common/ (one cluster per scenario, time limits,
teardown, `N passed, M failed`); node logs are kept in
build/test-runs/migrate/<scenario>/. In the style of CRIU's zdtm: `mover`
(user/mover.c) puts a process in a state, moves it, and checks the state.
"""
import os
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "common"))
from clusterctx import BackgroundExec, ClusterError, Scenarios, check, expect, run  # noqa: E402

scenario = Scenarios(reasons=(ClusterError,))

SERVICES = "services=naming"  # no file service: these scenarios need only processes


def ps_lines(c, k, pid):
    """The lines of `ps` on node k that name pid (ps exits 1 when a node
    does not answer, listing the others)."""
    out, st = c.exec(k, "ps", timeout=60)
    check(st in (0, 1), f"ps on node {k} exited {st}:\n{out}")
    return [ln for ln in out.splitlines() if re.match(rf"\s*{pid}\b", ln)]


def free_pages(c, k):
    m = re.search(r"free (\d+) pages", expect(c, k, "mem"))
    check(m, "mem printed no free page count")
    return int(m.group(1))


@scenario(240)
def migrate_memory_and_fp(ctx):
    """A process with 16 MiB of memory and FP values in registers moves
    itself 1 -> 2 -> 3 -> 1 -> 2: after every move it runs on the node it
    asked for, with the same pid, and its memory's checksum and its FP
    values are unchanged. The nodes' clocks are skewed and drift (docs/trace.md,
    "Clocks"): moves do not rest on them."""
    c = ctx.cluster(3, node_args={k: SERVICES for k in (1, 2, 3)}, skew=True)
    out = expect(c, 1, "mover mem 16 2,3,1,2", timeout=180)
    check("FAIL" not in out and out.count("MiB intact") == 4, out)
    ctx.note = out.splitlines()[-1]


@scenario(180)
def migrate_sleeping_child(ctx):
    """A child asleep in sleep() is moved by its parent to node 3: it wakes
    there on time (the sleep restarted with the time that was left), and its
    exit status reaches its parent on node 1."""
    c = ctx.cluster(3, node_args={k: SERVICES for k in (1, 2, 3)})
    out = expect(c, 1, "mover sleep 2000 3", timeout=60)
    check("woke on node 3" in out and "exited 7" in out and "FAIL" not in out, out)


@scenario(180)
def migrate_waiting_parent(ctx):
    """A parent moves itself to node 2 while its child runs on node 1; its
    wait() there gets the child's status."""
    c = ctx.cluster(3, node_args={k: SERVICES for k in (1, 2, 3)})
    out = expect(c, 1, "mover wait 2", timeout=60)
    check("on node 2, child" in out and "exited 7" in out and "FAIL" not in out, out)


@scenario(240)
def migrate_kill_ps_and_source_death(ctx):
    """A process started on node 1 moves to node 2: `ps` on node 3 lists it
    once, on node 2; its output keeps coming to node 1's console. Node 1 is
    then killed: the process carries on, and `kill` from node 3 still
    reaches it (its home is gone: the pid is located by asking every node)."""
    c = ctx.cluster(3, node_args={k: SERVICES for k in (1, 2, 3)})
    BackgroundExec(c, 1, "mover stay 2 60", 90)  # runs on; its output is checked in the log
    deadline = time.monotonic() + 30
    pid = None
    while time.monotonic() < deadline and pid is None:
        m = re.search(rb"mover: pid (\d+) tick 1 on node 2", c._log_bytes(1))
        pid = int(m.group(1)) if m else None
        time.sleep(0.2)
    check(pid, "no tick from node 2 on node 1's console")
    lines = ps_lines(c, 3, pid)
    check(len(lines) == 1 and lines[0].split()[3] == "2" and lines[0].split()[4] == "1",
          f"ps on node 3 should list pid {pid} once, NODE 2, HOME 1: {lines}")
    c.kill(1)
    time.sleep(3)
    lines = ps_lines(c, 3, pid)
    check(len(lines) == 1, f"after node 1 died, ps lists pid {pid} {len(lines)} times")
    out = expect(c, 3, f"deps {pid}", timeout=60)
    check("depends on: node 2\n" in out + "\n" and "runs on node 2 (started on node 1)" in out,
          f"deps after the source died:\n{out}")
    t0 = time.monotonic()
    expect(c, 3, f"kill -9 {pid}", timeout=60)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and ps_lines(c, 3, pid):
        time.sleep(0.5)
    check(not ps_lines(c, 3, pid), f"pid {pid} still runs after kill from node 3")
    ctx.note = f"killed from node 3 {time.monotonic() - t0:.1f} s after asking, home node dead"


@scenario(300)
def migrate_round_no_leak(ctx):
    """A process moves itself round all three nodes 100 times: afterwards
    every node's free page count is back where it was (nothing left
    behind by the moves)."""
    c = ctx.cluster(3, node_args={k: SERVICES for k in (1, 2, 3)})
    before = {k: free_pages(c, k) for k in (1, 2, 3)}
    out = expect(c, 1, "mover round 100", timeout=240)
    check("100 rounds of 3 nodes, back on node 1" in out and "FAIL" not in out, out)
    time.sleep(1)
    after = {k: free_pages(c, k) for k in (1, 2, 3)}
    # The shell and this mem command are the same before and after; a few
    # pages of slack for message buffers in flight.
    for k in (1, 2, 3):
        check(abs(after[k] - before[k]) <= 8,
              f"node {k}: {before[k]} free pages before, {after[k]} after")
    ctx.note = f"free pages before {before}, after {after}"


def copies(c, k, pid):
    """How many nodes list pid (ps on node k)."""
    return len(ps_lines(c, k, pid))


@scenario(240)
def migrate_target_killed_midway(ctx):
    """The target node is killed while 24 MiB are on their way: the move
    fails with an error and the process goes on at the source, its memory
    intact; exactly one copy exists."""
    c = ctx.cluster(3, node_args={k: SERVICES for k in (1, 2, 3)})
    w = BackgroundExec(c, 1, "mover try 24 2", 120)
    m = c.wait_log(1, rb"mover: pid (\d+) moving", 60)
    pid = int(m.group(1))
    time.sleep(0.4)  # the pages are on their way (24 MiB take about 1.5 s)
    c.kill(2)
    out, st = w.result(100)
    check(st == 0 and f"pid {pid} stayed on node 1" in out and "24 MiB intact" in out,
          f"the move should fail and leave it on node 1:\n{out}")
    ctx.note = out.splitlines()[1] if len(out.splitlines()) > 1 else out


@scenario(240)
def migrate_partition_midway(ctx):
    """The source is cut off from the target while 24 MiB are on their way:
    the move fails, the process goes on at the source intact, and after the
    heal exactly one copy exists and the target has given back the memory
    it had taken for the pages."""
    c = ctx.cluster(3, node_args={k: SERVICES for k in (1, 2, 3)})
    base = free_pages(c, 2)
    w = BackgroundExec(c, 1, "mover try 24 2", 120)
    m = c.wait_log(1, rb"mover: pid (\d+) moving", 60)
    pid = int(m.group(1))
    time.sleep(0.4)
    c.partition("1/2,3")
    out, st = w.result(100)
    check(st == 0 and f"pid {pid} stayed on node 1" in out and "24 MiB intact" in out,
          f"the move should fail and leave it on node 1:\n{out}")
    c.heal()
    check(copies(c, 3, pid) == 0, "the process is listed although it has exited")
    # The pages that had arrived (several MiB) go back within the target's
    # 12 s idle limit. Slack: a request cut off mid-assembly stays in the
    # transport (net/rpc.c keeps it until its slot is needed): one 64 KiB
    # message, 17 pages, and a few for buffers.
    slack = 24
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline and free_pages(c, 2) < base - slack:
        time.sleep(2)
    now = free_pages(c, 2)
    check(now >= base - slack, f"node 2 kept the pages: {now} free, {base} before")
    ctx.note = f"node 2: {base} free pages before, {now} after" 


@scenario(240)
def migrate_target_out_of_memory(ctx):
    """A target without room for the process refuses before anything is
    frozen: the move fails with ENOMEM at once and the process goes on."""
    c = ctx.cluster(3, node_args={k: SERVICES for k in (1, 2, 3)})
    for _ in range(3):
        expect(c, 2, "mover hold 30 300 &")
    c.wait_log(2, rb"(?s)holding 30 MiB.*holding 30 MiB.*holding 30 MiB", 60)
    t0 = time.monotonic()
    out = expect(c, 1, "mover try 24 2", timeout=60)
    took = time.monotonic() - t0
    check("stayed on node 1 (Not enough space)" in out and "24 MiB intact" in out,
          f"the target should refuse for memory:\n{out}")
    ctx.note = f"refused in {took:.1f} s (including filling 24 MiB)"


@scenario(240)
def migrate_with_open_file(ctx):
    """A process writing a file in the file service moves with the file
    open and keeps writing: every line, from both sides of the move, reads
    back on another node, and its output kept coming to node 1's console."""
    c = ctx.cluster(3)  # the default services: naming and the file service
    out = expect(c, 1, "mover file /moved.txt 2", timeout=120)
    check("wrote /moved.txt on both sides" in out and "FAIL" not in out, out)
    text = expect(c, 3, "cat /moved.txt", timeout=60)
    want = "\n".join(f"line {i} from node {1 if i < 100 else 2}" for i in range(200))
    check(text == want, f"/moved.txt read on node 3 differs:\n{text[:400]}")


@scenario(240)
def migrate_open_file_removed(ctx):
    """A file open in a process that moved is removed from another node:
    the process, now elsewhere, still writes and reads all of it until it
    closes it (the node it left keeps its open reference while it lives:
    services/replica/sessions.c asks the kernel, kill(pid, 0))."""
    c = ctx.cluster(3)
    off = len(c._log_bytes(1))
    w = BackgroundExec(c, 1, "mover unlinked /gone.txt 2", 120)
    c.wait_log(1, rb"remove it now", 60, off)
    time.sleep(2)  # past the node's next check of the pids it watches
    expect(c, 3, "rm /gone.txt")
    out, st = w.result(120)
    check(st == 0 and "kept 200 lines until closed" in out and "FAIL" not in out, out)
    _, st = c.exec(3, "cat /gone.txt", timeout=30)
    check(st != 0, "/gone.txt still there after rm")


@scenario(300)
def migrate_server_under_calls(ctx):
    """A server (counterd) moves twice, 2 -> 3 -> 1, while clients on all
    three nodes call it, each time between taking a call and answering it:
    its port and queue go with it, callers are redirected (or, on the node
    it left, send again), the answer to the call it held goes back through
    the node it took it on. No call is lost or run twice: every call
    succeeds and the counter ends at their number."""
    c = ctx.cluster(3, node_args={k: SERVICES for k in (1, 2, 3)})
    expect(c, 2, "counterd 100 3 1 &")
    expect(c, 1, "counter -n 2 get")
    calls = 120
    clients = [BackgroundExec(c, k, f"counter -n 2 -t 20000 {calls}", 240) for k in (1, 2, 3)]
    outs = [w.result(260) for w in clients]
    ok = 0
    for k, (out, st) in zip((1, 2, 3), outs):
        m = re.search(r"ok (\d+) timeout (\d+) error (\d+)", out)
        check(m and st == 0 and m.group(2) == "0" and m.group(3) == "0",
              f"client on node {k}: {out}")
        ok += int(m.group(1))
    value = int(expect(c, 3, "counter -n 2 get").strip())
    check(value == ok == 3 * calls, f"counter {value}, {ok} calls answered, {3 * calls} made")
    log2 = c._log_bytes(2).decode(errors="replace")
    check("DUPLICATE" not in log2, "a call ran twice:\n" + log2[-2000:])
    check("moved to node 3" in log2 and "moved to node 1" in log2,
          "counterd did not move twice:\n" + log2[-2000:])
    m = re.search(r"^\s*(\d+)\s.*counterd$", expect(c, 1, "ps"), re.M)
    check(m, "counterd not in ps")
    lines = ps_lines(c, 1, int(m.group(1)))
    check(len(lines) == 1 and lines[0].split()[3] == "1", f"counterd in ps: {lines}")
    redirects = sum(int(re.search(r"redirects\s+(\d+)", expect(c, k, "rpcstat")).group(1))
                    for k in (1, 2, 3))
    out = expect(c, 3, f"deps {m.group(1)}")
    check("depends on: node 1" in out, f"deps of counterd:\n{out}")
    # Its first node dies while new clients call: they go on (their nodes
    # learnt where it went; node 2 is not on their path).
    offs = {k: len(c._log_bytes(k)) for k in (1, 3)}
    late = [BackgroundExec(c, k, f"counter -n 2 -t 20000 {calls}", 240) for k in (1, 3)]
    for k in (1, 3):
        c.wait_log(k, rb"counter: calling", 30, offs[k])  # looked up on node 2: now it may go
    c.kill(2)
    for k, w in zip((1, 3), late):
        out, st = w.result(260)
        mm = re.search(r"ok (\d+) timeout (\d+) error (\d+)", out)
        check(mm and st == 0 and mm.group(1) == str(calls),
              f"client on node {k} after node 2 died: {out}")
    ctx.note = f"{ok} calls, counter {value}, {redirects} redirects; node 2 killed, {2 * calls} more calls ok"


@scenario(240)
def migrate_precopy(ctx):
    """A 16 MiB process spinning on the clock while writing 1 MB/s into its
    memory is moved by its parent with pre-copy: it runs while its pages
    travel, every page's last write arrives (each write is counted in the
    page and in a table of its own), its clock() never goes back across
    the move (each node's clock counts from its own boot), and its downtime
    (the longest gap it saw) is far below the whole transfer."""
    c = ctx.cluster(3, node_args={k: SERVICES for k in (1, 2, 3)})
    out = expect(c, 1, "mover downtime 16 2 1000", timeout=120)
    t = re.search(r"moved 16 MiB in (\d+) us \(ok\), child exited 0", out)
    g = re.search(r"longest gap (\d+) us on node 2", out)
    check(t and g and "FAIL" not in out, out)
    total, gap = int(t.group(1)), int(g.group(1))
    # A bound CI can keep (make bench reports the figure against 20 ms):
    # the freeze is the last round plus COMMIT, not the 16 MiB.
    check(gap < total / 4 and gap < 400000, f"downtime {gap} us of a {total} us move")
    log = c._log_bytes(1).decode(errors="replace")
    m = re.search(r"moved to node 2: \d+ pages, (\d+) rounds, \d+ ms in all, frozen (\d+) ms", log)
    check(m and int(m.group(1)) >= 2, f"no pre-copy rounds in the log:\n{log[-1500:]}")
    ctx.note = f"total {total / 1000:.0f} ms, downtime {gap / 1000:.1f} ms, {m.group(1)} rounds"


@scenario(240)
def migrate_in_call(ctx):
    """A process waiting in a call is moved: the call stays where it was
    made and runs once, and its answer reaches the process where it went.
    Three cases: a server on another node (counterd -d, a remote call,
    1 -> 3 while node 2 works), a server on the caller's node (a local
    call, moved away from it, 1 -> 2), and an answer of MSG_MAX bytes
    (echod -d: the result crosses in parts). No duplicate execution, the
    counter ends at one per caller, and the husk left on node 1 is gone."""
    c = ctx.cluster(3, node_args={k: SERVICES for k in (1, 2, 3)})
    expect(c, 2, "counterd -d 3000 &")
    expect(c, 1, "counterd -d 3000 &")
    expect(c, 1, "echod -d 3000 &")
    notes = []
    for service, srv, to in (("counter", 2, 3), ("counter", 1, 2), ("echo", 1, 3)):
        out = expect(c, 1, f"mover call {service} {srv} {to}", timeout=90)
        m = re.search(r"called on node 1, answered on node (\d+) after (\d+) ms: (\d+)", out)
        check(m and m.group(1) == str(to) and "FAIL" not in out and "exited 7" in out,
              f"{service} on node {srv}, moved to {to}:\n{out}")
        check(int(m.group(2)) >= 2500, f"answered before the server did:\n{out}")
        if service == "counter":
            check("counter 1" in out, f"the call ran more than once:\n{out}")
        notes.append(f"{service}@{srv}->{to} {m.group(2)} ms")
    for k in (1, 2):
        log = c._log_bytes(k).decode(errors="replace")
        check("DUPLICATE" not in log, f"a call ran twice on node {k}:\n{log[-2000:]}")
    log1 = c._log_bytes(1).decode(errors="replace")
    check(log1.count("its call goes on here") == 3, f"not three moves in a call:\n{log1[-3000:]}")
    for k in (1, 2, 3):
        check(not [ln for ln in expect(c, k, "ps").splitlines() if "mover" in ln],
              f"a mover left on node {k}")
    # Killed where it went while it waits: the call left on node 1 is
    # dropped (its husk told), and the parent gets the kill's status.
    expect(c, 2, "echod -d 20000 &")
    off = len(c._log_bytes(1))
    w = BackgroundExec(c, 1, "mover call echo 2 3", 120)
    c.wait_log(1, rb"its call goes on here", 30, off)
    m = re.search(r"pid (\d+) \(mover\) moved to node 3", c._log_bytes(1)[off:].decode(errors="replace"))
    check(m, "no move in the log")
    out = expect(c, 2, f"deps {m.group(1)}")
    check("runs on node 3" in out and "on node 1 (where that call runs)" in out,
          f"deps of a process waiting for its call:\n{out}")
    expect(c, 2, f"kill {m.group(1)}")  # node 1's console runs the mover
    c.wait_log(1, rb"nobody waits for the call it moved in", 30, off)
    out, st = w.result(60)
    check(re.search(rf"child {m.group(1)} exited (\d+)", out) and "exited 7" not in out,
          f"the killed child:\n{out}")
    ctx.note = ", ".join(notes)


@scenario(240)
def migrate_port_locate(ctx):
    """A client holds a server's port id from before the server moved, and
    the node it moved from dies before the client learnt where it went: the
    client's kernel, hearing nothing from that node, asks every node where
    the port is (KREQ_PORT_LOCATE) and the call goes there, once."""
    c = ctx.cluster(3, node_args={k: SERVICES for k in (1, 2, 3)})
    expect(c, 2, "counterd 1 3 &")  # moves to node 3 after its first call
    off = len(c._log_bytes(1))
    w = BackgroundExec(c, 1, "counter -n 2 -t 20000 -p 6000 2", 120)
    c.wait_log(1, rb"counter: pause after call 1", 30, off)
    c.wait_log(2, rb"counterd: after 1 calls, moved to node 3", 30)
    c.kill(2)
    t0 = time.monotonic()
    out, st = w.result(120)
    took = time.monotonic() - t0
    check(st == 0 and "ok 2 timeout 0 error 0" in out, f"the client: {st} {out}")
    log3 = c._log_bytes(3).decode(errors="replace")
    check("DUPLICATE" not in log3, log3[-1500:])
    ctx.note = f"second call answered {took:.1f} s after node 2 was killed"


@scenario(240)
def migrate_one_way_queue(ctx):
    """A slow receiver (sinkd) with one-way messages queued at its port is
    moved while a sender floods it: the queued messages go with it in order
    (MSG requests), later sends are redirected, and every accepted message
    arrives exactly once."""
    c = ctx.cluster(3, node_args={k: SERVICES for k in (1, 2, 3)})
    m = re.match(r"^\[(\d+)\]$", expect(c, 2, "sinkd 100 &").strip())
    check(m, "no pid for sinkd")
    pid = m.group(1)
    flood = BackgroundExec(c, 1, "ipcflood -n 2 60 16384", 120)
    c.wait_log(2, rb"sinkd: received 10 messages", 60)  # its queue is full by now
    expect(c, 2, f"migrate {pid} 3", timeout=60)
    out, st = flood.result(120)
    mm = re.search(r"sent (\d+) full (\d+) error (\d+)", out)
    check(st == 0 and mm and mm.group(1) == "60" and mm.group(3) == "0", f"ipcflood: {out}")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and "received 60 messages" not in c.tail(2, 40):
        time.sleep(1)
    check("received 60 messages" in c.tail(2, 40) and "received 70" not in c.tail(2, 40),
          "the sink did not get each of the 60 accepted messages once:\n" + c.tail(2, 20))
    check(ps_lines(c, 1, int(pid))[0].split()[3] == "3", "sinkd is not on node 3")


if __name__ == "__main__":
    sys.exit(run(scenario, "migrate"))
