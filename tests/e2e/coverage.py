#!/usr/bin/python3
"""What the sanitized e2e pass leaves out, in lines of C: builds the harness
with gcc --coverage (build/cov, beside the other builds), then counts the
lines of harness/ and backends/ reached by

  1. the unit tests (pinned interpreter),
  2. the e2e tests without the tests of figures (run.py --no-figures: the
     sanitized build's pass, Makefile `e2e` with SANITIZE),
  3. the tests of figures (run.py --only-figures),

and prints how many lines only 3 reaches, by file. Those are the lines no
sanitizer checks in CI (the plain build's pass still runs them).

Usage: tests/e2e/coverage.py [--keep]   (17 minutes here; gcov from gcc)
--keep leaves build/cov in place. Timing bounds of the tests are the plain
build's: a test that fails under coverage is said, and its lines count.
"""
import argparse
import glob
import json
import os
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = "build/cov"


def make(targets):
    subprocess.run(["make", "-j2", f"BUILD={BUILD}", f"BIN={BUILD}/pyprof-bench",
                    "CC=gcc --coverage"] + targets, cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)


def clear():
    for g in glob.glob(os.path.join(ROOT, BUILD, "**", "*.gcda"), recursive=True):
        os.unlink(g)


def reached():
    """The set of "file:line" of harness/ and backends/ that ran since clear()."""
    lines = set()
    for g in glob.glob(os.path.join(ROOT, BUILD, "**", "*.gcda"), recursive=True):
        out = subprocess.run(["gcov", "--json-format", "--stdout", g], cwd=ROOT,
                             capture_output=True, text=True).stdout
        for doc in out.splitlines():
            for f in json.loads(doc)["files"]:
                if f["file"].startswith(("harness/", "backends/")):
                    lines.update(f"{f['file']}:{x['line_number']}"
                                 for x in f["lines"] if x["count"] > 0)
    return lines


def e2e(option):
    r = subprocess.run(["/usr/bin/python3", "tests/e2e/run.py", "--binary",
                        f"{BUILD}/pyprof-bench", "--test-binary",
                        f"{BUILD}/test/pyprof-bench-test", option],
                       cwd=ROOT, capture_output=True, text=True)
    print(f"  {option}: {r.stdout.strip().splitlines()[-1]}")
    for line in r.stdout.splitlines():
        if line.startswith("FAIL"):
            print(f"    ({line})")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--keep", action="store_true", help="keep build/cov")
    a = ap.parse_args()
    units = sorted(os.path.basename(p)[:-2] for p in glob.glob(os.path.join(ROOT, "tests/unit/test_*.c")))
    print(f"building {BUILD} (gcc --coverage)")
    make([f"{BUILD}/pyprof-bench", f"{BUILD}/test/pyprof-bench-test"] +
         [f"{BUILD}/tests/{u}" for u in units])
    clear()
    r = subprocess.run(["sh", "tests/run-unit.sh"] + [f"{BUILD}/tests/{u}" for u in units],
                       cwd=ROOT, capture_output=True, text=True)
    print(f"  {r.stdout.strip().splitlines()[-1]}")
    unit = reached()
    clear()
    e2e("--no-figures")
    sanitized = reached()
    clear()
    e2e("--only-figures")
    figures = reached()
    every = unit | sanitized | figures
    only = figures - unit - sanitized
    print(f"lines reached: {len(every)} in all; unit tests {len(unit)}; "
          f"unit and e2e --no-figures {len(unit | sanitized)} "
          f"({100 * len(unit | sanitized) / len(every):.1f}%)")
    by_file = {}
    for x in only:
        f = x.rsplit(":", 1)[0]
        by_file[f] = by_file.get(f, 0) + 1
    print(f"only the tests of figures reach {len(only)}: " +
          ", ".join(f"{f} {n}" for f, n in sorted(by_file.items(), key=lambda kv: -kv[1])))
    if not a.keep:
        shutil.rmtree(os.path.join(ROOT, BUILD), ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
