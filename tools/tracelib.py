"""Cluster trace events: parse the nodes' `trace` dumps, merge them into one
causally consistent timeline, and check it (Python standard library only;
pure: no I/O but what the caller hands in). docs/trace.md is the contract.

    from tracelib import parse_lines, merge
    events, drops, bad = parse_lines(open("trace.txt"), "trace.txt")
    tr = merge(events, drops)
    tr.events      # every event once, in an order consistent with causality
    tr.pairs       # matched send -> receive (also replies, migrations)
    tr.warnings    # anything odd; tr.violations: causality / election safety

An event is a dict: the common keys as ints (node, boot, seq, lam, ns, pid)
and kind as a string, `fields` (every key=value of the line, as strings, in
line order, unknown keys included) and `src` (file:line). merge() adds
`i` (its index in tr.events), `t` (its display time, ns) and `pair`
(indexes into tr.pairs of the arrows it starts or ends)."""
import heapq
import re

COMMON = ("node", "boot", "seq", "lam", "ns", "pid")
REQUIRED = ("node", "boot", "seq", "lam", "ns", "kind")
PREFIX = "trace "
DROPPED = "trace-dropped "
NONE_ID = "0" * 16
EPS_NS = 1000          # a receive is drawn at least this long after its send
WARN_EXAMPLES = 20     # warnings of one kind listed before "... and N more"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
KLOG = re.compile(r"^\[n\d+ +\d+\.\d+\] ")

# The two ends of an arrow: sender-side kind -> (receiver-side kind, pair kind).
PAIRED = {"send": ("recv", "msg"), "reply_send": ("reply_recv", "reply")}


# ---------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------

def split_fields(body):
    """key=value pairs of a line without its `trace ` prefix, in order, as
    a list of (key, value); `text=` runs to the end of the line. A word
    without `=` breaks the contract (values have no spaces): it is joined
    to the value before it (`error=Connection timed out` stays whole) and
    reported as a pair with key None, value the word."""
    out = []
    pos, n = 0, len(body)
    while pos < n:
        if body[pos] == " ":
            pos += 1
            continue
        if body.startswith("text=", pos):
            out.append(("text", body[pos + 5:]))
            break
        end = body.find(" ", pos)
        if end < 0:
            end = n
        tok = body[pos:end]
        key, eq, val = tok.partition("=")
        if eq and key:
            out.append((key, val))
        else:
            last = max((i for i, (k, _) in enumerate(out) if k is not None), default=None)
            if last is not None:
                out[last] = (out[last][0], out[last][1] + " " + tok)
            out.append((None, tok))
        pos = end
    return out


def parse_line(line):
    """One line -> ("event", dict) | ("dropped", (node, boot or None, count))
    | ("bad", why) | None (not a trace line: console noise)."""
    line = line.rstrip("\r\n")
    if line.startswith(DROPPED):
        kv = dict((k, v) for k, v in split_fields(line[len(DROPPED):]) if k)
        try:
            boot = int(kv["boot"]) if "boot" in kv else None
            return "dropped", (int(kv["node"]), boot, int(kv["count"]))
        except (KeyError, ValueError):
            return "bad", "trace-dropped without a numeric node= and count="
    if not line.startswith(PREFIX):
        return None
    pairs = split_fields(line[len(PREFIX):])
    fields, stray = {}, []
    for k, v in pairs:
        if k is None:
            stray.append(v)
        elif k not in fields:
            fields[k] = v
    missing = [k for k in REQUIRED if k not in fields]
    if missing:
        return "bad", "no " + ", ".join(missing)
    ev = {"kind": fields["kind"], "fields": fields}
    for k in COMMON:
        v = fields.get(k, "0")
        try:
            ev[k] = int(v)
        except ValueError:
            return "bad", f"{k}={v} is not a number"
    if ev["node"] < 1:
        return "bad", f"node={ev['node']}"
    if stray:
        ev["loose"] = stray
    return "event", ev


def clean_console_line(line):
    """A console log line as the node printed it: no ANSI escapes, no CR,
    no kernel-log prefix (`[n2 12.345678] `)."""
    line = ANSI.sub("", line.replace("\r", ""))
    return KLOG.sub("", line)


def parse_lines(lines, source=""):
    """Parses an iterable of lines. Returns (events, drops, bad): drops a
    list of (node, boot or None, count), bad a list of (where, why, line)
    for lines that start with `trace ` but cannot be read."""
    events, drops, bad = [], [], []
    for no, line in enumerate(lines, 1):
        r = parse_line(line)
        if r is None:
            continue
        what, val = r
        where = f"{source}:{no}"
        if what == "event":
            val["src"] = where
            events.append(val)
        elif what == "dropped":
            drops.append(val)
        else:
            bad.append((where, val, line.rstrip("\r\n")))
    return events, drops, bad


def msg_origin(key):
    """(node, boot) named by a message key `N.B.ID` (or `RN.B.ID`), else None."""
    parts = key.lstrip("R").split(".")
    if len(parts) != 3:
        return None
    try:
        return int(parts[0]), int(parts[1])
    except ValueError:
        return None


# ---------------------------------------------------------------------------
# Merging
# ---------------------------------------------------------------------------

class Trace:
    """The result of merge(): see the module comment and docs/trace.md."""

    def __init__(self):
        self.events = []
        self.pairs = []       # dicts: kind (msg|reply|migrate), cat, a, b, key
        self.nodes = []
        self.dropped = {}     # node -> events lost from its ring(s)
        self.offsets = {}     # (node, boot) -> ns its clock is ahead of the reference
        self.bands = []       # dicts: node, service, term, role, start, end
        self.leaders = []     # the bands with role leader
        self.warnings = []
        self.violations = []
        self.unmatched_sends = 0
        self.duplicates = 0
        self.t0 = self.t1 = 0
        self._counts = {}

    def warn(self, what, msg, violation=False):
        """Records a warning (or a violation) of category `what`; past
        WARN_EXAMPLES of one category only the count grows."""
        n = self._counts.get(what, 0) + 1
        self._counts[what] = n
        if n <= WARN_EXAMPLES:
            (self.violations if violation else self.warnings).append(f"{what}: {msg}")

    def _close_counts(self, violation_kinds):
        for what, n in sorted(self._counts.items()):
            if n > WARN_EXAMPLES:
                lst = self.violations if what in violation_kinds else self.warnings
                lst.append(f"{what}: ... and {n - WARN_EXAMPLES} more")


VIOLATIONS = ("lamport", "lane-order", "election-safety")


def merge(events, drops=()):
    """Merges the events of every node (in any order, duplicates allowed:
    the same node, boot and seq twice is one event) into a Trace."""
    tr = Trace()
    per_boot = {}
    for node, boot, count in drops:
        # A count is cumulative for its ring (one per boot): a line repeated
        # by a second dump counts once, with its latest (largest) value.
        per_boot[(node, boot)] = max(per_boot.get((node, boot), 0), count)
    for (node, _), count in per_boot.items():
        tr.dropped[node] = tr.dropped.get(node, 0) + count
    evs = _dedupe(tr, events)
    for e in evs:
        if "loose" in e:
            tr.warn("loose-words", f"{e['src']}: node {e['node']} seq {e['seq']} has words "
                    f"without key= ({' '.join(e['loose'])}): joined to the value before them")
    tr.nodes = sorted({e["node"] for e in evs} | set(tr.dropped))
    lanes = {}
    for e in evs:
        lanes.setdefault(e["node"], []).append(e)
    for lane in lanes.values():
        lane.sort(key=lambda e: (e["boot"], e["seq"]))
    _check_lanes(tr, lanes)
    pairs = _match(tr, evs)
    order = _causal_order(tr, lanes, pairs)
    for i, e in enumerate(order):
        e["i"] = i
        e["pair"] = []
    tr.events = order
    for p in pairs:
        p["a"], p["b"] = p["a"]["i"], p["b"]["i"]
        tr.events[p["b"]]["pair"].append(len(tr.pairs))
        tr.events[p["a"]]["pair"].append(len(tr.pairs))
        tr.pairs.append(p)
    _categorise(tr)
    _check_pairs(tr)
    tr.offsets = _clock_offsets(tr)
    _display_times(tr)
    _terms(tr, lanes)
    tr._close_counts(VIOLATIONS)
    return tr


def _dedupe(tr, events):
    seen, out = {}, []
    for e in events:
        key = (e["node"], e["boot"], e["seq"])
        old = seen.get(key)
        if old is None:
            seen[key] = e
            out.append(e)
        elif old["fields"] == e["fields"]:
            tr.duplicates += 1
        else:
            tr.warn("duplicate-seq", f"node {key[0]} boot {key[1]} seq {key[2]} twice with "
                    f"different keys ({old['src']}, {e['src']}); the first is kept")
    return out


def _check_lanes(tr, lanes):
    """Per node and boot, in seq order: Lamport time strictly increases
    (every event increments the counter), the clock does not go back."""
    for node, lane in sorted(lanes.items()):
        prev = None
        for e in lane:
            if prev is not None and prev["boot"] == e["boot"]:
                if e["lam"] <= prev["lam"]:
                    tr.warn("lane-order", f"node {node} boot {e['boot']}: seq {e['seq']} has "
                            f"lam {e['lam']} <= lam {prev['lam']} of seq {prev['seq']}",
                            violation=True)
                if e["ns"] < prev["ns"]:
                    tr.warn("clock-back", f"node {node} boot {e['boot']}: seq {e['seq']} at "
                            f"ns {e['ns']}, before seq {prev['seq']} ({prev['ns']})")
            prev = e


def _match(tr, evs):
    """Pairs every receiving end with its sending end: by message key (which
    names the sender's node and boot) for messages and replies, by pid and
    the two nodes, in order, for migrations."""
    sends, recvs = {}, []
    for e in evs:
        k = e["kind"]
        key = e["fields"].get("msg")
        if k in PAIRED and key:
            sends.setdefault((PAIRED[k][1], key), []).append(e)
            if k == "send":
                o = msg_origin(key)
                if o is not None and o != (e["node"], e["boot"]):
                    tr.warn("msg-key", f"node {e['node']} boot {e['boot']} seq {e['seq']} "
                            f"sent msg {key}, a key of node {o[0]} boot {o[1]}")
        elif k in ("recv", "reply_recv") and key:
            recvs.append(e)
    pairs = []
    for r in recvs:
        kind = "msg" if r["kind"] == "recv" else "reply"
        cands = sends.get((kind, r["fields"]["msg"]))
        if not cands:
            _missing_send(tr, r)
            continue
        # A resent message (same key) pairs with its last send before the receive.
        before = [s for s in cands if s["lam"] < r["lam"]]
        s = max(before, key=lambda s: s["lam"]) if before else cands[0]
        if str(s["node"]) != r["fields"].get("peer", str(s["node"])):
            tr.warn("peer", f"{r['kind']} of {r['fields']['msg']} on node {r['node']} names "
                    f"peer {r['fields'].get('peer')}, sent by node {s['node']}")
        pairs.append({"kind": kind, "a": s, "b": r, "key": r["fields"]["msg"]})
    matched = {id(p["a"]) for p in pairs}
    tr.unmatched_sends = sum(1 for lst in sends.values() for s in lst if id(s) not in matched)
    pairs += _match_migrations(evs)
    return pairs


def _missing_send(tr, r):
    key = r["fields"]["msg"]
    src = _int(r["fields"].get("peer"))
    if src is None and r["kind"] == "recv" and msg_origin(key):
        src = msg_origin(key)[0]
    what = f"{r['kind']} of {key} on node {r['node']} seq {r['seq']}"
    if src is None:
        tr.warn("no-send", f"{what}: no send, and no sender named")
    elif src not in tr.nodes and src not in tr.dropped:
        tr.warn("no-send-node", f"{what}: node {src} is not in the trace")
    elif tr.dropped.get(src):
        tr.warn("send-dropped", f"{what}: its send is not in the trace; node {src}'s ring "
                f"dropped {tr.dropped[src]} events, so probably among them")
    else:
        tr.warn("no-send", f"{what}: no matching send on node {src} (was its trace taken "
                "before it sent this?)")


def _match_migrations(evs):
    outs = {}
    for e in sorted(evs, key=lambda e: (e["lam"], e["node"], e["seq"])):
        if e["kind"] == "migrate_out":
            outs.setdefault((e["pid"], e["node"], e["fields"].get("peer")), []).append(e)
    pairs = []
    for e in sorted(evs, key=lambda e: (e["lam"], e["node"], e["seq"])):
        if e["kind"] != "migrate_in":
            continue
        lst = outs.get((e["pid"], _int(e["fields"].get("peer")), str(e["node"])))
        if lst:
            pairs.append({"kind": "migrate", "a": lst.pop(0), "b": e,
                          "key": f"pid {e['pid']}"})
    return pairs


def _int(s):
    try:
        return int(s)
    except (TypeError, ValueError):
        return None


def _causal_order(tr, lanes, pairs):
    """A topological order of happened-before (each lane's own order, and
    send before receive), taking the smallest (lam, node, seq) first: so
    exactly the Lamport order when the clocks are right, and still causal
    where a node restarted (its Lamport time began again) or stamped wrong."""
    succ, indeg = {}, {}
    for lane in lanes.values():
        for a, b in zip(lane, lane[1:]):
            succ.setdefault(id(a), []).append(b)
            indeg[id(b)] = indeg.get(id(b), 0) + 1
    for p in pairs:
        succ.setdefault(id(p["a"]), []).append(p["b"])
        indeg[id(p["b"])] = indeg.get(id(p["b"]), 0) + 1

    def key(e):
        return (e["lam"], e["node"], e["boot"], e["seq"])
    remaining = {id(e): e for lane in lanes.values() for e in lane}
    heap = [(key(e), id(e), e) for e in remaining.values() if not indeg.get(id(e))]
    heapq.heapify(heap)
    order = []
    while remaining:
        if not heap:
            # A cycle (contradictory data): break it at its earliest event.
            e = min(remaining.values(), key=key)
            tr.warn("cycle", f"no causal order: forced node {e['node']} seq {e['seq']}")
            indeg[id(e)] = 0
            heap.append((key(e), id(e), e))
        _, eid, e = heapq.heappop(heap)
        if eid not in remaining:
            continue
        del remaining[eid]
        order.append(e)
        for s in succ.get(eid, ()):
            indeg[id(s)] -= 1
            if indeg[id(s)] == 0 and id(s) in remaining:
                heapq.heappush(heap, (key(s), id(s), s))
    return order


def _service_pids(tr):
    """(node, boot, pid) -> service, learnt from events with a service= key."""
    out = {}
    for e in tr.events:
        svc = e["fields"].get("service")
        if svc and e["pid"]:
            out[(e["node"], e["boot"], e["pid"])] = svc
    return out


def _categorise(tr):
    """Each arrow's colour: reply, migrate, call (call=1), oneway, or raft:
    a one-way message sent by a process of a replicated service (one whose
    events carry service=X: Raft's role, commit... events) to a node where
    service X runs too, or to a port named X. The replica runtime sends
    Raft's messages as datagrams between its processes (docs/replica.md);
    another datagram of such a process to such a node is drawn as Raft too."""
    svc = _service_pids(tr)
    on_node = {}
    for (node, _, _), name in svc.items():
        on_node.setdefault(node, set()).add(name)
    for p in tr.pairs:
        a, b = tr.events[p["a"]], tr.events[p["b"]]
        if p["kind"] != "msg":
            p["cat"] = p["kind"]
            continue
        call = a["fields"].get("call") == "1"
        name = svc.get((a["node"], a["boot"], a["pid"]))
        if not call and name and (name in on_node.get(b["node"], ()) or
                                  a["fields"].get("port") == name):
            p["cat"] = "raft"
        else:
            p["cat"] = "call" if call else "oneway"


def _check_pairs(tr):
    for p in tr.pairs:
        a, b = tr.events[p["a"]], tr.events[p["b"]]
        if p["kind"] != "migrate" and a["lam"] >= b["lam"]:
            tr.warn("lamport", f"{p['key']}: {a['kind']} on node {a['node']} seq {a['seq']} "
                    f"lam {a['lam']} >= {b['kind']} on node {b['node']} seq {b['seq']} "
                    f"lam {b['lam']}", violation=True)


def _clock_offsets(tr):
    """Each clock domain's (node, boot) offset from a reference clock, NTP
    style: for domains A, B with messages both ways, the offset of B from A
    is (min delay A->B - min delay B->A) / 2 (the true delays cancel when
    the fastest messages each way took as long). With messages one way only
    the offset is 0 unless a message would arrive before it left (then that
    message is taken as instantaneous). The estimates are chained from the
    reference (the smallest node's first boot) along the domain pairs with
    the most messages. A domain not connected to it keeps its own clock."""
    mins, count = {}, {}
    for p in tr.pairs:
        a, b = tr.events[p["a"]], tr.events[p["b"]]
        da, db = (a["node"], a["boot"]), (b["node"], b["boot"])
        if da == db:
            continue
        d = b["ns"] - a["ns"]
        mins[(da, db)] = min(mins.get((da, db), d), d)
        u = (min(da, db), max(da, db))
        count[u] = count.get(u, 0) + 1
    theta = {}  # (x, y) -> estimated off_y - off_x
    for x, y in count:
        fwd, back = mins.get((x, y)), mins.get((y, x))
        if fwd is not None and back is not None:
            t = (fwd - back) / 2
        elif fwd is not None:
            t = min(0, fwd)
        else:
            t = max(0, -back)
        theta[(x, y)], theta[(y, x)] = t, -t
    domains = sorted({(e["node"], e["boot"]) for e in tr.events})
    off = {}
    for root in domains:
        if root in off:
            continue
        off[root] = 0
        heap = []

        def push(x):
            for (u, v), n in count.items():
                if x in (u, v):
                    y = v if x == u else u
                    if y not in off:
                        heapq.heappush(heap, (-n, x, y))
        push(root)
        while heap:
            _, x, y = heapq.heappop(heap)
            if y in off:
                continue
            off[y] = off[x] + theta[(x, y)]
            push(y)
    return {d: int(round(v)) for d, v in off.items()}


def _display_times(tr):
    """t = ns corrected by the clock offset, then pushed forward where
    needed so that each lane keeps its own order (strictly) and every
    receiving end lies at least EPS_NS after its sending end."""
    last = {}
    sender = {}
    for p in tr.pairs:
        sender.setdefault(p["b"], []).append(p["a"])
    for e in tr.events:
        t = e["ns"] - tr.offsets.get((e["node"], e["boot"]), 0)
        if e["node"] in last:
            t = max(t, last[e["node"]] + 1)
        for a in sender.get(e["i"], ()):
            if a < e["i"]:
                t = max(t, tr.events[a]["t"] + EPS_NS)
        e["t"] = t
        last[e["node"]] = t
    if tr.events:
        tr.t0 = min(e["t"] for e in tr.events)
        tr.t1 = max(e["t"] for e in tr.events)


def _terms(tr, lanes):
    """Per node and service: the intervals (display time) it spent in each
    term and role, from role events (and election events that raise the
    term); a new boot ends them. Then the leaders, and election safety: no
    two nodes leader of one service in the same term (Raft §5.2)."""
    for node, lane in sorted(lanes.items()):
        cur = {}  # service -> open band
        boot_end = {}
        for e in lane:
            boot_end[e["boot"]] = e["t"]
        prev_boot = None
        for e in lane:
            if prev_boot is not None and e["boot"] != prev_boot:
                for b in cur.values():
                    b["end"] = boot_end[prev_boot]
                    tr.bands.append(b)
                cur = {}
            prev_boot = e["boot"]
            f = e["fields"]
            svc, term = f.get("service"), _int(f.get("term"))
            if not svc or term is None or e["kind"] not in ("role", "election"):
                continue
            open_ = cur.get(svc)
            if e["kind"] == "role":
                role = f.get("role", "?")
                if open_ and open_["term"] == term and open_["role"] == role:
                    continue
            else:
                if open_ and term <= open_["term"]:
                    continue
                role = "candidate"
            if open_:
                open_["end"] = e["t"]
                tr.bands.append(open_)
            cur[svc] = {"node": node, "service": svc, "term": term, "role": role,
                        "start": e["t"], "end": None, "boot": e["boot"]}
        for b in cur.values():
            b["end"] = boot_end[b["boot"]]
            tr.bands.append(b)
    tr.bands.sort(key=lambda b: (b["node"], b["service"], b["start"]))
    tr.leaders = sorted((b for b in tr.bands if b["role"] == "leader"),
                        key=lambda b: (b["service"], b["term"], b["start"]))
    by_term = {}
    for b in tr.leaders:
        by_term.setdefault((b["service"], b["term"]), []).append(b)
    for (svc, term), bs in sorted(by_term.items()):
        nodes = sorted({b["node"] for b in bs})
        if len(nodes) > 1:
            overlap = any(x["start"] <= y["end"] and y["start"] <= x["end"]
                          for x in bs for y in bs if x["node"] != y["node"])
            tr.warn("election-safety", f"{svc} term {term} has leaders on nodes "
                    f"{', '.join(map(str, nodes))}"
                    + (" at the same time" if overlap else ""), violation=True)


# ---------------------------------------------------------------------------
# Summaries
# ---------------------------------------------------------------------------

def summary(tr, bad=()):
    """One paragraph: nodes, events, arrows, drops, warnings, violations."""
    cats = {}
    for p in tr.pairs:
        cats[p["cat"]] = cats.get(p["cat"], 0) + 1
    span = (tr.t1 - tr.t0) / 1e9
    s = (f"{len(tr.nodes)} nodes ({', '.join(map(str, tr.nodes))}), {len(tr.events)} events "
         f"over {span:.3f} s, {len(tr.pairs)} arrows"
         + (" (" + ", ".join(f"{n} {c}" for c, n in sorted(cats.items())) + ")" if cats else "")
         + f", {tr.unmatched_sends} sends unreceived")
    if tr.dropped:
        s += ", dropped " + ", ".join(f"{n} on node {k}" for k, n in sorted(tr.dropped.items()))
    else:
        s += ", nothing dropped"
    if tr.duplicates:
        s += f", {tr.duplicates} duplicate lines"
    if bad:
        s += f", {len(bad)} unreadable lines"
    s += f"; warnings: {_tally(tr, False)}; violations: {_tally(tr, True)}."
    return s


def _tally(tr, violations):
    """`N` or `N (kind n, kind n)`: warnings or violations, by kind."""
    kinds = sorted((w, n) for w, n in tr._counts.items() if (w in VIOLATIONS) == violations)
    total = sum(n for _, n in kinds)
    return f"{total} (" + ", ".join(f"{w} {n}" for w, n in kinds) + ")" if kinds else "0"


def warning_count(tr):
    """How many warnings there were (tr.warnings lists WARN_EXAMPLES of each kind)."""
    return sum(n for w, n in tr._counts.items() if w not in VIOLATIONS)


def describe(e):
    """A short label of an event: `node 2 seq 17 send`."""
    return f"node {e['node']} seq {e['seq']} {e['kind']}"
