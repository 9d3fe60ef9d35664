"""pyperformance's async_tree benchmark (bm_async_tree), four variants.

asyncio.gather() over a tree 6 levels deep with 6 branches per level;
the leaves do nothing (`none`), sleep 50 ms (`io`), sleep unless 90% of
their data is memoized (`memoization`), or half of them compute a factorial
and the other half do the memoization work (`cpu_io_mixed`). Each function
runs the benchmark's own AsyncTree.run() `loops` times in one event loop,
as pyperf's bench_async_func does; the tree (and its memo cache) is made
once per call.
"""
import asyncio

from pyperformance_loader import load

_bm = load("async_tree")


def _run(variant, loops):
    tree = _bm.BENCHMARKS[variant]()

    async def main():
        for _ in range(loops):
            await tree.run()

    asyncio.run(main())


def none(loops):
    _run("none", loops)


def io(loops):
    _run("io", loops)


def memoization(loops):
    _run("memoization", loops)


def cpu_io_mixed(loops):
    _run("cpu_io_mixed", loops)
