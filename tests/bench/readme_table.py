#!/usr/bin/env python3
"""The README's short results table, from a make run's results.json.

usage: tests/bench/readme_table.py RESULTS.json

Prints, per backend of the README's list that the run has, the wall
overhead [95% interval], AE, DE and FAE on `mixed` and the wall overhead on
`call_heavy`, as summary.md writes them (`~`: within the noise floor, the
harness's own `*_within_floor` flags; fewer than 5 rounds: no interval,
the rounds said), on the pinned interpreter. A backend that did not run ok says its status.
"""
import json
import sys

# (backend name in configs/all.yaml, the README's label)
ROWS = [
    ("none", "none (the floor)"),
    ("sampling", "sampling (built in)"),
    ("deterministic", "deterministic (built in)"),
    ("cprofile", "cProfile"),
    ("yappi-wall", "yappi (wall)"),
    ("pyinstrument", "pyinstrument"),
    ("scalene-cpu", "scalene (cpu)"),
    ("py-spy", "py-spy"),
    ("py-spy-nonblocking", "py-spy --nonblocking"),
    ("austin", "austin"),
    ("memray", "memray"),
    ("viztracer", "viztracer"),
    ("pprofile", "pprofile (deterministic)"),
    ("pprofile-stat", "pprofile (statistical)"),
]


def ratio(r):
    if r["status"] != "ok":
        return r["status"]
    s = f"{r['wall_ratio']:.2f}x"
    if r["wall_ratio_lo"] is not None and r["wall_ratio_hi"] is not None:
        return f"{s} [{r['wall_ratio_lo']:.2f}-{r['wall_ratio_hi']:.2f}]"
    return f"{s} ({r['rounds']} rounds)"


def pp(r, key):
    if r["status"] != "ok" or r.get(key) is None:
        return "-"
    return f"{r[key]:.1f}" + ("~" if r.get(key + "_within_floor") else "")


def main(path):
    with open(path) as f:
        d = json.load(f)
    pinned = d["interpreters"][0]["name"] if d.get("interpreters") else None
    cells = {(r["workload"], r["backend"]): r for r in d["summary"]
             if pinned is None or r.get("interpreter") == pinned}
    print("| backend | mixed: wall overhead | AE | DE | FAE | call_heavy: wall overhead |")
    print("|---|---|---|---|---|---|")
    for name, label in ROWS:
        m, c = cells.get(("mixed", name)), cells.get(("call_heavy", name))
        if not m or not c:
            continue
        print(f"| {label} | {ratio(m)} | {pp(m, 'ae_pp')} | {pp(m, 'de_pp')} "
              f"| {pp(m, 'fae_pp')} | {ratio(c)} |")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__.strip().splitlines()[2])
    main(sys.argv[1])
