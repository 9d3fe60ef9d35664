/* test_stats.c: medians and order-statistic intervals against known values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>

#include "../../harness/stats.h"

#define NEAR(a, b) assert_true(fabs((a) - (b)) < 1e-4)

/* Medians of odd and even counts; NAN values are ignored; none is NAN. */
static void test_median(void **state)
{
    (void)state;
    double odd[] = { 5, 1, 3 };
    double even[] = { 4, 1, 3, 2 };
    double with_nan[] = { NAN, 7, NAN };
    assert_true(pb_median(odd, 3) == 3);
    assert_true(pb_median(even, 4) == 2.5);
    assert_true(pb_median(with_nan, 3) == 7);
    assert_true(isnan(pb_median(with_nan, 1)));
    assert_true(isnan(pb_median(NULL, 0)));
    assert_true(odd[0] == 5);   /* input untouched */
}

/* 95% intervals: n = 9 -> x(2)..x(8), 96.09%; n = 10 -> x(2)..x(9), 97.85%;
 * n = 20 -> x(6)..x(15), 95.86%; n = 5 -> [min, max], 93.75%; n = 1 -> x. */
static void test_median_ci(void **state)
{
    (void)state;
    double x[20];
    for (int i = 0; i < 20; i++)
        x[i] = 20 - i;          /* reverse order: the function sorts */
    double lo, hi, cov;
    double nine[9] = { 9, 8, 7, 6, 5, 4, 3, 2, 1 };
    pb_median_ci(nine, 9, 0.95, &lo, &hi, &cov);
    assert_true(lo == 2 && hi == 8);
    NEAR(cov, 0.9609);
    double ten[10] = { 10, 9, 8, 7, 6, 5, 4, 3, 2, 1 };
    pb_median_ci(ten, 10, 0.95, &lo, &hi, &cov);
    assert_true(lo == 2 && hi == 9);
    NEAR(cov, 0.9785);
    pb_median_ci(x, 20, 0.95, &lo, &hi, &cov);
    assert_true(lo == 6 && hi == 15);
    NEAR(cov, 0.9586);
    double five[5] = { 3, 1, 2, 5, 4 };
    pb_median_ci(five, 5, 0.95, &lo, &hi, &cov);
    assert_true(lo == 1 && hi == 5);
    NEAR(cov, 0.9375);
    double one[1] = { 7 };
    pb_median_ci(one, 1, 0.95, &lo, &hi, &cov);
    assert_true(lo == 7 && hi == 7 && cov == 0);
    pb_median_ci(NULL, 0, 0.95, &lo, &hi, &cov);
    assert_true(isnan(lo) && isnan(hi));
}

/* Mean and sample standard deviation. */
static void test_mean_stddev(void **state)
{
    (void)state;
    double x[] = { 2, 4, 4, 4, 5, 5, 7, 9, NAN };
    assert_true(pb_mean(x, 9) == 5);
    NEAR(pb_stddev(x, 9), 2.13809);
    assert_int_equal(pb_count_finite(x, 9), 8);
    assert_true(isnan(pb_stddev(x, 1)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_median),
        cmocka_unit_test(test_median_ci),
        cmocka_unit_test(test_mean_stddev),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
