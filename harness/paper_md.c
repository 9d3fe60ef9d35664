/* paper_md.c: the paper table of summary.md (writers.h, paper.h): per
 * profiler of a published table, the paper's median and max slowdown beside
 * this run's, over the config's workloads. */
#include "writers.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "paper.h"

/* The config's backend called name, selected in this run; -1 when none. */
static long backend_index(const struct pb_results *res, const char *name)
{
    for (size_t b = 0; b < res->cfg->nbackends; b++)
        if (res->backend_on[b] && !strcmp(res->cfg->backends[b].name, name))
            return (long)b;
    return -1;
}

/* "1.23x [1.10-1.40]", or without the interval when it has none. */
static void fmt_ratio(char *buf, size_t len, double v, double lo, double hi)
{
    if (isfinite(lo) && isfinite(hi))
        snprintf(buf, len, "%.2fx [%.2f-%.2f]", v, lo, hi);
    else
        snprintf(buf, len, "%.2fx (no interval)", v);
}

/* Where the paper's figure lies against this run's interval. */
static const char *verdict(double paper, double lo, double hi)
{
    if (!isfinite(paper))
        return "";
    if (!isfinite(lo) || !isfinite(hi))
        return "no interval";
    return paper < lo ? "higher here" : paper > hi ? "lower here" : "agrees";
}

void pb_write_paper_md(struct pb_strbuf *sb, const struct pb_results *res)
{
    const struct pb_config *cfg = res->cfg;
    const struct pb_paper *paper = cfg->paper;
    if (!paper)
        return;
    size_t nw = 0;
    for (size_t w = 0; w < cfg->nworkloads; w++)
        nw += pb_results_workload_active(res, w) != 0;
    pb_strbuf_addf(sb, "\n## Paper table\n\n%s  \nThe paper's setup: %s.\n\n",
                   paper->citation, *paper->setup ? paper->setup : "not given");
    if (res->metric != PB_METRIC_WALL || !nw) {
        pb_strbuf_adds(sb, res->metric != PB_METRIC_WALL
                       ? "Not compared: the paper's figures are wall-time slowdowns and this "
                         "run measured instructions.\n"
                       : "Not compared: no workload ran.\n");
        return;
    }
    pb_strbuf_addf(sb, "This run: each backend's wall overhead on each of the %zu workloads "
                   "(the ratio of the fastest profiled and unprofiled runs), then its median "
                   "and max over them. The interval of the median (of the max) is the median "
                   "(the max) of the workloads' 95%% intervals: it holds when every "
                   "workload's interval does. `agrees`: the paper's figure is inside this "
                   "run's interval; `higher here` / `lower here`: this run's interval is "
                   "above / below it. Python %.*s here.\n\n"
                   "| profiler (paper) | backend | paper median | median here | | paper max "
                   "| max here (workload) | | workloads ok |\n"
                   "|---|---|---|---|---|---|---|---|---|\n",
                   nw, (int)strcspn(res->python, " "), res->python);
    double *ratio = pb_xcalloc(cfg->nworkloads, sizeof(*ratio));
    double *lo = pb_xcalloc(cfg->nworkloads, sizeof(*lo));
    double *hi = pb_xcalloc(cfg->nworkloads, sizeof(*hi));
    size_t *which = pb_xcalloc(cfg->nworkloads, sizeof(*which));
    for (size_t r = 0; r < paper->nrows; r++) {
        const struct pb_paper_row *row = &paper->rows[r];
        char pmed[32], pmax[96];
        snprintf(pmed, sizeof(pmed), "%.2fx", row->median);
        if (isfinite(row->max))
            snprintf(pmax, sizeof(pmax), "%.2fx%s%s%s", row->max, *row->max_on ? " (" : "",
                     row->max_on, *row->max_on ? ")" : "");
        else
            snprintf(pmax, sizeof(pmax), "-");
        long b = *row->backend ? backend_index(res, row->backend) : -1;
        if (b < 0) {
            pb_strbuf_addf(sb, "| %s | %s | %s | - | | %s | - | | %s |\n", row->profiler,
                           *row->backend ? row->backend : "-", pmed, pmax,
                           *row->backend ? "not in this run" : "no backend here");
            continue;
        }
        size_t n = 0, listed = nw;
        struct pb_strbuf bad = PB_STRBUF_INIT;
        for (size_t w = 0; w < cfg->nworkloads; w++) {
            if (!pb_results_cell_on(res, w, (size_t)b))
                continue;
            if (!pb_backend_runs_workload(&cfg->backends[b], cfg->workloads[w].name)) {
                listed--;   /* not in the backend's workloads: not run, not a failure */
                continue;
            }
            const struct pb_cell *c = pb_results_cell(res, w, (size_t)b);
            if (c->status == PB_CELL_OK && isfinite(c->wall_ratio)) {
                ratio[n] = c->wall_ratio;
                lo[n] = c->wall_lo;
                hi[n] = c->wall_hi;
                which[n++] = w;
            } else {
                pb_strbuf_addf(&bad, "%s%s %s", bad.len ? ", " : "; ",
                               cfg->workloads[w].name,
                               c->status == PB_CELL_FAILED ? "failed" : "skipped");
            }
        }
        if (listed < nw)
            pb_strbuf_addf(&bad, "; %zu of the %zu not in its workloads", nw - listed, nw);
        if (!n) {
            pb_strbuf_addf(sb, "| %s | %s | %s | - | | %s | - | | 0 of %zu%s |\n",
                           row->profiler, row->backend, pmed, pmax, listed,
                           bad.buf ? bad.buf : "");
            pb_strbuf_release(&bad);
            continue;
        }
        struct pb_paper_stats st;
        pb_paper_stats(ratio, lo, hi, n, &st);
        char med[64], mx[160];
        fmt_ratio(med, sizeof(med), st.median, st.median_lo, st.median_hi);
        fmt_ratio(mx, sizeof(mx) - 64, st.max, st.max_lo, st.max_hi);
        size_t used = strlen(mx);
        snprintf(mx + used, sizeof(mx) - used, " (%s)", cfg->workloads[which[st.argmax]].name);
        pb_strbuf_addf(sb, "| %s | %s | %s | %s | %s | %s | %s | %s | %zu of %zu%s |\n",
                       row->profiler, row->backend, pmed, med,
                       verdict(row->median, st.median_lo, st.median_hi), pmax, mx,
                       verdict(row->max, st.max_lo, st.max_hi), n, listed,
                       bad.buf ? bad.buf : "");
        pb_strbuf_release(&bad);
    }
    free(ratio);
    free(lo);
    free(hi);
    free(which);
}
