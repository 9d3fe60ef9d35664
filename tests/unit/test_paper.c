/* test_paper.c: the paper table's data file (paper.h): the shipped file
 * parses with its rows, malformed files are refused with the line, and the
 * median and max over workloads carry their intervals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "../../harness/paper.h"

static int parse(const char *text, struct pb_paper *p, char *err, size_t errlen)
{
    return pb_paper_parse("t.txt", text, strlen(text), p, err, errlen);
}

/* The shipped data file: twelve profilers with the paper's figures, the
 * citation, line_profiler with no backend, cProfile's max on pprint. */
static void test_shipped_file(void **state)
{
    (void)state;
    struct pb_paper p;
    char err[512] = "";
    int rc = pb_paper_load("configs/papers/scalene-osdi23.txt", &p, err, sizeof(err));
    if (rc < 0)
        fail_msg("%s", err);
    assert_int_equal(p.nrows, 12);
    assert_non_null(strstr(p.citation, "OSDI 2023"));
    assert_non_null(strstr(p.setup, "3.10.9"));
    assert_string_equal(p.rows[0].profiler, "Austin");
    assert_true(p.rows[0].median == 1.00 && isnan(p.rows[0].max));
    int seen = 0;
    for (size_t i = 0; i < p.nrows; i++) {
        if (!strcmp(p.rows[i].profiler, "cProfile")) {
            assert_string_equal(p.rows[i].backend, "cprofile");
            assert_true(p.rows[i].median == 1.73 && p.rows[i].max == 2.63);
            assert_string_equal(p.rows[i].max_on, "pprint");
            seen |= 1;
        }
        if (!strcmp(p.rows[i].profiler, "line_profiler")) {
            assert_string_equal(p.rows[i].backend, "line_profiler");
            assert_true(p.rows[i].median == 2.21 && p.rows[i].max == 11.59);
            seen |= 2;
        }
    }
    assert_int_equal(seen, 3);
}

/* Comments, blanks, a trailing "x" and the optional fields. */
static void test_parse_minimal(void **state)
{
    (void)state;
    struct pb_paper p;
    char err[512] = "";
    int rc = parse("# c\n\ncitation = A paper\nrow = T | t | 1.5x\n"
                   "  row = U |  | 2 | 3.25x | b  \n", &p, err, sizeof(err));
    if (rc < 0)
        fail_msg("%s", err);
    assert_int_equal(p.nrows, 2);
    assert_string_equal(p.setup, "");
    assert_true(p.rows[0].median == 1.5 && isnan(p.rows[0].max));
    assert_string_equal(p.rows[0].max_on, "");
    assert_string_equal(p.rows[1].backend, "");
    assert_true(p.rows[1].max == 3.25);
    assert_string_equal(p.rows[1].max_on, "b");
}

/* Each malformed file is refused with its line and what is wrong. */
static void test_parse_errors(void **state)
{
    (void)state;
    static const struct { const char *text, *want; } cases[] = {
        { "row = T | t | 1\n", "t.txt: no citation" },
        { "citation = A\n", "t.txt: no row" },
        { "citation = A\nrow = T | t | fast\n", "t.txt:2: median must be" },
        { "citation = A\nrow = T | t | 0\n", "t.txt:2: median must be" },
        { "citation = A\nrow = T | t | 1 | -2\n", "t.txt:2: max must be" },
        { "citation = A\nrow = T | t\n", "t.txt:2: a row needs" },
        { "citation = A\nrow = T | t | 1 | 2 | b | c\n", "t.txt:2: a row has at most 5" },
        { "citation = A\nrow =  | t | 1\n", "t.txt:2: the profiler's name is empty" },
        { "citation = A\nrow = T | t | 1\nrow = T | u | 2\n", "t.txt:3: profiler 'T' given twice" },
        { "citation = A\ncitation = B\n", "t.txt:2: citation given twice" },
        { "citation = A\ntitle = B\n", "t.txt:2: unknown key 'title'" },
        { "citation = A\njust text\n", "t.txt:2: expected KEY = VALUE" },
        { "citation =\n", "t.txt:1: citation must be" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct pb_paper p;
        char err[512] = "";
        assert_int_equal(parse(cases[i].text, &p, err, sizeof(err)), -1);
        if (strncmp(err, cases[i].want, strlen(cases[i].want)))
            fail_msg("case %zu: '%s' does not start with '%s'", i, err, cases[i].want);
    }
    struct pb_paper p;
    char err[512] = "";
    assert_int_equal(pb_paper_load("no/such/file.txt", &p, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "no/such/file.txt"));
}

/* Median and max with the intervals pushed through them; an interval
 * missing on one workload leaves both without one. */
static void test_stats(void **state)
{
    (void)state;
    const double r[] = { 1.2, 3.0, 1.0, 2.0 };
    const double lo[] = { 1.1, 2.5, 0.9, 1.8 };
    const double hi[] = { 1.3, 3.6, 1.1, 2.4 };
    struct pb_paper_stats st;
    pb_paper_stats(r, lo, hi, 4, &st);
    assert_true(fabs(st.median - 1.6) < 1e-12);
    assert_true(fabs(st.median_lo - 1.45) < 1e-12);
    assert_true(fabs(st.median_hi - 1.85) < 1e-12);
    assert_true(st.max == 3.0 && st.max_lo == 2.5 && st.max_hi == 3.6);
    assert_int_equal(st.argmax, 1);
    const double lo2[] = { 1.1, NAN, 0.9, 1.8 };
    pb_paper_stats(r, lo2, hi, 4, &st);
    assert_true(fabs(st.median - 1.6) < 1e-12 && st.max == 3.0);
    assert_true(isnan(st.median_lo) && isnan(st.median_hi));
    assert_true(isnan(st.max_lo) && isnan(st.max_hi));
    pb_paper_stats(r, lo, hi, 1, &st);
    assert_true(st.median == 1.2 && st.max == 1.2 && st.median_lo == 1.1 && st.max_hi == 1.3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shipped_file),
        cmocka_unit_test(test_parse_minimal),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_stats),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
