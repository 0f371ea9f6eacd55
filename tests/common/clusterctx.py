"""What scenarios on QEMU clusters share (standard library only): the
per-scenario context that boots clusters through tools/clusterlib.py and
always tears them down, keeping their logs; `expect`; a command run in the
background; and what a cluster scenario needs installed. Used by
tests/net/run.py and the services' cluster.py files (naming, fs, migrate,
sched), each with its own scenario list (tests/common/scenarios.py):

    scenario = Scenarios(reasons=(ClusterError,))
    @scenario(120)
    def name(ctx):
        c = ctx.cluster(3)
        ...
    sys.exit(run(scenario, "naming"))   # logs in build/test-runs/naming/
"""
import os
import shutil
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tools"))
import clusterlib  # noqa: E402
import qemucmd  # noqa: E402
from clusterlib import DEFAULT_SERVICES, Cluster, ClusterError, ExecTimeout  # noqa: E402
from scenarios import Fail, Scenarios, Skip, check  # noqa: E402

# What a scenario file imports from here (some of it is re-exported).
__all__ = ["BackgroundExec", "Cluster", "ClusterError", "Ctx", "DEFAULT_SERVICES", "ExecTimeout",
           "Fail", "Scenarios", "Skip", "check", "expect", "logs_dir", "missing_tools", "run"]


# Skewed clocks (docs/trace.md, "Clocks"): ctx.cluster(skew=True), or every
# cluster with CLUSTER_SKEW=1 in the environment (`make test-skewed`). The
# scenarios must pass anyway; a few always run so (naming_linearizable, ...).
SKEWS = [(0, 0), (10, 1000), (-10, -1000), (7.5, -500), (-7.5, 500)]


def skewed_clock(k):
    """Bootargs that skew node k's wall clock and make its clock drift."""
    offset, ppm = SKEWS[(k - 1) % len(SKEWS)]
    return f"clock_offset={offset} clock_drift_ppm={ppm}"


class Ctx:
    """Per-scenario state: every cluster made here is torn down at the end,
    and its logs are kept in `logs`/<scenario>/cluster<i>/."""

    def __init__(self, name, logs):
        self.name = name
        self.logs = logs
        self.clusters = []
        self.note = ""

    def cluster(self, n=3, all_services=False, skew=False, **kw):
        # A scenario boots every default service but the scheduler, unless
        # it names its own (services=...) or asks for all (all_services):
        # the scheduler's servers, reports and rebalancing are work and
        # moves a scenario about something else does not want (its own
        # part, tests/sched, runs it). Where it does run, rebalancing is
        # off unless the scenario says sched_balance=on.
        args = dict(kw.get("node_args") or {})
        for k in range(1, n + 1):
            a = args.get(k, "")
            if "services=" not in a and not all_services:
                a += " services=" + ",".join(s for s in DEFAULT_SERVICES.split(",")
                                             if s != "schedd")
            if "sched_balance=" not in a:
                a += " sched_balance=off"
            if (skew or os.environ.get("CLUSTER_SKEW")) and "clock_" not in a:
                a += " " + skewed_clock(k)
            args[k] = a.strip()
        kw["node_args"] = args
        c = Cluster(n, **kw)
        self.clusters.append(c)
        c.up()
        return c

    def tails(self, lines=12):
        out = []
        for c in self.clusters:
            if c.dir is None:
                continue
            for k in range(1, c.n + 1):
                if os.path.exists(c.log_path(k)):
                    out.append(f"--- {os.path.basename(c.dir)} node {k} (last {lines} lines):\n"
                               + c.tail(k, lines))
        return "\n".join(out)

    def close(self):
        dest = os.path.join(self.logs, self.name)
        shutil.rmtree(dest, ignore_errors=True)
        for i, c in enumerate(self.clusters):
            if c.dir is None:
                continue
            if os.path.isdir(c.dir):
                d = os.path.join(dest, f"cluster{i}")
                os.makedirs(d, exist_ok=True)
                for f in os.listdir(c.dir):
                    if f.endswith((".log", ".err", ".json")):
                        try:
                            shutil.copy(os.path.join(c.dir, f), d)
                        except OSError:
                            pass
            try:
                c.down()
            except Exception:  # noqa: BLE001 - teardown goes on for the others
                pass


def expect(c, k, cmd, status=0, timeout=30):
    out, st = c.exec(k, cmd, timeout)
    check(st == status, f"node {k}: `{cmd}` exited {st}, expected {status}; output:\n{out}")
    return out


class BackgroundExec:
    """c.exec(k, cmd) running in a thread while the test does other things
    (faults, writes on other nodes); result() waits for it."""

    def __init__(self, c, k, cmd, timeout):
        self.outcome = {}
        self.thread = threading.Thread(target=self._run, args=(c, k, cmd, timeout))
        self.cmd = cmd
        self.thread.start()

    def _run(self, c, k, cmd, timeout):
        try:
            self.outcome["out"] = c.exec(k, cmd, timeout=timeout)
        except ClusterError as e:
            self.outcome["err"] = str(e)

    def result(self, wait):
        """(output, status); Fail if it did not finish in `wait` s or failed."""
        self.thread.join(wait)
        check("out" in self.outcome, f"`{self.cmd}`: {self.outcome.get('err', 'still running')}")
        return self.outcome["out"]


def missing_tools(needs=()):
    """What a cluster scenario needs that this host lacks."""
    miss = []
    if not shutil.which(qemucmd.QEMU):
        miss.append("qemu-system-riscv64")
    if not os.path.exists(clusterlib.KERNEL):
        miss.append("build/kernel.elf")
    if not os.path.exists(clusterlib.SWITCH):
        miss.append("build/host/netswitch")
    for tool in needs:
        if not shutil.which(tool):
            miss.append(tool)
    return miss


def logs_dir(part):
    return os.path.join(ROOT, "build", "test-runs", part)


def run(scenarios, part):
    """Runs the scenarios chosen on the command line; logs go to
    build/test-runs/`part`/. Returns the exit status."""
    logs = logs_dir(part)
    return scenarios.main(make_ctx=lambda name: Ctx(name, logs), missing=missing_tools)
