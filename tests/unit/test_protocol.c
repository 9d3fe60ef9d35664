/* test_protocol.c: the worker line protocol: round trips of awkward values,
 * and malformed lines rejected with a message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../harness/protocol.h"

static void parse_ok(const char *line, struct pb_proto_msg *m)
{
    char err[256];
    if (pb_proto_parse(line, strlen(line), m, err, sizeof(err)) < 0)
        fail_msg("'%s': %s", line, err);
}

static void parse_bad(const char *line, size_t len, const char *msg)
{
    struct pb_proto_msg m;
    char err[256] = "";
    if (pb_proto_parse(line, len, &m, err, sizeof(err)) == 0) {
        pb_proto_msg_release(&m);
        fail_msg("accepted '%s'", line);
    }
    if (!strstr(err, msg))
        fail_msg("got '%s', want '%s'", err, msg);
}

/* Every message kind round-trips, with awkward string values. */
static void test_round_trip(void **state)
{
    (void)state;
    const char *values[] = { "", "plain", "a b", "k=v", "100%", "line\nbreak", "tab\there",
                             "\xc3\xa9t\xc3\xa9", "ValueError: boom 42", NULL };
    for (int i = 0; values[i]; i++) {
        struct pb_strbuf sb = PB_STRBUF_INIT;
        pb_proto_begin(&sb, "error");
        pb_proto_add_str(&sb, "stage", "phase");
        pb_proto_add_str(&sb, "text", values[i]);
        pb_proto_add_double(&sb, "wall", 0.1);
        pb_proto_add_double(&sb, "nan", NAN);
        pb_proto_add_long(&sb, "index", -42);
        pb_proto_end(&sb);
        assert_int_equal(strchr(sb.buf, '\n') - sb.buf, (long)sb.len - 1);
        struct pb_proto_msg m;
        parse_ok(sb.buf, &m);
        assert_string_equal(m.tag, "error");
        assert_string_equal(pb_proto_get(&m, "text"), values[i]);
        assert_string_equal(pb_proto_get(&m, "stage"), "phase");
        double d;
        long l;
        assert_int_equal(pb_proto_get_double(&m, "wall", &d), 0);
        assert_true(d == 0.1);
        assert_int_equal(pb_proto_get_double(&m, "nan", &d), 0);
        assert_true(isnan(d));
        assert_int_equal(pb_proto_get_long(&m, "index", &l), 0);
        assert_int_equal(l, -42);
        assert_null(pb_proto_get(&m, "absent"));
        assert_int_equal(pb_proto_get_long(&m, "text", &l), -1);
        pb_proto_msg_release(&m);
        pb_strbuf_release(&sb);
    }
    struct pb_proto_msg m;
    parse_ok("done\n", &m);
    assert_string_equal(m.tag, "done");
    assert_int_equal(m.nfields, 0);
    pb_proto_msg_release(&m);
}

/* Random byte strings survive encoding and decoding. */
static void test_random_values(void **state)
{
    (void)state;
    srand(1);
    for (int i = 0; i < 1000; i++) {
        char v[64];
        int n = rand() % 63;
        for (int k = 0; k < n; k++)
            v[k] = (char)(1 + rand() % 255);
        v[n] = '\0';
        struct pb_strbuf sb = PB_STRBUF_INIT;
        pb_proto_begin(&sb, "note");
        pb_proto_add_str(&sb, "text", v);
        pb_proto_end(&sb);
        struct pb_proto_msg m;
        parse_ok(sb.buf, &m);
        assert_string_equal(pb_proto_get(&m, "text"), v);
        pb_proto_msg_release(&m);
        pb_strbuf_release(&sb);
    }
}

/* Malformed lines are errors with a reason. */
static void test_malformed(void **state)
{
    (void)state;
    parse_bad("", 0, "empty message");
    parse_bad("\n", 1, "empty message");
    parse_bad("Hello x=1", 9, "bad message tag");
    parse_bad("phase x", 7, "bad field in 'phase' message");
    parse_bad("phase =1", 8, "bad field");
    parse_bad("phase  x=1", 10, "bad field");
    parse_bad("phase x=%zz", 11, "bad %-escape in field 'x'");
    parse_bad("phase x=%4", 10, "bad %-escape");
    parse_bad("phase x=1 ", 10, "trailing space");
    parse_bad("pha\0se x=1", 10, "NUL byte");
    char many[1024] = "m";
    for (int i = 0; i <= PB_PROTO_MAX_FIELDS; i++)
        strcat(many, " k=1");
    parse_bad(many, strlen(many), "more than");
    size_t big = PB_PROTO_MAX_LINE + 10;
    char *huge = malloc(big);
    memset(huge, 'a', big);
    parse_bad(huge, big, "longer than");
    free(huge);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_random_values),
        cmocka_unit_test(test_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
