/* test_flatmap.c: flat profiles mapped to phases by reachability
 * (accuracy.h pb_attribute_flat, reach.h): the arithmetic against values
 * computed by hand in the comments, the reach map's file format, and the
 * recorder (the internal "reach" backend) on tests/e2e/workloads/flat.py in
 * an embedded interpreter. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

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
#include "../../harness/backend.h"
#include "../../harness/reach.h"
#include "../../harness/util.h"
#include "pyembed.h"

#define FLAT "tests/e2e/workloads/flat.py"

#define NEAR(a, b) do { if (fabs((a) - (b)) > 1e-9) \
    fail_msg("%.12g != %.12g", (double)(a), (double)(b)); } while (0)

/* Add an entry with inclusive and self seconds, all of it python. */
static void add(struct pb_report *r, const char *file, const char *name, int line, double incl,
                double self)
{
    struct pb_report_entry *e = pb_report_add(r, file, line, name, 0);
    e->inclusive_s = incl;
    e->self_s = self;
    e->cat_s[PB_CAT_PYTHON] = self;
}

/* FAE of one run's attribution against one truth run, as summary.c gets it
 * (pb_results_run_shares): an attribution whose R_other is NAN (n/a) is no
 * report, so no figure. */
static double fae_vs_truth(const struct pb_phase_truth *truth, size_t n, const struct pb_attribution *a)
{
    if (!isfinite(a->other_s))
        return NAN;
    struct pb_run_shares run, tr;
    pb_shares_fill(&run, n, truth, a->phase_s, a->total_s, a->categories, a->cat_s);
    pb_shares_fill(&tr, n, truth, NULL, 0, 0, NULL);
    return pb_accuracy_estimate(PB_ACC_TOTAL, PB_OVER_KEYS, 0, &run, NULL, 1, &tr, NULL, 1);
}

static const struct pb_phase_ident one[1] = { { "/w/call_heavy.py", "call_heavy" } };
static const struct pb_phase_ident two[2] = { { "/w/flat.py", "a" }, { "/w/flat.py", "b" } };

/* call_heavy: a flat profile names only fib (0.10 s) and a harness line
 * (0.01 s). Without the map the phase gets nothing: FAE = 50 * (1 + 1) = 100.
 * With it fib is the phase's: R = 0.11, R_p = 0.10, R_other = 0.01,
 * FAE = 50 * (|0.10/0.11 - 1| + 0.01/0.11) = 50 * 0.02/0.11 = 9.0909... */
static void test_one_phase(void **st)
{
    (void)st;
    struct pb_report r;
    pb_report_init(&r);
    add(&r, "/w/call_heavy.py", "fib", 8, 0.10, 0.10);
    add(&r, "/lib/harness.py", "run", 3, 0.01, 0.01);
    struct pb_reach_map map = { NULL, 0, 0 };
    pb_reach_map_add(&map, "/w/call_heavy.py", "call_heavy", 12, 0);
    pb_reach_map_add(&map, "/w/call_heavy.py", "fib", 8, 0);
    const struct pb_phase_truth truth[1] = { { 0.1, 0.1, 0, PB_CAT_PYTHON } };

    struct pb_attribution a;
    struct pb_flat_result fr;
    pb_attribute_flat(&r, one, 1, NULL, 0, &a, &fr);
    assert_false(fr.applied);
    NEAR(a.phase_s[0], 0);
    NEAR(fae_vs_truth(truth, 1, &a), 100);

    pb_attribute_flat(&r, one, 1, &map, 0, &a, &fr);
    assert_true(fr.applied);
    assert_int_equal(fr.mapped, 1);
    assert_int_equal(fr.ambiguous, 0);
    assert_false(fr.fae_na);
    NEAR(a.phase_s[0], 0.10);
    NEAR(a.other_s, 0.01);
    NEAR(a.total_s, 0.11);
    NEAR(fae_vs_truth(truth, 1, &a), 50 * 0.02 / 0.11);
    char note[256];
    pb_flat_note(&fr, &r, one, 1, note, sizeof(note));
    assert_string_equal(note, "flat profile: 1 entry mapped to phases by reachability");
    pb_report_release(&r);

    /* With threads known: fib on the main thread (TID 100) is the phase's,
     * fib on thread 101 (0.05 s) is that thread's key's, not mapped. */
    pb_report_init(&r);
    add(&r, "/w/call_heavy.py", "fib", 8, 0.10, 0.10);
    r.entries[0].thread = 100;
    add(&r, "/w/call_heavy.py", "fib", 8, 0.05, 0.05);
    r.entries[1].thread = 101;
    pb_attribute_flat(&r, one, 1, &map, 100, &a, &fr);
    assert_int_equal(fr.mapped, 1);
    NEAR(a.phase_s[0], 0.10);
    NEAR(a.other_s, 0.05);
    pb_reach_map_release(&map);
    pb_report_release(&r);
}

/* Two phases, line-level entries: helper_a's lines 10 and 11 (0.2 + 0.1 s)
 * are phase a's, helper_b's line 20 (0.3 s) phase b's, a's own line (0.05 s)
 * matches phase a directly, x (0.05 s) is reached by no phase.
 * R_a = 0.05 + 0.3 = 0.35, R_b = 0.3, R_other = 0.05, R = 0.7.
 * Truth 0.4 / 0.3 (T = 0.7): FAE = 50 * (0.05/0.7 + 0 + 0.05/0.7) = 7.142857... */
static void test_two_phases_lines(void **st)
{
    (void)st;
    struct pb_report r;
    pb_report_init(&r);
    add(&r, "/w/flat.py", "helper_a", 10, 0.2, 0.2);
    add(&r, "/w/flat.py", "helper_a", 11, 0.1, 0.1);
    add(&r, "/w/flat.py", "helper_b", 20, 0.3, 0.3);
    add(&r, "/w/flat.py", "a", 31, 0.05, 0.05);
    add(&r, "/w/flat.py", "x", 40, 0.05, 0.05);
    struct pb_reach_map map = { NULL, 0, 0 };
    pb_reach_map_add(&map, "/w/flat.py", "helper_a", 9, 0);
    pb_reach_map_add(&map, "/w/flat.py", "helper_b", 19, 1);
    pb_reach_map_add(&map, "/w/flat.py", "a", 30, 0);
    pb_reach_map_add(&map, "/w/flat.py", "b", 34, 1);
    const struct pb_phase_truth truth[2] = {
        { 0.4, 0.4, 0, PB_CAT_PYTHON }, { 0.3, 0.3, 0, PB_CAT_PYTHON },
    };
    struct pb_attribution a;
    struct pb_flat_result fr;
    pb_attribute_flat(&r, two, 2, &map, 0, &a, &fr);
    assert_int_equal(fr.mapped, 3);
    NEAR(fr.mapped_s, 0.6);
    NEAR(a.phase_s[0], 0.35);
    NEAR(a.phase_s[1], 0.3);
    NEAR(a.other_s, 0.05);
    NEAR(a.total_s, 0.7);
    NEAR(fae_vs_truth(truth, 2, &a), 50 * 0.1 / 0.7);
    pb_reach_map_release(&map);
    pb_report_release(&r);
}

/* shared is reachable from a and b. At 0.3 s of R = 1.0 (30% > 5%) it is
 * credited to neither and FAE is n/a; at 0.02 s of 1.0 (2%) it stays in
 * R_other and is named in the note. */
static void test_ambiguous(void **st)
{
    (void)st;
    struct pb_reach_map map = { NULL, 0, 0 };
    pb_reach_map_add(&map, "/w/flat.py", "helper_a", 9, 0);
    pb_reach_map_add(&map, "/w/flat.py", "helper_b", 19, 1);
    pb_reach_map_add(&map, "/w/flat.py", "shared", 50, 0);
    pb_reach_map_add(&map, "/w/flat.py", "shared", 50, 1);
    const struct pb_phase_truth truth[2] = {
        { 0.5, 0.5, 0, PB_CAT_PYTHON }, { 0.5, 0.5, 0, PB_CAT_PYTHON },
    };
    struct pb_report r;
    pb_report_init(&r);
    add(&r, "/w/flat.py", "helper_a", 10, 0.5, 0.5);
    add(&r, "/w/flat.py", "shared", 51, 0.3, 0.3);
    add(&r, "/w/flat.py", "helper_b", 20, 0.2, 0.2);
    struct pb_attribution a;
    struct pb_flat_result fr;
    pb_attribute_flat(&r, two, 2, &map, 0, &a, &fr);
    assert_int_equal(fr.mapped, 2);
    assert_int_equal(fr.ambiguous, 1);
    NEAR(fr.ambiguous_s, 0.3);
    assert_true(fr.fae_na);
    NEAR(a.phase_s[0], 0.5);
    NEAR(a.phase_s[1], 0.2);
    assert_true(isnan(a.other_s));
    assert_true(isnan(fae_vs_truth(truth, 2, &a)));
    /* The parent's FAE over keys: R is NAN through other_s. */
    const double T[2] = { 0.5, 0.5 }, R[2] = { 0.5, 0.2 };
    assert_true(isnan(pb_fae_keys(T, R, 2, a.phase_s[0] + a.phase_s[1] + a.other_s)));
    char note[256];
    pb_flat_note(&fr, &r, two, 2, note, sizeof(note));
    assert_string_equal(note, "FAE n/a: shared reachable from phases a, b (30.0% of R)");
    pb_report_release(&r);

    pb_report_init(&r);
    add(&r, "/w/flat.py", "helper_a", 10, 0.5, 0.5);
    add(&r, "/w/flat.py", "shared", 51, 0.02, 0.02);
    add(&r, "/w/flat.py", "helper_b", 20, 0.48, 0.48);
    pb_attribute_flat(&r, two, 2, &map, 0, &a, &fr);
    assert_false(fr.fae_na);
    NEAR(a.phase_s[0], 0.5);
    NEAR(a.phase_s[1], 0.48);
    NEAR(a.other_s, 0.02);
    /* FAE = 50 * (0 + 0.02 + 0.02) = 2 */
    NEAR(fae_vs_truth(truth, 2, &a), 2);
    pb_flat_note(&fr, &r, two, 2, note, sizeof(note));
    assert_string_equal(note, "flat profile: 2 entries mapped to phases by reachability; "
                              "shared reachable from phases a, b (2.0% of R, not attributed)");
    pb_report_release(&r);
    pb_reach_map_release(&map);
}

/* Entries that already match phases keep today's figures: a call tree (the
 * phase's inclusive time holds fib) is not touched even with a map, and a
 * flat report's phase entries are credited as pb_attribute() does, even
 * when the map lists them under another phase too. */
static void test_matching_entries_unchanged(void **st)
{
    (void)st;
    struct pb_reach_map map = { NULL, 0, 0 };
    pb_reach_map_add(&map, "/w/call_heavy.py", "call_heavy", 12, 0);
    pb_reach_map_add(&map, "/w/call_heavy.py", "fib", 8, 0);
    struct pb_report r;
    pb_report_init(&r);
    add(&r, "/w/call_heavy.py", "call_heavy", 12, 0.10, 0.0);
    add(&r, "/w/call_heavy.py", "fib", 8, 0.10, 0.10);
    add(&r, "/lib/harness.py", "run", 3, 0.01, 0.01);
    assert_false(pb_report_is_flat(&r));
    struct pb_attribution plain, mapped;
    struct pb_flat_result fr;
    pb_attribute(&r, one, 1, &plain);
    pb_attribute_flat(&r, one, 1, &map, 0, &mapped, &fr);
    assert_false(fr.applied);
    assert_memory_equal(&plain, &mapped, sizeof(plain));
    NEAR(mapped.phase_s[0], 0.10);
    NEAR(mapped.other_s, 0.01);
    pb_report_release(&r);

    /* Flat, phases reported themselves: a in both phases' sets. */
    pb_reach_map_add(&map, "/w/flat.py", "a", 30, 0);
    pb_reach_map_add(&map, "/w/flat.py", "a", 30, 1);
    pb_reach_map_add(&map, "/w/flat.py", "b", 34, 1);
    pb_report_init(&r);
    add(&r, "/w/flat.py", "a", 31, 0.4, 0.4);
    add(&r, "/w/flat.py", "b", 35, 0.5, 0.5);
    add(&r, "/lib/harness.py", "run", 3, 0.1, 0.1);
    assert_true(pb_report_is_flat(&r));
    pb_attribute(&r, two, 2, &plain);
    pb_attribute_flat(&r, two, 2, &map, 0, &mapped, &fr);
    assert_true(fr.applied);
    assert_int_equal(fr.mapped, 0);
    assert_int_equal(fr.ambiguous, 0);
    assert_memory_equal(&plain, &mapped, sizeof(plain));
    char note[64];
    pb_flat_note(&fr, &r, two, 2, note, sizeof(note));
    assert_string_equal(note, "");
    pb_report_release(&r);
    pb_reach_map_release(&map);
}

/* Two functions of one name in one file (methods of two classes): a line
 * belongs to the nearest one starting above it; no line, both. */
static void test_lookup_by_line(void **st)
{
    (void)st;
    struct pb_reach_map map = { NULL, 0, 0 };
    pb_reach_map_add(&map, "/w/c.py", "__init__", 5, 0);
    pb_reach_map_add(&map, "/w/c.py", "__init__", 30, 1);
    pb_reach_map_add(&map, "/w/c.py", "__init__", 30, 2);
    assert_int_equal(pb_reach_lookup(&map, "/w/c.py", "__init__", 7), 1);
    assert_int_equal(pb_reach_lookup(&map, "/w/c.py", "__init__", 31), 6);
    assert_int_equal(pb_reach_lookup(&map, "/w/c.py", "__init__", 0), 7);
    assert_int_equal(pb_reach_lookup(&map, "/w/c.py", "__init__", 2), 7);
    assert_int_equal(pb_reach_lookup(&map, "/w/other.py", "__init__", 7), 0);
    assert_int_equal(map.count, 2);
    pb_reach_map_release(&map);
}

/* The file format: comments, one function and phase a line, merged. */
static void test_map_parse(void **st)
{
    (void)st;
    const char good[] = "# comment\n0\t8\tfib\t/w/x.py\n1\t8\tfib\t/w/x.py\n"
                        "1\t3\tg\t/w/dir with spaces/y.py\n\n";
    FILE *f = fmemopen((void *)good, sizeof(good) - 1, "r");
    struct pb_reach_map map = { NULL, 0, 0 };
    char err[PB_ERRLEN];
    assert_int_equal(pb_reach_map_parse(&map, f, "good", err, sizeof(err)), 0);
    fclose(f);
    assert_int_equal(map.count, 2);
    assert_int_equal(pb_reach_lookup(&map, "/w/x.py", "fib", 0), 3);
    assert_int_equal(pb_reach_lookup(&map, "/w/dir with spaces/y.py", "g", 9), 2);
    pb_reach_map_release(&map);

    const char *bad[] = { "0\t8\tfib\n", "x\t8\tfib\t/w/x.py\n", "64\t8\tfib\t/w/x.py\n",
                          "0\t-1\tfib\t/w/x.py\n", "0\t8\t\t/w/x.py\n" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char text[64];
        int n = snprintf(text, sizeof(text), "# c\n%s", bad[i]);
        f = fmemopen(text, (size_t)n, "r");
        assert_int_equal(pb_reach_map_parse(&map, f, "m.tsv", err, sizeof(err)), -1);
        fclose(f);
        assert_string_equal(err, "malformed reach map m.tsv line 2");
        pb_reach_map_release(&map);
    }
    assert_int_equal(pb_reach_map_load(&map, "/nonexistent/m.tsv", err, sizeof(err)), -1);
    assert_non_null(strstr(err, "cannot read reach map /nonexistent/m.tsv"));
}

/* ------------------------------------------------------------ recorder */

static PyObject *module;

static int setup_python(void **state)
{
    (void)state;
    if (pyembed_start() < 0)
        return -1;
    module = pyembed_load("flat", FLAT);
    return module ? 0 : -1;
}

static int teardown_python(void **state)
{
    (void)state;
    Py_CLEAR(module);
    return Py_FinalizeEx() < 0 ? -1 : 0;
}

static void call(const char *fn)
{
    PyObject *r = PyObject_CallMethod(module, fn, "i", 1000);
    if (!r)
        PyErr_Print();
    assert_non_null(r);
    Py_DECREF(r);
}

/* The recorder through the backend interface, the way the worker runs it:
 * phases announced with pb_reach_set_phase. The map lists each helper under
 * the phase that called it, shared under both, threaded() (run by a thread
 * phase 2 started) under phase 2, and nothing called outside the phases. */
static void test_recorder(void **st)
{
    (void)st;
    const struct pb_backend_ops *ops = pb_backend_find(PB_REACH_KIND);
    assert_non_null(ops);
    char path[] = "/tmp/pb-test-reach-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    struct pb_options o;
    char err[PB_ERRLEN];
    assert_int_equal(pb_options_init_defaults(&o, ops->options, err, sizeof(err)), 0);
    assert_int_equal(pb_options_set(&o, "out", path, err, sizeof(err)), 0);
    void *state;
    assert_int_equal(ops->create(&state, &o, err, sizeof(err)), 0);
    call("helper_b");   /* before start: not recorded */
    assert_int_equal(ops->start(state, err, sizeof(err)), 0);
    pb_reach_set_phase(0);
    call("phase_one");
    call("phase_shared_a");
    pb_reach_set_phase(1);
    call("phase_shared_b");
    pb_reach_set_phase(2);
    call("phase_threaded");
    assert_int_equal(ops->stop(state, err, sizeof(err)), 0);
    pb_reach_set_phase(-1);
    call("phase_two");  /* after stop: not recorded */
    struct pb_report rep;
    pb_report_init(&rep);
    assert_int_equal(ops->collect(state, &rep, err, sizeof(err)), 0);
    assert_int_equal(rep.count, 0);
    ops->destroy(state);
    pb_options_release(&o);
    pb_report_release(&rep);

    struct pb_reach_map map = { NULL, 0, 0 };
    if (pb_reach_map_load(&map, path, err, sizeof(err)) < 0)
        fail_msg("%s", err);
    unlink(path);
    assert_int_equal(pb_reach_lookup(&map, FLAT, "phase_one", 0), 1);
    assert_int_equal(pb_reach_lookup(&map, FLAT, "helper_a", 0), 1);
    assert_int_equal(pb_reach_lookup(&map, FLAT, "shared", 0), 3);
    assert_int_equal(pb_reach_lookup(&map, FLAT, "phase_threaded", 0), 4);
    assert_int_equal(pb_reach_lookup(&map, FLAT, "threaded", 0), 4);
    assert_int_equal(pb_reach_lookup(&map, FLAT, "helper_b", 0), 4);
    assert_int_equal(pb_reach_lookup(&map, FLAT, "phase_two", 0), 0);
    pb_reach_map_release(&map);
}

int main(void)
{
    const struct CMUnitTest arithmetic[] = {
        cmocka_unit_test(test_one_phase),
        cmocka_unit_test(test_two_phases_lines),
        cmocka_unit_test(test_ambiguous),
        cmocka_unit_test(test_matching_entries_unchanged),
        cmocka_unit_test(test_lookup_by_line),
        cmocka_unit_test(test_map_parse),
    };
    const struct CMUnitTest recorder[] = {
        cmocka_unit_test(test_recorder),
    };
    int failed = cmocka_run_group_tests(arithmetic, NULL, NULL);
    return failed + cmocka_run_group_tests(recorder, setup_python, teardown_python);
}
