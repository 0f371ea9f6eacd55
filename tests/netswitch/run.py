#!/usr/bin/python3
"""Tests of tools/netswitch against fake nodes (python3 stdlib only).

    tests/netswitch/run.py [FILTER]

Runs every test whose name contains FILTER, prints `PASS name` or
`FAIL name: reason` for each, and ends with `N passed, M failed`
(tests/common/scenarios.py, the project's one test runner). Each test has
its own switch in its own run directory and a time limit.
"""
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "common"))
from nswlib import (BCAST, BIN, ROOT, Ctx, Switch, TestFailure, check, ctl,  # noqa: E402
                    die_with_parent, frame, mac, parse, send_paced, short_tmpdir, wait_until)
from scenarios import Scenarios  # noqa: E402  (tests/common/scenarios.py)

test = Scenarios(default_limit=60, reasons=(TestFailure,))


def quiet(seconds=0.2):
    """Let in-flight frames land before checking that something did NOT arrive."""
    time.sleep(seconds)


# ---- switching ---------------------------------------------------------------

@test
def learning():
    ctx = Ctx()
    try:
        sw = ctx.switch(3)
        n = ctx.nodes_for(sw)
        n[1].send(mac(2), 1)                # mac(2) unknown: flooded
        check(wait_until(lambda: n[2].count() == 1 and n[3].count() == 1),
              "unknown unicast was not flooded to ports 2 and 3")
        n[2].send(mac(1), 2)                # mac(1) learned on port 1
        check(wait_until(lambda: n[1].count() == 1), "reply did not reach port 1")
        n[1].send(mac(2), 3)                # mac(2) now learned on port 2
        check(wait_until(lambda: n[2].count() == 2), "second unicast did not reach port 2")
        quiet()
        check(n[3].count() == 1, f"port 3 got {n[3].count()} frames, expected only the flood")
        check(n[1].seqs() == [2], "port 1 got wrong frames")
        st = sw.stats()
        check(st["macs"].get("02:00:00:00:00:01") == 1, f"macs {st['macs']}")
        check(st["macs"].get("02:00:00:00:00:02") == 2, f"macs {st['macs']}")
        check(st["switch"]["flooded"] == 1, f"flooded {st['switch']['flooded']}")
        # a unicast to the port it came from is filtered, not reflected
        n[2].send(mac(2), 4)
        check(wait_until(lambda: sw.port(2)["drop_filtered"] == 1), "self-addressed frame")
        sw.ok("flush")
        check(sw.stats()["macs"] == {}, "flush left MACs")
    finally:
        ctx.close()


@test
def aging():
    ctx = Ctx()
    try:
        sw = ctx.switch(3, ["--age", "1"])
        n = ctx.nodes_for(sw)
        n[1].send(BCAST, 1)
        check(wait_until(lambda: n[3].count() == 1), "broadcast")
        n[2].send(mac(1), 2)
        check(wait_until(lambda: n[1].count() == 1), "unicast")
        quiet()
        check(n[3].count() == 1, "learned unicast was flooded")
        time.sleep(1.2)                     # mac(1) ages out
        check("02:00:00:00:00:01" not in sw.stats()["macs"], "entry did not age out")
        n[2].send(mac(1), 3)
        check(wait_until(lambda: n[3].count() == 2), "aged-out destination was not flooded")
    finally:
        ctx.close()


@test
def flooding():
    ctx = Ctx()
    try:
        sw = ctx.switch(4)
        n = ctx.nodes_for(sw)
        n[1].send(BCAST, 1)
        n[1].send(bytes.fromhex("01005e000001"), 2)    # IPv4 multicast
        n[1].send(bytes.fromhex("333300000001"), 3)    # IPv6 multicast
        for k in (2, 3, 4):
            check(wait_until(lambda: n[k].count() == 3), f"port {k} got {n[k].count()} of 3")
        quiet()
        check(n[1].count() == 0, "a flood came back to its sender")
        check(sorted(n[4].seqs()) == [1, 2, 3], "wrong frames")
        # a multicast source address is never learned
        n[2].send_raw(BCAST + bytes.fromhex("010000000009") + b"\x88\xb5" + bytes(46))
        check(wait_until(lambda: n[1].count() == 1), "frame with multicast source")
        check("01:00:00:00:00:09" not in sw.stats()["macs"], "learned a multicast source")
    finally:
        ctx.close()


@test
def partition_heal():
    ctx = Ctx()
    try:
        sw = ctx.switch(4)
        n = ctx.nodes_for(sw)
        for k in (1, 2, 3, 4):              # everyone learned
            n[k].send(BCAST, 100 + k)
        check(wait_until(lambda: all(n[k].count() == 3 for k in n)), "initial broadcasts")
        for k in n:
            n[k].clear()
        check(sw.ok("partition 1,2/3") == "ok partition 1,2/3", "reply")
        n[1].send(BCAST, 1)
        n[1].send(mac(3), 2)                # across the partition
        n[1].send(mac(2), 3)                # inside the group
        n[3].send(BCAST, 4)                 # 3 is alone in its group
        n[4].send(BCAST, 5)                 # 4 is unlisted: isolated
        check(wait_until(lambda: n[2].count() == 2), "traffic inside the group")
        quiet()
        check(sorted(n[2].seqs()) == [1, 3], f"port 2 got {n[2].seqs()}")
        for k in (1, 3, 4):
            check(n[k].count() == 0, f"port {k} got {n[k].seqs()} across the partition")
        check(sw.port(3)["drop_part"] == 3, f"port 3 drop_part {sw.port(3)['drop_part']}")
        sw.ok("heal")
        n[1].send(BCAST, 6)
        n[1].send(mac(3), 7)
        n[4].send(mac(3), 8)
        check(wait_until(lambda: n[3].count() == 3 and n[4].count() == 1 and n[2].count() == 3),
              "heal did not restore traffic")
        # a new partition replaces the old one
        sw.ok("partition 1/2,3,4")
        n[2].send(mac(4), 9)
        n[2].send(mac(1), 10)
        check(wait_until(lambda: n[4].count() == 2), "2 -> 4 inside the group")
        quiet()
        check(10 not in n[1].seqs(), "2 -> 1 crossed the partition")
    finally:
        ctx.close()


# ---- faults -----------------------------------------------------------------

@test
def loss_seeded():
    ctx = Ctx()
    try:
        sw = ctx.switch(2)
        n = ctx.nodes_for(sw)
        n[2].send(BCAST, 0)                 # learn mac(2)
        check(wait_until(lambda: n[1].count() == 1), "learn")
        N = 1000

        def run(seed):
            n[2].clear()
            sw.ok(f"seed {seed}")
            send_paced(sw, n[1], mac(2), list(range(N)), 2)
            quiet(0.1)
            return set(n[2].seqs())

        sw.ok("link 1 2 loss 0.3")
        a = run(42)
        lost = 1 - len(a) / N
        check(0.25 <= lost <= 0.35, f"30% loss dropped {lost:.1%}")
        b = run(42)
        check(a == b, f"same seed, different drops ({len(a ^ b)} differ)")
        c = run(43)
        check(a != c, "different seeds gave identical drops")
        p = sw.port(2)
        check(p["drop_loss"] == 3 * N - len(a) - len(b) - len(c), f"drop_loss {p['drop_loss']}")
        check(p["drop_qfull"] == 0, "queue overflowed")
        # undirected: 2 -> 1 is lossy too; `30%` spelling; clear
        sw.ok("link 1 2 clear")
        sw.ok("link 2>1 loss 100%")
        n[1].clear()
        n[2].clear()
        n[2].send(mac(1), 1)
        n[1].send(mac(2), 2)
        check(wait_until(lambda: n[2].count() == 1), "1 -> 2 after clear")
        quiet()
        check(n[1].count() == 0, "2>1 loss 100% let a frame through")
    finally:
        ctx.close()


@test
def delay():
    ctx = Ctx()
    try:
        sw = ctx.switch(2)
        n = ctx.nodes_for(sw)
        n[1].send(BCAST, 0)
        n[2].send(BCAST, 0)
        check(wait_until(lambda: n[1].count() == 1 and n[2].count() == 1), "learn")
        n[1].clear()
        n[2].clear()
        sw.ok("link 1>2 delay 100")
        for i in range(10):
            n[1].send(mac(2), i)
            n[2].send(mac(1), i)
            time.sleep(0.01)
        check(wait_until(lambda: n[2].count() == 10), "delayed frames did not arrive")
        lat = [t - parse(fr)[2] for t, fr in n[2].got()]
        check(min(lat) >= 0.100, f"latency {min(lat) * 1000:.1f} ms below the 100 ms delay")
        check(max(lat) < 0.6, f"latency {max(lat) * 1000:.1f} ms")
        check(n[2].seqs() == list(range(10)), "constant delay reordered frames")
        back = [t - parse(fr)[2] for t, fr in n[1].got()]
        check(len(back) == 10 and max(back) < 0.08, "the other direction was delayed")
        # jitter: latency in [20, 50] ms
        n[2].clear()
        sw.ok("link 1>2 delay 20 30")
        for i in range(40):
            n[1].send(mac(2), i)
            time.sleep(0.002)
        check(wait_until(lambda: n[2].count() == 40), "jittered frames did not arrive")
        lat = [t - parse(fr)[2] for t, fr in n[2].got()]
        check(min(lat) >= 0.020, f"jittered latency {min(lat) * 1000:.1f} ms < 20 ms")
        check(max(lat) - min(lat) > 0.008, "no jitter visible")
        check(sw.port(2)["delayed"] == 50, f"delayed counter {sw.port(2)['delayed']}")
    finally:
        ctx.close()


@test
def delay_queue_bound():
    ctx = Ctx()
    try:
        sw = ctx.switch(2, ["--delay-queue", "10"])
        n = ctx.nodes_for(sw)
        sw.ok("link 1>2 delay 300")
        for i in range(30):
            n[1].send(BCAST, i)
        check(wait_until(lambda: sw.port(2)["drop_delayq"] == 20), "delay queue not bounded")
        check(wait_until(lambda: n[2].count() == 10), "held frames not released")
        check(n[2].seqs() == list(range(10)), "wrong frames released")
        check(sw.stats()["switch"]["drop_delayq"] == 20, "switch drop_delayq")
    finally:
        ctx.close()


@test
def duplication():
    ctx = Ctx()
    try:
        sw = ctx.switch(2)
        n = ctx.nodes_for(sw)
        sw.ok("seed 5")
        sw.ok("link 1>2 dup 0.5")
        N = 400
        send_paced(sw, n[1], BCAST, list(range(N)), 2)
        quiet(0.1)
        s = n[2].seqs()
        check(set(s) == set(range(N)), "a frame went missing")
        extra = len(s) - N
        check(140 <= extra <= 260, f"dup 0.5 duplicated {extra} of {N}")
        check(max(s.count(x) for x in set(s)) == 2, "a frame came more than twice")
        check(sw.port(2)["dup"] == extra, f"dup counter {sw.port(2)['dup']} != {extra}")
    finally:
        ctx.close()


@test
def reordering():
    ctx = Ctx()
    try:
        sw = ctx.switch(2)
        n = ctx.nodes_for(sw)
        sw.ok("seed 9")
        sw.ok("link 1>2 reorder 0.3 20")
        N = 200
        for i in range(0, N, 20):
            for s in range(i, i + 20):
                n[1].send(BCAST, s)
            time.sleep(0.005)
        check(wait_until(lambda: n[2].count() == N), f"got {n[2].count()} of {N}")
        s = n[2].seqs()
        check(sorted(s) == list(range(N)), "frames lost or duplicated")
        late = sum(1 for i in range(1, N) if s[i] < max(s[:i]))
        check(late >= 20, f"only {late} frames overtaken")
        r = sw.port(2)["reordered"]
        check(30 <= r <= 90, f"reordered {r} of {N} at p=0.3")
    finally:
        ctx.close()


@test
def corruption():
    ctx = Ctx()
    try:
        sw = ctx.switch(2)
        n = ctx.nodes_for(sw)
        sw.ok("link 1>2 corrupt 1")
        sent = [frame(BCAST, mac(1), i, size=60 + 20 * i) for i in range(30)]
        for fr in sent:
            n[1].send_raw(fr)
        check(wait_until(lambda: n[2].count() == 30), "corrupted frames did not arrive")
        for fr, (_, got) in zip(sent, n[2].got()):
            check(len(got) == len(fr), "length changed")
            check(got[:14] == fr[:14], "the Ethernet header was corrupted")
            bits = sum(bin(a ^ b).count("1") for a, b in zip(fr, got))
            check(bits == 1, f"{bits} bits flipped, expected 1")
        check(sw.port(2)["corrupt"] == 30, "corrupt counter")
        sw.ok("link 1>2 corrupt 0")
        n[2].clear()
        n[1].send_raw(sent[0])
        check(wait_until(lambda: n[2].count() == 1), "clean frame")
        check(n[2].got()[0][1] == sent[0], "corrupt 0 still corrupts")
    finally:
        ctx.close()


# ---- control and observation ----------------------------------------------------

@test
def inject():
    ctx = Ctx()
    try:
        sw = ctx.switch(3)
        n = ctx.nodes_for(sw)
        fr = mac(2) + bytes.fromhex("0200000000ee") + b"\x08\x00" + bytes(range(46))
        check(sw.ok(f"inject 2 {fr.hex()}") == "ok injected 60 bytes to port 2", "reply")
        sw.ok("inject 3 AB")                # forged runts go out as given
        check(wait_until(lambda: n[2].count() == 1 and n[3].count() == 1), "injected frames")
        check(n[2].got()[0][1] == fr, "injected bytes differ")
        check(n[3].got()[0][1] == b"\xab", "one-byte frame")
        quiet()
        check(n[1].count() == 0, "injection leaked to port 1")
        check("02:00:00:00:00:ee" not in sw.stats()["macs"], "injected source was learned")
        p = sw.port(2)
        check(p["injected"] == 1 and p["tx"] == 1, f"counters {p}")
        for bad in ("inject", "inject 2", "inject 4 00", "inject 0 00", "inject 2 0",
                    "inject 2 zz", "inject x 00", f"inject 2 {'00' * 65536}"):
            r = sw.cmd(bad)
            check(r.startswith("error"), f"{bad[:30]!r} -> {r!r}")
    finally:
        ctx.close()


@test
def stats_counters():
    ctx = Ctx()
    try:
        sw = ctx.switch(4)
        n = ctx.nodes_for(sw, [1, 2, 3])     # port 4: node not started
        for i in range(5):
            n[1].send(BCAST, i, size=100)
        check(wait_until(lambda: n[2].count() == 5 and n[3].count() == 5), "broadcasts")
        for i in range(3):
            n[2].send(mac(1), i, size=80)
        check(wait_until(lambda: n[1].count() == 3), "unicasts")
        st = sw.stats()
        p = st["ports"]
        check(p[1]["rx"] == 5 and p[1]["rx_bytes"] == 500, f"port 1 {p[1]}")
        check(p[2]["rx"] == 3 and p[2]["rx_bytes"] == 240, f"port 2 {p[2]}")
        check(p[1]["tx"] == 3 and p[1]["tx_bytes"] == 240, f"port 1 tx {p[1]}")
        check(p[2]["tx"] == 5 and p[3]["tx"] == 5, "tx of the flood")
        check(p[1]["up"] == 1 and p[4]["up"] == 0, "up flags")
        check(p[4]["tx"] == 0 and p[4]["drop_down"] == 5 and p[4]["dropped"] == 5,
              f"absent node: {p[4]}")
        check(st["macs"] == {"02:00:00:00:00:01": 1, "02:00:00:00:00:02": 2}, f"{st['macs']}")
        check(st["switch"]["ports"] == 4 and st["switch"]["macs"] == 2, f"{st['switch']}")
        # the node of port 4 starts late: it shows up, and frames flow from then on
        n4 = ctx.node(sw, 4)
        check(sw.port(4)["up"] == 1, "a started node is not up")
        n[1].send(BCAST, 9)
        check(wait_until(lambda: n4.count() == 1), "late node got nothing")
        sw.ok("stats clear")
        p = sw.stats()["ports"]
        check(all(p[k]["rx"] == 0 and p[k]["tx"] == 0 and p[k]["dropped"] == 0 for k in p),
              "stats clear")
        check(sw.cmd("stats now").startswith("error"), "stats with a bad argument")
    finally:
        ctx.close()


def read_pcap(path):
    data = open(path, "rb").read()
    check(len(data) >= 24, "pcap shorter than its header")
    magic, major, minor, _, _, snaplen, linktype = struct.unpack("<IHHiIII", data[:24])
    check(magic == 0xA1B2C3D4, f"magic {magic:#x}")
    check((major, minor) == (2, 4), f"version {major}.{minor}")
    check(linktype == 1, f"linktype {linktype}")
    check(snaplen >= 1518, f"snaplen {snaplen}")
    recs, off = [], 24
    while off < len(data):
        check(off + 16 <= len(data), "torn record header")
        sec, usec, caplen, length = struct.unpack("<IIII", data[off:off + 16])
        check(caplen == length and caplen <= snaplen and usec < 1000000, "bad record header")
        check(off + 16 + caplen <= len(data), "torn record")
        recs.append((sec + usec / 1e6, data[off + 16:off + 16 + caplen]))
        off += 16 + caplen
    return recs


@test
def pcap():
    ctx = Ctx()
    try:
        sw = ctx.switch(3)
        n = ctx.nodes_for(sw)
        path = os.path.join(sw.dir, "cap.pcap")
        t0 = time.time()
        check(sw.ok(f"pcap start {path}").startswith("ok capturing"), "start")
        sent = []
        for i in range(20):
            fr = frame(BCAST if i % 2 else mac(1), mac(2 + i % 2), i, size=60 + 50 * i)
            sent.append(fr)
            n[2 + i % 2].send_raw(fr)
            time.sleep(0.002)
        inj = mac(1) + mac(9) + b"\x08\x06" + bytes(46)
        sent.append(inj)
        sw.ok(f"inject 1 {inj.hex()}")
        check(wait_until(lambda: n[1].count() == 21), "traffic")
        r = sw.ok("pcap stop")
        t1 = time.time()
        check(r.startswith("ok 21 frames"), f"stop: {r}")
        recs = read_pcap(path)
        got = [d for _, d in recs]
        # frames from different ports may be read in either order in one loop turn
        check(sorted(got) == sorted(sent), f"{len(recs)} records do not match the 21 frames")
        for src in (mac(2), mac(3), mac(9)):
            check([d for d in got if d[6:12] == src] == [d for d in sent if d[6:12] == src],
                  "frames from one port captured out of order")
        ts = [t for t, _ in recs]
        check(ts == sorted(ts), "timestamps go backwards")
        check(t0 - 1 <= ts[0] and ts[-1] <= t1 + 1, "timestamps are not wall-clock")
        # tx mode: one record per delivered copy (a broadcast to 2 ports = 2 records)
        path2 = os.path.join(sw.dir, "tx.pcap")
        sw.ok(f"pcap start {path2} tx")
        n[1].send(BCAST, 1)
        check(wait_until(lambda: n[2].count() == 11 and n[3].count() == 11), "tx traffic")
        sw.ok("pcap stop")
        check(len(read_pcap(path2)) == 2, "tx-mode capture")
        check(sw.ok("pcap stop") == "ok not capturing", "second stop")
        check(sw.cmd("pcap start /nonexistent/dir/x.pcap").startswith("error"), "bad path")
        check(sw.cmd("pcap start x.pcap sideways").startswith("error"), "bad mode")
        if shutil.which("tshark"):
            out = subprocess.run(["tshark", "-r", path], capture_output=True, text=True,
                                 timeout=60)
            check(out.returncode == 0, f"tshark could not read the capture: {out.stderr}")
    finally:
        ctx.close()


@test
def slow_node():
    ctx = Ctx()
    try:
        sw = ctx.switch(3)
        n = ctx.nodes_for(sw, [1, 2])
        n3 = ctx.node(sw, 3, read=False)    # bound, never reads: its socket fills
        N = 600
        send_paced(sw, n[1], BCAST, list(range(N)), 2, burst=32)
        check(wait_until(lambda: n[2].count() == N), f"port 2 got {n[2].count()} of {N}")
        p3 = sw.port(3)
        check(p3["drop_qfull"] > 0, f"no queue drops for the stuck node: {p3}")
        check(0 < p3["queued"] <= 256, f"queue {p3['queued']}")
        t = time.monotonic()
        sw.ok("ping")
        check(time.monotonic() - t < 1, "control socket slow while a node is stuck")
        n[2].send(mac(1), 7)                # unicast between the others still flows
        check(wait_until(lambda: 7 in n[1].seqs()), "2 -> 1 blocked by a stuck node")
        # once it reads, it gets exactly what was neither dropped nor lost
        n3.start_reading()
        check(wait_until(lambda: sw.port(3)["queued"] == 0), "queue did not drain")
        expect = N - p3["drop_qfull"]
        check(wait_until(lambda: n3.count() == expect), f"node 3 got {n3.count()} of {expect}")
        check(n3.seqs() == sorted(n3.seqs()), "queued frames out of order")
    finally:
        ctx.close()


@test
def node_restart():
    """A node that goes away costs drops, never errors; when a new one binds the
    same path the switch reconnects, losing nothing if it is already back."""
    ctx = Ctx()
    try:
        sw = ctx.switch(2)
        n1 = ctx.node(sw, 1)
        n2 = ctx.node(sw, 2)
        n1.send(BCAST, 1)
        check(wait_until(lambda: n2.count() == 1), "before restart")
        n2.close()                          # node 2 dies
        for i in range(5):
            n1.send(BCAST, 10 + i)
        check(wait_until(lambda: sw.port(2)["drop_down"] == 5), f"{sw.port(2)}")
        n2 = ctx.node(sw, 2)                # and comes back
        time.sleep(0.02)                    # past the reconnect back-off
        n1.send(BCAST, 20)
        check(wait_until(lambda: n2.seqs() == [20]), "no frames after the node came back")
        # a restart with no traffic in between loses nothing
        n2.close()
        n2 = ctx.node(sw, 2)
        n1.send(BCAST, 30)
        check(wait_until(lambda: n2.seqs() == [30]), "first frame after a quick restart lost")
        check(sw.port(2)["drop_down"] == 5, f"{sw.port(2)}")
        n2.send(BCAST, 40)                  # and the restarted node is heard
        check(wait_until(lambda: 40 in n1.seqs()), "restarted node's frames")
    finally:
        ctx.close()


@test
def malformed_commands():
    ctx = Ctx()
    try:
        sw = ctx.switch(3)
        bad = ["", "   ", "bogus", "link", "link 1", "link 1 2", "link 1 2 loss",
               "link 1 2 loss 2", "link 1 2 loss -0.1", "link 1 2 loss nan", "link 1 2 loss inf",
               "link 1 2 loss 1e999", "link 1 2 loss 0.1x", "link 0 2 loss 0.1",
               "link 4 2 loss 0.1", "link 1 1 loss 0.1", "link 1 2 delay -5",
               "link 1 2 delay 99999999", "link 1 2 delay x", "link 1>2>3 loss 0.1",
               "link a b loss 0.1", "link 1> loss 0.1", "link 1 2 reorder 0.5 0",
               "link 1 2 loss 0.5 bogus 3", "link 1 2 dup 0.5 loss", "partition",
               "partition 1,2/", "partition /1", "partition 1;2", "partition 1//2",
               "partition 1,1", "partition 1/1", "partition 4", "partition 0",
               "partition 99999999999999999999", "partition 1 2", "heal now", "seed",
               "seed -1", "seed 1x", "seed 99999999999999999999999", "seed 0x", "seed 0x-5",
               "seed 0xg", "link 1 2 delay 0x", "inject", "pcap",
               "pcap start", "pcap go", "stats foo", "quit now", "links 1", "help me",
               "x" * 5000, "link 1 2 " + "loss 0.1 " * 40]
        replies = ctl.commands(sw.ctl, bad)
        for cmd, r in zip(bad, replies):
            check(r.startswith("error "), f"{cmd[:40]!r} -> {r!r}")
            check("\n" not in r, f"multi-line error for {cmd[:40]!r}")
        r = sw.ok("links")
        check(r == "ok", f"a rejected command changed links: {r!r}")
        check(sw.ok("seed 0x10") == "ok seed 16" and sw.ok("seed 010") == "ok seed 10", "seeds")
        check(sw.stats()["switch"]["partitioned"] == 0, "a rejected partition applied")
        # raw junk: non-printable bytes, a NUL, a line too long (then hang-up)
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(5)
        s.connect(sw.ctl)
        s.sendall(b"\xff\x01garbage\n")
        buf = b""
        while b"\n\n" not in buf:
            buf += s.recv(4096)
        check(buf.startswith(b"error"), f"junk -> {buf!r}")
        try:
            s.sendall(b"y" * 300000)
        except OSError:
            pass
        buf = b""
        while True:
            try:
                c = s.recv(4096)
            except OSError:
                break
            if not c:
                break
            buf += c
        check(b"error line too long" in buf, f"long line -> {buf[:80]!r}")
        s.close()
        # many clients at once, some of which never read
        socks = []
        for _ in range(20):
            c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            c.connect(sw.ctl)
            socks.append(c)
        for c in socks:
            try:
                c.sendall(b"help\n" * 10)
            except OSError:
                pass
        check(sw.ok("ping") == "ok pong", "switch unresponsive after junk")
        for c in socks:
            c.close()
        check(sw.ok("ping") == "ok pong", "switch unresponsive after clients left")
        # valid multi-setting command, and the one-shot `echo cmd | nc -U` style
        check(sw.ok("link * * loss 10% delay 1 2 dup 0.1 reorder 0.1 corrupt 0") ==
              "ok 6 directed links", "wildcard link")
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(sw.ctl)
        s.sendall(b"link * * clear")       # no newline, then EOF
        s.shutdown(socket.SHUT_WR)
        s.settimeout(5)
        check(s.recv(4096) == b"ok 6 directed links\n\n", "last line without newline")
        s.close()
        check(sw.ok("links") == "ok", "links not cleared")
    finally:
        ctx.close()


@test
def control_fuzz():
    """Thousands of random and mutated commands: every reply is `ok` or `error`,
    the switch survives (under ASan/UBSan) and still switches frames."""
    import random
    rnd = random.Random(20261124)
    vocab = ["link", "partition", "heal", "seed", "inject", "stats", "pcap", "start",
             "stop", "clear", "loss", "delay", "dup", "reorder", "corrupt", "links", "flush",
             "ping", "help", "*", "0", "1", "2", "3", "4", "-1", "0.5", "1.5", "30%", "%",
             "1e-300", "0x10", "1,2/3", "3/1,2", "/", ",", "1>2", "*>*", "2>", ">",
             "ff" * 7, "0" * 20, "nan", "inf", "60000", "60001", "18446744073709551615",
             "18446744073709551616", "\t", "ü", "x" * 300, "rx", "tx"]
    valid = ["link 1 2 loss 0.5 delay 3 2", "partition 1,2/3", "inject 2 " + "ab" * 30,
             "link 3>1 reorder 0.1 7 dup 0.2 corrupt 0.1", "seed 77", "stats", "links",
             "link * * clear", "heal"]
    cmds = []
    for i in range(3000):
        if i % 3 == 0:
            c = list(rnd.choice(valid))
            for _ in range(rnd.randint(1, 4)):
                pos = rnd.randrange(len(c) + 1)
                op = rnd.randrange(3)
                ch = chr(rnd.choice([rnd.randint(32, 126), rnd.randint(1, 31), 0x7f,
                                     rnd.randint(0xa0, 0x2fff)]))
                if ch in "\n\r\x00":
                    ch = "#"
                if op == 0:
                    c.insert(pos, ch)
                elif op == 1 and pos < len(c):
                    del c[pos]
                elif pos < len(c):
                    c[pos] = ch
            cmds.append("".join(c))
        else:
            cmds.append(" ".join(rnd.choice(vocab) for _ in range(rnd.randint(0, 9))))
    ctx = Ctx()
    try:
        sw = ctx.switch(3)
        n = ctx.nodes_for(sw)
        replies = ctl.commands(sw.ctl, cmds, timeout=20)
        for c, r in zip(cmds, replies):
            check(r.startswith("ok") or r.startswith("error "), f"{c!r} -> {r[:60]!r}")
        sw.ok("heal")
        sw.ok("link * * clear")
        n[1].send(BCAST, 1)
        check(wait_until(lambda: 1 in n[2].seqs() and 1 in n[3].seqs()), "switching after fuzz")
    finally:
        ctx.close()


@test
def ctl_flood():
    """A control client that pipelines thousands of commands and never reads its
    replies is cut off at the reply limit; frames and other clients carry on."""
    ctx = Ctx()
    try:
        sw = ctx.switch(2)
        n = ctx.nodes_for(sw)
        hog = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        hog.connect(sw.ctl)
        hog.settimeout(0.05)
        cut = False
        t0 = time.monotonic()
        sent = 0
        while time.monotonic() - t0 < 10 and not cut:
            try:
                hog.send(b"stats\n" * 200)
            except socket.timeout:
                pass                        # switch not reading: fine
            except OSError:
                cut = True                  # EPIPE / ECONNRESET: dropped
            n[1].send(BCAST, sent)
            sent += 1
        hog.close()
        check(cut, "a client that never reads was never cut off")
        check(sw.ok("ping") == "ok pong", "switch unresponsive")
        check(wait_until(lambda: n[2].count() == sent), f"frames lost: {n[2].count()}/{sent}")
    finally:
        ctx.close()


@test
def ctl_py_cli():
    ctx = Ctx()
    try:
        sw = ctx.switch(3)
        cli = [sys.executable, os.path.join(ROOT, "tools/netswitch/ctl.py")]
        r = subprocess.run(cli + [sw.dir, "partition 1/2,3"], capture_output=True, text=True,
                           timeout=10)
        check(r.returncode == 0 and r.stdout == "ok partition 1/2,3\n", f"{r}")
        r = subprocess.run(cli + [sw.ctl, "heal", "bogus"], capture_output=True, text=True,
                           timeout=10)
        check(r.returncode == 1 and r.stdout.startswith("ok healed\nerror"), f"{r}")
        r = subprocess.run(cli + ["/tmp/no-such-nsw-dir", "ping"], capture_output=True,
                           text=True, timeout=10)
        check(r.returncode == 2 and "cannot reach" in r.stderr, f"{r}")
    finally:
        ctx.close()


# ---- process life --------------------------------------------------------------

@test
def two_switches():
    ctx = Ctx()
    try:
        a = ctx.switch(2)
        b = ctx.switch(2)
        na = ctx.nodes_for(a)
        nb = ctx.nodes_for(b)
        b.ok("partition 1/2")
        na[1].send(BCAST, 1)
        nb[1].send(BCAST, 2)
        check(wait_until(lambda: na[2].count() == 1), "switch A did not forward")
        quiet()
        check(nb[2].count() == 0, "switch B ignored its partition or got A's frame")
        check(na[2].seqs() == [1], "A's node got B's frame")
        b.ok("heal")
        nb[1].send(BCAST, 3)
        check(wait_until(lambda: nb[2].seqs() == [3]), "switch B after heal")
        check(a.port(1)["rx"] == 1 and b.port(1)["rx"] == 2, "counters mixed up")
    finally:
        ctx.close()


@test
def long_paths():
    base = short_tmpdir()
    try:
        deep = os.path.join(base, "d" * (96 - len(base)))
        os.makedirs(deep)
        r = subprocess.run([BIN, "--dir", deep, "--ports", "2"], capture_output=True, text=True,
                           timeout=10)
        check(r.returncode != 0, "switch accepted a path over 99 bytes")
        check("too long" in r.stderr and "limit 99" in r.stderr, f"message: {r.stderr!r}")
        check(os.listdir(deep) == [], f"created {os.listdir(deep)}")
        r = subprocess.run([BIN, "--port", f"{base}/a.sock,{deep}/node.sock", "--ctl",
                            f"{base}/c.sock"], capture_output=True, text=True, timeout=10)
        check(r.returncode != 0 and "too long" in r.stderr, f"--port: {r.stderr!r}")
        for args in (["--dir", base], ["--ports", "2"], ["--dir", base, "--ports", "0"],
                     ["--dir", base, "--ports", "999"], ["--dir", base + "/nope", "--ports", "1"],
                     ["--dir", base, "--ports", "2", "--seed", "x"], ["--bogus"],
                     ["--port", "a.sock"], ["--port", "a.sock,b.sock"]):
            r = subprocess.run([BIN, *args], capture_output=True, text=True, timeout=10)
            check(r.returncode != 0 and r.stderr, f"{args} accepted")
        check(sorted(os.listdir(base)) == ["d" * (96 - len(base))], "left files behind")
    finally:
        shutil.rmtree(base, ignore_errors=True)


@test
def explicit_ports():
    base = short_tmpdir()
    ctx = Ctx()
    try:
        # --port paths with the node sockets elsewhere; checked by a round trip
        a, b = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM), socket.socket(
            socket.AF_UNIX, socket.SOCK_DGRAM)
        a.bind(f"{base}/qa.sock")
        b.bind(f"{base}/qb.sock")
        b.settimeout(5)
        p = subprocess.Popen([BIN, "--port", f"{base}/pa.sock,{base}/qa.sock", "--port",
                              f"{base}/pb.sock,{base}/qb.sock", "--ctl", f"{base}/c.sock"],
                             stderr=subprocess.DEVNULL)
        try:
            check(wait_until(lambda: os.path.exists(f"{base}/c.sock")), "did not come up")
            a.sendto(frame(BCAST, mac(1), 5), f"{base}/pa.sock")
            check(parse(b.recv(2000))[0] == 5, "frame")
        finally:
            p.terminate()
            check(p.wait(5) == 0, "exit status")
        check(sorted(os.listdir(base)) == ["qa.sock", "qb.sock"], f"{os.listdir(base)}")
        a.close()
        b.close()
    finally:
        try:
            ctx.close()
        finally:
            shutil.rmtree(base, ignore_errors=True)


@test
def signals_cleanup():
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, None):
        sw = Switch(3)
        try:
            names = sorted(os.listdir(sw.dir))
            check(names == ["ctl.sock", "sw-1.sock", "sw-2.sock", "sw-3.sock", "switch.log"],
                  f"{names}")
            if sig is None:
                check(sw.ok("quit") == "ok bye", "quit reply")
                sw.proc.wait(5)
            rc = sw.stop(sig or signal.SIGTERM)
            check(rc == 0, f"exit {rc} on {sig}")
            check(os.listdir(sw.dir) == ["switch.log"], f"{sig}: left {os.listdir(sw.dir)}")
        finally:
            sw.cleanup()


@test
def stale_and_live():
    base = short_tmpdir()
    ctx = Ctx()
    try:
        for name in ("sw-1.sock", "ctl.sock"):   # sockets left by a crashed switch
            s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            s.bind(os.path.join(base, name))
            s.close()
        sw = ctx.switch(2, rundir=base)
        sw.ok("ping")
        # a second switch on the same directory must not steal the sockets
        r = subprocess.run([BIN, "--dir", base, "--ports", "2"], capture_output=True, text=True,
                           timeout=10)
        check(r.returncode != 0 and "live" in r.stderr, f"second switch: {r.stderr!r}")
        sw.ok("ping")
        check(os.path.exists(os.path.join(base, "sw-1.sock")), "the live switch lost a socket")
        # a regular file where a socket should go is not removed
        # (and a refused start removes nothing, not even the stale sockets)
        other = short_tmpdir()
        open(os.path.join(other, "sw-2.sock"), "w").close()
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(os.path.join(other, "ctl.sock"))
        s.close()
        r = subprocess.run([BIN, "--dir", other, "--ports", "2"], capture_output=True,
                           text=True, timeout=10)
        check(r.returncode != 0 and "not a socket" in r.stderr, f"{r.stderr!r}")
        check(sorted(os.listdir(other)) == ["ctl.sock", "sw-2.sock"],
              "a refused start touched files")
        shutil.rmtree(other)
    finally:
        try:
            ctx.close()
        finally:
            shutil.rmtree(base, ignore_errors=True)


@test
def exit_with_parent():
    base = short_tmpdir()
    try:
        # a parent starts the switch and is killed; the switch follows it
        py = subprocess.Popen([sys.executable, "-c",
                               "import subprocess,sys,time;"
                               f"subprocess.Popen(['{BIN}','--dir','{base}','--ports','1',"
                               "'--exit-with-parent'],stderr=subprocess.DEVNULL);"
                               "time.sleep(30)"])
        check(wait_until(lambda: os.path.exists(f"{base}/ctl.sock")), "did not come up")
        py.kill()
        py.wait(5)
        check(wait_until(lambda: os.listdir(base) == []),
              f"switch outlived its parent, or left {os.listdir(base)}")
    finally:
        shutil.rmtree(base, ignore_errors=True)



def qmp(path, *cmds, timeout=10):
    """Run QMP commands on a QEMU monitor socket; returns their replies."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(path)
    f = s.makefile("rw")
    f.readline()                            # greeting
    out = []
    for c in ({"execute": "qmp_capabilities"},) + cmds:
        f.write(json.dumps(c) + "\n")
        f.flush()
        while True:
            r = json.loads(f.readline())
            if "return" in r or "error" in r:
                break                       # skip events
        out.append(r)
    s.close()
    return out[1:]


@test(needs=("qemu-system-riscv64",))
def qemu_dgram():
    """A real QEMU node on the documented -netdev dgram command line: its
    self-announcements (RARP broadcasts) reach a fake node, and the switch
    learns its MAC and delivers frames to its socket."""
    qemu = shutil.which("qemu-system-riscv64")
    ctx = Ctx()
    proc = None
    try:
        sw = ctx.switch(2)
        n2 = ctx.node(sw, 2)
        # a guest that only idles: `wfi; j .` loaded at the start of RAM
        kernel = os.path.join(sw.dir, "wfi.bin")
        with open(kernel, "wb") as f:
            f.write(struct.pack("<II", 0x10500073, 0xFFDFF06F))
        qmp_path = os.path.join(sw.dir, "qmp.sock")
        d = sw.dir
        qlog = os.path.join(d, "qemu.log")
        proc = subprocess.Popen(
            [qemu, "-machine", "virt", "-bios", "none", "-kernel", kernel, "-m", "64M",
             "-nographic", "-display", "none", "-monitor", "none", "-serial", "none",
             "-qmp", f"unix:{qmp_path},server=on,wait=off",
             "-netdev", f"dgram,id=n0,local.type=unix,local.path={d}/node-1.sock,"
                        f"remote.type=unix,remote.path={d}/sw-1.sock",
             "-device", "virtio-net-device,netdev=n0,mac=52:54:00:12:34:01"],
            stdout=subprocess.DEVNULL, stderr=open(qlog, "w"), preexec_fn=die_with_parent)
        check(wait_until(lambda: os.path.exists(qmp_path) or proc.poll() is not None, 20),
              "qemu did not start")
        if proc.poll() is not None:
            raise TestFailure(f"qemu exited: {open(qlog).read()[-500:]}")
        r = qmp(qmp_path, {"execute": "announce-self", "arguments": {
            "initial": 10, "max": 50, "rounds": 3, "step": 10}})
        check("return" in r[0], f"announce-self: {r}")
        qmac = bytes.fromhex("525400123401")
        check(wait_until(lambda: sum(1 for _, fr in n2.got() if fr[6:12] == qmac) >= 3, 10),
              f"no announcements from qemu reached node 2: {n2.got()[:3]}")
        rarp = [fr for _, fr in n2.got() if fr[6:12] == qmac][0]
        check(rarp[:6] == BCAST and rarp[12:14] == b"\x80\x35", f"not a RARP: {rarp[:16].hex()}")
        st = sw.stats()
        check(st["macs"].get("52:54:00:12:34:01") == 1, f"qemu's MAC not learned: {st['macs']}")
        n2.send(qmac, 1)                    # into qemu's socket
        check(wait_until(lambda: sw.port(1)["tx"] == 1), f"not sent to qemu: {sw.port(1)}")
        check(sw.port(1)["drop_down"] == 0, "qemu's socket refused the frame")
    finally:
        if proc:
            proc.kill()
            proc.wait()
        ctx.close()


# ---- runner -------------------------------------------------------------------------

def main():
    if not os.access(BIN, os.X_OK):
        print(f"FAIL setup: {BIN} not built")
        print("0 passed, 1 failed")
        return 1
    return test.main(missing=lambda needs: [t for t in needs if not shutil.which(t)])


if __name__ == "__main__":
    sys.exit(main())
