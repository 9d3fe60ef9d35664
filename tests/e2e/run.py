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
            check(float(d["wall_ratio_lo"]) <= ratio <= float(d["wall_ratio_hi"]), d)
            check(d["fae_pp"] == "" and d["ce_pp"] == "", "none has no accuracy")
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


def yappi_installed():
    return subprocess.run(["/usr/bin/python3", "-c", "import yappi"],
                          capture_output=True).returncode == 0


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
    return subprocess.run(["/usr/bin/python3.11", "-c", f"import {module}"],
                          capture_output=True).returncode == 0


def test_real_tool_adapters():
    """scalene, pyinstrument, py-spy and austin: a row per tool, ok with numbers
    when the tool can run here, skipped with the tool's reason when not (exit 0
    either way); a phase that raises is a failed run, not a crash; launcher
    tools are compared with the launched baseline; tool versions recorded."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out")
        r = run(["--out", out, cfg("real_tools.yaml")])
        check(r.returncode == 1, f"exit {r.returncode} (raises fails): {r.stderr}")
        results, rows, _ = load_outputs(out)
        by = {(row[0], row[1]): dict(zip(rows[0], row)) for row in rows[1:]}
        backends = {b["name"]: b for b in results["backends"]}
        ok_tools = []
        if importable("scalene"):
            ok_tools += ["scalene-cpu", "scalene-full"]
            check(backends["scalene-cpu"]["tool_version"], backends["scalene-cpu"])
        if importable("pyinstrument"):
            ok_tools.append("pyinstrument")
        else:
            d = by[("tiny", "pyinstrument")]
            check(d["status"] == "skipped" and "pyinstrument not importable" in d["reason"], d)
        for tool in ("py-spy", "austin"):
            b = backends[tool]
            if b["available"]:
                ok_tools.append(tool)
            else:
                d = by[("tiny", tool)]
                check(d["status"] == "skipped" and tool in d["reason"], d)
                check("not found on PATH" in d["reason"] or "cannot profile" in d["reason"], d)
        for n in ok_tools:
            d = by[("tiny", n)]
            check(d["status"] == "ok", d)
            check(float(d["wall_ratio"]) > 0 and 0 <= float(d["fae_pp"]) <= 100, d)
            e = by[("raises", n)]
            check(e["status"] == "failed" and "ValueError" in e["reason"], e)
        for n in ("scalene-cpu", "scalene-full"):
            if n in ok_tools:
                check(by[("tiny", n)]["ce_pp"] != "", "scalene reports categories")
        base = [x for x in results["runs"] if x["baseline"]]
        kinds = {x["baseline_kind"] for x in base}
        check(kinds == {"in-process", "launched"}, kinds)
        check(by[("tiny", "launched")]["status"] == "ok", by[("tiny", "launched")])


def test_tool_that_cannot_run_is_skipped_with_its_message():
    """A py-spy on PATH that fails is a skipped row quoting the tool; exit 0."""
    with tempfile.TemporaryDirectory() as tmp:
        fake = os.path.join(tmp, "py-spy")
        with open(fake, "w") as f:
            f.write("#!/bin/sh\n[ \"$1\" = --version ] && echo 'py-spy 9.9.9' && exit 0\n"
                    "echo 'Error: failed to find python interpreter' >&2\nexit 1\n")
        os.chmod(fake, 0o755)
        out = os.path.join(tmp, "out")
        env = dict(os.environ, PATH=tmp + ":" + os.environ.get("PATH", ""))
        r = run(["--out", out, "--only-backend", "py-spy", "--only-workload", "tiny",
                 "--rounds", "1", cfg("real_tools.yaml")], env=env)
        check(r.returncode == 0, f"exit {r.returncode}: {r.stderr}")
        results, rows, _ = load_outputs(out)
        d = dict(zip(rows[0], rows[1]))
        check(d["status"] == "skipped", d)
        check("py-spy 9.9.9 cannot profile" in d["reason"] and
              "failed to find python interpreter" in d["reason"], d)


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


def test_reference_configs_load():
    """Every shipped config loads (--list) without error; include-only files are
    checked through the configs that include them."""
    for name in sorted(os.listdir(os.path.join(ROOT, "configs"))):
        if not name.endswith(".yaml"):
            continue
        with open(os.path.join(ROOT, "configs", name)) as f:
            if f.readline().startswith("# include-only"):
                continue
        r = run(["--list", os.path.join("configs", name)])
        check(r.returncode == 0, f"{name}: exit {r.returncode}: {r.stderr}")


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
