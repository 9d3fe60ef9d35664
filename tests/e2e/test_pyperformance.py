"""End-to-end tests: the pyperformance workloads (workloads/bm_*.py) and the
paper table of summary.md (`paper:`)."""
import os
import re
import tempfile

import common
from common import *  # noqa: F401,F403 (run, cfg, check, Skip, ...)

PAPER = """# a test paper
citation = A. Author. A Test Paper. Table 1.
setup = a test machine
row = cProfile | cprofile | 1.73 | 2.63 | pprint
row = Ghost | ghost | 2.00 |
row = line_profiler | | 2.21 | 11.59 |
row = Listed | listed | 1.50 |
"""


def write_config(tmp, workloads, backends, rounds=5, paper=True, extra=""):
    conf = os.path.join(tmp, "pp.yaml")
    if paper:
        with open(os.path.join(tmp, "paper.txt"), "w") as f:
            f.write(PAPER)
    with open(conf, "w") as f:
        f.write(("paper: paper.txt\n" if paper else "") +
                f"defaults: {{rounds: {rounds}, warmup: 0, timeout: 60s}}\nworkloads:\n" +
                "".join(f"  - {{name: {n}, file: {p}, main: {m}, args: [{a}]}}\n"
                        for n, p, m, a in workloads) +
                "backends:\n" + "".join(f"  - {{name: {b}, kind: {b}}}\n" for b in backends) +
                extra)
    return conf


RAYTRACE = ("raytrace", f"{common.ROOT}/workloads/bm_raytrace.py", "raytrace", 1)
MISSING = ("missing", f"{common.HERE}/workloads/bm_missing.py", "run", 1)


@figures
def test_pyperformance_benchmark_and_paper_table():
    """raytrace (one render, about 0.2 s) runs from the installed package
    under none and cprofile, 5 rounds; a benchmark the package lacks is
    skipped with the loader's reason, not failed; summary.md's paper table
    has every row of the paper file: cProfile with this run's median and max
    and their intervals, Ghost not in this run, line_profiler without a
    backend; a backend with a `workloads:` list counts only those, and says
    how many it left out."""
    if not common.importable("pyperformance"):
        raise Skip("pyperformance is not installed in the venv (make deps)")
    with tempfile.TemporaryDirectory() as tmp:
        conf = write_config(tmp, [RAYTRACE, MISSING], ["none", "cprofile"],
                            extra="  - {name: listed, kind: none, workloads: [raytrace]}\n")
        out = os.path.join(tmp, "out")
        r = run(["--quiet", "--out", out, conf], timeout=300)
        check(r.returncode == 0, f"exit {r.returncode}: {r.stderr}")
        results, rows, md = load_outputs(out)
        by = {(s["workload"], s["backend"]): s for s in results["summary"]}
        for b in ("none", "cprofile"):
            c = by[("raytrace", b)]
            check(c["status"] == "ok" and c["rounds"] == 5, c)
            check(0.5 < c["wall_ratio"] < 20, c)
            m = by[("missing", b)]
            check(m["status"] == "skipped", m)
            check("pyperformance" in m["reason"] and "no benchmark 'no_such_benchmark'"
                  in m["reason"], m["reason"])
        wl = {w["name"]: w for w in results["workloads"]}
        check(wl["raytrace"]["overhead_only"], wl["raytrace"])
        check("## Paper table" in md and "A. Author. A Test Paper. Table 1." in md, md)
        check("The paper's setup: a test machine." in md, md)
        table = md[md.index("## Paper table"):]
        lines = [x for x in table.splitlines() if x.startswith("| ")]
        check(len(lines) == 5, lines)   # the header and the paper's four rows
        cp = next(x for x in lines if x.startswith("| cProfile |"))
        cells = [x.strip() for x in cp.strip("|").split("|")]
        check(cells[:3] == ["cProfile", "cprofile", "1.73x"], cells)
        check(re.fullmatch(r"\d+\.\d\dx \[\d+\.\d\d-\d+\.\d\d\]", cells[3]), cells)
        check(cells[4] in ("agrees", "higher here", "lower here"), cells)
        check(cells[5] == "2.63x (pprint)", cells)
        check(re.fullmatch(r"\d+\.\d\dx \[\d+\.\d\d-\d+\.\d\d\] \(raytrace\)", cells[6]), cells)
        check(cells[8] == "1 of 2; missing skipped", cells)
        check(any(x.startswith("| Ghost | ghost | 2.00x | - |") and "not in this run" in x
                  for x in lines), lines)
        check(any(x.startswith("| line_profiler | - | 2.21x | - |") and "no backend here" in x
                  for x in lines), lines)
        ls = next(x for x in lines if x.startswith("| Listed |"))
        cells = [x.strip() for x in ls.strip("|").split("|")]
        check(cells[8] == "1 of 1; 1 of the 2 not in its workloads", cells)


def test_pyperformance_not_installed():
    """Without the venv (no pyperformance), a benchmark workload is skipped
    with the reason, the exit status is 0, and a config without `paper:` has
    no paper table."""
    with tempfile.TemporaryDirectory() as tmp:
        conf = write_config(tmp, [RAYTRACE], ["none"], rounds=1, paper=False)
        out = os.path.join(tmp, "out")
        r = run(["--quiet", "--out", out, conf], timeout=120, env=dict(os.environ, **NO_VENV))
        check(r.returncode == 0, f"exit {r.returncode}: {r.stderr}")
        results, rows, md = load_outputs(out)
        c = results["summary"][0]
        check(c["status"] == "skipped" and "pyperformance is not importable" in c["reason"], c)
        check("## Paper table" not in md, md)


def test_pyperformance_configs_load():
    """configs/pyperformance.yaml (the ten benchmarks) and its quick subset
    load with their paper file (--list runs nothing)."""
    for name, n in (("pyperformance.yaml", 10), ("pyperformance-quick.yaml", 2)):
        r = run(["--list", os.path.join(common.ROOT, "configs", name)], timeout=120)
        check(r.returncode == 0, f"{name}: exit {r.returncode}: {r.stderr}")
        listed = re.findall(r"^  \S+ +\S+/workloads/bm_\w+\.py$", r.stdout, re.M)
        check(len(listed) == n, (name, r.stdout))
    # The settings' backends have names longer than 16 characters: --list's
    # columns widen to the longest name listed.
    r = run(["--list", os.path.join(common.ROOT, "configs", "pyperformance-settings.yaml")],
            timeout=120)
    check(r.returncode == 0, f"exit {r.returncode}: {r.stderr}")
    kinds = {line.index(" kind ") for line in r.stdout.splitlines() if " kind " in line}
    check(len(kinds) == 1 and "scalene-full-window10m" in r.stdout, r.stdout)
