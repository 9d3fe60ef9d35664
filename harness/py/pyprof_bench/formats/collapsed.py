"""Collapsed stacks as austin and py-spy (--format raw) write them: one
sample line per stack, frames root first separated by ';', then a space and
the metric.

austin: "P<pid>;T<iid>:<tid>;<file>:<function>:<line>;... <microseconds>"
py-spy: "thread (<tid>)[: <name>];<function> (<file>:<line>);... <samples>"
        (--threads: the native TID first; without it, no thread frame)
folded: py-spy's form, where a frame that is not "<function> (<file>:<line>)"
        is a function of its own name (Brendan Gregg's folded stacks)
"""
import re

PYSPY = re.compile(r"^(.*) \((.*?)(?::(\d+))?\)$")
PYSPY_THREAD = re.compile(r"^thread \((\d+)\)(?:: (.*))?$")

# The region marker (region.py's run_region): on the main thread only the
# frames from it down count, and a main-thread sample without it is outside
# the region.
MARK_NAME = "run_region"
MARK_FILE = "pyprof_bench/region.py"


def frames(tool, stack):
    """([(file, function, line)] root first, thread id, is the main thread:
    True, False, or None when only the whole file can tell (py-spy's
    threads: see rows()))."""
    if tool == "austin":
        parts = stack.split(";")
        tid = parts[1].rpartition(":")[2] if len(parts) > 1 else ""
        pid = parts[0][1:]
        out = []
        for fr in parts[2:]:
            p = fr.rsplit(":", 2)
            if len(p) == 3 and p[1]:
                out.append((p[0], p[1].rsplit(".", 1)[-1], int(p[2]) if p[2].isdigit() else 0))
        return out, (int(tid) if tid.isdigit() else 0), tid == pid
    out = []
    parts = stack.split(";")
    th = PYSPY_THREAD.match(parts[0]) if tool == "py-spy" else None
    if th:
        parts = parts[1:]
    for fr in parts:
        m = PYSPY.match(fr)
        if m:
            out.append((m.group(2), m.group(1).rsplit(".", 1)[-1], int(m.group(3) or 0)))
        elif tool == "folded" and fr:
            out.append(("", fr, 0))
    if th:
        return out, int(th.group(1)), (True if th.group(2) == "MainThread" else None)
    return out, 0, True


def _marked(fs):
    """The index of the region marker's frame in fs, or None."""
    return next((i for i, f in enumerate(fs)
                 if f[1] == MARK_NAME and f[0].endswith(MARK_FILE)), None)


def rows(tool, raw, interval):
    """(total seconds, [(file, function, line, thread, inclusive, self,
    samples)]) of the region's samples; raw is the file's bytes, interval
    py-spy's sampling interval (austin's metric is microseconds); tool is
    "austin", "py-spy" or "folded"."""
    # A sample line can carry bytes that are not UTF-8 (austin 3.7 read a
    # frame's name mid-update once): the line keeps its metric.
    text = raw.decode("utf-8", "replace")
    # Folded stacks of a program not run by the driver have no marker: all
    # of them count.
    unmarked = tool == "folded" and MARK_FILE not in text
    samples = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        stack, _, metric = line.rpartition(" ")
        try:
            v = float(metric)
        except ValueError:
            continue
        if not 0 <= v < float("inf"):
            raise ValueError(f"a sample's metric is not a finite count: {metric!r}")
        v = v / 1e6 if tool == "austin" else v * interval
        samples.append((v,) + frames(tool, stack))
    # py-spy names the main thread only when it could read the name: the
    # main thread is also the one whose stacks hold the region marker.
    main_tids = {tid for v, fs, tid, main in samples if main or _marked(fs) is not None}
    agg, total = {}, 0.0
    for v, fs, tid, main in samples:
        if main is None:
            main = tid in main_tids
        mark = _marked(fs)
        if mark is not None:
            fs = fs[mark:]
        elif main and not unmarked:
            continue
        total += v
        seen = set()
        for f in fs:
            a = agg.setdefault((f[0], f[1], tid), [f[2], 0.0, 0.0, 0])
            if (f[0], f[1]) not in seen:
                a[1] += v
                seen.add((f[0], f[1]))
        if fs:
            a = agg[(fs[-1][0], fs[-1][1], tid)]
            a[2] += v
            a[3] += 1
    return total, [(k[0], k[1], a[0], k[2], a[1], a[2], a[3]) for k, a in agg.items()]
