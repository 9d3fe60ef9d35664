"""pyperformance's raytrace benchmark (bm_raytrace): the benchmark's
bench_raytrace at its default 100 x 100 canvas, `loops` renders.
"""
from pyperformance_loader import load

_bm = load("raytrace")


def raytrace(loops):
    _bm.bench_raytrace(loops, _bm.DEFAULT_WIDTH, _bm.DEFAULT_HEIGHT, None)
