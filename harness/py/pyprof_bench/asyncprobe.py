"""The sampler's asyncio task view (backends/sampling.c), outside the
region, with the GIL."""
import sys


def probe():
    """When the program has imported asyncio: (its set of all tasks' data,
    the Task type, a real Task made on a stand-in loop that schedules
    nothing, that Task's coroutine), for the sampler to check the Task layout
    against; the caller closes the coroutine. None otherwise."""
    if "asyncio" not in sys.modules or "_asyncio" not in sys.modules:
        return None
    import _asyncio
    import asyncio.tasks

    s = asyncio.tasks._all_tasks
    if s is not _asyncio._all_tasks:
        return None

    class Loop:
        def get_debug(self):
            return False

        def call_soon(self, *a, **k):
            return None

        def call_exception_handler(self, c):
            pass

    async def c():
        pass

    co = c()
    t = _asyncio.Task(co, loop=Loop())
    t._log_destroy_pending = False
    return (s.data, _asyncio.Task, t, co)
