# pyprof-bench's launcher driver, written with the pyprof_bench package
# beside it into a private folder (harness/launch.c): runs a workload's
# phases inside the profiled program and writes the region's timings.
import os
import sys
# threading before anything else: the thread truth (pyprof_bench.truth)
# needs it, and imported later, just before the workload, its freed module
# code object's address was taken by the workload's first function, which
# austin 3.7 then named "<module>" from its cache of code names by address
# (3 of 12 pure_loop runs; 0 of 12 with this import here).
import threading  # noqa: F401

sys.dont_write_bytecode = True
_here = os.path.dirname(os.path.abspath(__file__))
if _here not in sys.path:
    sys.path.insert(0, _here)
from pyprof_bench.driver import main  # noqa: E402

main(sys.argv)
