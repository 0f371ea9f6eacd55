"""What the labs' Python graders share (labs/README.md): relaying the PASS
and FAIL lines a checker program printed, and the report every grader
ends with."""


def relay(output, results, missing_name, missing_why):
    """Add each `PASS name` / `FAIL name: why` line of output to results as
    (name, ok, why); if there is none, one failure called missing_name."""
    lines = [l for l in output.split("\n") if l.startswith(("PASS ", "FAIL "))]
    if not lines:
        results.append((missing_name, False, missing_why))
    for l in lines:
        name, _, why = l[5:].partition(": ")
        results.append((name, l.startswith("PASS"), why))


def report(results):
    """Print each result and the `N passed, N failed` line; the exit status."""
    passed = sum(1 for _, ok, _ in results if ok)
    for name, ok, why in results:
        print(f"PASS {name}" if ok else f"FAIL {name}: {why}")
    print(f"{passed} passed, {len(results) - passed} failed")
    return 0 if passed == len(results) else 1
