/* test_util.c: util.c (strings, suggestions, durations), option.c and json.c. */
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

#include "../../harness/json.h"
#include "../../harness/option.h"
#include "../../harness/util.h"

/* Durations accept every documented unit and reject junk with a message. */
static void test_parse_duration(void **state)
{
    (void)state;
    double s;
    char err[PB_ERRLEN];
    assert_int_equal(pb_parse_duration("1ms", &s, err, sizeof(err)), 0);
    assert_true(fabs(s - 0.001) < 1e-15);
    assert_int_equal(pb_parse_duration("250us", &s, err, sizeof(err)), 0);
    assert_true(fabs(s - 250e-6) < 1e-15);
    assert_int_equal(pb_parse_duration("100ns", &s, err, sizeof(err)), 0);
    assert_true(fabs(s - 100e-9) < 1e-18);
    assert_int_equal(pb_parse_duration("2.5s", &s, err, sizeof(err)), 0);
    assert_true(s == 2.5);
    assert_int_equal(pb_parse_duration("2m", &s, err, sizeof(err)), 0);
    assert_true(s == 120);
    assert_int_equal(pb_parse_duration("30", &s, err, sizeof(err)), 0);
    assert_true(s == 30);
    assert_int_equal(pb_parse_duration("5 parsecs", &s, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "unknown unit"));
    assert_int_equal(pb_parse_duration("fast", &s, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "not a duration"));
    assert_int_equal(pb_parse_duration("", &s, err, sizeof(err)), -1);
}

/* Suggestions find plausible typos and nothing for unrelated words. */
static void test_suggest(void **state)
{
    (void)state;
    const char *keys[] = { "rounds", "warmup", "timeout", "output", "seed", "scale", NULL };
    assert_string_equal(pb_suggest("warmpu", keys), "warmup");
    assert_string_equal(pb_suggest("round", keys), "rounds");
    assert_string_equal(pb_suggest("seeed", keys), "seed");
    assert_null(pb_suggest("zzzzzzzz", keys));
    assert_int_equal(pb_edit_distance("kitten", "sitting"), 3);
    assert_int_equal(pb_edit_distance("", "abc"), 3);
    char *j = pb_join(keys, ", ");
    assert_string_equal(j, "rounds, warmup, timeout, output, seed, scale");
    free(j);
}

/* The string buffer grows, formats and detaches. */
static void test_strbuf(void **state)
{
    (void)state;
    struct pb_strbuf sb = PB_STRBUF_INIT;
    for (int i = 0; i < 1000; i++)
        pb_strbuf_addf(&sb, "%d,", i);
    assert_int_equal(sb.len, strlen(sb.buf));
    assert_memory_equal(sb.buf, "0,1,2,", 6);
    char *s = pb_strbuf_detach(&sb);
    assert_null(sb.buf);
    free(s);
    char small[4];
    pb_copy(small, sizeof(small), "abcdef");
    assert_string_equal(small, "abc");
}

static const char *const clocks[] = { "wall", "cpu", NULL };
static const struct pb_option_spec specs[] = {
    { "interval", PB_OPT_DURATION, "1ms", 100e-6, 0.1, NULL, "sampling interval" },
    { "clock", PB_OPT_ENUM, "wall", 0, -1, clocks, "clock" },
    { "builtins", PB_OPT_BOOL, "true", 0, -1, NULL, "trace C calls" },
    { "depth", PB_OPT_INT, "64", 1, 4096, NULL, "max depth" },
    { NULL, 0, NULL, 0, 0, NULL, NULL },
};

/* Options: defaults, typed parsing, ranges, enums, unknown names. */
static void test_options(void **state)
{
    (void)state;
    struct pb_options o;
    char err[PB_ERRLEN];
    assert_int_equal(pb_options_init_defaults(&o, specs, err, sizeof(err)), 0);
    assert_int_equal(o.count, 4);
    assert_true(fabs(pb_options_double(&o, "interval") - 0.001) < 1e-15);
    assert_int_equal(pb_options_bool(&o, "builtins"), 1);
    assert_string_equal(pb_options_text(&o, "clock"), "wall");
    assert_int_equal(pb_options_int(&o, "depth"), 64);

    /* the range ends are inclusive, whatever the rounding of the unit */
    assert_int_equal(pb_options_set(&o, "interval", "100us", err, sizeof(err)), 0);
    assert_int_equal(pb_options_set(&o, "interval", "100ms", err, sizeof(err)), 0);
    assert_int_equal(pb_options_set(&o, "interval", "200us", err, sizeof(err)), 0);
    assert_true(fabs(pb_options_double(&o, "interval") - 200e-6) < 1e-15);
    assert_int_equal(pb_options_set(&o, "interval", "-1ms", err, sizeof(err)), -1);
    assert_string_equal(err, "option 'interval': must not be negative, got '-1ms'");
    assert_int_equal(pb_options_set(&o, "interval", "1s", err, sizeof(err)), -1);
    assert_string_equal(err, "option 'interval': must be between 100us and 100ms");
    assert_int_equal(pb_options_set(&o, "clock", "cpu", err, sizeof(err)), 0);
    assert_int_equal(pb_options_get(&o, "clock")->v.choice, 1);
    assert_int_equal(pb_options_set(&o, "clock", "sundial", err, sizeof(err)), -1);
    assert_string_equal(err, "option 'clock': 'sundial' is not one of: wall, cpu");
    assert_int_equal(pb_options_set(&o, "builtins", "maybe", err, sizeof(err)), -1);
    assert_string_equal(err, "option 'builtins': expected true or false, got 'maybe'");
    assert_int_equal(pb_options_set(&o, "depth", "0", err, sizeof(err)), -1);
    assert_int_equal(pb_options_set(&o, "nope", "1", err, sizeof(err)), -1);
    assert_string_equal(err, "unknown option 'nope'");
    /* The canonical text of a duration parses back to the same value. */
    struct pb_option_value v;
    assert_int_equal(pb_option_parse(&specs[0], pb_options_text(&o, "interval"), &v, err,
                                     sizeof(err)), 0);
    assert_true(v.v.d == pb_options_double(&o, "interval"));
    free(v.text);
    const char **names = pb_option_names(specs);
    assert_string_equal(names[2], "builtins");
    assert_null(names[4]);
    free(names);
    pb_options_release(&o);
}

/* The JSON emitter nests, escapes, and writes NAN as null. */
static void test_json(void **state)
{
    (void)state;
    struct pb_json j;
    pb_json_init(&j);
    pb_json_object_begin(&j, NULL);
    pb_json_string(&j, "s", "a\"b\\c\n\x01\xff");
    pb_json_number(&j, "n", 1.5);
    pb_json_number(&j, "nan", NAN);
    pb_json_int(&j, "i", -3);
    pb_json_bool(&j, "b", 1);
    pb_json_array_begin(&j, "a");
    pb_json_int(&j, NULL, 1);
    pb_json_null(&j, NULL);
    pb_json_array_end(&j);
    pb_json_array_begin(&j, "empty");
    pb_json_array_end(&j);
    pb_json_object_end(&j);
    char *text = pb_json_finish(&j);
    assert_string_equal(text,
                        "{\n"
                        "  \"s\": \"a\\\"b\\\\c\\n\\u0001\\ufffd\",\n"
                        "  \"n\": 1.5,\n"
                        "  \"nan\": null,\n"
                        "  \"i\": -3,\n"
                        "  \"b\": true,\n"
                        "  \"a\": [\n"
                        "    1,\n"
                        "    null\n"
                        "  ],\n"
                        "  \"empty\": []\n"
                        "}\n");
    free(text);
}

/* A private folder goes under TMPDIR, or /tmp when TMPDIR would not fit the
 * buffer; one that cannot be made says where and leaves dir "". */
static void test_make_private_dir(void **state)
{
    (void)state;
    char base[] = "/tmp/pb-test-util-XXXXXX";
    assert_non_null(mkdtemp(base));
    const char *old = getenv("TMPDIR");
    char *saved = old ? strdup(old) : NULL;
    char dir[128], err[256];

    setenv("TMPDIR", base, 1);
    assert_int_equal(pb_make_private_dir(dir, sizeof(dir), "unit.", err, sizeof(err)), 0);
    assert_true(strncmp(dir, base, strlen(base)) == 0 && strstr(dir, "/unit.") != NULL);
    assert_int_equal(rmdir(dir), 0);

    /* 32 bytes: base (24), "/unit." and the suffix do not fit */
    char small[32];
    assert_int_equal(pb_make_private_dir(small, sizeof(small), "unit.", err, sizeof(err)), 0);
    assert_true(strncmp(small, "/tmp/unit.", 10) == 0);
    assert_int_equal(rmdir(small), 0);

    char missing[200];
    snprintf(missing, sizeof(missing), "%s/no/such", base);
    setenv("TMPDIR", missing, 1);
    assert_int_equal(pb_make_private_dir(dir, sizeof(dir), "unit.", err, sizeof(err)), -1);
    assert_string_equal(dir, "");
    assert_non_null(strstr(err, "cannot make a temporary folder"));
    assert_non_null(strstr(err, "/no/such/unit."));

    if (saved)
        setenv("TMPDIR", saved, 1);
    else
        unsetenv("TMPDIR");
    free(saved);
    assert_int_equal(rmdir(base), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_duration),
        cmocka_unit_test(test_suggest),
        cmocka_unit_test(test_strbuf),
        cmocka_unit_test(test_options),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_make_private_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
