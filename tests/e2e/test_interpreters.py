"""End-to-end tests: the interpreter axis. A tiny config across every
interpreter present (pyenv's 3.9-3.13 and the pinned one), an interpreter
that does not exist, --interpreter, and a user's virtual environment whose
site-packages the worker uses.

One test per version (test_interpreter_3_12, ...) over one shared run: ok
rows on a version with a worker; skipped rows naming it where it has none
(the test is then counted as skipped, saying so); skipped naming it where
pyenv lacks it."""
import glob
import json
import os
import subprocess
import tempfile

import common
from common import *  # noqa: F401,F403 (run, cfg, check, Skip, ...)

VERSIONS = ("3.9", "3.10", "3.11", "3.12", "3.13")
PYENV = os.path.join(os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv"), "versions")
TINY = os.path.join(HERE, "workloads", "tiny.py")
_axis = {}


def pinned_xy():
    """X.Y of the interpreter the binary embeds (what its workers run)."""
    r = run(["--list", cfg("small.yaml")])
    for line in r.stdout.splitlines():
        parts = line.split()
        if line.startswith("  python") and len(parts) >= 2 and parts[1][:1].isdigit():
            return ".".join(parts[1].split(".")[:2]), parts[0]
    raise AssertionError("--list names no interpreter:\n" + r.stdout)


def in_pyenv(xy):
    found = sorted(glob.glob(os.path.join(PYENV, xy + ".*", "bin", "python" + xy)))
    return found[-1] if found else None


def write_config(tmp, interpreters, extra_workload=""):
    path = os.path.join(tmp, "axis.yaml")
    with open(path, "w") as f:
        f.write("interpreters: [" + ", ".join(interpreters) + "]\n"
                "defaults: {rounds: 2, warmup: 0, timeout: 60s}\n"
                "workloads:\n  - name: tiny\n    file: " + TINY + "\n    phases:\n"
                "      - {function: spin, args: [200000], category: python}\n"
                "      - {function: nap, args: [0.01], category: system}\n" + extra_workload +
                "backends:\n  - {name: none, kind: none}\n  - {name: cprofile, kind: cprofile}\n")
    return path


def axis_run():
    """The shared run: the pinned interpreter, python3.X for every other X.Y
    pyenv has, and python3.99, which nothing has. (exit, results)."""
    if not _axis:
        _, pinned = pinned_xy()
        names = [pinned] + ["python" + xy for xy in VERSIONS if in_pyenv(xy) and
                            "python" + xy != pinned] + ["python3.99"]
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "out")
            r = run([write_config(tmp, names), "--out", out, "--quiet"], timeout=600)
            _axis["rc"], _axis["stderr"] = r.returncode, r.stderr
            results, rows, md = load_outputs(out)
            _axis.update(results=results, rows=rows, md=md, names=names)
    return _axis


def cells_of(ax, name):
    return [c for c in ax["results"]["summary"] if c["interpreter"] == name]


def check_version(xy):
    ax = axis_run()
    check(ax["rc"] == 0, f"exit {ax['rc']}: {ax['stderr']}")
    pinned, pinned_name = pinned_xy()
    name = pinned_name if xy == pinned else "python" + xy
    if name not in ax["names"]:
        raise Skip(f"python{xy} is not in pyenv ({PYENV}): not on this machine")
    interp = [i for i in ax["results"]["interpreters"] if i["name"] == name][0]
    cells = cells_of(ax, name)
    check(len(cells) == 2, f"{name}: {len(cells)} cells")
    if interp["usable"]:
        check(interp["version"].startswith(xy + "."), f"{name}: version {interp['version']}")
        for c in cells:
            check(c["status"] == "ok" and c["rounds"] == 2, f"{name}: {c}")
            check(c["python_version"] == interp["version"], c)
        # The baselines ran on it too: ratios pair runs of one interpreter.
        base = [r for r in ax["results"]["runs"] if r["interpreter"] == name and r["baseline"]]
        check(len(base) == 2 and all(r["status"] == "ok" for r in base), f"{name}: {base}")
        check(any(row[-2:] == [name, interp["version"]] for row in ax["rows"][1:]),
              f"{name} not in summary.csv's interpreter columns")
        check(f"tiny on {name} ({interp['version']})" in ax["md"], f"{name} not in summary.md")
        return
    # Present but not runnable (no worker built for it): skipped, naming it.
    for c in cells:
        check(c["status"] == "skipped" and f"no worker for python{xy}" in c["reason"], c)
    check(not [r for r in ax["results"]["runs"] if r["interpreter"] == name],
          f"{name}: runs on an interpreter without a worker")
    raise Skip(f"python{xy} is in pyenv but has no worker (its rows are skipped, "
               f"saying so): {interp['unusable_reason']}")


def _version_test(xy):
    def test():
        check_version(xy)
    test.__doc__ = f"python{xy}: ok rows with its version, or skipped rows naming it."
    return test


for _xy in VERSIONS:
    globals()["test_interpreter_" + _xy.replace(".", "_")] = _version_test(_xy)


def test_interpreter_missing_everywhere():
    """An interpreter nothing has: its rows skipped, naming it; the others still run (exit 0)."""
    ax = axis_run()
    check(ax["rc"] == 0, f"exit {ax['rc']}: {ax['stderr']}")
    cells = cells_of(ax, "python3.99")
    check(len(cells) == 2, cells)
    for c in cells:
        check(c["status"] == "skipped" and
              c["reason"] == "python3.99 not found on PATH or in pyenv", c)
    check("python3.99 not found on PATH or in pyenv" in ax["md"], "summary.md lacks the reason")


def test_interpreter_option():
    """--interpreter replaces the config's list; --list says availability per interpreter."""
    _, pinned = pinned_xy()
    with tempfile.TemporaryDirectory() as tmp:
        path = write_config(tmp, ["python3.99"])
        r = run(["--list", path, "--interpreter", pinned, "--interpreter", "python3.98"])
        check(r.returncode == 0, f"exit {r.returncode}: {r.stderr}")
        check(f"on {pinned}: available" in r.stdout, r.stdout)
        check("on python3.98: unavailable: python3.98 not found on PATH or in pyenv" in r.stdout,
              r.stdout)
        check("python3.99" not in r.stdout, "the config's list was not replaced")
        r = run([path, "--interpreter", pinned, "--interpreter", pinned])
        check(r.returncode == 2 and "given twice" in r.stderr, r.stderr)


def test_interpreter_user_venv():
    """A virtual environment named by path: the worker imports from its site-packages."""
    pinned, _ = pinned_xy()
    with tempfile.TemporaryDirectory() as tmp:
        venv = os.path.join(tmp, "userenv")
        made = subprocess.run(["python" + pinned, "-m", "venv", "--without-pip", venv],
                              capture_output=True, text=True)
        if made.returncode != 0:
            raise Skip(f"cannot make a venv with python{pinned}: {made.stderr.strip()}")
        site = glob.glob(os.path.join(venv, "lib", "python*", "site-packages"))[0]
        with open(os.path.join(site, "pb_user_venv_marker.py"), "w") as f:
            f.write("def value():\n    return 42\n")
        wl = os.path.join(tmp, "uses_marker.py")
        with open(wl, "w") as f:
            f.write("def check():\n    import pb_user_venv_marker\n"
                    "    assert pb_user_venv_marker.value() == 42\n")
        extra = ("  - name: marker\n    file: " + wl + "\n    phases:\n"
                 "      - {function: check, category: python}\n")
        out = os.path.join(tmp, "out")
        r = run([write_config(tmp, [venv], extra), "--out", out, "--quiet",
                 "--only-backend", "none"])
        check(r.returncode == 0, f"exit {r.returncode}: {r.stderr}")
        with open(os.path.join(out, "results.json")) as f:
            res = json.load(f)
        ip = res["interpreters"][0]
        check(ip["name"] == venv and ip["virtual_env"] and ip["venv"] == venv, ip)
        marker = [c for c in res["summary"] if c["workload"] == "marker"]
        check(marker and marker[0]["status"] == "ok", marker)
