#!/usr/bin/python3
"""Tracing on real QEMU clusters (stdlib only): the kernel's trace events
and Lamport clock (kernel/trace.c, net/rpc_trace.c), the services' Raft
events, and tools/trace's merge of them (docs/trace.md).

    tests/trace/cluster.py [FILTER]

The runner of tests/common/ (one cluster per scenario, time limits,
teardown, `N passed, M failed`); node logs, the collected events and the
rendered page and its screenshot are kept in
build/test-runs/trace-cluster/<scenario>/ and <scenario>.files/.
"""
import os
import json
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "common"))
sys.path.insert(0, os.path.join(ROOT, "tools"))
from clusterctx import ClusterError, Fail, Scenarios, check, expect, run  # noqa: E402
import tracelib  # noqa: E402
sys.path.insert(0, HERE)
import test_page  # noqa: E402  (its headless Chromium runner)

scenario = Scenarios(reasons=(ClusterError,))


def events_of(c, k):
    """Node k's trace ring, parsed (tools/tracelib.py): each event's
    key=value fields (strings), with its kind."""
    out = expect(c, k, "trace", timeout=60)
    events, _, bad = tracelib.parse_lines(out.splitlines(), source=f"node {k}")
    check(not bad, f"node {k}: unreadable trace lines: {bad[:3]}")
    return [dict(e["fields"], kind=e["kind"]) for e in events]


def keep(ctx, name, text):
    """A file kept beside the scenario's logs (in <scenario>.files/: the
    logs' own folder is made anew at teardown)."""
    d = os.path.join(ctx.logs, ctx.name + ".files")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "w") as f:
        f.write(text)
    return os.path.join(d, name)


@scenario(180)
def trace_calc_add(ctx):
    """`trace run calc add 2 3` on node 1 with the calculator on node 3:
    node 1's call and node 3's handling of it carry one trace id; the call's
    span is the same on both nodes (made from the message's key) and its
    parent is the root span `trace run` began; the Lamport times of send,
    receive, reply and its arrival increase in that order; and both
    latencies are there, the caller's the larger."""
    c = ctx.cluster(3, node_args={k: "services=naming" for k in (1, 2, 3)})
    expect(c, 3, "calcd &")
    out = ""
    for _ in range(50):  # calcd binds "calc" in the naming service as it starts
        out, st = c.exec(1, "trace run calc add 2 3", timeout=30)
        if st == 0:
            break
        time.sleep(0.2)
    check("= 5" in out or re.search(r"^5$", out, re.M), f"calc add: {out}")
    m = re.search(r"trace: id ([0-9a-f]{16}) span ([0-9a-f]{16})", out)
    check(m, f"`trace run` printed no trace id: {out}")
    tid, root = m.group(1), m.group(2)
    one, three = events_of(c, 1), events_of(c, 3)
    ours1 = [e for e in one if e.get("trace") == tid]
    ours3 = [e for e in three if e.get("trace") == tid]
    check(ours1 and ours3, f"trace {tid}: {len(ours1)} events on node 1, {len(ours3)} on node 3")
    calls = [e for e in ours1 if e["kind"] == "send" and e.get("call") == "1" and e.get("peer") == "3"]
    check(len(calls) == 1, f"node 1's calls to node 3 in the trace: {calls}")
    call = calls[0]
    check(call.get("parent") == root, f"the call's parent is {call.get('parent')}, not {root}")
    key = call["msg"]
    recv = [e for e in ours3 if e["kind"] == "recv" and e.get("msg") == key]
    reply = [e for e in ours3 if e["kind"] == "reply_send" and e.get("msg") == "R" + key]
    back = [e for e in ours1 if e["kind"] == "reply_recv" and e.get("msg") == "R" + key]
    check(len(recv) == 1 and len(reply) == 1 and len(back) == 1,
          f"for {key}: recv {recv}, reply_send {reply}, reply_recv {back}")
    span = call["span"]
    check(recv[0]["span"] == span and reply[0]["span"] == span and back[0]["span"] == span,
          f"the call's span differs between nodes: {call} {recv} {reply} {back}")
    lam = [int(e["lam"]) for e in (call, recv[0], reply[0], back[0])]
    check(lam == sorted(lam) and len(set(lam)) == 4, f"Lamport times out of order: {lam}")
    served, rtt = int(reply[0]["latency_ns"]), int(back[0]["latency_ns"])
    check(0 < served < rtt, f"latencies: served in {served} ns, round trip {rtt} ns")
    # The call is in both nodes' latency histograms (kernel/latency.c):
    # called from node 1, served on node 3, under calcd's port.
    port = f"3.{call['port']}"
    row1 = re.search(rf"^{re.escape(port)}\s+called\s+(\d+)", expect(c, 1, "latency"), re.M)
    row3 = re.search(rf"^{re.escape(port)}\s+served\s+(\d+)", expect(c, 3, "latency"), re.M)
    check(row1 and row3 and int(row1.group(1)) >= 1 and int(row3.group(1)) >= 1,
          f"`latency` has no row for port {port} on node 1 (called) or node 3 (served)")
    ctx.note = f"trace {tid}: {len(ours1)} events on node 1, {len(ours3)} on node 3; call {rtt // 1000} us"


def check_terms_in_order(lane, raft, old_term, new_term, leads):
    """raft: a lane's (kind, term) role and election events in order. Its
    old term's role comes before the new term's, and a lane that leads the
    new term has its election between them."""
    olds = [i for i, (kd, t) in enumerate(raft) if kd == "role" and t == old_term]
    news = [i for i, (kd, t) in enumerate(raft) if kd == "role" and t == new_term]
    elects = [i for i, (kd, t) in enumerate(raft) if kd == "election" and t > old_term]
    check(olds and news, f"{lane}: no role event of term {old_term} or {new_term}: {raft}")
    check(max(olds) < min(news), f"{lane}: the new term before the old one: {raft}")
    if leads:
        check(elects and max(olds) < min(elects) <= min(news),
              f"{lane} leads term {new_term}: its election is missing or out of order: {raft}")


@scenario(240)
def trace_leader_kill(ctx):
    """The naming leader is killed; the survivors elect a new one. Their
    merged events (tools/trace render --check: no message received before it
    was sent, by Lamport time) show on every surviving lane the old term,
    then the election, then the new term, in that order; the HTML page and
    the Chrome JSON are written."""
    c = ctx.cluster(3, node_args={k: "services=naming" for k in (1, 2, 3)})
    out = expect(c, 1, "nodes")
    m = re.search(r"^\s*(\d+)\s+leader\s+(\d+)", out, re.M)
    check(m, f"no leader: {out}")
    lead, old_term = int(m.group(1)), int(m.group(2))
    c.kill(lead)
    rest = [k for k in (1, 2, 3) if k != lead]
    new_term = None
    for _ in range(100):
        out, st = c.exec(rest[0], "nodes -t 0.5", timeout=30)
        m = re.search(r"^\s*(\d+)\s+leader\s+(\d+)", out, re.M)
        if m and int(m.group(1)) != lead:
            new_term = int(m.group(2))
            break
        time.sleep(0.2)
    check(new_term and new_term > old_term, f"no new leader after the kill: {out}")
    lines = []
    for k in rest:
        lines += expect(c, k, "trace", timeout=60).splitlines()
    path = keep(ctx, "trace.txt", "\n".join(lines) + "\n")
    page = os.path.join(os.path.dirname(path), "page.html")
    js = os.path.join(os.path.dirname(path), "trace.json")
    r = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "trace"), "render", path,
                        "-o", page, "--json", js, "--check"], capture_output=True, text=True,
                       timeout=120)
    check(r.returncode == 0, f"tools/trace render --check: {r.returncode}\n{r.stdout}{r.stderr}")
    check(os.path.getsize(page) > 0 and os.path.getsize(js) > 0, "no page or JSON written")
    events, drops, _ = tracelib.parse_lines(lines)
    tr = tracelib.merge(events, drops)
    check(not tr.violations, f"causality or election safety: {tr.violations[:5]}")
    # The real run's page in headless Chromium (as tests/trace/test_page.py
    # does with made-up clusters): no script error, a lane per surviving
    # node, every arrow drawn; a screenshot kept with the logs.
    if not os.access(test_page.CHROMIUM, os.X_OK):
        if os.environ.get("CI"):
            raise Fail(f"{test_page.CHROMIUM} missing (make deps installs chromium)")
    else:
        seen = test_page.Chromium(page)
        check(seen.status == 0 and seen.body.get("data-errors") == "0" and not seen.console,
              f"the page in Chromium: status {seen.status}, body {seen.body}, console {seen.console[:3]}")
        check(seen.body.get("data-lanes") == str(len(rest)), f"lanes: {seen.body}")
        check(seen.body.get("data-arrows") == str(len(tr.pairs)) and tr.pairs,
              f"arrows drawn {seen.body.get('data-arrows')}, merged {len(tr.pairs)}")
        shot = os.path.join(os.path.dirname(path), "page.png")
        s = test_page.Chromium(page, extra=["--screenshot=" + shot], dump=False)
        check(s.status == 0 and os.path.getsize(shot) > 10000, "no screenshot")
    new_lead = int(m.group(1))
    # On each surviving lane, the naming service's old term, its election
    # (on the new leader), its new term, in that order: in the Chrome JSON
    # (by time) and in the merged events (causal order).
    with open(js) as f:
        chrome = json.load(f)["traceEvents"]
    for k in rest:
        by_time = sorted((e["ts"], e["name"], int(e["args"]["term"])) for e in chrome
                         if e.get("ph") == "i" and e.get("pid") == k and
                         e["args"].get("service") == "naming" and
                         e["name"] in ("role", "election"))
        check_terms_in_order(f"node {k} (JSON)", [(kd, t) for _, kd, t in by_time], old_term,
                             new_term, k == new_lead)
        causal = [(e["kind"], int(e["fields"]["term"])) for e in tr.events
                  if e["node"] == k and e["fields"].get("service") == "naming" and
                  e["kind"] in ("role", "election")]
        check_terms_in_order(f"node {k}", causal, old_term, new_term, k == new_lead)
    ctx.note = f"leader {lead} killed in term {old_term}; term {new_term}; {r.stdout.strip()[:200]}"


@scenario(120)
def trace_ring_overflow(ctx):
    """5000 events into a ring of 2048: `trace` prints the newest 2048, in
    order, after a `trace-dropped` line that counts every one lost; an
    event with a bad kind or a newline is refused with a clear error. And
    the ring read while the node is busy adding to it: every line whole,
    numbers increasing, nothing printed twice."""
    c = ctx.cluster(1, node_args={1: "services="})
    expect(c, 1, "trace emit -n 200000 busy &")
    time.sleep(0.5)
    for _ in range(3):
        out = expect(c, 1, "trace", timeout=120)
        events, _, bad = tracelib.parse_lines(out.splitlines())
        seqs = [e["seq"] for e in events]
        check(not bad and seqs == sorted(set(seqs)) and len(seqs) > 100,
              f"read while busy: {len(bad)} unreadable, {len(seqs)} events, in order: "
              f"{seqs == sorted(set(seqs))}")
    busy = sum(e["kind"] == "busy" for e in events)
    for _ in range(600):  # the writer ends (200000 events: seconds)
        if not re.search(r"\strace$", c.exec(1, "ps")[0], re.M):
            break
        time.sleep(0.2)
    expect(c, 1, "trace emit -n 5000 flood round=1", timeout=120)
    out = expect(c, 1, "trace", timeout=120)
    lines = out.splitlines()
    drop = [ln for ln in lines if ln.startswith("trace-dropped ")]
    events, drops, bad = tracelib.parse_lines(lines)
    check(not bad and len(events) == 2048, f"{len(events)} events printed, {len(bad)} unreadable")
    seqs = [e["seq"] for e in events]
    check(seqs == list(range(seqs[0], seqs[0] + 2048)), "events missing or out of order")
    check(len(drop) == 1 and drops and drops[0][2] == seqs[0] - 1,
          f"dropped line {drop}, first kept seq {seqs[0]}")
    floods = sum(e["kind"] == "flood" for e in events)
    check(floods >= 2040 and events[-1]["kind"] == "flood", f"the ring kept {floods} of the flood")
    # `trace off` keeps nothing (make bench compares calls with it on and off)
    before = expect(c, 1, "trace off; trace emit -n 10 quiet; trace info")
    after = expect(c, 1, "trace info; trace on")
    check("off" in before and re.search(r"next (\d+)", before).group(1) ==
          re.search(r"next (\d+)", after).group(1), f"events kept while off: {before} / {after}")
    out, st = c.exec(1, "trace emit Bad-Kind x=1", timeout=30)
    check(st == 1 and "Invalid argument" in out, f"a bad kind: {st} {out}")
    ctx.note = (f"read 3 times while busy ({busy} busy events in the last); "
                f"{drops[0][2]} dropped, seq {seqs[0]}..{seqs[-1]} kept")


def nodes_json(c, k, timeout=60):
    out, st = c.exec(k, "nodes -j -t 0.5", timeout=timeout)
    try:
        return json.loads(out), st
    except ValueError:
        raise Fail(f"node {k}: `nodes -j` printed no JSON: {out}")


@scenario(180)
def nodes_health(ctx):
    """`nodes` on node 1 of a cluster whose clocks are skewed: node 2's
    wall clock 10 s ahead and 1000 ppm fast, node 3's 10 s behind and 1000
    ppm slow. Each offset it estimates (NTP-style, from request and reply
    times) is within 50 ms of the injected one; every node answers, one
    leader. Node 3 cut off from the others: the leader's `nodes` shows it
    unreachable and not heard within an election timeout; after the heal,
    it answers again and the leader hears it."""
    args = {1: "services=naming", 2: "services=naming clock_offset=10 clock_drift_ppm=1000",
            3: "services=naming clock_offset=-10 clock_drift_ppm=-1000"}
    c = ctx.cluster(3, node_args=args)
    j, st = nodes_json(c, 1)
    check(st == 0 and all(n["reachable"] for n in j["nodes"]), f"nodes: {j}")
    offsets = {n["node"]: n["clock_offset_ns"] / 1e6 for n in j["nodes"]}
    for k, want in ((1, 0), (2, 10000), (3, -10000)):
        check(abs(offsets[k] - want) < 50, f"node {k}: offset {offsets[k]:.1f} ms, injected {want}")
    lead = j["leader"]
    check(lead in (1, 2, 3) and not j["two_leaders"], f"leader: {j}")
    cut = 3 if lead != 3 else 2
    rest = [k for k in (1, 2, 3) if k != cut]
    c.partition([rest, [cut]])
    time.sleep(2.5)  # more than an election timeout (1-2 s)
    j, st = nodes_json(c, lead)
    by = {n["node"]: n for n in j["nodes"]}
    check(st != 0 and not by[cut]["reachable"], f"node {cut} cut off but reachable: {j}")
    check(j["unheard_by_leader"] == [cut], f"not heard by the leader: {j['unheard_by_leader']}")
    c.heal()
    for _ in range(50):
        j, st = nodes_json(c, lead)
        if st == 0:
            break
        time.sleep(0.2)
    check(st == 0 and j["unheard_by_leader"] == [], f"after the heal: {j}")
    ctx.note = ("offsets " + ", ".join(f"{k}: {v:+.1f} ms" for k, v in sorted(offsets.items()))
                + f"; leader {lead}, node {cut} cut off and back")


if __name__ == "__main__":
    sys.exit(run(scenario, "trace-cluster"))
