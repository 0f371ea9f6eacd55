#!/usr/bin/python3
"""tests/trace/test_page.py [FILTER]: the trace page (tools/trace_html.py)
loaded in real headless Chromium. Each test renders a synthetic trace
(tests/trace/synth.py), loads it with `chromium --headless --dump-dom`
and reads what the page's script set on <body> after drawing: data-lanes,
data-events, data-arrows, data-errors (script errors) and, with
#selftest, data-selftest (zoom, pan, details panel, reset exercised by the
page itself). Chromium's console output is captured too: the page logs
nothing, so any console line from it is a failure. A screenshot of the
3-node page is kept in build/test-runs/trace/page.png.

Without /usr/bin/chromium (`make deps` installs it) the tests are skipped,
except under CI=true, where they fail. Every Chromium run is bounded
(CHROMIUM_TIMEOUT_S) and killed with its whole process group after it.
Prints `PASS name` / `SKIP name: why` / `FAIL name: why`, then `N passed, M failed`."""
import html
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tools"))
sys.path.insert(0, HERE)
import synth  # noqa: E402
import trace_html  # noqa: E402
import tracelib  # noqa: E402
import unitrun  # noqa: E402

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_TIMEOUT_S = 60
DRAW_LIMIT_MS = 5000  # drawing 20k events and their arrows, all in view
OUT = os.path.join(ROOT, "build", "test-runs", "trace")


def merged(lines):
    ev, drops, _ = tracelib.parse_lines(lines)
    return tracelib.merge(ev, drops)


class Chromium:
    """One headless Chromium run on a page: .dom (the DOM after the page's
    script ran), .body (<body>'s attributes), .console (console lines)."""

    def __init__(self, page, fragment="", extra=(), dump=True):
        if not os.access(CHROMIUM, os.X_OK):
            raise unittest.SkipTest(f"{CHROMIUM} not installed (make deps installs chromium)")
        self.profile = tempfile.mkdtemp(prefix="trace-chromium-")
        url = "file://" + os.path.abspath(page) + fragment
        cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
               "--disable-dev-shm-usage", "--no-first-run", "--user-data-dir=" + self.profile,
               "--virtual-time-budget=5000", "--enable-logging=stderr", "--v=0",
               "--window-size=1400,900"]
        cmd += list(extra) + (["--dump-dom"] if dump else []) + [url]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, errors="replace", start_new_session=True)
        try:
            out, err = proc.communicate(timeout=CHROMIUM_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise AssertionError(f"chromium did not finish in {CHROMIUM_TIMEOUT_S} s")
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)
        self.status, self.dom, self.stderr = proc.returncode, out, err
        m = re.search(r"<body([^>]*)>", out)
        self.body = {k: html.unescape(v) for k, v in
                     re.findall(r'([\w-]+)="([^"]*)"', m.group(1))} if m else {}
        # e.g. [12:12:1207/214040.123:INFO:CONSOLE:1] "msg", source: file:///...
        self.console = [ln for ln in err.splitlines()
                        if "CONSOLE" in ln or "Uncaught" in ln]

    def check(self, tc):
        tc.assertEqual(self.status, 0, self.stderr[-2000:])
        tc.assertTrue(self.body, "no <body> in the dumped DOM:\n" + self.dom[:500])
        tc.assertEqual(self.console, [], "the page wrote to the console")
        tc.assertEqual(self.body.get("data-errors"), "0",
                       "script errors: " + "".join(re.findall(r'id="jserrors"[^>]*>([^<]*)',
                                                              self.dom)))


def write_page(name, tr):
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, name)
    trace_html.write(tr, path, "test: " + name)
    return path


def arrow_lines(dom):
    """(x1, y1, x2, y2) of every arrow <line> in a dumped DOM."""
    out = []
    for m in re.finditer(r'<line ([^>]*class="arrow[^"]*"[^>]*data-k=[^>]*)>', dom):
        a = dict(re.findall(r'([\w-]+)="([^"]*)"', m.group(1)))
        out.append(tuple(float(a[k]) for k in ("x1", "y1", "x2", "y2")))
    return out


class Page(unittest.TestCase):
    def test_page_3node(self):
        c, arrows = synth.raft_cluster(skew3=10 * 10**9)
        page = write_page("page.html", merged(c.lines))
        r = Chromium(page)
        r.check(self)
        self.assertEqual(r.body.get("data-lanes"), "3")
        self.assertEqual(r.body.get("data-events"), str(len(c.lines)))
        self.assertEqual(r.body.get("data-arrows"), str(arrows))
        lines = arrow_lines(r.dom)
        self.assertEqual(len(lines), arrows)
        # node 3's clock is 10 s ahead, yet every arrow points forward in time
        for x1, y1, x2, y2 in lines:
            self.assertGreater(x2, x1 - 0.01)
            self.assertNotEqual(y1, y2)
        drawn = re.findall(r'class="arrow c-(\w+)"[^>]*data-k=', r.dom)
        self.assertEqual(sorted(drawn), ["call"] + ["raft"] * (arrows - 2) + ["reply"])
        bands = re.findall(r'<rect [^>]*class="band[^>]*><title>([^<]*)<', r.dom)
        self.assertEqual(sorted(bands), sorted([
            "naming term 1, follower (node 1)", "naming term 1, leader (node 1)",
            "naming term 2, follower (node 1)", "naming term 1, follower (node 2)",
            "naming term 2, candidate (node 2)", "naming term 2, leader (node 2)",
            "naming term 1, follower (node 3)", "naming term 2, follower (node 3)"]))
        self.assertIn("t1 leader", re.findall(r'class="bandlabel"[^>]*>(t\d+[^<]*)<', r.dom))
        for k in (1, 2, 3):
            self.assertTrue(f'class="lanelabel">node {k}<' in r.dom, f"no label node {k}")
        self.assertTrue("Raft: one-way" in r.dom, "no legend")
        shot = Chromium(page, extra=["--screenshot=" + os.path.join(OUT, "page.png")],
                        dump=False)
        self.assertEqual(shot.status, 0, shot.stderr[-2000:])
        with open(os.path.join(OUT, "page.png"), "rb") as f:
            png = f.read()
        self.assertEqual(png[:8], b"\x89PNG\r\n\x1a\n")
        self.assertGreater(len(png), 10000)

    def test_page_selftest(self):
        # zoom, pan, details of an arrow and of an event, the zoom limit, reset
        c, arrows = synth.raft_cluster()
        r = Chromium(write_page("selftest.html", merged(c.lines)), "#selftest")
        r.check(self)
        self.assertEqual(r.body.get("data-selftest"), "ok")
        self.assertEqual(r.body.get("data-arrows"), str(arrows))
        self.assertTrue("<table>" in r.dom, "no details panel")

    def test_page_escapes_hostile_text(self):
        evil = "<img src=x onerror=window.onerror('pwned')></script><b id=pwned>x</b>"
        c = synth.SimCluster(2)
        m = c.send(1, 2, call=1, port="p<q>")
        c.advance(1000)
        c.event(2, "recv", 0, lam=99, peer=1, msg=m.key, call=1, note=evil, text=evil)
        r = Chromium(write_page("hostile.html", merged(c.lines)), "#selftest")
        r.check(self)
        self.assertEqual(r.body.get("data-selftest"), "ok")  # shows the recv's fields
        self.assertFalse("<img" in r.dom, "an <img> element from the trace's text")
        self.assertFalse('id="pwned"' in r.dom, "a <b> element from the trace's text")
        self.assertTrue("&lt;img src=x" in r.dom, "the recv's text is not in the panel")

    def test_page_20k_events(self):
        c = synth.SimCluster(5, skew_ns={2: 3 * 10**9, 5: -2 * 10**9})
        while len(c.lines) < 20000:
            a, b = (len(c.lines) // 4) % 5 + 1, (len(c.lines) // 4 + 2) % 5 + 1
            c.call(a, b, a * 100000 + 7, b * 100000 + 8, delay=40_000, work=90_000)
            c.advance(30_000)
        tr = merged(c.lines)
        r = Chromium(write_page("big.html", tr))
        r.check(self)
        self.assertEqual(r.body.get("data-events"), str(len(c.lines)))
        self.assertEqual(r.body.get("data-arrows"), str(len(tr.pairs)))
        # one whole drawing: about 0.5 s; the bound leaves room for a loaded host
        self.assertLess(int(r.body.get("data-draw-ms", "99999")), DRAW_LIMIT_MS)


if __name__ == "__main__":
    sys.exit(unitrun.run([Page], "trace_"))
