"""End-to-end tests: compare, the --baseline gate, sharding and merge."""
import json
import os
import tempfile

import common
from common import *  # noqa: F401,F403 (run, cfg, check, Skip, ...)


def gate_results(path, cells, cpu="Test CPU", python="3.11.2 (main)", config="c.yaml",
                 ratios=(1.5,) * 10):
    doc = {"schema": 1, "machine": {"cpu_model": cpu}, "python": python,
           "config": {"path": config, "hash": "h-" + config, "rounds": len(ratios)},
           "summary": [{"workload": w, "backend": b, "clock": "wall", "status": st,
                        "reason": why, "wall_ratios": list(ratios) if st == "ok" else []}
                       for w, b, st, why in cells]}
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(doc, f)


# ---------------------------------------------------------------- shard and merge

SHARDS_CELLS = {1: [("tiny", "none"), ("tiny", "deterministic"), ("tiny", "cprofile")],
                2: [("tiny", "launched"), ("sleep", "none"), ("sleep", "deterministic")],
                3: [("sleep", "cprofile"), ("sleep", "launched")]}


def run_shards(tmp, config="shards.yaml", n=3, extra=()):
    """Run every shard of config into tmp/shK; returns the folders."""
    dirs = []
    for k in range(1, n + 1):
        d = os.path.join(tmp, f"sh{k}")
        r = run(["--quiet", "--shard", f"{k}/{n}", "--out", d, *extra, cfg(config)])
        check(r.returncode == 0, f"shard {k}/{n}: exit {r.returncode}: {r.stderr}")
        dirs.append(d)
    return dirs


def test_compare_verdicts():
    """compare: a real regression exits 3 with a reason, noise passes, too few
    rounds is inconclusive, other machines and malformed files exit 2."""
    with tempfile.TemporaryDirectory() as tmp:
        base, slow, same, few, other, bad = (os.path.join(tmp, n) for n in
                                             ("b", "s", "n", "f", "o", "x"))
        fake_results(base, [1.50, 1.51, 1.49, 1.52, 1.48, 1.50, 1.51, 1.49, 1.50, 1.50])
        fake_results(slow, [1.80, 1.81, 1.79, 1.82, 1.78, 1.80, 1.81, 1.79, 1.80, 1.80])
        fake_results(same, [1.51, 1.49, 1.50, 1.52, 1.48, 1.50, 1.49, 1.51, 1.50, 1.50])
        fake_results(few, [1.80, 1.81, 1.79])
        fake_results(other, [1.50] * 10, cpu="Other CPU")
        with open(bad, "w") as f:
            f.write("{\"schema\": 1, \"summary\": [")
        r = run(["compare", base, slow])
        check(r.returncode == 3 and "FAIL (slower)" in r.stdout, r.stdout + r.stderr)
        check("regression: mixed / det" in r.stderr, r.stderr)
        r = run(["compare", base, same])
        check(r.returncode == 0 and "pass (no significant change)" in r.stdout, r.stdout)
        r = run(["compare", base, few])
        check(r.returncode == 0 and "inconclusive" in r.stdout, r.stdout)
        r = run(["compare", "--threshold", "25%", base, slow])
        check(r.returncode == 0, r.stdout)
        r = run(["compare", base, other])
        check(r.returncode == 2 and "CPU model" in r.stderr, r.stderr)
        r = run(["compare", "--force", base, other])
        check(r.returncode == 0 and "warning" in r.stderr, r.stderr)
        r = run(["compare", base, bad])
        check(r.returncode == 2 and "not valid JSON" in r.stderr, r.stderr)


def test_baseline_gate():
    """--baseline compares the run with an earlier results.json in one step; with
    fewer than 9 rounds (small.yaml has 3) only under --allow-inconclusive."""
    with tempfile.TemporaryDirectory() as tmp:
        a, b = os.path.join(tmp, "a"), os.path.join(tmp, "b")
        r = run(["--quiet", "--out", a, cfg("small.yaml")])
        check(r.returncode == 0, r.stderr)
        r = run(["--out", b, "--baseline", os.path.join(a, "results.json"),
                 "--allow-inconclusive", cfg("small.yaml")])
        check(r.returncode == 0, r.stdout + r.stderr)
        check("Compared with" in r.stdout and "inconclusive" in r.stdout, r.stdout)


@figures
def test_gate_catches_injected_overhead():
    """An overhead injected on purpose (burn: 0.5) fails the --baseline gate with
    exit 3 and a one-line reason; the same code against itself passes."""
    with tempfile.TemporaryDirectory() as tmp:
        a, b, c = (os.path.join(tmp, n) for n in ("a", "b", "c"))
        r = run(["--quiet", "--out", a, cfg("gate_base.yaml")])
        check(r.returncode == 0, r.stderr)
        base = os.path.join(a, "results.json")
        r = run(["--quiet", "--out", b, "--baseline", base, cfg("gate_burn.yaml")])
        check(r.returncode == 3, f"exit {r.returncode}: {r.stderr}")
        check("regression: nap / deterministic" in r.stderr, r.stderr)
        r = run(["--quiet", "--out", c, "--baseline", base, cfg("gate_base.yaml")])
        check(r.returncode == 0, f"exit {r.returncode}: {r.stderr}")


def test_gate_holes():
    """compare and --baseline close the holes of the gate: a cell of the base
    missing from the new result (absent or skipped) fails with its own line
    (also under --quiet), unrelated results are refused, result folders are
    accepted, and --baseline with fewer than 9 rounds is a usage error unless
    --allow-inconclusive."""
    with tempfile.TemporaryDirectory() as tmp:
        base = os.path.join(tmp, "base", "results.json")
        gate_results(base, [("mixed", "det", "ok", None), ("mixed", "sampling", "ok", None)])
        gone = os.path.join(tmp, "gone", "results.json")
        gate_results(gone, [("mixed", "det", "ok", None)])
        r = run(["compare", base, gone])
        check(r.returncode == 3, f"exit {r.returncode}: {r.stdout + r.stderr}")
        check("missing: mixed / sampling was in the base but not in this run" in r.stderr,
              r.stderr)
        r = run(["compare", "--quiet", os.path.dirname(base), os.path.dirname(gone)])
        check(r.returncode == 3 and r.stdout == "", r.stdout)
        check("missing: mixed / sampling" in r.stderr, r.stderr)
        skipped = os.path.join(tmp, "skipped", "results.json")
        gate_results(skipped, [("mixed", "det", "ok", None),
                               ("mixed", "sampling", "skipped", "not installed")])
        r = run(["compare", base, skipped])
        check(r.returncode == 3 and "missing: mixed / sampling" in r.stderr
              and "not installed" in r.stderr, r.stderr)
        other = os.path.join(tmp, "other", "results.json")
        gate_results(other, [("pure_loop", "cprofile", "ok", None)], config="other.yaml")
        r = run(["compare", base, other])
        check(r.returncode == 2 and "no workload / backend cell in common" in r.stderr,
              r.stdout + r.stderr)
        same = os.path.join(tmp, "same", "results.json")
        gate_results(same, [("mixed", "det", "ok", None), ("mixed", "sampling", "ok", None)])
        r = run(["compare", os.path.dirname(base), os.path.dirname(same)])
        check(r.returncode == 0 and "pass" in r.stdout, r.stdout + r.stderr)

        # --baseline: rounds, then a real run whose base has a cell it lacks.
        small = os.path.join(tmp, "small")
        r = run(["--quiet", "--out", small, cfg("small.yaml")])
        check(r.returncode == 0, r.stderr)
        r = run(["--quiet", "--out", os.path.join(tmp, "x"), "--baseline", small,
                 cfg("small.yaml")])
        check(r.returncode == 2 and "at least 9 rounds" in r.stderr
              and "--allow-inconclusive" in r.stderr, r.stderr)
        check(not os.path.exists(os.path.join(tmp, "x")), "ran despite the usage error")
        nine = os.path.join(tmp, "nine")
        r = run(["--quiet", "--out", nine, "--rounds", "9", "--only-workload", "sleep",
                 cfg("small.yaml")])
        check(r.returncode == 0, r.stderr)
        with open(os.path.join(nine, "results.json")) as f:
            doc = json.load(f)
        extra = dict(doc["summary"][0], backend="gone")
        doc["summary"].append(extra)
        with open(os.path.join(nine, "results.json"), "w") as f:
            json.dump(doc, f)
        r = run(["--quiet", "--out", os.path.join(tmp, "y"), "--rounds", "9", "--baseline",
                 nine, "--only-workload", "sleep", cfg("small.yaml")])
        check(r.returncode == 3, f"exit {r.returncode}: {r.stderr}")
        check("missing: sleep / gone was in the base but not in this run" in r.stderr, r.stderr)
        # A cell of the base this run did not select (--only-*) is not missing.
        r = run(["--out", os.path.join(tmp, "z"), "--rounds", "1", "--baseline", small,
                 "--allow-inconclusive", cfg("small.yaml"), "--only-workload", "sleep"])
        check(r.returncode == 0, f"exit {r.returncode}: {r.stderr}")
        check("not selected in this run" in r.stdout, r.stdout)


def test_shard_slices_and_baselines():
    """--shard K/N runs the documented slice, with the baselines its cells need:
    the in-process baseline for each workload it has a cell of, the launched
    baseline only where it has a launcher backend's cell."""
    with tempfile.TemporaryDirectory() as tmp:
        dirs = run_shards(tmp)
        for k, d in enumerate(dirs, 1):
            res, rows, _ = load_outputs(d)
            check(res["shard"]["index"] == k and res["shard"]["count"] == 3, res["shard"])
            check(res["shard"]["cells"] == 8, res["shard"])
            check(len(res["config"]["hash"]) == 16, res["config"])
            check(cells(res) == SHARDS_CELLS[k], f"shard {k}: {cells(res)}")
            check([tuple(r[:2]) for r in rows[1:]] == SHARDS_CELLS[k], rows)
            check(all(s["status"] == "ok" for s in res["summary"]), res["summary"])
            runs = res["runs"]
            check(all(r["shard"] == k for r in runs), "runs carry their shard")
            workloads = {w for w, _ in SHARDS_CELLS[k]}
            need_launched = {w for w, b in SHARDS_CELLS[k] if b == "launched"}
            for w in ("tiny", "sleep"):
                base = [r for r in runs if r["workload"] == w and r["baseline_kind"] == "in-process"]
                lnch = [r for r in runs if r["workload"] == w and r["baseline_kind"] == "launched"]
                # 2 rounds + 1 warm-up of each baseline the shard needs
                check(len(base) == (3 if w in workloads else 0), f"shard {k} {w}: {len(base)}")
                check(len(lnch) == (3 if w in need_launched else 0),
                      f"shard {k} {w} launched: {len(lnch)}")
            profiled = {(r["workload"], r["backend"]) for r in runs if not r["baseline"]}
            check(profiled == set(SHARDS_CELLS[k]), f"shard {k} ran {profiled}")
        # --list names the cells of a shard
        r = run(["--list", "--shard", "3/3", cfg("shards.yaml")])
        check(r.returncode == 0 and "cells of shard 3/3:" in r.stdout, r.stdout)
        check("sleep / cprofile" in r.stdout and "tiny / none" not in r.stdout, r.stdout)
        for bad in ("0/3", "4/3", "x"):
            r = run(["--shard", bad, cfg("shards.yaml")])
            check(r.returncode == 2 and "--shard" in r.stderr, f"{bad}: {r.stderr}")


def test_merge_union_equals_unsharded():
    """The merge of the 3 shards has the cells and rows of the unsharded run,
    every run of every shard, and each cell's per-round ratios as its shard
    measured them (ratios are taken within a shard)."""
    with tempfile.TemporaryDirectory() as tmp:
        dirs = run_shards(tmp)
        full, merged = os.path.join(tmp, "full"), os.path.join(tmp, "merged")
        r = run(["--quiet", "--out", full, cfg("shards.yaml")])
        check(r.returncode == 0, r.stderr)
        r = run(["merge", "--out", merged, *reversed(dirs)])
        check(r.returncode == 0, f"exit {r.returncode}: {r.stderr}")
        check("merged 3 shards" in r.stderr, r.stderr)
        f_res, f_rows, f_md = load_outputs(full)
        m_res, m_rows, m_md = load_outputs(merged)
        check(cells(m_res) == cells(f_res), f"{cells(m_res)} != {cells(f_res)}")
        check([r[:2] for r in m_rows] == [r[:2] for r in f_rows], "CSV rows differ")
        check(m_rows[0] == f_rows[0], "CSV header differs")
        check(all(s["status"] == "ok" and s["rounds"] == 2 for s in m_res["summary"]),
              m_res["summary"])
        check([w["name"] for w in m_res["workloads"]] == [w["name"] for w in f_res["workloads"]],
              "workloads differ")
        check(m_res["shard"]["index"] == 1 and m_res["shard"]["count"] == 1, m_res["shard"])
        check([m["shard"] for m in m_res["merged_from"]] == [1, 2, 3], m_res["merged_from"])
        check(m_res["config"]["hash"] == f_res["config"]["hash"], "hash")
        shard_runs = []
        for d in dirs:
            shard_runs += load_outputs(d)[0]["runs"]
        check(len(m_res["runs"]) == len(shard_runs), "merged runs != sum of shards' runs")
        check({(r["workload"], r["backend"]) for r in m_res["runs"] if not r["baseline"]} ==
              {(r["workload"], r["backend"]) for r in f_res["runs"] if not r["baseline"]},
              "profiled cells differ from the unsharded run")
        by_cell = {}
        for d in dirs:
            for s in load_outputs(d)[0]["summary"]:
                by_cell[(s["workload"], s["backend"])] = s
        for s in m_res["summary"]:
            mine = by_cell[(s["workload"], s["backend"])]
            check(len(s["wall_ratios"]) == len(mine["wall_ratios"]) == 2, s)
            for a, b in zip(s["wall_ratios"], mine["wall_ratios"]):
                check(abs(a - b) <= 1e-6 * b, f"{s['workload']}/{s['backend']}: {a} != {b}")
            check(abs(s["wall_ratio"] - mine["wall_ratio"]) <= 1e-6 * mine["wall_ratio"], s)
        # truth: over the baseline runs of every shard (tiny: shards 1 and 2)
        tiny = [w for w in m_res["workloads"] if w["name"] == "tiny"][0]
        check(tiny["truth"]["runs"] == 4, tiny["truth"])
        for name in ("overhead.png", "accuracy-tiny.png", "tradeoff-sleep.png"):
            check(os.path.getsize(os.path.join(merged, "charts", name)) > 1000, name)
        check("| tiny | launched |" in m_md, m_md)


def test_merge_refusals():
    """merge refuses, with exit 2 and a message: the same shard twice, a
    missing shard, mixed configs, other machines (unless --force), a folder
    without results, and --out pointing at a shard's folder."""
    with tempfile.TemporaryDirectory() as tmp:
        d1, d2, d3 = run_shards(tmp)
        out = os.path.join(tmp, "m")
        cases = [([d1, d1, d2, d3], "given twice"),
                 ([d1, d3], "shard 2/3 missing"),
                 ([d1, d2, d3, os.path.join(tmp, "nowhere")], "cannot open")]
        other = os.path.join(tmp, "other")
        r = run(["--quiet", "--shard", "2/3", "--out", other, cfg("small.yaml")])
        check(r.returncode == 0, r.stderr)
        cases.append(([d1, other, d3], "mixed configs"))
        r2 = os.path.join(tmp, "r2")
        r = run(["--quiet", "--shard", "2/3", "--rounds", "1", "--out", r2, cfg("shards.yaml")])
        check(r.returncode == 0, r.stderr)
        cases.append(([d1, r2, d3], "rounds"))
        moved = os.path.join(tmp, "moved")
        os.mkdir(moved)
        with open(os.path.join(d2, "results.json")) as f:
            doc = json.load(f)
        doc["machine"]["cpu_model"] = "Another CPU"
        with open(os.path.join(moved, "results.json"), "w") as f:
            json.dump(doc, f)
        cases.append(([d1, moved, d3], "CPU model"))
        for dirs, text in cases:
            r = run(["merge", "--out", out, *dirs])
            check(r.returncode == 2, f"{text}: exit {r.returncode}: {r.stderr}")
            check(text in r.stderr, f"{text}: {r.stderr}")
            check(not os.path.exists(os.path.join(out, "results.json")), f"{text}: wrote")
        r = run(["merge", "--force", "--quiet", "--out", out, d1, moved, d3])
        check(r.returncode == 0 and "warning" in r.stderr, r.stderr)
        r = run(["merge", "--out", d2, d1, d2, d3])
        check(r.returncode == 2 and "one of the folders being merged" in r.stderr, r.stderr)
        r = run(["merge"])
        check(r.returncode == 2 and "result folders" in r.stderr, r.stderr)
        r = run(["merge", "--shard", "1/3", "--out", out, d1, d2, d3])
        check(r.returncode == 2 and "not an option of merge" in r.stderr, r.stderr)
