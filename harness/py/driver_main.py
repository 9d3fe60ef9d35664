# pyprof-bench's launcher driver, written with the pyprof_bench package
# beside it into a private folder (harness/launch.c): runs a workload's
# phases inside the profiled program and writes the region's timings.
import os
import sys

sys.dont_write_bytecode = True
_here = os.path.dirname(os.path.abspath(__file__))
if _here not in sys.path:
    sys.path.insert(0, _here)
from pyprof_bench.driver import main  # noqa: E402

main(sys.argv)
