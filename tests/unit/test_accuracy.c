/* test_accuracy.c: the accuracy arithmetic of docs/METHOD.md against
 * values computed by hand in the comments, with reports produced by a
 * scripted fake backend driven through the backend interface. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../harness/accuracy.h"
#include "../../harness/util.h"
#include "fake_backend.h"

#define NEAR(a, b) do { if (fabs((a) - (b)) > 1e-9) \
    fail_msg("%.12g != %.12g", (double)(a), (double)(b)); } while (0)

/* A scripted entry: file, function, inclusive and self seconds, then self
 * seconds per category (python, native, system); E_T adds a thread. */
#define E(f, n, incl, self, py, nat, sys) \
    { .file = (f), .name = (n), .inclusive_s = (incl), .self_s = (self), \
      .cat_s = { (py), (nat), (sys) } }
#define E_T(f, n, incl, self, py, nat, sys, tid) \
    { .file = (f), .name = (n), .inclusive_s = (incl), .self_s = (self), \
      .cat_s = { (py), (nat), (sys) }, .thread = (tid) }

#define PY PB_CAT_BIT(PB_CAT_PYTHON)
#define NAT PB_CAT_BIT(PB_CAT_NATIVE)

static const struct pb_phase_ident phases[3] = {
    { "/w/mixed.py", "f1" }, { "/w/mixed.py", "f2" }, { "/w/mixed.py", "f3" },
};

/* The seed's mixed workload: f1 a pure loop (python), f2 sum() (native), f3
 * a sleep (system). Wall shares 22/36/42 (T = 1.0 s).
 * Truth categories (pb_truth_categories):
 *   python = f1 user                                   = 0.215
 *   native = f2 user + f3 user (a system phase's user)  = 0.350 + 0.001 = 0.351
 *   system = kernel + off-CPU of every phase:
 *            f1 0.002 + (0.22 - 0.215 - 0.002 = 0.003)  = 0.005
 *            f2 0.004 + (0.36 - 0.350 - 0.004 = 0.006)  = 0.010
 *            f3 0.003 + (0.42 - 0.001 - 0.003 = 0.416)  = 0.419 -> 0.434
 *   sum 0.215 + 0.351 + 0.434 = 1.0 */
static const struct pb_phase_truth truth[3] = {
    { 0.22, 0.215, 0.002, PB_CAT_PYTHON },
    { 0.36, 0.350, 0.004, PB_CAT_NATIVE },
    { 0.42, 0.001, 0.003, PB_CAT_SYSTEM },
};

/* Run the fake through its whole lifecycle with this script and attribute
 * the report it collects to the given phases. */
static void run_fake_ids(const struct fake_entry *e, size_t n, unsigned cats, double total,
                         const struct pb_phase_ident *ids, size_t nids,
                         struct pb_attribution *a)
{
    char err[PB_ERRLEN] = "";
    void *st = NULL;
    struct pb_report r;
    fake_backend_script(e, n, cats, total);
    if (fake_backend.create(&st, NULL, err, sizeof(err)) < 0 ||
        fake_backend.start(st, err, sizeof(err)) < 0 ||
        fake_backend.stop(st, err, sizeof(err)) < 0)
        fail_msg("fake backend: %s", err);
    pb_report_init(&r);
    if (fake_backend.collect(st, &r, err, sizeof(err)) < 0)
        fail_msg("fake backend: %s", err);
    fake_backend.destroy(st);
    assert_int_equal(r.count, n);
    pb_attribute(&r, ids, nids, a);
    pb_report_release(&r);
}

static void run_fake(const struct fake_entry *e, size_t n, unsigned cats, double total,
                     struct pb_attribution *a)
{
    run_fake_ids(e, n, cats, total, phases, 3, a);
}

/* ------------------------------------------------------------ FAE */

/* FAE or CE (cats != 0) of one run's attribution against one truth run, as
 * summary.c computes them: with one round on each side the medians are the
 * values, so the hand computations below are the figures. */
static double total_vs_truth(const struct pb_phase_truth *t, const struct pb_attribution *a,
                             enum pb_accuracy_over over)
{
    struct pb_run_shares run, tr;
    pb_shares_fill(&run, 3, t, a->phase_s, a->total_s, a->categories, a->cat_s);
    pb_shares_fill(&tr, 3, t, NULL, 0, 0, NULL);
    return pb_accuracy_estimate(PB_ACC_TOTAL, over, a->categories, &run, NULL, 1, &tr, NULL, 1);
}

static double total_fae(const struct pb_phase_truth *t, const struct pb_attribution *a)
{
    return total_vs_truth(t, a, PB_OVER_KEYS);
}

/* CE over the report's mask; a report with no mask has none (NAN). */
static double total_ce(const struct pb_phase_truth *t, const struct pb_attribution *a)
{
    return total_vs_truth(t, a, PB_OVER_CATEGORIES);
}

/* A report equal to the truth scores 0 on both measures. f2's time is in a
 * builtin it calls: inclusive counts it, self does not; the total comes from
 * the sum of self seconds (total_s left 0). */
static void test_perfect(void **state)
{
    (void)state;
    struct fake_entry e[] = {
        E("/w/mixed.py", "f1", 0.22, 0.22, 0.215, 0, 0.005),
        E("/w/mixed.py", "f2", 0.36, 0.0, 0, 0, 0),
        E("<built-in>", "sum", 0.36, 0.36, 0, 0.350, 0.010),
        E("/w/mixed.py", "f3", 0.42, 0.42, 0, 0.001, 0.419),
    };
    struct pb_attribution a;
    run_fake(e, 4, PB_CAT_ALL, 0, &a);
    assert_int_equal(a.nphases, 3);
    assert_int_equal(a.entries, 4);
    assert_int_equal(a.categories, PB_CAT_ALL);
    NEAR(a.phase_s[0], 0.22);
    NEAR(a.phase_s[1], 0.36);
    NEAR(a.phase_s[2], 0.42);
    NEAR(a.total_s, 1.0);
    NEAR(a.other_s, 0);
    NEAR(a.cat_s[PB_CAT_PYTHON], 0.215);
    NEAR(a.cat_s[PB_CAT_NATIVE], 0.351);
    NEAR(a.cat_s[PB_CAT_SYSTEM], 0.434);
    NEAR(total_fae(truth, &a), 0);
    NEAR(total_ce(truth, &a), 0);
}

/* pyinstrument-like shares 31/32/36 with 1% in a harness frame:
 * FAE = 50 * (|.31-.22| + |.32-.36| + |.36-.42| + .01)
 *     = 50 * (.09 + .04 + .06 + .01) = 50 * .20 = 10.
 * Reported categories 31/32/37 against the truth's 21.5/35.1/43.4:
 * CE = 50 * (.095 + .031 + .064) = 50 * .19 = 9.5. */
static void test_seed_numbers(void **state)
{
    (void)state;
    struct fake_entry e[] = {
        E("/w/mixed.py", "f1", 0.31, 0.31, 0.31, 0, 0),
        E("/w/mixed.py", "f2", 0.32, 0.32, 0, 0.32, 0),
        E("/w/mixed.py", "f3", 0.36, 0.36, 0, 0, 0.36),
        E("/lib/harness.py", "run", 0.01, 0.01, 0, 0, 0.01),
    };
    struct pb_attribution a;
    run_fake(e, 4, PB_CAT_ALL, 1.0, &a);
    NEAR(a.total_s, 1.0);
    NEAR(a.other_s, 0.01);
    NEAR(total_fae(truth, &a), 10.0);
    NEAR(total_ce(truth, &a), 9.5);
}

/* Everything outside the phases: FAE 100, the maximum. All of it reported as
 * python: CE = 50 * (|1-.215| + .351 + .434) = 50 * 1.57 = 78.5. */
static void test_all_outside(void **state)
{
    (void)state;
    struct fake_entry e[] = {
        E("/elsewhere.py", "loop", 1.0, 1.0, 1.0, 0, 0),
        E("/w/mixed.py", "helper", 0.5, 0.5, 0.5, 0, 0),   /* right file, not a phase */
        E("/w/other.py", "f1", 0.5, 0.5, 0.5, 0, 0),       /* a phase name, wrong file */
    };
    struct pb_attribution a;
    run_fake(e, 3, PB_CAT_ALL, 0, &a);
    NEAR(a.phase_s[0] + a.phase_s[1] + a.phase_s[2], 0);
    NEAR(a.other_s, 2.0);
    NEAR(total_fae(truth, &a), 100.0);
    NEAR(total_ce(truth, &a), 78.5);
}

/* A missed phase costs its whole share, and the others' inflated shares too:
 * f1 and f2 seen in true proportion 22:36, f3 (sleep) dropped.
 * Shares .22/.58 = .37931 and .36/.58 = .62069 against .22/.36/.42:
 * FAE = 50 * (.15931 + .26069 + .42) = 50 * .84 = 42. */
static void test_missed_phase(void **state)
{
    (void)state;
    struct fake_entry e[] = {
        E("/w/mixed.py", "f1", 0.22, 0.22, 0.22, 0, 0),
        E("/w/mixed.py", "f2", 0.36, 0.36, 0, 0.36, 0),
    };
    struct pb_attribution a;
    run_fake(e, 2, PB_CAT_ALL, 0, &a);
    NEAR(a.phase_s[2], 0);
    NEAR(a.other_s, 0);
    NEAR(total_fae(truth, &a), 42.0);
}

/* R_p sums a phase over threads. A backend total below sum R_p (recursion
 * or threads counted twice) is raised to sum R_p, so R_other is never < 0.
 * Threads 1 and 2 run f2 for .18 each: R_2 = .36; total_s .5 < 1.0 -> 1.0;
 * FAE 0. With total_s 2.0: other 1.0, shares halved:
 * FAE = 50 * (.11 + .18 + .21 + .5) = 50. */
static void test_threads_and_total(void **state)
{
    (void)state;
    struct fake_entry e[] = {
        E_T("/w/mixed.py", "f1", 0.22, 0.22, 0.22, 0, 0, 1),
        E_T("/w/mixed.py", "f2", 0.18, 0.18, 0, 0.18, 0, 1),
        E_T("/w/mixed.py", "f2", 0.18, 0.18, 0, 0.18, 0, 2),
        E_T("/w/mixed.py", "f3", 0.42, 0.42, 0, 0, 0.42, 2),
    };
    struct pb_attribution a;
    run_fake(e, 4, PB_CAT_ALL, 0.5, &a);
    NEAR(a.phase_s[1], 0.36);
    NEAR(a.total_s, 1.0);
    NEAR(a.other_s, 0);
    NEAR(total_fae(truth, &a), 0);
    run_fake(e, 4, PB_CAT_ALL, 2.0, &a);
    NEAR(a.total_s, 2.0);
    NEAR(a.other_s, 1.0);
    NEAR(total_fae(truth, &a), 50.0);
}

/* Nothing to compare is NAN, never a number: an empty report (R = 0), and a
 * truth with no time in it (T = 0). */
static void test_nothing_to_compare(void **state)
{
    (void)state;
    struct pb_attribution a;
    run_fake(NULL, 0, PB_CAT_ALL, 0, &a);
    assert_int_equal(a.entries, 0);
    NEAR(a.total_s, 0);
    assert_true(isnan(total_fae(truth, &a)));
    assert_true(isnan(total_ce(truth, &a)));
    struct fake_entry e[] = { E("/w/mixed.py", "f1", 1.0, 1.0, 1.0, 0, 0) };
    run_fake(e, 1, PB_CAT_ALL, 0, &a);
    const struct pb_phase_truth zero[3] = { { 0, 0, 0, PB_CAT_PYTHON } };
    assert_true(isnan(total_fae(zero, &a)));
    assert_true(isnan(total_ce(zero, &a)));
}

/* ------------------------------------------------------------- CE */

/* A backend telling python and native apart (mask of 2): both sides are
 * renormalised over those two, the system time the backend cannot see is
 * neither charged nor read (it reports NAN there).
 * Truth: python .215, native .351 -> .215/.566 = .37986, .351/.566 = .62014.
 * Reported .5/.5: CE = 50 * (.12014 + .12014) = 12.014. */
static void test_ce_two_categories(void **state)
{
    (void)state;
    struct fake_entry e[] = {
        E("/w/mixed.py", "f1", 0.5, 0.5, 0.5, 0, NAN),
        E("/w/mixed.py", "f2", 0.5, 0.5, 0, 0.5, NAN),
    };
    struct pb_attribution a;
    run_fake(e, 2, PY | NAT, 0, &a);
    assert_int_equal(a.categories, PY | NAT);
    NEAR(a.cat_s[PB_CAT_SYSTEM], 0);
    NEAR(total_ce(truth, &a), 50 * 2 * (0.5 - 0.215 / 0.566));
    NEAR(total_ce(truth, &a), 12.0141342756);
}

/* Fewer than two categories is "n/a" (NAN), as is a mask whose reported
 * seconds are all 0. Bits outside PB_CAT_ALL are dropped. */
static void test_ce_not_applicable(void **state)
{
    (void)state;
    struct fake_entry e[] = {
        E("/w/mixed.py", "f1", 0.5, 0.5, 0.5, 0, 0),
        E("/w/mixed.py", "f2", 0.5, 0.5, 0, 0.5, 0),
    };
    struct pb_attribution a;
    run_fake(e, 2, PY, 0, &a);
    NEAR(a.cat_s[PB_CAT_NATIVE], 0);     /* outside the mask: not summed */
    assert_true(isnan(total_ce(truth, &a)));
    run_fake(e, 2, 0, 0, &a);
    assert_true(isnan(total_ce(truth, &a)));
    run_fake(e, 2, PB_CAT_ALL | 0x100, 0, &a);
    assert_int_equal(a.categories, PB_CAT_ALL);
    struct fake_entry none[] = { E("/w/mixed.py", "f1", 1.0, 1.0, 0, 0, 0) };
    run_fake(none, 1, PB_CAT_ALL, 0, &a);
    assert_true(isnan(total_ce(truth, &a)));
}

/* -------------------------------------------------------- matching */

/* A phase's file matches through other spellings of the same file: relative
 * to the current directory, with "./", through a symbolic link. Names that
 * do not resolve ("<string>", a missing file) and other files do not match.
 * Every entry is 1 s of f1 (self 1 s): R_1 counts the 4 matching ones. */
static void test_match_by_real_path(void **state)
{
    (void)state;
    char dir[] = "/tmp/pb-accuracy-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char file[PATH_MAX], dotted[PATH_MAX], link[PATH_MAX], other[PATH_MAX];
    snprintf(file, sizeof(file), "%s/w.py", dir);
    snprintf(dotted, sizeof(dotted), "%s/./w.py", dir);
    snprintf(link, sizeof(link), "%s/link.py", dir);
    snprintf(other, sizeof(other), "%s/x.py", dir);
    FILE *f = fopen(file, "w");
    assert_non_null(f);
    fclose(f);
    f = fopen(other, "w");
    assert_non_null(f);
    fclose(f);
    assert_int_equal(symlink(file, link), 0);

    char cwd[PATH_MAX];
    assert_non_null(getcwd(cwd, sizeof(cwd)));
    assert_int_equal(chdir(dir), 0);

    struct pb_phase_ident id[1] = { { file, "f1" } };
    struct fake_entry e[] = {
        E(file, "f1", 1, 1, 0, 0, 0),           /* identical */
        E("w.py", "f1", 1, 1, 0, 0, 0),         /* relative to the cwd */
        E(dotted, "f1", 1, 1, 0, 0, 0),         /* another absolute spelling */
        E(link, "f1", 1, 1, 0, 0, 0),           /* a symbolic link to it */
        E("<string>", "f1", 1, 1, 0, 0, 0),
        E("missing.py", "f1", 1, 1, 0, 0, 0),
        E("x.py", "f1", 1, 1, 0, 0, 0),         /* another existing file */
        E("", "f1", 1, 1, 0, 0, 0),
        E("w.py", "f2", 1, 1, 0, 0, 0),         /* right file, other name */
    };
    struct pb_attribution a;
    run_fake_ids(e, 9, PB_CAT_ALL, 0, id, 1, &a);
    int rc = chdir(cwd);
    unlink(link);
    unlink(other);
    unlink(file);
    rmdir(dir);
    assert_int_equal(rc, 0);
    NEAR(a.phase_s[0], 4.0);
    NEAR(a.other_s, 5.0);
    NEAR(a.total_s, 9.0);
}

/* A function listed as two phases is one profile entry: it is credited to
 * the first phase only, and nothing is counted twice. */
static void test_duplicate_phase(void **state)
{
    (void)state;
    const struct pb_phase_ident twice[2] = { { "/w/a.py", "f" }, { "/w/a.py", "f" } };
    struct fake_entry e[] = { E("/w/a.py", "f", 1.0, 1.0, 0, 0, 0) };
    struct pb_attribution a;
    run_fake_ids(e, 1, PB_CAT_ALL, 0, twice, 2, &a);
    NEAR(a.phase_s[0], 1.0);
    NEAR(a.phase_s[1], 0);
    NEAR(a.total_s, 1.0);
}

/* ----------------------------------------------------------- truth */

/* T_c of single phases: user time goes to the declared category, except a
 * system phase's, which is native (the C code making the calls); kernel
 * CPU and off-CPU go to system; off-CPU is clamped at 0 when user + sys
 * exceed wall (clock granularity). */
static void test_truth_categories(void **state)
{
    (void)state;
    double c[PB_CAT_COUNT];
    /* system phase: native .02, system = kernel .1 + off-CPU (.5-.02-.1) = .48 */
    struct pb_phase_truth sys = { 0.5, 0.02, 0.1, PB_CAT_SYSTEM };
    pb_truth_categories(&sys, c);
    NEAR(c[PB_CAT_PYTHON], 0);
    NEAR(c[PB_CAT_NATIVE], 0.02);
    NEAR(c[PB_CAT_SYSTEM], 0.48);
    /* python phase: python .9, system = .05 + (1 - .9 - .05) = .1 */
    struct pb_phase_truth py = { 1.0, 0.9, 0.05, PB_CAT_PYTHON };
    pb_truth_categories(&py, c);
    NEAR(c[PB_CAT_PYTHON], 0.9);
    NEAR(c[PB_CAT_NATIVE], 0);
    NEAR(c[PB_CAT_SYSTEM], 0.1);
    /* native phase */
    struct pb_phase_truth nat = { 0.4, 0.38, 0.0, PB_CAT_NATIVE };
    pb_truth_categories(&nat, c);
    NEAR(c[PB_CAT_PYTHON], 0);
    NEAR(c[PB_CAT_NATIVE], 0.38);
    NEAR(c[PB_CAT_SYSTEM], 0.02);
    /* user + sys 1.1 > wall 1.0: off-CPU 0, system is the kernel time .3 */
    struct pb_phase_truth over = { 1.0, 0.8, 0.3, PB_CAT_PYTHON };
    pb_truth_categories(&over, c);
    NEAR(c[PB_CAT_PYTHON], 0.8);
    NEAR(c[PB_CAT_SYSTEM], 0.3);
}

/* The declaration check: python/native need user >= 90% of wall, system
 * needs wall - user >= 50% of wall; the message gives the measured share,
 * rounded but never onto the threshold it failed. */
static void test_truth_check(void **state)
{
    (void)state;
    char buf[160];
    struct pb_phase_truth py = { 1.0, 0.62, 0, PB_CAT_PYTHON };
    assert_string_equal(pb_truth_check(&py, buf, sizeof(buf)),
                        "declared python but only 62% of wall is user CPU");
    struct pb_phase_truth nat = { 2.0, 1.0, 0.5, PB_CAT_NATIVE };
    assert_string_equal(pb_truth_check(&nat, buf, sizeof(buf)),
                        "declared native but only 50% of wall is user CPU");
    struct pb_phase_truth sys = { 1.0, 0.8, 0, PB_CAT_SYSTEM };
    assert_string_equal(pb_truth_check(&sys, buf, sizeof(buf)),
                        "declared system but 80% of wall is user CPU");
    struct pb_phase_truth near_py = { 1.0, 0.897, 0, PB_CAT_PYTHON };
    assert_string_equal(pb_truth_check(&near_py, buf, sizeof(buf)),
                        "declared python but only 89% of wall is user CPU");
    struct pb_phase_truth near_sys = { 1.0, 0.502, 0, PB_CAT_SYSTEM };
    assert_string_equal(pb_truth_check(&near_sys, buf, sizeof(buf)),
                        "declared system but 51% of wall is user CPU");
    /* consistent ones, thresholds included, and a phase with no wall time */
    for (int p = 0; p < 3; p++)
        assert_null(pb_truth_check(&truth[p], buf, sizeof(buf)));
    struct pb_phase_truth edge_py = { 1.0, 0.9, 0, PB_CAT_PYTHON };
    struct pb_phase_truth edge_sys = { 1.0, 0.5, 0, PB_CAT_SYSTEM };
    struct pb_phase_truth empty = { 0, 0, 0, PB_CAT_PYTHON };
    assert_null(pb_truth_check(&edge_py, buf, sizeof(buf)));
    assert_null(pb_truth_check(&edge_sys, buf, sizeof(buf)));
    assert_null(pb_truth_check(&empty, buf, sizeof(buf)));
}

/* FAE over arbitrary keys, by hand: truth 0.2 / 0.3 / 0.5 (T = 1.0 s of
 * main phase, sleeper thread, hasher thread), reported 0.2 / 0.0 / 0.6 with
 * R = 1.0: R_rest = 0.2.
 * d = |0.2-0.2| + |0-0.3| + |0.6-0.5| + 0.2 = 0.6 -> FAE 30. */
static void test_fae_keys(void **st)
{
    (void)st;
    const double T[3] = { 0.2, 0.3, 0.5 };
    const double R[3] = { 0.2, 0.0, 0.6 };
    NEAR(pb_fae_keys(T, R, 3, 1.0), 30.0);
    /* perfect, scaled (a profiler that slows everything by 2x) */
    const double R2[3] = { 0.4, 0.6, 1.0 };
    NEAR(pb_fae_keys(T, R2, 3, 2.0), 0.0);
    /* total below the keys' sum is raised to it: no negative rest */
    NEAR(pb_fae_keys(T, R2, 3, 1.0), 0.0);
    /* nothing reported, or no truth */
    const double Z[3] = { 0, 0, 0 };
    assert_true(isnan(pb_fae_keys(T, Z, 3, 0)));
    assert_true(isnan(pb_fae_keys(Z, R, 3, 1.0)));
    /* everything reported outside the keys: d = 1 + 1 = 2 -> 100 */
    NEAR(pb_fae_keys(T, Z, 3, 1.0), 100.0);
}

/* Thread coverage: sum_k min(R_k, W_k) / sum_k W_k over the run's records. */
static void test_thread_coverage(void **st)
{
    (void)st;
    struct pb_key_rec th[3] = {
        { .phase = 0, .name = "sleeper", .count = 1, .wall_s = 0.15, .attr_s = 0.15 },
        { .phase = 0, .name = "hasher", .count = 1, .wall_s = 0.25, .attr_s = 0.30 },
        { .phase = 1, .name = "late", .count = 1, .wall_s = 0.10, .attr_s = 0.0 },
    };
    /* (0.15 + 0.25 (capped) + 0) / 0.5 = 0.8 */
    NEAR(pb_thread_coverage(th, 3), 0.8);
    /* a backend that sees every thread fully */
    th[2].attr_s = 0.1;
    NEAR(pb_thread_coverage(th, 3), 1.0);
    /* no report: NAN; no threads: NAN */
    th[1].attr_s = NAN;
    assert_true(isnan(pb_thread_coverage(th, 3)));
    assert_true(isnan(pb_thread_coverage(th, 0)));
    assert_int_equal(pb_key_find(th, 3, 0, "hasher"), 1);
    assert_int_equal(pb_key_find(th, 3, 1, "hasher"), -1);
    assert_int_equal(pb_key_find(th, 3, 1, "late"), 2);
}

/* Key records grow without a cap; names group by pattern (digit runs as
 * one '*') and by phase. */
static void test_key_groups(void **st)
{
    (void)st;
    struct pb_key_rec *recs = NULL;
    size_t n = 0;
    for (int i = 0; i < 1000; i++) {
        struct pb_key_rec *k = pb_key_append(&recs, &n);
        assert_true(isnan(k->attr_s) && k->count == 0);
        k->phase = i % 2;
        snprintf(k->name, sizeof(k->name), "Thread-%d (loop)", i);
    }
    assert_int_equal(n, 1000);
    assert_int_equal(pb_key_find(recs, n, 1, "Thread-999 (loop)"), 999);
    char pat[PB_KEY_NAME];
    pb_key_pattern("Thread-12 (loop)", pat, sizeof(pat));
    assert_string_equal(pat, "Thread-* (loop)");
    pb_key_pattern("w1x22y333", pat, sizeof(pat));
    assert_string_equal(pat, "w*x*y*");
    pb_key_pattern("looper", pat, sizeof(pat));
    assert_string_equal(pat, "looper");
    pb_key_pattern("abc123", pat, 4);   /* cut to fit, terminated */
    assert_string_equal(pat, "abc");
    assert_true(pb_key_matches(&recs[7], PB_KEY_EXACT, 1, "Thread-7 (loop)"));
    assert_false(pb_key_matches(&recs[7], PB_KEY_EXACT, 1, "Thread-8 (loop)"));
    assert_true(pb_key_matches(&recs[7], PB_KEY_PATTERN, 1, "Thread-* (loop)"));
    assert_false(pb_key_matches(&recs[7], PB_KEY_PATTERN, 0, "Thread-* (loop)"));
    assert_false(pb_key_matches(&recs[7], PB_KEY_PATTERN, 1, "Thread-*"));
    assert_true(pb_key_matches(&recs[7], PB_KEY_PHASE, 1, "*"));
    assert_false(pb_key_matches(&recs[7], PB_KEY_PHASE, 0, "*"));
    free(recs);
}

/* A thread key's seconds from a hand-made report: the self seconds of every
 * entry on its TIDs; entries of other threads and of thread 0 are not its. */
static void test_thread_seconds(void **st)
{
    (void)st;
    const struct pb_report_entry entries[] = {
        E_T("/w/t.py", "threads", 1.0, 0.9, 0.9, 0, 0, 100),     /* main thread */
        E_T("/w/t.py", "_sleep", 0.3, 0.0, 0, 0, 0, 201),
        E_T("<built-in>", "sleep", 0.3, 0.3, 0, 0, 0.3, 201),
        E_T("/w/t.py", "_hash", 0.5, 0.1, 0.1, 0, 0, 202),
        E_T("<built-in>", "update", 0.4, 0.4, 0, 0.4, 0, 202),
        E_T("/w/t.py", "_other", 0.2, 0.2, 0.2, 0, 0, 203),
        E("/w/t.py", "merged", 0.7, 0.7, 0.7, 0, 0),              /* thread 0 */
    };
    struct pb_report r;
    pb_report_init(&r);
    r.entries = (struct pb_report_entry *)entries;
    r.count = sizeof(entries) / sizeof(entries[0]);
    const unsigned long sleeper[] = { 201 }, hashers[] = { 202, 203 }, none[] = { 999 };
    NEAR(pb_thread_seconds(&r, sleeper, 1), 0.3);
    NEAR(pb_thread_seconds(&r, hashers, 2), 0.7);
    NEAR(pb_thread_seconds(&r, none, 1), 0.0);
    NEAR(pb_thread_seconds(&r, hashers, 0), 0.0);
}

/* ------------------------------------------------ estimators over rounds */

/* A run of the mixed workload: its own walls (f1, f2, f3; user = wall for
 * the two CPU phases, off-CPU for f3) and, when rep is given, the seconds
 * its report gave each phase (R = their sum + other). */
static void mixed_run(struct pb_run_shares *s, double w1, double w2, double w3,
                      const double *rep, double other)
{
    const struct pb_phase_truth own[3] = {
        { w1, w1, 0, PB_CAT_PYTHON }, { w2, w2, 0, PB_CAT_NATIVE }, { w3, 0, 0, PB_CAT_SYSTEM },
    };
    double cat[PB_CAT_COUNT] = { 0 };
    double total = other;
    if (rep) {
        cat[PB_CAT_PYTHON] = rep[0], cat[PB_CAT_NATIVE] = rep[1], cat[PB_CAT_SYSTEM] = rep[2];
        total += rep[0] + rep[1] + rep[2];
    }
    pb_shares_fill(s, 3, own, rep, total, PB_CAT_ALL, cat);
}

/* A profiler that reports exactly what happened in each run has AE 0
 * whatever the machine did; its runs' shares wander (a slow f1 in run 0,
 * a slow f2 in run 2) so DE and FAE measure the wandering, not an error:
 * own shares f1 .25/.20/.20, f2 .35/.40/.45, f3 .40/.40/.35 -> medians
 * .20/.40/.40 against the truth .20/.40/.40 -> DE = FAE = 0. */
static void test_ae_ignores_machine_noise(void **st)
{
    (void)st;
    struct pb_run_shares runs[3], truth_runs[1];
    const double r0[3] = { 0.25, 0.35, 0.40 }, r1[3] = { 0.20, 0.40, 0.40 },
                 r2[3] = { 0.20, 0.45, 0.35 };
    mixed_run(&runs[0], 0.25, 0.35, 0.40, r0, 0);
    mixed_run(&runs[1], 0.20, 0.40, 0.40, r1, 0);
    mixed_run(&runs[2], 0.20, 0.45, 0.35, r2, 0);
    mixed_run(&truth_runs[0], 0.20, 0.40, 0.40, NULL, 0);
    NEAR(pb_accuracy_estimate(PB_ACC_AE, PB_OVER_KEYS, 0, runs, NULL, 3, NULL, NULL, 0), 0);
    NEAR(pb_accuracy_estimate(PB_ACC_DE, PB_OVER_KEYS, 0, runs, NULL, 3, truth_runs, NULL, 1), 0);
    NEAR(pb_accuracy_estimate(PB_ACC_TOTAL, PB_OVER_KEYS, 0, runs, NULL, 3, truth_runs, NULL, 1), 0);
    NEAR(pb_accuracy_estimate(PB_ACC_AE, PB_OVER_CATEGORIES, PB_CAT_ALL, runs, NULL, 3, NULL, NULL, 0), 0);
}

/* Per-run distances would add the noise up: the mean per-run FAE of the
 * three runs above is 50 * (.10 + 0 + .10) / 3 = 3.33, the estimator's 0. A
 * tracer that slows the python phase 2x distorts: own walls .40/.40/.40 of
 * 1.2 s -> shares 1/3 each against .20/.40/.40: DE = 50 * (.1333 + .0667 +
 * .0667) = 13.33; it reports its own run exactly: AE 0, FAE = DE. */
static void test_distortion(void **st)
{
    (void)st;
    struct pb_run_shares runs[2], truth_runs[1];
    const double rep[3] = { 0.40, 0.40, 0.40 };
    mixed_run(&runs[0], 0.40, 0.40, 0.40, rep, 0);
    mixed_run(&runs[1], 0.40, 0.40, 0.40, rep, 0);
    mixed_run(&truth_runs[0], 0.20, 0.40, 0.40, NULL, 0);
    NEAR(pb_accuracy_estimate(PB_ACC_AE, PB_OVER_KEYS, 0, runs, NULL, 2, NULL, NULL, 0), 0);
    NEAR(pb_accuracy_estimate(PB_ACC_DE, PB_OVER_KEYS, 0, runs, NULL, 2, truth_runs, NULL, 1), 40.0 / 3);
    NEAR(pb_accuracy_estimate(PB_ACC_TOTAL, PB_OVER_KEYS, 0, runs, NULL, 2, truth_runs, NULL, 1), 40.0 / 3);
}

/* A sampler that puts a quarter of f3 into "other" in a run that matches
 * the truth: shares f1 .2, f2 .4, f3 .3 and other .1 (R = 1):
 * AE = FAE = 50 * (|.3 - .4| + .1) = 10, DE 0. Categories: the report's
 * .2/.4/.3 renormalised over the mask is .2222/.4444/.3333 against .2/.4/.4:
 * ACE = 50 * (.0222 + .0444 + .0667) = 6.667. */
static void test_missed_time_is_error(void **st)
{
    (void)st;
    struct pb_run_shares runs[1], truth_runs[1];
    const double rep[3] = { 0.20, 0.40, 0.30 };
    mixed_run(&runs[0], 0.20, 0.40, 0.40, rep, 0.10);
    mixed_run(&truth_runs[0], 0.20, 0.40, 0.40, NULL, 0);
    NEAR(runs[0].rep_other, 0.1);
    NEAR(pb_accuracy_estimate(PB_ACC_AE, PB_OVER_KEYS, 0, runs, NULL, 1, NULL, NULL, 0), 10.0);
    NEAR(pb_accuracy_estimate(PB_ACC_TOTAL, PB_OVER_KEYS, 0, runs, NULL, 1, truth_runs, NULL, 1), 10.0);
    NEAR(pb_accuracy_estimate(PB_ACC_DE, PB_OVER_KEYS, 0, runs, NULL, 1, truth_runs, NULL, 1), 0);
    NEAR(pb_accuracy_estimate(PB_ACC_AE, PB_OVER_CATEGORIES, PB_CAT_ALL, runs, NULL, 1, NULL, NULL, 0),
         50 * (0.2 / 0.9 - 0.2 + 0.4 / 0.9 - 0.4 + 0.4 - 0.3 / 0.9));
}

/* Indices select runs (a bootstrap resample may repeat one); runs without a
 * report are left out of AE and TOTAL but counted by DE; nothing to compare
 * is NAN: no runs, no truth runs, no report, fewer than two categories. */
static void test_estimate_indices_and_nan(void **st)
{
    (void)st;
    struct pb_run_shares runs[3], truth_runs[1];
    const double good[3] = { 0.20, 0.40, 0.40 }, bad[3] = { 1.0, 0, 0 };
    mixed_run(&runs[0], 0.20, 0.40, 0.40, good, 0);
    mixed_run(&runs[1], 0.20, 0.40, 0.40, bad, 0);
    mixed_run(&runs[2], 0.60, 0.20, 0.20, NULL, 0);
    mixed_run(&truth_runs[0], 0.20, 0.40, 0.40, NULL, 0);
    const size_t first[3] = { 0, 0, 0 }, second[1] = { 1 }, third[1] = { 2 };
    NEAR(pb_accuracy_estimate(PB_ACC_AE, PB_OVER_KEYS, 0, runs, first, 3, NULL, NULL, 0), 0);
    NEAR(pb_accuracy_estimate(PB_ACC_AE, PB_OVER_KEYS, 0, runs, second, 1, NULL, NULL, 0), 80.0);
    assert_true(isnan(pb_accuracy_estimate(PB_ACC_AE, PB_OVER_KEYS, 0, runs, third, 1, NULL, NULL, 0)));
    NEAR(pb_accuracy_estimate(PB_ACC_DE, PB_OVER_KEYS, 0, runs, third, 1, truth_runs, NULL, 1), 40.0);
    assert_true(isnan(pb_accuracy_estimate(PB_ACC_DE, PB_OVER_KEYS, 0, runs, NULL, 0, truth_runs, NULL, 1)));
    assert_true(isnan(pb_accuracy_estimate(PB_ACC_TOTAL, PB_OVER_KEYS, 0, runs, NULL, 1, truth_runs, NULL, 0)));
    assert_true(isnan(pb_accuracy_estimate(PB_ACC_AE, PB_OVER_CATEGORIES, PY, runs, NULL, 1, NULL, NULL, 0)));
}

/* Response to a change: (S_var - S_base) / (T_var - T_base) over medians. */
#define SAMPLES(sb, sv, tb, tv) { (sb), (sv), sizeof(sb) / sizeof(double), \
    sizeof(sv) / sizeof(double), (tb), (tv), sizeof(tb) / sizeof(double), \
    sizeof(tv) / sizeof(double) }

static void test_response_known_answers(void **state)
{
    (void)state;
    /* truth: the phase's share goes from 0.33 to 0.50 (medians) */
    static const double tb[] = { 0.36, 0.30, 0.33 }, tv[] = { 0.50, 0.53, 0.47, 0.49, 0.51 };
    /* a perfect profiler reports the truth's shares: 1.0 */
    struct pb_response_samples perfect = SAMPLES(tb, tv, tb, tv);
    NEAR(pb_response(&perfect), 1.0);
    /* a profiler whose own time lands elsewhere lowers the phase's share by
     * the same 0.10 in both workloads: it still sees the whole change */
    static const double sb1[] = { 0.23, 0.23 }, sv1[] = { 0.40, 0.39, 0.41 };
    struct pb_response_samples offset = SAMPLES(sb1, sv1, tb, tv);
    NEAR(pb_response(&offset), 1.0);
    /* half the change: 0.33 -> 0.415; (0.415 - 0.33) / 0.17 = 0.5 */
    static const double sb2[] = { 0.30, 0.33, 0.36 }, sv2[] = { 0.395, 0.435, 0.415 };
    struct pb_response_samples half = SAMPLES(sb2, sv2, tb, tv);
    NEAR(pb_response(&half), 0.5);
    /* no change seen: 0; the change the other way: -1 */
    static const double sv3[] = { 0.33 }, sv4[] = { 0.16 };
    struct pb_response_samples blind = SAMPLES(sb2, sv3, tb, tv);
    NEAR(pb_response(&blind), 0.0);
    struct pb_response_samples wrong = SAMPLES(sb2, sv4, tb, tv);
    NEAR(pb_response(&wrong), -1.0);
    /* NAN entries are ignored: median of { 0.395, 0.435 } is 0.415 */
    static const double sv5[] = { 0.395, NAN, 0.435 };
    struct pb_response_samples holes = SAMPLES(sb2, sv5, tb, tv);
    NEAR(pb_response(&holes), 0.5);
}

static void test_response_not_applicable(void **state)
{
    (void)state;
    static const double tb[] = { 0.33 }, tv_tiny[] = { 0.345 }, tv_less[] = { 0.315 };
    static const double tv_same[] = { 0.33 }, tv[] = { 0.5 }, s[] = { 0.3 }, s2[] = { 0.4 };
    /* a truth change under 0.02 either way: not judged */
    struct pb_response_samples tiny = SAMPLES(s, s2, tb, tv_tiny);
    assert_true(isnan(pb_response(&tiny)));
    struct pb_response_samples less = SAMPLES(s, s2, tb, tv_less);
    assert_true(isnan(pb_response(&less)));
    struct pb_response_samples same = SAMPLES(s, s2, tb, tv_same);
    assert_true(isnan(pb_response(&same)));
    /* no report (no finite share) in the base or the variant */
    static const double none[] = { NAN, NAN };
    struct pb_response_samples no_base = SAMPLES(none, s2, tb, tv);
    assert_true(isnan(pb_response(&no_base)));
    struct pb_response_samples no_var = SAMPLES(s, none, tb, tv);
    assert_true(isnan(pb_response(&no_var)));
    struct pb_response_samples empty = { s, s2, 0, 1, tb, tv, 1, 1 };
    assert_true(isnan(pb_response(&empty)));
    struct pb_response_samples no_truth = { s, s2, 1, 1, tb, tv, 1, 0 };
    assert_true(isnan(pb_response(&no_truth)));
    /* and then no interval either */
    double lo = 0, hi = 0;
    pb_response_ci(&tiny, 1000, 0.95, 1, &lo, &hi);
    assert_true(isnan(lo) && isnan(hi));
    lo = hi = 0;
    pb_response_ci(&no_var, 1000, 0.95, 1, &lo, &hi);
    assert_true(isnan(lo) && isnan(hi));
}

static void test_response_interval(void **state)
{
    (void)state;
    static const double tb[] = { 0.31, 0.36, 0.30, 0.33, 0.35, 0.32, 0.34, 0.33, 0.29 };
    static const double tv[] = { 0.50, 0.53, 0.47, 0.49, 0.51, 0.52, 0.48, 0.50, 0.46 };
    static const double sb[] = { 0.30, 0.34, 0.33, 0.36, 0.31, 0.32, 0.35, 0.29, 0.33 };
    static const double sv[] = { 0.40, 0.42, 0.44, 0.39, 0.41, 0.45, 0.43, 0.38, 0.415 };
    struct pb_response_samples x = SAMPLES(sb, sv, tb, tv);
    double r = pb_response(&x), lo, hi;
    /* medians: S 0.33 -> 0.415, T 0.33 -> 0.50 */
    NEAR(r, 0.5);
    pb_response_ci(&x, 1000, 0.95, 1, &lo, &hi);
    assert_true(isfinite(lo) && isfinite(hi));
    if (!(lo <= r && r <= hi && lo < hi))
        fail_msg("interval [%g, %g] around %g", lo, hi, r);
    /* the noise is a few hundredths of a share over a change of 0.17: the
     * interval is some tenths wide, not more than the whole range */
    assert_true(hi - lo < 1.5);
    /* the same seed gives the same interval */
    double lo2, hi2;
    pb_response_ci(&x, 1000, 0.95, 1, &lo2, &hi2);
    assert_true(lo2 == lo && hi2 == hi);
    /* the perfect profiler on the same data: the interval holds 1.0 */
    struct pb_response_samples perfect = SAMPLES(tb, tv, tb, tv);
    pb_response_ci(&perfect, 1000, 0.95, 7, &lo, &hi);
    if (!(lo <= 1.0 && 1.0 <= hi))
        fail_msg("perfect: interval [%g, %g]", lo, hi);
    /* without noise the interval is the point */
    static const double one_b[] = { 0.3, 0.3 }, one_v[] = { 0.4, 0.4, 0.4 };
    static const double t_b[] = { 0.2, 0.2 }, t_v[] = { 0.4 };
    struct pb_response_samples exact = SAMPLES(one_b, one_v, t_b, t_v);
    NEAR(pb_response(&exact), 0.5);
    pb_response_ci(&exact, 200, 0.95, 3, &lo, &hi);
    NEAR(lo, 0.5);
    NEAR(hi, 0.5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_perfect),
        cmocka_unit_test(test_seed_numbers),
        cmocka_unit_test(test_all_outside),
        cmocka_unit_test(test_missed_phase),
        cmocka_unit_test(test_threads_and_total),
        cmocka_unit_test(test_nothing_to_compare),
        cmocka_unit_test(test_ce_two_categories),
        cmocka_unit_test(test_ce_not_applicable),
        cmocka_unit_test(test_match_by_real_path),
        cmocka_unit_test(test_duplicate_phase),
        cmocka_unit_test(test_truth_categories),
        cmocka_unit_test(test_truth_check),
        cmocka_unit_test(test_fae_keys),
        cmocka_unit_test(test_thread_coverage),
        cmocka_unit_test(test_ae_ignores_machine_noise),
        cmocka_unit_test(test_distortion),
        cmocka_unit_test(test_missed_time_is_error),
        cmocka_unit_test(test_estimate_indices_and_nan),
        cmocka_unit_test(test_key_groups),
        cmocka_unit_test(test_thread_seconds),
        cmocka_unit_test(test_response_known_answers),
        cmocka_unit_test(test_response_not_applicable),
        cmocka_unit_test(test_response_interval),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
