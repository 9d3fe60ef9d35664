"""causality: a profiler is actionable if it sees a change that was made.

Two workloads in the configs share this file and its phases: a base and a
variant (`variant_of:` in the config) that differ only in grows()'s size.
steady_python (a pure loop) and steady_native (a C builtin) do fixed work in
both; grows does twice the work in the variant (about 0.08 s -> 0.16 s on
CPython 3.11 here), so its true share of the region goes from about a third
to about a half. The harness compares the change in share a backend reports
for grows with the measured change (the `response` figure).
"""


def steady_python(n):
    s = 0
    for i in range(n):
        s += i
    return s


def steady_native(n):
    return sum(range(n))


def grows(n):
    s = 0
    for i in range(n):
        s ^= i
    return s
