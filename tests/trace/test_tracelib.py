#!/usr/bin/python3
"""tests/trace/test_tracelib.py [FILTER]: host tests of tools/tracelib.py,
tools/trace_chrome.py, tools/trace_html.py (the page's text, not its
drawing: tests/trace/test_page.py loads it in Chromium) and the tools/trace
command, on hand-written lines and synthetic traces (tests/trace/synth.py).
Prints `PASS name` or `FAIL name: why` per test, then `N passed, M failed`."""
import json
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import threading
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tools"))
sys.path.insert(0, HERE)
import synth  # noqa: E402
import trace_chrome  # noqa: E402
import trace_html  # noqa: E402
import tracelib  # noqa: E402
import unitrun  # noqa: E402

TOOL = os.path.join(ROOT, "tools", "trace")
EXAMPLE = ("trace node=2 boot=1733600000123 seq=17 lam=412 ns=1733600000456789012 pid=5 "
           "kind=send trace=9f3a11c2d4e5f601 span=0c1d2e3f40516273 parent=0000000000000000 "
           "peer=3 msg=2.1733600000123.41 call=1 port=calc")


def line(node, seq, lam, ns, kind, boot=1000, pid=0, **kv):
    extra = "".join(f" {k}={v}" for k, v in kv.items())
    return (f"trace node={node} boot={boot} seq={seq} lam={lam} ns={ns} pid={pid} "
            f"kind={kind}{extra}")


def merged(lines, source="test"):
    ev, drops, bad = tracelib.parse_lines(lines, source)
    return tracelib.merge(ev, drops)


class Parse(unittest.TestCase):
    def test_parse_example_line(self):
        what, e = tracelib.parse_line(EXAMPLE)
        self.assertEqual(what, "event")
        self.assertEqual((e["node"], e["boot"], e["seq"], e["lam"], e["ns"], e["pid"]),
                         (2, 1733600000123, 17, 412, 1733600000456789012, 5))
        self.assertEqual(e["kind"], "send")
        self.assertEqual(e["fields"]["msg"], "2.1733600000123.41")
        self.assertEqual(list(e["fields"])[-1], "port")

    def test_parse_skips_garbage(self):
        lines = ["", "n1$ trace", "tracer node=1", "[n1 1.000000] kernel says hi",
                 "  trace node=1 boot=1 seq=1 lam=1 ns=1 pid=0 kind=boot",
                 "trace", "trace-dropped node=x count=3",
                 "trace node=1 boot=1 seq=2 lam=x ns=5 pid=0 kind=boot",
                 "trace node=1 boot=1 seq=3 ns=5 pid=0 kind=boot",
                 "\x00\xff garbage", line(1, 4, 4, 40, "boot") + "\r"]
        ev, drops, bad = tracelib.parse_lines(lines, "f")
        self.assertEqual([e["seq"] for e in ev], [4])
        self.assertEqual(drops, [])
        # `trace` alone, the bad dropped line, lam=x, no lam: unreadable, said so
        self.assertEqual(len(bad), 3, bad)
        whys = " | ".join(b[1] for b in bad)
        self.assertIn("lam=x", whys)
        self.assertIn("no lam", whys)
        self.assertEqual(bad[0][0], "f:7")

    def test_parse_unknown_keys_and_text(self):
        ln = line(1, 1, 1, 5, "lease", pid=7, service="fs", what="grant", color="blue",
                  weird="a=b") + " text=lease  for x=1 until   later "
        what, e = tracelib.parse_line(ln)
        self.assertEqual(what, "event")
        self.assertEqual(e["fields"]["color"], "blue")
        self.assertEqual(e["fields"]["weird"], "a=b")
        self.assertEqual(e["fields"]["text"], "lease  for x=1 until   later ")
        tr = merged([ln])
        self.assertEqual(tr.events[0]["fields"]["color"], "blue")
        page = trace_html.render(tr)
        self.assertIn("color=blue", page)
        self.assertIn("text=lease  for x=1 until   later ", page)

    def test_parse_words_without_key(self):
        # values have no spaces by contract; a strerror() text breaks it
        ln = line(1, 1, 1, 5, "call_fail", peer=2, msg="R1.9.3") + " error=Connection timed out"
        what, e = tracelib.parse_line(ln + " latency_ns=7")
        self.assertEqual(e["fields"]["error"], "Connection timed out")
        self.assertEqual(e["fields"]["latency_ns"], "7")
        tr = merged([ln])
        self.assertIn("loose-words", tr.warnings[0])
        self.assertIn("(timed out)", tr.warnings[0])

    def test_parse_console_log_lines(self):
        raw = "\x1b[32m[n2    12.500000] \x1b[0m" + line(2, 1, 1, 5, "boot") + "\r"
        self.assertIsNone(tracelib.parse_line(raw))
        what, e = tracelib.parse_line(tracelib.clean_console_line(raw))
        self.assertEqual((what, e["node"]), ("event", 2))

    def test_dropped_lines(self):
        lines = [line(2, 40, 40, 400, "boot"), "trace-dropped node=2 count=39",
                 "trace-dropped node=2 count=39", "trace-dropped node=3 boot=7 count=5",
                 "trace-dropped node=3 boot=9 count=2", line(3, 1, 1, 10, "boot", boot=9)]
        tr = merged(lines)
        self.assertEqual(tr.dropped, {2: 39, 3: 7})
        s = tracelib.summary(tr)
        self.assertIn("dropped 39 on node 2, 7 on node 3", s)
        meta = trace_chrome.chrome_trace(tr)["metadata"]
        self.assertEqual(meta["dropped"], {"2": 39, "3": 7})
        self.assertIn('"dropped":39', trace_html.render(tr))


class Merge(unittest.TestCase):
    def test_merge_order_is_lamport(self):
        c = synth.SimCluster(3)
        for i in range(30):
            a, b = random.Random(i).sample([1, 2, 3], 2)
            m = c.send(a, b)
            c.advance(1000)
            c.recv(b, m)
            c.event(random.Random(i).choice([1, 2, 3]), "commit", service="naming",
                    index=i, term=1)
        lines = list(c.lines)
        random.Random(7).shuffle(lines)
        tr = merged(lines)
        keys = [(e["lam"], e["node"], e["seq"]) for e in tr.events]
        self.assertEqual(keys, sorted(keys))
        self.assertEqual(len(tr.pairs), 30)
        self.assertEqual(tr.violations, [])
        for p in tr.pairs:
            self.assertLess(p["a"], p["b"])

    def test_merge_ties_by_node_then_seq(self):
        lines = [line(2, 1, 5, 10, "x"), line(1, 2, 5, 30, "x"), line(1, 1, 4, 20, "x"),
                 line(3, 1, 5, 0, "x")]
        tr = merged(lines)
        self.assertEqual([(e["node"], e["seq"]) for e in tr.events],
                         [(1, 1), (1, 2), (2, 1), (3, 1)])

    def test_merge_after_restart(self):
        # node 2 restarts: its Lamport time begins again, yet its new events
        # come after its old ones, and receives after their sends.
        c = synth.SimCluster(2)
        for _ in range(20):
            m = c.send(1, 2)
            c.advance(10_000)
            c.recv(2, m)
        old_boot = c.nodes[2]["boot"]
        c.advance(2_000_000)
        c.boot(2)
        m = c.send(2, 1)
        c.advance(10_000)
        c.recv(1, m)
        tr = merged(c.lines)
        self.assertEqual(tr.violations, [])
        lane2 = [(e["boot"], e["seq"]) for e in tr.events if e["node"] == 2]
        self.assertEqual(lane2, sorted(lane2))
        self.assertNotEqual(old_boot, c.nodes[2]["boot"])
        last = tr.pairs[-1]
        self.assertEqual(tr.events[last["a"]]["boot"], c.nodes[2]["boot"])
        self.assertLess(last["a"], last["b"])
        # the same message id from the old boot is another message
        self.assertEqual(len(tr.pairs), 21)

    def test_duplicates_are_one_event(self):
        c, arrows = synth.raft_cluster()
        tr = merged(c.lines + c.lines)
        self.assertEqual(len(tr.events), len(c.lines))
        self.assertEqual(tr.duplicates, len(c.lines))
        self.assertEqual(len(tr.pairs), arrows)

    def test_pairs_and_categories(self):
        c, arrows = synth.raft_cluster()
        c.boot(4)  # runs no naming service
        for a, b, pid, call in ((3, 2, 300050, 0),    # not a service's process
                                (1, 4, 100001, 0),    # naming's, to a node without naming
                                (1, 2, 100001, 1)):   # naming's, but a call
            m = c.send(a, b, pid=pid, call=call, port=9)
            c.advance(1000)
            c.recv(b, m)
        tr = merged(c.lines)
        cats = {}
        for p in tr.pairs:
            cats[p["cat"]] = cats.get(p["cat"], 0) + 1
        self.assertEqual(cats, {"raft": arrows - 2, "call": 2, "reply": 1, "oneway": 2})
        call = [p for p in tr.pairs if p["cat"] == "call"][0]
        self.assertEqual(tr.events[call["a"]]["fields"]["port"], str(synth.CALC_PORT))
        reply = [p for p in tr.pairs if p["cat"] == "reply"][0]
        self.assertEqual(reply["key"], "R" + call["key"])
        self.assertEqual(tr.events[call["a"]]["node"], tr.events[reply["b"]]["node"])

    def test_migration_arrow(self):
        lines = [line(1, 1, 1, 100, "migrate_out", pid=100005, peer=2, text="to node 2"),
                 line(2, 1, 3, 200, "migrate_in", pid=100005, peer=1, text="from node 1"),
                 line(2, 2, 4, 300, "migrate_in", pid=100006, peer=1)]
        tr = merged(lines)
        self.assertEqual([(p["cat"], p["key"]) for p in tr.pairs], [("migrate", "pid 100005")])


class Checks(unittest.TestCase):
    def test_lamport_violation(self):
        good = [line(1, 1, 10, 100, "send", peer=2, msg="1.1000.1", call=0),
                line(2, 1, 11, 200, "recv", peer=1, msg="1.1000.1", call=0)]
        self.assertEqual(merged(good).violations, [])
        bad = [good[0], line(2, 1, 10, 200, "recv", peer=1, msg="1.1000.1", call=0)]
        tr = merged(bad)
        self.assertEqual(len(tr.violations), 1)
        self.assertTrue(tr.violations[0].startswith("lamport:"), tr.violations)
        self.assertIn("1.1000.1", tr.violations[0])
        # ... and the merged order still puts the send first
        self.assertEqual([e["kind"] for e in tr.events], ["send", "recv"])
        rep = [line(2, 1, 5, 100, "reply_send", peer=1, msg="R1.1000.1", latency_ns=5),
               line(1, 1, 3, 200, "reply_recv", peer=2, msg="R1.1000.1", latency_ns=9)]
        self.assertIn("lamport:", merged(rep).violations[0])

    def test_lane_lamport_goes_back(self):
        tr = merged([line(1, 1, 5, 100, "x"), line(1, 2, 5, 200, "x"),
                     line(1, 3, 9, 300, "x")])
        self.assertEqual(len(tr.violations), 1)
        self.assertTrue(tr.violations[0].startswith("lane-order:"), tr.violations)

    def test_recv_without_send(self):
        lines = [line(1, 1, 1, 100, "boot"),
                 line(2, 5, 20, 200, "recv", peer=1, msg="1.1000.9", call=0),
                 line(2, 6, 21, 210, "recv", peer=4, msg="4.1000.2", call=0),
                 line(3, 1, 30, 220, "recv", peer=2, msg="2.1000.3", call=1),
                 "trace-dropped node=2 count=4"]
        tr = merged(lines)
        text = "\n".join(tr.warnings)
        self.assertIn("no-send: recv of 1.1000.9", text)
        self.assertIn("no-send-node: recv of 4.1000.2 on node 2 seq 6: node 4 is not", text)
        self.assertIn("send-dropped: recv of 2.1000.3", text)
        self.assertIn("dropped 4 events", text)
        self.assertEqual(tr.violations, [])

    def test_election_safety(self):
        ok = [line(1, 1, 1, 100, "role", pid=9, service="naming", role="leader", term=3),
              line(2, 1, 2, 150, "role", pid=9, service="naming", role="leader", term=4),
              line(3, 1, 3, 160, "role", pid=9, service="fs", role="leader", term=3),
              line(1, 2, 4, 400, "role", pid=9, service="naming", role="follower", term=4)]
        tr = merged(ok)
        self.assertEqual(tr.violations, [])  # overlapping leaders of different terms
        self.assertEqual([(b["service"], b["term"], b["node"]) for b in tr.leaders],
                         [("fs", 3, 3), ("naming", 3, 1), ("naming", 4, 2)])
        bad = ok + [line(3, 2, 5, 200, "role", pid=9, service="naming", role="leader", term=4)]
        tr = merged(bad)
        self.assertEqual(len(tr.violations), 1, tr.violations)
        self.assertIn("election-safety: naming term 4 has leaders on nodes 2, 3", tr.violations[0])

    def test_term_bands(self):
        c, _ = synth.raft_cluster()
        tr = merged(c.lines)
        bands = [(b["node"], b["term"], b["role"]) for b in tr.bands]
        self.assertEqual(bands, [(1, 1, "follower"), (1, 1, "leader"), (1, 2, "follower"),
                                 (2, 1, "follower"), (2, 2, "candidate"), (2, 2, "leader"),
                                 (3, 1, "follower"), (3, 2, "follower")])
        for b in tr.bands:
            self.assertLessEqual(b["start"], b["end"])
        n1 = [b for b in tr.bands if b["node"] == 1]
        self.assertEqual(n1[0]["end"], n1[1]["start"])
        self.assertEqual([(b["term"], b["node"]) for b in tr.leaders], [(1, 1), (2, 2)])
        # an election alone raises the term; an older or equal one does not
        tr = merged([line(1, 1, 1, 100, "role", service="fs", role="follower", term=4),
                     line(1, 2, 2, 200, "election", service="fs", term=5),
                     line(1, 3, 3, 300, "election", service="fs", term=5),
                     line(1, 4, 4, 400, "election", service="fs", term=3),
                     line(1, 5, 5, 500, "commit", service="fs", index=9, term=5)])
        self.assertEqual([(b["term"], b["role"], b["start"], b["end"]) for b in tr.bands],
                         [(4, "follower", 100, 200), (5, "candidate", 200, 500)])

    def test_cli_check_exit_status(self):
        with tempfile.TemporaryDirectory() as d:
            good = os.path.join(d, "good.txt")
            c, _ = synth.raft_cluster()
            with open(good, "w") as f:
                f.write("console noise\n" + c.text())
            r = subprocess.run([TOOL, "render", good, "--check"], capture_output=True,
                               text=True, timeout=60)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertIn("3 nodes (1, 2, 3)", r.stdout)
            self.assertTrue(os.path.exists(os.path.join(d, "good.html")))
            self.assertTrue(os.path.exists(os.path.join(d, "good.json")))
            bad = os.path.join(d, "bad.txt")
            with open(bad, "w") as f:
                f.write(line(1, 1, 10, 100, "send", peer=2, msg="1.1000.1", call=0) + "\n" +
                        line(2, 1, 9, 200, "recv", peer=1, msg="1.1000.1", call=0) + "\n")
            r = subprocess.run([TOOL, "render", bad, "--check", "-o", os.path.join(d, "p.html"),
                                "--json", os.path.join(d, "p.json")],
                               capture_output=True, text=True, timeout=60)
            self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
            self.assertIn("VIOLATION lamport", r.stdout)
            r = subprocess.run([TOOL, "render", bad, "-o", os.path.join(d, "p.html"),
                                "--json", os.path.join(d, "p.json")],
                               capture_output=True, text=True, timeout=60)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            empty = os.path.join(d, "empty.txt")
            with open(empty, "w") as f:
                f.write("nothing here\n")
            r = subprocess.run([TOOL, "render", empty], capture_output=True, text=True,
                               timeout=60)
            self.assertEqual(r.returncode, 2, r.stdout + r.stderr)


class Clocks(unittest.TestCase):
    def assert_forward(self, tr):
        for p in tr.pairs:
            a, b = tr.events[p["a"]], tr.events[p["b"]]
            self.assertGreaterEqual(b["t"] - a["t"], tracelib.EPS_NS,
                                    f"{p['key']}: drawn {b['t'] - a['t']} ns after its send")
        for k in tr.nodes:
            ts = [e["t"] for e in tr.events if e["node"] == k]
            self.assertEqual(ts, sorted(ts))
            self.assertEqual(len(ts), len(set(ts)))

    def test_skew_node3_ahead(self):
        c, _ = synth.raft_cluster(skew3=10 * 10**9)
        tr = merged(c.lines)
        self.assert_forward(tr)
        off3 = [o for (n, b), o in tr.offsets.items() if n == 3][0]
        self.assertAlmostEqual(off3 / 1e9, 10.0, places=4)
        # the true delays were 80-120 us: the drawn ones are close to them
        for p in tr.pairs:
            d = tr.events[p["b"]]["t"] - tr.events[p["a"]]["t"]
            self.assertLess(d, 200_000, p)
        self.assertLess(tr.t1 - tr.t0, 20_000_000)  # 12 ms of trace, not 10 s

    def test_skew_node3_behind_one_way_only(self):
        c = synth.SimCluster(3, skew_ns={3: -7 * 10**9})
        for _ in range(10):
            for k in (2, 3):
                m = c.send(1, k)
                c.advance(100_000)
                c.recv(k, m)
        tr = merged(c.lines)
        self.assert_forward(tr)
        self.assertLess(tr.t1 - tr.t0, 10**9)

    def test_drift(self):
        c = synth.SimCluster(3, skew_ns={2: -3 * 10**9}, drift={2: 2e-3, 3: -1e-3})
        for i in range(200):
            a, b = random.Random(i).sample([1, 2, 3], 2)
            c.call(a, b, a * 100000 + 2, b * 100000 + 3, delay=50_000, work=100_000)
            c.advance(20_000_000)
        tr = merged(c.lines)
        self.assertEqual(tr.violations, [])
        self.assert_forward(tr)

    def test_unconnected_node_keeps_its_clock(self):
        tr = merged([line(1, 1, 1, 5000, "boot"), line(4, 1, 1, 9000, "boot")])
        self.assertEqual([e["t"] for e in tr.events], [5000, 9000])


class Chrome(unittest.TestCase):
    def check_structure(self, doc, tr):
        json.loads(json.dumps(doc))
        self.assertEqual(doc["displayTimeUnit"], "ns")
        evs = doc["traceEvents"]
        for e in evs:
            self.assertIn(e["ph"], "MiXsfbe")
            self.assertIsInstance(e["pid"], int)
            self.assertIsInstance(e["tid"], int)
            if e["ph"] != "M":
                self.assertIsInstance(e["ts"], (int, float))
                self.assertGreaterEqual(e["ts"], 0)
                self.assertIsInstance(e["name"], str)
        named = {e["pid"]: e["args"]["name"] for e in evs
                 if e["ph"] == "M" and e["name"] == "process_name"}
        threads = {(e["pid"], e["tid"]) for e in evs
                   if e["ph"] == "M" and e["name"] == "thread_name"}
        for e in evs:
            self.assertEqual(named.get(e["pid"]), f"node {e['pid']}")
            self.assertIn((e["pid"], e["tid"]), threads)
        starts = {}
        for e in evs:
            if e["ph"] == "s":
                self.assertNotIn(e["id"], starts)
                starts[e["id"]] = e
        instants = {(x["pid"], x["tid"], x["ts"]) for x in evs if x["ph"] == "i"}
        ends = [e for e in evs if e["ph"] == "f"]
        self.assertEqual(len(ends), len(tr.pairs))
        self.assertEqual(len(starts), len(tr.pairs))
        for f in ends:
            s = starts.get(f["id"])
            self.assertIsNotNone(s, f"flow end {f['id']} without a start")
            self.assertEqual((s["name"], s["cat"]), (f["name"], f["cat"]))
            self.assertEqual(f["bp"], "e")
            self.assertLessEqual(s["ts"], f["ts"])
            # each end sits on an instant event of its thread at that time
            for end in (s, f):
                self.assertIn((end["pid"], end["tid"], end["ts"]), instants)
        # X slices: ts monotone per thread, nested or disjoint, never crossing
        per = {}
        for e in evs:
            if e["ph"] == "X":
                per.setdefault((e["pid"], e["tid"]), []).append(e)
        for xs in per.values():
            self.assertEqual([x["ts"] for x in xs], sorted(x["ts"] for x in xs))
            stack = []
            for x in xs:
                end = x["ts"] + x["dur"]
                while stack and stack[-1] <= x["ts"]:
                    stack.pop()
                self.assertTrue(not stack or end <= stack[-1] + 1e-9, f"{x} crosses")
                stack.append(end)
        ts = [e["ts"] for e in evs if e["ph"] != "M"]
        self.assertEqual(ts, sorted(ts))
        begins = {e["id"] for e in evs if e["ph"] == "b"}
        self.assertEqual(begins, {e["id"] for e in evs if e["ph"] == "e"})
        return evs

    def test_chrome_json_structure(self):
        c, arrows = synth.raft_cluster()
        tr = merged(c.lines)
        evs = self.check_structure(trace_chrome.chrome_trace(tr), tr)
        self.assertEqual(sum(1 for e in evs if e["ph"] == "i"), len(c.lines))
        xs = [e for e in evs if e["ph"] == "X"]
        self.assertEqual(sorted(x["name"] for x in xs), ["call port 7", "serve port 7"])
        caller = [x for x in xs if x["name"] == "call port 7"][0]
        self.assertEqual((caller["pid"], caller["tid"], caller["dur"]), (1, 100007, 540.0))
        kernel = [e for e in evs if e["ph"] == "M" and e["name"] == "thread_name"
                  and e["args"]["name"] == "kernel"]
        self.assertEqual(len(kernel), 3)

    def test_chrome_overlapping_calls(self):
        # server 300009 takes a second call before answering the first
        c = synth.SimCluster(3)
        m1 = c.send(1, 3, 100007, call=1)
        c.advance(100_000)
        a1 = c.now
        c.recv(3, m1, 300009)
        m2 = c.send(2, 3, 200007, call=1)
        c.advance(100_000)
        a2 = c.now
        c.recv(3, m2, 300009)
        c.advance(200_000)
        r1 = c.reply(3, m1, 1, 300009, a1)
        c.advance(50_000)
        r2 = c.reply(3, m2, 2, 300009, a2)
        r1.started = r2.started = 0
        c.advance(100_000)
        c.recv(1, r1, 100007)
        c.recv(2, r2, 200007)
        tr = merged(c.lines)
        evs = self.check_structure(trace_chrome.chrome_trace(tr), tr)
        on3 = [e["ph"] for e in evs if e["pid"] == 3 and e["ph"] in "Xbe"]
        self.assertEqual(sorted(on3), ["X", "b", "e"])

    def test_chrome_big_trace(self):
        c = synth.SimCluster(4, skew_ns={4: 2 * 10**9})
        rnd = random.Random(3)
        for i in range(1500):
            a, b = rnd.sample([1, 2, 3, 4], 2)
            c.call(a, b, a * 100000 + rnd.randrange(1, 4), b * 100000 + 9, delay=30_000,
                   work=rnd.randrange(10_000, 400_000))
            c.advance(rnd.randrange(0, 100_000))
        tr = merged(c.lines)
        self.check_structure(trace_chrome.chrome_trace(tr), tr)


class Page(unittest.TestCase):
    def test_page_self_contained(self):
        c, _ = synth.raft_cluster()
        tr = merged(c.lines)
        page = trace_html.render(tr, "t")
        self.assertNotRegex(page, r"(?i)<link|@import|\bsrc\s*=|\bhref\s*=|url\(\s*['\"]?\w+:")
        urls = set(re.findall(r"[a-z]+://[^\s\"'<>)]+", page))
        self.assertEqual(urls, {"http://www.w3.org/2000/svg"})  # a namespace, not fetched
        self.assertEqual(page.count("<script"), 3)

    def test_page_escapes_trace_text(self):
        evil = ("<!--<script></script x><script>window.pwned=1</script ><img src=x "
                "onerror=alert(1)> & &amp;")
        tr = merged([line(1, 1, 1, 100, "note", pid=3) + " text=" + evil])
        page = trace_html.render(tr, "<b>title</b>")
        self.assertEqual(page.count("</script"), 3)  # only the page's own scripts end
        self.assertEqual(page.count("<script"), 3)
        self.assertNotIn("<!--", page)
        self.assertNotIn("<img", page)
        self.assertNotIn("<b>title</b>", page)
        body = re.search(r'id="trace-data">(.*?)</script>', page, re.S).group(1)
        self.assertEqual(json.loads(body)["body"][0], "text=" + evil)


class Collect(unittest.TestCase):
    def test_collect_from_logs(self):
        c, arrows = synth.raft_cluster()
        with tempfile.TemporaryDirectory() as d:
            by_node = {}
            for ln in c.lines:
                by_node.setdefault(int(ln.split()[1][5:]), []).append(ln)
            for k, lines in by_node.items():
                with open(os.path.join(d, f"node-{k}.log"), "wb") as f:
                    f.write(b"OpenSBI v1.2\r\n\x1b[1mn%d$ \x1b[0mtrace\r\n" % k)
                    for i, ln in enumerate(lines):
                        pre = "[n%d   %d.000100] " % (k, i) if i % 3 == 0 else ""
                        f.write((pre + ln + "\r\n").encode())
                    f.write(b"[n1 9.000000] net: link up\r\ntrace-dropped node=%d count=2\r\n" % k)
            out = os.path.join(d, "all.txt")
            r = subprocess.run([TOOL, "collect", "--logs", d, "-o", out], capture_output=True,
                               text=True, timeout=60)
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(out) as f:
                ev, drops, bad = tracelib.parse_lines(f, out)
            self.assertEqual((len(ev), len(bad)), (len(c.lines), 0))
            tr = tracelib.merge(ev, drops)
            self.assertEqual(len(tr.pairs), arrows)
            self.assertEqual(tr.dropped, {1: 2, 2: 2, 3: 2})
            r = subprocess.run([TOOL, "collect", "--logs", d], capture_output=True, text=True,
                               timeout=60)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertTrue(os.path.exists(os.path.join(d, "trace.txt")))

    def test_collect_live_fake_cluster(self):
        # a stand-in for the supervisor (tools/clustersup.py): `status`, and
        # `attach K excl` answering the marker-wrapped command as a shell
        c, arrows = synth.raft_cluster()
        by_node = {}
        for ln in c.lines:
            by_node.setdefault(int(ln.split()[1][5:]), []).append(ln)
        asked = []
        with tempfile.TemporaryDirectory(prefix="trc-", dir="/tmp") as d:
            with open(os.path.join(d, "cluster.json"), "w") as f:
                json.dump({"n": 3, "mem": "128M", "node_args": {}, "kernel": "k"}, f)
            with open(os.path.join(d, "node-2.log"), "w") as f:  # node 2 is down
                f.write("n2$ trace\r\n" + "\r\n".join(by_node[2]) + "\r\n")
            srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            srv.bind(os.path.join(d, "sup.sock"))
            srv.listen(8)
            srv.settimeout(30)

            def serve(conn):
                with conn:
                    f = conn.makefile("rwb", buffering=0)
                    req = f.readline().decode().strip()
                    if req == "status":
                        nodes = {str(k): {"alive": k != 2} for k in (1, 2, 3)}
                        f.write((json.dumps({"nodes": nodes}) + "\n").encode())
                        return
                    k = int(req.split()[1])
                    f.write(b"ok\n")
                    m = re.match(r'echo @@B""(\S+); (.*); echo @@E""\1 \$\?',
                                 f.readline().decode())
                    asked.append((k, m.group(2)))
                    out = "\r\n".join([f"n{k}$ trace"] + by_node[k])
                    f.write(f"@@B{m.group(1)}\r\n{out}\r\n@@E{m.group(1)} 0\r\n".encode())

            def accept():
                try:
                    while True:
                        conn, _ = srv.accept()
                        threading.Thread(target=serve, args=(conn,), daemon=True).start()
                except OSError:
                    pass
            threading.Thread(target=accept, daemon=True).start()
            try:
                r = subprocess.run([TOOL, "collect", d], capture_output=True, text=True,
                                   timeout=60)
            finally:
                srv.close()
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(sorted(asked), [(1, "trace"), (3, "trace")])
            self.assertIn("node 2: %d lines (down: from its console log)" % len(by_node[2]),
                          r.stderr)
            with open(os.path.join(d, "trace.txt")) as f:
                ev, drops, bad = tracelib.parse_lines(f)
        self.assertEqual((len(ev), bad), (len(c.lines), []))
        self.assertEqual(len(tracelib.merge(ev, drops).pairs), arrows)

    def test_collect_no_cluster(self):
        with tempfile.TemporaryDirectory() as d:
            r = subprocess.run([TOOL, "collect", d], capture_output=True, text=True, timeout=60)
            self.assertEqual(r.returncode, 125, r.stdout + r.stderr)
            self.assertIn("no cluster", r.stderr)


if __name__ == "__main__":
    sys.exit(unitrun.run([Parse, Merge, Checks, Clocks, Chrome, Page, Collect], "trace_"))
