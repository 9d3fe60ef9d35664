"""End-to-end tests: failures, signals and injected faults."""
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time

import common
from common import *  # noqa: F401,F403 (run, cfg, check, Skip, ...)


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
        p = subprocess.Popen([common.BINARY, "--out", out, cfg("long.yaml")], cwd=ROOT, env=env,
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


def test_failures_become_failed_runs():
    """A raising, aborting or hanging workload is a failed run with the right
    reason; the good workload still completes; exit status 1. (A missing file
    or function is a config error now: test_config_checks_run_nothing.)"""
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
        }
        for name, text in want.items():
            check(by[name]["status"] == "failed", by[name])
            check(text in by[name]["reason"], f"{name}: {by[name]['reason']!r}")
        # A cell that failed twice is not retried; one that timed out, not
        # after that once: hangs costs at most 2 timeouts (its baseline and its
        # none run are separate cells of the same workload).
        for name in ("raises", "aborts"):
            n = sum(1 for x in results["runs"] if x["workload"] == name)
            check(n >= 2, f"{name}: {n} runs, want each cell's two failures")
        hangs = {}
        for x in results["runs"]:
            if x["workload"] == "hangs":
                hangs[x["backend"]] = hangs.get(x["backend"], 0) + 1
        check(hangs and all(n == 1 for n in hangs.values()),
              f"hangs: runs per cell {hangs}, want one each")
        check(time.monotonic() - t0 < 60, "failures took too long")


def test_timeout_quotes_the_tool_and_cleans_up():
    """A launched tool's run past its timeout fails with the tool's last line
    in the reason (its own words, such as py-spy's "behind in sampling"), and
    the run's temporary folder is gone although its worker was killed."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out")
        tmpdir = os.path.join(tmp, "tmpdir")
        os.mkdir(tmpdir)
        env = dict(os.environ, TMPDIR=tmpdir)
        r = run(["--quiet", "--out", out, cfg("timeout_words.yaml")], timeout=120, env=env)
        check(r.returncode == 1, f"exit {r.returncode}: {r.stderr}")
        results, _, _ = load_outputs(out)
        reasons = [x["reason"] for x in results["runs"] if x["backend"] == "stalling-tool"]
        check(reasons == ["timeout after 3 s (the tool's last output: "
                          "stalling-tool: 2.5s behind in sampling)"], reasons)
        check(all(x["status"] == "ok" for x in results["runs"] if x["baseline"]),
              "the baselines ran")
        check(os.listdir(tmpdir) == [], f"left in TMPDIR: {os.listdir(tmpdir)}")


def test_sigint_keeps_finished_runs():
    """Ctrl-C: exit 130, results for finished runs written and valid, no worker left."""
    interrupt_run(signal.SIGINT, 130)


def test_sigterm_keeps_finished_runs():
    """SIGTERM: exit 143, results for finished runs written and valid, no worker left."""
    interrupt_run(signal.SIGTERM, 143)


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
