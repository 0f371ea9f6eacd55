"""Synthetic cluster traces for the tests of tools/trace: nodes that keep a
Lamport clock by the rule of docs/trace.md (every event increments it, a
receive takes max(own, message's) + 1) and a wall clock that may be skewed
and drift, and print `trace ...` lines as user/trace.c does (message
events carry peer, msg, call and a numeric port; a recv's pid is the
sender's, as net/rpc_trace.c records it).

    c = SimCluster(3, skew_ns={3: 10 * 10**9})
    c.advance(50_000)                        # true time, ns
    m = c.send(1, 3, pid=100001, call=1, port=7)
    c.advance(120_000)
    c.recv(3, m)
    c.lines                                  # what the nodes printed
"""

BASE_NS = 1733600000 * 10**9
NAMING_PORT, CALC_PORT = 2, 7  # port indexes, as the kernel prints them
TRACE_ID = "9f3a11c2d4e5f601"


class Msg:
    def __init__(self, src, key, lam, call, port, pid, kind):
        self.src, self.key, self.lam = src, key, lam
        self.call, self.port, self.pid, self.kind = call, port, pid, kind


class SimCluster:
    def __init__(self, n, skew_ns=None, drift=None, start_ns=BASE_NS):
        self.now = 0
        self.start_ns = start_ns
        self.skew = dict(skew_ns or {})
        self.drift = dict(drift or {})  # node -> rate error (1e-3: 1 ms fast per s)
        self.nodes = {}
        self.lines = []
        self.span_seq = 0
        for k in range(1, n + 1):
            self.boot(k)

    def advance(self, ns):
        self.now += ns

    def clock(self, k):
        return int(self.start_ns + self.now * (1 + self.drift.get(k, 0)) + self.skew.get(k, 0))

    def boot(self, k):
        """Node k (re)starts: a new boot epoch, seq and Lamport time from 0."""
        self.nodes[k] = {"boot": self.clock(k) // 10**6, "seq": 0, "lam": 0, "msg": 0}
        return self.event(k, "boot")

    def event(self, k, kind, pid=0, lam=None, text=None, **kv):
        """Prints one event on node k; returns its Lamport time."""
        n = self.nodes[k]
        n["seq"] += 1
        n["lam"] = n["lam"] + 1 if lam is None else lam
        self.span_seq += 1
        parts = [f"node={k}", f"boot={n['boot']}", f"seq={n['seq']}", f"lam={n['lam']}",
                 f"ns={self.clock(k)}", f"pid={pid}", f"kind={kind}", f"trace={TRACE_ID}",
                 f"span={self.span_seq:016x}", "parent=0000000000000000"]
        parts += [f"{key}={val}" for key, val in kv.items()]
        if text is not None:
            parts.append(f"text={text}")
        self.lines.append("trace " + " ".join(parts))
        return n["lam"]

    def send(self, a, b, pid=0, call=0, port=7):
        n = self.nodes[a]
        n["msg"] += 1
        key = f"{a}.{n['boot']}.{n['msg']}"
        lam = self.event(a, "send", pid, peer=b, msg=key, call=call, port=port)
        return Msg(a, key, lam, call, port, pid, "send")

    def recv(self, b, m, pid=None):
        """m delivered on node b; pid: the event's (default the sender's)."""
        n = self.nodes[b]
        lam = max(n["lam"], m.lam) + 1
        if m.kind == "send":
            return self.event(b, "recv", m.pid if pid is None else pid, lam=lam, peer=m.src,
                              msg=m.key, call=m.call, port=m.port)
        return self.event(b, "reply_recv", m.caller_pid if pid is None else pid, lam=lam,
                          peer=m.src, msg=m.key, call=1, port=0,
                          latency_ns=self.now - m.started)

    def reply(self, b, m, caller, pid=0, arrived=None):
        """The server b's reply to call m (received at true time `arrived`)."""
        lat = self.now - (arrived if arrived is not None else self.now)
        lam = self.event(b, "reply_send", pid, peer=caller, msg="R" + m.key, call=1, port=0,
                         latency_ns=lat)
        r = Msg(b, "R" + m.key, lam, 0, m.port, pid, "reply_send")
        r.caller_pid = m.pid
        return r

    def call(self, a, b, caller_pid, server_pid, port=7, delay=120_000, work=300_000):
        """A whole call a -> b and its reply; returns the four Lamport times."""
        start = self.now
        m = self.send(a, b, caller_pid, call=1, port=port)
        self.advance(delay)
        arrived = self.now
        l2 = self.recv(b, m)
        self.advance(work)
        r = self.reply(b, m, a, server_pid, arrived)
        r.started = start
        self.advance(delay)
        l4 = self.recv(a, r)
        return m.lam, l2, r.lam, l4

    def text(self):
        return "\n".join(self.lines) + "\n"


def raft_cluster(skew3=10 * 10**9):
    """The 3-node scenario of tests/trace/test_page.py: node 1 leads naming
    in term 1 and sends heartbeats; a call node 1 -> node 3 and its reply;
    node 1 stops answering, node 2 starts an election for term 2 and wins.
    Node 3's clock is skew3 ns ahead. Returns (cluster, expected arrows)."""
    c = SimCluster(3, skew_ns={3: skew3})
    pid = {k: k * 100000 + 1 for k in (1, 2, 3)}   # the naming service on each node
    arrows = 0
    c.advance(1_000_000)
    for k in (1, 2, 3):
        c.event(k, "role", pid[k], service="naming", role="follower", term=1, leader=0)
    c.advance(500_000)
    c.event(1, "role", pid[1], service="naming", role="leader", term=1, leader=1)
    for beat in range(3):
        for k in (2, 3):
            m = c.send(1, k, pid[1], call=0, port=NAMING_PORT)
            c.advance(80_000)
            c.recv(k, m)
            ack = c.send(k, 1, pid[k], call=0, port=NAMING_PORT)
            c.advance(80_000)
            c.recv(1, ack)
            arrows += 2
        c.event(1, "commit", pid[1], service="naming", index=beat + 1, term=1)
        c.advance(1_000_000)
    c.call(1, 3, 100007, 300009, port=CALC_PORT)
    arrows += 2
    c.advance(5_000_000)
    c.event(2, "election", pid[2], service="naming", term=2)
    c.event(2, "role", pid[2], service="naming", role="candidate", term=2, leader=0)
    for k in (1, 3):
        m = c.send(2, k, pid[2], call=0, port=NAMING_PORT)
        c.advance(90_000)
        c.recv(k, m)
        c.event(k, "role", pid[k], service="naming", role="follower", term=2, leader=2)
        vote = c.send(k, 2, pid[k], call=0, port=NAMING_PORT)
        c.advance(90_000)
        c.recv(2, vote)
        arrows += 2
    c.event(2, "role", pid[2], service="naming", role="leader", term=2, leader=2)
    c.advance(300_000)
    for k in (1, 3):
        m = c.send(2, k, pid[2], call=0, port=NAMING_PORT)
        c.advance(80_000)
        c.recv(k, m)
        arrows += 1
    return c, arrows
