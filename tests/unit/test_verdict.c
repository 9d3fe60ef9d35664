/* test_verdict.c: the per-workload verdict (verdict.h) on hand-made cells with
 * known answers: most accurate, ties inside the noise floor, cheapest, no
 * measurable cost, the Pareto front, and the sentences built from them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../harness/results.h"
#include "../../harness/verdict.h"

static const struct pb_backend_ops reporting_ops = {
    .kind = "scripted",
    .summary = "test backend with a report",
    .mechanism = "tracing",
    .categories = PB_CAT_ALL,
    .caps = PB_CAP_REPORT,
};
extern const struct pb_backend_ops pb_backend_none;

static struct pb_phase phases[2] = {
    { "f1", NULL, 0, PB_CAT_PYTHON, NULL, 0 },
    { "f2", NULL, 0, PB_CAT_SYSTEM, NULL, 0 },
};
static struct pb_workload workload = { .name = "w", .file = "/w/w.py", .scale = 1.0,
                                        .phases = phases, .nphases = 2, .where = "x:1:1" };
#define NB 6
static struct pb_backend_conf backends[NB] = {
    { "none", &pb_backend_none, { NULL, 0 }, "x:2:1", NULL, NULL, 0 },
    { "A", &reporting_ops, { NULL, 0 }, "x:3:1", NULL, NULL, 0 },
    { "B", &reporting_ops, { NULL, 0 }, "x:4:1", NULL, NULL, 0 },
    { "C", &reporting_ops, { NULL, 0 }, "x:5:1", NULL, NULL, 0 },
    { "D", &reporting_ops, { NULL, 0 }, "x:6:1", NULL, NULL, 0 },
    { "E", &reporting_ops, { NULL, 0 }, "x:7:1", NULL, NULL, 0 },
};
static struct pb_config config;

/* Results of one workload whose cells are all ok with no figures; floor_hi
 * as given. Set each cell with set(). */
static void build(struct pb_results *res, double floor_hi)
{
    memset(&config, 0, sizeof(config));
    config.path = "configs/test.yaml";
    config.defaults.rounds = 5;
    config.workloads = &workload;
    config.nworkloads = 1;
    config.backends = backends;
    config.nbackends = NB;
    pb_results_init(res, &config);
    res->truth = pb_xcalloc(1, sizeof(struct pb_truth));
    res->truth[0].floor_hi = floor_hi;
    res->truth[0].floor_pp = res->truth[0].floor_lo = NAN;
    res->cells = pb_xcalloc(NB, sizeof(struct pb_cell));
    res->ncells = NB;
    for (size_t b = 0; b < NB; b++) {
        struct pb_cell *c = &res->cells[b];
        c->backend = b;
        c->status = PB_CELL_OK;
        c->wall_ratio = c->wall_lo = c->wall_hi = NAN;
        c->fae_pp = NAN;
    }
    /* the `none` row: free and exact, never a candidate */
    res->cells[0].wall_ratio = 1.0, res->cells[0].wall_lo = 0.99, res->cells[0].wall_hi = 1.01;
    res->cells[0].fae_pp = 0.0;
}

static void set(struct pb_results *res, size_t b, double r, double lo, double hi, double fae)
{
    struct pb_cell *c = &res->cells[b];
    c->wall_ratio = r, c->wall_lo = lo, c->wall_hi = hi, c->fae_pp = fae;
}

static char *text_of(const struct pb_results *res, const struct pb_verdict *v)
{
    struct pb_strbuf sb = PB_STRBUF_INIT;
    pb_verdict_text(res, v, "- ", &sb);
    return pb_strbuf_detach(&sb);
}

#define HAS(s, needle) do { \
        if (!strstr((s), (needle))) \
            fail_msg("missing \"%s\" in:\n%s", (needle), (s)); \
    } while (0)

static void test_fae_distinct(void **state)
{
    (void)state;
    assert_int_equal(pb_verdict_fae_distinct(1.0, 3.0, 2.0), 0);   /* exactly the floor */
    assert_int_equal(pb_verdict_fae_distinct(1.0, 3.1, 2.0), 1);
    assert_int_equal(pb_verdict_fae_distinct(3.1, 1.0, 2.0), 1);
    assert_int_equal(pb_verdict_fae_distinct(1.0, 3.0, NAN), -1);
    assert_int_equal(pb_verdict_fae_distinct(NAN, 3.0, 2.0), -1);
}

/* Two inside the floor, a Pareto front of two, one failed row, one dominated
 * row whose FAE is within the floor of another outside it. */
static void test_full_verdict(void **state)
{
    (void)state;
    struct pb_results res;
    build(&res, 2.0);
    set(&res, 1, 1.01, 0.98, 1.05, 10.0);   /* A: cheapest, free, inaccurate */
    set(&res, 2, 1.50, 1.40, 1.60, 1.0);    /* B: most accurate, inside the floor */
    set(&res, 3, 3.00, 2.80, 3.20, 1.5);    /* C: inside the floor, dominated by B */
    set(&res, 4, 1.45, 1.42, 1.48, 11.5);   /* D: dominated by A */
    set(&res, 5, 0.90, 0.80, 1.00, 0.1);    /* E: would win both, but failed */
    res.cells[5].status = PB_CELL_FAILED;
    struct pb_verdict v;
    pb_verdict_compute(&res, 0, &v);
    assert_int_equal(v.ncandidates, 4);
    assert_int_equal(v.flags[0], 0);   /* `none` */
    assert_int_equal(v.flags[5], 0);   /* failed */
    assert_int_equal(v.most_accurate, 2);
    assert_int_equal(v.cheapest, 1);
    assert_int_equal(v.nin_floor, 2);
    assert_true(v.flags[2] & PB_VERDICT_IN_FLOOR);
    assert_true(v.flags[3] & PB_VERDICT_IN_FLOOR);
    assert_false(v.flags[1] & PB_VERDICT_IN_FLOOR);
    assert_int_equal(v.ntied_best, 2);   /* B and C */
    assert_true(v.flags[3] & PB_VERDICT_TIED_BEST);
    assert_int_equal(v.nno_cost, 1);
    assert_true(v.flags[1] & PB_VERDICT_NO_COST);
    assert_int_equal(v.ntied_cheapest, 1);
    assert_int_equal(v.npareto, 2);
    assert_true(v.flags[1] & PB_VERDICT_PARETO);
    assert_true(v.flags[2] & PB_VERDICT_PARETO);
    assert_false(v.flags[3] & PB_VERDICT_PARETO);
    assert_false(v.flags[4] & PB_VERDICT_PARETO);
    char *t = text_of(&res, &v);
    HAS(t, "- Most accurate: B (FAE 1.0 pp) and C (FAE 1.5 pp) are all inside the noise "
           "floor (FAE <= 2.0 pp): not distinguishable from each other or from unprofiled "
           "runs.\n");
    HAS(t, "- Cheapest: A (1.01x [0.98-1.05]). No measurable cost (interval contains 1.0): "
           "A.\n");
    HAS(t, "- Best trade-offs (Pareto front of overhead and FAE, cheapest first): A (1.01x "
           "[0.98-1.05], FAE 10.0 pp) and B (1.50x [1.40-1.60], FAE 1.0 pp); every other "
           "profiler is beaten on both.\n");
    HAS(t, ", besides those inside the floor: A vs D.\n");
    assert_null(strstr(t, " E "));   /* the failed row is in no sentence */
    free(t);
    pb_verdict_release(&v);
    pb_results_release(&res);
}

/* A best with one rival inside the floor of it, one clearly behind;
 * overlapping cost intervals are ties. */
static void test_tie_with_best(void **state)
{
    (void)state;
    struct pb_results res;
    build(&res, 2.0);
    set(&res, 1, 1.20, 1.10, 1.30, 5.0);
    set(&res, 2, 1.25, 1.22, 1.40, 6.5);
    set(&res, 3, 2.00, 1.90, 2.10, 9.0);
    res.cells[4].status = res.cells[5].status = PB_CELL_SKIPPED;
    struct pb_verdict v;
    pb_verdict_compute(&res, 0, &v);
    assert_int_equal(v.most_accurate, 1);
    assert_int_equal(v.nin_floor, 0);
    assert_int_equal(v.ntied_best, 2);
    assert_int_equal(v.ntied_cheapest, 2);
    assert_int_equal(v.nno_cost, 0);
    assert_int_equal(v.npareto, 1);   /* A beats both on both */
    char *t = text_of(&res, &v);
    HAS(t, "Most accurate: A (FAE 5.0 pp), not distinguishable from B (FAE 6.5 pp): within "
           "the noise floor (2.0 pp) of it.\n");
    HAS(t, "Cheapest: A (1.20x [1.10-1.30]), not distinguishable from B (overlapping 95% "
           "intervals). Every profiler costs measurably (no interval contains 1.0).\n");
    HAS(t, "Best trade-off: A (1.20x [1.10-1.30], FAE 5.0 pp), no other profiler is cheaper "
           "or more accurate.\n");
    HAS(t, "not evidence that one attributes better): A vs B.\n");
    free(t);
    pb_verdict_release(&v);
    pb_results_release(&res);
}

/* A clear winner; an interval that rounds to [1.00-1.00] is no measurable cost. */
static void test_clear_best_and_rounding(void **state)
{
    (void)state;
    struct pb_results res;
    build(&res, 1.0);
    set(&res, 1, 1.003, 1.001, 1.004, 8.0);
    set(&res, 2, 1.80, 1.70, 1.90, 2.0);
    res.cells[3].status = res.cells[4].status = res.cells[5].status = PB_CELL_SKIPPED;
    struct pb_verdict v;
    pb_verdict_compute(&res, 0, &v);
    assert_int_equal(v.most_accurate, 2);
    assert_int_equal(v.ntied_best, 1);
    assert_true(v.flags[1] & PB_VERDICT_NO_COST);
    char *t = text_of(&res, &v);
    HAS(t, "Most accurate: B (FAE 2.0 pp), ahead of the others by more than the noise floor "
           "(1.0 pp).\n");
    HAS(t, "Cheapest: A (1.00x [1.00-1.00]). No measurable cost (interval contains 1.0): A.\n");
    HAS(t, "none; every other pair differs by more.\n");
    free(t);
    pb_verdict_release(&v);
    pb_results_release(&res);
}

/* Without a `none` row there is no floor: no ties claimed, and it says so. */
static void test_no_floor(void **state)
{
    (void)state;
    struct pb_results res;
    build(&res, NAN);
    set(&res, 1, 1.5, 1.4, 1.6, 3.0);
    set(&res, 2, 2.5, 2.4, 2.6, 3.1);
    res.cells[3].status = res.cells[4].status = res.cells[5].status = PB_CELL_FAILED;
    struct pb_verdict v;
    pb_verdict_compute(&res, 0, &v);
    assert_int_equal(v.most_accurate, 1);
    assert_int_equal(v.ntied_best, 1);
    assert_int_equal(v.nin_floor, 0);
    char *t = text_of(&res, &v);
    HAS(t, "Most accurate: A (FAE 3.0 pp); without a noise floor (no `none` row) it cannot "
           "be told whether the differences are real.\n");
    assert_null(strstr(t, "FAE differences"));
    free(t);
    pb_verdict_release(&v);
    pb_results_release(&res);
}

/* Nothing completed: one sentence. One phase: FAE cannot judge. */
static void test_degenerate(void **state)
{
    (void)state;
    struct pb_results res;
    build(&res, 1.0);
    for (size_t b = 1; b < NB; b++)
        res.cells[b].status = PB_CELL_FAILED;
    struct pb_verdict v;
    pb_verdict_compute(&res, 0, &v);
    assert_int_equal(v.ncandidates, 0);
    assert_int_equal(v.most_accurate, -1);
    assert_int_equal(v.cheapest, -1);
    char *t = text_of(&res, &v);
    assert_string_equal(t, "- No profiler completed this workload: nothing to compare.\n");
    free(t);
    pb_verdict_release(&v);
    pb_results_release(&res);

    workload.nphases = 1;
    build(&res, 0.0);
    set(&res, 1, 1.1, 1.0, 1.2, 0.0);
    set(&res, 2, 1.9, 1.8, 2.0, 0.0);
    res.cells[3].status = res.cells[4].status = res.cells[5].status = PB_CELL_FAILED;
    pb_verdict_compute(&res, 0, &v);
    t = text_of(&res, &v);
    HAS(t, "Most accurate: cannot be told by FAE: the workload has one phase and no threads");
    HAS(t, "Cheapest: A (1.10x [1.00-1.20]). No measurable cost (interval contains 1.0): A.\n");
    assert_null(strstr(t, "trade-off"));
    free(t);
    pb_verdict_release(&v);
    pb_results_release(&res);
    workload.nphases = 2;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fae_distinct),
        cmocka_unit_test(test_full_verdict),
        cmocka_unit_test(test_tie_with_best),
        cmocka_unit_test(test_clear_best_and_rounding),
        cmocka_unit_test(test_no_floor),
        cmocka_unit_test(test_degenerate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
