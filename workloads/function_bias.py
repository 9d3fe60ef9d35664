"""function_bias: the same arithmetic with and without a call per iteration
(the function-bias test of the Scalene paper, OSDI 2023).

with_calls calls the small function _step once per iteration; inlined does
the same arithmetic in the loop body. The configs size them so each takes
about half of the region unprofiled (a call costs about as much as the
arithmetic here, so with_calls does fewer iterations). A tracing profiler
pays its per-event cost inside with_calls only and so over-reports it; the
FAE column shows by how much.
"""


def _step(s, i):
    return (s + i * 7) % 1000003


def with_calls(n):
    s = 0
    for i in range(n):
        s = _step(s, i)
    return s


def inlined(n):
    s = 0
    for i in range(n):
        s = (s + i * 7) % 1000003
    return s
