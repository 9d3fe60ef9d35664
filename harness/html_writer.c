/* html_writer.c: report.html, one self-contained page per run (see writers.h). */
#include "writers.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "verdict.h"

/* Largest chart file embedded; a bigger one is left out with a note. */
#define SVG_MAX (16u << 20)

/* The one style sheet: plain, readable printed or on screen. */
static const char style[] =
    "body{font-family:sans-serif;margin:1.5em auto;max-width:1260px;padding:0 1em;"
    "color:#222;background:#fff;line-height:1.4}"
    "h1{margin-bottom:.2em}h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:1.6em}"
    "h3{margin-bottom:.3em}"
    "dl.meta{display:grid;grid-template-columns:max-content auto;gap:.2em 1em}"
    "dl.meta dt{font-weight:bold}dl.meta dd{margin:0}"
    "table{border-collapse:collapse;margin:.5em 0;font-size:.92em}"
    "th,td{border:1px solid #ccc;padding:.25em .5em;text-align:right;vertical-align:top}"
    "th{background:#f0f0f0}td.name,th.name,td.status,td.text{text-align:left}"
    "td.num{font-family:monospace;white-space:nowrap}"
    "td.floor{color:#777}"
    "tr.failed td.status{color:#b00020}tr.skipped td.status,tr.na td.status{color:#8a6d00}"
    "p.truth,p.floor{margin:.2em 0;font-family:monospace}"
    "p.warning{color:#8a6d00;margin:.2em 0}p.banner{background:#fff3cd;padding:.5em}"
    "ul.verdict li{margin:.2em 0}"
    "figure{margin:.8em 0}figure img{max-width:100%;height:auto;border:1px solid #eee}"
    "figcaption{font-size:.85em;color:#555}"
    ".charts figure{max-width:900px}"
    "footer{margin-top:2em;font-size:.85em;color:#777}";

/* Text escaped for HTML content and attribute values. */
static void esc(struct pb_strbuf *sb, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': pb_strbuf_adds(sb, "&amp;"); break;
        case '<': pb_strbuf_adds(sb, "&lt;"); break;
        case '>': pb_strbuf_adds(sb, "&gt;"); break;
        case '"': pb_strbuf_adds(sb, "&quot;"); break;
        case '\'': pb_strbuf_adds(sb, "&#39;"); break;
        default: pb_strbuf_add(sb, s, 1);
        }
    }
}

/* <tag class="cls">escaped text</tag> */
static void tagged(struct pb_strbuf *sb, const char *tag, const char *cls, const char *text)
{
    pb_strbuf_addf(sb, "<%s%s%s%s>", tag, cls ? " class=\"" : "", cls ? cls : "",
                   cls ? "\"" : "");
    esc(sb, text);
    pb_strbuf_addf(sb, "</%s>", tag);
}

static void base64(struct pb_strbuf *sb, const unsigned char *p, size_t n)
{
    static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char q[4];
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)p[i] << 16;
        if (i + 1 < n)
            v |= (unsigned)p[i + 1] << 8;
        if (i + 2 < n)
            v |= p[i + 2];
        q[0] = a[(v >> 18) & 63];
        q[1] = a[(v >> 12) & 63];
        q[2] = i + 1 < n ? a[(v >> 6) & 63] : '=';
        q[3] = i + 2 < n ? a[v & 63] : '=';
        pb_strbuf_add(sb, q, 4);
    }
}

/* The whole file at path (at most SVG_MAX bytes), or NULL; *n its length. */
static unsigned char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    unsigned char *buf = NULL;
    if (fseek(f, 0, SEEK_END) == 0) {
        long len = ftell(f);
        if (len >= 0 && (unsigned long)len <= SVG_MAX && fseek(f, 0, SEEK_SET) == 0) {
            buf = pb_xmalloc((size_t)len + 1);
            *n = fread(buf, 1, (size_t)len, f);
            if (*n != (size_t)len || ferror(f)) {
                free(buf);
                buf = NULL;
            }
        }
    }
    fclose(f);
    return buf;
}

/* A chart charts_dir/NAME.svg as an <img> with a data: URI (the SVG stays
 * its own document: no clash of ids, nothing fetched); nothing when the
 * file does not exist (gnuplot missing, or no such chart). */
static void chart(struct pb_strbuf *sb, const char *charts_dir, const char *name,
                  const char *caption)
{
    if (!charts_dir)
        return;
    struct pb_strbuf path = PB_STRBUF_INIT;
    pb_strbuf_addf(&path, "%s/%s.svg", charts_dir, name);
    size_t n = 0;
    unsigned char *svg = slurp(path.buf, &n);
    pb_strbuf_release(&path);
    if (!svg)
        return;
    pb_strbuf_adds(sb, "<figure class=\"chart\" data-chart=\"");
    esc(sb, name);
    pb_strbuf_adds(sb, "\"><img alt=\"");
    esc(sb, caption);
    pb_strbuf_adds(sb, "\" src=\"data:image/svg+xml;base64,");
    base64(sb, svg, n);
    pb_strbuf_adds(sb, "\">");
    tagged(sb, "figcaption", NULL, caption);
    pb_strbuf_adds(sb, "</figure>\n");
    free(svg);
}

static void meta(struct pb_strbuf *sb, const char *term, const char *value)
{
    tagged(sb, "dt", NULL, term);
    tagged(sb, "dd", NULL, value);
    pb_strbuf_adds(sb, "\n");
}

static void run_metadata(struct pb_strbuf *sb, const struct pb_results *res)
{
    char when[64], buf[600];
    time_t t = (time_t)res->started_at;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", &tm);
    pb_strbuf_adds(sb, "<section id=\"run\"><h2>Run</h2>\n<dl class=\"meta\">\n");
    meta(sb, "Config", res->cfg->path);
    meta(sb, "Date", when);
    snprintf(buf, sizeof(buf), "%s, %d CPUs, %s", res->sys.cpu_model, res->sys.cpu_count,
             res->sys.kernel);
    meta(sb, "Machine", buf);
    snprintf(buf, sizeof(buf), "%.*s", (int)strcspn(res->python, " "), res->python);
    meta(sb, "Python", buf);
    for (size_t i = 0; res->ninterps > 1 && i < res->ninterps; i++) {
        const struct pb_interpreter *ip = &res->interps[i];
        struct pb_strbuf what = PB_STRBUF_INIT;
        if (ip->usable)
            pb_strbuf_addf(&what, "%s %s (%s)", ip->name, ip->version, ip->executable);
        else
            pb_strbuf_addf(&what, "%s: skipped: %s", ip->name, ip->why);
        meta(sb, "Interpreter", what.buf);
        pb_strbuf_release(&what);
    }
    if (res->precision > 0)
        snprintf(buf, sizeof(buf), "%ld to %ld measured (until the overhead interval is "
                 "within +-%.1f%%), %ld warm-up", res->rounds, res->max_rounds,
                 100 * res->precision, res->warmup);
    else
        snprintf(buf, sizeof(buf), "%ld measured, %ld warm-up", res->rounds, res->warmup);
    meta(sb, "Rounds", buf);
    snprintf(buf, sizeof(buf), "%lu", res->seed);
    meta(sb, "Seed", buf);
    meta(sb, "Overhead metric", res->metric == PB_METRIC_INSTRUCTIONS
                                    ? "instructions (callgrind)" : "wall time");
    if (res->shard_count > 1) {
        snprintf(buf, sizeof(buf), "%ld of %ld", res->shard_index, res->shard_count);
        meta(sb, "Shard", buf);
    }
    snprintf(buf, sizeof(buf), "%zu worker runs in %.1f s", res->nruns, res->elapsed_s);
    meta(sb, "Runs", buf);
    pb_strbuf_adds(sb, "</dl>\n");
    if (res->interrupted)
        pb_strbuf_adds(sb, "<p class=\"banner\">This run was <strong>interrupted</strong>: "
                       "the figures cover the runs that completed.</p>\n");
    pb_strbuf_adds(sb, "</section>\n");
}

/* A numeric cell; "~" (inside the noise floor) greys it and says why. */
static void num_cell(struct pb_strbuf *sb, const char *text)
{
    size_t n = strlen(text);
    int floor = n > 0 && text[n - 1] == '~';
    pb_strbuf_adds(sb, floor ? "<td class=\"num floor\" title=\"inside the noise floor\">"
                             : "<td class=\"num\">");
    esc(sb, text);
    pb_strbuf_adds(sb, "</td>");
}

static void cell_table(struct pb_strbuf *sb, const struct pb_results *res, size_t w)
{
    const struct pb_config *cfg = res->cfg;
    const struct pb_truth *tr = &res->truth[w];
    int threads = tr->nthreads > 0, tasks = tr->ntasks > 0;
    pb_strbuf_addf(sb, "<table class=\"cells\">\n<thead><tr><th class=\"name\">backend</th>"
                   "<th>clock</th><th>%s overhead [95%% CI]</th><th>cpu</th><th>memory</th>"
                   "<th>AE</th><th>DE</th><th>FAE</th><th>CE</th><th>ACE</th><th>DCE</th>%s%s"
                   "<th class=\"name\">status</th></tr></thead>\n<tbody>\n",
                   res->metric == PB_METRIC_INSTRUCTIONS ? "instr" : "wall",
                   threads ? "<th>threads</th>" : "", tasks ? "<th>FAE task</th>" : "");
    for (size_t b = 0; b < cfg->nbackends; b++) {
        if (!pb_results_cell_on(res, w, b))
            continue;
        const struct pb_cell *c = pb_results_cell(res, w, b);
        const struct pb_backend_conf *bc = &cfg->backends[b];
        static const char *const cls[] = { "ok", "failed", "skipped", "na" };
        struct pb_cell_texts t;
        pb_cell_texts(res, c, &t);
        pb_strbuf_addf(sb, "<tr class=\"%s\" data-backend=\"", cls[c->status]);
        esc(sb, bc->name);
        pb_strbuf_adds(sb, "\">");
        tagged(sb, "td", "name", bc->name);
        tagged(sb, "td", "text", pb_backend_clock(bc->ops, &bc->options));
        num_cell(sb, t.wall);
        num_cell(sb, t.cpu);
        num_cell(sb, t.mem);
        num_cell(sb, t.ae);
        num_cell(sb, t.de);
        num_cell(sb, t.fae);
        num_cell(sb, t.ce);
        num_cell(sb, t.ace);
        num_cell(sb, t.dce);
        if (threads)
            num_cell(sb, t.coverage);
        if (tasks)
            num_cell(sb, t.fae_task);
        tagged(sb, "td", "status", t.status);
        pb_strbuf_adds(sb, "</tr>\n");
    }
    pb_strbuf_adds(sb, "</tbody></table>\n");
}

static void truth_table(struct pb_strbuf *sb, const struct pb_results *res, size_t w)
{
    const struct pb_workload *wl = &res->cfg->workloads[w];
    const struct pb_truth *tr = &res->truth[w];
    char buf[64];
    pb_strbuf_adds(sb, "<h3>Ground truth</h3>\n<table class=\"truth\">\n<thead><tr>"
                   "<th class=\"name\">phase / thread / coroutine</th><th>declared</th>"
                   "<th>wall s</th><th>user s</th><th>kernel s</th><th>share</th>"
                   "<th class=\"name\">warning</th></tr></thead>\n<tbody>\n");
    for (size_t p = 0; p < wl->nphases; p++) {
        const struct pb_phase_truth *pt = &tr->phase[p];
        pb_strbuf_adds(sb, "<tr>");
        tagged(sb, "td", "name", wl->phases[p].function);
        tagged(sb, "td", "text", wl->overhead_only ? "main, undeclared"
                                                  : pb_category_name(wl->phases[p].category));
        pb_strbuf_addf(sb, "<td class=\"num\">%.4f</td><td class=\"num\">%.4f</td>"
                       "<td class=\"num\">%.4f</td>", pt->wall_s, pt->user_s, pt->sys_s);
        pb_fmt_num(buf, sizeof(buf), tr->wall_s > 0 ? 100 * pt->wall_s / tr->wall_s : NAN, 1,
                   "-");
        pb_strbuf_addf(sb, "<td class=\"num\">%s%s</td>", buf, tr->wall_s > 0 ? "%" : "");
        tagged(sb, "td", "text", tr->warning[p]);
        pb_strbuf_adds(sb, "</tr>\n");
    }
    for (size_t k = 0; k < tr->nthreads; k++) {
        const struct pb_key_truth *kt = &tr->threads[k];
        struct pb_strbuf name = PB_STRBUF_INIT;
        pb_strbuf_addf(&name, "thread %s of %s", kt->name,
                       kt->phase >= 0 && (size_t)kt->phase < wl->nphases
                           ? wl->phases[kt->phase].function : "?");
        pb_strbuf_adds(sb, "<tr>");
        tagged(sb, "td", "name", name.buf);
        pb_strbuf_release(&name);
        tagged(sb, "td", "text", pb_category_name(kt->t.declared));
        pb_strbuf_addf(sb, "<td class=\"num\">%.4f</td><td class=\"num\">%.4f</td>"
                       "<td class=\"num\">%.4f</td><td class=\"num\">%.1f%%</td>",
                       kt->t.wall_s, kt->t.user_s, kt->t.sys_s,
                       tr->wall_s > 0 ? 100 * kt->t.wall_s / tr->wall_s : 0);
        tagged(sb, "td", "text", kt->warning);
        pb_strbuf_adds(sb, "</tr>\n");
    }
    for (size_t k = 0; k < tr->ntasks; k++) {
        const struct pb_key_truth *kt = &tr->tasks[k];
        struct pb_strbuf name = PB_STRBUF_INIT;
        pb_strbuf_addf(&name, "coroutine %s (task view)", kt->name);
        pb_strbuf_adds(sb, "<tr>");
        tagged(sb, "td", "name", name.buf);
        pb_strbuf_release(&name);
        pb_strbuf_addf(sb, "<td class=\"text\">-</td><td class=\"num\">%.4f</td>"
                       "<td class=\"num\">-</td><td class=\"num\">-</td>"
                       "<td class=\"num\">%.1f%%</td><td class=\"text\"></td></tr>\n",
                       kt->t.wall_s,
                       tr->task_wall_s > 0 ? 100 * kt->t.wall_s / tr->task_wall_s : 0);
    }
    pb_strbuf_adds(sb, "</tbody></table>\n");
}

static void workload_section(struct pb_strbuf *sb, const struct pb_results *res, size_t w,
                             const char *charts_dir)
{
    const struct pb_workload *wl = &res->cfg->workloads[w];
    char line[256], label[512], file_label[512];
    pb_workload_label(res, w, label, sizeof(label));
    pb_workload_file_label(res, w, file_label, sizeof(file_label));
    pb_strbuf_addf(sb, "<section class=\"workload\" id=\"w%zu\">\n", w);
    tagged(sb, "h2", NULL, label);
    pb_strbuf_adds(sb, "\n");
    pb_truth_line(res, w, line, sizeof(line));
    tagged(sb, "p", "truth", line);
    pb_strbuf_adds(sb, "\n");
    if (!wl->overhead_only) {
        pb_floor_line(res, w, line, sizeof(line));
        tagged(sb, "p", "floor", line);
        pb_strbuf_adds(sb, "\n");
    }
    struct pb_strbuf warn = PB_STRBUF_INIT;
    pb_truth_warnings(res, w, "", &warn);
    for (char *s = warn.buf, *nl; s && *s; s = nl + 1) {
        nl = strchr(s, '\n');
        *nl = '\0';
        pb_strbuf_adds(sb, "<p class=\"warning\">warning: ");
        esc(sb, s);
        pb_strbuf_adds(sb, "</p>\n");
    }
    pb_strbuf_release(&warn);

    if (!wl->overhead_only) {
        struct pb_verdict v;
        struct pb_strbuf text = PB_STRBUF_INIT;
        pb_verdict_compute(res, w, &v);
        pb_verdict_text(res, &v, "", &text);
        pb_verdict_release(&v);
        pb_strbuf_adds(sb, "<h3>Verdict</h3>\n<ul class=\"verdict\">\n");
        for (char *s = text.buf, *nl; s && *s; s = nl + 1) {
            nl = strchr(s, '\n');
            *nl = '\0';
            tagged(sb, "li", NULL, s);
            pb_strbuf_adds(sb, "\n");
        }
        pb_strbuf_adds(sb, "</ul>\n");
        pb_strbuf_release(&text);
    }
    cell_table(sb, res, w);

    struct pb_strbuf name = PB_STRBUF_INIT, cap = PB_STRBUF_INIT;
    pb_strbuf_adds(sb, "<div class=\"charts\">\n");
    pb_strbuf_addf(&name, "accuracy-%s", file_label);
    pb_strbuf_addf(&cap, "%s: time categories, the measured truth beside what each backend "
                   "reports", label);
    chart(sb, charts_dir, name.buf, cap.buf);
    name.len = cap.len = 0;
    pb_strbuf_addf(&name, "tradeoff-%s", file_label);
    pb_strbuf_addf(&cap, "%s: overhead against FAE, one point per backend (lower left is "
                   "better)", label);
    chart(sb, charts_dir, name.buf, cap.buf);
    pb_strbuf_adds(sb, "</div>\n");
    pb_strbuf_release(&name);
    pb_strbuf_release(&cap);
    truth_table(sb, res, w);
    pb_strbuf_adds(sb, "</section>\n");
}

char *pb_write_report_html(const struct pb_results *res, const char *charts_dir)
{
    const struct pb_config *cfg = res->cfg;
    struct pb_strbuf sb = PB_STRBUF_INIT;
    pb_strbuf_adds(&sb, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                   "<title>pyprof-bench report: ");
    esc(&sb, cfg->path);
    pb_strbuf_addf(&sb, "</title>\n<style>%s</style>\n</head>\n<body>\n"
                   "<h1>pyprof-bench report</h1>\n", style);
    run_metadata(&sb, res);

    pb_strbuf_adds(&sb, "<nav><h2>Workloads</h2>\n<ul>\n");
    for (size_t w = 0; w < cfg->nworkloads; w++) {
        if (!pb_results_workload_active(res, w))
            continue;
        char label[512];
        pb_workload_label(res, w, label, sizeof(label));
        pb_strbuf_addf(&sb, "<li><a href=\"#w%zu\">", w);
        esc(&sb, label);
        pb_strbuf_adds(&sb, "</a></li>\n");
    }
    pb_strbuf_adds(&sb, "</ul></nav>\n<section id=\"overhead\"><h2>Overhead</h2>\n");
    chart(&sb, charts_dir, "overhead", "Overhead per workload and backend: profiled / "
          "unprofiled, bars with the 95% interval");
    pb_strbuf_adds(&sb, "</section>\n");

    for (size_t w = 0; w < cfg->nworkloads; w++)
        if (pb_results_workload_active(res, w))
            workload_section(&sb, res, w, charts_dir);

    pb_strbuf_adds(&sb, "<section id=\"legend\"><h2>Legend</h2>\n<ul>\n");
    for (const char *const *l = pb_legend; *l; l++) {
        tagged(&sb, "li", NULL, *l);
        pb_strbuf_adds(&sb, "\n");
    }
    tagged(&sb, "li", NULL, pb_legend_keys);
    pb_strbuf_adds(&sb, "\n");
    tagged(&sb, "li", NULL, pb_legend_verdict);
    pb_strbuf_adds(&sb, "\n</ul></section>\n<footer>Written by pyprof-bench " PB_VERSION
                   "; this page is self-contained: no script, no request.</footer>\n"
                   "</body>\n</html>\n");
    return pb_strbuf_detach(&sb);
}
