"""line_profiler (pip: line-profiler) as a declared python-api backend
(configs/tools/line_profiler.yaml): what to instrument, decided at start(),
and its line timings summed per function for result().

line_profiler times only the functions it is given. The rule here needs no
list per workload: at start(), the workload's own module (the module whose
file is the workload file, sys.argv[0] in the worker) and every module bound
in that module's globals that is not part of the standard library (for the
pyperformance workloads, the benchmark's run_benchmark.py that
workloads/pyperformance_loader.py loads) are given to
LineProfiler.add_module() with the scoping policy "children": the functions
and classes (their methods) defined in those modules, not what they import.
Code they call in other modules (docutils, sympy, asyncio) runs
uninstrumented, as with kernprof's --prof-mod on the script.

Each line's time includes the calls it makes, so a function's lines sum to
its inclusive time; a recursive function's nested calls are counted again at
every level. line_profiler has no self time: the rows give self 0.
"""
import os
import sys
import sysconfig
import types

from line_profiler import LineProfiler

_STDLIB = tuple(os.path.realpath(sysconfig.get_paths()[k]) + os.sep
                for k in ("stdlib", "platstdlib"))
_SITE = tuple(os.path.realpath(sysconfig.get_paths()[k]) + os.sep
              for k in ("purelib", "platlib"))

_profiler = None


def _file(mod):
    f = getattr(mod, "__file__", None)
    return os.path.realpath(f) if f else None


def _in_stdlib(mod):
    f = _file(mod)
    if f is None:
        return True   # built-in or namespace: nothing for line_profiler
    return f.startswith(_STDLIB) and not f.startswith(_SITE)


def workload_modules():
    """The workload's module and the non-standard-library modules its
    globals name, the workload's first."""
    path = os.path.realpath(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    workload = next((m for m in list(sys.modules.values())
                     if isinstance(m, types.ModuleType) and _file(m) == path), None)
    if workload is None:
        raise RuntimeError(f"no imported module is the workload file {path!r}")
    mods = [workload]
    for value in vars(workload).values():
        if (isinstance(value, types.ModuleType) and value not in mods
                and not _in_stdlib(value)):
            mods.append(value)
    return mods


def start():
    global _profiler
    profiler = LineProfiler()
    added = sum(profiler.add_module(m, scoping_policy="children")
                for m in workload_modules())
    if not added:
        raise RuntimeError("line_profiler: the workload's modules define no "
                           "function to profile")
    _profiler = profiler
    profiler.enable_by_count()


def stop():
    _profiler.disable_by_count()


def results():
    """(file, function, first line, inclusive s, self s, hits of the first
    timed line) per function line_profiler timed."""
    stats = _profiler.get_stats()
    rows = []
    for (file, first_line, name), lines in stats.timings.items():
        if not lines:
            continue
        inclusive = sum(t for _, _, t in lines) * stats.unit
        calls = min(lines)[1]   # the hits of its first timed line
        rows.append((file, name, first_line, inclusive, 0.0, calls))
    return rows
