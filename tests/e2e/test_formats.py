"""The Python half of the harness (harness/py/pyprof_bench), outside the
binary: its profile parsers (formats/) on malformed input, mutation-fuzzed
from valid seeds (the C parsers are fuzzed with libFuzzer, `make fuzz`),
and every module compiled and imported by each CPython 3.9-3.13 found."""
import cProfile
import glob
import json
import marshal
import math
import os
import random
import subprocess
import sys
import tempfile

from common import ROOT, Skip, check

PY = os.path.join(ROOT, "harness", "py")
sys.path.insert(0, PY)
from pyprof_bench import formats  # noqa: E402
sys.path.remove(PY)

MARK = "/x/pyprof_bench/region.py"


def pstats_seed():
    prof = cProfile.Profile()
    prof.enable()
    sum(range(1000))
    prof.disable()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "p")
        prof.dump_stats(path)
        with open(path, "rb") as f:
            return f.read()


SEEDS = {
    "collapsed": b"main (/x/w.py:1);f (/x/w.py:5) 7\nmain (/x/w.py:1) 3\nplain;name 2\n",
    "austin": ("P1;T0:1;%s:run_region:40;/x/w.py:f:2 1000\n"
               "P1;T0:2;/x/w.py:g:9 500\n# comment\n" % MARK).encode(),
    "speedscope": json.dumps({
        "shared": {"frames": [{"name": "run_region", "file": MARK, "line": 40},
                              {"name": "f", "file": "/x/w.py", "line": 2}]},
        "profiles": [
            {"type": "sampled", "unit": "milliseconds", "samples": [[0, 1], [0], [1]],
             "weights": [1, 2, 3]},
            {"type": "evented", "unit": "seconds",
             "events": [{"type": "O", "frame": 0, "at": 0}, {"type": "O", "frame": 1, "at": 1},
                        {"type": "C", "frame": 1, "at": 2}, {"type": "C", "frame": 0, "at": 3}]},
        ]}).encode(),
}


def check_answer(fmt, total, rows):
    check(total is None or (math.isfinite(total) and total >= 0), (fmt, total))
    for r in rows:
        check(len(r) == 7 and isinstance(r[0], str) and isinstance(r[1], str)
              and isinstance(r[2], int), (fmt, r))
        check(all(math.isfinite(x) for x in r[4:6]) and r[6] >= 0, (fmt, r))


def mutate(rng, data):
    b = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(4)
        at = rng.randrange(len(b) + 1)
        if op == 0 and b:
            del b[at % len(b)]
        elif op == 1:
            b[at:at] = bytes([rng.randrange(256)])
        elif op == 2 and b:
            b[at % len(b)] = rng.choice(b"0123456789.;:()[]{},\"-e \n\x00\xff")
        else:
            b = b[:at]
    return bytes(b)


def test_parsers_on_valid_seeds():
    """Each seed parses: the marked samples only where the marker is, the
    pstats file of a real cProfile run."""
    total, rows = formats.read("austin", SEEDS["austin"], 0.001)
    check(abs(total - 0.0015) < 1e-9, (total, rows))   # thread 2 has no marker: kept
    total, rows = formats.read("collapsed", SEEDS["collapsed"], 0.001)
    check(abs(total - 0.012) < 1e-9 and ("", "plain", 0, 0, 0.002, 0.0, 0) in rows, rows)
    total, rows = formats.read("speedscope", SEEDS["speedscope"], 0.001)
    check(abs(total - (0.001 + 0.002 + 3.0)) < 1e-9, (total, rows))
    total, rows = formats.read("pstats", pstats_seed(), 0.001)
    check(total is None and any(r[1] == "<built-in method builtins.sum>" for r in rows), rows)


def test_pyspy_threads():
    """py-spy --threads: each stack starts with "thread (TID)[: name]". The
    main thread is the one whose stacks hold the region marker (py-spy names
    it only when it could read the name): its unmarked samples are outside
    the region; another thread's samples are kept under its native TID."""
    from pyprof_bench.formats import collapsed
    mark = "run_region (/t/pyprof_bench/region.py:9)"
    raw = ("thread (100);<module> (/x/w.py:1) 4\n"                      # main, start-up
           f"thread (100);<module> (/x/w.py:1);{mark};f (/x/w.py:5) 3\n"
           "thread (101): worker;g (/x/w.py:9) 2\n"
           "thread (102): MainThread;<module> (/x/w.py:1) 5\n").encode()   # named main
    total, rows = collapsed.rows("py-spy", raw, 0.01)
    check(abs(total - 0.05) < 1e-9, (total, rows))
    by = {(r[1], r[3]): r for r in rows}
    check(("f", 100) in by and by[("f", 100)][5] == 0.03, rows)
    check(("g", 101) in by and abs(by[("g", 101)][5] - 0.02) < 1e-9, rows)
    check(not any(r[3] in (102,) for r in rows), rows)
    # without --threads (no thread frame): every stack is the main thread's
    total, rows = collapsed.rows("py-spy", b"g (/x/w.py:9) 2\n", 0.01)
    check(total == 0 and rows == [], rows)


def test_parsers_on_malformed_input():
    """20,000 mutations of the seeds (fixed seed) and some hostile inputs:
    every parser answers rows of finite figures or raises ValueError, never
    another exception; totals finite and not negative."""
    rng = random.Random(14)
    seeds = dict(SEEDS, pstats=pstats_seed())
    hostile = [b"", b"\xff\xfe", b"[]", b"{}", b"null", b"1e999 1e999", b"a 1e999\n",
               b"a nan\n", b"a -1\n", b"[" * 5000 + b"]" * 5000,
               marshal.dumps({("f", "x", 1): (1, 1, 1.0, 1.0, {})}),
               marshal.dumps({("f", 1, "x"): (1, 1, float("nan"), 1.0, {})}),
               marshal.dumps([1, 2]), b"\xe3" + b"\x00" * 20]
    refused = accepted = 0
    for fmt, seed in seeds.items():
        inputs = hostile + [mutate(rng, seed) for _ in range(5000)]
        for data in inputs:
            try:
                total, rows = formats.read(fmt, data, 0.001)
            except ValueError:
                refused += 1
                continue
            accepted += 1
            check_answer(fmt, total, rows)
    print(f"     {accepted} inputs read, {refused} refused with ValueError")
    check(refused > 0 and accepted > 0, (accepted, refused))


def interpreters():
    found = []
    for minor in range(9, 14):
        paths = sorted(glob.glob(f"/root/.pyenv/versions/3.{minor}.*/bin/python3.{minor}"))
        path = paths[-1] if paths else None
        for cand in (path, f"/usr/bin/python3.{minor}"):
            if cand and os.access(cand, os.X_OK):
                found.append(cand)
                break
    return found


def test_package_runs_on_cpython_3_9_to_3_13():
    """Every file of the package compiles on each CPython 3.9-3.13 found
    (pyenv's builds, Debian's), and the modules that import only the
    standard library import and parse the seeds there."""
    pys = interpreters()
    if not pys:
        raise Skip("no CPython 3.9-3.13 found besides this one")
    files = sorted(glob.glob(os.path.join(PY, "**", "*.py"), recursive=True))
    code = ("import sys\n"
            "for f in sys.argv[2:]:\n"
            "    with open(f, 'rb') as src:\n"
            "        compile(src.read(), f, 'exec', dont_inherit=True)\n"
            "sys.path.insert(0, sys.argv[1])\n"
            "import pyprof_bench, pyprof_bench.loader, pyprof_bench.region, pyprof_bench.truth\n"
            "import pyprof_bench.names, pyprof_bench.driver, pyprof_bench.asyncprobe\n"
            "import pyprof_bench.adapters.declared, pyprof_bench.adapters.pyinstrument_rows\n"
            "from pyprof_bench import formats\n"
            "print(formats.read('collapsed', b'f (/x/w.py:1) 3\\n', 0.5)[0])\n")
    for py in pys:
        r = subprocess.run([py, "-c", code, PY] + files, capture_output=True, text=True,
                           timeout=120)
        check(r.returncode == 0 and r.stdout.strip() == "1.5", f"{py}: {r.stdout}{r.stderr}")
    print(f"     {', '.join(os.path.basename(p) for p in pys)}")
