"""threads: the main thread and worker threads doing different work at once.

In the phase `threads`, the main thread starts two named threads and runs a
pure Python loop while they work:

- `sleeper` sleeps (off-CPU: system);
- `hasher` hashes a large buffer with hashlib.sha256, which releases the
  GIL for buffers over 2 KB, so it runs in parallel with the main thread's
  loop (native).

Then the main thread joins them. The truth of each thread comes from the
worker (pyprof-bench records every threading.Thread's wall, user and kernel
time); the thread's name is its key. Sizes: the loop is longer than the
threads so that the main thread rarely waits in join().
"""
import hashlib
import threading
import time

_BUF = b"\xa5" * (32 << 20)   # 32 MB: about 15-20 ms a hash here


def _sleep(t):
    time.sleep(t)


def _hash(reps):
    h = hashlib.sha256()
    for _ in range(reps):
        h.update(_BUF)
    return h.hexdigest()


def _loop(n):
    s = 0
    for i in range(n):
        s += i
    return s


def threads(n, sleep_s, hash_reps):
    ts = [threading.Thread(target=_sleep, args=(sleep_s,), name="sleeper"),
          threading.Thread(target=_hash, args=(hash_reps,), name="hasher")]
    for t in ts:
        t.start()
    s = _loop(n)
    for t in ts:
        t.join()
    return s
