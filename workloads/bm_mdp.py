"""pyperformance's mdp benchmark (bm_mdp): a Markov decision process of a
battle game solved `loops` times by the benchmark's bench_mdp (which checks
its result).
"""
from pyperformance_loader import load

_bm = load("mdp")


def mdp(loops):
    _bm.bench_mdp(loops)
