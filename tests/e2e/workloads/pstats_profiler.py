"""A python-api profiler that writes its profile to a file (e2e tests of
`kind: python-api` with output and format: pstats): cProfile enabled at
start, its stats dumped at stop to the path pyprof-bench passes ({output})."""
import cProfile

_prof = None


def start():
    global _prof
    _prof = cProfile.Profile()
    _prof.enable()


def stop(path):
    _prof.disable()
    _prof.dump_stats(path)
