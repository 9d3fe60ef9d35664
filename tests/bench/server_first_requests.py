#!/usr/bin/env python3
"""Where in the serving window a profiler delays the REST API's requests.

The harness keeps p50, p99 and max latency per run (workloads/server.py,
docs/METHOD.md "Latency under load"); this says *which* requests were the
slow ones. Each run is a fresh process serving workloads/server.py's
serve(300, 100) (300 requests due at 100 per second, open loop), plain or
under scalene 2's CPU mode started and stopped around the serving (as
backends/scalene.c does: `scalene run --off`, scalene_profiler.start() and
stop()); it prints each run's p50 / p99 / max and the indices of its ten
slowest requests (request i is due at i / 100 s into the window), then how
many of all runs' slowest requests were among the first FIRST.

A per-sample cost spreads the slow requests over the window; a one-time
stall puts them at its start.

usage: tests/bench/server_first_requests.py [--runs N] [--first K]
           [--python PY] MODE...
MODE: plain | scalene | scalene-nostacks (scalene's --no-stacks)
PY: the interpreter with scalene installed (default build/venv/bin/python3)
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
N, RATE, SLOWEST = 300, 100, 10


def child(under_scalene):
    """In the served process: serve, print the latencies as one JSON line."""
    sys.path.insert(0, os.path.join(ROOT, "workloads"))
    import server
    got = {}
    server.record_requests = lambda lat, window: got.update(lat=lat)
    if under_scalene:
        from scalene import scalene_profiler
        scalene_profiler.start()
    server.serve(N, RATE)
    if under_scalene:
        scalene_profiler.stop()
    print("LATENCIES " + json.dumps(got["lat"]), flush=True)


def one_run(python, mode, tmp):
    me = os.path.abspath(__file__)
    if mode == "plain":
        argv = [python, me, "--child"]
    else:
        argv = [python, "-m", "scalene", "run", "--cpu-only", "--off",
                "-o", os.path.join(tmp, "profile.json")]
        if mode == "scalene-nostacks":
            argv.append("--no-stacks")
        argv += [me, "---", "--child", "--scalene"]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=120, cwd=tmp)
    for line in p.stdout.splitlines():
        if line.startswith("LATENCIES "):
            return json.loads(line[len("LATENCIES "):])
    sys.exit(f"{mode}: no latencies (exit {p.returncode}): {(p.stderr or p.stdout)[-400:]}")


def quantile(xs, q):
    s = sorted(xs)
    return s[min(len(s) - 1, int(q * len(s)))]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--first", type=int, default=20,
                    help="the requests counted as the window's start (default 20: 0.2 s)")
    ap.add_argument("--python", default=os.path.join(ROOT, "build", "venv", "bin", "python3"))
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--scalene", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("modes", nargs="*", default=["plain", "scalene"])
    a = ap.parse_args()
    if a.child:
        return child(a.scalene)
    for mode in a.modes:
        if mode not in ("plain", "scalene", "scalene-nostacks"):
            sys.exit(f"unknown mode {mode!r} (plain, scalene, scalene-nostacks)")
    print(f"server_first_requests: {N} requests at {RATE}/s, {a.runs} runs a mode, "
          f"load average {os.getloadavg()[0]:.2f}, {time.strftime('%H:%M:%S')}")
    for mode in a.modes:
        early = 0
        for r in range(a.runs):
            with tempfile.TemporaryDirectory() as tmp:
                lat = one_run(a.python, mode, tmp)
            slow = sorted(sorted(range(len(lat)), key=lambda i: -lat[i])[:SLOWEST])
            early += sum(1 for i in slow if i < a.first)
            print(f"{mode:17s} run {r + 1}: p50 {1e3 * quantile(lat, 0.5):6.1f} ms  "
                  f"p99 {1e3 * quantile(lat, 0.99):6.1f}  max {1e3 * max(lat):6.1f}  "
                  f"slowest: " + " ".join(f"{i}:{1e3 * lat[i]:.0f}" for i in slow))
        print(f"{mode:17s} {early} of {SLOWEST * a.runs} slowest requests among the "
              f"first {a.first}")


if __name__ == "__main__":
    main()
