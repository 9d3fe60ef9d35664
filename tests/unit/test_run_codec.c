/* test_run_codec.c: a run record through its four codecs (run_fields.h). A
 * pb_run with every field set to a distinct value is sent as protocol lines
 * by the worker's emitter (pb_run_emit), read by the parent's decoder
 * (pb_run_decode_line, what worker.c runs on each line), written into
 * results.json by the real writer and read back by the real reader; every
 * field must come out as it went in. The scalar, per-phase and per-record
 * fields are filled from the tables themselves, so a field added to a table
 * is checked without touching this file. */
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
#include "../../harness/run_codec.h"
#include "../../harness/writers.h"

static const struct pb_backend_ops reporting_ops = {
    .kind = "scripted",
    .summary = "test backend with a report",
    .mechanism = "tracing",
    .categories = PB_CAT_PYTHON | PB_CAT_NATIVE | PB_CAT_SYSTEM,
    .caps = PB_CAP_REPORT,
};

#define NPHASES 3
static struct pb_phase phases[NPHASES] = {
    { .function = "f1", .category = PB_CAT_PYTHON },
    { .function = "f2", .category = PB_CAT_NATIVE },
    { .function = "f3", .category = PB_CAT_SYSTEM },
};
static struct pb_workload workload = { .name = "mixed", .file = "/w/mixed.py", .scale = 1.0,
                                        .phases = phases, .nphases = NPHASES, .where = "x:1:1" };
static struct pb_backend_conf backends[1] = {
    { "scripted", &reporting_ops, { NULL, 0 }, "x:2:1", NULL, NULL, 0 },
};
static struct pb_config config;

/* ------------------------------------------------------------- filling */

/* Distinct values that survive both codecs exactly: multiples of 1/4 (short
 * in %.10g, exact in binary), integers, and strings with the bytes the
 * protocol escapes and the JSON writer quotes. */
static int next_value;

static void fill_field(const struct pb_field *f, void *base, size_t elem)
{
    int n = ++next_value;
    char *p = pb_field_ptr(base, f);
    switch (f->type) {
    case PB_FT_DOUBLE:
        ((double *)p)[elem] = n * 0.25 + 1000;
        break;
    case PB_FT_LONG:
        *(long *)p = 100000 + n;
        break;
    case PB_FT_COUNT:
        *(size_t *)p = (size_t)(200000 + n);
        break;
    case PB_FT_STR:
        snprintf(p, f->size, "%s %d a=b 100%% \"q\"\n\xc3\xa9", f->json_key, n);
        break;
    }
}

/* Every field of a run: the tables' generically, the rest by hand. */
static void fill_run(struct pb_run *r)
{
    memset(r, 0, sizeof(*r));
    next_value = 0;
    r->status = PB_RUN_OK;
    r->nphases = NPHASES;
    for (size_t i = 0; i < pb_run_nfields; i++)
        fill_field(&pb_run_fields[i], r, 0);
    for (size_t p = 0; p < NPHASES; p++)
        for (size_t i = 0; i < pb_phase_nfields; i++)
            fill_field(&pb_phase_fields[i], r, p);
    r->has_attr = 1;
    r->attr.nphases = NPHASES;
    for (size_t p = 0; p < NPHASES; p++)
        r->attr.phase_s[p] = ++next_value * 0.25;
    r->attr.categories = PB_CAT_ALL;
    for (int c = 0; c < PB_CAT_COUNT; c++)
        r->attr.cat_s[c] = ++next_value * 0.25;
    for (size_t k = 0; k < 5; k++) {   /* 2 thread and 3 task records */
        struct pb_key_rec *rec = k < 2 ? pb_key_append(&r->threads, &r->nthreads)
                                       : pb_key_append(&r->tasks, &r->ntasks);
        for (size_t i = 0; i < pb_key_nfields; i++)
            fill_field(&pb_key_fields[i], rec, 0);
    }
    snprintf(r->python, sizeof(r->python), "3.11.2 (main) [GCC 12.2.0]");
}

/* ------------------------------------------------------------- checking */

static void assert_same_double(double got, double want, const char *what)
{
    if (isnan(want) ? !isnan(got) : memcmp(&got, &want, sizeof(got)) != 0)
        fail_msg("%s: %.17g != %.17g", what, got, want);
}

static void assert_same_field(const struct pb_field *f, const void *got, const void *want,
                              size_t elem, const char *stage)
{
    char what[160];
    snprintf(what, sizeof(what), "%s: %s[%zu]", stage, f->json_key, elem);
    const char *g = pb_field_cptr(got, f), *w = pb_field_cptr(want, f);
    switch (f->type) {
    case PB_FT_DOUBLE:
        assert_same_double(((const double *)g)[elem], ((const double *)w)[elem], what);
        break;
    case PB_FT_LONG:
        if (*(const long *)g != *(const long *)w)
            fail_msg("%s: %ld != %ld", what, *(const long *)g, *(const long *)w);
        break;
    case PB_FT_COUNT:
        if (*(const size_t *)g != *(const size_t *)w)
            fail_msg("%s: %zu != %zu", what, *(const size_t *)g, *(const size_t *)w);
        break;
    case PB_FT_STR:
        if (strcmp(g, w))
            fail_msg("%s: '%s' != '%s'", what, g, w);
        break;
    }
}

/* Everything but the scalars of PB_RUN_FIELDS (checked by the caller, which
 * knows which of them travel). */
static void assert_same_records(const struct pb_run *got, const struct pb_run *want,
                                const char *stage)
{
    assert_int_equal(got->status, want->status);
    assert_int_equal(got->skipped, want->skipped);
    assert_int_equal(got->nphases, want->nphases);
    for (size_t p = 0; p < want->nphases; p++)
        for (size_t i = 0; i < pb_phase_nfields; i++)
            assert_same_field(&pb_phase_fields[i], got, want, p, stage);
    assert_int_equal(got->has_attr, want->has_attr);
    if (want->has_attr) {
        assert_int_equal(got->attr.nphases, want->attr.nphases);
        for (size_t p = 0; p < want->nphases; p++)
            assert_same_double(got->attr.phase_s[p], want->attr.phase_s[p], "attr.phase_s");
        assert_int_equal(got->attr.categories, want->attr.categories);
        for (int c = 0; c < PB_CAT_COUNT; c++)
            if (want->attr.categories & PB_CAT_BIT(c))
                assert_same_double(got->attr.cat_s[c], want->attr.cat_s[c], "attr.cat_s");
    }
    assert_int_equal(got->nthreads, want->nthreads);
    assert_int_equal(got->ntasks, want->ntasks);
    for (size_t k = 0; k < want->nthreads; k++)
        for (size_t i = 0; i < pb_key_nfields; i++)
            assert_same_field(&pb_key_fields[i], &got->threads[k], &want->threads[k], 0, stage);
    for (size_t k = 0; k < want->ntasks; k++)
        for (size_t i = 0; i < pb_key_nfields; i++)
            assert_same_field(&pb_key_fields[i], &got->tasks[k], &want->tasks[k], 0, stage);
}

/* ------------------------------------------------------------- the codecs */

static void collect_line(const char *line, size_t len, void *ctx)
{
    pb_strbuf_add(ctx, line, len);
}

/* What the worker sends for run (its hello, then its figures). */
static char *emit_lines(const struct pb_run *run)
{
    struct pb_strbuf sb = PB_STRBUF_INIT;
    pb_run_emit_hello(run->python, 4242, collect_line, &sb);
    pb_run_emit(run, collect_line, &sb);
    return pb_strbuf_detach(&sb);
}

/* What the parent makes of those lines: pb_worker_run()'s start (nphases
 * from the config, wall_s NAN until a region line) and then the decoder on
 * each line. */
static void decode_lines(const char *text, struct pb_run *out)
{
    pb_run_release(out);
    memset(out, 0, sizeof(*out));
    out->nphases = NPHASES;
    out->wall_s = NAN;
    out->instructions = NAN;
    const char *p = text;
    const char *nl;
    char err[256];
    while ((nl = strchr(p, '\n'))) {
        if (pb_run_decode_line(out, p, (size_t)(nl - p), err, sizeof(err)) < 0)
            fail_msg("decoder rejected '%.*s': %s", (int)(nl - p), p, err);
        p = nl + 1;
    }
    assert_string_equal(p, "");
}

/* results.json of runs (with --metric instructions, so that every field is
 * written), read back into back (initialised here). */
static void json_round_trip(const struct pb_run *runs, size_t n, struct pb_results *back)
{
    memset(&config, 0, sizeof(config));
    config.path = (char *)"t.yaml";
    config.hash = (char *)"0123456789abcdef";
    config.defaults.rounds = 1;
    config.defaults.timeout_s = 60;
    config.workloads = &workload;
    config.nworkloads = 1;
    config.backends = backends;
    config.nbackends = 1;
    struct pb_results res;
    pb_results_init(&res, &config);
    res.metric = PB_METRIC_INSTRUCTIONS;
    for (size_t i = 0; i < n; i++) {
        struct pb_run_record *r = pb_results_add(&res);
        r->backend = 0;
        r->round = (long)i;
        r->order = (long)i;
        r->shard = 1;
        r->run = runs[i];   /* its own copy of the records: res owns them */
        r->run.threads = r->run.tasks = NULL;
        r->run.nthreads = r->run.ntasks = 0;
        for (size_t k = 0; k < runs[i].nthreads; k++)
            *pb_key_append(&r->run.threads, &r->run.nthreads) = runs[i].threads[k];
        for (size_t k = 0; k < runs[i].ntasks; k++)
            *pb_key_append(&r->run.tasks, &r->run.ntasks) = runs[i].tasks[k];
    }
    pb_results_summarise(&res);
    char *json = pb_write_results_json(&res);
    struct pb_jval doc;
    char err[256];
    if (pb_json_parse(json, strlen(json), &doc, err, sizeof(err)) < 0)
        fail_msg("results.json does not parse: %s", err);
    pb_results_init(back, &config);
    if (pb_results_read_runs(&doc, back, 1, err, sizeof(err)) < 0)
        fail_msg("reader: %s", err);
    assert_int_equal(back->nruns, n);
    pb_jval_release(&doc);
    free(json);
    pb_results_release(&res);
}

/* ------------------------------------------------------------- tests */

/* Every field, through the wire and then through results.json. */
static void test_every_field_round_trips(void **state)
{
    (void)state;
    static struct pb_run sent, got;
    fill_run(&sent);

    /* 1 and 2: the worker's lines, the parent's decoder */
    char *lines = emit_lines(&sent);
    decode_lines(lines, &got);
    free(lines);
    assert_string_equal(got.python, sent.python);
    for (size_t i = 0; i < pb_run_nfields; i++) {
        const struct pb_field *f = &pb_run_fields[i];
        if (f->tag)
            assert_same_field(f, &got, &sent, 0, "wire");
    }
    /* not sent: the parent derives cpu_s, and measures or decides the rest */
    assert_same_double(got.cpu_s, sent.cpu_user_s + sent.cpu_sys_s, "wire: cpu_s");
    assert_string_equal(got.reason, "");
    assert_int_equal(got.maxrss_kb, 0);
    assert_true(got.elapsed_s == 0);
    assert_true(isnan(got.instructions));
    got.status = PB_RUN_OK;
    assert_same_records(&got, &sent, "wire");
    /* what pb_worker_run() adds to the decoded run */
    for (size_t i = 0; i < pb_run_nfields; i++) {
        const struct pb_field *f = &pb_run_fields[i];
        if (!f->tag)
            memcpy(pb_field_ptr(&got, f), pb_field_cptr(&sent, f), f->size);
    }

    /* 3 and 4: results.json's writer and reader */
    struct pb_results back;
    json_round_trip(&got, 1, &back);
    const struct pb_run *r = &back.runs[0].run;
    for (size_t i = 0; i < pb_run_nfields; i++)
        if (pb_run_fields[i].json != PB_FJ_NONE)
            assert_same_field(&pb_run_fields[i], r, &got, 0, "results.json");
    assert_same_records(r, &got, "results.json");
    pb_results_release(&back);
    pb_run_release(&sent);
    pb_run_release(&got);
}

/* The fields that vary by case: a skipped run (status "skipped"), a run
 * without a report (attribution null, no attr lines), a report that tells
 * only two categories apart, a thread that the backend gave nothing (NAN). */
static void test_special_cases(void **state)
{
    (void)state;
    static struct pb_run runs[3], got;
    for (int i = 0; i < 3; i++)
        fill_run(&runs[i]);
    runs[0].status = PB_RUN_FAILED;
    runs[0].skipped = 1;
    runs[1].has_attr = 0;
    runs[1].threads[1].attr_s = NAN;
    runs[2].attr.categories = PB_CAT_BIT(PB_CAT_PYTHON) | PB_CAT_BIT(PB_CAT_SYSTEM);

    char *lines = emit_lines(&runs[1]);
    assert_null(strstr(lines, "\nattr"));
    decode_lines(lines, &got);
    free(lines);
    assert_int_equal(got.has_attr, 0);
    assert_true(isnan(got.threads[1].attr_s));
    lines = emit_lines(&runs[2]);
    decode_lines(lines, &got);
    free(lines);
    assert_int_equal(got.attr.categories, runs[2].attr.categories);

    struct pb_results back;
    json_round_trip(runs, 3, &back);
    assert_int_equal(back.runs[0].run.status, PB_RUN_FAILED);
    assert_int_equal(back.runs[0].run.skipped, 1);
    assert_int_equal(back.runs[1].run.has_attr, 0);
    assert_true(isnan(back.runs[1].run.collect_s));
    assert_true(isnan(back.runs[1].run.threads[1].attr_s));
    assert_int_equal(back.runs[2].run.attr.categories, runs[2].attr.categories);
    assert_true(isnan(back.runs[2].run.attr.cat_s[PB_CAT_NATIVE]));
    assert_same_double(back.runs[2].run.attr.cat_s[PB_CAT_SYSTEM],
                       runs[2].attr.cat_s[PB_CAT_SYSTEM], "cat_s[system]");
    pb_results_release(&back);
    for (int i = 0; i < 3; i++)
        pb_run_release(&runs[i]);
    pb_run_release(&got);
}

/* Forward and backward compatibility: the decoder ignores unknown tags and
 * keys and drops a record without its name; the reader takes a run written
 * before threads, tasks and instructions existed. */
static void test_unknown_and_missing(void **state)
{
    (void)state;
    static struct pb_run run;
    decode_lines("region wall=2.5 cpu_user=1 cpu_sys=0.5 future=7\n"
                 "x9_future a=1\n"
                 "thread phase=0 count=2\n"
                 "task phase=-1 name=co count=1 wall=0.5 user=0 sys=0\n",
                 &run);
    assert_same_double(run.wall_s, 2.5, "wall_s");
    assert_same_double(run.cpu_s, 1.5, "cpu_s");
    assert_int_equal(run.nthreads, 0);
    assert_int_equal(run.ntasks, 1);
    assert_string_equal(run.tasks[0].name, "co");
    assert_true(isnan(run.tasks[0].attr_s));
    pb_run_release(&run);

    const char *old = "{\"schema\":1,\"runs\":[{\"order\":0,\"workload\":\"mixed\","
                      "\"backend\":\"scripted\",\"round\":0,\"status\":\"ok\",\"wall_s\":1.5,"
                      "\"maxrss_kb\":900,\"future\":{\"x\":1},\"attribution\":null}]}";
    struct pb_jval doc;
    char err[256];
    assert_int_equal(pb_json_parse(old, strlen(old), &doc, err, sizeof(err)), 0);
    memset(&config, 0, sizeof(config));
    config.workloads = &workload;
    config.nworkloads = 1;
    config.backends = backends;
    config.nbackends = 1;
    struct pb_results res;
    pb_results_init(&res, &config);
    assert_int_equal(pb_results_read_runs(&doc, &res, 1, err, sizeof(err)), 0);
    const struct pb_run *r = &res.runs[0].run;
    assert_same_double(r->wall_s, 1.5, "wall_s");
    assert_int_equal(r->maxrss_kb, 900);
    assert_true(isnan(r->instructions) && isnan(r->cpu_s));
    assert_string_equal(r->note, "");
    assert_int_equal(r->nthreads, 0);
    assert_int_equal(r->ntasks, 0);
    pb_results_release(&res);
    pb_jval_release(&doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_field_round_trips),
        cmocka_unit_test(test_special_cases),
        cmocka_unit_test(test_unknown_and_missing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
