"""Running one shell command on a node's console and finding exactly its
output and exit status (Python standard library only): the one helper that
tools/clusterlib.py (Cluster.exec) and tests/cluster/qemu.py (Node.run)
share.

The command is sent as `echo @@B""TAG; CMD; echo @@E""TAG $?`: the quotes
keep the echoed command line itself from matching the markers, so what
lies between `@@BTAG` and `@@ETAG N` is the command's output, and N its
status. Kernel log lines (`[n1 12.345678] ...`) printed meanwhile land in
the same span and are taken out of it."""
import re

KLOG_LINE = re.compile(r"^\[n\d+ +\d+\.\d+\] ")
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def wrap(cmd, tag):
    """The line to type: cmd between the begin and end markers of tag."""
    return f'echo @@B""{tag}; {cmd}; echo @@E""{tag} $?\n'


def begin_re(tag):
    """Where the output starts (match.end())."""
    return re.compile(r"@@B%s\r?\n" % re.escape(tag))


def end_re(tag):
    """Where it ends (match.start()); group 1 is the exit status."""
    return re.compile(r"@@E%s (\d+)\r?\n" % re.escape(tag))


def split_output(span):
    """(lines, klog): the span's lines without ANSI escapes or carriage
    returns, kernel log lines apart, no empty last line."""
    lines, klog = [], []
    for line in span.replace("\r", "").split("\n"):
        line = ANSI.sub("", line)
        (klog if KLOG_LINE.match(line) else lines).append(line)
    if lines and lines[-1] == "":
        lines.pop()
    return lines, klog
