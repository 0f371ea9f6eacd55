#!/usr/bin/python3
"""The tests that grade the switch lab (labs/switch/README.md): burst loss
on a link of tools/netswitch, `link A B burst P LEN`.

    labs/switch/test_burst.py [FILTER]

Each test starts its own switch (the ASan build, NETSWITCH_BIN to change)
with fake nodes (tests/netswitch/nswlib.py), prints `PASS name` or `FAIL
name: why`, and the last line is `N passed, N failed`.
"""
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests/netswitch"))
sys.path.insert(0, os.path.join(ROOT, "tests/common"))
from nswlib import BCAST, BIN, Ctx, TestFailure, check, mac, send_paced, wait_until  # noqa: E402
from scenarios import Scenarios  # noqa: E402  (the project's test runner)

test = Scenarios(default_limit=60, reasons=(TestFailure,))
N = 2000  # frames per run


def setup(ctx):
    """A 2-port switch, node 2's MAC learned, nothing else sent."""
    sw = ctx.switch(2)
    n = ctx.nodes_for(sw)
    n[2].send(BCAST, 0)
    check(wait_until(lambda: n[1].count() == 1), "the switch did not learn node 2")
    return sw, n


def send(sw, n, seed):
    """N frames 1 -> 2 in paced bursts (no queue overflows), after `seed`;
    the set of sequence numbers that arrived."""
    n[2].clear()
    sw.ok(f"seed {seed}")
    send_paced(sw, n[1], mac(2), list(range(N)), 2)
    time.sleep(0.1)
    return set(n[2].seqs())


def runs(missing):
    """Lengths of the runs of consecutive sequence numbers in `missing`."""
    out, prev, length = [], None, 0
    for s in sorted(missing):
        if prev is not None and s == prev + 1:
            length += 1
        else:
            if length:
                out.append(length)
            length = 1
        prev = s
    if length:
        out.append(length)
    return out


@test
def burst_setting_parses():
    ctx = Ctx()
    try:
        sw, _ = setup(ctx)
        sw.ok("link 1 2 burst 0.05 4")
        sw.ok("link 1>2 burst 5% 10")
        links = sw.cmd("links")
        check("burst" in links, f"`links` does not show the burst: {links!r}")
        for bad in ("link 1 2 burst", "link 1 2 burst 0.1", "link 1 2 burst 2 4",
                    "link 1 2 burst 0.1 0", "link 1 2 burst 0.1 x", "link 1 2 burst -1 3"):
            r = sw.cmd(bad)
            check(r.startswith("error"), f"{bad!r} was taken: {r!r}")
    finally:
        ctx.close()


@test
def burst_drops_runs():
    ctx = Ctx()
    try:
        sw, n = setup(ctx)
        sw.ok("link 1>2 burst 0.02 5")
        got = send(sw, n, 7)
        missing = set(range(N)) - got
        r = runs(missing)
        check(r, "no frame was lost")
        # Every run of lost frames is a whole burst (or two that touch):
        # only the last may be cut short by the end of the frames sent.
        short = [x for x in r[:-1] if x < 5]
        check(not short, f"runs shorter than the burst: {short[:10]}")
        # A burst starts at a frame not already in one with probability 2%.
        starts = sum(max(1, x // 5) for x in r)
        outside = N - len(missing)
        check(0.01 * outside <= starts <= 0.035 * outside,
              f"{starts} bursts over {outside} frames outside them (2% expected)")
    finally:
        ctx.close()


@test
def burst_one_way_and_clear():
    ctx = Ctx()
    try:
        sw, n = setup(ctx)
        sw.ok("link 2>1 burst 100% 3")
        got = send(sw, n, 1)
        check(len(got) == N, f"1 -> 2 lost {N - len(got)} frames: only 2>1 has the fault")
        sw.ok("link 1 2 burst 1 3")
        got = send(sw, n, 1)
        check(not got, f"burst 100% let {len(got)} frames through")
        sw.ok("link 1 2 clear")
        got = send(sw, n, 1)
        check(len(got) == N, f"after clear, {N - len(got)} frames lost")
        check("burst" not in sw.cmd("links"), "clear left the burst in `links`")
    finally:
        ctx.close()


@test
def burst_is_seeded():
    ctx = Ctx()
    try:
        sw, n = setup(ctx)
        sw.ok("link 1>2 burst 0.03 4")
        a = send(sw, n, 42)
        b = send(sw, n, 42)
        c = send(sw, n, 43)
        check(a == b, f"the same seed dropped different frames ({len(a ^ b)} differ)")
        check(a != c, "two seeds dropped the same frames")
    finally:
        ctx.close()


@test
def burst_is_counted():
    ctx = Ctx()
    try:
        sw, n = setup(ctx)
        sw.ok("link 1>2 burst 0.05 3")
        got = send(sw, n, 5)
        p = sw.port(2)
        check("drop_burst" in p, f"no drop_burst counter in `stats`: {sorted(p)}")
        check(p["drop_burst"] == N - len(got),
              f"drop_burst {p['drop_burst']}, frames lost {N - len(got)}")
        check(p["drop_loss"] == 0, "burst loss counted as plain loss")
        check(p["dropped"] >= p["drop_burst"], "`dropped` leaves burst drops out")
    finally:
        ctx.close()


def main():
    if not os.access(BIN, os.X_OK):
        print(f"FAIL setup: {BIN} not built")
        print("0 passed, 1 failed")
        return 1
    return test.main()


if __name__ == "__main__":
    sys.exit(main())
