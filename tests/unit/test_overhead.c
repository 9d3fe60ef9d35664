/* test_overhead.c: the overhead estimators on synthetic rounds with known
 * answers: a machine whose speed wanders (slow periods only add time), a
 * known injected cost, and the A/A case. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>

#include "../../harness/overhead.h"

#define NEAR(a, b, eps) do { if (fabs((a) - (b)) > (eps)) \
    fail_msg("%.12g != %.12g", (double)(a), (double)(b)); } while (0)

#define N 20

/* Slowdown of round i's baseline and profiled runs: 1.0 in fast periods, up
 * to 1.7 in slow ones, different for the two runs of a round (they run
 * seconds apart), from a fixed pattern. */
static double slow(size_t i, int side)
{
    static const double f[] = { 1.0, 1.3, 1.0, 1.7, 1.1, 1.0, 1.5, 1.0, 1.2, 1.0 };
    return f[(i * 3 + (size_t)side * 7) % 10];
}

/* A cost of 1.25x on a 0.1 s region, measured on the wandering machine: the
 * ratio of the minima is exact (each side has fast rounds), its interval
 * contains it, and the median of per-round ratios is thrown off by the
 * unpaired slow periods. */
static void test_min_ratio_recovers_a_known_cost(void **state)
{
    (void)state;
    double base[N], prof[N], r, lo, hi;
    for (size_t i = 0; i < N; i++) {
        base[i] = 0.1 * slow(i, 0);
        prof[i] = 0.125 * slow(i, 1);
    }
    pb_overhead_estimate(base, prof, N, 7, &r, &lo, &hi);
    NEAR(r, 1.25, 1e-12);
    assert_true(lo <= r && r <= hi);
    assert_true(hi - lo < 0.5);
    double m, mlo, mhi;
    pb_overhead_estimate_with(PB_EST_MEDIAN_RATIO, base, prof, NULL, NULL, N, 7, &m, &mlo,
                              &mhi);
    assert_true(mhi - mlo > hi - lo);
}

/* A/A: the same machine for both sides gives 1.0 and an interval that
 * contains it. */
static void test_aa_contains_one(void **state)
{
    (void)state;
    double base[N], prof[N], r, lo, hi;
    for (size_t i = 0; i < N; i++) {
        base[i] = 0.2 * slow(i, 0);
        prof[i] = 0.2 * slow(i, 1);
    }
    pb_overhead_estimate(base, prof, N, 1, &r, &lo, &hi);
    NEAR(r, 1.0, 1e-12);
    assert_true(lo <= 1.0 && 1.0 <= hi);
}

/* A probe that saw each run's slowdown cancels it exactly: per-round
 * ratios of probe-normalised times are all 1.25. */
static void test_probe_ratio_cancels_drift(void **state)
{
    (void)state;
    double base[N], prof[N], pb[N], pp[N], r, lo, hi;
    for (size_t i = 0; i < N; i++) {
        base[i] = 0.1 * slow(i, 0);
        prof[i] = 0.125 * slow(i, 1);
        pb[i] = 0.002 * slow(i, 0);
        pp[i] = 0.002 * slow(i, 1);
    }
    pb_overhead_estimate_with(PB_EST_PROBE_RATIO, base, prof, pb, pp, N, 3, &r, &lo, &hi);
    NEAR(r, 1.25, 1e-12);
    NEAR(lo, 1.25, 1e-12);
    NEAR(hi, 1.25, 1e-12);
    /* without probes it has no figure */
    pb_overhead_estimate_with(PB_EST_PROBE_RATIO, base, prof, NULL, NULL, N, 3, &r, &lo, &hi);
    assert_true(isnan(r));
}

/* Too few rounds for an interval: the ratio stands, lo and hi are NAN;
 * failed rounds (NAN, 0) are ignored; no data at all is NAN. */
static void test_few_rounds_and_bad_values(void **state)
{
    (void)state;
    double base[6] = { 0.1, 0.1, NAN, 0.1, 0, 0.1 };
    double prof[6] = { 0.2, 0.3, 0.2, 0.25, 0.2, NAN };
    double r, lo, hi;
    pb_overhead_estimate(base, prof, 6, 1, &r, &lo, &hi);
    NEAR(r, 2.0, 1e-12);   /* rounds 0, 1, 3 are usable: min 0.2 / min 0.1 */
    assert_true(isnan(lo) && isnan(hi));
    pb_overhead_estimate(base, prof, 0, 1, &r, &lo, &hi);
    assert_true(isnan(r) && isnan(lo) && isnan(hi));
    /* lower quartiles: prof q25 of {0.2, 0.3, 0.25} is 0.225 over 0.1 */
    pb_overhead_estimate_with(PB_EST_Q25_RATIO, base, prof, NULL, NULL, 6, 1, &r, &lo, &hi);
    NEAR(r, 2.25, 1e-12);
    assert_string_equal(pb_estimator_name(PB_EST_MIN_RATIO), "min-ratio");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_min_ratio_recovers_a_known_cost),
        cmocka_unit_test(test_aa_contains_one),
        cmocka_unit_test(test_probe_ratio_cancels_drift),
        cmocka_unit_test(test_few_rounds_and_bad_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
