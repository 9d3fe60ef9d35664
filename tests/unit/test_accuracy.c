/* test_accuracy.c: the accuracy arithmetic of MEASURE.md against hand-computed
 * values, with reports produced by a scripted fake backend through the
 * backend interface. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../harness/accuracy.h"
#include "../../harness/util.h"
#include "fake_backend.h"

#define NEAR(a, b) do { if (fabs((a) - (b)) > 1e-9) fail_msg("%.12g != %.12g", (double)(a), (double)(b)); } while (0)

static const struct pb_phase_ident phases[3] = {
    { "/w/mixed.py", "f1" }, { "/w/mixed.py", "f2" }, { "/w/mixed.py", "f3" },
};

/* The seed's mixed truth: 0.22 s python, 0.36 s native, 0.42 s sleeping. */
static const struct pb_phase_truth truth[3] = {
    { 0.22, 0.22, 0.0, PB_CAT_PYTHON },
    { 0.36, 0.36, 0.0, PB_CAT_NATIVE },
    { 0.42, 0.0, 0.0, PB_CAT_SYSTEM },
};

/* Collect a scripted report through the vtable and attribute it. */
static void run_fake(const struct fake_entry *e, size_t n, unsigned cats, double total,
                     struct pb_attribution *a)
{
    char err[PB_ERRLEN];
    void *st;
    struct pb_report r;
    fake_backend_script(e, n, cats, total);
    assert_int_equal(fake_backend.create(&st, NULL, err, sizeof(err)), 0);
    assert_int_equal(fake_backend.start(st, err, sizeof(err)), 0);
    assert_int_equal(fake_backend.stop(st, err, sizeof(err)), 0);
    pb_report_init(&r);
    assert_int_equal(fake_backend.collect(st, &r, err, sizeof(err)), 0);
    fake_backend.destroy(st);
    pb_attribute(&r, phases, 3, a);
    pb_report_release(&r);
}

/* A report equal to the truth scores 0 on both. */
static void test_perfect(void **state)
{
    (void)state;
    struct fake_entry e[] = {
        { "/w/mixed.py", "f1", 0.22, 0.22, { 0.22, 0, 0 } },
        { "/w/mixed.py", "f2", 0.36, 0.0, { 0, 0, 0 } },
        { "<built-in>", "sum", 0.36, 0.36, { 0, 0.36, 0 } },
        { "/w/mixed.py", "f3", 0.42, 0.42, { 0, 0, 0.42 } },
    };
    struct pb_attribution a;
    run_fake(e, 4, PB_CAT_ALL, 0, &a);
    NEAR(a.total_s, 1.0);   /* sum of self */
    NEAR(a.other_s, 0);
    NEAR(pb_fae(truth, 3, &a), 0);
    NEAR(pb_ce(truth, 3, &a), 0);
}

/* pyinstrument-like shares 31/32/36 with 1% elsewhere:
 * FAE = 50 * (|.31-.22| + |.32-.36| + |.36-.42| + .01) = 50 * .20 = 10.
 * Categories 31/32/37: CE = 50 * (.09 + .04 + .05) = 9. */
static void test_seed_numbers(void **state)
{
    (void)state;
    struct fake_entry e[] = {
        { "/w/mixed.py", "f1", 0.31, 0.31, { 0.31, 0, 0 } },
        { "/w/mixed.py", "f2", 0.32, 0.32, { 0, 0.32, 0 } },
        { "/w/mixed.py", "f3", 0.36, 0.36, { 0, 0, 0.36 } },
        { "/lib/x.py", "harness", 0.01, 0.01, { 0, 0, 0.01 } },
    };
    struct pb_attribution a;
    run_fake(e, 4, PB_CAT_ALL, 1.0, &a);
    NEAR(a.other_s, 0.01);
    NEAR(pb_fae(truth, 3, &a), 10.0);
    NEAR(pb_ce(truth, 3, &a), 9.0);
}

/* Everything outside the phases: FAE 100. A missed phase: its share counts. */
static void test_outside_and_missed(void **state)
{
    (void)state;
    struct fake_entry out[] = { { "/elsewhere.py", "loop", 1.0, 1.0, { 1, 0, 0 } } };
    struct pb_attribution a;
    run_fake(out, 1, PB_CAT_ALL, 0, &a);
    NEAR(pb_fae(truth, 3, &a), 100.0);
    /* only f1 and f2 seen, in true proportion 22:36 */
    struct fake_entry part[] = {
        { "/w/mixed.py", "f1", 0.22, 0.22, { 0.22, 0, 0 } },
        { "/w/mixed.py", "f2", 0.36, 0.36, { 0, 0.36, 0 } },
    };
    run_fake(part, 2, PB_CAT_ALL, 0, &a);
    /* shares .3793/.6207/0 vs .22/.36/.42: 50 * (.1593 + .2607 + .42) = 42 */
    NEAR(pb_fae(truth, 3, &a), 42.0);
    /* an empty report has nothing to compare */
    run_fake(NULL, 0, PB_CAT_ALL, 0, &a);
    assert_true(isnan(pb_fae(truth, 3, &a)));
}

/* CE over two categories renormalises both sides; one category is n/a. */
static void test_ce_restricted(void **state)
{
    (void)state;
    /* python+native only; truth python .22, native .36 -> .3793/.6207.
     * reported .5/.5: CE = 50 * (.1207 + .1207) = 12.07 */
    struct fake_entry e[] = {
        { "/w/mixed.py", "f1", 0.5, 0.5, { 0.5, 0, 0 } },
        { "/w/mixed.py", "f2", 0.5, 0.5, { 0, 0.5, 0 } },
    };
    struct pb_attribution a;
    run_fake(e, 2, PB_CAT_BIT(PB_CAT_PYTHON) | PB_CAT_BIT(PB_CAT_NATIVE), 0, &a);
    NEAR(pb_ce(truth, 3, &a), 50 * 2 * (0.5 - 0.22 / 0.58));
    run_fake(e, 2, PB_CAT_BIT(PB_CAT_PYTHON), 0, &a);
    assert_true(isnan(pb_ce(truth, 3, &a)));
}

/* Phase functions match through another spelling of the same file. */
static void test_match_by_real_path(void **state)
{
    (void)state;
    char dir[] = "/tmp/pb-accuracy-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char file[256], other[256];
    snprintf(file, sizeof(file), "%s/w.py", dir);
    snprintf(other, sizeof(other), "%s/./w.py", dir);
    FILE *f = fopen(file, "w");
    assert_non_null(f);
    fclose(f);
    struct pb_phase_ident id[1] = { { file, "f1" } };
    struct pb_report r;
    pb_report_init(&r);
    pb_report_add(&r, other, 1, "f1", 0)->inclusive_s = 1.0;
    pb_report_add(&r, "<string>", 1, "f1", 0)->inclusive_s = 0.5;
    r.entries[0].self_s = 1.0;
    r.entries[1].self_s = 0.5;
    struct pb_attribution a;
    pb_attribute(&r, id, 1, &a);
    NEAR(a.phase_s[0], 1.0);
    NEAR(a.other_s, 0.5);
    pb_report_release(&r);
    unlink(file);
    rmdir(dir);
}

/* Truth categories and the sanity check of declarations. */
static void test_truth(void **state)
{
    (void)state;
    double c[PB_CAT_COUNT];
    struct pb_phase_truth sys = { 0.5, 0.02, 0.1, PB_CAT_SYSTEM };
    pb_truth_categories(&sys, c);
    NEAR(c[PB_CAT_NATIVE], 0.02);           /* user part of a system phase */
    NEAR(c[PB_CAT_SYSTEM], 0.48);           /* kernel 0.1 + off-CPU 0.38 */
    NEAR(c[PB_CAT_PYTHON], 0);
    struct pb_phase_truth over = { 1.0, 0.8, 0.3, PB_CAT_PYTHON };
    pb_truth_categories(&over, c);
    NEAR(c[PB_CAT_SYSTEM], 0.3);            /* off-CPU clamped at 0 */
    char buf[160];
    struct pb_phase_truth bad = { 1.0, 0.62, 0, PB_CAT_PYTHON };
    assert_string_equal(pb_truth_check(&bad, buf, sizeof(buf)),
                        "declared python but only 62% of wall is user CPU");
    struct pb_phase_truth busy = { 1.0, 0.8, 0, PB_CAT_SYSTEM };
    assert_string_equal(pb_truth_check(&busy, buf, sizeof(buf)),
                        "declared system but 80% of wall is user CPU");
    assert_null(pb_truth_check(&truth[0], buf, sizeof(buf)));
    assert_null(pb_truth_check(&truth[2], buf, sizeof(buf)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_perfect),
        cmocka_unit_test(test_seed_numbers),
        cmocka_unit_test(test_outside_and_missed),
        cmocka_unit_test(test_ce_restricted),
        cmocka_unit_test(test_match_by_real_path),
        cmocka_unit_test(test_truth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
