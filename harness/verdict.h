/*
 * verdict.h: a short verdict per workload, generated from the summarised
 * numbers only (no judgement is hand-written): which backend attributes time
 * most accurately, which costs least, which are the best trade-offs, and
 * which differences are too small to mean anything.
 *
 * Candidates are the workload's selected cells with status ok whose backend
 * is a profiler (kind other than `none`: that row is the A/A control that
 * defines the noise floor, not a contender).
 *
 *   accuracy    by FAE (lower is better); only candidates with a finite FAE.
 *               Two FAEs closer than the floor (the upper end of the `none`
 *               row's interval, truth->floor_hi) are not distinguishable:
 *               unprofiled runs differ from the truth by that much. A FAE at
 *               or below the floor is "inside the floor" (pb_within_floor).
 *   cost        by the overhead ratio of the results' metric
 *               (pb_cell_overhead); "no measurable cost" when its 95%
 *               interval, rounded as the tables print it, contains 1.0. Two
 *               candidates whose intervals overlap are not distinguishable.
 *   trade-off   the Pareto front of (overhead, FAE): candidates with both
 *               figures that no other candidate beats on one and matches or
 *               beats on the other.
 */
#ifndef PB_VERDICT_H
#define PB_VERDICT_H

#include <stddef.h>

#include "results.h"
#include "util.h"

/* Per-backend flags of a verdict. */
enum {
    PB_VERDICT_CANDIDATE = 1 << 0,   /* an ok profiler cell of the workload */
    PB_VERDICT_HAS_FAE = 1 << 1,     /* a candidate with a finite FAE */
    PB_VERDICT_HAS_COST = 1 << 2,    /* a candidate with a finite overhead */
    PB_VERDICT_IN_FLOOR = 1 << 3,    /* FAE inside the noise floor */
    PB_VERDICT_TIED_BEST = 1 << 4,   /* FAE within the floor of the lowest FAE
                                        (the most accurate one included) */
    PB_VERDICT_NO_COST = 1 << 5,     /* overhead interval (as printed)
                                        contains 1.0 */
    PB_VERDICT_TIED_CHEAPEST = 1 << 6, /* interval overlaps the cheapest's
                                          (the cheapest included) */
    PB_VERDICT_PARETO = 1 << 7,      /* on the overhead / FAE Pareto front */
    PB_VERDICT_HAS_CI = 1 << 8,      /* a candidate with an overhead interval
                                        (none with too few rounds: it is then
                                        neither free nor tied with another) */
};

struct pb_verdict {
    size_t workload;
    size_t nbackends;            /* entries of flags: cfg->nbackends */
    unsigned *flags;             /* per backend index, PB_VERDICT_* */
    long most_accurate;          /* lowest FAE (first in config order on a
                                    tie), -1 when no candidate has one */
    long cheapest;               /* lowest overhead, -1 when none has one */
    double floor_hi;             /* truth's floor_hi, NAN without a floor */
    size_t ncandidates, nfae, ncost, nin_floor, ntied_best, nno_cost,
           ntied_cheapest, npareto;
};

/* Compute the verdict of workload w (res must be summarised). Release with
 * pb_verdict_release(). */
void pb_verdict_compute(const struct pb_results *res, size_t w, struct pb_verdict *v);
void pb_verdict_release(struct pb_verdict *v);

/* Are two FAEs distinguishable given the floor? 0 when |a - b| <= floor_hi,
 * 1 when they differ by more, -1 when either or the floor is not finite. */
int pb_verdict_fae_distinct(double a, double b, double floor_hi);

/* The verdict as plain-text sentences, one per line, each prefixed with
 * prefix (e.g. "- " for Markdown); backend names are given as they are (the
 * caller escapes the text for its format). Appends to sb; returns the number
 * of lines. */
size_t pb_verdict_text(const struct pb_results *res, const struct pb_verdict *v,
                       const char *prefix, struct pb_strbuf *sb);

#endif
