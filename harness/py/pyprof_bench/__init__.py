"""pyprof-bench's Python half, embedded in the binary (harness/pypkg.h).

What a workload may use (`from pyprof_bench import ...`):

- coroutine_truth: decorator recording the wall time of each call of a
  coroutine function, awaits included (the task view's truth);
- record_requests(latencies_s, window_s): a server workload's client-side
  latencies and serving window, in seconds;
- native_ids: threading.get_ident() -> native TID of every thread seen
  (for adapters whose tool names threads by ident, such as yappi).

The rest is the harness's: loader (workload and phases), region (the
measured region, shared by the worker and the launched driver), truth
(thread and coroutine records), driver (the launched program), names (the
config checks), formats (profile file parsers) and adapters (tool glue).
"""
from .truth import coroutine_truth, native_ids, record_requests

__all__ = ["coroutine_truth", "native_ids", "record_requests"]
