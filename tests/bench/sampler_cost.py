"""sampler_cost.py LABEL=GLOB...: the sampling backend's own cost from the
results.json files of configs/sampler-cost.yaml runs (tests/bench/
sampler-cost.sh), one table row per workload and label.

Per run, from the sampling row's note: the sampler thread's CPU per thread
sample (its CPU over the stacks it sampled) and per round (a round samples
every live thread once), its CPU in sleeping and waking a round (measured
around one pause in 16) and the round's CPU without it; per cell, from the
summary: thread coverage and AE. Medians over the runs, range in brackets.
"""
import glob
import json
import re
import statistics
import sys

NOTE = re.compile(r"(\d+) samples, (\d+) stacks of (\d+) threads")


def runs(pattern):
    """{workload: [(per thread sample, per round, wake, round - wake) us]},
    {workload: [coverage]}, {workload: [AE]} over the files of pattern, and
    the workloads in the config's order."""
    cost, cov, ae, order = {}, {}, {}, []
    for path in sorted(glob.glob(pattern)):
        with open(path) as f:
            d = json.load(f)
        order += [w["name"] for w in d["workloads"] if w["name"] not in order]
        for r in d["runs"]:
            if r["backend"] != "sampling" or r["status"] != "ok" or r.get("warmup"):
                continue
            m = NOTE.match(r["note"] or "")
            cpu = re.search(r"sampler CPU ([\d.]+) ms", r["note"] or "")
            if not m or not cpu or int(m[1]) == 0 or int(m[2]) == 0:
                continue
            rounds, stacks = int(m[1]), int(m[2])
            us = float(cpu[1]) * 1e3
            wake = re.search(r"sleeping and waking ([\d.]+) us", r["note"])
            w = float(wake[1]) if wake else float("nan")
            cost.setdefault(r["workload"], []).append(
                (us / stacks, us / rounds, w, us / rounds - w))
        for s in d["summary"]:
            if s["backend"] == "sampling":
                if s.get("thread_coverage") is not None:
                    cov.setdefault(s["workload"], []).append(s["thread_coverage"])
                if s.get("ae_pp") is not None:
                    ae.setdefault(s["workload"], []).append(s["ae_pp"])
    return cost, cov, ae, order


def spread(xs, fmt):
    return (fmt + " [" + fmt + "-" + fmt + "]") % (statistics.median(xs), min(xs), max(xs))


def main(args):
    if not args or any("=" not in a for a in args):
        sys.exit("usage: sampler_cost.py LABEL=GLOB...  (GLOB: results.json files)")
    labelled = [(a.split("=", 1)[0], runs(a.split("=", 1)[1])) for a in args]
    workloads = []
    for _, (_, _, _, order) in labelled:
        workloads += [w for w in order if w not in workloads]
    print("| workload | build | us a thread sample | us a round | sleeping and waking, us a round "
          "| the rest of a round, us | runs | thread coverage | AE (pp) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for w in workloads:
        for label, (cost, cov, ae, _) in labelled:
            v = cost.get(w)
            if not v:
                continue
            c = cov.get(w)
            print("| %s | %s | %s | %s | %s | %s | %d | %s | %s |" % (
                w, label, spread([x[0] for x in v], "%.1f"), spread([x[1] for x in v], "%.0f"),
                spread([x[2] for x in v], "%.1f"), spread([x[3] for x in v], "%.1f"), len(v),
                "%.1f-%.1f%%" % (100 * min(c), 100 * max(c)) if c else "-",
                "%.2f-%.2f" % (min(ae[w]), max(ae[w])) if ae.get(w) else "-"))


if __name__ == "__main__":
    main(sys.argv[1:])
