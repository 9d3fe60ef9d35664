/* test_writers.c: summary.c and the writers, on hand-made runs, against golden
 * files in tests/unit/golden/ (regenerate with PB_UPDATE_GOLDEN=1 and review
 * the diff). */
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

#include "../../harness/results.h"
#include "../../harness/writers.h"

#define GOLDEN "tests/unit/golden/"

static const struct pb_backend_ops reporting_ops = {
    .kind = "scripted",
    .summary = "test backend with a report",
    .mechanism = "tracing",
    .categories = PB_CAT_ALL,
    .caps = PB_CAP_REPORT,
};
extern const struct pb_backend_ops pb_backend_none;

static struct pb_phase phases[3] = {
    { "f1", NULL, 0, PB_CAT_PYTHON, NULL, 0 },
    { "f2", NULL, 0, PB_CAT_NATIVE, NULL, 0 },
    { "f3", NULL, 0, PB_CAT_SYSTEM, NULL, 0 },
};
static struct pb_workload workload = { .name = "mixed", .file = "/w/mixed.py", .scale = 1.0,
                                        .phases = phases, .nphases = 3, .where = "x:1:1" };
static struct pb_backend_conf backends[2] = {
    { "none", &pb_backend_none, { NULL, 0 }, "x:2:1", NULL, NULL, 0 },
    { "scripted, \"quoted\"", &reporting_ops, { NULL, 0 }, "x:3:1", NULL, NULL, 0 },
};
static struct pb_config config;

static void add_run(struct pb_results *res, long backend, long round, double wall,
                    double scale_attr)
{
    struct pb_run_record *r = pb_results_add(res);
    r->workload = 0;
    r->backend = backend;
    r->round = round;
    r->order = (long)res->nruns - 1;
    r->run.status = PB_RUN_OK;
    r->run.wall_s = wall;
    r->run.cpu_s = wall * 0.6;
    r->run.maxrss_kb = backend == 1 ? 12000 : 10000;
    r->run.nphases = 3;
    /* 0.22 / 0.36 / 0.42 of the wall: python, native, sleeping */
    r->run.phase_wall_s[0] = 0.22 * wall;
    r->run.phase_user_s[0] = 0.22 * wall;
    r->run.phase_wall_s[1] = 0.36 * wall;
    r->run.phase_user_s[1] = 0.36 * wall;
    r->run.phase_wall_s[2] = 0.42 * wall;
    r->run.phase_sys_s[2] = 0.0;
    if (backend == 1) {
        r->run.has_attr = 1;
        r->run.attr.nphases = 3;
        r->run.attr.phase_s[0] = 0.31 * scale_attr;
        r->run.attr.phase_s[1] = 0.32 * scale_attr;
        r->run.attr.phase_s[2] = 0.36 * scale_attr;
        r->run.attr.other_s = 0.01 * scale_attr;
        r->run.attr.total_s = 1.0 * scale_attr;
        r->run.attr.categories = PB_CAT_ALL;
        r->run.attr.cat_s[PB_CAT_PYTHON] = 0.31 * scale_attr;
        r->run.attr.cat_s[PB_CAT_NATIVE] = 0.32 * scale_attr;
        r->run.attr.cat_s[PB_CAT_SYSTEM] = 0.37 * scale_attr;
        r->run.collect_s = 0.002;
    }
}

static void build(struct pb_results *res)
{
    memset(&config, 0, sizeof(config));
    config.path = "configs/test.yaml";
    config.hash = "0123456789abcdef";
    config.defaults.rounds = 3;
    config.defaults.warmup = 0;
    config.defaults.timeout_s = 60;
    config.defaults.seed = 1;
    config.workloads = &workload;
    config.nworkloads = 1;
    config.backends = backends;
    config.nbackends = 2;
    pb_results_init(res, &config);
    res->started_at = 1795000000;
    snprintf(res->python, sizeof(res->python), "3.11.2 (main) [GCC 12.2.0]");
    snprintf(res->sys.cpu_model, sizeof(res->sys.cpu_model), "Test CPU");
    res->sys.cpu_count = 2;
    snprintf(res->sys.kernel, sizeof(res->sys.kernel), "Linux 6.1.0 x86_64");
    double base[3] = { 1.0, 1.1, 0.9 };
    double prof[3] = { 1.2, 1.4, 1.0 };
    for (long r = 0; r < 3; r++) {
        add_run(res, PB_BASELINE, r, base[r], 1);
        add_run(res, 0, r, base[r] * 1.01, 1);
        add_run(res, 1, r, prof[r], 1);
    }
    pb_results_summarise(res);
}

static void check_golden(const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof(path), GOLDEN "%s", name);
    if (getenv("PB_UPDATE_GOLDEN")) {
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fputs(text, f);
        fclose(f);
    }
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    static char buf[65536];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    fclose(f);
    assert_string_equal(text, buf);
}

/* The cell figures follow docs/METHOD.md: the ratio of the minima (no
 * interval from 3 rounds), AE, DE, FAE, CE, and the `none` row's floor. */
static void test_summary_figures(void **state)
{
    (void)state;
    struct pb_results res;
    build(&res);
    const struct pb_cell *c = pb_results_cell(&res, 0, 1);
    assert_int_equal(c->status, PB_CELL_OK);
    assert_int_equal(c->nrounds, 3);
    /* min profiled 1.0 / min baseline 0.9; 3 rounds: no interval */
    assert_true(fabs(c->wall_ratio - 1.0 / 0.9) < 1e-12);
    assert_true(isnan(c->wall_lo) && isnan(c->wall_hi));
    /* FAE: 50 * (|.31-.22| + |.32-.36| + |.36-.42| + .01) = 10 */
    assert_true(fabs(c->fae_pp - 10.0) < 1e-9);
    /* the runs' own shares are the truth's: no distortion, AE = FAE */
    assert_true(fabs(c->de_pp) < 1e-9);
    assert_true(fabs(c->ae_pp - 10.0) < 1e-9);
    assert_true(c->fae_lo <= c->fae_pp && c->fae_pp <= c->fae_hi);
    /* CE: truth .22/.36/.42, reported .31/.32/.37 -> 50 * (.09+.04+.05) = 9 */
    assert_true(fabs(c->ce_pp - 9.0) < 1e-9);
    assert_true(fabs(c->ace_pp - 9.0) < 1e-9);
    assert_true(fabs(c->dce_pp) < 1e-9);
    assert_true(fabs(c->rss_delta_kb - 2000) < 1e-9);
    const struct pb_cell *none = pb_results_cell(&res, 0, 0);
    assert_true(fabs(none->wall_ratio - 1.01) < 1e-12);
    /* unprofiled runs: no AE; FAE is their DE, the floor */
    assert_true(isnan(none->ae_pp));
    assert_true(fabs(none->fae_pp - none->de_pp) < 1e-12);
    assert_true(fabs(res.truth[0].floor_pp - none->de_pp) < 1e-12);
    assert_true(pb_within_floor(0.0, res.truth[0].floor_hi));
    assert_false(pb_within_floor(c->fae_pp, res.truth[0].floor_hi));
    assert_true(fabs(res.truth[0].wall_s - 1.0) < 1e-12);
    pb_results_release(&res);
}

/* A failed run makes the cell failed with its reason; numbers from the rest. */
static void test_failed_cell(void **state)
{
    (void)state;
    struct pb_results res;
    build(&res);
    res.runs[2].run.status = PB_RUN_FAILED;   /* round 0 of the scripted backend */
    snprintf(res.runs[2].run.reason, sizeof(res.runs[2].run.reason), "killed by SIGSEGV");
    pb_results_summarise(&res);
    const struct pb_cell *c = pb_results_cell(&res, 0, 1);
    assert_int_equal(c->status, PB_CELL_FAILED);
    assert_string_equal(c->reason, "killed by SIGSEGV");
    assert_int_equal(c->nrounds, 2);
    assert_int_equal(c->nfailed, 1);
    assert_true(pb_results_any_failed(&res));
    pb_results_release(&res);
}

/* An unavailable backend is skipped with its reason and no numbers. */
static void test_skipped_cell(void **state)
{
    (void)state;
    struct pb_results res;
    build(&res);
    res.available[1] = 0;
    snprintf(res.why[1], PB_ERRLEN, "scripted not installed");
    pb_results_summarise(&res);
    const struct pb_cell *c = pb_results_cell(&res, 0, 1);
    assert_int_equal(c->status, PB_CELL_SKIPPED);
    assert_string_equal(c->reason, "scripted not installed");
    assert_true(isnan(c->wall_ratio));
    assert_false(pb_results_any_failed(&res));
    char *csv = pb_write_summary_csv(&res);
    assert_non_null(strstr(csv, "mixed,\"scripted, \"\"quoted\"\"\",skipped,,,,,,,,wall,0,0,,,,"
                                "scripted not installed,,,,,,"));
    free(csv);
    pb_results_release(&res);
}

/* summary.csv, summary.md and the terminal table match their golden files. */
static void test_golden_outputs(void **state)
{
    (void)state;
    struct pb_results res;
    build(&res);
    /* the same golden files whichever interpreter this build pins */
    pb_copy(res.interps[0].name, sizeof(res.interps[0].name), "python3.11");
    char *csv = pb_write_summary_csv(&res);
    check_golden("summary.csv", csv);
    free(csv);
    char *md = pb_write_summary_md(&res);
    check_golden("summary.md", md);
    free(md);
    char *table = pb_write_table(&res, 0);
    check_golden("table.txt", table);
    for (char *line = table; *line;) {
        char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        assert_true(len <= 100);
        line += len + (nl ? 1 : 0);
    }
    free(table);
    pb_results_release(&res);
}

/* results.json has every documented top-level key and the per-round ratios. */
static void test_results_json(void **state)
{
    (void)state;
    struct pb_results res;
    build(&res);
    char *json = pb_write_results_json(&res);
    const char *keys[] = { "\"schema\": 1", "\"tool\"", "\"started\": \"2026-", "\"config\"",
                           "\"hash\": \"0123456789abcdef\"", "\"machine\"", "\"python\"",
                           "\"workloads\"", "\"backends\"", "\"runs\"", "\"summary\"",
                           "\"wall_ratios\": [\n        1.2,", "\"fae_pp\": 10", NULL };
    for (int i = 0; keys[i]; i++)
        if (!strstr(json, keys[i]))
            fail_msg("results.json lacks %s", keys[i]);
    free(json);
    pb_results_release(&res);
}

/* Thread and coroutine keys through pb_results_summarise(), by hand:
 * truth phases 0.22 / 0.36 / 0.42 plus a `hasher` thread of 0.5 s (T = 1.5);
 * the backend gives the phases 0.31 / 0.32 / 0.36, the thread 0.25, the rest
 * 0.01 (R = 1.25).
 * d = |0.248-0.14667| + |0.256-0.24| + |0.288-0.28| + |0.2-0.33333| + 0.008
 *   = 0.10133 + 0.016 + 0.008 + 0.13333 + 0.008 = 0.26667 -> FAE 13.333.
 * Coverage: min(0.25, 0.5) / 0.5 = 0.5.
 * Task view: compute 0.3 s and waiter 0.6 s true (T = 0.9), reported 0.3
 * and 0 of R = 1.25: d = |0.24-0.3333| + |0-0.6667| + 0.95/1.25 = 1.52
 * -> 76. */
static void test_thread_and_task_cells(void **state)
{
    (void)state;
    struct pb_results res;
    build(&res);
    for (size_t i = 0; i < res.nruns; i++) {
        struct pb_run *run = &res.runs[i].run;
        struct pb_key_rec *th = pb_key_append(&run->threads, &run->nthreads);
        th->phase = 0;
        snprintf(th->name, sizeof(th->name), "hasher");
        th->count = 1;
        th->wall_s = 0.5;
        th->user_s = 0.2;            /* declared native: a truth warning */
        th->attr_s = NAN;
        pb_key_append(&run->tasks, &run->ntasks);
        pb_key_append(&run->tasks, &run->ntasks);
        run->tasks[0].phase = run->tasks[1].phase = -1;
        snprintf(run->tasks[0].name, PB_KEY_NAME, "compute");
        snprintf(run->tasks[1].name, PB_KEY_NAME, "waiter");
        run->tasks[0].wall_s = 0.3;
        run->tasks[1].wall_s = 0.6;
        run->tasks[0].attr_s = run->tasks[1].attr_s = NAN;
        if (res.runs[i].backend == 1) {
            th->attr_s = 0.25;
            run->attr.total_s = 1.25;
            run->tasks[0].attr_s = 0.3;
            run->tasks[1].attr_s = 0.0;
        }
    }
    struct pb_thread_decl decl = { (char *)"hasher", PB_CAT_NATIVE };
    phases[0].threads = &decl;
    phases[0].nthreads = 1;
    pb_results_summarise(&res);
    phases[0].threads = NULL;
    phases[0].nthreads = 0;
    const struct pb_truth *t = &res.truth[0];
    assert_int_equal(t->nthreads, 1);
    assert_int_equal(t->ntasks, 2);
    assert_true(fabs(t->wall_s - 1.5) < 1e-9);
    assert_int_equal(t->threads[0].t.declared, PB_CAT_NATIVE);
    assert_string_equal(t->threads[0].warning,
                        "declared native but only 40% of wall is user CPU");
    const struct pb_cell *c = pb_results_cell(&res, 0, 1);
    assert_true(fabs(c->fae_pp - 40.0 / 3) < 1e-6);
    assert_true(fabs(c->coverage - 0.5) < 1e-9);
    assert_true(fabs(c->fae_task_pp - 76.0) < 1e-6);
    /* the backend without a report has none of them */
    const struct pb_cell *n = pb_results_cell(&res, 0, 0);
    assert_true(isnan(n->coverage) && isnan(n->fae_task_pp));
    struct pb_strbuf sb = PB_STRBUF_INIT;
    assert_int_equal(pb_truth_warnings(&res, 0, "> ", &sb), 1);
    assert_string_equal(sb.buf, "> thread hasher of phase f1: declared native but only 40% "
                        "of wall is user CPU\n");
    pb_strbuf_release(&sb);
    /* shares of R: the thread 0.25 / 1.25; the coroutines 0.3 and 0 of 1.25 */
    assert_true(fabs(c->thread_share[0] - 0.2) < 1e-9);
    assert_true(fabs(c->task_share[0] - 0.24) < 1e-9 && c->task_share[1] == 0);
    char *md = pb_write_summary_md(&res);
    assert_non_null(strstr(md, "## Threads and coroutines"));
    assert_non_null(strstr(md, "| (truth) | 33.3% | 33.3% | 66.7% |"));
    assert_non_null(strstr(md, "| scripted, \"quoted\" | 20.0% | 24.0% | 0.0% |"));
    free(md);
    char *json = pb_write_results_json(&res);
    assert_non_null(strstr(json, "\"reported_share\": 0.2"));
    free(json);
    char *table = pb_write_table(&res, 0);
    assert_non_null(strstr(table, "thr  FAE-t"));
    assert_non_null(strstr(table, " 50%   76.0  ok"));
    free(table);
    pb_results_release(&res);
}

/* 40 threads of distinct names ("Thread-N (spin)", 30 of them, each 0.02 s
 * wall, 25% user CPU; "Thread-N (nap)", 10 of them, 0.01 s, no CPU) in
 * phase f1: more than PB_KEYS_UNGROUPED names, so the truth groups them by
 * pattern; every thread is in the truth (T grows by 0.7 s), the runs keep
 * every record, the backend's seconds of a group are its threads' sum, and
 * the truth warnings are one line a phase. */
static void test_many_threads_grouped(void **state)
{
    (void)state;
    struct pb_results res;
    build(&res);
    for (size_t i = 0; i < res.nruns; i++) {
        struct pb_run *run = &res.runs[i].run;
        for (int k = 0; k < 40; k++) {
            struct pb_key_rec *th = pb_key_append(&run->threads, &run->nthreads);
            th->phase = 0;
            snprintf(th->name, sizeof(th->name), "Thread-%d (%s)", k + 1, k < 30 ? "spin" : "nap");
            th->count = 1;
            th->wall_s = k < 30 ? 0.02 : 0.01;
            th->user_s = k < 30 ? 0.005 : 0;
            if (res.runs[i].backend == 1)
                th->attr_s = k < 30 ? 0.01 : 0;
        }
    }
    pb_results_summarise(&res);
    const struct pb_truth *t = &res.truth[0];
    assert_int_equal(t->nthreads, 2);
    assert_int_equal(res.runs[0].run.nthreads, 40);
    for (size_t k = 0; k < 2; k++)
        assert_int_equal(t->threads[k].group, PB_KEY_PATTERN);
    assert_string_equal(t->threads[0].name, "Thread-* (spin)");
    assert_int_equal(t->threads[0].count, 30);
    assert_true(fabs(t->threads[0].t.wall_s - 0.6) < 1e-9);
    assert_string_equal(t->threads[1].name, "Thread-* (nap)");
    assert_int_equal(t->threads[1].count, 10);
    /* phases 1.0 s (median baseline wall) + 0.6 + 0.1 */
    assert_true(fabs(t->wall_s - 1.7) < 1e-9);
    const struct pb_cell *c = pb_results_cell(&res, 0, 1);
    /* the backend gave the spinners 0.3 s of R = 1.3 (0.01 other + 0.99
     * phases + 0.3: the threads' seconds are not in R_other) */
    assert_true(fabs(c->thread_share[0] - 0.3 / 1.3) < 1e-6);
    assert_true(c->thread_share[1] == 0);
    assert_true(fabs(c->coverage - 0.3 / 0.7) < 1e-9);
    struct pb_strbuf sb = PB_STRBUF_INIT;
    assert_int_equal(pb_truth_warnings(&res, 0, "", &sb), 1);
    assert_string_equal(sb.buf, "40 threads of phase f1: declared python, 0-25% user CPU\n");
    pb_strbuf_release(&sb);
    char *md = pb_write_summary_md(&res);
    assert_non_null(strstr(md, "| thread `Thread-* (spin)` (30 threads) | thread `Thread-* (nap)` "
                               "(10 threads) |"));
    free(md);
    char *json = pb_write_results_json(&res);
    assert_non_null(strstr(json, "\"grouped_by\": \"pattern\""));
    assert_non_null(strstr(json, "\"name\": \"Thread-40 (nap)\""));
    free(json);
    pb_results_release(&res);
}

/* A variant workload's response through pb_results_summarise() and the
 * writers, by hand: f1's true share goes from 0.22 (the base, add_run()) to
 * 0.5 (the variant: phases 0.5 / 0.3 / 0.2 of the wall), the backend's from
 * 0.31 to 0.45 of R = 1: response = 0.14 / 0.28 = 0.5, with no noise an
 * interval of [0.5, 0.5]. */
static void test_variant_response(void **state)
{
    (void)state;
    struct pb_workload two[2] = { workload, workload };
    two[1].name = "mixed_more";
    two[1].variant_of = "mixed";
    two[1].base = 0;
    two[1].response_phase = 0;
    struct pb_results res;
    build(&res);
    struct pb_run_record *runs = res.runs;
    size_t nruns = res.nruns;
    res.runs = NULL;
    res.nruns = res.runs_alloc = 0;
    pb_results_release(&res);
    config.workloads = two;
    config.nworkloads = 2;
    pb_results_init(&res, &config);
    res.runs = runs;
    res.nruns = res.runs_alloc = nruns;
    for (size_t i = 0; i < nruns; i++) {
        struct pb_run_record *r = pb_results_add(&res);
        *r = res.runs[i];
        r->workload = 1;
        for (int p = 0; p < 3; p++) {
            r->run.phase_wall_s[p] = (p == 0 ? 0.5 : p == 1 ? 0.3 : 0.2) * r->run.wall_s;
            r->run.phase_user_s[p] = p < 2 ? r->run.phase_wall_s[p] : 0;
        }
        if (r->backend == 1) {
            r->run.attr.phase_s[0] = 0.45;
            r->run.attr.phase_s[1] = 0.3;
            r->run.attr.phase_s[2] = 0.2;
            r->run.attr.other_s = 0.05;
            r->run.attr.total_s = 1.0;
        }
    }
    pb_results_summarise(&res);
    const struct pb_cell *c = pb_results_cell(&res, 1, 1);
    assert_true(fabs(c->response - 0.5) < 1e-9);
    assert_true(fabs(c->response_lo - 0.5) < 1e-9 && fabs(c->response_hi - 0.5) < 1e-9);
    /* no report, or not a variant: no figure */
    assert_true(isnan(pb_results_cell(&res, 1, 0)->response));
    assert_true(isnan(pb_results_cell(&res, 0, 1)->response));
    assert_true(isnan(pb_results_cell(&res, 0, 1)->response_lo));
    char *csv = pb_write_summary_csv(&res);
    assert_non_null(strstr(csv, ",floor_ce_pp_hi,response,response_lo,response_hi,"));
    /* then the latency columns, empty: no requests recorded */
    /* and the interpreter's name, the pinned one (its version unknown here) */
    char tail[128];
    snprintf(tail, sizeof(tail), ",0.5000,0.5000,0.5000,,,,,,,,,,,,,%s,\n",
             pb_interpreter_pinned_name());
    assert_non_null(strstr(csv, tail));
    free(csv);
    char *md = pb_write_summary_md(&res);
    assert_non_null(strstr(md, "- **mixed_more** (variant of `mixed`): response to the change "
                               "in `f1`: none -, scripted, \"quoted\" 0.50 [0.50-0.50]\n"));
    free(md);
    char *json = pb_write_results_json(&res);
    assert_non_null(strstr(json, "\"variant_of\": \"mixed\""));
    assert_non_null(strstr(json, "\"response_phase\": \"f1\""));
    assert_non_null(strstr(json, "\"response\": 0.5,"));
    assert_non_null(strstr(json, "\"response\": null,"));
    free(json);
    pb_results_release(&res);
    config.workloads = &workload;
    config.nworkloads = 1;
}

/* Latency under load on hand-made runs of 6 rounds: throughput and p50 by
 * the ratio of the minima (throughput inverted: max over max), p99 and max
 * by the median of the per-round ratios; each with an interval holding it;
 * the CSV columns, the JSON keys and the summary.md line. */
static void test_latency_ratios(void **state)
{
    (void)state;
    memset(&config, 0, sizeof(config));
    config.path = "configs/test.yaml";
    config.hash = "0123456789abcdef";
    config.defaults.rounds = 6;
    config.defaults.timeout_s = 60;
    config.defaults.seed = 1;
    config.workloads = &workload;
    config.nworkloads = 1;
    config.backends = backends;
    config.nbackends = 2;
    struct pb_results res;
    pb_results_init(&res, &config);
    /* per round: the baseline's p50 and p99, and the profiled runs' p99
     * ratio to it (median 1.5 over rounds: 1.2 1.4 1.5 1.5 2.0 9.0) */
    const double p50[6] = { 0.010, 0.011, 0.012, 0.010, 0.013, 0.011 };
    const double p99[6] = { 0.020, 0.022, 0.030, 0.021, 0.025, 0.024 };
    const double r99[6] = { 1.5, 1.2, 9.0, 1.4, 2.0, 1.5 };
    for (long r = 0; r < 6; r++) {
        for (long b = PB_BASELINE; b <= 1; b++) {
            add_run(&res, b, r, 1.0 + 0.01 * (double)r, 1);
            struct pb_run *run = &res.runs[res.nruns - 1].run;
            double f = b == 1 ? 1.25 : 1;   /* the profiled p50: 1.25x */
            run->lat_p50_s = p50[r] * f;
            run->lat_p99_s = p99[r] * (b == 1 ? r99[r] : 1);
            run->lat_max_s = 2 * run->lat_p99_s;
            run->throughput_rps = (b == 1 ? 90.0 : 100.0) - (double)r;
        }
    }
    pb_results_summarise(&res);
    const struct pb_cell *c = pb_results_cell(&res, 0, 1);
    assert_int_equal(c->nrounds, 6);
    assert_true(fabs(c->p50_ratio - 1.25) < 1e-9);
    assert_true(fabs(c->p99_ratio - 1.5) < 1e-9);
    assert_true(fabs(c->max_ratio - 1.5) < 1e-9);
    assert_true(fabs(c->thr_ratio - 0.9) < 1e-9);
    const double *fig[4][3] = {
        { &c->thr_ratio, &c->thr_lo, &c->thr_hi }, { &c->p50_ratio, &c->p50_lo, &c->p50_hi },
        { &c->p99_ratio, &c->p99_lo, &c->p99_hi }, { &c->max_ratio, &c->max_lo, &c->max_hi },
    };
    for (int k = 0; k < 4; k++) {
        assert_true(isfinite(*fig[k][1]) && isfinite(*fig[k][2]));
        assert_true(*fig[k][1] <= *fig[k][0] + 1e-12 && *fig[k][0] <= *fig[k][2] + 1e-12);
    }
    /* the `none` row has the baseline's own latencies: 1.0 */
    assert_true(fabs(pb_results_cell(&res, 0, 0)->p99_ratio - 1) < 1e-9);
    char *csv = pb_write_summary_csv(&res);
    assert_non_null(strstr(csv, ",response_hi,throughput_ratio,throughput_ratio_lo,"
                                "throughput_ratio_hi,p50_ratio,p50_ratio_lo,p50_ratio_hi,"
                                "p99_ratio,p99_ratio_lo,p99_ratio_hi,max_ratio,max_ratio_lo,"
                                "max_ratio_hi,interpreter,python_version\n"));
    char want[256];
    snprintf(want, sizeof(want), ",0.9000,%.4f,%.4f,1.2500,", c->thr_lo, c->thr_hi);
    assert_non_null(strstr(csv, want));
    free(csv);
    char *json = pb_write_results_json(&res);
    assert_non_null(strstr(json, "\"p99_ratio\": 1.5,"));
    assert_non_null(strstr(json, "\"throughput_ratio_hi\": "));
    assert_non_null(strstr(json, "\"lat_p99_s\": "));
    free(json);
    char *md = pb_write_summary_md(&res);
    snprintf(want, sizeof(want), "- **mixed**: latency under profiling: none p99 1.00x [1.00-1.00], "
             "p50 1.00x [1.00-1.00], max 1.00x [1.00-1.00], throughput 1.00x [1.00-1.00]; scripted, \"quoted\" p99 1.50x [%.2f-%.2f], p50 1.25x",
             c->p99_lo, c->p99_hi);
    assert_non_null(strstr(md, want));
    free(md);
    pb_results_release(&res);
}

/* report.html: a whole page; user text escaped; charts embedded from the
 * folder as data: URIs; nothing that refers outside the page. */
static void test_report_html(void **state)
{
    (void)state;
    struct pb_results res;
    build(&res);
    struct pb_cell *c = &res.cells[1];
    c->status = PB_CELL_FAILED;
    snprintf(c->reason, sizeof(c->reason), "<img src=x onerror=alert(1)> & 'q'");
    char dir[] = "/tmp/pb-html-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof(path), "%s/overhead.svg", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("<svg/>", f);
    fclose(f);
    char *html = pb_write_report_html(&res, dir);
    remove(path);
    rmdir(dir);
    assert_true(!strncmp(html, "<!DOCTYPE html>\n", 16));
    assert_non_null(strstr(html, "</html>\n"));
    /* the backend name and the reason, escaped */
    assert_non_null(strstr(html, "<tr class=\"failed\" data-backend=\"scripted, "
                                 "&quot;quoted&quot;\">"));
    assert_null(strstr(html, "\"quoted\""));
    assert_non_null(strstr(html, "&lt;img src=x onerror=alert(1)&gt; &amp; &#39;q&#39;"));
    assert_null(strstr(html, "<img src=x"));
    /* "<svg/>" in base64; the accuracy and trade-off charts are absent */
    assert_non_null(strstr(html, "src=\"data:image/svg+xml;base64,PHN2Zy8+\""));
    assert_null(strstr(html, "data-chart=\"accuracy-mixed\""));
    assert_null(strstr(html, "http:"));
    assert_null(strstr(html, "https:"));
    assert_null(strstr(html, "<script"));
    assert_null(strstr(html, "<link"));
    /* metadata, truth, floor, verdict, legend (the shared definitions) */
    assert_non_null(strstr(html, "<dt>Config</dt><dd>configs/test.yaml</dd>"));
    assert_non_null(strstr(html, "<dt>Seed</dt><dd>1</dd>"));
    assert_non_null(strstr(html, "<p class=\"truth\">T = "));
    assert_non_null(strstr(html, "<p class=\"floor\">noise floor"));
    assert_non_null(strstr(html, "<h3>Verdict</h3>"));
    assert_non_null(strstr(html, "<li>No profiler completed this workload"));
    assert_non_null(strstr(html, "<h3>Ground truth</h3>"));
    assert_non_null(strstr(html, "<td class=\"name\">f3</td><td class=\"text\">system</td>"));
    for (const char *const *l = pb_legend; *l; l++) {
        struct pb_strbuf want = PB_STRBUF_INIT;
        pb_strbuf_adds(&want, "<li>");
        for (const char *p = *l; *p; p++)   /* the legend's only special character */
            pb_strbuf_adds(&want, *p == '\'' ? "&#39;" : (char[2]){ *p, 0 });
        assert_non_null(strstr(html, want.buf));
        pb_strbuf_release(&want);
    }
    free(html);
    /* without a charts folder: no figure at all */
    html = pb_write_report_html(&res, NULL);
    assert_null(strstr(html, "<figure"));
    free(html);
    pb_results_release(&res);
}

/* The declared categories are flagged when the sampling backend's split of
 * its own runs differs by more than PB_DECLARED_WARN_PP (its ACE): here it
 * reports .31/.32/.37 against the declared .22/.36/.42 (ACE 9: quiet), then
 * everything as python: ACE = 50 * (.78 + .36 + .42) = 78 > 15, warned among
 * the warnings every output prints. */
static void test_declared_categories_warning(void **state)
{
    (void)state;
    static const struct pb_backend_ops sampling_like = {
        .kind = "sampling", .summary = "a sampler", .mechanism = "sampling",
        .categories = PB_CAT_ALL, .caps = PB_CAP_REPORT,
    };
    const struct pb_backend_ops *saved = backends[1].ops;
    backends[1].ops = &sampling_like;
    struct pb_results res;
    build(&res);
    assert_string_equal(res.truth[0].declared_warning, "");
    for (size_t i = 0; i < res.nruns; i++)
        if (res.runs[i].backend == 1) {
            struct pb_attribution *a = &res.runs[i].run.attr;
            a->cat_s[PB_CAT_PYTHON] = 1.0;
            a->cat_s[PB_CAT_NATIVE] = a->cat_s[PB_CAT_SYSTEM] = 0;
        }
    pb_results_summarise(&res);
    const struct pb_cell *c = pb_results_cell(&res, 0, 1);
    assert_true(c->ace_pp > PB_DECLARED_WARN_PP);
    assert_non_null(strstr(res.truth[0].declared_warning,
                           "categories are declared (python 22%, native 36% of the time), "
                           "but the sampling backend finds python 100%, native 0%"));
    struct pb_strbuf sb = PB_STRBUF_INIT;
    assert_int_equal(pb_truth_warnings(&res, 0, "> ", &sb), 1);
    assert_non_null(strstr(sb.buf, "> categories are declared"));
    pb_strbuf_release(&sb);
    pb_results_release(&res);
    backends[1].ops = saved;
}

static int fake_launch(void *state, struct pb_launch *job, char *err, size_t errlen)
{
    (void)state, (void)job, (void)err, (void)errlen;
    return -1;
}

/* A launcher tool is compared with the unprofiled runs of its own kind of
 * process (the launched baseline), for overhead and for DE and FAE: here
 * the launched python3 runs the phases in other proportions (.30/.30/.40)
 * than the embedded worker (.22/.36/.42), and the tool's runs and report
 * match the launched ones exactly: DE and FAE 0, where against the
 * worker's truth they would be 50 * (.08 + .06 + .02) = 8. */
static void test_launched_tool_against_launched_truth(void **state)
{
    (void)state;
    static const struct pb_backend_ops launcher = {
        .kind = "scripted-launcher", .summary = "a launcher", .mechanism = "sampling",
        .categories = PB_CAT_ALL, .caps = PB_CAP_REPORT, .launch = fake_launch,
    };
    const struct pb_backend_ops *saved = backends[1].ops;
    backends[1].ops = &launcher;
    struct pb_results res;
    build(&res);
    size_t n = res.nruns;
    for (size_t i = 0; i < n; i++) {
        struct pb_run_record *r = &res.runs[i];
        if (r->backend != PB_BASELINE && r->backend != 1)
            continue;
        struct pb_run_record *l = r;
        if (r->backend == PB_BASELINE) {   /* a launched baseline beside it */
            l = pb_results_add(&res);
            *l = res.runs[i];
            l->backend = PB_BASELINE_LAUNCHED;
        }
        double w = l->run.wall_s;
        const double share[3] = { 0.30, 0.30, 0.40 };
        for (int p = 0; p < 3; p++) {
            l->run.phase_wall_s[p] = share[p] * w;
            l->run.phase_user_s[p] = p < 2 ? share[p] * w : 0;
        }
        if (l->backend == 1) {
            l->run.attr.other_s = 0;
            for (int p = 0; p < 3; p++)
                l->run.attr.phase_s[p] = share[p];
            l->run.attr.total_s = 1.0;
        }
    }
    pb_results_summarise(&res);
    const struct pb_cell *c = pb_results_cell(&res, 0, 1);
    assert_int_equal(c->status, PB_CELL_OK);
    assert_true(fabs(c->de_pp) < 1e-9);
    assert_true(fabs(c->fae_pp) < 1e-9);
    assert_true(fabs(c->ae_pp) < 1e-9);
    pb_results_release(&res);
    backends[1].ops = saved;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_summary_figures),
        cmocka_unit_test(test_failed_cell),
        cmocka_unit_test(test_skipped_cell),
        cmocka_unit_test(test_golden_outputs),
        cmocka_unit_test(test_latency_ratios),
        cmocka_unit_test(test_results_json),
        cmocka_unit_test(test_thread_and_task_cells),
        cmocka_unit_test(test_many_threads_grouped),
        cmocka_unit_test(test_declared_categories_warning),
        cmocka_unit_test(test_launched_tool_against_launched_truth),
        cmocka_unit_test(test_variant_response),
        cmocka_unit_test(test_report_html),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
