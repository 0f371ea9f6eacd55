"""The one runner of the project's Python tests (standard library only):
tests/cluster/run.py (one QEMU node per scenario), tests/net/run.py and the
services' cluster.py files (QEMU clusters, through tests/common/clusterctx.py)
and tests/netswitch/run.py (the switch against fake nodes) all register their
scenarios here and hand the run to `Scenarios.main`.

    registry = Scenarios()
    @registry(limit_s, needs=("tshark",))   # or bare @registry: the default limit
    def name(ctx): ...
    sys.exit(registry.main(make_ctx=..., missing=...))

`main` runs every scenario whose name contains the first command-line
argument, each under its own time limit (SIGALRM), and prints one line per
scenario: `PASS name (1.2 s)` (with the scenario's `ctx.note` after the
time, if it set one), `SKIP name: why` or `FAIL name: reason`, then on a
failure what the context shows of it (`ctx.tails()`, the last console lines);
it ends with exactly `N passed, M failed` and returns 1 if anything failed.
A scenario whose tools are missing (`missing(needs)` names them) is skipped,
except under CI=true, where that is a failure: CI must never pass by running
nothing. The context is closed (`ctx.close()`: clusters torn down, logs kept)
after every scenario, passed or not, within its own time limit.
"""
import os
import signal
import time
import traceback


class Fail(Exception):
    """A scenario's check failed: the message is the reason printed."""


class Skip(Exception):
    """The scenario cannot run here (and CI is not set)."""


class TimeLimit(BaseException):
    """SIGALRM: a scenario (or its teardown) ran out of time. BaseException,
    so an `except Exception` in a scenario does not swallow it."""


def check(cond, msg):
    if not cond:
        raise Fail(msg)


CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
TEARDOWN_LIMIT_S = 60


def _on_alarm(signum, frame):
    raise TimeLimit()


class _NoCtx:
    note = ""


class Scenarios:
    """A list of scenarios, in the order they were defined."""

    def __init__(self, default_limit=120, reasons=()):
        # reasons: exception classes besides Fail whose message is reason
        # enough (a cluster error, a node's timeout); any other exception
        # is a broken test, reported with its traceback.
        self.items = []
        self.default_limit = default_limit
        self.reasons = (Fail,) + tuple(reasons)

    def __call__(self, limit=None, needs=()):
        if callable(limit):  # used bare: @registry
            self.items.append((limit, self.default_limit, ()))
            return limit

        def register(fn):
            self.items.append((fn, limit or self.default_limit, tuple(needs)))
            return fn
        return register

    def names(self):
        return [fn.__name__ for fn, _, _ in self.items]

    def _reason(self, e):
        if isinstance(e, self.reasons):
            return str(e)
        return traceback.format_exc().rstrip()

    def main(self, argv=None, make_ctx=None, missing=None):
        """Runs the chosen scenarios: fn(ctx) with ctx = make_ctx(name), or
        fn() when there is no make_ctx. missing(needs) lists what this host
        lacks for a scenario that needs `needs`. Returns the exit status."""
        import sys
        argv = sys.argv[1:] if argv is None else argv
        flt = argv[0] if argv else ""
        signal.signal(signal.SIGALRM, _on_alarm)
        passed = failed = 0
        for fn, limit, needs in self.items:
            name = fn.__name__
            if flt not in name:
                continue
            lack = missing(needs) if missing else []
            if lack:
                if CI:
                    print(f"FAIL {name}: missing {', '.join(lack)} (CI=true)", flush=True)
                    failed += 1
                else:
                    print(f"SKIP {name}: missing {', '.join(lack)}", flush=True)
                continue
            err, skipped, ctx = None, None, _NoCtx()
            start = time.monotonic()
            signal.alarm(limit)
            try:
                if make_ctx:
                    ctx = make_ctx(name)
                    fn(ctx)
                else:
                    fn()
            except TimeLimit:
                err = f"time limit of {limit} s exceeded"
            except Skip as e:
                skipped = str(e)
            except Exception as e:  # noqa: BLE001 - any error fails the scenario
                err = self._reason(e)
            finally:
                signal.alarm(0)
            tails = ""
            if err is not None and hasattr(ctx, "tails"):
                try:
                    tails = ctx.tails()
                except Exception:  # noqa: BLE001 - the report must still print
                    tails = ""
            if hasattr(ctx, "close"):
                try:
                    signal.alarm(TEARDOWN_LIMIT_S)
                    ctx.close()
                except TimeLimit:
                    err = (err or "") + f" (teardown exceeded {TEARDOWN_LIMIT_S} s)"
                finally:
                    signal.alarm(0)
            took = time.monotonic() - start
            if skipped is not None and err is None:
                if CI:
                    print(f"FAIL {name}: cannot run: {skipped} (CI=true)", flush=True)
                    failed += 1
                else:
                    print(f"SKIP {name}: {skipped}", flush=True)
            elif err is None:
                passed += 1
                note = f", {ctx.note}" if getattr(ctx, "note", "") else ""
                print(f"PASS {name} ({took:.1f} s{note})", flush=True)
            else:
                failed += 1
                print(f"FAIL {name}: {err}", flush=True)
                if tails:
                    print(tails, flush=True)
        print(f"{passed} passed, {failed} failed", flush=True)
        return 1 if failed else 0
