/* verdict.c: the per-workload verdict (see verdict.h). */
#include "verdict.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int pb_verdict_fae_distinct(double a, double b, double floor_hi)
{
    if (!isfinite(a) || !isfinite(b) || !isfinite(floor_hi))
        return -1;
    return fabs(a - b) > floor_hi;
}

/* The overhead ratio and interval of cell (w, b); the interval is the ratio
 * itself when there is none (too few rounds). */
static void cost_of(const struct pb_results *res, size_t w, size_t b, double *r, double *lo,
                    double *hi)
{
    pb_cell_overhead(res, pb_results_cell(res, w, b), r, lo, hi);
    if (!isfinite(*lo) || !isfinite(*hi))
        *lo = *hi = *r;
}

/* The decimals overheads are printed with (pb_cell_texts). */
static int cost_prec(const struct pb_results *res)
{
    return res->metric == PB_METRIC_INSTRUCTIONS ? 4 : 2;
}

/* x rounded to prec decimals, as printed. */
static double round_to(double x, int prec)
{
    double m = pow(10, prec);
    return round(x * m) / m;
}

void pb_verdict_compute(const struct pb_results *res, size_t w, struct pb_verdict *v)
{
    const struct pb_config *cfg = res->cfg;
    int prec = cost_prec(res);
    memset(v, 0, sizeof(*v));
    v->workload = w;
    v->nbackends = cfg->nbackends;
    v->flags = pb_xcalloc(cfg->nbackends + 1, sizeof(unsigned));
    v->most_accurate = v->cheapest = -1;
    v->floor_hi = res->truth[w].floor_hi;
    double best_fae = INFINITY, best_cost = INFINITY;
    for (size_t b = 0; b < cfg->nbackends; b++) {
        if (!pb_results_cell_on(res, w, b) || !strcmp(cfg->backends[b].ops->kind, "none"))
            continue;
        const struct pb_cell *c = pb_results_cell(res, w, b);
        if (c->status != PB_CELL_OK)
            continue;
        v->flags[b] |= PB_VERDICT_CANDIDATE;
        v->ncandidates++;
        if (isfinite(c->fae_pp)) {
            v->flags[b] |= PB_VERDICT_HAS_FAE;
            v->nfae++;
            if (c->fae_pp < best_fae)
                best_fae = c->fae_pp, v->most_accurate = (long)b;
            if (pb_within_floor(c->fae_pp, v->floor_hi)) {
                v->flags[b] |= PB_VERDICT_IN_FLOOR;
                v->nin_floor++;
            }
        }
        double r, lo, hi;
        pb_cell_overhead(res, c, &r, &lo, &hi);
        if (isfinite(r)) {
            v->flags[b] |= PB_VERDICT_HAS_COST;
            v->ncost++;
            if (r < best_cost)
                best_cost = r, v->cheapest = (long)b;
            if (isfinite(lo) && isfinite(hi))
                v->flags[b] |= PB_VERDICT_HAS_CI;
            if (isfinite(lo) && isfinite(hi) && round_to(lo, prec) <= 1.0 &&
                round_to(hi, prec) >= 1.0) {
                v->flags[b] |= PB_VERDICT_NO_COST;
                v->nno_cost++;
            }
        }
    }
    double clo = NAN, chi = NAN, cr;
    if (v->cheapest >= 0)
        cost_of(res, w, (size_t)v->cheapest, &cr, &clo, &chi);
    for (size_t b = 0; b < cfg->nbackends; b++) {
        const struct pb_cell *c = pb_results_cell(res, w, b);
        if (v->flags[b] & PB_VERDICT_HAS_FAE) {
            /* the best itself always; others only with a floor to judge by */
            if ((long)b == v->most_accurate ||
                pb_verdict_fae_distinct(c->fae_pp, best_fae, v->floor_hi) == 0) {
                v->flags[b] |= PB_VERDICT_TIED_BEST;
                v->ntied_best++;
            }
        }
        if (v->flags[b] & PB_VERDICT_HAS_COST) {
            double r, lo, hi;
            cost_of(res, w, b, &r, &lo, &hi);
            int both_ci = (v->flags[b] & PB_VERDICT_HAS_CI) && v->cheapest >= 0 &&
                          (v->flags[v->cheapest] & PB_VERDICT_HAS_CI);
            if ((long)b == v->cheapest || (both_ci && lo <= chi && clo <= hi)) {
                v->flags[b] |= PB_VERDICT_TIED_CHEAPEST;
                v->ntied_cheapest++;
            }
        }
        if ((v->flags[b] & (PB_VERDICT_HAS_FAE | PB_VERDICT_HAS_COST)) !=
            (PB_VERDICT_HAS_FAE | PB_VERDICT_HAS_COST))
            continue;
        double r, lo, hi;
        cost_of(res, w, b, &r, &lo, &hi);
        int dominated = 0;
        for (size_t o = 0; o < cfg->nbackends && !dominated; o++) {
            if (o == b || (v->flags[o] & (PB_VERDICT_HAS_FAE | PB_VERDICT_HAS_COST)) !=
                              (PB_VERDICT_HAS_FAE | PB_VERDICT_HAS_COST))
                continue;
            double ro, olo, ohi, fo = pb_results_cell(res, w, o)->fae_pp;
            cost_of(res, w, o, &ro, &olo, &ohi);
            dominated = ro <= r && fo <= c->fae_pp && (ro < r || fo < c->fae_pp);
        }
        if (!dominated) {
            v->flags[b] |= PB_VERDICT_PARETO;
            v->npareto++;
        }
    }
}

void pb_verdict_release(struct pb_verdict *v)
{
    free(v->flags);
    v->flags = NULL;
}

/* Overhead text "1.23x [1.20-1.25]" (or "1.23x" without an interval). */
static void cost_text(const struct pb_results *res, size_t w, size_t b, struct pb_strbuf *sb)
{
    double r, lo, hi;
    pb_cell_overhead(res, pb_results_cell(res, w, b), &r, &lo, &hi);
    int prec = cost_prec(res);
    if (isfinite(lo) && isfinite(hi))
        pb_strbuf_addf(sb, "%.*fx [%.*f-%.*f]", prec, r, prec, lo, prec, hi);
    else
        pb_strbuf_addf(sb, "%.*fx", prec, r);
}

enum detail { D_NONE, D_FAE, D_COST, D_BOTH };

/* The backends with every bit of mask set but except (-1: none), in the
 * order given by idx (n entries): "a", "a and b", "a, b and c", each with
 * the figures d asks for. */
static void name_list(const struct pb_results *res, const struct pb_verdict *v,
                      const size_t *idx, size_t n, unsigned mask, long except, enum detail d,
                      struct pb_strbuf *sb)
{
    size_t total = 0, k = 0;
    for (size_t i = 0; i < n; i++)
        total += (v->flags[idx[i]] & mask) == mask && (long)idx[i] != except;
    for (size_t i = 0; i < n; i++) {
        size_t b = idx[i];
        if ((v->flags[b] & mask) != mask || (long)b == except)
            continue;
        if (k)
            pb_strbuf_adds(sb, k + 1 == total ? " and " : ", ");
        k++;
        pb_strbuf_adds(sb, res->cfg->backends[b].name);
        const struct pb_cell *c = pb_results_cell(res, v->workload, b);
        if (d == D_FAE)
            pb_strbuf_addf(sb, " (FAE %.1f pp)", c->fae_pp);
        else if (d == D_COST || d == D_BOTH) {
            pb_strbuf_adds(sb, " (");
            cost_text(res, v->workload, b, sb);
            if (d == D_BOTH)
                pb_strbuf_addf(sb, ", FAE %.1f pp", c->fae_pp);
            pb_strbuf_adds(sb, ")");
        }
    }
}

/* Backend indexes sorted by key (FAE or overhead), ties in config order. */
static size_t *sorted_by(const struct pb_results *res, size_t w, int by_cost)
{
    size_t n = res->cfg->nbackends, *idx = pb_xcalloc(n + 1, sizeof(size_t));
    double *key = pb_xcalloc(n + 1, sizeof(double));
    for (size_t b = 0; b < n; b++) {
        double r, lo, hi;
        pb_cell_overhead(res, pb_results_cell(res, w, b), &r, &lo, &hi);
        key[b] = by_cost ? r : pb_results_cell(res, w, b)->fae_pp;
        if (!isfinite(key[b]))
            key[b] = INFINITY;
        size_t i = b;
        for (; i > 0 && key[idx[i - 1]] > key[b]; i--)
            idx[i] = idx[i - 1];
        idx[i] = b;
    }
    free(key);
    return idx;
}

size_t pb_verdict_text(const struct pb_results *res, const struct pb_verdict *v,
                       const char *prefix, struct pb_strbuf *sb)
{
    const struct pb_config *cfg = res->cfg;
    size_t w = v->workload, n = cfg->nbackends, lines = 0;
    if (v->ncandidates == 0) {
        pb_strbuf_addf(sb, "%sNo profiler completed this workload: nothing to compare.\n",
                       prefix);
        return 1;
    }
    size_t *by_fae = sorted_by(res, w, 0), *by_cost = sorted_by(res, w, 1);
    int floor = isfinite(v->floor_hi);
    char fl[32];
    snprintf(fl, sizeof(fl), "%.1f pp", v->floor_hi);

    /* Most accurate. */
    const struct pb_truth *tr = &res->truth[w];
    int one_key = cfg->workloads[w].nphases == 1 && tr->nthreads == 0;
    pb_strbuf_addf(sb, "%sMost accurate: ", prefix);
    if (one_key && v->most_accurate >= 0) {
        pb_strbuf_adds(sb, "cannot be told by FAE: the workload has one phase and no "
                       "threads, so any report puts all of it there (see CE for the "
                       "categories).\n");
    } else if (v->most_accurate < 0) {
        pb_strbuf_adds(sb, "no profiler has a FAE here (no report, or the reports "
                       "cannot be compared).\n");
    } else {
        size_t best = (size_t)v->most_accurate;
        double fae = pb_results_cell(res, w, best)->fae_pp;
        if (v->nin_floor >= 2) {
            name_list(res, v, by_fae, n, PB_VERDICT_IN_FLOOR, -1, D_FAE, sb);
            pb_strbuf_addf(sb, " are all inside the noise floor (FAE <= %s): not "
                           "distinguishable from each other or from unprofiled runs.", fl);
            pb_strbuf_adds(sb, "\n");
        } else {
            pb_strbuf_addf(sb, "%s (FAE %.1f pp%s)", cfg->backends[best].name, fae,
                           v->flags[best] & PB_VERDICT_IN_FLOOR ? ", inside the noise floor"
                                                                 : "");
            if (!floor)
                pb_strbuf_adds(sb, "; without a noise floor (no `none` row) it cannot be "
                               "told whether the differences are real.\n");
            else if (v->ntied_best >= 2) {
                pb_strbuf_adds(sb, ", not distinguishable from ");
                name_list(res, v, by_fae, n, PB_VERDICT_TIED_BEST, (long)best, D_FAE, sb);
                pb_strbuf_addf(sb, ": within the noise floor (%s) of it.\n", fl);
            } else if (v->nfae >= 2)
                pb_strbuf_addf(sb, ", ahead of the others by more than the noise floor "
                               "(%s).\n", fl);
            else
                pb_strbuf_adds(sb, ", the only profiler with a FAE.\n");
        }
    }
    lines++;

    /* Cheapest. */
    pb_strbuf_addf(sb, "%sCheapest: ", prefix);
    if (v->cheapest < 0) {
        pb_strbuf_adds(sb, "no profiler has an overhead figure here.\n");
    } else {
        size_t best = (size_t)v->cheapest;
        pb_strbuf_addf(sb, "%s (", cfg->backends[best].name);
        cost_text(res, w, best, sb);
        pb_strbuf_adds(sb, ")");
        if (v->ntied_cheapest >= 2) {
            pb_strbuf_adds(sb, ", not distinguishable from ");
            name_list(res, v, by_cost, n, PB_VERDICT_TIED_CHEAPEST, (long)best, D_NONE, sb);
            pb_strbuf_adds(sb, " (overlapping 95% intervals)");
        }
        pb_strbuf_adds(sb, ". ");
        if (v->nno_cost) {
            pb_strbuf_adds(sb, "No measurable cost (interval contains 1.0): ");
            name_list(res, v, by_cost, n, PB_VERDICT_NO_COST, -1, D_NONE, sb);
            pb_strbuf_adds(sb, ".\n");
        } else {
            size_t nci = 0;
            for (size_t b = 0; b < n; b++)
                nci += (v->flags[b] & PB_VERDICT_HAS_CI) != 0;
            if (nci == 0)
                pb_strbuf_adds(sb, "No overhead interval (too few rounds): whether a cost is "
                               "measurable cannot be told.\n");
            else if (nci < v->ncost)
                pb_strbuf_adds(sb, "Every profiler with an interval costs measurably (none "
                               "contains 1.0).\n");
            else
                pb_strbuf_adds(sb, v->ncost >= 2 ? "Every profiler costs measurably (no "
                                                   "interval contains 1.0).\n"
                                                 : "Its cost is measurable (its interval "
                                                   "does not contain 1.0).\n");
        }
    }
    lines++;

    /* Trade-off (none where FAE cannot tell backends apart: that is cost). */
    if (v->npareto && !one_key) {
        pb_strbuf_addf(sb, "%sBest trade-off", prefix);
        if (v->npareto == 1) {
            pb_strbuf_adds(sb, ": ");
            name_list(res, v, by_cost, n, PB_VERDICT_PARETO, -1, D_BOTH, sb);
            pb_strbuf_adds(sb, v->nfae >= 2 ? ", no other profiler is cheaper or more "
                                              "accurate.\n"
                                            : ", the only one with both figures.\n");
        } else {
            pb_strbuf_adds(sb, "s (Pareto front of overhead and FAE, cheapest first): ");
            name_list(res, v, by_cost, n, PB_VERDICT_PARETO, -1, D_BOTH, sb);
            pb_strbuf_adds(sb, "; every other profiler is beaten on both.\n");
        }
        lines++;
    }

    /* Which FAE differences are inside the floor: the pairs not both inside
     * it (those were named above); no line when there are no others. */
    if (v->nfae >= 2 && floor && !one_key && v->nin_floor < v->nfae) {
        pb_strbuf_addf(sb, "%sFAE differences inside the noise floor (at most %s apart, "
                       "not evidence that one attributes better)%s: ", prefix, fl,
                       v->nin_floor >= 2 ? ", besides those inside the floor" : "");
        size_t pairs = 0;
        for (size_t i = 0; i < n; i++)
            for (size_t j = i + 1; j < n; j++) {
                size_t a = by_fae[i], b = by_fae[j];
                if (!(v->flags[a] & PB_VERDICT_HAS_FAE) || !(v->flags[b] & PB_VERDICT_HAS_FAE) ||
                    (v->flags[a] & v->flags[b] & PB_VERDICT_IN_FLOOR))
                    continue;
                if (pb_verdict_fae_distinct(pb_results_cell(res, w, a)->fae_pp,
                                            pb_results_cell(res, w, b)->fae_pp,
                                            v->floor_hi) != 0)
                    continue;
                pb_strbuf_addf(sb, "%s%s vs %s", pairs ? ", " : "", cfg->backends[a].name,
                               cfg->backends[b].name);
                pairs++;
            }
        pb_strbuf_adds(sb, pairs ? ".\n" : "none; every other pair differs by more.\n");
        lines++;
    }
    free(by_fae);
    free(by_cost);
    return lines;
}
