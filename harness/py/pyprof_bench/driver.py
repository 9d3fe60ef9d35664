"""The launched driver: runs a workload's phases inside a program started by
a launcher tool (harness/launch.h) and writes the measured region's timings.

Usage: driver.py TIMINGS WORKLOAD REGION_MODULE [FUNC ARGS]...
REGION_MODULE ("" for none) is imported and its start() and stop() bracket
the region. It must not import anything the workload might notice beyond
what the worker does."""
import functools
import importlib
import os
import resource
import sys
import time

from . import loader, truth
from .region import run_region


def _field(x):
    """x as one field of a timings line: no line break, no tab (the task
    line's separator); other characters, runs of spaces included, kept, so
    a thread's name is the worker's key for it."""
    return str(x).replace("\r", " ").replace("\n", " ").replace("\t", " ")


def main(argv):
    out, path, region_module, specs = argv[1], argv[2], argv[3], argv[4:]
    rec = []

    def finish():
        # the program's own CPU, all threads, at its end: the launched
        # sampler's share is the process tree's CPU (wait4) minus this
        ru = resource.getrusage(resource.RUSAGE_SELF)
        rec.append("process %.9f\n" % (ru.ru_utime + ru.ru_stime))
        with open(out + ".tmp", "w") as f:
            f.write("".join(rec))
        os.replace(out + ".tmp", out)

    try:
        # The threads' truth, as in the worker (before the workload's import)
        truth.install()
        script = specs[:1] == [loader.MAIN_SCRIPT]
        mod = loader.load(path, not script)
        phases = []
        for i in range(0, len(specs), 2):
            f, args, _, _ = loader.phase(mod, specs[i], specs[i + 1])
            phases.append((f, args))
        hooks = importlib.import_module(region_module) if region_module else None
    except BaseException as e:
        rec.append(f"error -1 {loader.one_line(e)}\n")
        finish()
        return
    region, times, failed = run_region(
        hooks.start if hooks else None, hooks.stop if hooks else None, phases,
        time.perf_counter, functools.partial(resource.getrusage, resource.RUSAGE_THREAD),
        functools.partial(resource.getrusage, resource.RUSAGE_SELF), truth.set_phase)
    rec.append("region %.9f %.9f %.9f %.9f %.9f\n" % region)
    for i, (w, u, s) in enumerate(times):
        rec.append("phase %d %.9f %.9f %.9f\n" % (i, w, u, s))
    # Every thread record made so far (as the worker reads its own);
    # the name last, as it may hold spaces.
    for p, name, tid, w, u, s in truth.thread_records:
        rec.append("thread %d %d %.9f %.9f %.9f %s\n" % (p, tid, w, u, s, _field(name) or "?"))
    # Every coroutine call coroutine_truth timed (the task view): the
    # qualified name, function and file, tab-separated, last.
    for p, qual, file, func, w in truth.task_records:
        rec.append("task %d %.9f %s\n" % (p, w, "\t".join(map(_field, (qual, func, file)))))
    for lats, window in truth.request_records:
        rec.extend("latency %.9f\n" % x for x in lats)
        rec.append("window %.9f\n" % window)
    if failed:
        rec.append(f"error {failed[0]} {loader.one_line(failed[1])}\n")
    finish()


if __name__ == "__main__":
    main(sys.argv)
