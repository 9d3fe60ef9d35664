"""End-to-end tests: result files, formats, charts, report.html, output folders."""
import base64
import csv
import fcntl
import html.parser
import http.server
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
import zlib

import common
from common import *  # noqa: F401,F403 (run, cfg, check, Skip, ...)


# ---------------------------------------------------------------- report.html

REPORT_BACKENDS = ("none", "sampling", "deterministic")


def report_run(tmp):
    """The tiny workload under none, sampling and deterministic, 3 rounds: the
    result folder holding report.html."""
    conf = tiny_config(tmp, "r.yaml", 3, REPORT_BACKENDS)
    out = os.path.join(tmp, "out")
    r = run(["--quiet", "--out", out, conf])
    check(r.returncode == 0, f"exit {r.returncode}: {r.stderr}")
    return out


class PageParser(html.parser.HTMLParser):
    """Tags with their attributes, and the text, of an HTML page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags = []
        self.text = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def parse_page(text):
    p = PageParser()
    p.feed(text)
    p.close()
    return p


def check_page_self_contained(page, raw):
    """Nothing in the page refers outside it: no script, link, frame or object;
    every src a data: URI, every href a fragment; no url() or @import."""
    for tag, attrs in page.tags:
        check(tag not in ("script", "link", "iframe", "frame", "object", "embed", "base"),
              f"<{tag}> in the page")
        for k, v in attrs.items():
            if k in ("src", "srcset", "poster", "data", "action", "formaction"):
                check(v.startswith("data:"), f"<{tag} {k}={v[:80]!r}>")
            if k == "href":
                check(v.startswith("#"), f"<{tag} href={v!r}>")
    low = raw.lower()
    for bad in ("http://", "https://", "url(", "@import", "src=\"//", "href=\"//"):
        check(bad not in low, f"{bad!r} in the page")


def check_page_content(page):
    rows = [a.get("data-backend") for t, a in page.tags if t == "tr" and "data-backend" in a]
    check(sorted(rows) == sorted(REPORT_BACKENDS), f"backend rows {rows}")
    text = "".join(page.text)
    for word in ("pyprof-bench report", "Config", "Seed", "Verdict", "Most accurate:",
                 "Cheapest:", "Ground truth", "noise floor", "T = ", "Legend"):
        check(word in text, f"{word!r} not in the page")


def chromium():
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    raise Skip("chromium is not installed (apt-get install chromium; .ci/run does)")


def png_pixels(path):
    """(width, height, rows of (r, g, b) tuples) of an 8-bit RGB or RGBA PNG
    without interlacing, read with the standard library only."""
    with open(path, "rb") as f:
        data = f.read()
    check(data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG")
    pos, idat, head = 8, b"", None
    while pos < len(data):
        n, kind = struct_unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            head = struct_unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    w, h, depth, ctype, _, _, interlace = head
    check(depth == 8 and ctype in (2, 6) and interlace == 0, f"PNG format {head}")
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(idat)
    stride = w * bpp
    prev = bytearray(stride)
    rows = []
    for y in range(h):
        ft = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if ft == 1:
                line[i] = (line[i] + a) & 255
            elif ft == 2:
                line[i] = (line[i] + b) & 255
            elif ft == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif ft == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pr = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pr) & 255
        rows.append([tuple(line[x * bpp:x * bpp + 3]) for x in range(w)])
        prev = line
    return w, h, rows


def struct_unpack(fmt, b):
    import struct
    return struct.unpack(fmt, b)


class RecordingProxy(http.server.BaseHTTPRequestHandler):
    """A proxy that serves nothing and records every request made through it."""
    seen = []

    def _refuse(self):
        RecordingProxy.seen.append(f"{self.command} {self.path}")
        self.send_error(403)

    do_GET = do_POST = do_HEAD = do_CONNECT = _refuse

    def log_message(self, *args):
        pass


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
        check(results["python"].startswith(pinned_version() + "."), results["python"])
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


def test_two_harnesses_same_out():
    """Two harnesses started on the same --out: the second is refused (exit 2) while
    the first runs on and writes complete results."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out")
        first = subprocess.Popen([common.BINARY, "--quiet", "--rounds", "8", "--out", out,
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


def test_fault_write_each_result_file():
    """Test build: writing each result file fails half way with ENOSPC: a clear
    message, exit 1, that file absent (no half file, no temporary file), the other
    files complete."""
    need_test_binary()
    names = ["results.json", "summary.csv", "summary.md", "report.html", "overhead.dat", "overhead.gp",
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
        # every stack is the thread, the region runner (pyprof_bench.region,
        # which calls the phases), then the workload's frames; a sample taken
        # between two phases ends at the runner
        runner = "<pyprof-bench>/pyprof_bench/region.py:run_region"
        check(all(";" in l and l.split(";")[1].startswith(runner) for l in lines), lines[:5])
        check(sum(int(l.rsplit(" ", 1)[1]) for l in lines if "tiny.py:" in l) >=
              0.8 * sum(int(l.rsplit(" ", 1)[1]) for l in lines), lines[:5])
        with open(os.path.join(prof, "tiny.sampling.r0.speedscope.json")) as f:
            d = json.load(f)
        check(d["profiles"] and d["shared"]["frames"], "speedscope content")


def test_report_html_self_contained():
    """report.html: every backend row, the verdict, the legend, the charts embedded
    (the same bytes as charts/*.svg), and nothing that refers outside the page."""
    with tempfile.TemporaryDirectory() as tmp:
        out = report_run(tmp)
        with open(os.path.join(out, "report.html"), encoding="utf-8") as f:
            raw = f.read()
        page = parse_page(raw)
        check_page_self_contained(page, raw)
        check_page_content(page)
        charts = os.path.join(out, "charts")
        if not shutil.which("gnuplot"):
            return
        figs = {a["data-chart"]: None for t, a in page.tags if t == "figure"}
        imgs = [a["src"] for t, a in page.tags if t == "img"]
        check(sorted(figs) == ["accuracy-tiny", "overhead", "tradeoff-tiny"], figs)
        for name, src in zip(figs, imgs):
            prefix = "data:image/svg+xml;base64,"
            check(src.startswith(prefix), src[:60])
            with open(os.path.join(charts, name + ".svg"), "rb") as f:
                check(base64.b64decode(src[len(prefix):]) == f.read(), f"{name} differs")


def test_report_html_in_browser():
    """report.html in headless chromium, through a proxy that records and refuses
    every request: the page makes none (chromium's own update and clock checks
    aside); the DOM has every backend row and the three
    charts; the screenshot is not one colour and shows the backends' chart
    colours (deterministic's red bars and points)."""
    exe = chromium()
    if not shutil.which("gnuplot"):
        raise Skip("gnuplot is not installed: report.html has no charts to render")
    with tempfile.TemporaryDirectory() as tmp:
        out = report_run(tmp)
        page_url = "file://" + os.path.join(out, "report.html")
        RecordingProxy.seen = []
        proxy = http.server.ThreadingHTTPServer(("127.0.0.1", 0), RecordingProxy)
        threading.Thread(target=proxy.serve_forever, daemon=True).start()
        base = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                f"--proxy-server=127.0.0.1:{proxy.server_address[1]}",
                "--proxy-bypass-list=<-loopback>", "--no-first-run",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-default-apps", "--disable-extensions",
                f"--user-data-dir={os.path.join(tmp, 'profile')}"]
        try:
            d = subprocess.run(base + ["--dump-dom", page_url], capture_output=True,
                               text=True, timeout=180)
            check(d.returncode == 0 and "</html>" in d.stdout,
                  f"dump-dom exit {d.returncode}: {d.stderr[-2000:]}")
            shot = os.path.join(tmp, "report.png")
            s = subprocess.run(base + ["--window-size=1280,2400", f"--screenshot={shot}",
                                       page_url], capture_output=True, text=True, timeout=180)
            check(s.returncode == 0 and os.path.exists(shot),
                  f"screenshot exit {s.returncode}: {s.stderr[-2000:]}")
        finally:
            proxy.shutdown()
            proxy.server_close()
        # chromium's own services call home whatever the page is (component
        # updates, clock, account check): those hosts only; a font or script
        # CDN the page used would be another host and fail here.
        own = ("update.googleapis.com", "clients2.google.com", "accounts.google.com",
               "clientservices.googleapis.com", "redirector.gvt1.com",
               "optimizationguide-pa.googleapis.com", "safebrowsingohttpgateway.googleapis.com")
        def host(req):
            target = req.split(" ", 1)[1]
            return target.split("//", 1)[-1].split("/", 1)[0].split(":", 1)[0]
        page_requests = [q for q in RecordingProxy.seen if host(q) not in own]
        check(page_requests == [], f"requests left the page: {page_requests}")
        page = parse_page(d.stdout)
        check_page_self_contained(page, d.stdout)
        check_page_content(page)
        imgs = [a for t, a in page.tags if t == "img"]
        check(len(imgs) == 3 and all(a["src"].startswith("data:image/svg+xml;base64,")
                                     for a in imgs), f"{len(imgs)} charts in the DOM")
        w, h, rows = png_pixels(shot)
        check((w, h) == (1280, 2400), f"screenshot {w}x{h}")
        colours = set()
        red = 0
        for row in rows[::2]:
            for px in row[::2]:
                colours.add(px)
                r, g, b = px
                red += r > 170 and g < 110 and b < 110   # #d62728, deterministic
        check(len(colours) > 50, f"the screenshot has {len(colours)} colours")
        check(red > 300, f"{red} red chart pixels: the charts did not render")


# ---------------------------------------------------------------- runner


def test_reasons_are_never_cut_and_declarations_are_checked():
    """A failure reason longer than the table's line is printed whole (on the
    lines below the row); a phase declared python that runs C code (csv.reader)
    gets a warning naming the sampling backend's split, and the truth line
    says which shares are declared."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out")
        r = run(["--out", out, cfg("user_mistakes.yaml")], timeout=300)
        check(r.returncode == 1, f"exit {r.returncode}: {r.stderr}")
        check("END-OF-REASON" in r.stdout, r.stdout)
        check("word39 END-OF-REASON" in r.stdout.replace("\n      ", " "), r.stdout)
        check("declared: python" in r.stdout, r.stdout)
        text = r.stdout + r.stderr
        if "phase parse_csv: declared python but only" in text:
            # the unprofiled runs got under 90% user CPU (the machine gave
            # them too little, or the kernel's share grew): the truth itself
            # says otherwise, and there is nothing to hold sampling to
            said = [l for l in text.splitlines() if "phase parse_csv: declared" in l]
            raise Skip("parse_csv's truth is not mostly user CPU here: " + said[0].strip())
        check("categories are declared" in text and "the sampling backend finds" in text,
              text)
        # the sampler credits the phase, not a frame outside it (when the
        # text was built in the phase, ",".join(genexpr) unlinked the
        # generator's frame at every yield, and a chain read meanwhile went
        # to a lone <genexpr>: AE was 10 before that was handled)
        results, rows, _ = load_outputs(out)
        samp = [dict(zip(rows[0], row)) for row in rows[1:]
                if row[0] == "csv_declared_python" and row[1] == "sampling"][0]
        check(float(samp["ae_pp"]) < 3, samp)


def test_backend_workloads_list():
    """A backend with `workloads:` runs those only; its other cells are n/a
    with the reason, in every output, and no run of it is made there."""
    with tempfile.TemporaryDirectory() as tmp:
        conf = os.path.join(tmp, "c.yaml")
        with open(conf, "w") as f:
            f.write(f"""include: [{cfg("small.yaml")}]
backends:
  - {{name: det, kind: deterministic, workloads: [sleep]}}
""")
        out = os.path.join(tmp, "out")
        r = run(["--out", out, conf])
        check(r.returncode == 0, f"exit {r.returncode}: {r.stderr}")
        results, rows, md = load_outputs(out)
        det = {s["workload"]: s for s in results["summary"] if s["backend"] == "det"}
        check(det["sleep"]["status"] == "ok", det["sleep"])
        check(det["tiny"]["status"] == "n/a", det["tiny"])
        check(det["tiny"]["reason"] == "not in the backend's workloads", det["tiny"])
        ran = {x["workload"] for x in results["runs"] if x["backend"] == "det"}
        check(ran == {"sleep"}, ran)
        check("not in the backend's workloads" in md, md)
        check("not in the backend's workloads" in r.stdout, r.stdout)
