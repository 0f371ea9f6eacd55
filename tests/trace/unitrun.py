"""The runner of tests/trace/test_*.py: plain unittest test cases, reported
one line per test as the other parts do: `PASS name (0.1 s)`, `SKIP name:
why` or `FAIL name: why` (then the traceback, indented), and last
`N passed, M failed`. A test's name is its method's without `test_`,
prefixed by `prefix`; only those containing the filter (argv[1]) run.
Under CI=true a skip counts as a failure: CI must not pass by not testing."""
import os
import sys
import time
import unittest

CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def run(cases, prefix, argv=None):
    """Runs every test method of the TestCase classes `cases`; returns the
    exit status (1 if any failed)."""
    argv = sys.argv if argv is None else argv
    flt = argv[1] if len(argv) > 1 else ""
    passed = failed = 0
    loader = unittest.TestLoader()
    for case in cases:
        for method in loader.getTestCaseNames(case):
            name = prefix + method[len("test_"):]
            if flt not in name:
                continue
            result = unittest.TestResult()
            start = time.monotonic()
            case(method).run(result)
            took = time.monotonic() - start
            problems = result.failures + result.errors
            if problems:
                failed += 1
                _, tb = problems[0]
                last = [ln for ln in tb.strip().splitlines() if ln.strip()][-1]
                print(f"FAIL {name}: {last}")
                for ln in tb.rstrip().splitlines():
                    print("    " + ln)
            elif result.skipped:
                why = result.skipped[0][1]
                if CI:
                    failed += 1
                    print(f"FAIL {name}: skipped under CI=true: {why}")
                else:
                    print(f"SKIP {name}: {why}")
            else:
                passed += 1
                print(f"PASS {name} ({took:.1f} s)")
            sys.stdout.flush()
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0
