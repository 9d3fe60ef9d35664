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

/* The q-quantile (0 <= q <= 1) of the finite values of x, linear between
 * order statistics (q = 0 is the minimum, 0.5 the median). NAN when none. */
double pb_quantile(const double *x, size_t n, double q);

/* The latency figures of one serving window (a `server` workload, docs/
 * METHOD.md "Latency under load"): lat[0..n) are the seconds each request
 * took, client side, from its scheduled send to its response (non-finite
 * values are ignored); window_s the seconds the window lasted, from the
 * first scheduled send to the last response. p50_s and p99_s are
 * pb_quantile() at 0.5 and 0.99, max_s the largest, all seconds (NAN
 * without a finite latency); throughput_rps is the finite latencies per
 * second of window (NAN when window_s is not > 0 or no latency is finite). */
struct pb_latency {
    double p50_s, p99_s, max_s;
    double throughput_rps;
};
void pb_latency_summarise(const double *lat, size_t n, double window_s,
                          struct pb_latency *out);

/* The most samples a bootstrap resamples together. */
#define PB_BOOT_MAX_SAMPLES 4

/* A statistic of k independent samples given by indices: idx[j][0..n[j])
 * into sample j. It returns NAN when it cannot be computed from that
 * resample. */
typedef double (*pb_stat_fn)(const void *ctx, const size_t *const *idx, const size_t *n);

/* Percentile bootstrap interval of fn at the given level (0.95): each of the
 * k samples (k <= PB_BOOT_MAX_SAMPLES, sizes n[j], a size 0 is left empty)
 * is resampled with replacement, independently, `resamples` times from a
 * generator seeded with seed (the same seed gives the same interval); lo and
 * hi are the (1-level)/2 and (1+level)/2 quantiles of the finite results,
 * widened to hold fn of the samples themselves when it lies outside them (a
 * distance near 0 is larger in almost every resample).
 * NAN when a sample of size 0 is the first, or fewer than half of the
 * resamples give a finite value. */
void pb_bootstrap_ci(pb_stat_fn fn, const void *ctx, size_t k, const size_t *n,
                     size_t resamples, unsigned long long seed, double level, double *lo,
                     double *hi);

/* The same with resamples of m[j] <= n[j] draws from sample j (the
 * m-out-of-n bootstrap; fn gets m as the sizes). For a statistic such as a
 * minimum, whose ordinary bootstrap is too narrow (the resampled minimum is
 * the sample's own in 63% of resamples), m = n/2 gives an interval that errs
 * wide: the minimum of fewer draws varies more. */
void pb_bootstrap_ci_m(pb_stat_fn fn, const void *ctx, size_t k, const size_t *n,
                       const size_t *m, size_t resamples, unsigned long long seed, double level,
                       double *lo, double *hi);

#endif
