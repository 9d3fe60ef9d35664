/* test_results_read.c: results.json written by json_writer.c and read back by
 * results_read.c gives the runs merge summarises again: every field a
 * summary uses survives the round trip, and a summary of the runs read back
 * has the figures of the original. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../harness/json_parse.h"
#include "../../harness/results.h"
#include "../../harness/results_read.h"
#include "../../harness/writers.h"

static const struct pb_backend_ops reporting_ops = {
    .kind = "scripted",
    .summary = "test backend with a report",
    .mechanism = "tracing",
    .categories = PB_CAT_PYTHON | PB_CAT_NATIVE,
    .caps = PB_CAP_REPORT,
};
extern const struct pb_backend_ops pb_backend_none;
extern const struct pb_backend_ops pb_backend_launched;

static struct pb_phase phases[2] = {
    { .function = "f1", .category = PB_CAT_PYTHON },
    { .function = "f2", .category = PB_CAT_NATIVE },
};
static struct pb_workload workload = { .name = "mixed", .file = "/w/mixed.py", .scale = 1.0,
                                        .phases = phases, .nphases = 2, .where = "x:1:1" };
static struct pb_backend_conf backends[3] = {
    { "none", &pb_backend_none, { NULL, 0 }, "x:2:1", NULL, NULL, 0 },
    { "scripted", &reporting_ops, { NULL, 0 }, "x:3:1", NULL, NULL, 0 },
    { "launched", &pb_backend_launched, { NULL, 0 }, "x:4:1", NULL, NULL, 0 },
};
static struct pb_config config;

static struct pb_run_record *add(struct pb_results *res, long backend, long round, double wall)
{
    struct pb_run_record *r = pb_results_add(res);
    r->backend = backend;
    r->round = round;
    r->warmup = round == 0;
    r->shard = 2;
    r->order = (long)res->nruns - 1;
    r->run.status = PB_RUN_OK;
    r->run.wall_s = wall;
    r->run.cpu_s = wall * 0.9;
    r->run.cpu_user_s = wall * 0.8;
    r->run.cpu_sys_s = wall * 0.1;
    r->run.start_s = 0.001;
    r->run.stop_s = 0.002;
    r->run.maxrss_kb = 10000 + (long)round;
    r->run.elapsed_s = wall + 0.02;
    r->run.nphases = 2;
    r->run.phase_wall_s[0] = wall * 0.4;
    r->run.phase_user_s[0] = wall * 0.4;
    r->run.phase_wall_s[1] = wall * 0.6;
    r->run.phase_user_s[1] = wall * 0.59;
    r->run.phase_sys_s[1] = wall * 0.01;
    if (backend == 1) {
        r->run.has_attr = 1;
        r->run.attr.nphases = 2;
        r->run.attr.phase_s[0] = 0.5 * wall;
        r->run.attr.phase_s[1] = 0.45 * wall;
        r->run.attr.other_s = 0.05 * wall;
        r->run.attr.total_s = wall;
        r->run.attr.categories = PB_CAT_PYTHON | PB_CAT_NATIVE;
        r->run.attr.cat_s[PB_CAT_PYTHON] = 0.5 * wall;
        r->run.attr.cat_s[PB_CAT_NATIVE] = 0.5 * wall;
        r->run.attr.cat_s[PB_CAT_SYSTEM] = NAN;
        r->run.attr.entries = 7;
        r->run.collect_s = 0.003;
        snprintf(r->run.note, sizeof(r->run.note), "tool 1.0, \"quoted\"");
    }
    return r;
}

static void build(struct pb_results *res)
{
    memset(&config, 0, sizeof(config));
    config.path = (char *)"t.yaml";
    config.hash = (char *)"0123456789abcdef";
    config.defaults.rounds = 3;
    config.defaults.warmup = 1;
    config.defaults.timeout_s = 60;
    config.workloads = &workload;
    config.nworkloads = 1;
    config.backends = backends;
    config.nbackends = 3;
    pb_results_init(res, &config);
    for (long r = 0; r < 4; r++) {
        add(res, PB_BASELINE, r, 1.0 + 0.1 * (double)r);
        add(res, PB_BASELINE_LAUNCHED, r, 0.8 + 0.1 * (double)r);
        add(res, 0, r, 1.01 + 0.1 * (double)r);
        add(res, 1, r, 1.5 + 0.2 * (double)r);
        add(res, 2, r, 0.81 + 0.1 * (double)r);
    }
    struct pb_run_record *f = add(res, 1, 3, 0);
    f->run.status = PB_RUN_FAILED;
    snprintf(f->run.reason, sizeof(f->run.reason), "ValueError: boom");
    f->run.has_attr = 0;
    pb_results_summarise(res);
}

static void test_round_trip(void **state)
{
    (void)state;
    struct pb_results a, b;
    build(&a);
    char *json = pb_write_results_json(&a);
    struct pb_jval doc;
    char err[256];
    assert_int_equal(pb_json_parse(json, strlen(json), &doc, err, sizeof(err)), 0);
    pb_results_init(&b, &config);
    b.rounds = a.rounds;
    b.warmup = a.warmup;
    assert_int_equal(pb_results_read_runs(&doc, &b, 9, err, sizeof(err)), 0);
    assert_int_equal(b.nruns, a.nruns);
    for (size_t i = 0; i < a.nruns; i++) {
        const struct pb_run_record *x = &a.runs[i], *y = &b.runs[i];
        assert_int_equal(y->backend, x->backend);
        assert_int_equal(y->round, x->round);
        assert_int_equal(y->warmup, x->warmup);
        assert_int_equal(y->shard, 2);            /* recorded, not the default 9 */
        assert_int_equal(y->run.status, x->run.status);
        assert_string_equal(y->run.reason, x->run.reason);
        assert_string_equal(y->run.note, x->run.note);
        assert_int_equal(y->run.has_attr, x->run.has_attr);
        if (x->run.status != PB_RUN_OK)
            continue;
        assert_true(fabs(y->run.wall_s - x->run.wall_s) < 1e-9);
        assert_true(fabs(y->run.cpu_s - x->run.cpu_s) < 1e-9);
        assert_int_equal(y->run.maxrss_kb, x->run.maxrss_kb);
        for (size_t p = 0; p < 2; p++) {
            assert_true(fabs(y->run.phase_wall_s[p] - x->run.phase_wall_s[p]) < 1e-9);
            assert_true(fabs(y->run.phase_sys_s[p] - x->run.phase_sys_s[p]) < 1e-9);
        }
        if (x->run.has_attr) {
            assert_int_equal(y->run.attr.categories, x->run.attr.categories);
            assert_true(isnan(y->run.attr.cat_s[PB_CAT_SYSTEM]));
            assert_true(fabs(y->run.attr.phase_s[1] - x->run.attr.phase_s[1]) < 1e-9);
            assert_int_equal(y->run.attr.entries, 7);
            assert_true(fabs(y->run.collect_s - 0.003) < 1e-12);
        }
    }
    /* summarised again, the figures are the original's */
    pb_results_summarise(&b);
    for (size_t k = 0; k < 3; k++) {
        const struct pb_cell *x = pb_results_cell(&a, 0, k), *y = pb_results_cell(&b, 0, k);
        assert_int_equal(y->status, x->status);
        assert_int_equal(y->nrounds, x->nrounds);
        assert_true(fabs(y->wall_ratio - x->wall_ratio) < 1e-9);
        if (isnan(x->fae_pp))
            assert_true(isnan(y->fae_pp));
        else
            assert_true(fabs(y->fae_pp - x->fae_pp) < 1e-6);
    }
    /* the launched backend's ratio is to the launched baseline (about 1.01),
     * not to the in-process one (about 0.82) */
    assert_true(fabs(pb_results_cell(&b, 0, 2)->wall_ratio - 1.01) < 0.02);
    pb_jval_release(&doc);
    free(json);
    pb_results_release(&a);
    pb_results_release(&b);
}

static void test_unknown_names(void **state)
{
    (void)state;
    const char *docs[] = {
        "{\"runs\": [{\"workload\": \"other\", \"backend\": null, \"round\": 0}]}",
        "{\"runs\": [{\"workload\": \"mixed\", \"backend\": \"nope\", \"round\": 0}]}",
        "{\"runs\": [{\"workload\": \"mixed\", \"backend\": null}]}",
        "{\"runs\": [{\"workload\": \"mixed\", \"backend\": null, \"round\": 0, "
        "\"phases\": [{}, {}, {}]}]}",
        "{\"nothing\": 1}",
    };
    const char *want[] = { "workload 'other'", "backend 'nope'", "no round", "3 phases",
                           "no runs" };
    struct pb_results res;
    build(&res);
    size_t before = res.nruns;
    for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
        struct pb_jval doc;
        char err[256];
        assert_int_equal(pb_json_parse(docs[i], strlen(docs[i]), &doc, err, sizeof(err)), 0);
        assert_int_equal(pb_results_read_runs(&doc, &res, 1, err, sizeof(err)), -1);
        assert_non_null(strstr(err, want[i]));
        assert_int_equal(res.nruns, before);
        pb_jval_release(&doc);
    }
    pb_results_release(&res);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_unknown_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
