"""tests/lincheck/history.py: record naming-service operations from test
threads, write them as a history file, and check it with build/host/lincheck.
Python 3 standard library only. The format is in docs/lincheck.md.

    from history import History, run_check   # sys.path: tests/lincheck

    h = History()
    t = h.begin(client, "put", "k1", ["v5"])   # just before sending
    ...                                         # `ns put k1 v5` on some node
    h.end(t, "ok", 4)                           # just after the answer
    h.end(t, "ok")                              # version not known: not checked
    h.end(t, "v6 5")   h.end(t, "absent")       # a get's answers
    h.end(t, "mismatch")                        # a cas that did not match
    h.end_unknown(t)                            # timed out: may or may not have happened
    h.end_failed(t)                             # definitely never applied (not sent)
    h.write("build/ns-history.hist")
    ok, output = run_check("build/ns-history.hist")

Times are time.monotonic_ns(), taken inside begin() and end(): call them
right before sending and right after the answer, so the interval covers the
operation. An operation begun but never ended is written as unknown.
"""

import os
import subprocess
import threading
import time

REPO = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
BINARY = os.path.join(REPO, "build", "host", "lincheck")

OPS = {"put": 1, "get": 0, "cas": 2, "rm": 0}  # op -> arguments after the key
RESERVED = {"?", "->", "absent", "failed"}


def _token(what, s):
    s = str(s)
    if not s or s.split() != [s] or s in RESERVED or s.startswith("#"):
        raise ValueError("bad %s %r: a word without spaces, not one of %s and not #..."
                         % (what, s, sorted(RESERVED)))
    return s


def _result(op, result, version):
    """The result fields, checked against what the op can answer."""
    toks = str(result).split()
    if version is not None:
        toks.append(str(int(version)))
    bad = ValueError("bad result %r for %s" % (" ".join(toks), op))
    if not toks or len(toks) > 2:
        raise bad
    if len(toks) == 2 and not (toks[1].isdigit() and int(toks[1]) >= 1):
        raise bad
    first = toks[0]
    if op == "get":
        if first == "absent":
            if len(toks) != 1:
                raise bad
        else:
            _token("value", first)
    elif op in ("put", "cas") and first == "ok":
        pass
    elif (op, first) in (("cas", "mismatch"), ("rm", "absent"), ("rm", "ok")):
        if len(toks) != 1:
            raise bad
    else:
        raise bad
    return " ".join(toks)


class History:
    """A thread-safe record of operations, in the lincheck format."""

    def __init__(self):
        self._lock = threading.Lock()
        self._ops = []  # [client, call, ret or None, op, key, args, result or None]

    def begin(self, client, op, key, args=()):
        """Record the call of op (put/get/cas/rm) on key with its args
        (a list, or one string); returns a handle for end()."""
        if op not in OPS:
            raise ValueError("unknown op %r (put, get, cas, rm)" % (op,))
        if isinstance(args, (str, bytes)):
            args = [args]
        args = [_token("value", a) for a in args]
        if len(args) != OPS[op]:
            raise ValueError("%s takes %d argument(s) after the key" % (op, OPS[op]))
        rec = [_token("client", client), 0, None, op, _token("key", key), args, None]
        with self._lock:
            rec[1] = time.monotonic_ns()
            self._ops.append(rec)
            return len(self._ops) - 1

    def _finish(self, handle, result, stamp):
        with self._lock:
            rec = self._ops[handle]
            if rec[6] is not None:
                raise ValueError("operation %d already ended" % handle)
            rec[2] = time.monotonic_ns() if stamp else None
            rec[6] = result

    def end(self, handle, result, version=None):
        """The answer: "ok", "ok 4", "absent", "mismatch", or a get's
        "VALUE" / "VALUE VERSION"; version may also be passed on its own."""
        with self._lock:
            op = self._ops[handle][3]
        self._finish(handle, _result(op, result, version), True)

    def end_unknown(self, handle):
        """The outcome was not learned (timeout, lost connection)."""
        self._finish(handle, "?", True)

    def end_failed(self, handle):
        """The operation definitely had no effect (refused before sending)."""
        self._finish(handle, "failed", True)

    def __len__(self):
        with self._lock:
            return len(self._ops)

    def lines(self):
        """The history as lines, by call time."""
        with self._lock:
            ops = [list(r) for r in self._ops]
        out = []
        for client, call, ret, op, key, args, result in sorted(ops, key=lambda r: r[1]):
            if result is None:
                result = "?"  # never ended: unknown
            out.append("%s %d %s %s %s%s -> %s" % (
                client, call, "?" if ret is None else ret, op, key,
                "".join(" " + a for a in args), result))
        return out

    def write(self, path):
        d = os.path.dirname(path)
        if d:
            os.makedirs(d, exist_ok=True)
        lines = self.lines()
        with open(path, "w") as f:
            f.write("# lincheck history: CLIENT CALL_NS RET_NS OP KEY [ARGS] -> RESULT"
                    " (docs/lincheck.md)\n")
            for line in lines:
                f.write(line + "\n")
        return path

    def check(self, path, **kw):
        """write(path), then run_check(path)."""
        return run_check(self.write(path), **kw)


def build():
    """Build the checker if it is missing or stale; raises on failure."""
    r = subprocess.run(["make", "--no-print-directory", "-s", "-f", "tests/lincheck/lincheck.mk",
                        "build/host/lincheck"], cwd=REPO, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError("building lincheck failed:\n" + r.stdout + r.stderr)


def run_check(path, binary=None, args=(), timeout=300):
    """Check the history file at path. Returns (ok, output): ok is True only
    when it is linearizable; output is the checker's stdout and stderr
    (first line: `linearizable: ...`, `NOT linearizable: key K`, `UNKNOWN: ...`
    or a format error)."""
    binary = binary or BINARY
    if binary == BINARY and not os.path.exists(binary):
        build()
    try:
        r = subprocess.run([binary] + list(args) + [path], capture_output=True, text=True,
                           timeout=timeout)
    except subprocess.TimeoutExpired:
        return False, "UNKNOWN: lincheck ran over %d s" % timeout
    return r.returncode == 0, r.stdout + r.stderr
