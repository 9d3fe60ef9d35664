/*
 * stats.h: robust summaries of per-round figures.
 *
 * Medians and distribution-free confidence intervals of the median from
 * order statistics (no normality assumption; valid for the ratios of noisy
 * wall times). NAN is returned or stored where a figure does not exist
 * (no data); NAN inputs are ignored.
 */
#ifndef PB_STATS_H
#define PB_STATS_H

#include <stddef.h>

/* Median of the finite values of x (x is not modified). NAN when none. */
double pb_median(const double *x, size_t n);

/* Confidence interval of the median at the given level (0.95) from order
 * statistics: the widest-inner pair x(k), x(n+1-k) whose binomial coverage
 * P(k <= B < n+1-k), B ~ Bin(n, 1/2), is at least level. When n is too small
 * for that level (n < 6 at 95%) the interval is [min, max] and *coverage tells
 * the coverage actually achieved. lo/hi are NAN when there is no data. */
void pb_median_ci(const double *x, size_t n, double level,
                  double *lo, double *hi, double *coverage);

/* Arithmetic mean and sample standard deviation (n-1) of the finite values. */
double pb_mean(const double *x, size_t n);
double pb_stddev(const double *x, size_t n);

/* Number of finite values in x. */
size_t pb_count_finite(const double *x, size_t n);

#endif
