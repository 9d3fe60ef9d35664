"""deep_stack: a phase that runs at the bottom of a deep Python stack, and
threads that each run a loop, for the sampler's cost by depth and threads.

- `deep(depth, n)` recurses `depth` frames (`_down`), then runs a pure
  Python loop of n steps there: every sample sees the same deep stack root
  (the phase, then the recursion) under a changing leaf. The recursion limit
  is raised for the call and restored.
- `shallow(n)` runs the same loop at the top: a second phase, so that FAE
  weighs the deep phase against something (a sampler that loses the phase
  frame of deep stacks scores near 100).
- `loopers(nthreads, n)` starts nthreads threads named `looper` that wait
  for each other, then each run a loop of n steps in slices of 20,000,
  sleeping 0 s between slices so that the GIL goes round and every thread
  stays alive for the whole phase; then it joins them.
- `numbered(nthreads, n)` is loopers() with the threads' default names
  (`Thread-7 (_sliced)`): a key each in every run, grouped by name pattern
  in the tables when there are many.
- `waiting(nthreads, n)` starts nthreads threads named `waiter` that wait
  on an event while the main thread runs a loop of n steps, then sets it
  and joins them: an idle thread pool beside busy code, where every
  waiter's stack stays as it was between samples.
- `hashing(nthreads, megabytes)` starts nthreads threads named `hasher`
  that each hash a shared buffer of that many megabytes four times
  (hashlib releases the GIL over the whole buffer), then joins them:
  threads busy in C code without the GIL, whose Python stacks stay put.
- `long_run(seconds)` loops through a few Python functions (three distinct
  stacks) for that many seconds: a long region, for the sampler's memory.
"""
import hashlib
import sys
import threading
import time


def _loop(n):
    s = 0
    for i in range(n):
        s += i
    return s


def _down(k, n):
    if k > 1:
        return _down(k - 1, n)
    return _loop(n)


def deep(depth, n):
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, depth + 1000))
    try:
        return _down(depth, n)
    finally:
        sys.setrecursionlimit(old)


def shallow(n):
    return _loop(n)


def _sliced(start, n):
    start.wait()
    while n > 0:
        _loop(min(n, 20000))
        n -= 20000
        time.sleep(0)


def _run_threads(nthreads, n, name):
    start = threading.Barrier(nthreads)
    ts = [threading.Thread(target=_sliced, args=(start, n), name=name)
          for _ in range(nthreads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()


def loopers(nthreads, n):
    _run_threads(nthreads, n, "looper")


def numbered(nthreads, n):
    _run_threads(nthreads, n, None)


def waiting(nthreads, n):
    go = threading.Event()
    ts = [threading.Thread(target=go.wait, name="waiter") for _ in range(nthreads)]
    for t in ts:
        t.start()
    _loop(n)
    go.set()
    for t in ts:
        t.join()


def _hash(data, times):
    for _ in range(times):
        hashlib.sha256(data).digest()


def hashing(nthreads, megabytes):
    data = b"x" * (megabytes << 20)
    ts = [threading.Thread(target=_hash, args=(data, 4), name="hasher")
          for _ in range(nthreads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()


def _twice(n):
    return _loop(n)


def long_run(seconds):
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        _loop(20000)
        _twice(20000)
        _down(20, 20000)
