"""Truth of threads, coroutines and requests, recorded in every run
(baseline and profiled alike) and read by the worker after the region."""

# The phase running now (-1: none); the worker sets it before each phase.
current_phase = [-1]
# (phase, thread name, native TID, wall, user, sys) per threading.Thread.
thread_records = []
# (phase, qualified name, file, function, wall) per coroutine_truth call.
task_records = []
# ([latency seconds...], window seconds) per record_requests call.
request_records = []
# threading.get_ident() -> native TID of every thread seen (after install()).
native_ids = {}


def install():
    """Wrap the whole life of every threading.Thread (subclasses too). The
    record is appended before the thread's state is released, so a join()
    that returned has it."""
    import resource
    import threading
    import time

    ru, mono, rusage = resource.RUSAGE_THREAD, time.monotonic, resource.getrusage
    orig = threading.Thread._bootstrap_inner
    native_ids[threading.get_ident()] = threading.get_native_id()

    def _bootstrap_inner(self):
        native_ids[threading.get_ident()] = threading.get_native_id()
        p = current_phase[0]
        r0 = rusage(ru)
        t0 = mono()
        try:
            orig(self)
        finally:
            t1 = mono()
            r1 = rusage(ru)
            thread_records.append((p, self.name, threading.get_native_id(), t1 - t0,
                                   r1.ru_utime - r0.ru_utime, r1.ru_stime - r0.ru_stime))

    threading.Thread._bootstrap_inner = _bootstrap_inner


def coroutine_truth(f):
    """The wall time of each call of the decorated coroutine function,
    awaits included (the task view)."""
    import functools
    import time

    mono = time.monotonic
    code = f.__code__

    @functools.wraps(f)
    async def timed(*a, **k):
        p = current_phase[0]
        t0 = mono()
        try:
            return await f(*a, **k)
        finally:
            task_records.append((p, f.__qualname__, code.co_filename, code.co_name,
                                 mono() - t0))

    return timed


def record_requests(latencies_s, window_s):
    """A server workload's client-side latencies and serving window
    (seconds)."""
    request_records.append(([float(x) for x in latencies_s], float(window_s)))


def set_phase(i):
    current_phase[0] = i

