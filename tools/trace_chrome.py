"""A merged cluster trace (tools/tracelib.py) as Chrome trace-event JSON,
the format Perfetto (ui.perfetto.dev) and chrome://tracing open
(Python standard library only; docs/trace.md, "Perfetto").

    pid  = the node (process_name "node K"); tid = the event's pid (thread
           name "pid P"), the kernel (pid 0) as tid KERNEL_TID + K, "kernel"
    ph i = every event, at its display time, all its keys in args
    ph X = a call: on the caller's thread, ending at its reply_recv and as
           long as that event's latency_ns; on the server's, ending at its
           reply_send, as long as its latency_ns. One that would overlap
           another slice of its thread without nesting in it (a server
           taking a second call before answering the first) is written as an
           async slice (ph b/e) instead, which may overlap
    ph s/f = each arrow, from the sending end to the receiving end
           (bp e: bound to the instant event at that end)

Timestamps are microseconds since the trace's first display time (t0_ns
in the metadata), so they keep their nanoseconds in a double."""
import json

KERNEL_TID = 1000000000  # not a pid the kernel hands out (pids are K*100000+n)


def _tid(e):
    return e["pid"] if e["pid"] else KERNEL_TID + e["node"]


def _us(tr, t):
    return round((t - tr.t0) / 1000.0, 3)


def _call_slices(tr):
    """(pid, tid, start_ns, end_ns, name, args) of every call with a known
    latency: its reply_recv (caller) and reply_send (server) events."""
    out = []
    call_send = {}
    for p in tr.pairs:
        if p["kind"] == "msg":
            call_send[p["key"]] = tr.events[p["a"]]
    for e in tr.events:
        if e["kind"] not in ("reply_recv", "reply_send"):
            continue
        try:
            lat = int(e["fields"].get("latency_ns", ""))
        except ValueError:
            continue
        key = e["fields"].get("msg", "")
        send = call_send.get(key[1:] if key.startswith("R") else key)
        port = send["fields"].get("port", "?") if send else "?"
        role = "call" if e["kind"] == "reply_recv" else "serve"
        what = f"{role} port {port}" if port.isdigit() else f"{role} {port}"
        start = max(tr.t0, e["t"] - max(lat, 0))
        out.append((e["node"], _tid(e), start, e["t"], what,
                    {"msg": key, "peer": e["fields"].get("peer", ""), "latency_ns": lat}))
    return out


def chrome_trace(tr):
    """The JSON object (a dict) for a tracelib.Trace."""
    meta, body = [], []
    threads = {}
    for e in tr.events:
        threads.setdefault((e["node"], _tid(e)), e["pid"])
    for k in tr.nodes:
        tid = KERNEL_TID + k
        meta.append({"ph": "M", "name": "process_name", "pid": k, "tid": tid,
                     "args": {"name": f"node {k}"}})
        meta.append({"ph": "M", "name": "process_sort_index", "pid": k, "tid": tid,
                     "args": {"sort_index": k}})
    for (node, tid), pid in sorted(threads.items()):
        meta.append({"ph": "M", "name": "thread_name", "pid": node, "tid": tid,
                     "args": {"name": f"pid {pid}" if pid else "kernel"}})
    # Within one timestamp: slices first, then instants, then flow ends, so
    # a flow event finds its instant open on the thread.
    keyed = []
    for e in tr.events:
        args = dict(e["fields"])
        args["display_ns"] = e["t"]
        keyed.append(((e["t"], 1, e["i"], 0, 0), {
            "ph": "i", "s": "t", "name": e["kind"], "cat": "event", "pid": e["node"],
            "tid": _tid(e), "ts": _us(tr, e["t"]), "args": args}))
    for n, p in enumerate(tr.pairs):
        a, b = tr.events[p["a"]], tr.events[p["b"]]
        name = f"{p['cat']} {p['key']}"
        keyed.append(((a["t"], 1, a["i"], 1, n), {
            "ph": "s", "id": n, "name": name, "cat": p["cat"], "pid": a["node"],
            "tid": _tid(a), "ts": _us(tr, a["t"])}))
        keyed.append(((b["t"], 1, b["i"], 1, n), {
            "ph": "f", "bp": "e", "id": n, "name": name, "cat": p["cat"], "pid": b["node"],
            "tid": _tid(b), "ts": _us(tr, b["t"])}))
    keyed += _slices(tr)
    keyed.sort(key=lambda kv: kv[0])  # keys are unique: never compares the dicts
    body = [ev for _, ev in keyed]
    return {
        "traceEvents": meta + body,
        "displayTimeUnit": "ns",
        "metadata": {
            "source": "tools/trace",
            "t0_ns": tr.t0,
            "nodes": tr.nodes,
            "events": len(tr.events),
            "arrows": len(tr.pairs),
            "dropped": {str(k): v for k, v in sorted(tr.dropped.items())},
            "clock_offsets_ns": {f"{n}.{b}": o for (n, b), o in sorted(tr.offsets.items())},
            "warnings": tr.warnings,
            "violations": tr.violations,
        },
    }


def _slices(tr):
    """The calls as X events, or b/e pairs where X would not nest."""
    out = []
    open_ = {}  # (pid, tid) -> stack of end times of the X slices written
    async_id = 0
    for node, tid, start, end, name, args in sorted(_call_slices(tr),
                                                    key=lambda s: (s[2], -s[3])):
        stack = open_.setdefault((node, tid), [])
        while stack and stack[-1] <= start:
            stack.pop()
        base = {"name": name, "cat": "call", "pid": node, "tid": tid, "args": args}
        if stack and end > stack[-1]:
            async_id += 1
            out.append(((start, 0, -1, len(out), 0), dict(base, ph="b", id=async_id,
                                                        ts=_us(tr, start))))
            out.append(((end, 2, -1, len(out), 0), dict(base, ph="e", id=async_id,
                                                      ts=_us(tr, end))))
            continue
        stack.append(end)
        out.append(((start, 0, -1, len(out), 0), dict(base, ph="X", ts=_us(tr, start),
                                                    dur=round((end - start) / 1000.0, 3))))
    return out


def write(tr, path):
    with open(path, "w") as f:
        json.dump(chrome_trace(tr), f, separators=(",", ":"))
        f.write("\n")
