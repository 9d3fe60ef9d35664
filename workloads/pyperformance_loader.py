"""The benchmark code of the installed pyperformance package, for the
bm_*.py workloads (configs/pyperformance.yaml).

load(NAME) imports pyperformance's own
data-files/benchmarks/bm_NAME/run_benchmark.py as a module (its
`if __name__ == "__main__":` block, pyperf's runner, is not run), so a
workload calls the benchmark's functions directly in the worker's process.
When pyperformance, the benchmark or one of its imports (docutils, sympy,
pyperf) is missing, it raises unittest.SkipTest with the reason: every row of
that workload is then `skipped`, not failed.
"""
import importlib.util
import os
import unittest


def load(name):
    try:
        import pyperformance
    except ImportError as e:
        raise unittest.SkipTest(f"pyperformance is not importable: {e}") from None
    path = os.path.join(pyperformance.DATA_DIR, "benchmarks", f"bm_{name}",
                        "run_benchmark.py")
    if not os.path.isfile(path):
        raise unittest.SkipTest(f"pyperformance {pyperformance.__version__} has no "
                                f"benchmark {name!r} (no {path})")
    spec = importlib.util.spec_from_file_location(f"pyperformance_bm_{name}", path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except ImportError as e:
        raise unittest.SkipTest(f"pyperformance benchmark {name!r} cannot be "
                                f"imported: {e}") from None
    return module
