#!/usr/bin/python3
"""End-to-end tests: run the real pyprof-bench binary on real configs.

Usage: tests/e2e/run.py [--binary ./pyprof-bench] [--test-binary build/test/pyprof-bench-test]
                        [-k SUBSTRING] [--no-figures | --only-figures]
The tests live in tests/e2e/test_*.py, one module per feature (cli, outputs,
accuracy, overhead, gate, backends, reliability), helpers in common.py. Each
test is a function named test_*; the closing line is
'e2e: N passed, N failed, N skipped'. A test that cannot run here raises
common.Skip with the reason (counted as skipped, never passed). Tests of the
test build (fault injection, test-only backends) are skipped without
--test-binary. --no-figures leaves out the tests marked common.figures
(their subject is measured figures: the sanitized build's pass),
--only-figures runs only those; the closing line counts those left out.
"""
import argparse
import glob
import importlib
import os
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import common  # noqa: E402


def collect(k):
    """(module, name, function) of every test whose name contains k."""
    tests = []
    for path in sorted(glob.glob(os.path.join(HERE, "test_*.py"))):
        mod = importlib.import_module(os.path.basename(path)[:-3])
        for name, fn in sorted(vars(mod).items()):
            if name.startswith("test_") and callable(fn) and k in name:
                tests.append((mod.__name__, name, fn))
    return tests


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=os.path.join(common.ROOT, "pyprof-bench"))
    ap.add_argument("--test-binary", default=None,
                    help="the test build (fault injection, test-only backends)")
    ap.add_argument("-k", default="")
    ap.add_argument("--no-figures", action="store_true",
                    help="leave out the tests of measured figures (common.figures)")
    ap.add_argument("--only-figures", action="store_true",
                    help="run only those (tests/e2e/coverage.py)")
    a = ap.parse_args()
    common.BINARY = os.path.abspath(a.binary)
    common.TEST_BINARY = os.path.abspath(a.test_binary) if a.test_binary else None
    passed = failed = skipped = 0
    tests = collect(a.k)
    left_out = [t for t in tests if
                (a.no_figures and getattr(t[2], "figures", False)) or
                (a.only_figures and not getattr(t[2], "figures", False))]
    for module, name, fn in tests:
        if (module, name, fn) in left_out:
            continue
        t0 = time.monotonic()
        try:
            fn()
        except common.Skip as e:
            skipped += 1
            print(f"SKIP {module}.{name}: {e}")
        except Exception:
            failed += 1
            print(f"FAIL {module}.{name} ({time.monotonic() - t0:.1f} s)")
            traceback.print_exc()
        else:
            passed += 1
            print(f"ok   {module}.{name} ({time.monotonic() - t0:.1f} s)")
        sys.stdout.flush()
    if a.no_figures and left_out:
        print(f"left out (--no-figures): {', '.join(n for _, n, _ in left_out)}")
    print(f"e2e: {passed} passed, {failed} failed, {skipped} skipped"
          + (f", {len(left_out)} left out" if left_out else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
