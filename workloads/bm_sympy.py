"""pyperformance's sympy benchmark (bm_sympy): its four measurements
(expand, integrate, sum, str) in turn, each by the benchmark's bench_sympy
(which clears SymPy's cache before every call), `loops` times each.
pyperformance runs them with the garbage collector disabled (in its
__main__ block); here the collector stays as the worker leaves it, the same
for the profiled and the unprofiled runs.
"""
from pyperformance_loader import load

_bm = load("sympy")


def sympy(loops):
    for name in _bm.BENCHMARKS:
        _bm.bench_sympy(loops, getattr(_bm, "bench_" + name))
