"""native_lib: native code from a real C library, numpy (python3-numpy).

matmul multiplies two n x n float64 matrices `reps` times (BLAS);
vector applies np.sin and a fused multiply-add to a one-million-element
array `reps` times, writing into preallocated arrays (no allocation, so no
page faults in the region). BLAS is held to one thread: its helper threads
would leave the calling thread waiting (off-CPU) and the phase would no
longer be native on the thread that runs it.

Without numpy the workload is skipped with the reason (unittest.SkipTest at
import, which the worker reports as a skip, not a failure).
"""
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

try:
    import numpy as np
except ImportError as e:   # pragma: no cover - depends on the machine
    import unittest
    raise unittest.SkipTest(f"numpy is not importable: {e}")

_X = np.linspace(0.0, 10.0, 1_000_000)
# Written once here so that their pages are touched outside the region.
_Y = np.sin(_X)
_Z = _Y * 2.0
# OpenBLAS allocates its work buffers at the first product: done here, so
# that their page faults (a third of a 10 ms matmul phase's time was kernel
# time, with numpy 2.4's wheel) are outside the region too.
np.matmul(np.ones((512, 512)), np.ones((512, 512)))
# The matrices too: matmul's a, b and out are views of the start of these
# buffers, filled here, so a phase's first call allocates nothing (making
# three fresh 300 x 300 matrices inside the region cost about 500 page
# faults: 3.6-7.4 ms of kernel time in a 22 ms phase, one or two of the
# scheduler ticks that getrusage's system time is counted in). Past
# _MAX_N every call allocates its matrices, inside the region.
_MAX_N = 1024
_rng = np.random.default_rng(1)
_A = _rng.random(_MAX_N * _MAX_N)
_B = _rng.random(_MAX_N * _MAX_N)
_OUT = _A.copy()


def _matrices(n):
    if n > _MAX_N:
        rng = np.random.default_rng(1)
        return rng.random((n, n)), rng.random((n, n)), np.empty((n, n))
    k = n * n
    return _A[:k].reshape(n, n), _B[:k].reshape(n, n), _OUT[:k].reshape(n, n)


def matmul(n, reps):
    # Contiguous views of pre-filled buffers (above): no allocation for
    # n <= _MAX_N.
    a, b, out = _matrices(n)
    for _ in range(reps):
        np.matmul(a, b, out=out)
    return float(out[0, 0])


def vector(reps):
    for _ in range(reps):
        np.sin(_X, out=_Y)
        np.multiply(_Y, 3.0, out=_Z)
        np.add(_Z, _X, out=_Z)
    return float(_Z[-1])
