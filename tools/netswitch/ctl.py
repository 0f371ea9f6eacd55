#!/usr/bin/env python3
"""Talk to a running netswitch over its control socket (python3 stdlib only).

Library use:
    from ctl import command, stats
    command("/tmp/run/ctl.sock", "partition 1,2/3")   # -> "ok partition 1,2/3"
    stats("/tmp/run")["ports"][1]["rx"]

Command line:
    python3 tools/netswitch/ctl.py RUNDIR|CTL_SOCK 'COMMAND' ['COMMAND' ...]
prints each reply; exits 0 when every reply is `ok`, 1 when one is an error,
2 when the switch cannot be reached.

Protocol: one command per line; each reply is one or more lines, the first
starting `ok` or `error <reason>`, and ends with an empty line.
"""
import os
import socket
import sys
import time

__all__ = ["command", "commands", "stats", "ctl_path", "CtlError"]


class CtlError(Exception):
    """The switch could not be reached or hung up mid-reply."""


def ctl_path(where):
    """The control socket for a run directory, or `where` itself if it is the socket."""
    if os.path.isdir(where):
        return os.path.join(where, "ctl.sock")
    return where


def commands(ctl, texts, timeout=5.0):
    """Send each command in `texts` over one connection; returns the list of replies
    (each without its terminating empty line)."""
    path = ctl_path(ctl)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                s.connect(path)
                break
            except BlockingIOError as e:
                # listen backlog full for a moment (EAGAIN): wait for the switch
                if time.monotonic() > deadline:
                    raise CtlError(f"cannot reach netswitch at {path}: {e}") from e
                time.sleep(0.01)
            except OSError as e:
                raise CtlError(f"cannot reach netswitch at {path}: {e}") from e
        replies = []
        buf = b""
        for text in texts:
            if "\n" in text:
                raise ValueError("a command is one line")
            s.sendall(text.encode() + b"\n")
            while b"\n\n" not in buf:
                try:
                    chunk = s.recv(65536)
                except socket.timeout as e:
                    raise CtlError(f"no reply from {path} to {text!r}") from e
                if not chunk:
                    raise CtlError(f"{path} hung up during the reply to {text!r}")
                buf += chunk
            reply, buf = buf.split(b"\n\n", 1)
            replies.append(reply.decode(errors="replace"))
        return replies
    finally:
        s.close()


def command(ctl, text, timeout=5.0):
    """Send one command to the switch at `ctl` (a run directory or the control
    socket path); returns its reply, e.g. "ok healed" or "error ...".
    Raises CtlError when the switch cannot be reached."""
    return commands(ctl, [text], timeout)[0]


def _kv(words):
    out = {}
    for w in words:
        k, _, v = w.partition("=")
        try:
            out[k] = int(v)
        except ValueError:
            out[k] = v
    return out


def stats(ctl, timeout=5.0):
    """The `stats` reply parsed: {"ports": {K: {counter: int}}, "macs": {mac: port},
    "switch": {name: value}}."""
    reply = command(ctl, "stats", timeout)
    lines = reply.split("\n")
    if not lines[0].startswith("ok"):
        raise CtlError(reply)
    res = {"ports": {}, "macs": {}, "switch": {}}
    for line in lines[1:]:
        w = line.split()
        if not w:
            continue
        if w[0] == "port":
            res["ports"][int(w[1])] = _kv(w[2:])
        elif w[0] == "mac":
            res["macs"][w[1]] = _kv(w[2:])["port"]
        elif w[0] == "switch":
            res["switch"] = _kv(w[1:])
    return res


def main(argv):
    if len(argv) < 3 or argv[1] in ("-h", "--help"):
        print(__doc__.strip().split("\n\n")[2], file=sys.stderr)
        return 2
    try:
        replies = commands(argv[1], argv[2:])
    except CtlError as e:
        print(f"ctl: {e}", file=sys.stderr)
        return 2
    rc = 0
    for r in replies:
        print(r)
        if not r.startswith("ok"):
            rc = 1
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv))
