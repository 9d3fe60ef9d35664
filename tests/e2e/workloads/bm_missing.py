"""A pyperformance workload whose benchmark the installed package does not
have: the loader raises unittest.SkipTest at import, so every row is skipped
with its reason (tests/e2e/test_pyperformance.py)."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                                "workloads"))

from pyperformance_loader import load  # noqa: E402

_bm = load("no_such_benchmark")


def run(loops):
    for _ in range(loops):
        _bm.main()
