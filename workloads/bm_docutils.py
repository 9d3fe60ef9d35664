"""pyperformance's docutils benchmark (bm_docutils): Docutils' own
documentation (shipped in the benchmark's data/docs) rendered from
reStructuredText to HTML5, `loops` times, by the benchmark's bench_docutils.
"""
from pyperformance_loader import load

_bm = load("docutils")


def docutils(loops):
    _bm.bench_docutils(loops, _bm.DOC_ROOT)
