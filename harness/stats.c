/* stats.c: medians and order-statistic intervals (see stats.h). */
#include "stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The finite values of x, sorted; *m receives their count. You own it. */
static double *sorted_finite(const double *x, size_t n, size_t *m)
{
    double *s = pb_xmalloc((n ? n : 1) * sizeof(double));
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i]))
            s[k++] = x[i];
    qsort(s, k, sizeof(double), cmp_double);
    *m = k;
    return s;
}

size_t pb_count_finite(const double *x, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += isfinite(x[i]) != 0;
    return k;
}

double pb_median(const double *x, size_t n)
{
    size_t m;
    double *s = sorted_finite(x, n, &m);
    double r = NAN;
    if (m)
        r = m % 2 ? s[m / 2] : (s[m / 2 - 1] + s[m / 2]) / 2;
    free(s);
    return r;
}

/* P(B = k) for B ~ Bin(n, 1/2). */
static double binom_half(size_t n, size_t k)
{
    return exp(lgamma((double)n + 1) - lgamma((double)k + 1) - lgamma((double)(n - k) + 1) -
               (double)n * log(2.0));
}

void pb_median_ci(const double *x, size_t n, double level, double *lo, double *hi,
                  double *coverage)
{
    size_t m;
    double *s = sorted_finite(x, n, &m);
    *lo = *hi = NAN;
    *coverage = 0;
    if (!m) {
        free(s);
        return;
    }
    /* [x(k), x(m+1-k)] (1-based) covers the median with probability
     * 1 - 2 P(B <= k-1); it shrinks as k grows. Take the largest k whose
     * coverage is still >= level, or k = 1 ([min, max]) when none is. */
    size_t best = 1;
    double tail = 0, best_cov = 0;
    for (size_t k = 1; k <= m + 1 - k; k++) {
        tail += binom_half(m, k - 1);
        double cov = 1 - 2 * tail;
        if (k == 1)
            best_cov = cov;
        else if (cov >= level) {
            best = k;
            best_cov = cov;
        }
        if (cov < level)
            break;
    }
    *lo = s[best - 1];
    *hi = s[m - best];
    *coverage = best_cov > 0 ? best_cov : 0;
    free(s);
}

double pb_mean(const double *x, size_t n)
{
    double sum = 0;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i])) {
            sum += x[i];
            k++;
        }
    return k ? sum / (double)k : NAN;
}

double pb_stddev(const double *x, size_t n)
{
    size_t k = pb_count_finite(x, n);
    if (k < 2)
        return NAN;
    double mean = pb_mean(x, n), ss = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i]))
            ss += (x[i] - mean) * (x[i] - mean);
    return sqrt(ss / (double)(k - 1));
}

double pb_quantile(const double *x, size_t n, double q)
{
    size_t m;
    double *s = sorted_finite(x, n, &m);
    double r = NAN;
    if (m) {
        q = q < 0 ? 0 : q > 1 ? 1 : q;
        double pos = q * (double)(m - 1);
        size_t i = (size_t)pos;
        double frac = pos - (double)i;
        r = i + 1 < m ? s[i] + (s[i + 1] - s[i]) * frac : s[i];
    }
    free(s);
    return r;
}

void pb_latency_summarise(const double *lat, size_t n, double window_s,
                          struct pb_latency *out)
{
    size_t k = pb_count_finite(lat, n);
    out->p50_s = pb_quantile(lat, n, 0.5);
    out->p99_s = pb_quantile(lat, n, 0.99);
    out->max_s = pb_quantile(lat, n, 1);
    out->throughput_rps = k && window_s > 0 ? (double)k / window_s : NAN;
}

/* splitmix64: a seeded generator whose streams do not depend on the C
 * library, so an interval is the same on every machine. */
static unsigned long long splitmix(unsigned long long *s)
{
    unsigned long long z = (*s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

void pb_bootstrap_ci(pb_stat_fn fn, const void *ctx, size_t k, const size_t *n,
                     size_t resamples, unsigned long long seed, double level, double *lo,
                     double *hi)
{
    pb_bootstrap_ci_m(fn, ctx, k, n, n, resamples, seed, level, lo, hi);
}

void pb_bootstrap_ci_m(pb_stat_fn fn, const void *ctx, size_t k, const size_t *n,
                       const size_t *m, size_t resamples, unsigned long long seed, double level,
                       double *lo, double *hi)
{
    *lo = *hi = NAN;
    if (!k || k > PB_BOOT_MAX_SAMPLES || !n[0] || !m[0] || !resamples)
        return;
    size_t *idx[PB_BOOT_MAX_SAMPLES], size[PB_BOOT_MAX_SAMPLES];
    for (size_t j = 0; j < k; j++) {
        size[j] = n[j] ? (m[j] < n[j] ? m[j] : n[j]) : 0;
        idx[j] = pb_xcalloc(n[j] + 1, sizeof(size_t));
        for (size_t i = 0; i < n[j]; i++)
            idx[j][i] = i;
    }
    /* The statistic on the samples themselves: the figure the interval is
     * reported with. */
    double theta = fn(ctx, (const size_t *const *)idx, n);
    double *v = pb_xcalloc(resamples, sizeof(double));
    unsigned long long s = seed;
    for (size_t r = 0; r < resamples; r++) {
        for (size_t j = 0; j < k; j++)
            for (size_t i = 0; i < size[j]; i++)
                idx[j][i] = (size_t)(splitmix(&s) % n[j]);
        v[r] = fn(ctx, (const size_t *const *)idx, size);
    }
    if (2 * pb_count_finite(v, resamples) >= resamples) {
        *lo = pb_quantile(v, resamples, (1 - level) / 2);
        *hi = pb_quantile(v, resamples, (1 + level) / 2);
        /* A distance near 0 is larger in almost every resample (|noise| > 0),
         * so its percentiles can lie wholly above the figure itself: the
         * interval is widened to hold it rather than shown beside it. */
        if (isfinite(theta) && theta < *lo)
            *lo = theta;
        if (isfinite(theta) && theta > *hi)
            *hi = theta;
    }
    for (size_t j = 0; j < k; j++)
        free(idx[j]);
    free(v);
}
