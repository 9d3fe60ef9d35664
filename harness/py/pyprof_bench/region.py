"""The measured region: one definition for the in-process worker
(harness/worker_main.c) and the launched driver (driver.py).

Samplers that see the whole process (austin, py-spy) keep only the samples
under run_region (its name and this file are the region marker,
formats/collapsed.py)."""


def run_region(start, stop, phases, now, thread_times, process_times, on_phase):
    """Run the phases between start() and stop(), timing each.

    start, stop: the profiler's calls bracketing the region, or None.
    phases: [(callable, args)], run in order on this thread; the first that
        raises ends the region (stop() still runs).
    now(): seconds on a monotonic clock; thread_times() and process_times():
        a sequence whose [0] and [1] are user and system CPU seconds (of this
        thread, of the process): resource.struct_rusage is one.
    on_phase(i): told before phase i starts (the truth recorders), or None.

    Returns (region, phases, failed): region is (wall, start, stop, user,
    sys) where start is the time start() took and stop the time stop()
    took; phases a (wall, user, sys) per phase run; failed None, or (index,
    exception) of the phase that raised. An exception of start() or stop()
    propagates.
    """
    failed = None
    times = []
    p0 = process_times()
    r0 = now()
    if start is not None:
        start()
    r_started = now()
    for i, (f, args) in enumerate(phases):
        if on_phase is not None:
            on_phase(i)
        c0 = thread_times()
        t0 = now()
        try:
            f(*args)
        except BaseException as e:  # the phase's failure, whatever it is
            failed = (i, e)
        t1 = now()
        c1 = thread_times()
        times.append((t1 - t0, c1[0] - c0[0], c1[1] - c0[1]))
        if failed is not None:
            break
    r_stopping = now()
    if stop is not None:
        stop()
    r1 = now()
    p1 = process_times()
    region = (r1 - r0, r_started - r0, r1 - r_stopping, p1[0] - p0[0], p1[1] - p0[1])
    return region, times, failed
