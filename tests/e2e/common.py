"""Shared helpers of the end-to-end tests (tests/e2e/run.py runs them): the
binaries under test, running them, configs, result files, assertions, Skip."""
import csv
import json
import os
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CONFIGS = os.path.join(HERE, "configs")
CSV_LEADING = ("workload,backend,status,wall_ratio,wall_ratio_lo,wall_ratio_hi,"
               "cpu_ratio,rss_delta_kb,fae_pp,ce_pp").split(",")
BINARY = None
TEST_BINARY = None


class Skip(Exception):
    """A test that cannot run here (says why; counted, not passed)."""


def figures(fn):
    """Marks a test whose subject is figures the harness measures (accuracy,
    overhead, a gate or a table of them). `run.py --no-figures` leaves it
    out, as the sanitized build's e2e pass does: that build runs the
    harness 2-3x slower, so its figures are not the product's (a sampler's
    thread coverage failed a sanitized CI run so), and the code these tests
    reach is reached by the others under the sanitizers
    (tests/e2e/coverage.py measures how much)."""
    fn.figures = True
    return fn


def run(args, timeout=300, **kw):
    """Run the binary; returns CompletedProcess with text output."""
    return subprocess.run([BINARY] + args, capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT, **kw)


def cfg(name):
    return os.path.join(CONFIGS, name)


def load_outputs(out):
    with open(os.path.join(out, "results.json")) as f:
        results = json.load(f)
    with open(os.path.join(out, "summary.csv"), newline="") as f:
        rows = list(csv.reader(f))
    with open(os.path.join(out, "summary.md")) as f:
        md = f.read()
    return results, rows, md


def check(cond, msg):
    if not cond:
        raise AssertionError(msg)


# ------------------------------------------------ test build (fault injection)

def check_tool_failures_only(r, res, tools):
    """The job completed (exit 0, or 1 with failed rows), and every failed
    run is a launcher tool's own exit, said in the test's output: `tools`
    maps each backend allowed to fail so to the tool's words in the reason
    (austin 3.7 now and then exits 32 without finding the interpreter);
    anything else fails the test. Returns those failed runs."""
    check(r.returncode in (0, 1), f"exit {r.returncode}: {r.stderr}")
    failed = [x for x in res["runs"] if x["status"] != "ok"]
    for x in failed:
        words = tools.get(x["backend"])
        check(words is not None and words in (x["reason"] or ""), (x["backend"], x["reason"]))
        print(f"  ({x['backend']}'s own failure, accepted: {x['reason']})")
    check(r.returncode == (1 if failed else 0), (r.returncode, len(failed)))
    return failed


def need_test_binary():
    if not TEST_BINARY or not os.access(TEST_BINARY, os.X_OK):
        raise Skip("no test build (make build/test/pyprof-bench-test)")


def run_test_build(args, fault=None, timeout=300):
    env = dict(os.environ)
    env.pop("PB_FAULT", None)
    if fault:
        env["PB_FAULT"] = fault
    return subprocess.run([TEST_BINARY] + args, capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT, env=env)


def tiny_config(tmp, name, rounds, backends):
    """A config file in tmp: the tiny workload (a loop and a nap) under the
    given backends (each its own kind), rounds measured rounds, no warm-up."""
    conf = os.path.join(tmp, name)
    with open(conf, "w") as f:
        f.write(f"""defaults: {{rounds: {rounds}, warmup: 0, timeout: 30s}}
workloads:
  - name: tiny
    file: {HERE}/workloads/tiny.py
    phases:
      - {{function: spin, args: [100000], category: python}}
      - {{function: nap, args: [0.01], category: system}}
backends:
""" + "".join(f"  - {{name: {b}, kind: {b}}}\n" for b in backends))
    return conf


def small_matrix(tmp):
    """One workload, the baseline and two profilers with reports: the config
    the fault tests run."""
    return tiny_config(tmp, "m.yaml", 1, ("none", "deterministic", "sampling"))


def pinned_version():
    """X.Y of the CPython the build pins (Debian's 3.11 on Debian 12, 3.13 on
    Debian 13): tests/pinned-python.sh, as the Makefile decides it."""
    out = subprocess.run(["sh", os.path.join(ROOT, "tests", "pinned-python.sh")],
                         capture_output=True, text=True).stdout.strip()
    return out or "3.11"


def venv_python():
    """The interpreter the worker embeds: the profilers' venv of `make deps`
    (PYPROF_BENCH_VENV overrides, as for the binary), else Debian's."""
    py = "python" + pinned_version()
    venv = os.environ.get("PYPROF_BENCH_VENV", os.path.join(ROOT, "build", "venv"))
    exe = os.path.join(venv, "bin", py) if venv else ""
    return exe if exe and os.access(exe, os.X_OK) else "/usr/bin/" + py


def yappi_installed():
    return importable("yappi")


# The fake tools on PATH must not be shadowed by the venv's real ones.
NO_VENV = {"PYPROF_BENCH_VENV": ""}


def importable(module):
    return subprocess.run([venv_python(), "-c", f"import {module}"],
                          capture_output=True).returncode == 0


def fake_results(path, ratios, cpu="Test CPU", python="3.11.2 (main)"):
    doc = {"schema": 1, "machine": {"cpu_model": cpu}, "python": python,
           "summary": [{"workload": "mixed", "backend": "det", "clock": "wall",
                        "wall_ratios": ratios}]}
    with open(path, "w") as f:
        json.dump(doc, f)


def cells(results):
    return [(s["workload"], s["backend"]) for s in results["summary"]]
