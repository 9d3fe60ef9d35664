#!/usr/bin/env python3
"""One overhead config run on two interpreters, side by side.

usage: tests/bench/interp_compare.py LABEL=RESULTS.json[,MORE.json] LABEL=...

Each argument is one side: a label and the results.json files of its runs
(several when a side was run in parts, e.g. one backend again; a cell found
in two files is taken from the last). Cells are matched by workload and
backend; within a side every figure is the harness's own (summary cells:
wall_ratio and its interval, computed against that side's own unprofiled
runs, so an interpreter's speed is never compared with another's runs).

Prints, as Markdown:
1. per workload, the fastest unprofiled region of each side (the
   interpreter's own speed) and their ratio;
2. per backend, each side's median wall overhead over the workloads it ran
   ok, and the median and range over workloads of side 1's ratio divided
   by side 2's (below 1: the backend costs less, relatively, on side 1);
3. per workload and backend, both sides' wall overhead with intervals.
"""
import json
import statistics
import sys


def load(arg):
    label, _, paths = arg.partition("=")
    if not label or not paths:
        sys.exit(f"interp_compare: expected LABEL=RESULTS.json[,MORE.json], got {arg!r}")
    cells, order_w, order_b = {}, [], []
    for path in paths.split(","):
        with open(path) as f:
            data = json.load(f)
        for c in data["summary"]:
            key = (c["workload"], c["backend"])
            if c["workload"] not in order_w:
                order_w.append(c["workload"])
            if c["backend"] not in order_b:
                order_b.append(c["backend"])
            if c["status"] == "ok" or key not in cells:
                cells[key] = c
    return label, cells, order_w, order_b


def fmt(c):
    if c is None:
        return "-"
    if c["status"] != "ok" or c["wall_ratio"] is None:
        reason = (c.get("reason") or "").split(":")[0]
        return f"{c['status']}" + (f" ({reason})" if reason and c["status"] != "skipped" else "")
    s = f"{c['wall_ratio']:.2f}x"
    if c["wall_ratio_lo"] is not None and c["wall_ratio_hi"] is not None:
        return f"{s} [{c['wall_ratio_lo']:.2f}-{c['wall_ratio_hi']:.2f}]"
    return f"{s} ({c['rounds']} rounds)"


def ok(c):
    return c is not None and c["status"] == "ok" and c["wall_ratio"] is not None


def main(argv):
    if len(argv) != 2:
        sys.exit(__doc__.strip().splitlines()[2])
    (la, a, wa, ba), (lb, b, wb, bb) = load(argv[0]), load(argv[1])
    workloads = [w for w in wa if w in wb]
    backends = [x for x in ba if x in bb and x != "none"]
    if "none" in ba and "none" in bb:
        backends.insert(0, "none")

    print(f"| workload | {la} unprofiled (fastest) | {lb} unprofiled (fastest) | {la} / {lb} |")
    print("|---|---|---|---|")
    for w in workloads:
        ca, cb = a.get((w, "none")), b.get((w, "none"))
        ta = min(ca["base_wall_s"]) if ca and ca["base_wall_s"] else None
        tb = min(cb["base_wall_s"]) if cb and cb["base_wall_s"] else None
        r = f"{ta / tb:.2f}" if ta and tb else "-"
        print(f"| {w} | {ta:.2f} s | {tb:.2f} s | {r} |" if ta and tb else f"| {w} | - | - | - |")

    print()
    print(f"| backend | {la} median | {lb} median | {la} / {lb}, median [range] over workloads |")
    print("|---|---|---|---|")
    for x in backends:
        ra = [a[(w, x)]["wall_ratio"] for w in workloads if ok(a.get((w, x)))]
        rb = [b[(w, x)]["wall_ratio"] for w in workloads if ok(b.get((w, x)))]
        both = [a[(w, x)]["wall_ratio"] / b[(w, x)]["wall_ratio"] for w in workloads
                if ok(a.get((w, x))) and ok(b.get((w, x)))]
        ma = f"{statistics.median(ra):.2f}x ({len(ra)})" if ra else "-"
        mb = f"{statistics.median(rb):.2f}x ({len(rb)})" if rb else "-"
        mr = (f"{statistics.median(both):.2f} [{min(both):.2f}-{max(both):.2f}] ({len(both)})"
              if both else "-")
        print(f"| {x} | {ma} | {mb} | {mr} |")

    print()
    print("| workload | backend | " + la + " | " + lb + " |")
    print("|---|---|---|---|")
    for w in workloads:
        for x in backends:
            ca, cb = a.get((w, x)), b.get((w, x))
            if ca is None and cb is None:
                continue
            print(f"| {w} | {x} | {fmt(ca)} | {fmt(cb)} |")


if __name__ == "__main__":
    main(sys.argv[1:])
