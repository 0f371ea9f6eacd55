"""tests/lincheck/genhist.py: random histories of a correct naming service,
and mutations of them that no correct service could produce.

generate() simulates concurrent clients against one real map: each op takes
effect atomically at a random instant inside its [call, return] interval, so
the history is linearizable by construction. An op marked unknown takes
effect at a random instant after its call (possibly after the client gave
up), or never. mutate() then changes one result so that no linearization can
exist (each kind says why), which lincheck must reject.

As a command, for trying the checker by hand:
    python3 tests/lincheck/genhist.py --ops 2000 --keys 5 --clients 10 --unknown 20 \\
        [--seed S] [--values unique|few] [--versions P] [--mutate KIND] > h.hist
"""

import argparse
import heapq
import random

KINDS = ("put", "get", "cas", "rm")
MUTATIONS = ("never", "badversion", "stale", "absent", "casold")


class Op:
    __slots__ = ("client", "call", "ret", "kind", "key", "args", "res", "ver", "unknown",
                 "failed", "lin", "effect", "shown_ver")

    def line(self):
        ret = "?" if self.ret is None else str(self.ret)
        if self.failed:
            res = "failed"
        elif self.unknown:
            res = "?"
        else:
            res = self.res + (" %d" % self.ver if self.shown_ver and self.ver else "")
        return "c%d %d %s %s %s%s -> %s" % (self.client, self.call, ret, self.kind, self.key,
                                            "".join(" " + a for a in self.args), res)


def generate(rng, nops, nkeys=5, nclients=10, nunknown=0, nfailed=0, values="unique",
             versions=1.0, mix=(35, 35, 20, 10)):
    """A linearizable history of nops ops as a list of Op (call order)."""
    keys = ["k%d" % i for i in range(1, nkeys + 1)]
    state = {}  # key -> (value, version), the real map
    seen = {k: set() for k in keys}  # values ever written to a key
    know = {}  # (client, key) -> value last read or written by that client
    counter = [0]

    def fresh():
        if values == "few":
            return rng.choice("abc")
        counter[0] += 1
        return "v%d" % counter[0]

    special = rng.sample(range(nops), min(nops, nunknown + nfailed))
    unknown, failed = set(special[:nunknown]), set(special[nunknown:])
    ops = []
    events = []  # (time, seq, what, payload)
    seq = [0]

    def push(t, what, x):
        seq[0] += 1
        heapq.heappush(events, (t, seq[0], what, x))

    for c in range(nclients):
        push(rng.randint(0, 2000), "call", c)
    while events:
        t, _, what, x = heapq.heappop(events)
        if what == "call":
            if len(ops) == nops:
                continue
            o = Op()
            o.client, o.call, o.kind = x, t, rng.choices(KINDS, weights=mix)[0]
            o.key = rng.choice(keys)
            o.unknown, o.failed = len(ops) in unknown, len(ops) in failed
            o.res, o.ver, o.effect, o.shown_ver = None, 0, True, rng.random() < versions
            if o.kind == "put":
                o.args = [fresh()]
            elif o.kind == "cas":
                old = know.get((x, o.key))
                if old is None or rng.random() < 0.2:
                    old = rng.choice(sorted(seen[o.key])) if seen[o.key] else fresh()
                o.args = [old, fresh()]
            else:
                o.args = []
            for a in o.args[-1:] if o.kind in ("put", "cas") else []:
                seen[o.key].add(a)
            dur = rng.choice((rng.randint(1, 200), rng.randint(1, 200), rng.randint(1, 2000)))
            o.ret = t + dur
            if o.failed:
                o.effect = False
            elif o.unknown:
                o.effect = rng.random() < 0.5
                o.lin = t + rng.randint(0, 3 * dur)  # may be after the client gave up
                if rng.random() < 0.5:
                    o.ret = None  # no give-up time recorded
            else:
                o.lin = rng.randint(t, o.ret)
            if o.effect:
                push(o.lin, "lin", o)
            ops.append(o)
            push((o.ret if o.ret is not None else t + dur) + rng.randint(1, 100), "call", x)
        else:
            o = x
            cur = state.get(o.key)
            if o.kind == "put":
                state[o.key] = (o.args[0], cur[1] + 1 if cur else 1)
                o.res, o.ver = "ok", state[o.key][1]
            elif o.kind == "get":
                o.res, o.ver = (cur[0], cur[1]) if cur else ("absent", 0)
            elif o.kind == "cas":
                if cur and cur[0] == o.args[0]:
                    state[o.key] = (o.args[1], cur[1] + 1)
                    o.res, o.ver = "ok", cur[1] + 1
                else:
                    o.res = "mismatch"
            else:
                o.res = "ok" if cur else "absent"
                state.pop(o.key, None)
            if not o.unknown:  # the client learns the answer at o.ret
                if o.kind in ("put", "cas") and o.res == "ok":
                    know[(o.client, o.key)] = o.args[-1]
                elif o.kind == "get" and cur:
                    know[(o.client, o.key)] = cur[0]
    return ops


def _completed(o):
    return not o.unknown and not o.failed


def mutate(rng, ops, kind, values="unique"):
    """Change one result of a linearizable history so that no linearization
    exists. Returns a description, or None if this history offers no spot."""
    gets = [o for o in ops if _completed(o) and o.kind == "get"]
    if kind == "never":  # a get returns a value nobody ever wrote
        if not gets:
            return None
        g = rng.choice(gets)
        g.res, g.ver = "never", 0
        return "get at %d returns a value never written" % g.call
    if kind == "badversion":  # a version beyond the number of writes to the key
        cands = [o for o in ops if _completed(o) and o.ver]
        if not cands:
            return None
        o = rng.choice(cands)
        writes = sum(1 for p in ops if p.key == o.key and p.kind in ("put", "cas"))
        o.ver, o.shown_ver = writes + 1, True
        return "%s at %d reports version %d, more than the %d writes" % (
            o.kind, o.call, o.ver, writes)
    if kind == "stale":  # a read of a value overwritten before the read began
        if values != "unique":
            return None
        writes = [o for o in ops if _completed(o) and o.res == "ok" and o.kind in ("put", "cas")]
        cands = []
        for g in gets:
            for q in writes:
                if q.key != g.key or q.ret >= g.call:
                    continue
                olds = [p for p in writes if p.key == g.key and p.ret < q.call]
                if olds:
                    cands.append((g, q, olds[-1]))
            if len(cands) > 50:
                break
        if not cands:
            return None
        g, q, p = rng.choice(cands)
        g.res, g.ver = p.args[-1], 0
        return "get at %d returns %s, overwritten by the op at %d before the get began" % (
            g.call, p.args[-1], q.call)
    if kind == "absent":  # a key that nothing removes, read as absent after a write
        cands = []
        for g in gets:
            if any(p.key == g.key and p.kind == "rm" for p in ops):
                continue
            if any(p.key == g.key and _completed(p) and p.kind == "put" and p.ret < g.call
                   for p in ops):
                cands.append(g)
        if not cands:
            return None
        g = rng.choice(cands)
        g.res, g.ver = "absent", 0
        return "get at %d returns absent after a completed put, and no rm" % g.call
    if kind == "casold":  # a successful cas from a value nobody wrote
        cands = [o for o in ops if _completed(o) and o.kind == "cas" and o.res == "ok"]
        if not cands:
            return None
        o = rng.choice(cands)
        o.args[0] = "never"
        return "cas at %d succeeds from a value never written" % o.call
    raise ValueError("unknown mutation %r" % kind)


def render(ops, header=()):
    return "".join("# %s\n" % h for h in header) + "".join(o.line() + "\n" for o in ops)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--ops", type=int, default=2000)
    ap.add_argument("--keys", type=int, default=5)
    ap.add_argument("--clients", type=int, default=10)
    ap.add_argument("--unknown", type=int, default=20)
    ap.add_argument("--failed", type=int, default=0)
    ap.add_argument("--values", choices=("unique", "few"), default="unique")
    ap.add_argument("--versions", type=float, default=1.0, help="share of results with a version")
    ap.add_argument("--mutate", choices=MUTATIONS)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    ops = generate(rng, a.ops, a.keys, a.clients, a.unknown, a.failed, a.values, a.versions)
    header = ["genhist seed %d: %d ops, %d keys, %d clients, %d unknown" % (
        a.seed, a.ops, a.keys, a.clients, a.unknown)]
    if a.mutate:
        why = mutate(rng, ops, a.mutate, a.values)
        if why is None:
            raise SystemExit("genhist: no place for mutation %s in this history" % a.mutate)
        header += ["expect: not (%s)" % why]
    else:
        header += ["expect: linearizable"]
    print(render(ops, header), end="")


if __name__ == "__main__":
    main()
