/*
 * overhead.h: the overhead estimators (docs/METHOD.md, "Overhead").
 *
 * Input: per measured round, the baseline run's and the profiled run's
 * figure (region wall seconds, or process CPU seconds) of one cell. The
 * machine's speed drifts between runs by up to 1.7x for seconds at a time;
 * slow periods only ever add time, so the fastest runs of each side are the
 * ones least disturbed. The estimator the tables use, PB_EST_MIN_RATIO, was
 * chosen by measurement among the candidates below (`pyprof-bench
 * estimators RESULTS.json` prints them all): the narrowest A/A intervals
 * that still contain 1.0, and the closest recovery of a known injected cost.
 */
#ifndef PB_OVERHEAD_H
#define PB_OVERHEAD_H

#include <stddef.h>

enum pb_estimator {
    PB_EST_MIN_RATIO,      /* min(prof) / min(base): the chosen one */
    PB_EST_Q25_RATIO,      /* ratio of the lower quartiles */
    PB_EST_LOW_HALF_RATIO, /* ratio of the means of each side's faster half */
    PB_EST_MEDIAN_RATIO,   /* median of the per-round ratios prof_i / base_i */
    PB_EST_PROBE_RATIO,    /* median of per-round ratios, each run's time
                              divided by its speed probe (pb_speed_probe) */
    PB_EST_COUNT
};

/* "min-ratio", "q25-ratio", ... */
const char *pb_estimator_name(enum pb_estimator e);

/* Fewest rounds for an interval: below it the interval is NAN (a
 * bootstrap of two or three rounds says nothing). */
#define PB_OVERHEAD_MIN_ROUNDS 5

/* The overhead ratio of rounds 0..n) with the estimator e and its 95%
 * percentile-bootstrap interval (rounds resampled as pairs, seed fixes the
 * resamples). Non-finite or non-positive values are ignored. probe_base
 * and probe_prof (each run's mean speed probe, seconds) are read only by
 * PB_EST_PROBE_RATIO and may be NULL otherwise. ratio is NAN without data,
 * lo and hi NAN with fewer than PB_OVERHEAD_MIN_ROUNDS rounds. */
void pb_overhead_estimate_with(enum pb_estimator e, const double *base, const double *prof,
                               const double *probe_base, const double *probe_prof, size_t n,
                               unsigned long long seed, double *ratio, double *lo, double *hi);

/* The estimator e over the rounds idx[0..n) (NULL: 0..n), no interval:
 * what a bootstrap resamples. Probe arrays as above. */
double pb_overhead_ratio_at(enum pb_estimator e, const double *base, const double *prof,
                            const double *probe_base, const double *probe_prof,
                            const size_t *idx, size_t n);

/* Draws per bootstrap resample of n rounds for estimator e: ceil(n/2) for
 * the ratio of minima (an m-out-of-n bootstrap: measured A/A coverage of
 * the ordinary one was 16 of 20 here, of the half-size one 18 of 20; see
 * docs/METHOD.md), n for the others. */
size_t pb_overhead_resample_size(enum pb_estimator e, size_t n);

/* The tables' estimator: pb_overhead_estimate_with(PB_EST_MIN_RATIO, ...). */
void pb_overhead_estimate(const double *base, const double *prof, size_t n,
                          unsigned long long seed, double *ratio, double *lo, double *hi);

#endif
