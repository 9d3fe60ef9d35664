/* test_compare.c: the regression verdicts on hand-made per-round ratios, and
 * the JSON reader that loads result files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "../../harness/compare.h"
#include "../../harness/json_parse.h"
#include "../../harness/util.h"

/* n ratios around center with a +-spread pattern (deterministic). */
static void fill(double *x, size_t n, double center, double spread)
{
    for (size_t i = 0; i < n; i++)
        x[i] = center * (1 + spread * ((double)(i % 5) - 2) / 2);
}

/* A 20% slowdown with 1% noise fails; the interval is wholly above 5%. */
static void test_regression_fails(void **state)
{
    (void)state;
    double a[10], b[10];
    fill(a, 10, 1.5, 0.01);
    fill(b, 10, 1.8, 0.01);
    struct pb_change c;
    pb_compare_ratios(a, 10, b, 10, 0.05, &c);
    assert_int_equal(c.verdict, PB_VERDICT_FAIL);
    assert_true(fabs(c.change - 0.2) < 1e-9);
    assert_true(c.lo > 0.05 && c.hi > c.lo);
}

/* A 20% speed-up passes; noise alone passes; a 2% significant slowdown warns. */
static void test_pass_and_warn(void **state)
{
    (void)state;
    double a[10], b[10];
    struct pb_change c;
    fill(a, 10, 1.5, 0.01);
    fill(b, 10, 1.2, 0.01);
    pb_compare_ratios(a, 10, b, 10, 0.05, &c);
    assert_int_equal(c.verdict, PB_VERDICT_PASS);
    assert_true(c.hi < 0);
    fill(b, 10, 1.5, 0.01);
    b[0] = 1.52;
    pb_compare_ratios(a, 10, b, 10, 0.05, &c);
    assert_int_equal(c.verdict, PB_VERDICT_PASS);
    fill(b, 10, 1.53, 0.002);
    fill(a, 10, 1.5, 0.002);
    pb_compare_ratios(a, 10, b, 10, 0.05, &c);
    assert_int_equal(c.verdict, PB_VERDICT_WARN);
}

/* Walls of n rounds on a machine with slow periods (up to 1.6x, unpaired
 * between the two runs of a round): base b, profiled p = b * cost. */
static void walls(double *b, double *p, size_t n, double region, double cost, size_t shift)
{
    static const double slow[] = { 1.0, 1.3, 1.0, 1.6, 1.1, 1.0, 1.4, 1.0, 1.2, 1.05, 1.0, 1.5 };
    for (size_t i = 0; i < n; i++) {
        b[i] = region * slow[(i + shift) % 12];
        p[i] = region * cost * slow[(i * 5 + 3 + shift) % 12];
    }
}

/* The gate on paired walls uses the tables' estimator (the ratio of the
 * minima): the same cost measured twice on the wandering machine (5 fast
 * rounds in 12) passes with 20 rounds, with an interval around 0; with 12
 * the half-size resamples miss every fast round often enough that +5% may
 * not be ruled out, but it never fails. 1.2x the cost fails; too few rounds
 * is inconclusive. */
static void test_walls_gate(void **state)
{
    (void)state;
    double bb[20], bp[20], nb[20], np[20];
    struct pb_change c;
    walls(bb, bp, 20, 0.1, 1.5, 0);
    walls(nb, np, 20, 0.1, 1.5, 4);
    pb_compare_walls(bb, bp, 20, nb, np, 20, 0.05, &c);
    assert_true(fabs(c.change) < 1e-9);
    assert_true(c.lo <= 0 && 0 <= c.hi);
    assert_int_equal(c.verdict, PB_VERDICT_PASS);
    pb_compare_walls(bb, bp, 12, nb, np, 12, 0.05, &c);
    assert_true(c.lo <= 0 && 0 <= c.hi);
    assert_int_not_equal(c.verdict, PB_VERDICT_FAIL);
    walls(nb, np, 20, 0.1, 1.8, 4);
    pb_compare_walls(bb, bp, 20, nb, np, 20, 0.05, &c);
    assert_true(fabs(c.change - 0.2) < 1e-9);
    assert_int_equal(c.verdict, PB_VERDICT_FAIL);
    pb_compare_walls(bb, bp, 5, nb, np, 5, 0.05, &c);
    assert_int_equal(c.verdict, PB_VERDICT_INCONCLUSIVE);
}

/* Too few rounds, or too much noise to decide, is inconclusive. */
static void test_inconclusive(void **state)
{
    (void)state;
    double a[10], b[10];
    struct pb_change c;
    fill(a, 10, 1.5, 0.01);
    fill(b, 10, 1.8, 0.01);
    pb_compare_ratios(a, 8, b, 10, 0.05, &c);
    assert_int_equal(c.verdict, PB_VERDICT_INCONCLUSIVE);
    fill(a, 10, 1.5, 0.3);
    fill(b, 10, 1.55, 0.3);
    pb_compare_ratios(a, 10, b, 10, 0.05, &c);
    assert_int_equal(c.verdict, PB_VERDICT_INCONCLUSIVE);
    pb_compare_ratios(a, 0, b, 10, 0.05, &c);
    assert_int_equal(c.verdict, PB_VERDICT_INCONCLUSIVE);
    assert_true(isnan(c.change));
}

/* The JSON reader: values, escapes, nesting limit, and errors with position. */
static void test_json_reader(void **state)
{
    (void)state;
    const char *doc = "{\"a\": [1, -2.5e3, true, null], \"s\": \"x\\u00e9\\ud83d\\ude00\\n\"}";
    struct pb_jval v;
    char err[PB_ERRLEN];
    assert_int_equal(pb_json_parse(doc, strlen(doc), &v, err, sizeof(err)), 0);
    const struct pb_jval *a = pb_jval_get(&v, "a");
    assert_non_null(a);
    assert_int_equal(a->n, 4);
    assert_true(a->items[1].num == -2500);
    assert_int_equal(a->items[2].type, PB_J_BOOL);
    assert_int_equal(a->items[3].type, PB_J_NULL);
    assert_string_equal(pb_jval_str(&v, "s"), "x\xc3\xa9\xf0\x9f\x98\x80\n");
    pb_jval_release(&v);
    const char *bad[] = { "{\"a\": }", "[1, 2", "{\"a\" 1}", "01", "\"\\q\"", "[1] x", "",
                          "{\"a\": \"\x01\"}", NULL };
    for (int i = 0; bad[i]; i++) {
        if (pb_json_parse(bad[i], strlen(bad[i]), &v, err, sizeof(err)) == 0)
            fail_msg("accepted %s", bad[i]);
        assert_non_null(strstr(err, "line 1, column"));
    }
    char deep[300];
    memset(deep, '[', 200);
    deep[200] = '\0';
    assert_int_equal(pb_json_parse(deep, 200, &v, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "nested too deeply"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_regression_fails),
        cmocka_unit_test(test_walls_gate),
        cmocka_unit_test(test_pass_and_warn),
        cmocka_unit_test(test_inconclusive),
        cmocka_unit_test(test_json_reader),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
