/* table.c: the terminal tables, one per workload (see writers.h). */
#include "writers.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report.h"

/* Widths chosen so a row fits in 100 columns; the backend column grows with
 * the longest name up to W_BACKEND_MAX, taking room from the status. */
#define W_BACKEND 16
#define W_BACKEND_MAX 24
#define W_WALL 24
#define W_CPU 8
#define W_MEM 10
#define W_PP 6
#define LINE_MAX_COLS 100

void pb_cell_texts(const struct pb_results *res, const struct pb_cell *c,
                   struct pb_cell_texts *t)
{
    const struct pb_backend_conf *bc = &res->cfg->backends[c->backend];
    char a[24], lo[24], hi[24];
    memset(t, 0, sizeof(*t));
    double r, rlo, rhi;
    pb_cell_overhead(res, c, &r, &rlo, &rhi);
    /* instruction counts repeat to 0.1% or better: four decimals mean something */
    int prec = res->metric == PB_METRIC_INSTRUCTIONS ? 4 : 2;
    if (isfinite(r)) {
        pb_fmt_num(a, sizeof(a), r, prec, "-");
        pb_fmt_num(lo, sizeof(lo), rlo, prec, "-");
        pb_fmt_num(hi, sizeof(hi), rhi, prec, "-");
        snprintf(t->wall, sizeof(t->wall), "%sx [%s-%s]", a, lo, hi);
    } else {
        snprintf(t->wall, sizeof(t->wall), "-");
    }
    if (isfinite(c->cpu_ratio)) {
        pb_fmt_num(a, sizeof(a), c->cpu_ratio, 2, "-");
        snprintf(t->cpu, sizeof(t->cpu), "%sx", a);
    } else {
        snprintf(t->cpu, sizeof(t->cpu), "-");
    }
    if (isfinite(c->rss_delta_kb))
        snprintf(t->mem, sizeof(t->mem), "%+.1f MB", c->rss_delta_kb / 1024.0);
    else
        snprintf(t->mem, sizeof(t->mem), "-");
    /* A backend without a report has no accuracy: "-"; one with a report that
     * cannot tell categories apart: "n/a". */
    int reports = (bc->ops->caps & PB_CAP_REPORT) != 0;
    pb_fmt_num(t->fae, sizeof(t->fae), c->fae_pp, 1, reports ? "n/a" : "-");
    pb_fmt_num(t->ce, sizeof(t->ce), c->ce_pp, 1, reports ? "n/a" : "-");
    if (c->status == PB_CELL_OK)
        snprintf(t->status, sizeof(t->status), "ok");
    else if (c->status == PB_CELL_NA)
        snprintf(t->status, sizeof(t->status), "n/a (%.*s)", (int)strcspn(c->reason, ":"),
                 c->reason);
    else
        snprintf(t->status, sizeof(t->status), "%s: %.500s", pb_cell_status_name(c->status),
                 c->reason);
}

void pb_truth_line(const struct pb_results *res, size_t w, char *buf, size_t len)
{
    const struct pb_truth *t = &res->truth[w];
    if (!t->nruns || !(t->wall_s > 0)) {
        snprintf(buf, len, "no truth: no unprofiled run completed");
        return;
    }
    if (res->cfg->workloads[w].overhead_only) {
        snprintf(buf, len, "T = %.3f s over %zu unprofiled runs (main only: overhead, no "
                 "accuracy)", t->wall_s, t->nruns);
        return;
    }
    double sum = t->cat_s[0] + t->cat_s[1] + t->cat_s[2];
    snprintf(buf, len, "T = %.3f s (python %.0f%%, native %.0f%%, system %.0f%%) over %zu "
             "unprofiled runs", t->wall_s, 100 * t->cat_s[PB_CAT_PYTHON] / sum,
             100 * t->cat_s[PB_CAT_NATIVE] / sum, 100 * t->cat_s[PB_CAT_SYSTEM] / sum,
             t->nruns);
}

char *pb_write_table(const struct pb_results *res, int color)
{
    const struct pb_config *cfg = res->cfg;
    struct pb_strbuf sb = PB_STRBUF_INIT;
    int wb = W_BACKEND;
    for (size_t b = 0; b < cfg->nbackends; b++) {
        int len = (int)strlen(cfg->backends[b].name);
        if (res->backend_on[b] && len > wb)
            wb = len < W_BACKEND_MAX ? len : W_BACKEND_MAX;
    }
    for (size_t w = 0; w < cfg->nworkloads; w++) {
        if (!pb_results_workload_active(res, w))
            continue;
        const struct pb_workload *wl = &cfg->workloads[w];
        char truth[256];
        pb_truth_line(res, w, truth, sizeof(truth));
        pb_strbuf_addf(&sb, "\n%s%s%s  %s\n", color ? "\033[1m" : "", wl->name,
                       color ? "\033[0m" : "", truth);
        for (size_t p = 0; p < wl->nphases; p++)
            if (res->truth[w].warning[p][0])
                pb_strbuf_addf(&sb, "  warning: phase %s: %s\n", wl->phases[p].function,
                               res->truth[w].warning[p]);
        pb_strbuf_addf(&sb, "  %-*s %-*s %-*s %*s %*s %*s  %s\n", wb, "backend",
                       W_WALL, res->metric == PB_METRIC_INSTRUCTIONS ? "instr overhead [95% CI]"
                                                                     : "wall overhead [95% CI]",
                       W_CPU, "cpu", W_MEM, "memory",
                       W_PP, "FAE", W_PP, "CE", "status");
        for (size_t b = 0; b < cfg->nbackends; b++) {
            if (!pb_results_cell_on(res, w, b))
                continue;
            const struct pb_cell *c = pb_results_cell(res, w, b);
            struct pb_cell_texts t;
            pb_cell_texts(res, c, &t);
            int used = 2 + wb + 1 + W_WALL + 1 + W_CPU + 1 + W_MEM + 1 + W_PP + 1 +
                       W_PP + 2;
            int room = LINE_MAX_COLS - used;
            const char *on = "", *off = "";
            if (color && c->status != PB_CELL_OK) {
                on = c->status == PB_CELL_FAILED ? "\033[31m" : "\033[33m";
                off = "\033[0m";
            }
            pb_strbuf_addf(&sb, "  %-*.*s %-*s %-*s %*s %*s %*s  %s%.*s%s\n", wb,
                           wb, cfg->backends[b].name, W_WALL, t.wall, W_CPU, t.cpu,
                           W_MEM, t.mem, W_PP, t.fae, W_PP, t.ce, on, room, t.status, off);
        }
    }
    return pb_strbuf_detach(&sb);
}
