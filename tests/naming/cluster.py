#!/usr/bin/python3
"""The naming service on real QEMU clusters of 3 and 5 nodes (stdlib only).

    tests/naming/cluster.py [FILTER]

The runner of tests/common/ (one cluster per scenario, time limits,
teardown, `N passed, M failed`); node logs are kept in
build/test-runs/naming/<scenario>/. No scenario assumes which node leads:
each asks `nodes`. The linearizability scenario records a history on the
host and checks it with build/host/lincheck (tests/lincheck/).
"""
import json
import os
import random
import re
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "common"))
sys.path.insert(0, os.path.join(ROOT, "tests", "lincheck"))
from clusterctx import BackgroundExec, ClusterError, Fail, Scenarios, check, expect, run  # noqa: E402

scenario = Scenarios(reasons=(ClusterError,))


# ---- helpers -----------------------------------------------------------------

def nodes_table(c, k, timeout=30):
    """`nodes -j` on node k: ({node: row dict}, exit status, its output).
    A row has role, term, commit, applied, log, bindings, leader (None if
    it knows none) and reachable; an unreachable node's only reachable."""
    out, st = c.exec(k, "nodes -j", timeout)
    rows = {}
    try:
        for r in json.loads(out)["nodes"]:
            row = {key: r.get(key) for key in ("role", "term", "commit", "applied", "log",
                                                "bindings", "leader", "reachable")}
            row["leader"] = row["leader"] or None
            rows[r["node"]] = row
    except (ValueError, KeyError, TypeError):
        pass  # no JSON (a node gone mid-write): no rows, as an empty table
    return rows, st, out


def wait_leader(c, ask, exclude=(), timeout=60):
    """Polls `nodes` on node `ask` until every reachable node outside
    `exclude` names the same leader (itself not excluded); returns it."""
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        rows, st, out = nodes_table(c, ask)
        last = out
        live = {n: r for n, r in rows.items() if n not in exclude and r["reachable"]}
        leaders = {r["leader"] for r in live.values()}
        if live and len(leaders) == 1 and None not in leaders:
            lead = leaders.pop()
            if lead not in exclude and live.get(lead, {}).get("role") == "leader":
                return lead
        time.sleep(0.5)
    raise Fail(f"no agreed leader in {timeout} s; last `nodes` on node {ask}:\n{last}")


def ns_ok(c, k, cmd, timeout=40):
    return expect(c, k, f"ns {cmd}", 0, timeout)


def wait_until(fn, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if fn():
            return time.monotonic()
        time.sleep(0.3)
    raise Fail(f"{what}: not within {timeout} s")


def others(c, *not_these):
    return [k for k in range(1, c.n + 1) if k not in not_these]


# ---- scenarios -----------------------------------------------------------------

@scenario(240)
def naming_basic3(ctx):
    """Boot 3 nodes: a leader, agreed by all; every operation of `ns` from
    different nodes; exit statuses; consoles and the calc demo by name."""
    c = ctx.cluster(3)
    for k in range(1, 4):
        check(re.search(rb"naming: ready: leader \d+", c._log_bytes(k)),
              f"node {k} printed no ready line")
    lead = wait_leader(c, 1)
    for k in (2, 3):
        rows, st, out = nodes_table(c, k)
        check(st == 0 and all(r["leader"] == lead for r in rows.values()),
              f"node {k} disagrees on the leader ({lead}):\n{out}")
    check("ok version 1" in ns_ok(c, 1, "put color blue"), "first put is not version 1")
    check(ns_ok(c, 2, "get color") == "blue", "node 2 does not read node 1's put")
    check("ok version 2" in ns_ok(c, 3, "cas color blue green"), "cas did not succeed")
    out, st = c.exec(2, "ns cas color blue red")
    check(st == 1 and "lost" in out, f"a losing cas: status {st}, output {out!r}")
    check(ns_ok(c, 1, "get color") == "green", "value after cas")
    # Compare-and-set by version; version 0 creates only if absent.
    check("ok version 3" in ns_ok(c, 2, "casv color 2 teal"), "casv at the right version")
    out, st = c.exec(3, "ns casv color 2 pink")
    check(st == 1 and "version is 3" in out, f"a stale casv: {st} {out!r}")
    check("ok version 1" in ns_ok(c, 3, "casv fresh 0 new"), "casv 0 creates")
    out, st = c.exec(1, "ns casv fresh 0 again")
    check(st == 1, f"casv 0 on an existing name: {st} {out!r}")
    ns_ok(c, 1, "put color green")
    out, st = c.exec(3, "ns get nosuch")
    check(st == 1 and "not found" in out, f"get of a missing name: {st} {out!r}")
    ns_ok(c, 2, "put app.a 1")
    ns_ok(c, 3, "put app.b 2")
    check(ns_ok(c, 1, "ls app.").split() == ["app.a", "app.b"], "ls by prefix")
    ns_ok(c, 1, "rm app.a")
    out, st = c.exec(2, "ns rm app.a")
    check(st == 1, f"rm of a missing name exited {st}")
    check(ns_ok(c, 3, "ls app.").split() == ["app.b"], "ls after rm")
    stat = ns_ok(c, 2, "stat color")
    check("version 4" in stat, f"stat: {stat}")
    # Each node's console is bound by its naming server.
    wait_until(lambda: c.exec(1, "ns ls console.")[0].split() ==
               ["console.1", "console.2", "console.3"], 30, "console.N bindings")
    # A program reaches another node's console by name.
    off = c.log_size(3)
    expect(c, 1, "tell 3 hello by name")
    c.wait_log(3, rb"\[from node 1 pid \d+\] hello by name", 10, off)
    out, st = c.exec(1, "tell 9 nobody")
    check(st == 1 and "no console.9" in out, f"tell to a missing console: {st} {out!r}")
    # The calc demo registers itself; a program on another node finds it by name.
    expect(c, 2, "run -n 2 calcd &")
    wait_until(lambda: c.exec(3, "ns get calc")[1] == 0, 30, "calc bound in naming")
    check(expect(c, 3, "calc add 20 22").strip().endswith("42"), "calc add through naming")
    check(expect(c, 1, "calc sum 100").strip().endswith("5050"), "calc sum through naming")
    # Bad input is refused with a clear error and a non-zero status.
    out, st = c.exec(1, "ns put 'bad name' x")
    check(st != 0, "a name with a space was accepted")
    out, st = c.exec(1, "ns put " + "x" * 65 + " v")
    check(st == 1, f"a 65-byte name: status {st} {out!r}")


@scenario(300)
def naming_leader_kill(ctx):
    """Kill the leader: another is elected and writes succeed again; the old
    one restarts, recovers from its disk and catches up."""
    c = ctx.cluster(3)
    lead = wait_leader(c, 1)
    for i in range(20):
        ns_ok(c, others(c, lead)[0], f"put k{i} v{i}")
    c.kill(lead)
    t_kill = time.monotonic()
    k = others(c, lead)[0]
    out, st = c.exec(k, "ns -t 30 put after-kill yes", timeout=40)
    check(st == 0, f"write after killing leader {lead}: {st} {out}")
    took = time.monotonic() - t_kill
    # Bounded: an election takes one to two election timeouts (1-2 s by
    # default) plus a round; 10 s leaves room for a loaded host.
    check(took < 10, f"the first write after the leader's death took {took:.1f} s")
    new = wait_leader(c, k, exclude=(lead,))
    check(new != lead, "the dead node still leads")
    ctx.note = f"failover write {took:.1f} s"
    off = c.restart(lead)
    c.wait_log(lead, rb"naming: recovered from disk", 30, off)
    # It catches up: its replica applies what the others have.
    def caught_up():
        rows, st, _ = nodes_table(c, lead)
        r, l = rows.get(lead), rows.get(new)
        return r and l and r["reachable"] and r["applied"] is not None and \
            l["commit"] is not None and r["applied"] >= l["commit"] - 2 and r["leader"] == new
    wait_until(caught_up, 60, f"restarted node {lead} catching up")
    check(ns_ok(c, lead, "get after-kill") == "yes", "read on the restarted node")
    check(ns_ok(c, lead, "get k19") == "v19", "old data after restart")


@scenario(300)
def naming_partition(ctx):
    """The leader alone in a minority: commits nothing, serves no stale read;
    the majority elects a leader and goes on; after healing the old leader
    follows and its uncommitted write is gone."""
    c = ctx.cluster(3)
    lead = wait_leader(c, 1)
    maj = others(c, lead)
    ns_ok(c, maj[0], "put key before")
    c.partition([[lead], maj])
    # The minority leader cannot commit: the write has no known outcome.
    out, st = c.exec(lead, "ns -t 4 put key minority", timeout=30)
    check(st == 3, f"a write in the minority returned {st}: {out}")
    new = wait_leader(c, maj[0], exclude=(lead,), timeout=60)
    check("ok" in ns_ok(c, maj[1], "put key majority"), "majority write")
    # No stale read in the minority: an answer there could only be stale.
    out, st = c.exec(lead, "ns -t 4 get key", timeout=30)
    check(st == 3, f"the minority answered a read ({st}): {out!r}")
    c.heal()
    def settled():
        rows, st, _ = nodes_table(c, lead)
        r = rows.get(lead)
        return r and r["role"] in ("follower", "learner") and r["leader"] in maj
    wait_until(settled, 60, f"old leader {lead} following after heal")
    check(ns_ok(c, lead, "get key") == "majority", "the minority's write survived the heal")
    ctx.note = f"new leader {new}"


@scenario(420)
def naming_snapshot_catchup(ctx):
    """Many writes while a follower is down: the log on disk stays bounded
    (snapshots), and the follower catches up through InstallSnapshot."""
    c = ctx.cluster(3)
    lead = wait_leader(c, 1)
    down = others(c, lead)[1]
    c.kill(down)
    out = expect(c, lead, "nsbench put 400 snap.", timeout=240)
    check("0 errors" in out, f"nsbench: {out}")
    rows, _, text = nodes_table(c, lead)
    r = rows[lead]
    check(r["commit"] >= 400, f"commit {r['commit']} after 400 writes")
    off = c.restart(down)
    c.wait_log(down, rb"naming: installed a snapshot", 90, off)
    wait_until(lambda: c.exec(down, "ns get snap.400")[0] == "snap.400", 60,
               "the restarted node reading the last write")
    # Bounded log: every replica keeps at most about two snapshot intervals
    # of entries (128 each by default) however many writes there were.
    rows, _, text = nodes_table(c, lead)
    for k, r in rows.items():
        check(r["log"] is not None and r["log"] <= 2 * 128 + 16,
              f"node {k} keeps {r['log']} log entries:\n{text}")
    ctx.note = "snapshot installed"


@scenario(240)
def naming_watch(ctx):
    """`ns watch PREFIX N` reports the next N changes under the prefix, from
    writes made on other nodes, and nothing outside it."""
    c = ctx.cluster(3)
    wait_leader(c, 1)
    off = c.log_size(1)
    watch = BackgroundExec(c, 1, "ns watch cfg. 3", timeout=90)
    c.wait_log(1, rb'watching "cfg\." after index \d+', 30, off)
    ns_ok(c, 2, "put cfg.a 1")
    ns_ok(c, 3, "put other x")  # outside the prefix: not reported
    ns_ok(c, 2, "put cfg.b 2")
    ns_ok(c, 3, "rm cfg.a")
    out, st = watch.result(100)
    lines = [l for l in out.splitlines() if not l.startswith("watching")]
    check(st == 0, f"watch exited {st}:\n{out}")
    check([l.split(" (")[0] for l in lines] == ["put cfg.a = 1", "put cfg.b = 2", "rm cfg.a"],
          f"watch reported:\n{out}")


@scenario(240)
def naming_paused_leader(ctx):
    """A leader frozen (SIGSTOP) while the others elect and write must not
    answer a read with the old value once it runs again: reads are confirmed
    by a heartbeat round (ReadIndex), never by the clock."""
    c = ctx.cluster(3)
    lead = wait_leader(c, 1)
    rest = others(c, lead)
    ns_ok(c, rest[0], "put p old")
    c.pause(lead)
    new = wait_leader(c, rest[0], exclude=(lead,), timeout=60)
    ns_ok(c, rest[1], "put p new")
    c.resume(lead)
    out, st = c.exec(lead, "ns -t 10 get p", timeout=30)
    check(not (st == 0 and out.strip() == "old"), "the paused leader answered a stale read")
    check(st == 0 and out.strip() == "new", f"read on the resumed node: {st} {out!r}")
    ctx.note = f"leader {lead} paused, {new} took over"


@scenario(240)
def naming_paused_leader_lease(ctx):
    """The same with lease reads on (naming:reads=lease): the leader answers
    reads on its lease, with no heartbeat round. Cut off from the others and
    frozen past its lease while they elect a new leader and write, the old
    leader hears nothing of the new one when it runs again: only its clock,
    read as it is after the pause, tells it the lease is over. It must not
    answer with the old value; after the heal the new one is read."""
    lease = {k: "services=naming:reads=lease" for k in (1, 2, 3)}
    c = ctx.cluster(3, node_args=lease)
    for k in (1, 2, 3):
        c.wait_log(k, rb"reads on the leader's lease", 10)
    lead = wait_leader(c, 1)
    rest = others(c, lead)
    ns_ok(c, rest[0], "put p old")
    check(ns_ok(c, lead, "get p").strip() == "old", "read on the leader")
    # Cut off first (a frame the others send while it is frozen would wait
    # in its queue and tell it of the new term when it runs again), then
    # frozen at once, well inside its lease.
    c.partition([[lead], rest])
    c.pause(lead)
    new = wait_leader(c, rest[0], exclude=(lead,), timeout=60)
    ns_ok(c, rest[1], "put p new")
    c.resume(lead)
    out, st = c.exec(lead, "ns -t 3 get p", timeout=30)
    check(not (st == 0 and out.strip() == "old"), "the paused leader answered a stale read")
    c.heal()
    out, st = c.exec(lead, "ns -t 20 get p", timeout=40)
    check(st == 0 and out.strip() == "new", f"read on the resumed node: {st} {out!r}")
    ctx.note = f"leader {lead} paused and cut off, {new} took over"


@scenario(240)
def naming_follower_reads(ctx):
    """With naming:reads=follower a follower answers reads itself, after
    asking the leader for the read index (docs/replica.md): `ns get` on each
    follower's node is answered there, with what the leader's node wrote.
    A follower cut off from the leader must not answer from its own copy:
    after the majority writes a new value, a read on the cut-off node fails
    (no stale value), and after the heal it reads the new one."""
    fr = {k: "services=naming:reads=follower" for k in (1, 2, 3)}
    c = ctx.cluster(3, node_args=fr)
    for k in (1, 2, 3):
        c.wait_log(k, rb"followers serve reads", 10)
    lead = wait_leader(c, 1)
    rest = others(c, lead)
    ns_ok(c, lead, "put f one")
    for k in rest:
        off = c.log_size(k)
        check(ns_ok(c, k, "get f").strip() == "one", f"read on follower {k}")
        c.wait_log(k, rb"a read served here, a follower", 10, off)
    cut = rest[1]
    c.partition([[cut], [lead, rest[0]]])
    ns_ok(c, lead, "put f two")
    t0 = time.monotonic()
    out, st = c.exec(cut, "ns -t 3 get f", timeout=30)
    check(not (st == 0 and out.strip() == "one"), "a cut-off follower answered a stale read")
    check(st != 0, f"a cut-off follower answered: {out!r}")
    waited = time.monotonic() - t0
    c.heal()
    out, st = c.exec(cut, "ns -t 20 get f", timeout=40)
    check(st == 0 and out.strip() == "two", f"read on node {cut} after the heal: {st} {out!r}")
    ctx.note = f"followers {rest} answered reads; node {cut} cut off refused for {waited:.1f} s"


@scenario(300)
def naming_kill_all(ctx):
    """Kill every node at once and restart them all: every acknowledged
    binding is back."""
    c = ctx.cluster(3)
    wait_leader(c, 1)
    acked = []
    for i in range(30):
        k = 1 + i % 3
        out, st = c.exec(k, f"ns put all{i} v{i}", timeout=40)
        if st == 0:
            acked.append(i)
    check(len(acked) == 30, f"only {len(acked)} of 30 writes acknowledged")
    for k in range(1, 4):
        c.kill(k)
    for k in range(1, 4):
        c.restart(k)
    wait_leader(c, 1, timeout=90)
    out = ns_ok(c, 2, "ls all")
    names = set(out.split())
    missing = [i for i in acked if f"all{i}" not in names]
    check(not missing, f"lost acknowledged bindings: {missing}")
    for i in (0, 17, 29):
        check(ns_ok(c, 3, f"get all{i}") == f"v{i}", f"all{i} has the wrong value")


@scenario(300)
def naming_ephemeral(ctx):
    """An ephemeral binding vanishes after its owner dies: first the
    process, then a whole node."""
    c = ctx.cluster(3, node_args={k: "services=naming:lease=3000" for k in (1, 2, 3)})
    lead = wait_leader(c, 1)
    k = others(c, lead)[0]
    expect(c, k, "ns hold eph.proc here 600 &")
    wait_until(lambda: c.exec(lead, "ns get eph.proc")[0] == "here", 30, "ephemeral bind")
    check("ephemeral" in ns_ok(c, lead, "stat eph.proc"), "stat shows no owner")
    out = expect(c, k, "ps -l")
    m = re.search(r"^\s*(\d+)\s.*\bns\b", out, re.M)
    check(m, f"the holder is not in ps:\n{out}")
    t0 = time.monotonic()
    expect(c, k, f"kill {m.group(1)}")
    wait_until(lambda: c.exec(lead, "ns get eph.proc")[1] == 1, 30,
               "the dead process's binding to vanish")
    t_proc = time.monotonic() - t0
    # Now the node: its session expires after the lease.
    k2 = others(c, lead, k)[0]
    expect(c, k2, "ns hold eph.node there 600 &")
    wait_until(lambda: c.exec(lead, "ns get eph.node")[0] == "there", 30, "ephemeral bind 2")
    check(c.exec(lead, "ns get console.%d" % k2)[1] == 0, "console binding of the node")
    c.kill(k2)
    t0 = time.monotonic()
    wait_until(lambda: c.exec(lead, "ns get eph.node")[1] == 1, 15,
               "the dead node's binding to vanish (lease 3 s)")
    t_node = time.monotonic() - t0
    check(t_node >= 2.0, f"the binding vanished {t_node:.1f} s after the node died: before "
                         f"its 3 s lease could have run out")
    check(c.exec(lead, "ns get console.%d" % k2)[1] == 1, "dead node's console still bound")
    ctx.note = f"process {t_proc:.1f} s, node {t_node:.1f} s"


@scenario(300)
def naming_learner(ctx):
    """Four nodes: 1-3 vote, 4 is a learner. It answers through the leader,
    never leads, and after a restart (new port: it says hello, since a
    learner never campaigns) it catches up."""
    c = ctx.cluster(4)
    lead = wait_leader(c, 4)
    check(lead != 4, "the learner leads")
    rows, st, out = nodes_table(c, 1)
    check(rows[4]["role"] == "learner", f"node 4 is not a learner:\n{out}")
    check(sorted(r["role"] for k, r in rows.items() if k != 4).count("follower") == 2,
          f"roles:\n{out}")
    ns_ok(c, 4, "put from.learner yes")
    c.kill(4)
    for i in range(5):
        ns_ok(c, 1 + i % 3, f"put while.down {i}")
    off = c.restart(4)
    c.wait_log(4, rb"naming: recovered from disk", 30, off)

    def caught_up():
        rows, st, _ = nodes_table(c, 4)
        r, l = rows.get(4), rows.get(lead)
        return r and l and r["reachable"] and r["applied"] is not None and \
            l["commit"] is not None and r["applied"] >= l["commit"] - 2
    try:
        wait_until(caught_up, 60, "the restarted learner catching up")
    except Fail as e:
        # Where node 4's frames went: each side's transport counters (drops
        # by reason) and the switch's. This is how a restart within a second
        # was found to take a smaller boot epoch, every frame refused as a
        # replay (`replayed` on the leader; docs/decisions.md, "The host
        # says when it launched a node"; net/restart_within_a_second).
        diag = []
        for k in (4, lead):
            out, _ = c.exec(k, "rpcstat", timeout=30)
            diag.append(f"rpcstat on node {k}:\n{out}")
        diag.append(f"switch:\n{c.switch('stats')}")
        raise Fail(f"{e}\n" + "\n".join(diag)) from None
    check(ns_ok(c, 4, "get while.down") == "4", "read through the learner")


@scenario(300)
def naming_five_nodes(ctx):
    """Five nodes, five voters: agreement, and two failures survived."""
    c = ctx.cluster(5)
    lead = wait_leader(c, 1)
    rows, st, out = nodes_table(c, 2)
    check(st == 0 and len(rows) == 5, f"nodes on node 2:\n{out}")
    roles = sorted(r["role"] for r in rows.values())
    check(roles.count("leader") == 1 and roles.count("follower") == 4, f"roles: {roles}")
    ns_ok(c, 3, "put five 5")
    dead = [lead, others(c, lead)[0]]
    for k in dead:
        c.kill(k)
    alive = others(c, *dead)
    out, st = c.exec(alive[0], "ns -t 30 put five 55", timeout=40)
    check(st == 0, f"write with two of five down: {st} {out}")
    check(ns_ok(c, alive[2], "get five") == "55", "read with two of five down")


def run_op(c, k, rnd, seen, client):
    """One random operation on node k: (op, key, args, command)."""
    key = rnd.choice(["lk0", "lk1", "lk2"])
    op = rnd.choice(["put", "get", "get", "cas", "cas", "rm"] if rnd.random() < 0.15
                    else ["put", "get", "get", "cas", "cas"])
    new = f"v{client}x{rnd.randrange(1 << 20)}"
    if op == "put":
        return op, key, [new], f"ns -t 4 put {key} {new}"
    if op == "cas":
        old = seen.get(key) or f"v{rnd.randrange(3)}x0"
        return op, key, [old, new], f"ns -t 4 cas {key} {old} {new}"
    return op, key, [], f"ns -t 4 {op} {key}"


def record(h, t, op, out, st, seen, key, args):
    """Ends history entry t from `ns`'s output and exit status."""
    out = out.strip()
    m = re.search(r"ok version (\d+)", out)
    if st == 0 and op in ("put", "cas") and m:
        h.end(t, "ok", int(m.group(1)))
        seen[key] = args[-1]
    elif st == 0 and op == "get" and out and " " not in out:
        h.end(t, out)
        seen[key] = out
    elif st == 0 and op == "rm" and out == "ok":
        h.end(t, "ok")
    elif st == 1 and op in ("get", "rm") and out.endswith("not found"):
        h.end(t, "absent")
    elif st == 1 and op == "cas" and "lost" in out:
        h.end(t, "mismatch")
    else:
        h.end_unknown(t)  # timed out (3), or any other failure: outcome not known


def stale_read_mutant(lines):
    """A copy of a history's lines in which one read returns a value that was
    overwritten before the read began (a put P1, then a put P2 begun after P1
    ended, then a get begun after P2 ended made to return P1's value):
    impossible, so the checker must reject it. None if no such triple."""
    ops = []
    for i, line in enumerate(lines):
        m = re.match(r"^(\S+) (\d+) (\d+|\?) (\w+) (\S+)((?: \S+)*) -> (.*)$", line)
        if m and m.group(3) != "?":
            ops.append((i, int(m.group(2)), int(m.group(3)), m.group(4), m.group(5),
                        m.group(6).split(), m.group(7)))
    puts = [o for o in ops if o[3] == "put" and o[6].startswith("ok")]
    gets = [o for o in ops if o[3] == "get" and o[6] not in ("absent", "?", "failed")]
    for p1 in puts:
        for p2 in puts:
            if p2[4] != p1[4] or p2[1] <= p1[2]:
                continue
            for g in gets:
                if g[4] == p1[4] and g[1] > p2[2]:
                    out = list(lines)
                    out[g[0]] = lines[g[0]].rsplit(" -> ", 1)[0] + " -> " + p1[5][0]
                    return out
    return None


@scenario(300)
def naming_linearizable(ctx):
    """Clients on every node run concurrent put/get/cas/rm on three keys
    (reads answered by their own node's server: reads=follower) while the
    fabric partitions, drops, duplicates, delays and reorders, and
    nodes are paused, killed and restarted. The history (host clock; a timed-out operation stays
    open) must be linearizable (build/host/lincheck, tests/lincheck/)."""
    from history import History, run_check
    seed = int(os.environ.get("NAMING_LIN_SEED", "7"))
    # How long the faults go on: 30 s in make test, longer in the soak
    # (tests/naming/soak.sh).
    faults_s = float(os.environ.get("NAMING_LIN_SECONDS", "30"))
    # Followers serve reads (reads=follower): a client's read goes to its own
    # node's server, which asks the leader for the read index; the clients
    # on the leader's node read there. Both paths, under the same faults.
    # Clocks skewed (+-10 s) and drifting (+-1000 ppm): correctness does
    # not rest on them (docs/trace.md, "Clocks").
    c = ctx.cluster(3, node_args={k: "services=naming:reads=follower" for k in (1, 2, 3)},
                    skew=True)
    wait_leader(c, 1)
    h = History()
    down = set()
    lock = threading.Lock()
    stop = threading.Event()
    errors = []

    def client(k):
        rnd = random.Random(seed * 100 + k)
        seen = {}
        while not stop.is_set():
            with lock:
                if k in down:
                    busy = True
                else:
                    busy = False
            if busy:
                time.sleep(0.2)
                continue
            op, key, args, cmd = run_op(c, k, rnd, seen, k)
            t = h.begin(str(k), op, key, args)
            try:
                out, st = c.exec(k, cmd, timeout=20)
            except (ClusterError, OSError):
                h.end_unknown(t)  # its node died under it (or the console went)
                time.sleep(0.5)
                continue
            try:
                record(h, t, op, out, st, seen, key, args)
            except ValueError as e:
                errors.append(f"{cmd}: {out!r}: {e}")
                h.end_unknown(t)

    acts = []

    def nemesis():
        rnd = random.Random(seed)
        end = time.monotonic() + faults_s
        while time.monotonic() < end and not stop.is_set():
            time.sleep(rnd.uniform(2, 4))
            act = rnd.choice(["partition", "lossdup", "kill", "pause"])
            acts.append(act)
            if act == "partition":
                x = rnd.randrange(1, 4)
                c.partition([[x], others(c, x)])
                time.sleep(rnd.uniform(3, 6))
                c.heal()
            elif act == "lossdup":
                c.net("* * loss 0.15 dup 0.15 reorder 0.2 10 delay 1 3")
                time.sleep(rnd.uniform(3, 6))
                c.net("* * clear")
            elif act == "pause":
                # SIGSTOP: the node's clock jumps when it runs again (a
                # paused leader must not serve a stale read on waking up)
                x = rnd.randrange(1, 4)
                with lock:
                    down.add(x)  # its console does not answer while stopped
                c.pause(x)
                time.sleep(rnd.uniform(2, 5))
                c.resume(x)
                with lock:
                    down.discard(x)
            else:
                x = rnd.randrange(1, 4)
                with lock:
                    down.add(x)
                c.kill(x)
                time.sleep(rnd.uniform(1, 4))
                c.restart(x)
                with lock:
                    down.discard(x)
        c.heal()
        c.net("* * clear")

    threads = [threading.Thread(target=client, args=(k,)) for k in (1, 2, 3)]
    for t in threads:
        t.start()
    try:
        nemesis()
        time.sleep(3)
    finally:
        stop.set()
        for t in threads:
            t.join(60)
    path = os.path.join(ctx.logs, ctx.name + ".hist")
    ok, out = h.check(path)
    check(not errors, "unparsable answers: " + "; ".join(errors[:3]))
    lines = h.lines()
    done = [l for l in lines if not l.endswith("-> ?")]
    check(len(lines) >= 100 and len(done) >= 60, f"only {len(lines)} ops, {len(done)} known")
    check(ok, f"history in {path}:\n{out[:3000]}")
    # Negative control: the same history with one stale read planted in it
    # must be rejected, or the check above proves nothing.
    bad = stale_read_mutant(lines)
    check(bad is not None, "no put-put-get triple to plant a stale read in")
    bad_path = path + ".stale"
    with open(bad_path, "w") as f:
        f.write("\n".join(bad) + "\n")
    bad_ok, bad_out = run_check(bad_path)
    check(not bad_ok and "NOT linearizable" in bad_out,
          f"a planted stale read was not caught: {bad_out[:500]}")
    ctx.note = (f"{len(lines)} ops, {len(lines) - len(done)} unknown, seed {seed}, "
                f"faults {' '.join(acts)}: " + out.splitlines()[0])


if __name__ == "__main__":
    sys.exit(run(scenario, "naming"))
