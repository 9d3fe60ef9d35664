"""Scale (issue 18): any number of threads in the truth and the tables, the
sampler's cost per sample, long regions with bounded sampler memory and
profiles as large as their distinct stacks. Bounds are generous: the machine
is shared, and these are behaviours, not timing goals."""
import atexit
import glob
import os
import re
import shutil
import subprocess
import tempfile

from common import ROOT, Skip, cfg, check, load_outputs, run

_RESULT = {}


def _scale_run():
    """One run of tests/e2e/configs/scale.yaml shared by the tests here."""
    if "out" not in _RESULT:
        tmp = tempfile.mkdtemp(prefix="pb-e2e-scale.")
        atexit.register(shutil.rmtree, tmp, True)
        out = os.path.join(tmp, "out")
        r = run(["--out", out, "--export-profiles", cfg("scale.yaml")], timeout=900)
        check(r.returncode == 0, f"exit {r.returncode}: {r.stderr[-2000:]}")
        _RESULT["out"] = out
        _RESULT["stderr"] = r.stderr
        _RESULT["loaded"] = load_outputs(out)
    return _RESULT["out"], _RESULT["stderr"], _RESULT["loaded"][0]


def _cell(results, workload, backend):
    return [s for s in results["summary"]
            if s["workload"] == workload and s["backend"] == backend][0]


def _runs(results, workload, backend):
    """Measured runs of a backend (None: the in-process baseline)."""
    return [r for r in results["runs"] if r["workload"] == workload
            and r["backend"] == backend and not r.get("warmup")
            and (backend is not None or r.get("baseline_kind") == "in-process")]


def _in_process(results, workload):
    """The runs whose worker records threads: not the launched tools'."""
    return [r for r in results["runs"] if r["workload"] == workload and r["status"] == "ok"
            and r.get("baseline_kind") != "launched"]


def test_scale_every_thread_in_the_truth():
    """256 threads of one name: one key summing every thread, in every run,
    and the sampler sees nearly all of their time."""
    _, _, results = _scale_run()
    for r in _in_process(results, "threads_256"):
        check(len(r["threads"]) == 1 and r["threads"][0]["count"] == 256,
              f"{r['backend']}: {[(t['name'], t['count']) for t in r['threads']]}")
    wl = [w for w in results["workloads"] if w["name"] == "threads_256"][0]
    check(len(wl["threads"]) == 1 and wl["threads"][0]["count"] == 256, wl["threads"])
    s = _cell(results, "threads_256", "sampling")
    check(s["status"] == "ok" and s["thread_coverage"] is not None
          and s["thread_coverage"] >= 0.8, f"coverage {s['thread_coverage']}")


def test_scale_threads_grouped_by_pattern():
    """40 threads with default names: every one in the runs, the truth groups
    them by name pattern, and their truth warning (if any) is one line."""
    _, stderr, results = _scale_run()
    for r in _in_process(results, "numbered"):
        check(len(r["threads"]) == 40, f"{r['backend']}: {len(r['threads'])} records")
    wl = [w for w in results["workloads"] if w["name"] == "numbered"][0]
    check([(t["name"], t["grouped_by"], t["count"]) for t in wl["threads"]]
          == [("Thread-* (_sliced)", "pattern", 40)], wl["threads"])
    lines = [l for l in stderr.splitlines() if "truth of numbered" in l and "threads of" in l]
    check(len(lines) <= 1, lines)
    check(not any("thread Thread-" in l for l in stderr.splitlines()), stderr[-2000:])
    notes = [r["note"] or "" for r in results["runs"]]
    check(not any("more than 32" in n for n in notes), "the old cap message")


def test_scale_cost_per_sample_and_charts():
    """The sampling backend's CPU per sample is measured (its note agrees it
    is under a millisecond at depth 10); the depth and region axes (two
    workloads each) get a chart, threads (one) none."""
    out, _, results = _scale_run()
    s = _cell(results, "depth_10", "sampling")
    cps = s["sampler_cpu_per_sample_s"]
    check(cps is not None and 0 < cps < 1e-3, f"sampling {cps} s a sample at depth 10")
    for r in _runs(results, "depth_10", "sampling"):
        a = r["attribution"]
        check(a["samples"] > 10 and a["sampler_cpu_s"] > 0, a)
    n = _cell(results, "depth_10", "none")
    check(n["sampler_cpu_per_sample_s"] is None, "the baseline has no sampler")
    for axis in ("depth", "region"):
        for ext in ("gp", "dat"):
            path = os.path.join(out, "charts", f"scale-{axis}.{ext}")
            check(os.path.exists(path), f"no {path}")
    check(not os.path.exists(os.path.join(out, "charts", "scale-threads.gp")),
          "a chart of one point")
    with open(os.path.join(out, "charts", "scale-depth.dat")) as f:
        rows = [l.split() for l in f if not l.startswith("#")]
    check([float(r[0]) for r in rows] == [10, 1000], rows)


def test_scale_long_region_bounded():
    """Ten times the region: the sampler's tables and its exported profile
    grow with distinct stacks, not samples (generous bounds)."""
    out, _, results = _scale_run()
    def tables_mb(w):
        notes = [r["note"] for r in _runs(results, w, "sampling") if r["status"] == "ok"]
        check(notes, f"no sampling run of {w}")
        return max(float(re.search(r"tables ([0-9.]+) MB", n).group(1)) for n in notes)
    short, long_ = tables_mb("region_0.2"), tables_mb("region_2")
    check(long_ < short + 2, f"tables {short} MB at 0.2 s, {long_} MB at 2 s")
    def folded_lines(w):
        files = glob.glob(os.path.join(out, "profiles", f"{w}.sampling.r*.folded"))
        if not files:
            raise Skip(f"no exported profile of {w}")
        with open(files[0]) as f:
            return sum(1 for _ in f)
    a, b = folded_lines("region_0.2"), folded_lines("region_2")
    check(b <= 3 * a + 20, f"folded lines: {a} at 0.2 s, {b} at 2 s")
    for r in _runs(results, "region_2", "sampling"):
        samples = r["attribution"]["samples"]
        check(samples > 20 * b, f"{samples} samples in {b} lines: aggregated")


def test_sampler_floor_measures_each_step():
    """tests/bench/sampler-floor.sh builds and runs: every step it names has
    a positive time, and a bad argument is a usage error."""
    script = os.path.join(ROOT, "tests", "bench", "sampler-floor.sh")
    r = subprocess.run(["sh", script, "-n", "10", "-c", "100"], capture_output=True,
                       text=True, timeout=120, cwd=ROOT)
    check(r.returncode == 0, f"exit {r.returncode}: {r.stdout[-1000:]} {r.stderr[-1000:]}")
    steps = ("sleep 1 ms and wake, another thread spinning",
             "read a spinning thread's CPU clock",
             "sleep 1 ms and wake, nothing else running",
             "read a sleeping thread's CPU clock",
             "a bare system call (getppid)")
    for step in steps:
        m = re.search(re.escape(step) + r"\s+([0-9.]+) us  \[([0-9.]+)-([0-9.]+)\]", r.stdout)
        check(m is not None, f"no line for {step!r} in {r.stdout}")
        lo, mid, hi = float(m.group(2)), float(m.group(1)), float(m.group(3))
        check(0 < lo <= mid <= hi < 1e6, f"{step}: {mid} [{lo}-{hi}]")
    check("process_vm_readv" in r.stdout, r.stdout)
    bad = subprocess.run(["sh", script, "-n", "x"], capture_output=True, text=True,
                         timeout=120, cwd=ROOT)
    check(bad.returncode == 2 and "usage: sampler-floor" in bad.stderr,
          f"exit {bad.returncode}: {bad.stderr}")
