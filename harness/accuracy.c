/* accuracy.c: attribution, truth categories, FAE and CE (see accuracy.h and
 * ../shared/MEASURE.md). */
#include "accuracy.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"
#include "util.h"

/* Same file: equal strings, or both resolve to the same real path. A name
 * that does not resolve ("<string>", "<built-in>", a file since deleted, a
 * relative path from another directory) matches only itself. Relative paths
 * resolve against the current directory, which in the worker is the one
 * Python started in, as for the interpreter's own relative co_filename. */
static int same_file(const char *a, const char *b)
{
    if (!strcmp(a, b))
        return 1;
    if (!a[0] || !b[0] || a[0] == '<' || b[0] == '<')
        return 0;
    char ra[PATH_MAX], rb[PATH_MAX];
    if (!realpath(a, ra) || !realpath(b, rb))
        return 0;
    return !strcmp(ra, rb);
}

void pb_attribute(const struct pb_report *r, const struct pb_phase_ident *phases,
                  size_t nphases, struct pb_attribution *out)
{
    memset(out, 0, sizeof(*out));
    if (nphases > PB_MAX_PHASES)
        nphases = PB_MAX_PHASES;
    out->nphases = nphases;
    out->entries = r->count;
    out->categories = r->categories & PB_CAT_ALL;
    double sum_p = 0;
    for (size_t i = 0; i < r->count; i++) {
        const struct pb_report_entry *e = &r->entries[i];
        for (size_t p = 0; p < nphases; p++) {
            if (strcmp(e->name, phases[p].name) || !same_file(e->file, phases[p].file))
                continue;
            out->phase_s[p] += e->inclusive_s;
            sum_p += e->inclusive_s;
            break;
        }
        for (int c = 0; c < PB_CAT_COUNT; c++)
            if (out->categories & PB_CAT_BIT(c))
                out->cat_s[c] += e->cat_s[c];
    }
    double total = r->total_s > 0 ? r->total_s : pb_report_self_total(r);
    if (total < sum_p)
        total = sum_p;
    out->total_s = total;
    out->other_s = total - sum_p;
    if (out->other_s < 0)
        out->other_s = 0;
}

void pb_truth_categories(const struct pb_phase_truth *t, double cat_s[PB_CAT_COUNT])
{
    for (int c = 0; c < PB_CAT_COUNT; c++)
        cat_s[c] = 0;
    double user = t->user_s > 0 ? t->user_s : 0;
    double sys = t->sys_s > 0 ? t->sys_s : 0;
    double off = t->wall_s - user - sys;
    if (off < 0)
        off = 0;
    enum pb_category user_cat = t->declared == PB_CAT_SYSTEM ? PB_CAT_NATIVE : t->declared;
    cat_s[user_cat] += user;
    cat_s[PB_CAT_SYSTEM] += sys + off;
}

const char *pb_truth_check(const struct pb_phase_truth *t, char *buf, size_t len)
{
    if (!(t->wall_s > 0))
        return NULL;
    double user_share = t->user_s / t->wall_s;
    /* Percentages are rounded, but never onto the threshold they failed
     * ("only 90%" for 89.7% would contradict the rule it reports). */
    double pct = round(100 * user_share);
    if (t->declared != PB_CAT_SYSTEM && user_share < 0.9) {
        snprintf(buf, len, "declared %s but only %.0f%% of wall is user CPU",
                 pb_category_name(t->declared), pct < 90 ? pct : 89);
        return buf;
    }
    if (t->declared == PB_CAT_SYSTEM && 1 - user_share < 0.5) {
        snprintf(buf, len, "declared system but %.0f%% of wall is user CPU",
                 pct > 50 ? pct : 51);
        return buf;
    }
    return NULL;
}

double pb_fae(const struct pb_phase_truth *truth, size_t nphases,
              const struct pb_attribution *a)
{
    double T = 0, R = a->total_s;
    for (size_t p = 0; p < nphases; p++)
        T += truth[p].wall_s;
    if (!(R > 0) || !(T > 0))
        return NAN;
    double d = a->other_s / R;
    for (size_t p = 0; p < nphases; p++) {
        double rp = p < PB_MAX_PHASES ? a->phase_s[p] : 0;
        d += fabs(rp / R - truth[p].wall_s / T);
    }
    return 50 * d;
}

double pb_ce(const struct pb_phase_truth *truth, size_t nphases,
             const struct pb_attribution *a)
{
    double tc[PB_CAT_COUNT] = { 0 };
    for (size_t p = 0; p < nphases; p++) {
        double c[PB_CAT_COUNT];
        pb_truth_categories(&truth[p], c);
        for (int k = 0; k < PB_CAT_COUNT; k++)
            tc[k] += c[k];
    }
    return pb_ce_cats(tc, a);
}

double pb_ce_cats(const double tc[PB_CAT_COUNT], const struct pb_attribution *a)
{
    int ncat = 0;
    double RM = 0, TM = 0;
    for (int k = 0; k < PB_CAT_COUNT; k++) {
        if (!(a->categories & PB_CAT_BIT(k)))
            continue;
        ncat++;
        RM += a->cat_s[k];
        TM += tc[k];
    }
    if (ncat < 2 || !(RM > 0) || !(TM > 0))
        return NAN;
    double d = 0;
    for (int k = 0; k < PB_CAT_COUNT; k++)
        if (a->categories & PB_CAT_BIT(k))
            d += fabs(a->cat_s[k] / RM - tc[k] / TM);
    return 50 * d;
}

double pb_thread_seconds(const struct pb_report *r, const unsigned long *tids, size_t ntids)
{
    double s = 0;
    for (size_t i = 0; i < r->count; i++) {
        const struct pb_report_entry *e = &r->entries[i];
        for (size_t j = 0; e->thread && j < ntids; j++)
            if (e->thread == (uint64_t)tids[j]) {
                s += e->self_s;
                break;
            }
    }
    return s;
}

long pb_key_find(const struct pb_key_rec *recs, size_t n, long phase, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (recs[i].phase == phase && !strcmp(recs[i].name, name))
            return (long)i;
    return -1;
}

double pb_fae_keys(const double *truth_s, const double *reported_s, size_t n, double total_s)
{
    double T = 0, sum_r = 0;
    for (size_t k = 0; k < n; k++) {
        T += truth_s[k] > 0 ? truth_s[k] : 0;
        sum_r += reported_s[k] > 0 ? reported_s[k] : 0;
    }
    double R = total_s > sum_r ? total_s : sum_r;
    if (!(R > 0) || !(T > 0))
        return NAN;
    double d = (R - sum_r) / R;
    for (size_t k = 0; k < n; k++) {
        double t = truth_s[k] > 0 ? truth_s[k] : 0;
        double r = reported_s[k] > 0 ? reported_s[k] : 0;
        d += fabs(r / R - t / T);
    }
    return 50 * d;
}

double pb_thread_coverage(const struct pb_key_rec *threads, size_t n)
{
    double wall = 0, seen = 0;
    for (size_t k = 0; k < n; k++) {
        if (!(threads[k].wall_s > 0))
            continue;
        if (isnan(threads[k].attr_s))
            return NAN;
        wall += threads[k].wall_s;
        double r = threads[k].attr_s > 0 ? threads[k].attr_s : 0;
        seen += r < threads[k].wall_s ? r : threads[k].wall_s;
    }
    return wall > 0 ? seen / wall : NAN;
}

double pb_response(const struct pb_response_samples *x)
{
    double sb = pb_median(x->s_base, x->ns_base), sv = pb_median(x->s_var, x->ns_var);
    double tb = pb_median(x->t_base, x->nt_base), tv = pb_median(x->t_var, x->nt_var);
    if (!isfinite(sb) || !isfinite(sv) || !isfinite(tb) || !isfinite(tv))
        return NAN;
    double dt = tv - tb;
    if (!(fabs(dt) >= PB_RESPONSE_MIN_CHANGE))
        return NAN;
    return (sv - sb) / dt;
}

/* splitmix64: a small, seedable generator local to one call. */
static uint64_t next_random(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* The finite values of x[0..n) into a new array (at least one slot); their
 * count in *m. */
static double *finite_copy(const double *x, size_t n, size_t *m)
{
    double *out = pb_xcalloc(n ? n : 1, sizeof(double));
    *m = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i]))
            out[(*m)++] = x[i];
    return out;
}

/* n draws with replacement from src[0..n) into dst. */
static void resample(const double *src, size_t n, double *dst, uint64_t *state)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = src[next_random(state) % n];
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Quantile q (0..1) of sorted x[0..n), n >= 1, by linear interpolation
 * between order statistics (Hyndman and Fan type 7). */
static double quantile(const double *x, size_t n, double q)
{
    double h = (double)(n - 1) * q;
    size_t i = (size_t)floor(h);
    if (i + 1 >= n)
        return x[n - 1];
    return x[i] + (h - (double)i) * (x[i + 1] - x[i]);
}

void pb_response_ci(const struct pb_response_samples *x, size_t resamples, double level,
                    uint64_t seed, double *lo, double *hi)
{
    *lo = *hi = NAN;
    if (!isfinite(pb_response(x)) || resamples == 0)
        return;
    size_t n[4];
    double *src[4] = {
        finite_copy(x->s_base, x->ns_base, &n[0]), finite_copy(x->s_var, x->ns_var, &n[1]),
        finite_copy(x->t_base, x->nt_base, &n[2]), finite_copy(x->t_var, x->nt_var, &n[3]),
    };
    double *dst[4];
    for (int k = 0; k < 4; k++)
        dst[k] = pb_xcalloc(n[k], sizeof(double));   /* n[k] >= 1: the response is finite */
    double *r = pb_xcalloc(resamples, sizeof(double));
    size_t m = 0;
    uint64_t state = seed;
    for (size_t i = 0; i < resamples; i++) {
        for (int k = 0; k < 4; k++)
            resample(src[k], n[k], dst[k], &state);
        struct pb_response_samples y = { dst[0], dst[1], n[0], n[1], dst[2], dst[3], n[2], n[3] };
        double v = pb_response(&y);
        if (isfinite(v))
            r[m++] = v;
    }
    if (m > 0 && 2 * m >= resamples) {
        qsort(r, m, sizeof(double), cmp_double);
        *lo = quantile(r, m, (1 - level) / 2);
        *hi = quantile(r, m, (1 + level) / 2);
    }
    free(r);
    for (int k = 0; k < 4; k++) {
        free(src[k]);
        free(dst[k]);
    }
}
