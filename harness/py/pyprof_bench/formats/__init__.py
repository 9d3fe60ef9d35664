"""Parsers of the profile files tools write.

read(fmt, data, interval) -> (total, rows): total is the region's seconds
(None when the file cannot tell: the caller sums the rows), rows are
(file, function, line, thread, inclusive, self, count) tuples, seconds.
Every parser raises ValueError, and only ValueError, on a malformed file.
Chrome trace JSON is read in C (backends/chrome_trace.c)."""

from . import collapsed, pstats_file, speedscope

FORMATS = ("collapsed", "austin", "speedscope", "pstats")


def read(fmt, data, interval):
    """data: the file's bytes; interval: seconds per sample count (collapsed)."""
    try:
        if fmt == "collapsed":
            return collapsed.rows("folded", data, interval)
        if fmt == "austin":
            return collapsed.rows("austin", data, interval)
        if fmt == "speedscope":
            return speedscope.rows(data)
        if fmt == "pstats":
            return pstats_file.rows(data)
    except ValueError:
        raise
    except (TypeError, KeyError, IndexError, AttributeError, EOFError, OverflowError,
            RecursionError, UnicodeDecodeError) as e:
        raise ValueError(f"malformed {fmt} file ({type(e).__name__}: {e})") from None
    raise ValueError(f"unknown format {fmt!r} (expected: {', '.join(FORMATS)}, chrome-trace)")


def region_total(rows):
    """The inclusive seconds of the region marker (region.py's run_region) in
    a whole-program profile, or None when it is not there."""
    for r in rows:
        if r[1] == collapsed.MARK_NAME and r[0].endswith(collapsed.MARK_FILE):
            return r[4]
    return None
