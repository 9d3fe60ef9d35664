/* test_tool_parsers.c: the parsers of real tools' files, on small hand-made
 * inputs: chrome_trace.c (viztracer's Chrome trace JSON) and scalene_json.c
 * (scalene 1.5's and 2.x's JSON). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "../../backends/chrome_trace.h"
#include "../../backends/scalene_json.h"
#include "../../harness/util.h"

static const struct pb_report_entry *find(const struct pb_report *r, const char *name,
                                          uint64_t tid)
{
    for (size_t i = 0; i < r->count; i++)
        if (!strcmp(r->entries[i].name, name) && r->entries[i].thread == tid)
            return &r->entries[i];
    return NULL;
}

static int near(double a, double b)
{
    return fabs(a - b) < 1e-9;
}

/* Nesting by time per thread: self excludes direct callees, inclusive counts
 * recursion once, names split into function, file and line; metadata skipped. */
static void test_chrome_trace_nesting(void **state)
{
    (void)state;
    const char *text =
        "{\"viztracer_metadata\": {\"version\": \"1.1.1\", \"x\": [1, {\"a\": \"]}\"}]},\n"
        " \"traceEvents\": [\n"
        "  {\"ph\": \"M\", \"pid\": 1, \"tid\": 7, \"name\": \"thread_name\", \"args\": {}},\n"
        "  {\"ph\": \"X\", \"pid\": 1, \"tid\": 7, \"ts\": 0, \"dur\": 1000,"
        "   \"name\": \"main (/w/a.py:3)\"},\n"
        "  {\"ph\": \"X\", \"pid\": 1, \"tid\": 7, \"ts\": 100, \"dur\": 600,"
        "   \"name\": \"fib (/w/a.py:9)\"},\n"
        "  {\"ph\": \"X\", \"pid\": 1, \"tid\": 7, \"ts\": 200, \"dur\": 300,"
        "   \"name\": \"fib (/w/a.py:9)\"},\n"
        "  {\"ph\": \"X\", \"pid\": 1, \"tid\": 8, \"ts\": 150, \"dur\": 50, \"name\": \"plain\"},\n"
        "  {\"ph\": \"i\", \"pid\": 1, \"tid\": 7, \"ts\": 5, \"name\": \"instant\"}\n"
        " ], \"file_info\": {}}";
    struct pb_report r;
    pb_report_init(&r);
    char err[PB_ERRLEN];
    size_t events = 0;
    assert_int_equal(pb_chrome_trace_read(text, strlen(text), &r, &events, err, sizeof(err)), 0);
    assert_int_equal(events, 6);
    assert_int_equal(r.count, 3);
    const struct pb_report_entry *m = find(&r, "main", 7), *f = find(&r, "fib", 7);
    const struct pb_report_entry *p = find(&r, "plain", 8);
    assert_non_null(m);
    assert_non_null(f);
    assert_non_null(p);
    assert_string_equal(m->file, "/w/a.py");
    assert_int_equal(m->line, 3);
    assert_true(near(m->inclusive_s, 0.001) && near(m->self_s, 0.0004));
    assert_true(near(f->inclusive_s, 0.0006) && near(f->self_s, 0.0006));
    assert_int_equal(f->count, 2);
    assert_string_equal(p->file, "");
    assert_true(near(p->self_s, 0.00005));
    pb_report_release(&r);

    /* A bare array of events is accepted too. */
    const char *arr = "[{\"ph\":\"X\",\"tid\":1,\"ts\":1,\"dur\":2,\"name\":\"g (b.py:1)\"}]";
    pb_report_init(&r);
    assert_int_equal(pb_chrome_trace_read(arr, strlen(arr), &r, &events, err, sizeof(err)), 0);
    assert_int_equal(r.count, 1);
    pb_report_release(&r);
}

/* Malformed input is refused with a message naming the format. */
static void test_chrome_trace_errors(void **state)
{
    (void)state;
    const char *bad[] = {
        "",
        "{\"traceEvents\": 3}",
        "{\"other\": []}",
        "[{\"ph\":\"X\",\"tid\":1,\"ts\":1,\"dur\":-2,\"name\":\"g\"}]",
        "[{\"ph\":\"X\",\"tid\":1,\"ts\":1,\"name\":\"g\"}]",
        "[{\"ph\":\"X\",\"tid\":1,\"ts\":1,\"dur\":2}]",
        "[{\"ph\":\"X\",\"tid\":1,\"ts\":1,\"dur\":2,\"name\":\"g\"}",
        "[{\"ph\":\"X\" \"tid\":1}]",
        "{\"traceEvents\": [{\"ph\": \"X\", \"name\": \"unterminated]",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct pb_report r;
        pb_report_init(&r);
        char err[PB_ERRLEN] = "";
        size_t events;
        assert_int_equal(pb_chrome_trace_read(bad[i], strlen(bad[i]), &r, &events, err,
                                              sizeof(err)), -1);
        assert_non_null(strstr(err, "chrome trace: "));
        pb_report_release(&r);
    }
}

/* scalene 2.x (absolute file keys, extra fields) and 1.5 (relative keys):
 * shares of elapsed time into categories; methods lose their class. */
static void test_scalene_json(void **state)
{
    (void)state;
    const char *v2 =
        "{\"elapsed_time_sec\": 2.0, \"memory\": true, \"stacks\": [[[\"a\"], {}]],\n"
        " \"files\": {\"/w/a.py\": {\"percent_cpu_time\": 100, \"functions\": [\n"
        "   {\"line\": \"fib\", \"lineno\": 4, \"n_cpu_percent_python\": 40,"
        "    \"n_cpu_percent_c\": 10, \"n_sys_percent\": 0, \"n_core_utilization\": 0.5},\n"
        "   {\"line\": \"Box.main\", \"lineno\": 9, \"n_cpu_percent_python\": 0,"
        "    \"n_cpu_percent_c\": 5, \"n_sys_percent\": 45}]},\n"
        "  \"/w/b.py\": {\"functions\": []}}}";
    struct pb_report r;
    pb_report_init(&r);
    char err[PB_ERRLEN];
    assert_int_equal(pb_scalene_json_read(v2, strlen(v2), &r, err, sizeof(err)), 0);
    assert_int_equal(r.count, 2);
    const struct pb_report_entry *f = find(&r, "fib", 0), *m = find(&r, "main", 0);
    assert_non_null(f);
    assert_non_null(m);
    assert_string_equal(f->file, "/w/a.py");
    assert_int_equal(f->line, 4);
    assert_true(near(f->cat_s[PB_CAT_PYTHON], 0.8) && near(f->cat_s[PB_CAT_NATIVE], 0.2));
    assert_true(near(f->self_s, 1.0) && near(f->inclusive_s, 1.0));
    assert_true(near(m->cat_s[PB_CAT_SYSTEM], 0.9) && near(m->self_s, 1.0));
    assert_int_equal(r.categories, PB_CAT_BIT(PB_CAT_PYTHON) | PB_CAT_BIT(PB_CAT_NATIVE) |
                                   PB_CAT_BIT(PB_CAT_SYSTEM));
    pb_report_release(&r);

    const char *v15 =
        "{\"elapsed_time_sec\": 1.0, \"files\": {\"a.py\": {\"functions\": [\n"
        "   {\"line\": \"main\", \"lineno\": 5, \"n_cpu_percent_python\": 5,"
        "    \"n_cpu_percent_c\": 0.2, \"n_sys_percent\": 94.8}]}}}";
    pb_report_init(&r);
    assert_int_equal(pb_scalene_json_read(v15, strlen(v15), &r, err, sizeof(err)), 0);
    assert_int_equal(r.count, 1);
    assert_string_equal(r.entries[0].file, "a.py");
    assert_true(near(r.entries[0].self_s, 1.0));
    pb_report_release(&r);
}

static void test_scalene_json_errors(void **state)
{
    (void)state;
    const char *bad[] = {
        "{}",
        "not json",
        "{\"elapsed_time_sec\": 1, \"files\": []}",
        "{\"files\": {}}",
        "{\"elapsed_time_sec\": 1, \"files\": {\"a\": {\"functions\": 3}}}",
        "{\"elapsed_time_sec\": 1, \"files\": {\"a\": {\"functions\": [{\"lineno\": 1}]}}}",
        "{\"elapsed_time_sec\": 1, \"files\": {\"a\": {\"functions\": "
        "[{\"line\": \"f\", \"n_sys_percent\": 400}]}}}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct pb_report r;
        pb_report_init(&r);
        char err[PB_ERRLEN] = "";
        assert_int_equal(pb_scalene_json_read(bad[i], strlen(bad[i]), &r, err, sizeof(err)), -1);
        assert_non_null(strstr(err, "scalene JSON: "));
        pb_report_release(&r);
    }
    struct pb_report r;
    pb_report_init(&r);
    char err[PB_ERRLEN];
    assert_int_equal(pb_scalene_json_read("{}", 2, &r, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "empty profile"));
    pb_report_release(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chrome_trace_nesting),
        cmocka_unit_test(test_chrome_trace_errors),
        cmocka_unit_test(test_scalene_json),
        cmocka_unit_test(test_scalene_json_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
