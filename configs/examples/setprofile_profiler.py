"""A profiler in a few lines of Python, added to pyprof-bench from YAML alone
(configs/tools.yaml, docs/BACKENDS.md "Adding a profiler").

sys.setprofile calls _hook on every call and return of a Python function
(call, return) and of a C function (c_call, c_return, c_exception) in the
thread that started it. Each function's inclusive time (recursion counted
once) and self time are summed by (file, function, first line); results()
gives them to pyprof-bench as rows (file, function, line, inclusive, self,
calls). Calls still open at stop() (the stop call itself) are left out.
"""
import sys
import time

_clock = time.perf_counter
_stats = {}   # (file, function, line) -> [inclusive, self, calls]
_stack = []   # open calls: [key, start time, time spent in callees]


def _hook(frame, event, arg):
    now = _clock()
    if event == "call":
        code = frame.f_code
        _stack.append([(code.co_filename, code.co_name, code.co_firstlineno), now, 0.0])
    elif event == "c_call":
        _stack.append([("<built-in>", getattr(arg, "__qualname__", str(arg)), 0), now, 0.0])
    elif _stack:   # return, c_return, c_exception of an open call
        key, start, callees = _stack.pop()
        elapsed = now - start
        s = _stats.setdefault(key, [0.0, 0.0, 0])
        if all(open_call[0] != key for open_call in _stack):
            s[0] += elapsed
        s[1] += elapsed - callees
        s[2] += 1
        if _stack:
            _stack[-1][2] += elapsed


def start():
    _stats.clear()
    _stack.clear()
    sys.setprofile(_hook)


def stop():
    sys.setprofile(None)


def results():
    return [(file, name, line, incl, self_s, calls)
            for (file, name, line), (incl, self_s, calls) in _stats.items()]
