"""End-to-end tests: overhead estimators, --precision, instruction counts."""
import os
import subprocess
import tempfile

import common
from common import *  # noqa: F401,F403 (run, cfg, check, Skip, ...)


# ---------------------------------------------------------------- --metric instructions

def valgrind_installed():
    return subprocess.run(["sh", "-c", "command -v valgrind"], capture_output=True).returncode == 0


def test_estimators_command():
    """`estimators` prints every candidate estimator with A/A coverage and the
    recovery of a known cost (--pair); bad input is exit 2 with a message."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out")
        r = run(["--quiet", "--out", out, cfg("validity.yaml")])
        check(r.returncode == 0, f"exit {r.returncode}: {r.stderr}")
        res = os.path.join(out, "results.json")
        r = run(["estimators", "--pair", "det-burn:deterministic", res])
        check(r.returncode == 0, f"exit {r.returncode}: {r.stderr}")
        for name in ("min-ratio", "q25-ratio", "low-half-ratio", "median-ratio", "probe-ratio"):
            check(name in r.stdout, r.stdout)
        check("A/A rows" in r.stdout and "contain 1.0" in r.stdout, r.stdout)
        line = [l for l in r.stdout.splitlines() if l.strip().startswith("min-ratio")
                and "tiny" in l][-1]
        recovery = float(line.split("tiny")[1].split()[0])
        # burn 0.5: 1.5x the tracer's own region; generous bounds (a loaded
        # machine, a 30 ms region), the direction and rough size only
        check(1.05 < recovery < 2.5, line)
        r = run(["estimators", "--pair", "nocolon", res])
        check(r.returncode == 2 and "--pair needs BURN:BASE" in r.stderr, r.stderr)
        r = run(["estimators", os.path.join(tmp, "missing.json")])
        check(r.returncode == 2 and "missing.json" in r.stderr, r.stderr)


@figures
def test_precision_adds_rounds():
    """--precision: a loose target stops every cell at the configured rounds;
    an unreachable one adds rounds until --max-time and marks the cells that
    did not converge."""
    with tempfile.TemporaryDirectory() as tmp:
        loose, tight = os.path.join(tmp, "loose"), os.path.join(tmp, "tight")
        r = run(["--quiet", "--out", loose, "--only-backend", "none", "--rounds", "5",
                 "--precision", "50%", cfg("validity.yaml")])
        check(r.returncode == 0, f"exit {r.returncode}: {r.stderr}")
        results, rows, md = load_outputs(loose)
        check([c["rounds"] for c in results["summary"]] == [5], results["summary"])
        check(results["summary"][0]["converged"] is True, results["summary"])
        r = run(["--out", tight, "--only-backend", "none", "--only-backend", "deterministic",
                 "--rounds", "5", "--precision", "0.001%", "--max-time", "8s",
                 cfg("validity.yaml")])
        check(r.returncode == 0, f"exit {r.returncode}: {r.stderr}")
        results, rows, md = load_outputs(tight)
        check(all(c["rounds"] > 5 for c in results["summary"]), results["summary"])
        check(all(c["converged"] is False for c in results["summary"]), results["summary"])
        check("not converged" in r.stdout, r.stdout)
        r = run(["--precision", "0%", cfg("validity.yaml")])
        check(r.returncode == 2 and "--precision" in r.stderr, r.stderr)


@figures
def test_metric_instructions():
    """--metric instructions: results record the metric and each run's count;
    the tracing rows get instruction ratios (the A/A row exactly 1), the
    sampler and the launched baseline are n/a, never a number; compare
    refuses to mix metrics."""
    if not valgrind_installed():
        raise Skip("valgrind not installed (make deps installs it)")
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out")
        r = run(["--metric", "instructions", "--out", out, cfg("instructions.yaml")], timeout=900)
        if r.returncode == 2 and "AddressSanitizer" in r.stderr:
            check(not os.path.exists(os.path.join(out, "results.json")), "wrote results")
            raise Skip("an AddressSanitizer build cannot run under valgrind")
        check(r.returncode == 0, f"exit {r.returncode}: {r.stderr}")
        check("instr overhead" in r.stdout and "n/a (timer-driven)" in r.stdout, r.stdout)
        res, rows, md = load_outputs(out)
        check(res["metric"] == "instructions", res.get("metric"))
        base = [x for x in res["runs"] if x["baseline"]]
        check(len(base) == 2 and all(x["instructions"] > 1e6 for x in base), base)
        # the same code twice: the same count to within 0.1%
        counts = [x["instructions"] for x in base]
        check(max(counts) / min(counts) - 1 < 0.001, counts)
        by = {s["backend"]: s for s in res["summary"]}
        check(abs(by["none"]["instr_ratio"] - 1) < 0.001, by["none"])
        for name in ("deterministic", "cprofile"):
            s = by[name]
            check(s["status"] == "ok" and s["instr_ratio"] > 1.01, s)
            check(len(s["instr_ratios"]) == 2, s)
            check(s["instr_ratio_hi"] / s["instr_ratio_lo"] - 1 < 0.001, s)
        for name, why in (("sampling", "timer-driven"), ("launched", "launched")):
            s = by[name]
            check(s["status"] == "n/a" and why in s["reason"], s)
            check(s["instr_ratio"] is None and s["instr_ratios"] == [], s)
            check(not any(x["backend"] == name for x in res["runs"]), f"{name} was run")
        csv_by = {row[1]: dict(zip(rows[0], row)) for row in rows[1:]}
        check(csv_by["sampling"]["status"] == "n/a" and csv_by["sampling"]["instr_ratio"] == "",
              csv_by["sampling"])
        check(float(csv_by["deterministic"]["instr_ratio"]) > 1.01, csv_by["deterministic"])
        check("| instr overhead [95% CI] |" in md and "n/a (timer-driven)" in md, md)
        # instructions and wall are not comparable
        wall = os.path.join(tmp, "wall")
        r = run(["--quiet", "--out", wall, "--only-backend", "none", cfg("instructions.yaml")])
        check(r.returncode == 0, r.stderr)
        r = run(["compare", os.path.join(wall, "results.json"), os.path.join(out, "results.json")])
        check(r.returncode == 2 and "not comparable" in r.stderr, r.stderr)
        r = run(["--metric", "cycles", cfg("instructions.yaml")])
        check(r.returncode == 2 and "--metric" in r.stderr, r.stderr)
