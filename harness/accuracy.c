/* accuracy.c: attribution, truth categories, and the accuracy figures AE,
 * DE, FAE and CE (see accuracy.h and docs/METHOD.md). */
#include "accuracy.h"

#include "stats.h"
#include "util.h"

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

/* Index of the first phase ident matching the entry (name, then file), or -1. */
static long match_phase(const struct pb_report_entry *e, const struct pb_phase_ident *phases,
                        size_t nphases)
{
    for (size_t p = 0; p < nphases; p++)
        if (!strcmp(e->name, phases[p].name) && same_file(e->file, phases[p].file))
            return (long)p;
    return -1;
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
        long p = match_phase(e, phases, nphases);
        if (p >= 0) {
            out->phase_s[p] += e->inclusive_s;
            sum_p += e->inclusive_s;
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

int pb_report_is_flat(const struct pb_report *r)
{
    for (size_t i = 0; i < r->count; i++) {
        const struct pb_report_entry *e = &r->entries[i];
        /* Rounding of a backend's arithmetic, not a callee: 1 ns and 1e-9. */
        if (e->inclusive_s > e->self_s + 1e-9 + 1e-9 * fabs(e->self_s))
            return 0;
    }
    return 1;
}

uint64_t pb_reach_lookup(const struct pb_reach_map *map, const char *file, const char *name,
                         int line)
{
    uint64_t all = 0, nearest = 0;
    int nearest_line = 0, have_nearest = 0;
    for (size_t i = 0; i < map->count; i++) {
        const struct pb_reach_fn *f = &map->fns[i];
        if (strcmp(f->name, name) || !same_file(f->file, file))
            continue;
        all |= f->phases;
        if (line > 0 && f->line <= line) {
            if (!have_nearest || f->line > nearest_line) {
                nearest = f->phases;
                nearest_line = f->line;
                have_nearest = 1;
            } else if (f->line == nearest_line) {
                nearest |= f->phases;   /* two code objects of one def */
            }
        }
    }
    return have_nearest ? nearest : all;
}

/* The single set bit's index, or -1 when bits has none or several. */
static long single_bit(uint64_t bits)
{
    if (!bits || (bits & (bits - 1)))
        return -1;
    long p = 0;
    while (!(bits & 1)) {
        bits >>= 1;
        p++;
    }
    return p;
}

void pb_attribute_flat(const struct pb_report *r, const struct pb_phase_ident *phases,
                       size_t nphases, const struct pb_reach_map *map, uint64_t main_tid,
                       struct pb_attribution *out, struct pb_flat_result *fr)
{
    struct pb_flat_result local;
    if (!fr)
        fr = &local;
    memset(fr, 0, sizeof(*fr));
    fr->worst = -1;
    pb_attribute(r, phases, nphases, out);
    fr->total_s = out->total_s;
    if (!map || !pb_report_is_flat(r))
        return;
    fr->applied = 1;
    nphases = out->nphases;
    uint64_t mask = nphases >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << nphases) - 1;
    double worst_s = -1;
    for (size_t i = 0; i < r->count; i++) {
        const struct pb_report_entry *e = &r->entries[i];
        if (match_phase(e, phases, nphases) >= 0)
            continue;   /* credited by pb_attribute() */
        if (main_tid && e->thread && e->thread != main_tid)
            continue;   /* another thread's: its thread key's */
        uint64_t bits = pb_reach_lookup(map, e->file, e->name, e->line) & mask;
        if (!bits)
            continue;   /* reached by no phase: R_other */
        double s = e->self_s > 0 ? e->self_s : 0;
        long p = single_bit(bits);
        if (p >= 0) {
            out->phase_s[p] += s;
            fr->mapped++;
            fr->mapped_s += s;
        } else {
            fr->ambiguous++;
            fr->ambiguous_s += s;
            if (s > worst_s) {
                worst_s = s;
                fr->worst = (long)i;
                fr->worst_phases = bits;
            }
        }
    }
    double sum_p = 0;
    for (size_t p = 0; p < nphases; p++)
        sum_p += out->phase_s[p];
    if (out->total_s < sum_p)
        out->total_s = sum_p;
    out->other_s = out->total_s - sum_p;
    if (out->other_s < 0)
        out->other_s = 0;
    fr->total_s = out->total_s;
    if (fr->ambiguous_s > 0 && fr->ambiguous_s > PB_FLAT_AMBIGUOUS_MAX * out->total_s) {
        fr->fae_na = 1;
        out->other_s = NAN;
    }
}

/* "a, b" (at most four names, then "..."): the phases of bits. */
static void phase_list(uint64_t bits, const struct pb_phase_ident *phases, size_t nphases,
                       char *buf, size_t len)
{
    size_t at = 0, shown = 0;
    buf[0] = '\0';
    for (size_t p = 0; p < nphases && p < 64 && at < len; p++) {
        if (!(bits & ((uint64_t)1 << p)))
            continue;
        int n = shown == 4 ? snprintf(buf + at, len - at, ", ...")
                           : snprintf(buf + at, len - at, "%s%s", shown ? ", " : "",
                                      phases[p].name);
        if (n < 0)
            break;
        at += (size_t)n;
        if (++shown > 4)
            break;
    }
}

void pb_flat_note(const struct pb_flat_result *fr, const struct pb_report *r,
                  const struct pb_phase_ident *phases, size_t nphases, char *buf, size_t len)
{
    if (!len)
        return;
    buf[0] = '\0';
    if (!fr->applied || (!fr->mapped && !fr->ambiguous))
        return;
    char names[160] = "", who[200] = "";
    double pct = fr->total_s > 0 ? 100 * fr->ambiguous_s / fr->total_s : 0;
    if (fr->ambiguous && fr->worst >= 0 && (size_t)fr->worst < r->count) {
        phase_list(fr->worst_phases, phases, nphases, names, sizeof(names));
        if (fr->ambiguous > 1)
            snprintf(who, sizeof(who), "%.80s and %zu more", r->entries[fr->worst].name,
                     fr->ambiguous - 1);
        else
            snprintf(who, sizeof(who), "%.80s", r->entries[fr->worst].name);
    }
    if (fr->fae_na) {
        snprintf(buf, len, "FAE n/a: %s reachable from phases %s (%.1f%% of R)", who, names,
                 pct);
        return;
    }
    int n = snprintf(buf, len, "flat profile: %zu %s mapped to phases by reachability",
                     fr->mapped, fr->mapped == 1 ? "entry" : "entries");
    if (fr->ambiguous && n >= 0 && (size_t)n < len)
        snprintf(buf + n, len - (size_t)n, "; %s reachable from phases %s (%.1f%% of R, "
                 "not attributed)", who, names, pct);
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

void pb_key_pattern(const char *name, char *out, size_t len)
{
    size_t o = 0;
    if (!len)
        return;
    for (const char *c = name; *c && o + 1 < len; c++) {
        if (*c >= '0' && *c <= '9') {
            if (o && out[o - 1] == '*' && c > name && c[-1] >= '0' && c[-1] <= '9')
                continue;   /* the same run of digits */
            out[o++] = '*';
        } else {
            out[o++] = *c;
        }
    }
    out[o] = '\0';
}

int pb_key_matches(const struct pb_key_rec *r, enum pb_key_group group, long phase,
                   const char *name)
{
    char pat[PB_KEY_NAME];
    if (r->phase != phase)
        return 0;
    switch (group) {
    case PB_KEY_EXACT:
        return !strcmp(r->name, name);
    case PB_KEY_PATTERN:
        pb_key_pattern(r->name, pat, sizeof(pat));
        return !strcmp(pat, name);
    case PB_KEY_PHASE:
        return 1;
    }
    return 0;
}

long pb_key_find(const struct pb_key_rec *recs, size_t n, long phase, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (recs[i].phase == phase && !strcmp(recs[i].name, name))
            return (long)i;
    return -1;
}

struct pb_key_rec *pb_key_append(struct pb_key_rec **recs, size_t *n)
{
    size_t m = *n;
    if (m == 0 || (m >= 8 && (m & (m - 1)) == 0))   /* capacity 8, 16, 32, ... */
        *recs = pb_xrealloc(*recs, (m < 8 ? 8 : 2 * m) * sizeof(**recs));
    struct pb_key_rec *k = &(*recs)[m];
    memset(k, 0, sizeof(*k));
    k->attr_s = NAN;
    (*n)++;
    return k;
}

double pb_fae_keys(const double *truth_s, const double *reported_s, size_t n, double total_s)
{
    if (isnan(total_s))
        return NAN;   /* the attribution is n/a (pb_attribute_flat) */
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

/* ------------------------------------------------ shares and estimators */

void pb_shares_fill(struct pb_run_shares *s, size_t nk, const struct pb_phase_truth *own,
                    const double *rep_s, double rep_total_s, unsigned rep_cats,
                    const double rep_cat_s[PB_CAT_COUNT])
{
    memset(s, 0, sizeof(*s));
    if (nk > PB_MAX_SHARE_KEYS)
        nk = PB_MAX_SHARE_KEYS;
    s->nk = nk;
    double W = 0;
    for (size_t k = 0; k < nk; k++) {
        W += own[k].wall_s > 0 ? own[k].wall_s : 0;
        double c[PB_CAT_COUNT];
        pb_truth_categories(&own[k], c);
        for (int j = 0; j < PB_CAT_COUNT; j++)
            s->own_cat_s[j] += c[j];
    }
    /* A run with no measured time has no shares (NAN: ignored by medians). */
    for (size_t k = 0; k < nk; k++)
        s->own[k] = !(W > 0) ? NAN : own[k].wall_s > 0 ? own[k].wall_s / W : 0;
    if (!rep_s)
        return;
    double sum = 0;
    for (size_t k = 0; k < nk; k++)
        sum += rep_s[k] > 0 ? rep_s[k] : 0;
    double R = rep_total_s > sum ? rep_total_s : sum;
    if (!(R > 0))
        return;   /* an empty report: nothing to compare, as no report */
    s->has_report = 1;
    for (size_t k = 0; k < nk; k++)
        s->rep[k] = rep_s[k] > 0 ? rep_s[k] / R : 0;
    s->rep_other = (R - sum) / R;
    s->rep_cats = rep_cats & PB_CAT_ALL;
    for (int j = 0; j < PB_CAT_COUNT; j++)
        s->rep_cat_s[j] = rep_cat_s && (s->rep_cats & PB_CAT_BIT(j)) && rep_cat_s[j] > 0
                              ? rep_cat_s[j] : 0;
}

/* Which value of a run an estimator reads: key k (or category k), of its
 * own times or of its report. */
enum side { OWN, REP };

/* Share of category c over mask in one run's own or reported seconds; NAN
 * when the sum over the mask is 0. */
static double cat_share(const struct pb_run_shares *s, enum side side, unsigned mask, int c)
{
    const double *v = side == OWN ? s->own_cat_s : s->rep_cat_s;
    double sum = 0;
    for (int j = 0; j < PB_CAT_COUNT; j++)
        if (mask & PB_CAT_BIT(j))
            sum += v[j];
    return sum > 0 ? v[c] / sum : NAN;
}

static double value(const struct pb_run_shares *s, enum side side, unsigned cats, size_t k)
{
    if (cats)
        return cat_share(s, side, cats, (int)k);
    return side == OWN ? s->own[k] : s->rep[k];
}

static size_t at(const size_t *idx, size_t i)
{
    return idx ? idx[i] : i;
}

/* Median over runs[idx[0..n)] of a - b (b NULL: of a), where a and b are
 * the (side, key) values of each run; buf holds n doubles. */
static double median_of(const struct pb_run_shares *runs, const size_t *idx, size_t n,
                        enum side a, int paired, unsigned cats, size_t k, double *buf)
{
    for (size_t i = 0; i < n; i++) {
        const struct pb_run_shares *s = &runs[at(idx, i)];
        buf[i] = value(s, a, cats, k);
        if (paired)
            buf[i] -= value(s, OWN, cats, k);
    }
    return pb_median(buf, n);
}

double pb_accuracy_estimate(enum pb_accuracy_kind kind, enum pb_accuracy_over over,
                            unsigned cats, const struct pb_run_shares *runs, const size_t *ir,
                            size_t nr, const struct pb_run_shares *truth, const size_t *it,
                            size_t nt)
{
    if (!nr || (kind != PB_ACC_AE && !nt))
        return NAN;
    int needs_report = kind != PB_ACC_DE;
    /* The runs compared are those with a report (AE, TOTAL) or all (DE). */
    double r = NAN;
    size_t *use = pb_xcalloc(nr, sizeof(size_t));
    size_t n = 0;
    for (size_t i = 0; i < nr; i++)
        if (!needs_report || runs[at(ir, i)].has_report)
            use[n++] = at(ir, i);
    /* Over categories: the mask (never 0 past the check below), which
     * value() reads as "categories"; over keys: 0. */
    unsigned mask = over == PB_OVER_CATEGORIES ? cats & PB_CAT_ALL : 0;
    int ncat = 0;
    for (int j = 0; j < PB_CAT_COUNT; j++)
        ncat += (mask & PB_CAT_BIT(j)) != 0;
    size_t nk = mask ? PB_CAT_COUNT : n ? runs[use[0]].nk : 0;
    if (!n || (over == PB_OVER_CATEGORIES && ncat < 2))
        goto out;
    double *buf = pb_xcalloc((n > nt ? n : nt) + 1, sizeof(double));
    double d = 0;
    for (size_t k = 0; k < nk; k++) {
        if (mask && !(mask & PB_CAT_BIT(k)))
            continue;
        double x;
        if (kind == PB_ACC_AE) {
            x = median_of(runs, use, n, REP, 1, mask, k, buf);
        } else {
            double m = median_of(runs, use, n, kind == PB_ACC_DE ? OWN : REP, 0, mask, k, buf);
            x = m - median_of(truth, it, nt, OWN, 0, mask, k, buf);
        }
        d += fabs(x);
    }
    if (kind != PB_ACC_DE && !mask) {
        for (size_t i = 0; i < n; i++)
            buf[i] = runs[use[i]].rep_other;
        d += pb_median(buf, n);
    }
    free(buf);
    r = isfinite(d) ? 50 * d : NAN;
out:
    free(use);
    return r;
}

/* ------------------------------------------------ the causality check */

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

/* The four sets of a response resampled by index (pb_bootstrap_ci). */
static double response_at(const void *ctx, const size_t *const *idx, const size_t *n)
{
    const struct pb_response_samples *x = ctx;
    const double *src[4] = { x->s_base, x->s_var, x->t_base, x->t_var };
    double *dst[4];
    for (int k = 0; k < 4; k++) {
        dst[k] = pb_xcalloc(n[k] + 1, sizeof(double));
        for (size_t i = 0; i < n[k]; i++)
            dst[k][i] = src[k][idx[k][i]];
    }
    struct pb_response_samples y = { dst[0], dst[1], n[0], n[1], dst[2], dst[3], n[2], n[3] };
    double v = pb_response(&y);
    for (int k = 0; k < 4; k++)
        free(dst[k]);
    return v;
}

void pb_response_ci(const struct pb_response_samples *x, size_t resamples, double level,
                    uint64_t seed, double *lo, double *hi)
{
    *lo = *hi = NAN;
    if (!isfinite(pb_response(x)))
        return;
    const size_t n[4] = { x->ns_base, x->ns_var, x->nt_base, x->nt_var };
    pb_bootstrap_ci(response_at, x, 4, n, resamples, seed, level, lo, hi);
}
