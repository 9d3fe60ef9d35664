"""many_small: many short calls, the event-heavy case for tracers.

small_builtins calls tiny C builtins (len, abs, min, isinstance) n times
each; small_functions calls two tiny Python functions n times. Each call
lasts tens of nanoseconds, so a tracing profiler's per-event cost dominates
and a sampler sees mostly the loop. Both are declared `python`: the eval
loop, not the builtins, is most of the time.
"""


def _add(a, b):
    return a + b


def _double(x):
    return _add(x, x)


def small_builtins(n):
    s = 0
    xs = (1, 2, 3)
    for i in range(n):
        s += len(xs) + abs(-i) + min(i, 3)
        if isinstance(i, int):
            s += 1
    return s


def small_functions(n):
    s = 0
    for i in range(n):
        s = _double(i) - s
    return s
