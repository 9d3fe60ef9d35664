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
#define W_CPU 7
#define W_MEM 9
#define W_PP 6
#define W_COV 4
#define LINE_MAX_COLS 100

const char *const pb_legend[] = {
    "wall overhead: profiled / unprofiled region wall time, the ratio of the fastest runs "
    "of each side (slow periods of the machine only add time), with its 95% bootstrap "
    "interval over rounds; cpu: the same for process CPU time.",
    "AE (attribution error): the profile against the same runs' own measured phase, "
    "thread and category times: what the profiler got wrong about what happened.",
    "DE (distortion): the profiled runs' own times against the unprofiled truth: how much "
    "profiling changed the program.",
    "FAE / CE (total): the profile against the unprofiled truth, over phases and threads / "
    "over the python, native and system categories. All in percentage points of time "
    "(total variation distance: 0 is perfect, 100 all wrong), from shares aggregated over "
    "rounds.",
    "~ : within the noise floor, at most the upper end of the `none` row's interval (what "
    "unprofiled runs score against the truth): not evidence of an error.",
    NULL
};

const char pb_legend_keys[] =
    "threads: thread coverage, the share of the non-main threads' time the backend "
    "reported. FAE task: FAE in the task view (await time belongs to the awaiting "
    "coroutine).";

const char pb_legend_verdict[] =
    "verdict: computed from the figures above, among the profilers that completed (not "
    "`none`). Most accurate: lowest FAE; FAEs within the noise floor of each other are not "
    "distinguishable. Cheapest: lowest overhead; overlapping 95% intervals are not "
    "distinguishable, and an interval containing 1.0 is no measurable cost. Best "
    "trade-off: the Pareto front, the profilers no other beats on both overhead and FAE.";

/* An accuracy figure with one decimal, "~" appended when inside the floor
 * (floor_hi NAN: never marked). */
static void acc_text(char *buf, size_t len, double v, double floor_hi, const char *dash)
{
    pb_fmt_num(buf, len, v, 1, dash);
    if (pb_within_floor(v, floor_hi))
        snprintf(buf + strlen(buf), len - strlen(buf), "~");
}

void pb_floor_line(const struct pb_results *res, size_t w, char *buf, size_t len)
{
    const struct pb_truth *t = &res->truth[w];
    if (!isfinite(t->floor_pp)) {
        snprintf(buf, len, "no noise floor: the config has no `none` backend with results");
        return;
    }
    char f[3][16], c[3][16];
    pb_fmt_num(f[0], sizeof(f[0]), t->floor_pp, 1, "-");
    pb_fmt_num(f[1], sizeof(f[1]), t->floor_lo, 1, "-");
    pb_fmt_num(f[2], sizeof(f[2]), t->floor_hi, 1, "-");
    pb_fmt_num(c[0], sizeof(c[0]), t->floor_ce_pp, 1, "-");
    pb_fmt_num(c[1], sizeof(c[1]), t->floor_ce_lo, 1, "-");
    pb_fmt_num(c[2], sizeof(c[2]), t->floor_ce_hi, 1, "-");
    snprintf(buf, len, "noise floor (the `none` row, A/A): FAE %s "
             "[%s-%s] pp, CE %s [%s-%s] pp", f[0], f[1], f[2], c[0], c[1], c[2]);
}

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
        if (isfinite(rlo) && isfinite(rhi))
            snprintf(t->wall, sizeof(t->wall), "%sx [%s-%s]", a, lo, hi);
        else   /* too few rounds for an interval: say so, do not fake one */
            snprintf(t->wall, sizeof(t->wall), "%sx (no CI, %zu rounds)", a, c->nrounds);
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
    const struct pb_truth *tr = &res->truth[c->workload];
    const char *na = reports ? "n/a" : "-";
    acc_text(t->ae, sizeof(t->ae), c->ae_pp, NAN, na);
    acc_text(t->de, sizeof(t->de), c->de_pp, tr->floor_hi, "-");
    acc_text(t->fae, sizeof(t->fae), c->fae_pp, tr->floor_hi, na);
    acc_text(t->ace, sizeof(t->ace), c->ace_pp, NAN, na);
    acc_text(t->dce, sizeof(t->dce), c->dce_pp, tr->floor_ce_hi, "-");
    acc_text(t->ce, sizeof(t->ce), c->ce_pp, tr->floor_ce_hi, na);
    if (tr->nthreads && isfinite(c->coverage))
        snprintf(t->coverage, sizeof(t->coverage), "%.0f%%", 100 * c->coverage);
    else
        snprintf(t->coverage, sizeof(t->coverage), tr->nthreads && reports ? "n/a" : "-");
    pb_fmt_num(t->fae_task, sizeof(t->fae_task), c->fae_task_pp, 1,
               tr->ntasks && reports ? "n/a" : "-");
    if (c->status == PB_CELL_OK && c->converged == 0)
        snprintf(t->status, sizeof(t->status), "ok, not converged: +-%.1f%% > %.1f%% after %zu "
                 "rounds", isfinite(rlo) && isfinite(rhi) ? 100 * (rhi - rlo) / 2 / r : NAN,
                 100 * res->precision, c->nrounds);
    else if (c->status == PB_CELL_OK)
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
        for (size_t i = 0; i < res->nruns; i++)
            if (res->runs[i].workload == w && res->runs[i].run.skipped) {
                snprintf(buf, len, "skipped: %s", res->runs[i].run.reason);
                return;
            }
        snprintf(buf, len, "no truth: no unprofiled run completed");
        return;
    }
    if (res->cfg->workloads[w].overhead_only) {
        snprintf(buf, len, "T = %.3f s over %zu unprofiled runs (main only: overhead, no "
                 "accuracy)", t->wall_s, t->nruns);
        return;
    }
    /* user time is python or native by the workload's declaration; system
     * time (kernel and off-CPU) is measured */
    double sum = t->cat_s[0] + t->cat_s[1] + t->cat_s[2];
    snprintf(buf, len, "T = %.3f s (declared: python %.0f%%, native %.0f%%; measured: system "
             "%.0f%%) over %zu unprofiled runs", t->wall_s, 100 * t->cat_s[PB_CAT_PYTHON] / sum,
             100 * t->cat_s[PB_CAT_NATIVE] / sum, 100 * t->cat_s[PB_CAT_SYSTEM] / sum,
             t->nruns);
}

/* The thread keys' truth warnings, one line a phase: a single thread as
 * "thread NAME of phase F: MESSAGE", more (several keys, or a key that sums
 * several threads) as "31 threads of phase F: declared python, 17-32% user
 * CPU" (the range over the keys). Returns the lines written. */
static size_t thread_warnings(const struct pb_workload *wl, const struct pb_truth *t,
                              const char *prefix, struct pb_strbuf *sb)
{
    size_t lines = 0;
    for (long p = -1; p < (long)wl->nphases; p++) {
        size_t nkeys = 0, first = 0;
        long threads = 0;
        unsigned declared = 0;
        double lo = INFINITY, hi = -INFINITY;
        for (size_t k = 0; k < t->nthreads; k++) {
            const struct pb_key_truth *kt = &t->threads[k];
            int in_phase = p >= 0 ? kt->phase == p
                                  : kt->phase < 0 || (size_t)kt->phase >= wl->nphases;
            if (!kt->warning[0] || !in_phase)
                continue;
            if (!nkeys++)
                first = k;
            threads += kt->count > 1 ? kt->count : 1;
            declared |= PB_CAT_BIT(kt->t.declared);
            double u = kt->t.wall_s > 0 ? 100 * kt->t.user_s / kt->t.wall_s : NAN;
            if (u < lo)
                lo = u;
            if (u > hi)
                hi = u;
        }
        if (!nkeys)
            continue;
        const char *fn = p >= 0 ? wl->phases[p].function : "?";
        lines++;
        if (nkeys == 1 && threads == 1) {
            pb_strbuf_addf(sb, "%sthread %s of phase %s: %s\n", prefix, t->threads[first].name,
                           fn, t->threads[first].warning);
            continue;
        }
        pb_strbuf_addf(sb, "%s%ld threads of phase %s: declared ", prefix, threads, fn);
        const char *sep = "";
        for (int c = 0; c < PB_CAT_COUNT; c++)
            if (declared & PB_CAT_BIT(c)) {
                pb_strbuf_addf(sb, "%s%s", sep, pb_category_name(c));
                sep = "/";
            }
        if (!(hi >= lo))
            pb_strbuf_adds(sb, "\n");
        else if (round(lo) == round(hi))
            pb_strbuf_addf(sb, ", %.0f%% user CPU\n", lo);
        else
            pb_strbuf_addf(sb, ", %.0f-%.0f%% user CPU\n", lo, hi);
    }
    return lines;
}

size_t pb_truth_warnings(const struct pb_results *res, size_t w, const char *prefix,
                         struct pb_strbuf *sb)
{
    const struct pb_workload *wl = &res->cfg->workloads[w];
    const struct pb_truth *t = &res->truth[w];
    size_t n = 0;
    for (size_t p = 0; p < wl->nphases; p++)
        if (t->warning[p][0]) {
            pb_strbuf_addf(sb, "%sphase %s: %s\n", prefix, wl->phases[p].function,
                           t->warning[p]);
            n++;
        }
    if (t->declared_warning[0]) {
        pb_strbuf_addf(sb, "%s%s\n", prefix, t->declared_warning);
        n++;
    }
    n += thread_warnings(wl, t, prefix, sb);
    return n;
}

/* "  threads: sleeper 0.150 s (system, 99% off-CPU), ..." and the coroutine
 * keys, for a workload that has them. */
static void key_truth_lines(const struct pb_results *res, size_t w, struct pb_strbuf *sb)
{
    const struct pb_truth *t = &res->truth[w];
    if (t->nthreads) {
        pb_strbuf_adds(sb, "  threads:");
        for (size_t k = 0; k < t->nthreads; k++) {
            const struct pb_phase_truth *kt = &t->threads[k].t;
            double off = kt->wall_s - kt->user_s - kt->sys_s;
            pb_strbuf_addf(sb, "%s %s %.3f s (%s, user %.0f%%, kernel %.0f%%, off-CPU %.0f%%)",
                           k ? "," : "", t->threads[k].name, kt->wall_s,
                           pb_category_name(kt->declared),
                           kt->wall_s > 0 ? 100 * kt->user_s / kt->wall_s : 0,
                           kt->wall_s > 0 ? 100 * kt->sys_s / kt->wall_s : 0,
                           kt->wall_s > 0 ? 100 * (off > 0 ? off : 0) / kt->wall_s : 0);
        }
        pb_strbuf_adds(sb, "\n");
    }
    if (t->ntasks) {
        pb_strbuf_adds(sb, "  coroutines (task view):");
        for (size_t k = 0; k < t->ntasks; k++)
            pb_strbuf_addf(sb, "%s %s %.3f s", k ? "," : "", t->tasks[k].name,
                           t->tasks[k].t.wall_s);
        pb_strbuf_adds(sb, "\n");
    }
}

/* Text wrapped at spaces to LINE_MAX_COLS, each line starting with indent. */
static void wrap_text(struct pb_strbuf *sb, const char *indent, const char *text)
{
    int width = LINE_MAX_COLS - (int)strlen(indent);
    while (*text) {
        int n = (int)strlen(text);
        if (n > width) {
            n = width;
            while (n > 0 && text[n] != ' ')
                n--;
            if (n == 0)
                n = width;   /* one word longer than the line */
        }
        pb_strbuf_addf(sb, "%s%.*s\n", indent, n, text);
        text += n;
        while (*text == ' ')
            text++;
    }
}

static void wrap_status(struct pb_strbuf *sb, const char *on, const char *status,
                        const char *off)
{
    pb_strbuf_addf(sb, "  %s(below)%s\n", on, off);
    wrap_text(sb, "      ", status);
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
        char truth[256], label[512];
        pb_truth_line(res, w, truth, sizeof(truth));
        pb_workload_label(res, w, label, sizeof(label));
        pb_strbuf_addf(&sb, "\n%s%s%s  %s\n", color ? "\033[1m" : "", label,
                       color ? "\033[0m" : "", truth);
        key_truth_lines(res, w, &sb);
        if (!wl->overhead_only) {
            char floor[256];
            pb_floor_line(res, w, floor, sizeof(floor));
            pb_strbuf_addf(&sb, "  %s\n", floor);
        }
        pb_truth_warnings(res, w, "  warning: ", &sb);
        /* Workloads with threads or coroutines get two more columns. */
        int extra = res->truth[w].nthreads || res->truth[w].ntasks;
        pb_strbuf_addf(&sb, "  %-*s %-*s %-*s %*s %*s %*s %*s %*s", wb, "backend",
                       W_WALL, res->metric == PB_METRIC_INSTRUCTIONS ? "instr overhead [95% CI]"
                                                                     : "wall overhead [95% CI]",
                       W_CPU, "cpu", W_MEM, "memory", W_PP, "AE", W_PP, "DE", W_PP, "FAE",
                       W_PP, "CE");
        if (extra)
            pb_strbuf_addf(&sb, " %*s %*s", W_COV, "thr", W_PP, "FAE-t");
        pb_strbuf_adds(&sb, "  status\n");
        for (size_t b = 0; b < cfg->nbackends; b++) {
            if (!pb_results_cell_on(res, w, b))
                continue;
            const struct pb_cell *c = pb_results_cell(res, w, b);
            struct pb_cell_texts t;
            pb_cell_texts(res, c, &t);
            int used = 2 + wb + 1 + W_WALL + 1 + W_CPU + 1 + W_MEM + 4 * (1 + W_PP) + 2 +
                       (extra ? 1 + W_COV + 1 + W_PP : 0);
            const char *on = "", *off = "";
            if (color && c->status != PB_CELL_OK) {
                on = c->status == PB_CELL_FAILED ? "\033[31m" : "\033[33m";
                off = "\033[0m";
            }
            pb_strbuf_addf(&sb, "  %-*.*s %-*s %-*s %*s %*s %*s %*s %*s", wb,
                           wb, cfg->backends[b].name, W_WALL, t.wall, W_CPU, t.cpu,
                           W_MEM, t.mem, W_PP, t.ae, W_PP, t.de, W_PP, t.fae, W_PP, t.ce);
            if (extra)
                pb_strbuf_addf(&sb, " %*s %*s", W_COV, t.coverage, W_PP, t.fae_task);
            /* A status that does not fit goes whole on the lines below:
             * a failure's reason is never cut ("ok" always stays). */
            int len = (int)strlen(t.status);
            if (len <= LINE_MAX_COLS - used || len <= 8)
                pb_strbuf_addf(&sb, "  %s%s%s\n", on, t.status, off);
            else
                wrap_status(&sb, on, t.status, off);
        }
    }
    pb_strbuf_adds(&sb, "\n");
    for (const char *const *l = pb_legend; *l; l++)
        wrap_text(&sb, "  ", *l);
    return pb_strbuf_detach(&sb);
}
