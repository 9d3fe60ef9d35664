#!/usr/bin/env python3
"""Does a cell's first run differ from the others? (whether a config needs warm-up rounds)

usage: tests/bench/warmup.py RESULTS.json

Reads a results.json whose config had `warmup: 1` and, over every cell
(workload x backend, and the baselines) with all its rounds ok, compares the
discarded warm-up run with the measured ones: how often it is the fastest
(1 in rounds+1 if it is like the others), its wall time over the median of
the measured runs, and what the overhead estimator's input, the fastest run,
becomes if the warm-up run is kept in place of the last measured round (the
figures a config without warm-up would have had).
"""
import collections
import json
import statistics
import sys


def quantiles(xs, qs=(0.05, 0.25, 0.5, 0.75, 0.95)):
    xs = sorted(xs)
    return " ".join(f"{xs[min(len(xs) - 1, int(len(xs) * q))]:.3f}" for q in qs)


def main(path):
    d = json.load(open(path))
    warm = d["config"].get("warmup", 0)
    if warm != 1:
        sys.exit(f"{path}: warmup is {warm}; this reads a run made with warmup: 1")
    cells = collections.defaultdict(dict)
    bad = set()
    for r in d["runs"]:
        key = (r.get("interpreter"), r["workload"], r.get("backend") or f"baseline ({r.get('baseline_kind')})")
        if r["status"] != "ok":
            bad.add(key)
            continue
        cells[key][(r["round"], bool(r["warmup"]))] = r["wall_s"]
    n_fast = 0
    rel, min_shift = [], []
    used = 0
    for key, v in cells.items():
        if key in bad:
            continue
        w = [t for (i, is_w), t in v.items() if is_w]
        m = [t for (i, is_w), t in sorted(v.items()) if not is_w]
        if len(w) != 1 or len(m) < 2:
            continue
        used += 1
        if w[0] <= min(m):
            n_fast += 1
        rel.append(w[0] / statistics.median(m))
        min_shift.append(min([w[0]] + m[:-1]) / min(m))
    if not used:
        sys.exit(f"{path}: no cell with a warm-up run and two measured rounds")
    rounds = d["config"].get("rounds")
    print(f"{used} cells, {rounds} measured rounds and 1 warm-up each")
    print(f"warm-up run the fastest of the cell: {n_fast} of {used} "
          f"(expected about {used / (rounds + 1):.0f} if it is like the others)")
    print(f"warm-up wall / median measured wall, quantiles 5 25 50 75 95%: {quantiles(rel)}")
    print(f"fastest run without warm-up / with it, same quantiles: {quantiles(min_shift)}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__.strip().splitlines()[2])
    main(sys.argv[1])
