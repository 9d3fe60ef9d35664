"""pyperformance's fannkuch benchmark (bm_fannkuch): the benchmark's
fannkuch(DEFAULT_ARG) (n = 9), called `loops` times as pyperf's bench_func
would.
"""
from pyperformance_loader import load

_bm = load("fannkuch")


def fannkuch(loops):
    for _ in range(loops):
        _bm.fannkuch(_bm.DEFAULT_ARG)
