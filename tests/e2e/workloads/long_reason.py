"""A phase that fails with a long message, and one that spends its time in C
while declared python: the table must show the whole reason, and warn that
the declaration looks wrong."""
import collections
import csv


def fail_long(n):
    raise RuntimeError("this message is long on purpose: " + " ".join(
        f"word{i}" for i in range(n)) + " END-OF-REASON")


def _csv_lines(rows):
    return [",".join(str(i * j) for j in range(20)) for i in range(rows)]


# Made at import, before the region: made in the phase, the text's 2 MB of
# new pages cost about 10% of the phase in the kernel, which put the
# phase's truth on the 90%-user-CPU rule of a python declaration (89% in
# CI); so did a StringIO copy of it a pass under AddressSanitizer's
# allocator (81%).
_LINES = {20000: _csv_lines(20000)}


def parse_csv(rows):
    """csv.reader is C: a phase declared python that is really native. Each
    pass is one call (a deque of length 0 runs the reader in C, keeping no
    row, so the same few blocks are reused) over lines made at import."""
    lines = _LINES.get(rows) or _csv_lines(rows)
    for _ in range(6):
        collections.deque(csv.reader(lines), maxlen=0)
    return rows
