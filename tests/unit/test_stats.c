/* test_stats.c: medians and order-statistic intervals against known values
 * (coverages from exact binomial sums, computed separately with Python's
 * math.comb). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>

#include "../../harness/stats.h"

#define NEAR(a, b, eps) do { if (fabs((a) - (b)) > (eps)) \
    fail_msg("%.12g != %.12g", (double)(a), (double)(b)); } while (0)

/* 1..n in a scrambled order, so that x(k) = k after sorting. You own it. */
static double *ranks(size_t n)
{
    double *x = malloc(n * sizeof(*x));
    assert_non_null(x);
    for (size_t i = 0; i < n; i++)
        x[i] = (double)((i * 7919 % n) + 1);   /* 7919 is prime, coprime to n */
    return x;
}

/* Medians of odd and even counts; NAN and infinite values are ignored; no
 * finite value gives NAN; the input is not reordered. */
static void test_median(void **state)
{
    (void)state;
    double odd[] = { 5, 1, 3 };
    double even[] = { 4, 1, 3, 2 };
    double with_nan[] = { NAN, 7, NAN };
    double with_inf[] = { INFINITY, 1, 2, -INFINITY, 3 };
    double none[] = { NAN, INFINITY };
    assert_true(pb_median(odd, 3) == 3);
    assert_true(pb_median(even, 4) == 2.5);
    assert_true(pb_median(with_nan, 3) == 7);
    assert_true(pb_median(with_inf, 5) == 2);
    assert_true(isnan(pb_median(with_nan, 1)));
    assert_true(isnan(pb_median(none, 2)));
    assert_true(isnan(pb_median(NULL, 0)));
    assert_true(odd[0] == 5 && odd[1] == 1 && odd[2] == 3);
}

/* 95% intervals of small samples: n = 9 -> x(2)..x(8), 96.09%;
 * n = 10 -> x(2)..x(9), 97.85%; n = 20 -> x(6)..x(15), 95.86%;
 * n = 6 -> [min, max], 96.88% (the first n that reaches 95%);
 * n = 5 -> [min, max] and only 93.75%; n = 2 -> [min, max], 50%;
 * n = 1 -> [x, x] with coverage 0; no data -> NAN. */
static void test_median_ci_small(void **state)
{
    (void)state;
    static const struct {
        size_t n, lo, hi;
        double coverage;
    } cases[] = {
        { 9, 2, 8, 0.9609375 },      { 10, 2, 9, 0.978515625 },
        { 20, 6, 15, 0.958610534668 }, { 6, 1, 6, 0.96875 },
        { 5, 1, 5, 0.9375 },         { 2, 1, 2, 0.5 },
        { 1, 1, 1, 0 },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        double *x = ranks(cases[i].n);
        double lo, hi, cov;
        pb_median_ci(x, cases[i].n, 0.95, &lo, &hi, &cov);
        if (lo != (double)cases[i].lo || hi != (double)cases[i].hi)
            fail_msg("n=%zu: [%g, %g], want [%zu, %zu]", cases[i].n, lo, hi, cases[i].lo,
                     cases[i].hi);
        NEAR(cov, cases[i].coverage, 1e-9);
        free(x);
    }
    double lo = 0, hi = 0, cov = 1;
    pb_median_ci(NULL, 0, 0.95, &lo, &hi, &cov);
    assert_true(isnan(lo) && isnan(hi));
    assert_true(cov == 0);
}

/* NAN inputs are dropped before the order statistics are taken: nine
 * finite values among NANs give the n = 9 interval. */
static void test_median_ci_nan(void **state)
{
    (void)state;
    double x[] = { NAN, 9, 8, NAN, 7, 6, 5, 4, NAN, 3, 2, 1, NAN };
    double lo, hi, cov;
    pb_median_ci(x, sizeof(x) / sizeof(x[0]), 0.95, &lo, &hi, &cov);
    assert_true(lo == 2 && hi == 8);
    NEAR(cov, 0.9609375, 1e-9);
    double only_nan[] = { NAN, NAN };
    pb_median_ci(only_nan, 2, 0.95, &lo, &hi, &cov);
    assert_true(isnan(lo) && isnan(hi));
}

/* Large samples, where the binomial terms underflow one by one and the sum
 * must still be exact to many digits: n = 100 -> x(40)..x(61), 96.48%;
 * n = 1000 -> x(469)..x(532), 95.37%; n = 3000 -> x(1446)..x(1555), 95.34%;
 * and another level, n = 100 at 99% -> x(37)..x(64), 99.34%. */
static void test_median_ci_large(void **state)
{
    (void)state;
    static const struct {
        size_t n;
        double level;
        size_t lo, hi;
        double coverage;
    } cases[] = {
        { 100, 0.95, 40, 61, 0.964799799782 },
        { 1000, 0.95, 469, 532, 0.953708802640 },
        { 3000, 0.95, 1446, 1555, 0.953433550618 },
        { 100, 0.99, 37, 64, 0.993362879484 },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        double *x = ranks(cases[i].n);
        double lo, hi, cov;
        pb_median_ci(x, cases[i].n, cases[i].level, &lo, &hi, &cov);
        if (lo != (double)cases[i].lo || hi != (double)cases[i].hi)
            fail_msg("n=%zu: [%g, %g], want [%zu, %zu]", cases[i].n, lo, hi, cases[i].lo,
                     cases[i].hi);
        NEAR(cov, cases[i].coverage, 1e-9);
        assert_true(cov >= cases[i].level);
        free(x);
    }
}

/* Mean and sample standard deviation of the finite values. */
static void test_mean_stddev(void **state)
{
    (void)state;
    double x[] = { 2, 4, 4, 4, 5, 5, 7, 9, NAN };
    assert_true(pb_mean(x, 9) == 5);
    NEAR(pb_stddev(x, 9), sqrt(32.0 / 7), 1e-12);
    assert_int_equal(pb_count_finite(x, 9), 8);
    assert_true(isnan(pb_stddev(x, 1)));
    assert_true(isnan(pb_mean(x + 8, 1)));
    assert_int_equal(pb_count_finite(NULL, 0), 0);
}

/* Quantiles interpolate between order statistics: of 1..5, q 0 is the
 * minimum, 1 the maximum, .5 the median, .25 the second value, .1 is 1.4;
 * NAN values are ignored; nothing finite is NAN. */
static void test_quantile(void **state)
{
    (void)state;
    double x[] = { 5, NAN, 1, 3, 2, 4 };
    NEAR(pb_quantile(x, 6, 0), 1, 1e-12);
    NEAR(pb_quantile(x, 6, 1), 5, 1e-12);
    NEAR(pb_quantile(x, 6, 0.5), 3, 1e-12);
    NEAR(pb_quantile(x, 6, 0.25), 2, 1e-12);
    NEAR(pb_quantile(x, 6, 0.1), 1.4, 1e-12);
    double none[] = { NAN };
    assert_true(isnan(pb_quantile(none, 1, 0.5)));
}

/* Latency figures of one serving window: quantiles of the finite
 * latencies, throughput = finite latencies per second of window. */
static void test_latency_summarise(void **state)
{
    (void)state;
    /* 100 latencies 1..100 ms and a NAN (ignored) */
    double lat[101];
    for (int i = 0; i < 100; i++)
        lat[i] = (100 - i) * 1e-3;
    lat[100] = NAN;
    struct pb_latency l;
    pb_latency_summarise(lat, 101, 2.0, &l);
    NEAR(l.p50_s, 50.5e-3, 1e-12);
    NEAR(l.p99_s, 99.01e-3, 1e-12);     /* 0.99 * 99 = 98.01: 99 ms + 0.01 of 1 ms */
    NEAR(l.max_s, 100e-3, 1e-12);
    NEAR(l.throughput_rps, 50, 1e-12);
    pb_latency_summarise(lat, 1, 0.5, &l);   /* one request */
    NEAR(l.p50_s, 0.1, 1e-12);
    NEAR(l.p99_s, 0.1, 1e-12);
    NEAR(l.throughput_rps, 2, 1e-12);
    pb_latency_summarise(lat, 0, 1.0, &l);   /* none */
    assert_true(isnan(l.p50_s) && isnan(l.p99_s) && isnan(l.max_s));
    assert_true(isnan(l.throughput_rps));
    pb_latency_summarise(lat, 10, 0, &l);     /* no window */
    assert_true(isnan(l.throughput_rps) && isfinite(l.p99_s));
}

static double mean_of(const void *ctx, const size_t *const *idx, const size_t *n)
{
    const double *x = ctx;
    double s = 0;
    for (size_t i = 0; i < n[0]; i++)
        s += x[idx[0][i]];
    return s / (double)n[0];
}

/* Difference of the means of two samples stored one after the other:
 * x[0..n0) then x[n0..n0+n1) (ctx points at {x, n0}). */
struct two { const double *x; size_t n0; };

static double mean_diff(const void *ctx, const size_t *const *idx, const size_t *n)
{
    const struct two *t = ctx;
    double a = 0, b = 0;
    for (size_t i = 0; i < n[0]; i++)
        a += t->x[idx[0][i]];
    for (size_t i = 0; i < n[1]; i++)
        b += t->x[t->n0 + idx[1][i]];
    return b / (double)n[1] - a / (double)n[0];
}

static double abs_mean(const void *ctx, const size_t *const *idx, const size_t *n)
{
    return fabs(mean_of(ctx, idx, n));
}

static double always_nan(const void *ctx, const size_t *const *idx, const size_t *n)
{
    (void)ctx, (void)idx, (void)n;
    return NAN;
}

/* The bootstrap interval of a mean: it contains the sample mean, lies
 * within the data's range, is the same for the same seed, shrinks to a
 * point for constant data, and is NAN when the statistic cannot be had.
 * For 0..99 (sd 29.0) the standard error of the mean is about 2.9: a 95%
 * interval about +-5.7 wide on each side; generous bounds. */
static void test_bootstrap(void **state)
{
    (void)state;
    double x[100];
    for (int i = 0; i < 100; i++)
        x[i] = i;
    double lo, hi, lo2, hi2;
    size_t n100 = 100, n5 = 5, n0 = 0;
    pb_bootstrap_ci(mean_of, x, 1, &n100, 2000, 42, 0.95, &lo, &hi);
    assert_true(lo < 49.5 && 49.5 < hi);
    assert_true(hi - lo > 2 * 4.0 && hi - lo < 2 * 8.0);
    pb_bootstrap_ci(mean_of, x, 1, &n100, 2000, 42, 0.95, &lo2, &hi2);
    assert_true(lo == lo2 && hi == hi2);
    double c[5] = { 3, 3, 3, 3, 3 };
    pb_bootstrap_ci(mean_of, c, 1, &n5, 100, 1, 0.95, &lo, &hi);
    NEAR(lo, 3, 1e-12);
    NEAR(hi, 3, 1e-12);
    pb_bootstrap_ci(always_nan, x, 1, &n100, 100, 1, 0.95, &lo, &hi);
    assert_true(isnan(lo) && isnan(hi));
    pb_bootstrap_ci(mean_of, x, 1, &n0, 100, 1, 0.95, &lo, &hi);
    assert_true(isnan(lo) && isnan(hi));
    /* two samples, resampled independently: 0..49 and 50..99, difference
     * of means 50 with two standard errors of about 2.0 each */
    struct two t = { x, 50 };
    const size_t sizes[2] = { 50, 50 };
    pb_bootstrap_ci(mean_diff, &t, 2, sizes, 2000, 7, 0.95, &lo, &hi);
    assert_true(lo < 50 && 50 < hi && hi - lo < 2 * 8.0);
    /* a distance near 0 (|mean| of data centred on 0 is 0 here, and more
     * than 0 in almost every resample): the interval is widened to hold the
     * figure, not shown beside it */
    double centred[100];
    for (int i = 0; i < 100; i++)
        centred[i] = i - 49.5;
    pb_bootstrap_ci(abs_mean, centred, 1, &n100, 2000, 5, 0.95, &lo, &hi);
    NEAR(lo, 0, 1e-12);
    assert_true(hi > 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quantile),
        cmocka_unit_test(test_latency_summarise),
        cmocka_unit_test(test_bootstrap),
        cmocka_unit_test(test_median),
        cmocka_unit_test(test_median_ci_small),
        cmocka_unit_test(test_median_ci_nan),
        cmocka_unit_test(test_median_ci_large),
        cmocka_unit_test(test_mean_stddev),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
