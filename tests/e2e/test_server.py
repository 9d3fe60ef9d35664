"""End-to-end tests: the `server` workload, latency under load."""
import json
import math
import os
import re
import socket
import subprocess
import sys
import tempfile

import common
from common import *  # noqa: F401,F403 (run, cfg, check, Skip, ...)

LAT_COLUMNS = ["throughput_ratio", "p50_ratio", "p99_ratio", "max_ratio"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def processes_with_env(entry):
    """PIDs of this user's processes whose environment holds entry."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                if entry.encode() in f.read().split(b"\0"):
                    found.append(int(pid))
        except OSError:
            pass
    return found


@figures
def test_server_latency_figures():
    """A tiny server config (20 requests at 50 per second, 3 rounds, none
    and sampling): every run has finite latency figures, every cell finite
    positive ratios in results.json and summary.csv, summary.md the line;
    every thread of the server has its truth (the accept loop lives inside
    the phase), so the sampler sees no time outside the keys but its own
    sampling error; the worker shut the server down (no process left, the
    port free)."""
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        conf = os.path.join(tmp, "server.yaml")
        with open(conf, "w") as f:
            f.write(f"""defaults: {{rounds: 3, warmup: 0, timeout: 30s}}
workloads:
  - name: server
    file: {common.ROOT}/workloads/server.py
    phases:
      - function: serve
        args: [20, 50]
        category: system
        threads: {{handler: python, acceptor: system}}
backends:
  - {{name: none, kind: none}}
  - {{name: sampling, kind: sampling}}
""")
        out = os.path.join(tmp, "out")
        env = dict(os.environ, PB_SERVER_PORT=str(port))
        r = run(["--quiet", "--out", out, conf], timeout=200, env=env)
        check(r.returncode == 0, f"exit {r.returncode}: {r.stderr}")
        results, rows, md = load_outputs(out)
        runs = [x for x in results["runs"] if x["status"] == "ok"]
        check(len(runs) == 9, [x["status"] for x in results["runs"]])
        for x in runs:
            for k in ("lat_p50_s", "lat_p99_s", "lat_max_s", "throughput_rps"):
                v = x[k]
                check(v is not None and math.isfinite(v) and v > 0, (k, x))
            check(x["lat_p50_s"] <= x["lat_p99_s"] <= x["lat_max_s"], x)
            # 20 requests over about 0.4 s; generous: any positive rate up to 10x
            check(x["throughput_rps"] < 500, x)
        for c in results["summary"]:
            for k in LAT_COLUMNS:
                check(c[k] is not None and 0.05 < c[k] < 50, (k, c))
                check(k + "_lo" in c and k + "_hi" in c, c)
        header = rows[0]
        for k in LAT_COLUMNS:
            for col in (k, k + "_lo", k + "_hi"):
                check(col in header, header)
            for row in rows[1:]:
                v = float(row[header.index(k)])
                check(math.isfinite(v) and v > 0, (k, row))
        keys = {t["name"]: t for t in results["workloads"][0]["threads"]}
        check(set(keys) == {"handler", "acceptor"}, keys)
        check(keys["handler"]["count"] == 20 and keys["acceptor"]["count"] == 1, keys)
        # the acceptor lives through the client's whole window
        phase_wall = results["workloads"][0]["phases"][0]["truth_wall_s"]
        check(keys["acceptor"]["truth_wall_s"] > 0.8 * phase_wall, (keys, phase_wall))
        samp = [c for c in results["summary"] if c["backend"] == "sampling"][0]
        # generous: with the accept loop outside the truth this was 44-56
        check(samp["ae_pp"] is not None and samp["ae_pp"] < 25, samp)
        check("- **server**: latency under profiling: none p99 " in md, md)
        check("; sampling p99 " in md, md)
    # the worker ended with its server: nothing left with our port's
    # environment, and the port can be listened on again
    check(processes_with_env(f"PB_SERVER_PORT={port}") == [], "a process outlived the run")
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))
        s.listen()


def test_server_workload_alone():
    """The workload runs as a plain module too (no pyprof_bench): serve()
    returns the count, bad arguments raise, and the request loop is bounded."""
    import subprocess
    code = ("import sys; sys.path.insert(0, 'workloads'); import server\n"
            "assert server.serve(5, 100) == 5\n"
            "try:\n    server.serve(10**6, 1)\nexcept ValueError:\n    print('bounded')\n")
    r = subprocess.run(["/usr/bin/python3", "-c", code], capture_output=True, text=True,
                       timeout=60, cwd=common.ROOT)
    check(r.returncode == 0 and "bounded" in r.stdout, r.stdout + r.stderr)


@figures
def test_server_first_requests_names_the_slowest():
    """tests/bench/server_first_requests.py serves the workload plain and
    under scalene (the venv's, as the scalene backend runs it): a line per
    run with p50 <= p99 <= max and its ten slowest request indices, then a
    count of them among the first requests; a bad mode is a usage error."""
    script = os.path.join(ROOT, "tests", "bench", "server_first_requests.py")
    venv_py = os.path.join(ROOT, "build", "venv", "bin", "python3")
    modes = ["plain"]
    if subprocess.run([venv_py, "-c", "import scalene"], capture_output=True).returncode == 0:
        modes.append("scalene")
    r = subprocess.run([sys.executable, script, "--runs", "1", "--first", "20"] + modes,
                       capture_output=True, text=True, timeout=300, cwd=ROOT)
    check(r.returncode == 0, f"exit {r.returncode}: {r.stdout[-1000:]} {r.stderr[-1000:]}")
    for mode in modes:
        m = re.search(re.escape(mode) + r" +run 1: p50 +([0-9.]+) ms  p99 +([0-9.]+)  "
                      r"max +([0-9.]+)  slowest: ((?:\d+:\d+ ?){10})$", r.stdout, re.M)
        check(m is not None, f"no run line for {mode} in {r.stdout}")
        p50, p99, mx = (float(m.group(k)) for k in (1, 2, 3))
        check(0 < p50 <= p99 <= mx, f"{mode}: {p50} {p99} {mx}")
        idx = [int(x.split(":")[0]) for x in m.group(4).split()]
        check(idx == sorted(idx) and all(0 <= i < 300 for i in idx), idx)
        c = re.search(re.escape(mode) + r" +(\d+) of 10 slowest requests among the first 20",
                      r.stdout)
        check(c is not None and int(c.group(1)) == sum(1 for i in idx if i < 20),
              f"{mode}: count line {c and c.group(0)} for {idx}")
    bad = subprocess.run([sys.executable, script, "nosuch"], capture_output=True, text=True,
                         timeout=60, cwd=ROOT)
    check(bad.returncode != 0 and "unknown mode 'nosuch'" in bad.stderr,
          f"exit {bad.returncode}: {bad.stderr}")
