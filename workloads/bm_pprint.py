"""pyperformance's pprint benchmark (bm_pprint): its two measurements, the
PrettyPrinter's _safe_repr (where this Python has it) and pformat of a
100,000-item list, each once per loop.
"""
from pyperformance_loader import load

_bm = load("pprint")


def pprint(loops):
    p, printable = _bm.p, _bm.printable
    for _ in range(loops):
        if hasattr(p, "_safe_repr"):
            p._safe_repr(printable, {}, None, 0)
        p.pformat(printable)
