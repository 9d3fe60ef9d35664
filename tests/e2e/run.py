#!/usr/bin/python3
"""End-to-end tests: run the real pyprof-bench binary on real configs.

Usage: tests/e2e/run.py [--binary ./pyprof-bench] [--test-binary build/test/pyprof-bench-test] [-k SUBSTRING]
Each test is a function named test_*; the closing line is 'N passed, N failed, N skipped'.
Tests of the test build (fault injection, test-only backends) are skipped without --test-binary.
"""
import argparse
import csv
import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CONFIGS = os.path.join(HERE, "configs")
CSV_LEADING = ("workload,backend,status,wall_ratio,wall_ratio_lo,wall_ratio_hi,"
               "cpu_ratio,rss_delta_kb,fae_pp,ce_pp").split(",")
BINARY = None
TEST_BINARY = None


class Skip(Exception):
    """A test that cannot run here (says why; counted, not passed)."""


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


# ---------------------------------------------------------------- tests

def test_help_and_version():
    """--help documents options and exit codes; --version prints the version."""
    r = run(["--help"])
    check(r.returncode == 0, f"--help exit {r.returncode}")
    for word in ("--list", "--out", "--only-backend", "--only-workload", "--rounds",
                 "--quiet", "exit status", "130"):
        check(word in r.stdout, f"--help lacks {word!r}")
    r = run(["--version"])
    check(r.returncode == 0 and r.stdout.startswith("pyprof-bench "), r.stdout)


def test_usage_errors():
    """Bad command lines exit 2 with a message and run nothing."""
    for args, text in ((["--frobnicate", cfg("small.yaml")], "unknown option"),
                       ([], "missing CONFIG.yaml"),
                       (["--rounds", "0", cfg("small.yaml")], "--rounds"),
                       ([cfg("small.yaml"), "extra"], "unexpected argument")):
        r = run(args)
        check(r.returncode == 2, f"{args}: exit {r.returncode}")
        check(text in r.stderr, f"{args}: stderr {r.stderr!r}")


def test_bad_config_reports_location_and_runs_nothing():
    """A config error cites file:line:column, suggests the key, exits 2, writes nothing."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out")
        r = run(["--out", out, cfg("bad_typo.yaml")])
        check(r.returncode == 2, f"exit {r.returncode}")
        check("bad_typo.yaml:3:3:" in r.stderr, r.stderr)
        check("did you mean 'warmup'" in r.stderr, r.stderr)
        check(not os.path.exists(out), "output folder created for a bad config")


def test_list_shows_availability():
    """--list names every workload and backend with its availability."""
    r = run(["--list", cfg("small.yaml")])
    check(r.returncode == 0, f"exit {r.returncode}: {r.stderr}")
    for word in ("tiny", "sleep", "none", "available"):
        check(word in r.stdout, f"--list lacks {word!r}: {r.stdout}")


def test_only_filters_and_unknown_names():
    """--only-workload limits the matrix; an unknown name exits 2 with a suggestion."""
    r = run(["--only-workload", "tny", cfg("small.yaml")])
    check(r.returncode == 2 and "did you mean 'tiny'" in r.stderr, r.stderr)
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out")
        r = run(["--quiet", "--rounds", "1", "--only-workload", "sleep", "--out", out,
                 cfg("small.yaml")])
        check(r.returncode == 0, f"exit {r.returncode}: {r.stderr}")
        results, rows, _ = load_outputs(out)
        check([w["name"] for w in results["workloads"]] == ["sleep"], results["workloads"])
        check(len(rows) == 2, rows)


def test_small_config_outputs():
    """A good config: exit 0, the three files parse, CSV columns as documented,
    sleep truth is almost all off-CPU, interleaved rounds recorded."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out")
        r = run(["--out", out, cfg("small.yaml")])
        check(r.returncode == 0, f"exit {r.returncode}: {r.stderr}")
        results, rows, md = load_outputs(out)
        check(rows[0][:len(CSV_LEADING)] == CSV_LEADING, rows[0])
        check(len(rows) == 3, f"rows {rows}")
        for row in rows[1:]:
            d = dict(zip(rows[0], row))
            check(d["status"] == "ok", d)
            ratio = float(d["wall_ratio"])
            check(0.3 < ratio < 3, f"A/A ratio {ratio}")
            # 3 rounds: too few for an interval, and none is made up
            check(d["wall_ratio_lo"] == "" and d["wall_ratio_hi"] == "", d)
            # the none row has no attribution error; its FAE is its DE: the floor
            check(d["ae_pp"] == "", "none has no AE")
            check(d["fae_pp"] == d["de_pp"] == d["floor_fae_pp"] != "", d)
        check("(no CI, 3 rounds)" in r.stdout, r.stdout)
        check("noise floor" in r.stdout and "AE (attribution error)" in r.stdout, r.stdout)
        check(results["schema"] == 1, "schema")
        for key in ("tool", "config", "machine", "python", "workloads", "backends",
                    "runs", "summary"):
            check(key in results, f"results.json lacks {key}")
        check(results["config"]["hash"] and len(results["config"]["hash"]) == 16, "hash")
        check("3.11" in results["python"], results["python"])
        sleep = [w for w in results["workloads"] if w["name"] == "sleep"][0]
        ph = sleep["phases"][0]
        cpu = ph["truth_user_s"] + ph["truth_sys_s"]
        check(cpu < 0.1 * ph["truth_wall_s"], f"sleep truth cpu {cpu} of {ph['truth_wall_s']}")
        check(sleep["truth"]["runs"] == 3, sleep["truth"])
        # (3 rounds + 1 warm-up) x 2 workloads x (baseline + none)
        check(len(results["runs"]) == 16, len(results["runs"]))
        check(sum(1 for x in results["runs"] if x["warmup"]) == 4, "warm-ups")
        check(all(x["status"] == "ok" for x in results["runs"]), "all ok")
        check("| tiny | none |" in md, md[:400])
        check("T = " in r.stdout and "wall overhead" in r.stdout, r.stdout)
        # Not a terminal: plain progress lines.
        check("run 1/16 " in r.stderr, r.stderr[:300])
        for line in r.stdout.splitlines():
            check(len(line) <= 100, f"table line over 100 columns: {line!r}")


def test_failures_become_failed_runs():
    """A raising, aborting, hanging, missing or misnamed workload is a failed run with
    the right reason; the good workload still completes; exit status 1."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out")
        t0 = time.monotonic()
        r = run(["--out", out, cfg("failures.yaml")], timeout=120)
        check(r.returncode == 1, f"exit {r.returncode}: {r.stderr}")
        results, rows, _ = load_outputs(out)
        by = {row[0]: dict(zip(rows[0], row)) for row in rows[1:]}
        check(by["ok"]["status"] == "ok", by["ok"])
        want = {
            "raises": "ValueError: boom 42",
            "aborts": "killed by SIGABRT",
            "hangs": "timeout after 2 s",
            "missing_file": "workload file not found",
            "missing_function": "has no function 'no_such_function'",
        }
        for name, text in want.items():
            check(by[name]["status"] == "failed", by[name])
            check(text in by[name]["reason"], f"{name}: {by[name]['reason']!r}")
        # A cell that failed twice is not retried: hangs costs at most 2 timeouts
        # (its baseline and its none run are separate cells of the same workload).
        check(time.monotonic() - t0 < 60, "failures took too long")


def workers_of(tag):
    """PIDs of live processes whose environment holds PB_E2E_TAG=tag: the
    workers of one harness, whatever their process group (each worker has
    its own) and whoever else runs pyprof-bench on this machine."""
    found = []
    want = f"PB_E2E_TAG={tag}".encode()
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                env = f.read().split(b"\0")
            with open(f"/proc/{pid}/stat") as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if want in env and state != "Z":
            found.append(int(pid))
    return found


def interrupt_run(sig, code):
    """Send sig mid-run: exit code, finished runs written and valid JSON, the
    run in flight not kept, no worker left behind."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out")
        tag = f"{os.getpid()}-{sig}-{time.monotonic_ns()}"
        env = dict(os.environ, PB_E2E_TAG=tag)
        p = subprocess.Popen([BINARY, "--out", out, cfg("long.yaml")], cwd=ROOT, env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        # Progress lines ("run 3/50 tiny/none ok 0.21 s") come one per
        # finished run on a pipe; read them in a thread, so that the signal
        # goes after three finished runs however slow the build (ASan), and
        # while a worker is running (mid-run, not between runs).
        lines = []
        reader = threading.Thread(target=lambda: lines.extend(p.stderr), daemon=True)
        reader.start()
        deadline = time.monotonic() + 120
        while (sum(x.startswith("run ") for x in list(lines)) < 3
               and time.monotonic() < deadline and p.poll() is None):
            time.sleep(0.02)
        while not workers_of(tag) and time.monotonic() < deadline and p.poll() is None:
            time.sleep(0.01)
        check(workers_of(tag), "no worker seen running")
        p.send_signal(sig)
        p.wait(timeout=60)
        reader.join(timeout=10)
        stderr = "".join(lines)
        check(p.returncode == code, f"exit {p.returncode}, want {code}: {stderr}")
        results, rows, _ = load_outputs(out)
        check(results["interrupted"] is True, "interrupted flag")
        check(len(results["runs"]) >= 3, f"{len(results['runs'])} runs kept")
        check(all(x["status"] == "ok" for x in results["runs"]), "no interrupted run kept")
        check(not any(n.startswith(".") and ".tmp." in n for n in os.listdir(out)),
              f"temporary files left: {os.listdir(out)}")
        deadline = time.monotonic() + 10
        while workers_of(tag) and time.monotonic() < deadline:
            time.sleep(0.1)
        check(not workers_of(tag), f"workers left behind: {workers_of(tag)}")


def test_sigint_keeps_finished_runs():
    """Ctrl-C: exit 130, results for finished runs written and valid, no worker left."""
    interrupt_run(signal.SIGINT, 130)


def test_sigterm_keeps_finished_runs():
    """SIGTERM: exit 143, results for finished runs written and valid, no worker left."""
    interrupt_run(signal.SIGTERM, 143)


def test_two_harnesses_same_out():
    """Two harnesses started on the same --out: the second is refused (exit 2) while
    the first runs on and writes complete results."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out")
        first = subprocess.Popen([BINARY, "--quiet", "--rounds", "8", "--out", out,
                                  cfg("long.yaml")], cwd=ROOT, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 30
        while not os.path.exists(os.path.join(out, ".lock")) and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)
        second = run(["--quiet", "--out", out, cfg("small.yaml")])
        check(second.returncode == 2, f"second run: exit {second.returncode}")
        check("in use by another pyprof-bench run" in second.stderr, second.stderr)
        _, err = first.communicate(timeout=120)
        check(first.returncode == 0, f"first run: exit {first.returncode}: {err}")
        results, _, _ = load_outputs(out)
        check(results["config"]["path"].endswith("long.yaml"), "results of the first run")
        check(len(results["runs"]) == 16, f"{len(results['runs'])} runs")


def test_wrong_argument_type():
    """Phase arguments of the wrong type for the function: a failed run with the
    Python error, the rest of the matrix runs."""
    with tempfile.TemporaryDirectory() as tmp:
        conf = os.path.join(tmp, "c.yaml")
        with open(conf, "w") as f:
            f.write(f"""defaults: {{rounds: 1, warmup: 0, timeout: 20s}}
workloads:
  - name: badargs
    file: {HERE}/workloads/tiny.py
    phases:
      - {{function: spin, args: ["many"], category: python}}
  - name: tooMany
    file: {HERE}/workloads/tiny.py
    phases:
      - {{function: nap, args: [0.01, 2, 3], category: system}}
  - name: good
    file: {HERE}/workloads/tiny.py
    phases:
      - {{function: nap, args: [0.01], category: system}}
backends:
  - {{name: none, kind: none}}
""")
        out = os.path.join(tmp, "out")
        r = run(["--quiet", "--out", out, conf], timeout=120)
        check(r.returncode == 1, f"exit {r.returncode}: {r.stderr}")
        _, rows, _ = load_outputs(out)
        by = {row[0]: dict(zip(rows[0], row)) for row in rows[1:]}
        check(by["good"]["status"] == "ok", by["good"])
        check("TypeError" in by["badargs"]["reason"], by["badargs"])
        check("TypeError" in by["tooMany"]["reason"], by["tooMany"])


def test_hostile_configs_through_the_binary():
    """The hostile configs of test_config, through the real CLI: exit 2, a located
    message, quickly, nothing written."""
    bad = os.path.join(ROOT, "tests", "configs", "bad")
    with tempfile.TemporaryDirectory() as tmp:
        bomb = os.path.join(tmp, "bomb.yaml")
        with open(bomb, "w") as f:
            f.write("a: &a [x, x, x, x, x, x, x, x, x]\n")
            for prev, name in zip("abcdefgh", "bcdefghi"):
                f.write(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]\n")
        deep = os.path.join(tmp, "deep.yaml")
        with open(deep, "w") as f:
            f.write("[" * 100000 + "]" * 100000 + "\n")
        huge = os.path.join(tmp, "huge.yaml")
        with open(huge, "w") as f:
            f.write("defaults:\n  rounds: " + "9" * (8 << 20) + "\n")
        toobig = os.path.join(tmp, "toobig.yaml")
        with open(toobig, "w") as f:
            f.write("# " + "x" * (17 << 20) + "\n")
        dup = os.path.join(tmp, "dup.yaml")
        with open(dup, "w") as f:
            f.write("defaults:\n  rounds: 3\n  rounds: 4\n")
        cases = [
            (bomb, "aliases (*name) are not supported"),
            (deep, "deep.yaml:1:"),
            (huge, "huge.yaml:2:11: rounds must be an integer"),
            (toobig, "larger than 16 MB"),
            (dup, "dup.yaml:3:3: duplicate key 'rounds'"),
            (os.path.join(bad, "utf8.yaml"), "utf8.yaml:2:"),
            (bad, "is a directory"),
            (os.path.join(bad, "empty.yaml"), "empty.yaml:1:1: empty config"),
            (os.path.join(bad, "cycle_a.yaml"), "include cycle"),
        ]
        for path, text in cases:
            out = os.path.join(tmp, "out")
            t0 = time.monotonic()
            r = run(["--out", out, path], timeout=60)
            check(r.returncode == 2, f"{path}: exit {r.returncode}: {r.stderr[:300]}")
            check(text in r.stderr, f"{path}: {r.stderr[:300]!r}")
            check(time.monotonic() - t0 < 20, f"{path}: took {time.monotonic() - t0:.1f} s")
            check(not os.path.exists(out), f"{path}: output written")


# ------------------------------------------------ test build (fault injection)

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


def small_matrix(tmp):
    """One workload, the baseline and two profilers with reports: the config
    the fault tests run."""
    conf = os.path.join(tmp, "m.yaml")
    with open(conf, "w") as f:
        f.write(f"""defaults: {{rounds: 1, warmup: 0, timeout: 30s}}
workloads:
  - name: tiny
    file: {HERE}/workloads/tiny.py
    phases:
      - {{function: spin, args: [100000], category: python}}
      - {{function: nap, args: [0.01], category: system}}
backends:
  - {{name: none, kind: none}}
  - {{name: deterministic, kind: deterministic}}
  - {{name: sampling, kind: sampling}}
""")
    return conf


def test_faulty_backends_matrix_goes_on():
    """Test build: backends that crash in start() or stop(), hang in stop() and return
    garbage fail with their reasons; none, deterministic and the garbage strings
    row are measured; results.json is valid JSON."""
    need_test_binary()
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out")
        t0 = time.monotonic()
        r = run_test_build(["--quiet", "--out", out, cfg("faulty.yaml")])
        check(r.returncode == 1, f"exit {r.returncode}: {r.stderr}")
        results, rows, _ = load_outputs(out)
        by = {row[1]: dict(zip(rows[0], row)) for row in rows[1:]}
        for name in ("none", "deterministic", "garbage-strings"):
            check(by[name]["status"] == "ok", by[name])
        want = {"crash-start": "killed by SIGSEGV", "crash-stop": "killed by SIGSEGV",
                "hang-stop": "timeout after 5 s",
                "garbage-numbers": "backend returned"}
        for name, text in want.items():
            check(by[name]["status"] == "failed", by[name])
            check(text in by[name]["reason"], f"{name}: {by[name]['reason']!r}")
        # The garbage names reached results.json escaped: it parsed above.
        names = [e for s in results["summary"] if s["backend"] == "garbage-strings"
                 for e in [s]]
        check(names, "garbage-strings in the summary")
        check(time.monotonic() - t0 < 120, "the hang cost more than its timeout")


def flat_config(tmp, phases):
    """flat.py with the given phases under the baseline, the deterministic tracer
    (a call tree) and test-flat (the same report flattened)."""
    conf = os.path.join(tmp, "flat.yaml")
    lines = "".join(f"      - {{function: {p}, args: [400000], category: python}}\n"
                    for p in phases)
    with open(conf, "w") as f:
        f.write(f"""defaults: {{rounds: 2, warmup: 0, timeout: 60s}}
workloads:
  - name: flat
    file: {HERE}/workloads/flat.py
    phases:
{lines}backends:
  - {{name: none, kind: none}}
  - {{name: deterministic, kind: deterministic}}
  - {{name: flat, kind: test-flat}}
""")
    return conf


def test_flat_profile_mapped_to_phases():
    """Test build: a flat profile that names only the helpers the phases call is
    credited to the phases through the calibration's reach map (FAE a real figure,
    not 100); the call-tree backend's rows carry no mapping note; a helper reached
    from two phases makes the flat row's FAE n/a with the reason in its note."""
    need_test_binary()
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out")
        r = run_test_build(["--out", out, flat_config(tmp, ["phase_one", "phase_two"])])
        check(r.returncode == 0, f"exit {r.returncode}: {r.stderr}")
        check("calibrating flat ok" in r.stderr, r.stderr[:400])
        results, rows, _ = load_outputs(out)
        # Calibration runs are not results: 2 rounds x (baseline + 3 backends).
        check(len(results["runs"]) == 8, len(results["runs"]))
        by = {row[1]: dict(zip(rows[0], row)) for row in rows[1:]}
        for name in ("deterministic", "flat"):
            check(by[name]["status"] == "ok", by[name])
            check(by[name]["fae_pp"] != "" and float(by[name]["fae_pp"]) < 50, by[name])
        for x in results["runs"]:
            note = x["note"] or ""
            if x["backend"] == "flat":
                check("flat profile: 2 entries mapped to phases by reachability" in note, note)
                check(x["attribution"]["phases_s"][0] > 0 and
                      x["attribution"]["phases_s"][1] > 0, x["attribution"])
            elif x["backend"] == "deterministic":
                check("flat profile" not in note, note)

        out2 = os.path.join(tmp, "out2")
        r = run_test_build(["--quiet", "--out", out2,
                            flat_config(tmp, ["phase_shared_a", "phase_shared_b"])])
        check(r.returncode == 0, f"exit {r.returncode}: {r.stderr}")
        results, rows, _ = load_outputs(out2)
        by = {row[1]: dict(zip(rows[0], row)) for row in rows[1:]}
        check(by["flat"]["status"] == "ok" and by["flat"]["fae_pp"] == "", by["flat"])
        check(by["deterministic"]["fae_pp"] != "", by["deterministic"])
        flat_runs = [x for x in results["runs"] if x["backend"] == "flat"]
        check(flat_runs, "flat runs")
        for x in flat_runs:
            check("FAE n/a: shared reachable from phases phase_shared_a, phase_shared_b"
                  in (x["note"] or ""), x["note"])
            check(x["attribution"]["other_s"] is None, x["attribution"])


def test_fault_malloc_in_config_loader():
    """Test build: every allocation of the config loader, failed in turn (all.yaml and
    its include): each run exits 2 with 'out of memory', nothing is written."""
    need_test_binary()
    conf = os.path.join(ROOT, "configs", "all.yaml")
    n = 1
    with tempfile.TemporaryDirectory() as tmp:
        while n < 10000:
            out = os.path.join(tmp, f"out{n}")
            r = run_test_build(["--out", out, "--list", conf], fault=f"malloc:config:{n}")
            if "fault injected" not in r.stderr:
                check(r.returncode == 0, f"no fault at {n} but exit {r.returncode}: {r.stderr}")
                break
            check(r.returncode == 2, f"malloc {n}: exit {r.returncode}: {r.stderr}")
            check("out of memory" in r.stderr, f"malloc {n}: {r.stderr}")
            check(not os.path.exists(out), f"malloc {n}: output written")
            n += 1
    check(n > 20, f"only {n - 1} allocations counted")
    print(f"     config loader: {n - 1} allocations failed in turn")


def test_fault_malloc_in_report_collection():
    """Test build: the Nth allocation of report collection failed in every worker, N
    = 1, 2, ... until none fails: the runs that hit it fail with 'out of memory', the
    others are measured, results.json is valid, never a crash of the harness."""
    need_test_binary()
    with tempfile.TemporaryDirectory() as tmp:
        conf = small_matrix(tmp)
        n = 1
        while n < 2000:
            out = os.path.join(tmp, f"out{n}")
            r = run_test_build(["--quiet", "--out", out, conf], fault=f"malloc:report:{n}")
            check(r.returncode in (0, 1), f"malloc {n}: exit {r.returncode}: {r.stderr}")
            results, rows, _ = load_outputs(out)
            failed = [x for x in results["runs"] if x["status"] != "ok"]
            for x in failed:
                check("out of memory" in x["reason"], f"malloc {n}: {x['reason']}")
            check((r.returncode == 1) == bool(failed), f"malloc {n}: exit {r.returncode}")
            shutil.rmtree(out)
            if not failed:
                break
            # Past the small messages, step faster: the reports differ in size.
            n += 1 if n < 40 else 7
        check(n > 5, f"only {n} allocations counted")
        print(f"     report collection: faults at 1..{n} tried")


def test_fault_write_each_result_file():
    """Test build: writing each result file fails half way with ENOSPC: a clear
    message, exit 1, that file absent (no half file, no temporary file), the other
    files complete."""
    need_test_binary()
    names = ["results.json", "summary.csv", "summary.md", "overhead.dat", "overhead.gp",
             "accuracy-tiny.dat", "tradeoff-tiny.gp"]
    with tempfile.TemporaryDirectory() as tmp:
        conf = small_matrix(tmp)
        for name in names:
            out = os.path.join(tmp, "out-" + name)
            r = run_test_build(["--quiet", "--out", out, conf], fault=f"write:{name}")
            check(r.returncode == 1, f"{name}: exit {r.returncode}: {r.stderr}")
            check("fault injected" in r.stderr, f"{name}: fault did not fire")
            check(f"cannot write '{out}" in r.stderr and "No space left on device" in r.stderr,
                  f"{name}: {r.stderr}")
            files = []
            for d, _, fs in os.walk(out):
                files += [os.path.join(d, f) for f in fs]
            base = [os.path.basename(f) for f in files]
            check(name not in base, f"{name}: written anyway")
            check(not [f for f in base if ".tmp." in f], f"{name}: temporary file left {base}")
            if name != "results.json":
                with open(os.path.join(out, "results.json")) as f:
                    check(json.load(f)["schema"] == 1, "results.json")
            if name != "summary.csv":
                with open(os.path.join(out, "summary.csv")) as f:
                    check(len(list(csv.reader(f))) == 4, "summary.csv rows")


def test_fault_pipe_closed_mid_message():
    """Test build: the worker's Nth message cut in half and its pipe closed, N = 1..:
    those runs fail with 'cut short', the others are measured, exit 1, valid results."""
    need_test_binary()
    with tempfile.TemporaryDirectory() as tmp:
        conf = small_matrix(tmp)
        n = 1
        while n < 100:
            out = os.path.join(tmp, f"out{n}")
            r = run_test_build(["--quiet", "--out", out, conf], fault=f"pipe-close:{n}")
            results, _, _ = load_outputs(out)
            failed = [x for x in results["runs"] if x["status"] != "ok"]
            for x in failed:
                check("message cut short" in x["reason"], f"cut {n}: {x['reason']}")
            check(r.returncode == (1 if failed else 0), f"cut {n}: exit {r.returncode}")
            shutil.rmtree(out)
            if not failed:
                break
            n += 1
        check(n > 3, f"only {n} messages")
        print(f"     pipe closed in message 1..{n - 1}")


def test_format_md():
    """--format md prints the Markdown summary instead of the tables."""
    with tempfile.TemporaryDirectory() as tmp:
        r = run(["--format", "md", "--rounds", "1", "--only-workload", "sleep", "--out",
                 os.path.join(tmp, "o"), cfg("small.yaml")])
        check(r.returncode == 0 and "| sleep | none |" in r.stdout, r.stdout)
        r = run(["--format", "html", cfg("small.yaml")])
        check(r.returncode == 2 and "--format" in r.stderr, r.stderr)


def test_locked_output_folder_is_refused():
    """Two runs cannot write the same --out folder."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out")
        os.makedirs(out)
        with open(os.path.join(out, ".lock"), "w") as lk:
            fcntl.flock(lk, fcntl.LOCK_EX)
            r = run(["--quiet", "--out", out, cfg("small.yaml")])
        check(r.returncode == 2 and "in use by another" in r.stderr, r.stderr)


def test_unwritable_output_folder():
    """An output folder that cannot be created is a clear error before anything runs."""
    r = run(["--out", "/proc/pyprof-bench-cannot-write", cfg("small.yaml")])
    check(r.returncode == 2 and "cannot" in r.stderr, r.stderr)


def venv_python():
    """The interpreter the worker embeds: the profilers' venv of `make deps`
    (PYPROF_BENCH_VENV overrides, as for the binary), else Debian's."""
    venv = os.environ.get("PYPROF_BENCH_VENV", os.path.join(ROOT, "build", "venv"))
    exe = os.path.join(venv, "bin", "python3.11") if venv else ""
    return exe if exe and os.access(exe, os.X_OK) else "/usr/bin/python3.11"


def yappi_installed():
    return importable("yappi")


# The fake tools on PATH must not be shadowed by the venv's real ones.
NO_VENV = {"PYPROF_BENCH_VENV": ""}


def test_tracing_backends_and_adapters():
    """Every tracing backend and installed adapter: rows ok with numbers; the
    categories they report follow the workload; yappi's cpu clock gives the sleep
    phase almost nothing (the tool's truth, shown, not fixed)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out")
        r = run(["--out", out, cfg("tracers.yaml")])
        check(r.returncode == 0, f"exit {r.returncode}: {r.stderr}")
        results, rows, _ = load_outputs(out)
        by = {(row[0], row[1]): dict(zip(rows[0], row)) for row in rows[1:]}
        names = ["sampling", "deterministic", "multiclock", "multiclock-every-event",
                 "cprofile"]
        if yappi_installed():
            names += ["yappi-wall", "yappi-cpu"]
        else:
            for n in ("yappi-wall", "yappi-cpu"):
                d = by[("tiny", n)]
                check(d["status"] == "skipped" and "yappi not installed" in d["reason"], d)
        for n in names:
            d = by[("tiny", n)]
            check(d["status"] == "ok", d)
            check(float(d["wall_ratio"]) > 0 and float(d["fae_pp"]) >= 0, d)
            check(d["ce_pp"] != "", f"{n} has categories, CE expected: {d}")
        runs = [x for x in results["runs"] if x["status"] == "ok" and x["attribution"]]
        for x in runs:
            a = x["attribution"]
            if x["workload"] == "sleep" and x["backend"] in ("sampling", "multiclock",
                                                              "multiclock-every-event"):
                cats = a["categories_s"]
                check(cats["system"] > 0.9 * sum(cats.values()), f"{x['backend']}: {cats}")
            if x["workload"] == "sleep" and x["backend"] == "yappi-cpu":
                check(a["phases_s"][0] < 0.1 * x["wall_s"], f"yappi-cpu sleep {a}")
            if x["workload"] == "sleep" and x["backend"] in ("deterministic", "cprofile"):
                check(a["phases_s"][0] > 0.9 * x["phases"][0]["wall_s"], f"{x['backend']} {a}")
        if yappi_installed():
            notes = [x["note"] for x in runs if x["backend"] == "yappi-wall"]
            check(notes and notes[0].startswith("yappi 1."), notes)
        check_charts(os.path.join(out, "charts"), r.stdout)


def importable(module):
    return subprocess.run([venv_python(), "-c", f"import {module}"],
                          capture_output=True).returncode == 0


def test_real_tool_adapters():
    """Every real-tool adapter against the tool `make deps` installed: a row
    per tool, ok with numbers when the tool can run here, skipped with the
    reason when not (exit 0 either way; the test then reports SKIP naming
    them, it does not pass); a phase that raises is a failed run, not a
    crash; launcher tools are compared with the launched baseline; tool
    versions recorded; memray has overhead and no accuracy."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out")
        r = run(["--out", out, cfg("real_tools.yaml")])
        check(r.returncode == 1, f"exit {r.returncode} (raises fails): {r.stderr}")
        results, rows, _ = load_outputs(out)
        by = {(row[0], row[1]): dict(zip(rows[0], row)) for row in rows[1:]}
        backends = {b["name"]: b for b in results["backends"]}
        ok_tools, missing = [], []
        in_process = {"scalene-cpu": "scalene", "scalene-full": "scalene",
                      "pyinstrument": "pyinstrument", "memray": "memray",
                      "viztracer": "viztracer", "pprofile": "pprofile",
                      "pprofile-stat": "pprofile"}
        for name, module in in_process.items():
            if importable(module):
                ok_tools.append(name)
                check(backends[name]["tool_version"], backends[name])
            else:
                d = by[("tiny", name)]
                check(d["status"] == "skipped" and "not" in d["reason"], d)
                missing.append(f"{name} ({d['reason'][:120]})")
        for tool in ("py-spy", "py-spy-nonblocking", "austin"):
            b = backends[tool]
            if b["available"]:
                ok_tools.append(tool)
                check(b["tool_version"], b)
            else:
                d = by[("tiny", tool)]
                check(d["status"] == "skipped" and tool.split("-non")[0] in d["reason"], d)
                check("not found on PATH" in d["reason"] or "cannot profile" in d["reason"], d)
                missing.append(f"{tool} ({d['reason'][:120]})")
        for n in ok_tools:
            d = by[("tiny", n)]
            check(d["status"] == "ok", d)
            check(float(d["wall_ratio"]) > 0, d)
            if n == "memray":
                check(d["fae_pp"] == "" and not backends[n]["capabilities"]["report"], d)
            else:
                check(0 <= float(d["fae_pp"]) <= 100, d)
            e = by[("raises", n)]
            check(e["status"] == "failed" and "ValueError" in e["reason"], e)
        for n in ("scalene-cpu", "scalene-full"):
            if n in ok_tools:
                check(by[("tiny", n)]["ce_pp"] != "", "scalene reports categories")
        notes = {x["backend"]: x["note"] for x in results["runs"]
                 if x["workload"] == "tiny" and x["status"] == "ok" and x.get("note")}
        for n in ok_tools:
            if n in notes:
                check(backends[n]["tool_version"] in notes[n], (n, notes[n]))
        base = [x for x in results["runs"] if x["baseline"]]
        kinds = {x["baseline_kind"] for x in base}
        check(kinds == {"in-process", "launched"}, kinds)
        check(by[("tiny", "launched")]["status"] == "ok", by[("tiny", "launched")])
        if missing:
            raise Skip("not runnable here (make deps): " + "; ".join(missing))


def test_without_the_venv_tools_are_skipped_with_the_reason():
    """A machine without the profilers' venv (PYPROF_BENCH_VENV pointing
    nowhere) still runs: the pip-only tools are skipped rows saying why."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out")
        env = dict(os.environ, PYPROF_BENCH_VENV=os.path.join(tmp, "no-venv"))
        r = run(["--out", out, "--only-backend", "viztracer", "--only-workload", "tiny",
                 "--rounds", "1", cfg("real_tools.yaml")], env=env)
        check(r.returncode == 0, f"exit {r.returncode}: {r.stderr}")
        results, rows, _ = load_outputs(out)
        d = dict(zip(rows[0], rows[1]))
        check(d["status"] == "skipped" and "viztracer not importable" in d["reason"] and
              "no profiler venv" in d["reason"], d)


def test_tool_that_cannot_run_is_skipped_with_its_message():
    """A py-spy on PATH that fails is a skipped row quoting the tool; exit 0."""
    with tempfile.TemporaryDirectory() as tmp:
        fake = os.path.join(tmp, "py-spy")
        with open(fake, "w") as f:
            f.write("#!/bin/sh\n[ \"$1\" = --version ] && echo 'py-spy 9.9.9' && exit 0\n"
                    "echo 'Error: failed to find python interpreter' >&2\nexit 1\n")
        os.chmod(fake, 0o755)
        out = os.path.join(tmp, "out")
        env = dict(os.environ, PATH=tmp + ":" + os.environ.get("PATH", ""), **NO_VENV)
        r = run(["--out", out, "--only-backend", "py-spy", "--only-workload", "tiny",
                 "--rounds", "1", cfg("real_tools.yaml")], env=env)
        check(r.returncode == 0, f"exit {r.returncode}: {r.stderr}")
        results, rows, _ = load_outputs(out)
        d = dict(zip(rows[0], rows[1]))
        check(d["status"] == "skipped", d)
        check("py-spy 9.9.9 cannot profile" in d["reason"] and
              "failed to find python interpreter" in d["reason"], d)


def test_sampler_output_that_is_not_utf8_is_read():
    """A launched sampler whose samples carry bytes that are not UTF-8 (austin
    3.7 did once) still gives an ok row: the bad bytes are replaced. A fake
    austin on PATH runs the program and writes one such sample."""
    with tempfile.TemporaryDirectory() as tmp:
        fake = os.path.join(tmp, "austin")
        with open(fake, "w") as f:
            f.write("#!/bin/sh\n"
                    "[ \"$1\" = --version ] && echo 'austin 9.9.9' && exit 0\n"
                    "out=\n"
                    "while [ $# -gt 0 ]; do case \"$1\" in\n"
                    "  -o) out=$2; shift 2;; -i|-t) shift 2;; -s) shift;; *) break;;\n"
                    "esac; done\n"
                    "\"$@\" || exit $?\n"
                    "printf 'P1;T0:1;/x/driver.py:_pb_region:70;/x/w.py:f\\260\\377:2 1000\\n'"
                    " > \"$out\"\n")
        os.chmod(fake, 0o755)
        out = os.path.join(tmp, "out")
        env = dict(os.environ, PATH=tmp + ":" + os.environ.get("PATH", ""), **NO_VENV)
        r = run(["--out", out, "--only-backend", "austin", "--only-workload", "tiny",
                 "--rounds", "1", cfg("real_tools.yaml")], env=env)
        check(r.returncode == 0, f"exit {r.returncode}: {r.stderr}")
        results, rows, _ = load_outputs(out)
        d = dict(zip(rows[0], rows[1]))
        check(d["status"] == "ok", d)
        check(float(d["fae_pp"]) == 100, f"the one sample is elsewhere: {d}")


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    check(head[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG")
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def check_charts(charts, stdout):
    """The chart scripts exist, and when gnuplot is here they rendered to PNG
    images of the expected size and to SVG."""
    want = {"overhead": (1200, 560), "accuracy-tiny": (900, 520), "tradeoff-tiny": (900, 560)}
    for name in want:
        check(os.path.exists(os.path.join(charts, name + ".gp")), f"{name}.gp missing")
        check(os.path.exists(os.path.join(charts, name + ".dat")), f"{name}.dat missing")
    if subprocess.run(["sh", "-c", "command -v gnuplot"], capture_output=True).returncode:
        check("gnuplot is not installed" in stdout, "no hint to render the scripts")
        return
    for name, size in want.items():
        check(png_size(os.path.join(charts, name + ".png")) == size, f"{name}.png size")
        check(os.path.getsize(os.path.join(charts, name + ".svg")) > 1000, f"{name}.svg")
        # the script itself is valid: gnuplot exits 0 on it
        g = subprocess.run(["gnuplot", name + ".gp"], cwd=charts, capture_output=True)
        check(g.returncode == 0, g.stderr)


def test_export_profiles():
    """--export-profiles: the sampling backend writes folded stacks and speedscope
    JSON per run next to the results; folded lines are 'frames count'."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out")
        r = run(["--quiet", "--export-profiles", "--only-backend", "sampling",
                 "--only-workload", "tiny", "--out", out, cfg("tracers.yaml")])
        check(r.returncode == 0, f"exit {r.returncode}: {r.stderr}")
        prof = os.path.join(out, "profiles")
        names = sorted(os.listdir(prof))
        check(names == ["tiny.sampling.r0.folded", "tiny.sampling.r0.speedscope.json",
                        "tiny.sampling.r1.folded", "tiny.sampling.r1.speedscope.json"], names)
        with open(os.path.join(prof, "tiny.sampling.r0.folded")) as f:
            lines = f.read().splitlines()
        check(lines and all(l.rsplit(" ", 1)[1].isdigit() for l in lines), lines[:3])
        check(all(";" in l and "tiny.py:" in l for l in lines), lines[:5])
        with open(os.path.join(prof, "tiny.sampling.r0.speedscope.json")) as f:
            d = json.load(f)
        check(d["profiles"] and d["shared"]["frames"], "speedscope content")


def fake_results(path, ratios, cpu="Test CPU", python="3.11.2 (main)"):
    doc = {"schema": 1, "machine": {"cpu_model": cpu}, "python": python,
           "summary": [{"workload": "mixed", "backend": "det", "clock": "wall",
                        "wall_ratios": ratios}]}
    with open(path, "w") as f:
        json.dump(doc, f)


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
    """--baseline compares the run with an earlier results.json in one step."""
    with tempfile.TemporaryDirectory() as tmp:
        a, b = os.path.join(tmp, "a"), os.path.join(tmp, "b")
        r = run(["--quiet", "--out", a, cfg("small.yaml")])
        check(r.returncode == 0, r.stderr)
        r = run(["--out", b, "--baseline", os.path.join(a, "results.json"), cfg("small.yaml")])
        check(r.returncode == 0, r.stdout + r.stderr)
        check("Compared with" in r.stdout and "inconclusive" in r.stdout, r.stdout)


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


def test_user_script_with_and_without_phases():
    """The user's own file from a temporary folder: phases give accuracy; `main:`
    a function or the file run as __main__ give overhead only (FAE n/a). The
    script is not imported before its __main__ run (it runs once per run), a
    non-zero sys.exit is a failed run, and scale multiplies main's args."""
    with tempfile.TemporaryDirectory() as tmp:
        script = os.path.join(tmp, "mine.py")
        with open(script, "w") as f:
            f.write("import os, sys, time\n"
                    "def work(n):\n"
                    "    s = 0\n"
                    "    for i in range(n):\n"
                    "        s += i\n"
                    "    return s\n"
                    "def nap(t):\n"
                    "    time.sleep(t)\n"
                    "def main(n):\n"
                    "    work(n)\n"
                    "    nap(0.01)\n"
                    "if __name__ == '__main__':\n"
                    "    with open(os.environ['MARK'], 'a') as m:\n"
                    "        m.write('x')\n"
                    "    main(200000)\n"
                    "    sys.exit(int(os.environ.get('STATUS', '0')))\n")
        conf = os.path.join(tmp, "mine.yaml")
        with open(conf, "w") as f:
            f.write("defaults: {rounds: 2, warmup: 0}\n"
                    "workloads:\n"
                    "  - name: phased\n    file: mine.py\n    phases:\n"
                    "      - {function: work, args: [300000], category: python}\n"
                    "      - {function: nap, args: [0.05], category: system}\n"
                    "  - name: fn\n    file: mine.py\n    scale: 0.5\n"
                    "    main: main\n    args: [400000]\n"
                    "  - name: script\n    file: mine.py\n    main: __main__\n"
                    "backends:\n  - {name: none, kind: none}\n"
                    "  - {name: cprofile, kind: cprofile}\n")
        mark = os.path.join(tmp, "mark")
        out = os.path.join(tmp, "out")
        r = run(["--out", out, conf], env=dict(os.environ, MARK=mark))
        check(r.returncode == 0, f"exit {r.returncode}: {r.stderr}")
        results, rows, md = load_outputs(out)
        cells = {(d["workload"], d["backend"]): d
                 for d in (dict(zip(rows[0], row)) for row in rows[1:])}
        check(all(c["status"] == "ok" for c in cells.values()), cells)
        check(cells[("phased", "cprofile")]["fae_pp"] != "", "phases give FAE")
        for w in ("fn", "script"):
            c = cells[(w, "cprofile")]
            check(c["fae_pp"] == "" and c["ce_pp"] == "", f"{w} is overhead only: {c}")
            check(float(c["wall_ratio"]) > 0, c)
        wl = {w["name"]: w for w in results["workloads"]}
        check(wl["fn"]["overhead_only"] and not wl["phased"]["overhead_only"], wl["fn"])
        check(wl["fn"]["phases"][0]["args"] == "(200000,)", wl["fn"]["phases"][0])
        check(wl["script"]["phases"][0]["declared"] is None, wl["script"]["phases"][0])
        # 2 rounds x (baseline, none, cprofile) of `script`: one __main__ run each.
        with open(mark) as f:
            check(f.read() == "x" * 6, "the script ran once per run, not imported first")
        check("main only: overhead, no accuracy" in r.stdout, r.stdout)

        out2 = os.path.join(tmp, "out2")
        r = run(["--out", out2, "--only-workload", "script", conf],
                env=dict(os.environ, MARK=mark, STATUS="3"))
        check(r.returncode == 1, f"exit {r.returncode}: {r.stderr}")
        results, rows, md = load_outputs(out2)
        check(any("exited with status 3" in (x.get("reason") or "") for x in results["runs"]),
              [x.get("reason") for x in results["runs"]])


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


def cells(results):
    return [(s["workload"], s["backend"]) for s in results["summary"]]


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



# ---------------------------------------------------------------- --metric instructions

def valgrind_installed():
    return subprocess.run(["sh", "-c", "command -v valgrind"], capture_output=True).returncode == 0


def test_metric_instructions():
    """--metric instructions: results record the metric and each run's count;
    the tracing rows get instruction ratios (the A/A row exactly 1), the
    sampler and the launched baseline are n/a, never a number; compare
    refuses to mix metrics."""
    if not valgrind_installed():
        print("  skipped: valgrind not installed (make deps installs it)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out")
        r = run(["--metric", "instructions", "--out", out, cfg("instructions.yaml")], timeout=900)
        if r.returncode == 2 and "AddressSanitizer" in r.stderr:
            print("  skipped: an AddressSanitizer build cannot run under valgrind")
            check(not os.path.exists(os.path.join(out, "results.json")), "wrote results")
            return
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


def test_reference_configs_load():
    """Every shipped config loads (--list) without error; include-only files are
    checked through the configs that include them."""
    names = sorted(os.listdir(os.path.join(ROOT, "configs")))
    names += sorted(os.path.join("examples", n)
                    for n in os.listdir(os.path.join(ROOT, "configs", "examples")))
    for name in names:
        if not name.endswith(".yaml"):
            continue
        with open(os.path.join(ROOT, "configs", name)) as f:
            if f.readline().startswith("# include-only"):
                continue
        r = run(["--list", os.path.join("configs", name)])
        check(r.returncode == 0, f"{name}: exit {r.returncode}: {r.stderr}")


# ---------------------------------------------------------------- concurrency

def phase_truth(results, workload):
    """{function: phase record} of one workload in results.json."""
    for w in results["workloads"]:
        if w["name"] == workload:
            return {p["function"]: p for p in w["phases"]}
    raise AssertionError(f"no workload {workload} in results.json")


def run_concurrency(tmp):
    """configs/concurrency.yaml at half size (cached per test process)."""
    global _CONCURRENCY
    if _CONCURRENCY is None:
        out = os.path.join(tmp, "conc")
        r = run(["--quiet", "--out", out, cfg("concurrency.yaml")])
        check(r.returncode == 0, f"exit {r.returncode}: {r.stderr}")
        _CONCURRENCY = load_outputs(out)[0]
    return _CONCURRENCY


_CONCURRENCY = None
_CONC_TMP = tempfile.TemporaryDirectory()


def test_io_truth_has_kernel_and_off_cpu_time():
    """io: writing and reading the file is mostly kernel CPU; reading the
    slowly fed pipe is mostly off-CPU. Bounds are generous (shared machine)."""
    res = run_concurrency(_CONC_TMP.name)
    ph = phase_truth(res, "io")
    wr, pr = ph["write_read"], ph["pipe_read"]
    check(wr["truth_sys_s"] > 0.4 * wr["truth_wall_s"], wr)
    off = pr["truth_wall_s"] - pr["truth_user_s"] - pr["truth_sys_s"]
    check(off > 0.7 * pr["truth_wall_s"], pr)
    check(wr["warning"] is None and pr["warning"] is None, ph)


def test_native_lib_and_many_small_truth():
    """native_lib (numpy) and many_small run, are user CPU rather than kernel
    time, and the sampler reports them. Generous: on a loaded machine a
    phase also waits for a CPU (off-CPU), so only the user/kernel split and
    a low floor are checked."""
    res = run_concurrency(_CONC_TMP.name)
    names = ["many_small"] + (["native_lib"] if importable("numpy") else [])
    for w in names:
        for p in phase_truth(res, w).values():
            check(p["truth_user_s"] > 0.3 * p["truth_wall_s"], p)
            check(p["truth_user_s"] > 2 * p["truth_sys_s"], p)
    for c in res["summary"]:
        if c["workload"] in ("io", "many_small"):
            check(c["status"] == "ok", c)


def two_free_cpus():
    """Do two CPU-bound processes started together each get most of a CPU?
    (Other jobs on a shared machine can leave only one.)"""
    code = ("import time, resource\nt = time.monotonic()\n"
            "while time.monotonic() - t < 0.3: pass\n"
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_utime)")
    ps = [subprocess.Popen(["/usr/bin/python3", "-S", "-c", code], stdout=subprocess.PIPE,
                           text=True) for _ in range(2)]
    cpu = [float(p.communicate()[0]) for p in ps]
    return min(cpu) > 0.25


def test_threads_truth_and_coverage():
    """threads: truth per thread by name; the sleeper is at least 90% off-CPU,
    the GIL-releasing hasher runs in parallel with the main thread's loop
    (the phase's wall is less than the two threads' CPU time together);
    the sampler reports the threads (coverage column, results.json)."""
    res = run_concurrency(_CONC_TMP.name)
    w = [x for x in res["workloads"] if x["name"] == "threads"][0]
    th = {t["name"]: t for t in w["threads"]}
    check(set(th) == {"sleeper", "hasher"}, th)
    sl, ha = th["sleeper"], th["hasher"]
    check(sl["declared"] == "system" and ha["declared"] == "native", th)
    off = sl["truth_wall_s"] - sl["truth_user_s"] - sl["truth_sys_s"]
    check(off >= 0.9 * sl["truth_wall_s"], sl)
    main = w["phases"][0]
    # Parallelism shows only when both threads had a CPU during the runs:
    # neither truth flagged (each at least 90% user CPU) and two CPU-bound
    # processes each get most of a CPU now. Otherwise it is said, not failed.
    if main["warning"] is None and ha["warning"] is None and two_free_cpus():
        check(main["truth_wall_s"] < main["truth_user_s"] + ha["truth_user_s"], (main, ha))
    else:
        print("  (parallelism not checked: the threads waited for a CPU in these runs)")
    # T counts every thread's wall
    total = sum(p["truth_wall_s"] for p in w["phases"]) + sl["truth_wall_s"] + \
        ha["truth_wall_s"]
    check(abs(w["truth"]["wall_s"] - total) < 1e-6, (w["truth"], total))
    cell = [c for c in res["summary"] if c["workload"] == "threads"][0]
    check(cell["status"] == "ok", cell)
    check(cell["thread_coverage"] is not None and cell["thread_coverage"] > 0.8, cell)
    check(cell["fae_pp"] is not None and cell["fae_pp"] < 25, cell)
    runs = [r for r in res["runs"] if r["workload"] == "threads" and r["status"] == "ok"]
    for r in runs:
        names = sorted(t["name"] for t in r["threads"])
        check(names == ["hasher", "sleeper"], r["threads"])
        for t in r["threads"]:
            check((t["attributed_s"] is None) == (r["baseline"] is True), (r, t))


def test_thread_coverage_of_real_tools():
    """cProfile sees only the calling thread (coverage 0); yappi profiles every
    thread and its adapter names them by native TID (pyprof_bench.native_ids),
    so its wall clock covers them."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out")
        r = run(["--quiet", "--only-workload", "threads", "--out", out,
                 cfg("threads_tools.yaml")])
        check(r.returncode == 0, f"exit {r.returncode}: {r.stderr}")
        cells = {c["backend"]: c for c in load_outputs(out)[0]["summary"]}
        check(cells["cprofile"]["thread_coverage"] == 0, cells["cprofile"])
        if yappi_installed():
            check(cells["yappi-wall"]["thread_coverage"] > 0.5, cells["yappi-wall"])
        else:
            check(cells["yappi-wall"]["status"] == "skipped", cells["yappi-wall"])


def test_asyncio_task_and_thread_views():
    """asyncio: the coroutines' task-view truth (awaits included), the
    thread-view truth of the phases (the loop's wait is system time), and
    the sampler's FAE in both views."""
    res = run_concurrency(_CONC_TMP.name)
    w = [x for x in res["workloads"] if x["name"] == "asyncio"][0]
    tasks = {t["name"]: t for t in w["tasks"]}
    check(set(tasks) == {"compute", "waiter", "netio"}, tasks)
    # waiter sleeps 0.05 s in each of the two phases (scale 0.5), netio waits
    # for 5 chunks 10 ms apart in each
    check(tasks["waiter"]["truth_wall_s"] >= 0.09, tasks)
    check(tasks["netio"]["truth_wall_s"] >= 0.09, tasks)
    # thread view: the phases' time includes the loop's waits (system); in
    # `sequential` the waits (about 0.1 s here) overlap nothing
    check(w["truth"]["system_s"] >= 0.05, w["truth"])
    cell = [c for c in res["summary"] if c["workload"] == "asyncio"][0]
    check(cell["status"] == "ok", cell)
    check(cell["fae_task_pp"] is not None and cell["fae_task_pp"] < 15, cell)
    check(cell["fae_pp"] is not None and cell["thread_coverage"] is None, cell)
    runs = [r for r in res["runs"] if r["workload"] == "asyncio" and r["backend"] == "sampling"]
    check(runs and all("suspended task chains" in (r["note"] or "") for r in runs), runs)


def test_truth_contradicting_declaration_warns():
    """A phase declared python that sleeps: the truth warning is on stderr
    (even with --quiet), in summary.md and in results.json; a thread
    declared native that sleeps is flagged the same way."""
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "w.py"), "w") as f:
            f.write("import threading, time\n"
                    "def nap(t):\n    time.sleep(t)\n"
                    "def with_thread(t):\n"
                    "    th = threading.Thread(target=time.sleep, args=(t,), name='napper')\n"
                    "    th.start()\n    th.join()\n")
        conf = os.path.join(tmp, "c.yaml")
        with open(conf, "w") as f:
            f.write("defaults: {rounds: 1, warmup: 0}\nworkloads:\n"
                    "  - name: liar\n    file: w.py\n    phases:\n"
                    "      - {function: nap, args: [0.05], category: python}\n"
                    "      - {function: with_thread, args: [0.05], category: system,\n"
                    "         threads: {napper: native}}\n"
                    "backends:\n  - {name: none, kind: none}\n")
        out = os.path.join(tmp, "out")
        r = run(["--quiet", "--out", out, conf])
        check(r.returncode == 0, f"exit {r.returncode}: {r.stderr}")
        check("pyprof-bench: warning: truth of liar, phase nap: declared python but only"
              in r.stderr, r.stderr)
        check("pyprof-bench: warning: truth of liar, thread napper of phase with_thread: "
              "declared native but only" in r.stderr, r.stderr)
        res, _, md = load_outputs(out)
        check("**warning**: declared python" in md, md)
        w = res["workloads"][0]
        check(w["phases"][0]["warning"].startswith("declared python"), w)
        check(w["phases"][1]["warning"] is None, w)
        check(w["threads"][0]["warning"].startswith("declared native"), w)


def test_workload_without_numpy_is_skipped():
    """native_lib where numpy cannot be imported: its rows are skipped with the
    reason, the other workload runs, the exit status is 0."""
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copy(os.path.join(ROOT, "workloads", "native_lib.py"), tmp)
        with open(os.path.join(tmp, "numpy.py"), "w") as f:
            f.write("raise ImportError('No module named numpy (test)')\n")
        conf = os.path.join(tmp, "c.yaml")
        with open(conf, "w") as f:
            f.write("defaults: {rounds: 2, warmup: 0}\nworkloads:\n"
                    "  - name: native_lib\n    file: native_lib.py\n    phases:\n"
                    "      - {function: vector, args: [1], category: native}\n"
                    "  - name: sleep\n    file: %s\n    phases:\n"
                    "      - {function: sleep, args: [0.01], category: system}\n"
                    "backends:\n  - {name: none, kind: none}\n"
                    % os.path.join(ROOT, "workloads", "sleep.py"))
        out = os.path.join(tmp, "out")
        r = run(["--out", out, conf])
        check(r.returncode == 0, f"exit {r.returncode}: {r.stderr}")
        check("skipped: numpy is not importable" in r.stdout, r.stdout)
        res = load_outputs(out)[0]
        cells = {c["workload"]: c for c in res["summary"]}
        check(cells["native_lib"]["status"] == "skipped", cells)
        check("numpy is not importable" in cells["native_lib"]["reason"], cells)
        check(cells["sleep"]["status"] == "ok", cells)
        runs = [x for x in res["runs"] if x["workload"] == "native_lib"]
        check(len(runs) == 1 and runs[0]["status"] == "skipped", runs)


# ---------------------------------------------------------------- validity

def test_causality_response():
    """The causality pair under none and sampling: summary.csv gains response
    columns at its end (the leading columns unchanged), sampling saw most of
    the change in grows (a generous 0.5-1.5), none and the base have no
    figure, results.json and summary.md carry it."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out")
        r = run(["--quiet", "--rounds", "3", "--out", out, cfg("causality.yaml")])
        check(r.returncode == 0, f"exit {r.returncode}: {r.stderr}")
        results, rows, md = load_outputs(out)
        check(rows[0][:len(CSV_LEADING)] == CSV_LEADING, rows[0])
        check(rows[0][-3:] == ["response", "response_lo", "response_hi"], rows[0])
        by = {(row[0], row[1]): dict(zip(rows[0], row)) for row in rows[1:]}
        samp = by[("causality_grown", "sampling")]
        resp = float(samp["response"])
        lo, hi = float(samp["response_lo"]), float(samp["response_hi"])
        print(f"     sampling response {resp:.3f} [{lo:.3f}-{hi:.3f}]")
        check(0.5 <= resp <= 1.5, f"sampling response {resp}")
        check(lo <= hi, samp)
        for key in (("causality_grown", "none"), ("causality_base", "none"),
                    ("causality_base", "sampling")):
            check(by[key]["response"] == "", f"{key}: {by[key]}")
        cells = {(c["workload"], c["backend"]): c for c in results["summary"]}
        check(abs(cells[("causality_grown", "sampling")]["response"] - resp) < 1e-3, cells)
        check(cells[("causality_grown", "none")]["response"] is None, cells)
        check(cells[("causality_base", "sampling")]["response"] is None, cells)
        grown = [w for w in results["workloads"] if w["name"] == "causality_grown"][0]
        check(grown["variant_of"] == "causality_base" and grown["response_phase"] == "grows",
              grown)
        check("- **causality_grown** (variant of `causality_base`): response to the change "
              f"in `grows`: none -, sampling {resp:.2f} [" in md, md)


# ---------------------------------------------------------------- runner

def main():
    global BINARY, TEST_BINARY
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=os.path.join(ROOT, "pyprof-bench"))
    ap.add_argument("--test-binary", default=None,
                    help="the test build (fault injection, test-only backends)")
    ap.add_argument("-k", default="")
    a = ap.parse_args()
    BINARY = os.path.abspath(a.binary)
    TEST_BINARY = os.path.abspath(a.test_binary) if a.test_binary else None
    tests = [(n, f) for n, f in sorted(globals().items())
             if n.startswith("test_") and callable(f) and a.k in n]
    passed = failed = skipped = 0
    for name, fn in tests:
        t0 = time.monotonic()
        try:
            fn()
        except Skip as e:
            skipped += 1
            print(f"SKIP {name}: {e}")
        except Exception:
            failed += 1
            print(f"FAIL {name} ({time.monotonic() - t0:.1f} s)")
            traceback.print_exc()
        else:
            passed += 1
            print(f"ok   {name} ({time.monotonic() - t0:.1f} s)")
        sys.stdout.flush()
    print(f"e2e: {passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
