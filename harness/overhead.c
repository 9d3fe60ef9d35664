/* overhead.c: overhead ratios and their intervals (see overhead.h). */
#include "overhead.h"

#include <math.h>
#include <stdlib.h>

#include "stats.h"
#include "util.h"

#define RESAMPLES 2000

const char *pb_estimator_name(enum pb_estimator e)
{
    switch (e) {
    case PB_EST_MIN_RATIO: return "min-ratio";
    case PB_EST_Q25_RATIO: return "q25-ratio";
    case PB_EST_LOW_HALF_RATIO: return "low-half-ratio";
    case PB_EST_MEDIAN_RATIO: return "median-ratio";
    case PB_EST_PROBE_RATIO: return "probe-ratio";
    case PB_EST_COUNT: break;
    }
    return "?";
}

struct rounds {
    enum pb_estimator e;
    const double *base, *prof, *pbase, *pprof;
};

static int usable(double x)
{
    return isfinite(x) && x > 0;
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

/* Mean of the faster half (the ceil(m/2) smallest) of x[0..m), m >= 1;
 * x is reordered. */
static double low_half_mean(double *x, size_t m)
{
    qsort(x, m, sizeof(double), cmp_double);
    size_t k = (m + 1) / 2;
    double s = 0;
    for (size_t i = 0; i < k; i++)
        s += x[i];
    return s / (double)k;
}

/* The estimator over the rounds idx[0..n) (NULL: 0..n). */
static double stat(const struct rounds *r, const size_t *idx, size_t n)
{
    double *a = pb_xcalloc(n + 1, sizeof(double));
    double *b = pb_xcalloc(n + 1, sizeof(double));
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        size_t k = idx ? idx[i] : i;
        double x = r->base[k], y = r->prof[k];
        if (!usable(x) || !usable(y))
            continue;
        if (r->e == PB_EST_PROBE_RATIO) {
            if (!usable(r->pbase[k]) || !usable(r->pprof[k]))
                continue;
            x /= r->pbase[k];
            y /= r->pprof[k];
        }
        a[m] = x;
        b[m] = y;
        m++;
    }
    double v = NAN;
    switch (r->e) {
    case PB_EST_MIN_RATIO:
        v = m ? pb_quantile(b, m, 0) / pb_quantile(a, m, 0) : NAN;
        break;
    case PB_EST_Q25_RATIO:
        v = m ? pb_quantile(b, m, 0.25) / pb_quantile(a, m, 0.25) : NAN;
        break;
    case PB_EST_LOW_HALF_RATIO:
        v = m ? low_half_mean(b, m) / low_half_mean(a, m) : NAN;
        break;
    case PB_EST_MEDIAN_RATIO:
    case PB_EST_PROBE_RATIO:
        for (size_t i = 0; i < m; i++)
            b[i] /= a[i];
        v = pb_median(b, m);
        break;
    case PB_EST_COUNT:
        break;
    }
    free(a);
    free(b);
    return v;
}

double pb_overhead_ratio_at(enum pb_estimator e, const double *base, const double *prof,
                            const double *probe_base, const double *probe_prof,
                            const size_t *idx, size_t n)
{
    if (e == PB_EST_PROBE_RATIO && (!probe_base || !probe_prof))
        return NAN;
    struct rounds r = { e, base, prof, probe_base, probe_prof };
    return stat(&r, idx, n);
}

size_t pb_overhead_resample_size(enum pb_estimator e, size_t n)
{
    return e == PB_EST_MIN_RATIO ? (n + 1) / 2 : n;
}

static double boot_stat(const void *ctx, const size_t *const *idx, const size_t *n)
{
    return stat(ctx, idx[0], n[0]);
}

void pb_overhead_estimate_with(enum pb_estimator e, const double *base, const double *prof,
                               const double *probe_base, const double *probe_prof, size_t n,
                               unsigned long long seed, double *ratio, double *lo, double *hi)
{
    struct rounds r = { e, base, prof, probe_base, probe_prof };
    *ratio = *lo = *hi = NAN;
    if (!n || (e == PB_EST_PROBE_RATIO && (!probe_base || !probe_prof)))
        return;
    *ratio = stat(&r, NULL, n);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        m += usable(base[i]) && usable(prof[i]);
    if (isfinite(*ratio) && m >= PB_OVERHEAD_MIN_ROUNDS) {
        /* the minimum's ordinary bootstrap is too narrow: half-size
         * resamples for it (stats.h), ordinary ones for the others */
        size_t half = pb_overhead_resample_size(e, n);
        pb_bootstrap_ci_m(boot_stat, &r, 1, &n, &half, RESAMPLES, seed, 0.95, lo, hi);
    }
}

void pb_overhead_estimate(const double *base, const double *prof, size_t n,
                          unsigned long long seed, double *ratio, double *lo, double *hi)
{
    pb_overhead_estimate_with(PB_EST_MIN_RATIO, base, prof, NULL, NULL, n, seed, ratio, lo, hi);
}
