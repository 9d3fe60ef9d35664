/* compare.c: overhead comparison and the regression gate (see compare.h). */
#include "compare.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "json_parse.h"
#include "overhead.h"
#include "results.h"
#include "stats.h"
#include "util.h"
#include "venv.h"

/* The fuzz build lowers it: it checks memory safety, not the statistics. */
#ifndef BOOTSTRAP_RESAMPLES
#define BOOTSTRAP_RESAMPLES 2000
#endif

const char *pb_verdict_name(enum pb_verdict v)
{
    switch (v) {
    case PB_VERDICT_PASS: return "pass";
    case PB_VERDICT_WARN: return "warn";
    case PB_VERDICT_FAIL: return "FAIL";
    case PB_VERDICT_INCONCLUSIVE: return "inconclusive";
    }
    return "?";
}

/* Both files' per-round ratios; the statistic is the relative change of
 * their medians. */
struct ratios2 {
    const double *base, *now;
};

/* The median of x at the indices idx[0..n). */
static double median_at(const double *x, const size_t *idx, size_t n)
{
    double *v = pb_xcalloc(n + 1, sizeof(double));
    for (size_t i = 0; i < n; i++)
        v[i] = x[idx[i]];
    double m = pb_median(v, n);
    free(v);
    return m;
}

static double median_change_at(const void *ctx, const size_t *const *idx, const size_t *n)
{
    const struct ratios2 *r = ctx;
    double base = median_at(r->base, idx[0], n[0]), now = median_at(r->now, idx[1], n[1]);
    return base > 0 && now > 0 ? now / base - 1 : NAN;
}

static void decide(struct pb_change *out, double threshold);

void pb_compare_ratios(const double *base, size_t nb, const double *now, size_t nn,
                       double threshold, struct pb_change *out)
{
    memset(out, 0, sizeof(*out));
    out->nbase = nb;
    out->nnow = nn;
    out->base = pb_median(base, nb);
    out->now = pb_median(now, nn);
    out->change = out->lo = out->hi = NAN;
    out->verdict = PB_VERDICT_INCONCLUSIVE;
    if (!nb || !nn || !(out->base > 0) || !(out->now > 0))
        return;
    out->change = out->now / out->base - 1;
    struct ratios2 r = { base, now };
    const size_t sizes[2] = { nb, nn };
    pb_bootstrap_ci(median_change_at, &r, 2, sizes, BOOTSTRAP_RESAMPLES, 0x9E3779B97F4A7C15ULL,
                    0.95, &out->lo, &out->hi);
    decide(out, threshold);
}

/* Both files' paired walls; the statistic is the relative change of the
 * tables' overhead estimator. */
struct walls2 {
    const double *bb, *bp, *nb, *np;
};

static double change_at(const void *ctx, const size_t *const *idx, const size_t *n)
{
    const struct walls2 *w = ctx;
    double base = pb_overhead_ratio_at(PB_EST_MIN_RATIO, w->bb, w->bp, NULL, NULL, idx[0], n[0]);
    double now = pb_overhead_ratio_at(PB_EST_MIN_RATIO, w->nb, w->np, NULL, NULL, idx[1], n[1]);
    return base > 0 && now > 0 ? now / base - 1 : NAN;
}

void pb_compare_walls(const double *base_b, const double *base_p, size_t nb,
                      const double *now_b, const double *now_p, size_t nn, double threshold,
                      struct pb_change *out)
{
    memset(out, 0, sizeof(*out));
    out->nbase = nb;
    out->nnow = nn;
    out->base = pb_overhead_ratio_at(PB_EST_MIN_RATIO, base_b, base_p, NULL, NULL, NULL, nb);
    out->now = pb_overhead_ratio_at(PB_EST_MIN_RATIO, now_b, now_p, NULL, NULL, NULL, nn);
    out->change = out->lo = out->hi = NAN;
    out->verdict = PB_VERDICT_INCONCLUSIVE;
    if (!nb || !nn || !(out->base > 0) || !(out->now > 0))
        return;
    out->change = out->now / out->base - 1;
    struct walls2 w = { base_b, base_p, now_b, now_p };
    const size_t sizes[2] = { nb, nn };
    const size_t draws[2] = { pb_overhead_resample_size(PB_EST_MIN_RATIO, nb),
                              pb_overhead_resample_size(PB_EST_MIN_RATIO, nn) };
    pb_bootstrap_ci_m(change_at, &w, 2, sizes, draws, BOOTSTRAP_RESAMPLES,
                      0x9E3779B97F4A7C15ULL, 0.95, &out->lo, &out->hi);
    decide(out, threshold);
}

/* The verdict of a change whose interval is known. */
static void decide(struct pb_change *out, double threshold)
{
    if (!isfinite(out->lo) || !isfinite(out->hi))
        out->verdict = PB_VERDICT_INCONCLUSIVE;
    else if (out->nbase < PB_COMPARE_MIN_ROUNDS || out->nnow < PB_COMPARE_MIN_ROUNDS)
        out->verdict = PB_VERDICT_INCONCLUSIVE;
    else if (out->lo > threshold)
        out->verdict = PB_VERDICT_FAIL;
    else if (out->hi <= threshold)
        out->verdict = out->lo > 0 ? PB_VERDICT_WARN : PB_VERDICT_PASS;
    else
        out->verdict = PB_VERDICT_INCONCLUSIVE;
}

int pb_results_parse(const char *name, const char *text, size_t len, struct pb_jval *doc,
                     char *err, size_t errlen)
{
    char why[PB_ERRLEN];
    if (pb_json_parse(text, len, doc, why, sizeof(why)) < 0)
        return pb_error(err, errlen, "'%s' is not valid JSON: %s", name, why);
    const struct pb_jval *schema = pb_jval_get(doc, "schema");
    const struct pb_jval *summary = pb_jval_get(doc, "summary");
    if (!schema || schema->type != PB_J_NUM || schema->num != PB_RESULTS_SCHEMA || !summary ||
        summary->type != PB_J_ARR) {
        pb_jval_release(doc);
        return pb_error(err, errlen, "'%s' is not a pyprof-bench results.json (schema %d)", name,
                        PB_RESULTS_SCHEMA);
    }
    return 0;
}

int pb_results_json_load(const char *path, struct pb_jval *doc, char *err, size_t errlen)
{
    char *text;
    size_t len;
    if (pb_read_file(path, 0, &text, &len) < 0) {
        if (errno == EIO)
            return pb_error(err, errlen, "cannot read '%s'", path);
        return pb_error(err, errlen, "cannot open '%s': %s", path, strerror(errno));
    }
    int rc = pb_results_parse(path, text, len, doc, err, errlen);
    free(text);
    return rc;
}

/* The per-round wall ratios of entry e, as a new array; *n gets the count. */
static double *ratios(const struct pb_jval *e, const char *key, size_t *n)
{
    const struct pb_jval *a = pb_jval_get(e, key);
    *n = 0;
    if (!a || a->type != PB_J_ARR)
        return pb_xmalloc(sizeof(double));
    double *x = pb_xmalloc((a->n ? a->n : 1) * sizeof(double));
    for (size_t i = 0; i < a->n; i++)
        if (a->items[i].type == PB_J_NUM && isfinite(a->items[i].num))
            x[(*n)++] = a->items[i].num;
    return x;
}

/* The change of one cell's overhead between two files: from the paired
 * walls with the tables' estimator (overhead.h) when both files have them,
 * else (instruction counts, files written before the walls were kept) from
 * the medians of the per-round ratios under key. */
static void compare_entries(const struct pb_jval *eb, const struct pb_jval *en, const char *key,
                            int instr, double threshold, struct pb_change *c)
{
    size_t n[4];
    double *v[4] = {
        ratios(eb, "base_wall_s", &n[0]), ratios(eb, "prof_wall_s", &n[1]),
        ratios(en, "base_wall_s", &n[2]), ratios(en, "prof_wall_s", &n[3]),
    };
    if (!instr && n[0] && n[0] == n[1] && n[2] && n[2] == n[3]) {
        pb_compare_walls(v[0], v[1], n[0], v[2], v[3], n[2], threshold, c);
    } else {
        size_t nb, nn;
        double *rb = ratios(eb, key, &nb), *rn = ratios(en, key, &nn);
        pb_compare_ratios(rb, nb, rn, nn, threshold, c);
        free(rb);
        free(rn);
    }
    for (int i = 0; i < 4; i++)
        free(v[i]);
}

/* The interpreter of a summary entry: a file written before the axis names
 * none, and ran on the pinned one. */
static const char *entry_interp(const struct pb_jval *e)
{
    const char *s = pb_jval_str(e, "interpreter");
    return s ? s : pb_interpreter_pinned_name();
}

/* The entry of cell (w, b) on interpreter ip: cells pair by all three. */
static const struct pb_jval *find_entry(const struct pb_jval *summary, const char *w,
                                        const char *b, const char *ip)
{
    for (size_t i = 0; i < summary->n; i++) {
        const char *ew = pb_jval_str(&summary->items[i], "workload");
        const char *eb = pb_jval_str(&summary->items[i], "backend");
        if (ew && eb && !strcmp(ew, w) && !strcmp(eb, b) &&
            !strcmp(entry_interp(&summary->items[i]), ip))
            return &summary->items[i];
    }
    return NULL;
}

/* Does any entry of either summary run on another interpreter than the
 * first entry's? Then the table has an interpreter column. */
static int several_interps(const struct pb_jval *sb, const struct pb_jval *sn)
{
    const char *first = NULL;
    const struct pb_jval *s[2] = { sb, sn };
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; i < s[k]->n; i++) {
            const char *ip = entry_interp(&s[k]->items[i]);
            if (!first)
                first = ip;
            else if (strcmp(first, ip))
                return 1;
        }
    return 0;
}

/* The interpreter column of a table row (nothing with one interpreter). */
static void interp_column(FILE *out, int multi, const char *ip)
{
    if (multi)
        fprintf(out, "%-12.12s ", ip);
}

/* Cells of one interpreter name whose versions differ between the files
 * ("3.12.1" against "3.12.2"): a Python build changed under the name. NULL,
 * or the first such interpreter's name. */
static const char *version_changed(const struct pb_jval *sb, const struct pb_jval *sn)
{
    for (size_t i = 0; i < sn->n; i++) {
        const struct pb_jval *e = &sn->items[i];
        const char *w = pb_jval_str(e, "workload"), *b = pb_jval_str(e, "backend");
        const struct pb_jval *eb = w && b ? find_entry(sb, w, b, entry_interp(e)) : NULL;
        const char *vn = pb_jval_str(e, "python_version");
        const char *vb = eb ? pb_jval_str(eb, "python_version") : NULL;
        if (vn && vb && *vn && *vb && strcmp(vn, vb))
            return entry_interp(e);
    }
    return NULL;
}

/* Refuse files from different machines or Python builds unless forced. */
static int same_machine(const struct pb_jval *a, const struct pb_jval *b, int force,
                        FILE *err_out, char *err, size_t errlen)
{
    const char *ca = pb_jval_str(pb_jval_get(a, "machine"), "cpu_model");
    const char *cb = pb_jval_str(pb_jval_get(b, "machine"), "cpu_model");
    const char *pa = pb_jval_str(a, "python"), *pyb = pb_jval_str(b, "python");
    const char *what = NULL;
    if (!ca || !cb || strcmp(ca, cb))
        what = "CPU model";
    else if (!pa || !pyb || strcmp(pa, pyb))
        what = "Python build";
    if (!what)
        return 0;
    if (force) {
        fprintf(err_out, "pyprof-bench: warning: the two results differ in %s; compared "
                "anyway (--force)\n", what);
        return 0;
    }
    return pb_error(err, errlen, "the two results differ in %s, so their overheads are not "
                    "comparable (use --force to compare anyway)", what);
}

/* How many rounds entry e measured: its ratios under key, else its paired
 * walls (0: the cell was skipped, failed or not measurable). */
static size_t measured(const struct pb_jval *e, const char *key)
{
    size_t n, m;
    free(ratios(e, key, &n));
    free(ratios(e, "base_wall_s", &m));
    return n > m ? n : m;
}

/* " (skipped: why)" for an entry that measured nothing, into buf. */
static void why_missing(const struct pb_jval *e, char *buf, size_t len)
{
    const char *st = e ? pb_jval_str(e, "status") : NULL;
    const char *why = e ? pb_jval_str(e, "reason") : NULL;
    if (!e)
        snprintf(buf, len, "%s", "");
    else if (why && *why)
        snprintf(buf, len, " (%s: %.300s)", st ? st : "not measured", why);
    else
        snprintf(buf, len, " (%s)", st ? st : "not measured");
}

int pb_compare_run(const struct pb_jval *base, const struct pb_jval *now,
                   const struct pb_compare_opts *o, FILE *out, FILE *err_out, char *err,
                   size_t errlen)
{
    int status = 0;
    double threshold = o->threshold;
    if (same_machine(base, now, o->force, err_out, err, errlen) < 0)
        return 2;
    /* Both files must measure the same thing: wall time, or instructions. */
    const char *mb = pb_jval_str(base, "metric"), *mn = pb_jval_str(now, "metric");
    mb = mb ? mb : "wall";
    mn = mn ? mn : "wall";
    if (strcmp(mb, mn)) {
        pb_error(err, errlen, "the base measured %s, the new result %s: not comparable (run "
                 "both with the same --metric)", mb, mn);
        return 2;
    }
    int instr = !strcmp(mn, "instructions");
    const char *key = instr ? "instr_ratios" : "wall_ratios";
    const struct pb_jval *sb = pb_jval_get(base, "summary"), *sn = pb_jval_get(now, "summary");
    const struct pb_jval *cb = pb_jval_get(base, "config"), *cn = pb_jval_get(now, "config");
    const char *pathb = pb_jval_str(cb, "path"), *pathn = pb_jval_str(cn, "path");
    const char *hashb = pb_jval_str(cb, "hash"), *hashn = pb_jval_str(cn, "hash");
    /* Results that share no cell are of unrelated configs: comparing them
     * would call every cell "new" and pass. */
    size_t ncells_b = 0, ncells_n = 0, common = 0;
    for (size_t i = 0; i < sb->n; i++)
        ncells_b += pb_jval_str(&sb->items[i], "workload") && pb_jval_str(&sb->items[i], "backend");
    for (size_t i = 0; i < sn->n; i++) {
        const char *w = pb_jval_str(&sn->items[i], "workload");
        const char *b = pb_jval_str(&sn->items[i], "backend");
        ncells_n += w && b;
        common += w && b && find_entry(sb, w, b, entry_interp(&sn->items[i]));
    }
    if (ncells_b && ncells_n && !common) {
        pb_error(err, errlen, "the base (%s) and the new result (%s) have no workload / "
                 "backend cell in common: results of unrelated configs are not comparable",
                 pathb ? pathb : "unknown config", pathn ? pathn : "unknown config");
        return 2;
    }
    const char *changed = version_changed(sb, sn);
    if (changed && !o->force) {
        pb_error(err, errlen, "the two results ran %s on different Python versions, so its "
                 "overheads are not comparable (use --force to compare anyway)", changed);
        return 2;
    }
    if (changed)
        fprintf(err_out, "pyprof-bench: warning: %s is another Python version in the two "
                "results; compared anyway (--force)\n", changed);
    int multi = several_interps(sb, sn);
    if (hashb && hashn && strcmp(hashb, hashn))
        fprintf(out, "note: the configs differ (base %s, hash %s; new %s, hash %s): cells are "
                "compared by workload and backend name\n", pathb ? pathb : "?", hashb,
                pathn ? pathn : "?", hashn);
    interp_column(out, multi, "interpreter");
    fprintf(out, "%-14s %-18s %-7s %8s %8s  %-24s %s\n", "workload", "backend", "clock", "base",
            "new", "change [95% CI]", "verdict");
    for (size_t i = 0; i < sn->n; i++) {
        const struct pb_jval *e = &sn->items[i];
        const char *w = pb_jval_str(e, "workload"), *b = pb_jval_str(e, "backend");
        const char *clock = pb_jval_str(e, "clock");
        if (!w || !b)
            continue;
        const char *ip = entry_interp(e);
        const struct pb_jval *eb = find_entry(sb, w, b, ip);
        interp_column(out, multi, ip);
        const char *st = pb_jval_str(e, "status");
        if (st && !strcmp(st, "n/a")) {
            fprintf(out, "%-14.14s %-18.18s %-7.7s %8s %8s  %-24s %s\n", w, b, clock ? clock : "",
                    "-", "-", "-", "n/a (not measurable with this metric)");
            continue;
        }
        if (!eb) {
            fprintf(out, "%-14.14s %-18.18s %-7.7s %8s %8s  %-24s %s\n", w, b, clock ? clock : "",
                    "-", "-", "-", "new (not in base)");
            continue;
        }
        if (measured(eb, key) && !measured(e, key)) {
            /* Measured in the base, not now (skipped, failed): a hole in the
             * gate unless it fails. */
            char why[400];
            why_missing(e, why, sizeof(why));
            fprintf(out, "%-14.14s %-18.18s %-7.7s %8s %8s  %-24s %s%s\n", w, b,
                    clock ? clock : "", "-", "-", "-", "FAIL (missing)", why);
            fprintf(err_out, "missing: %s / %s%s%s was in the base but not in this run%s\n", w,
                    b, multi ? " / " : "", multi ? ip : "", why);
            status = 3;
            continue;
        }
        struct pb_change c;
        compare_entries(eb, e, key, instr, threshold, &c);
        char change[64] = "-";
        if (isfinite(c.change))
            snprintf(change, sizeof(change), "%+.1f%% [%+.1f%%, %+.1f%%]", 100 * c.change,
                     100 * c.lo, 100 * c.hi);
        const char *dir = !isfinite(c.lo) ? "" : c.lo > 0 ? "slower" : c.hi < 0 ? "faster"
                                                                           : "no significant change";
        char verdict[128];
        if (c.nbase < PB_COMPARE_MIN_ROUNDS || c.nnow < PB_COMPARE_MIN_ROUNDS)
            snprintf(verdict, sizeof(verdict), "inconclusive (%zu and %zu rounds; %d needed)",
                     c.nbase, c.nnow, PB_COMPARE_MIN_ROUNDS);
        else if (c.verdict == PB_VERDICT_INCONCLUSIVE)
            snprintf(verdict, sizeof(verdict), "inconclusive (interval too wide)");
        else
            snprintf(verdict, sizeof(verdict), "%s (%s)", pb_verdict_name(c.verdict), dir);
        char bs[32] = "-", ns[32] = "-";
        if (isfinite(c.base))
            snprintf(bs, sizeof(bs), "%.3fx", c.base);
        if (isfinite(c.now))
            snprintf(ns, sizeof(ns), "%.3fx", c.now);
        fprintf(out, "%-14.14s %-18.18s %-7.7s %8s %8s  %-24s %s\n", w, b, clock ? clock : "", bs,
                ns, change, verdict);
        if (c.verdict == PB_VERDICT_FAIL) {
            fprintf(err_out, "regression: %s / %s%s%s: %s overhead %.3fx -> %.3fx, %+.1f%% "
                    "[%+.1f%%, %+.1f%%], past the %.0f%% threshold\n", w, b,
                    multi ? " / " : "", multi ? ip : "",
                    instr ? "instruction" : "wall", c.base, c.now,
                    100 * c.change, 100 * c.lo, 100 * c.hi, 100 * threshold);
            status = 3;
        }
    }
    /* Cells of the base this run does not have at all. */
    for (size_t i = 0; i < sb->n; i++) {
        const struct pb_jval *eb = &sb->items[i];
        const char *w = pb_jval_str(eb, "workload"), *b = pb_jval_str(eb, "backend");
        const char *clock = pb_jval_str(eb, "clock");
        const char *ip = entry_interp(eb);
        if (!w || !b || find_entry(sn, w, b, ip) || !measured(eb, key))
            continue;
        interp_column(out, multi, ip);
        if (o->left_out && o->left_out(w, b, ip, o->ctx)) {
            fprintf(out, "%-14.14s %-18.18s %-7.7s %8s %8s  %-24s %s\n", w, b, clock ? clock : "",
                    "-", "-", "-", "not selected in this run");
            continue;
        }
        fprintf(out, "%-14.14s %-18.18s %-7.7s %8s %8s  %-24s %s\n", w, b, clock ? clock : "",
                "-", "-", "-", "FAIL (missing: in the base, not in this run)");
        fprintf(err_out, "missing: %s / %s%s%s was in the base but not in this run\n", w, b,
                multi ? " / " : "", multi ? ip : "");
        status = 3;
    }
    return status;
}

int pb_compare_docs(const struct pb_jval *base, const struct pb_jval *now, double threshold,
                    int force, FILE *out, FILE *err_out, char *err, size_t errlen)
{
    struct pb_compare_opts o = { threshold, force, NULL, NULL };
    return pb_compare_run(base, now, &o, out, err_out, err, errlen);
}

char *pb_results_path(const char *path)
{
    struct stat st;
    struct pb_strbuf sb = PB_STRBUF_INIT;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        pb_strbuf_addf(&sb, "%s/results.json", path);
    else
        pb_strbuf_adds(&sb, path);
    return pb_strbuf_detach(&sb);
}

int pb_compare_files(const char *base_path, const char *new_path,
                     const struct pb_compare_opts *o, FILE *out, FILE *err_out, char *err,
                     size_t errlen)
{
    struct pb_jval base, now;
    char *bp = pb_results_path(base_path), *np = pb_results_path(new_path);
    int status = 2;
    if (pb_results_json_load(bp, &base, err, errlen) < 0)
        goto out;
    if (pb_results_json_load(np, &now, err, errlen) < 0) {
        pb_jval_release(&base);
        goto out;
    }
    status = pb_compare_run(&base, &now, o, out, err_out, err, errlen);
    pb_jval_release(&base);
    pb_jval_release(&now);
out:
    free(bp);
    free(np);
    return status;
}
