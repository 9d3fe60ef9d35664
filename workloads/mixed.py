"""mixed: the seed's workload, the three categories in sequence.

f1 is pure Python, f2 a C builtin, f3 a sleep; the reference config sizes
them so each takes a comparable share of the region (about 0.1 s each here).
"""
import time


def f1(n):
    s = 0
    for i in range(n):
        s += i
    return s


def f2(n):
    return sum(range(n))


def f3(t):
    time.sleep(t)
