"""End-to-end tests: the command line: options, --list, plain scripts, probing, config-time checks."""
import concurrent.futures
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

import common
from common import *  # noqa: F401,F403 (run, cfg, check, Skip, ...)


def probe_config(tmp):
    path = os.path.join(tmp, "probe.yaml")
    with open(path, "w") as f:
        f.write("defaults: {rounds: 1, warmup: 0, output: " + os.path.join(tmp, "res") + "}\n"
                "workloads:\n  - name: tiny\n    file: " + os.path.join(HERE, "workloads", "tiny.py") +
                "\n    phases:\n      - {function: nap, args: [0.01], category: system}\n"
                "backends:\n  - {name: none, kind: none}\n  - {name: sampling, kind: sampling}\n")
    return path


# ---------------------------------------------------------------- tests

def test_help_and_version():
    """--help documents options and exit codes; --version prints the version."""
    r = run(["--help"])
    check(r.returncode == 0, f"--help exit {r.returncode}")
    for word in ("--list", "--out", "--only-backend", "--only-workload", "--rounds",
                 "--quiet", "exit status", "130", "run SCRIPT", "SCRIPT.py",
                 "--allow-inconclusive", "PB_PROBE_TIMEOUT", "'--' ends them"):
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


# ---------------------------------------------------------------- issue 17: a newcomer's first hour

def test_options_anywhere_on_the_line():
    """Options after the config work (they exited 2, "one config at a time"),
    whatever POSIXLY_CORRECT says; '--' still ends options; subcommands too."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out")
        r = run([cfg("small.yaml"), "--rounds", "1", "--quiet", "--only-workload", "sleep",
                 "--out", out], env=dict(os.environ, POSIXLY_CORRECT="1"))
        check(r.returncode == 0, f"exit {r.returncode}: {r.stderr}")
        results, _, _ = load_outputs(out)
        check(results["config"]["rounds"] == 1, results["config"])
        check([w["name"] for w in results["workloads"]] == ["sleep"], results["workloads"])
        r = run(["--list", "--", cfg("small.yaml")])
        check(r.returncode == 0 and "tiny" in r.stdout, r.stdout + r.stderr)
        r = run(["--", "--list"])
        check(r.returncode == 2 and "cannot open '--list'" in r.stderr, r.stderr)
        r = run([cfg("small.yaml"), cfg("small.yaml")])
        check(r.returncode == 2 and "one config at a time" in r.stderr, r.stderr)
        base = os.path.join(tmp, "b.json")
        fake_results(base, [1.5] * 10)
        r = run(["compare", base, base, "--threshold", "10%"])
        check(r.returncode == 0 and "pass" in r.stdout, r.stdout + r.stderr)


def test_run_plain_script():
    """`run SCRIPT.py ARGS` and a bare `SCRIPT.py ARGS` benchmark the script as
    __main__ under the default backends with no config; everything after the
    script is its sys.argv[1:] (argv[0] its path); `argv:` in a config too."""
    with tempfile.TemporaryDirectory() as tmp:
        script = os.path.join(tmp, "my-script.py")
        with open(script, "w") as f:
            f.write("import json, os, sys\n"
                    "with open(os.environ['MARK'], 'a') as m:\n"
                    "    m.write(json.dumps(sys.argv) + '\\n')\n"
                    "sum(range(10000))\n")
        mark = os.path.join(tmp, "mark")
        env = dict(os.environ, MARK=mark)

        def argvs():
            with open(mark) as f:
                lines = [json.loads(x) for x in f]
            os.unlink(mark)
            return lines

        out = os.path.join(tmp, "out")
        r = run(["--quiet", "--rounds", "1", "--out", out, "run", script, "a b", "--rounds",
                 "7"], env=env)
        check(r.returncode == 0, f"exit {r.returncode}: {r.stderr}")
        results, rows, _ = load_outputs(out)
        check([w["name"] for w in results["workloads"]] == ["my-script"], results["workloads"])
        check(results["workloads"][0]["overhead_only"], results["workloads"][0])
        backends = [b["name"] for b in results["backends"]]
        check(backends == ["none", "sampling", "deterministic", "cprofile"], backends)
        check(all(row[2] in ("ok", "skipped") for row in rows[1:]), rows)
        seen = argvs()
        check(seen and all(a == [script, "a b", "--rounds", "7"] for a in seen), seen)
        out2 = os.path.join(tmp, "out2")
        r = run(["--rounds", "1", "--only-backend", "none", "--out", out2, script, "--x"],
                env=env)
        check(r.returncode == 0, f"exit {r.returncode}: {r.stderr}")
        check("my-script" in r.stdout, r.stdout)
        check(all(a == [script, "--x"] for a in argvs()), "bare SCRIPT.py")
        conf = os.path.join(tmp, "c.yaml")
        with open(conf, "w") as f:
            f.write("defaults: {rounds: 1, warmup: 0, scale: 2}\n"
                    "workloads:\n  - name: s\n    file: my-script.py\n    main: __main__\n"
                    "    argv: [10, --fast]\n"
                    "backends:\n  - {name: none, kind: none}\n")
        r = run(["--quiet", "--out", os.path.join(tmp, "out3"), conf], env=env)
        check(r.returncode == 0, f"exit {r.returncode}: {r.stderr}")
        check(all(a == [script, "10", "--fast"] for a in argvs()), "argv: in a config")
        r = run(["run", os.path.join(tmp, "my-scrpt.py")])
        check(r.returncode == 2 and "did you mean 'my-script.py'" in r.stderr, r.stderr)
        r = run(["run"])
        check(r.returncode == 2 and "run needs a SCRIPT" in r.stderr, r.stderr)


def test_probe_only_selected_with_timeout():
    """Only the selected backends are probed (a hanging probe of another one costs
    nothing); a probe that hangs is cut at PB_PROBE_TIMEOUT and its backend is
    skipped with the reason; --list honours --only-*; the probing is announced."""
    need_test_binary()
    with tempfile.TemporaryDirectory() as tmp:
        conf = probe_config(tmp)
        env = dict(os.environ, PB_TEST_PROBE_HANG="sampling", PB_PROBE_TIMEOUT="3s")
        t0 = time.monotonic()
        r = subprocess.run([common.TEST_BINARY, "--list", "--only-backend", "none", conf],
                           capture_output=True, text=True, timeout=120, env=env)
        check(r.returncode == 0, f"exit {r.returncode}: {r.stderr}")
        check("probing 1 backend" in r.stderr, r.stderr)
        check("sampling" not in r.stdout and "none" in r.stdout, r.stdout)
        check(time.monotonic() - t0 < 60, "the hanging probe of an unselected backend ran")
        r = subprocess.run([common.TEST_BINARY, "--list", conf], capture_output=True, text=True,
                           timeout=120, env=env)
        check(r.returncode == 0, f"exit {r.returncode}: {r.stderr}")
        check("probing 2 backends" in r.stderr, r.stderr)
        check("probe of sampling timed out after 3 s" in r.stdout, r.stdout)
        out = os.path.join(tmp, "out")
        r = subprocess.run([common.TEST_BINARY, "--out", out, conf], capture_output=True, text=True,
                           timeout=120, env=env)
        check(r.returncode == 0, f"exit {r.returncode}: {r.stderr}")
        check("skipped: probe of sampling timed out after 3 s" in r.stdout, r.stdout)


def test_ctrl_c_while_probing():
    """Ctrl-C while a probe runs exits 130 with a message, and runs nothing."""
    need_test_binary()
    with tempfile.TemporaryDirectory() as tmp:
        conf = probe_config(tmp)
        env = dict(os.environ, PB_TEST_PROBE_HANG="sampling", PB_PROBE_TIMEOUT="120s")
        out = os.path.join(tmp, "out")
        p = subprocess.Popen([common.TEST_BINARY, "--out", out, conf], stderr=subprocess.PIPE,
                             stdout=subprocess.DEVNULL, text=True, env=env)
        try:
            line = p.stderr.readline()
            check("probing" in line, line)
            time.sleep(0.5)
            p.send_signal(signal.SIGINT)
            rest = p.stderr.read()
            p.wait(timeout=60)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        check(p.returncode == 130, f"exit {p.returncode}: {rest}")
        check("interrupted while probing" in rest, rest)
        check(not os.path.exists(out), "a result folder was created")


def test_config_checks_run_nothing():
    """A misspelled phase function, a main that is not callable, a missing
    workload file and a missing include exit 2 before anything runs, citing
    the config's line and column with the nearest name; the workload file is
    parsed, never executed, and no result folder is created."""
    with tempfile.TemporaryDirectory() as tmp:
        res = os.path.join(tmp, "res")
        mark = os.path.join(tmp, "executed")
        with open(os.path.join(tmp, "work.py"), "w") as f:
            f.write("import os\n"
                    "open(" + repr(mark) + ", 'w').close()\n"
                    "LIMIT = 3\n"
                    "def compute(n):\n    return sum(range(n))\n")
        with open(os.path.join(tmp, "base.yaml"), "w") as f:
            f.write("backends:\n  - {name: none, kind: none}\n")

        def conf(body, include="base.yaml"):
            path = os.path.join(tmp, f"c{len(os.listdir(tmp))}.yaml")
            with open(path, "w") as f:
                f.write(f"include: {include}\ndefaults: {{rounds: 1, output: {res}}}\n"
                        "workloads:\n  - name: w\n    file: " + body)
            return path

        cases = [
            (conf("work.py\n    phases:\n      - function: compte\n        args: [10]\n"
                  "        category: python\n"),
             ("c2.yaml:7:19:", "no function 'compte'", "did you mean 'compute'?")),
            (conf("work.py\n    main: LIMIT\n"), ("c3.yaml:6:11:", "'LIMIT'", "not callable")),
            (conf("wrok.py\n    main: compute\n"),
             ("c4.yaml:5:11:", "not found", "did you mean 'work.py'?")),
            (conf("work.py\n    main: compute\n", include="bse.yaml"),
             ("c5.yaml:1:10:", "cannot open include 'bse.yaml'", "did you mean 'base.yaml'?")),
        ]
        for path, texts in cases:
            for extra in ([], ["--list"]):
                r = run(extra + [path])
                check(r.returncode == 2, f"{texts}: exit {r.returncode}: {r.stderr}")
                for t in texts:
                    check(t in r.stderr, f"{t!r} not in {r.stderr!r}")
                check("probing" not in r.stderr, "probed backends for a bad config")
        check(not os.path.exists(res), "a result folder was created")
        check(not os.path.exists(mark), "the workload file was executed by the check")
        # The right name passes the check and runs.
        r = run(["--quiet", conf("work.py\n    main: compute\n    args: [10]\n")])
        check(r.returncode == 0, f"exit {r.returncode}: {r.stderr}")


def test_reference_configs_load():
    """Every shipped config loads (--list) without error; include-only files are
    checked through the configs that include them. Two at a time: each
    probes its backends in workers, mostly waiting (20 s one at a time)."""
    names = sorted(os.listdir(os.path.join(ROOT, "configs")))
    names += sorted(os.path.join("examples", n)
                    for n in os.listdir(os.path.join(ROOT, "configs", "examples")))
    todo = []
    for name in names:
        if not name.endswith(".yaml"):
            continue
        with open(os.path.join(ROOT, "configs", name)) as f:
            if f.readline().startswith("# include-only"):
                continue
        todo.append(name)
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        results = pool.map(lambda n: run(["--list", os.path.join("configs", n)]), todo)
        for name, r in zip(todo, results):
            check(r.returncode == 0, f"{name}: exit {r.returncode}: {r.stderr}")
