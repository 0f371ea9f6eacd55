#!/usr/bin/env python3
"""tests/lincheck/test_lincheck.py [FILTER]: the tests of build/host/lincheck
and of history.py. run.sh builds the checker, then runs this.

  case/NAME       a hand-written history in cases/NAME.hist, whose header says
                  `# expect: linearizable|not|error|unknown`, and optionally
                  `# expect-output: TEXT` / `# expect-no-output: TEXT` (substrings)
                  and `# args: ...` (checker options)
  gen/...         random histories of a correct map (genhist.py) must pass;
                  mutated ones that no correct map could give must fail
  differential/.. a thousand small random histories, most changed at random,
                  judged by lincheck and by a brute-force checker written here
  perf/...        2000 ops, 5 keys, 10 clients, 20 unknown ops: a few seconds
                  (and one key under 20 clients, 40 unknown ops)
  python/...      history.py: recording from threads, validation, run_check
  cli/...         usage errors, the search budget

Prints `PASS name` or `FAIL name: why` per test and ends with `N passed, M failed`.
"""

import glob
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import genhist  # noqa: E402
import history  # noqa: E402

BIN = os.environ.get("LINCHECK_BIN", history.BINARY)  # another build, to test the tests
TMP = tempfile.mkdtemp(prefix="lincheck-tests-")
EXIT = {"linearizable": 0, "not": 1, "error": 2, "unknown": 3}
PERF_LIMIT_S = 10.0  # "a few seconds", with the sanitizers' cost on a loaded host
TESTS = []


def test(name):
    def reg(fn):
        TESTS.append((name, fn))
        return fn
    return reg


def run(path, args=()):
    t0 = time.monotonic()
    r = subprocess.run([BIN] + list(args) + [path], capture_output=True, text=True, timeout=600)
    return r.returncode, r.stdout + r.stderr, time.monotonic() - t0


def write(name, text):
    path = os.path.join(TMP, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def excerpt(out, n=25):
    lines = out.rstrip("\n").split("\n")
    more = ["    ... (%d more lines)" % (len(lines) - n)] if len(lines) > n else []
    return "\n" + "\n".join("    " + l for l in lines[:n] + more)


# ---- hand-written cases ------------------------------------------------------

def check_case(path):
    expect, want, unwanted, args = None, [], [], []
    with open(path) as f:
        for line in f:
            m = re.match(r"#\s*(expect|expect-output|expect-no-output|args):\s?(.*?)\s*$", line)
            if not m:
                continue
            tag, val = m.groups()
            if tag == "expect":
                expect = val.split()[0]
            elif tag == "expect-output":
                want.append(val)
            elif tag == "expect-no-output":
                unwanted.append(val)
            else:
                args = val.split()
    if expect not in EXIT:
        return "no `# expect: linearizable|not|error|unknown` header"
    rc, out, _ = run(path, args)
    if rc != EXIT[expect]:
        return "exit %d, expected %d (%s):%s" % (rc, EXIT[expect], expect, excerpt(out))
    for w in want:
        if w not in out:
            return "output lacks %r:%s" % (w, excerpt(out))
    for w in unwanted:
        if w in out:
            return "output has %r:%s" % (w, excerpt(out))
    return None


for _path in sorted(glob.glob(os.path.join(HERE, "cases", "*.hist"))):
    test("case/" + os.path.basename(_path)[:-5])(lambda p=_path: check_case(p))


# ---- generated histories -----------------------------------------------------

GEN_CONFIGS = [
    # name, ops, keys, clients, unknown, failed, values, versions
    ("small-unique", 60, 2, 4, 3, 2, "unique", 1.0),
    ("unique-noversions", 300, 3, 8, 8, 4, "unique", 0.0),
    ("unique-someversions", 300, 3, 8, 8, 4, "unique", 0.5),
    ("few-values", 300, 3, 8, 8, 4, "few", 0.5),
    ("few-values-noversions", 200, 2, 6, 6, 2, "few", 0.0),
    ("one-key-busy", 300, 1, 10, 10, 0, "unique", 0.3),
]


def gen_linearizable(cfg, seed):
    name, nops, nkeys, ncl, nunk, nfail, values, vers = cfg
    ops = genhist.generate(random.Random(seed), nops, nkeys, ncl, nunk, nfail, values, vers)
    path = write("gen-%s-%d.hist" % (name, seed), genhist.render(ops, ["seed %d" % seed]))
    rc, out, _ = run(path)
    if rc != 0:
        return "seed %d: a correct map's history judged exit %d (kept in %s):%s" % (
            seed, rc, path, excerpt(out))
    return None


for _cfg in GEN_CONFIGS:
    test("gen/linearizable-" + _cfg[0])(
        lambda c=_cfg: next((w for s in range(1, 6) for w in [gen_linearizable(c, s)] if w), None))


def gen_mutant(kind, values, versions):
    tried = 0
    mix = (40, 35, 25, 0) if kind == "absent" else (35, 35, 20, 10)  # "absent" needs no rm
    for seed in range(1, 200):
        rng = random.Random(seed * 7919)
        ops = genhist.generate(rng, 150, 2, 6, 4, 2, values, versions, mix)
        why = genhist.mutate(rng, ops, kind, values)
        if why is None:
            continue
        path = write("mut-%s-%d.hist" % (kind, seed), genhist.render(ops, [why]))
        rc, out, _ = run(path)
        if rc != 1:
            return "seed %d: %s; judged exit %d (kept in %s):%s" % (seed, why, rc, path,
                                                                      excerpt(out))
        tried += 1
        if tried == 5:
            return None
    return "only %d histories offered a place for the mutation" % tried


for _kind in genhist.MUTATIONS:
    test("gen/mutant-" + _kind)(lambda k=_kind: gen_mutant(k, "unique", 0.5))
test("gen/mutant-never-few-values")(lambda: gen_mutant("never", "few", 0.0))
test("gen/mutant-badversion-few-values")(lambda: gen_mutant("badversion", "few", 0.5))


# ---- differential: lincheck against brute force -------------------------------

def ref_parse(text):
    """key -> ops, each (call, ret or None, kind, args, result tokens or None)."""
    keys = {}
    for line in text.split("\n"):
        if not line or line.startswith("#"):
            continue
        f = line.split()
        arrow = f.index("->")
        res = f[arrow + 1:]
        if res == ["failed"]:
            continue
        kind = f[3]
        if res == ["?"] and kind == "get":
            continue
        ret = None if res == ["?"] else int(f[2])
        keys.setdefault(f[4], []).append(
            (int(f[1]), ret, kind, f[5:arrow], None if res == ["?"] else res))
    return keys


def ref_next(op, s):
    """The states op can lead to from s (None: absent; else (value, version))."""
    _, _, kind, args, res = op
    ver = int(res[1]) if res and len(res) == 2 else None
    if kind == "put":
        ns = (args[0], s[1] + 1 if s else 1)
        return [ns] if res is None or ver in (None, ns[1]) else []
    if kind == "get":
        if res == ["absent"]:
            return [s] if s is None else []
        return [s] if s and s[0] == res[0] and ver in (None, s[1]) else []
    if kind == "cas":
        match = s is not None and s[0] == args[0]
        if res is None:
            return [(args[1], s[1] + 1)] if match else [s]
        if res[0] == "mismatch":
            return [] if match else [s]
        return [(args[1], s[1] + 1)] if match and ver in (None, s[1] + 1) else []
    if res is None:
        return [None]
    if res == ["ok"]:
        return [None] if s is not None else []
    return [s] if s is None else []


def ref_linearizable(ops):
    """Definition-level search: any op not preceded (ret < call) by an
    unplaced completed op may go next; open ops may also be left out."""
    done = 0
    for i, o in enumerate(ops):
        if o[1] is not None:
            done |= 1 << i
    seen = set()

    def go(placed, s):
        if placed & done == done:
            return True
        if (placed, s) in seen:
            return False
        seen.add((placed, s))
        deadline = min(o[1] for i, o in enumerate(ops) if done >> i & 1 and not placed >> i & 1)
        for i, o in enumerate(ops):
            if placed >> i & 1 or o[0] > deadline:
                continue
            for ns in ref_next(o, s):
                if go(placed | 1 << i, ns):
                    return True
        return False

    return go(0, None)


def scramble(rng, ops):
    """Change one op at random (the result may or may not stay linearizable)."""
    o = rng.choice([o for o in ops if not o.failed])
    what = rng.choice(("result", "result", "arg", "time"))
    if what == "time" and o.ret is not None:
        o.call = rng.randint(max(0, o.call - 300), o.ret)
    elif what == "arg" and o.args:
        o.args[rng.randrange(len(o.args))] = rng.choice("abc")
    else:
        o.unknown = rng.random() < 0.15
        o.shown_ver, o.ver = rng.random() < 0.5, rng.randint(1, 4)
        o.res = rng.choice({"put": ["ok"], "cas": ["ok", "mismatch"], "rm": ["ok", "absent"],
                            "get": ["absent", "a", "b", "c"]}[o.kind])
        if o.res in ("absent", "mismatch") or o.kind == "rm":
            o.ver = 0
        if o.unknown and o.ret is not None and rng.random() < 0.5:
            o.ret = None
        elif not o.unknown and o.ret is None:
            o.ret = o.call + rng.randint(0, 300)


def differential(seed, count, sizes, nkeys, nclients, nunknown, mixes):
    """count random histories, most scrambled, each under its own keys, in
    one file: lincheck's verdict per key must be the brute force's."""
    rng = random.Random(seed)
    texts, wrong = [], []
    for h in range(count):
        ops = genhist.generate(rng, rng.randint(*sizes), rng.randint(*nkeys),
                               rng.randint(*nclients), rng.randint(*nunknown), rng.randint(0, 1),
                               rng.choice(("few", "few", "unique")), rng.choice((0.0, 0.5, 1.0)),
                               rng.choice(mixes))
        for _ in range(rng.choice((0, 0, 1, 1, 2, 3))):
            scramble(rng, ops)
        for o in ops:
            o.key = "h%d%s" % (h, o.key)
        texts.append(genhist.render(ops))
    text = "".join(texts)
    path = write("differential-%d.hist" % seed, text)
    rc, out, _ = run(path)
    bad = set(re.findall(r"^NOT linearizable: key (\S+)$", out, re.M))
    if rc not in (0, 1) or "UNKNOWN" in out:
        return "exit %d:%s" % (rc, excerpt(out))
    keys = ref_parse(text)
    nots = 0
    for key, ops in sorted(keys.items()):
        ref = ref_linearizable(ops)
        nots += not ref
        if ref == (key in bad):
            wrong.append("key %s: lincheck says %s, brute force %s" % (
                key, "not" if key in bad else "linearizable", "linearizable" if ref else "not"))
    if wrong:
        return "%d disagreements (history in %s):\n    %s" % (len(wrong), path,
                                                             "\n    ".join(wrong[:10]))
    if not len(keys) // 10 < nots < len(keys) * 9 // 10:
        return "unbalanced sample: %d of %d keys not linearizable" % (nots, len(keys))
    if rc != (1 if bad else 0):
        return "exit %d with %d keys not linearizable" % (rc, len(bad))
    return None


MIXES = [(35, 35, 20, 10), (30, 20, 20, 30), (50, 30, 0, 20)]
test("differential/small")(lambda: differential(2024, 800, (4, 12), (1, 2), (2, 4), (0, 3), MIXES))
test("differential/concurrent-open")(
    lambda: differential(7, 300, (10, 18), (1, 1), (3, 6), (2, 7), MIXES))


# ---- performance ------------------------------------------------------------

PERF_TIMES = {}


def perf(seed, versions, mutation=None, keys=5, clients=10, unknown=20):
    rng = random.Random(seed)
    ops = genhist.generate(rng, 2000, keys, clients, unknown, 0, "unique", versions)
    expect = 0
    if mutation:
        if genhist.mutate(rng, ops, mutation) is None:
            return "no place for mutation %s" % mutation
        expect = 1
    path = write("perf-%d.hist" % seed, genhist.render(ops))
    rc, out, dt = run(path, ["-v"])
    PERF_TIMES[seed] = dt
    if rc != expect:
        return "exit %d, expected %d:%s" % (rc, expect, excerpt(out))
    if dt > PERF_LIMIT_S:
        return "took %.2f s (limit %.0f s):%s" % (dt, PERF_LIMIT_S, excerpt(out))
    print("      %.2f s: %s" % (dt, out.split("\n")[0] if not mutation else "rejected"))
    return None


test("perf/2000ops-versions")(lambda: perf(11, 1.0))
test("perf/2000ops-1key-20clients")(lambda: perf(15, 1.0, keys=1, clients=20, unknown=40))
test("perf/2000ops-no-versions")(lambda: perf(12, 0.0))
test("perf/2000ops-stale-read")(lambda: perf(13, 0.0, "stale"))
test("perf/2000ops-never-written")(lambda: perf(14, 0.5, "never"))


# ---- history.py -------------------------------------------------------------

class FakeMap:
    """An in-process map that applies each op atomically, for recording."""

    def __init__(self):
        self.lock = threading.Lock()
        self.m = {}

    def do(self, op, key, args):
        with self.lock:
            cur = self.m.get(key)
            if op == "put":
                self.m[key] = (args[0], cur[1] + 1 if cur else 1)
                return "ok %d" % self.m[key][1]
            if op == "get":
                return "%s %d" % cur if cur else "absent"
            if op == "cas":
                if cur and cur[0] == args[0]:
                    self.m[key] = (args[1], cur[1] + 1)
                    return "ok %d" % (cur[1] + 1)
                return "mismatch"
            self.m.pop(key, None)
            return "ok" if cur else "absent"


@test("python/threads")
def py_threads():
    h, fm = history.History(), FakeMap()

    def client(c):
        rng = random.Random(c)
        for i in range(150):
            op = rng.choice(("put", "get", "cas", "rm", "get"))
            key = rng.choice(("a", "b"))
            args = {"put": ["c%di%d" % (c, i)], "cas": [rng.choice("xyz"), "n%d" % i]}.get(op, [])
            t = h.begin(c, op, key, args)
            if i % 50 == 7:  # lost answer: applied or not
                if rng.random() < 0.5:
                    fm.do(op, key, args)
                h.end_unknown(t)
                continue
            if i % 50 == 9:  # refused before sending
                h.end_failed(t)
                continue
            time.sleep(rng.random() / 5000)
            h.end(t, fm.do(op, key, args))

    threads = [threading.Thread(target=client, args=(c,)) for c in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ok, out = h.check(os.path.join(TMP, "py-threads.hist"))
    if not ok or len(h) != 1200 or "linearizable: 1176 ops, 2 keys" not in out:
        return "%d ops recorded; check: %s" % (len(h), out.strip())
    # one impossible record makes the same history fail
    t = h.begin(99, "get", "a")
    h.end(t, "nobodywrotethis")
    ok, out = h.check(os.path.join(TMP, "py-threads-bad.hist"))
    if ok or not out.startswith("NOT linearizable: key a"):
        return "a read of a value never written passed: %s" % out[:300]
    return None


@test("python/format")
def py_format():
    h = history.History()
    a = h.begin(1, "put", "k", "v1")
    b = h.begin(2, "cas", "k", ["v1", "v2"])
    c = h.begin("n3", "get", "k")
    d = h.begin(4, "rm", "k")
    h.end(a, "ok", 1)
    h.end(b, "ok 2")
    h.end(c, "v2", 2)
    lines = h.lines()
    pat = [r"^1 \d+ \d+ put k v1 -> ok 1$", r"^2 \d+ \d+ cas k v1 v2 -> ok 2$",
           r"^n3 \d+ \d+ get k -> v2 2$", r"^4 \d+ \? rm k -> \?$"]
    for p, line in zip(pat, lines):
        if not re.match(p, line):
            return "line %r does not match %r" % (line, p)
    calls = [int(l.split()[1]) for l in lines]
    if calls != sorted(calls) or len(lines) != 4:
        return "lines not in call order: %r" % lines
    ok, out = run_text("py-format.hist", "\n".join(lines) + "\n")
    return None if ok else "the checker rejects it: %s" % out


def run_text(name, text):
    return history.run_check(write(name, text))


@test("python/validation")
def py_validation():
    h = history.History()
    bad = [lambda: h.begin(1, "del", "k"), lambda: h.begin(1, "put", "k"),
           lambda: h.begin(1, "put", "k", ["a b"]), lambda: h.begin(1, "put", "k", ["absent"]),
           lambda: h.begin(1, "get", "?"), lambda: h.begin("a b", "get", "k"),
           lambda: h.end(h.begin(1, "put", "k", "v"), "mismatch"),
           lambda: h.end(h.begin(1, "rm", "k"), "ok 3"),
           lambda: h.end(h.begin(1, "get", "k"), "v 0"),
           lambda: h.end(h.begin(1, "cas", "k", ["a", "b"]), "absent")]
    for i, fn in enumerate(bad):
        try:
            fn()
        except ValueError:
            continue
        return "bad use %d was accepted" % i
    t = h.begin(1, "get", "k")
    h.end(t, "absent")
    try:
        h.end(t, "absent")
    except ValueError:
        return None
    return "ending an op twice was accepted"


@test("python/run_check-errors")
def py_run_check_errors():
    ok, out = run_text("py-malformed.hist", "1 2 3 put k v\n")
    if ok or ":1: no `->`" not in out:
        return "malformed history: %r" % out
    ok, out = history.run_check(os.path.join(TMP, "does-not-exist.hist"))
    if ok or "cannot open" not in out:
        return "missing file: %r" % out
    return None


# ---- command line ------------------------------------------------------------

@test("cli/usage")
def cli_usage():
    for args in ([], ["-b"], ["-b", "x", "f"], ["-q", "f"], ["a", "b"]):
        r = subprocess.run([BIN] + args, capture_output=True, text=True)
        if r.returncode != 2 or "usage" not in r.stderr:
            return "%r: exit %d, %r" % (args, r.returncode, r.stderr)
    return None


@test("cli/stdin")
def cli_stdin():
    r = subprocess.run([BIN, "-"], input="1 1 2 put k a -> ok 1\n", capture_output=True,
                       text=True)
    return None if r.returncode == 0 and r.stdout == "linearizable: 1 ops, 1 keys\n" else \
        "exit %d: %r" % (r.returncode, r.stdout + r.stderr)


@test("cli/budget")
def cli_budget():
    ops = genhist.generate(random.Random(5), 400, 2, 10, 10, 0, "unique", 0.0)
    path = write("budget.hist", genhist.render(ops))
    rc, out, _ = run(path, ["-b", "100"])
    if rc != 3 or not out.startswith("UNKNOWN: search budget exceeded on key k"):
        return "-b 100: exit %d:%s" % (rc, excerpt(out))
    rc, out, _ = run(path, ["-m", "1"])
    if rc not in (0, 3):
        return "-m 1: exit %d:%s" % (rc, excerpt(out))
    rc, out, _ = run(path)
    return None if rc == 0 else "default budget: exit %d:%s" % (rc, excerpt(out))


@test("cli/not-outweighs-unknown")
def cli_not_outweighs_unknown():
    ops = genhist.generate(random.Random(6), 300, 1, 10, 10, 0, "unique", 0.0)
    text = genhist.render(ops) + "1 100 200 put z a -> ok\n2 300 400 get z -> b\n"
    rc, out, _ = run(write("mixed.hist", text), ["-b", "50"])
    if rc != 1 or not out.startswith("NOT linearizable: key z") or "UNKNOWN" not in out:
        return "exit %d:%s" % (rc, excerpt(out))
    return None


def main():
    filt = sys.argv[1] if len(sys.argv) > 1 else ""
    if not os.access(BIN, os.X_OK):
        print("FAIL build: %s is missing" % BIN)
        print("0 passed, 1 failed")
        return 1
    passed = failed = 0
    for name, fn in TESTS:
        if filt not in name:
            continue
        try:
            why = fn()
        except Exception as e:  # a crash in a test is that test's failure
            why = "%s: %s" % (type(e).__name__, e)
        if why is None:
            print("PASS " + name)
            passed += 1
        else:
            print("FAIL %s: %s" % (name, why))
            failed += 1
        sys.stdout.flush()
    if failed == 0:
        shutil.rmtree(TMP, ignore_errors=True)
    else:
        print("(histories of failed tests are in %s)" % TMP)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
