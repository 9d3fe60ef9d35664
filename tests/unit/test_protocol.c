/* test_protocol.c: the worker line protocol: every message kind round-trips
 * with awkward values, random bytes survive, and malformed lines are
 * rejected with a message saying why. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../harness/protocol.h"

/* ----------------------------------------------------------- helpers */

static void parse_ok(const char *line, size_t len, struct pb_proto_msg *m)
{
    char err[256] = "";
    if (pb_proto_parse(line, len, m, err, sizeof(err)) < 0)
        fail_msg("rejected '%.200s': %s", line, err);
}

/* line must be rejected with a message containing want; msg is left empty. */
static void parse_bad(const char *line, size_t len, const char *want)
{
    struct pb_proto_msg m;
    char err[256] = "";
    if (pb_proto_parse(line, len, &m, err, sizeof(err)) == 0) {
        pb_proto_msg_release(&m);
        fail_msg("accepted '%.200s'", line);
    }
    if (!strstr(err, want))
        fail_msg("'%.200s': got '%s', want '%s'", line, err, want);
    assert_null(m.buf);
    assert_null(m.tag);
    assert_int_equal(m.nfields, 0);
    pb_proto_msg_release(&m);   /* harmless after a failure */
}

/* An encoded line: one '\n', at the end, and nothing else outside printable
 * ASCII. */
static void assert_clean_line(const struct pb_strbuf *sb)
{
    assert_true(sb->len > 0);
    assert_true(sb->buf[sb->len - 1] == '\n');
    for (size_t i = 0; i + 1 < sb->len; i++)
        if (sb->buf[i] < ' ' || sb->buf[i] > '~')
            fail_msg("raw byte 0x%02x at %zu in '%s'", (unsigned char)sb->buf[i], i, sb->buf);
}

/* Bitwise equality, so that -0.0 and NAN are checked too. */
static void assert_same_double(double got, double want)
{
    if (isnan(want) ? !isnan(got) : memcmp(&got, &want, sizeof(got)) != 0)
        fail_msg("%.17g != %.17g", got, want);
}

/* ------------------------------------------------- message round trips */

enum kind { STR, DBL, LNG };

struct field {
    const char *key;
    enum kind kind;
    const char *s;
    double d;
    long long l;
};

#define S(k, v) { (k), STR, (v), 0, 0 }
#define D(k, v) { (k), DBL, NULL, (v), 0 }
#define L(k, v) { (k), LNG, NULL, 0, (v) }

struct message {
    const char *tag;
    size_t n;
    struct field f[12];
};

/* Encode m, parse it back and compare every field. */
static void round_trip(const struct message *m)
{
    struct pb_strbuf sb = PB_STRBUF_INIT;
    pb_proto_begin(&sb, m->tag);
    for (size_t i = 0; i < m->n; i++) {
        const struct field *f = &m->f[i];
        if (f->kind == STR)
            pb_proto_add_str(&sb, f->key, f->s);
        else if (f->kind == DBL)
            pb_proto_add_double(&sb, f->key, f->d);
        else
            pb_proto_add_long(&sb, f->key, f->l);
    }
    pb_proto_end(&sb);
    assert_clean_line(&sb);

    struct pb_proto_msg msg;
    parse_ok(sb.buf, sb.len, &msg);
    assert_string_equal(msg.tag, m->tag);
    assert_int_equal(msg.nfields, m->n);
    for (size_t i = 0; i < m->n; i++) {
        const struct field *f = &m->f[i];
        assert_string_equal(msg.fields[i].key, f->key);
        double d;
        long l;
        if (f->kind == STR) {
            assert_non_null(pb_proto_get(&msg, f->key));
            assert_string_equal(pb_proto_get(&msg, f->key), f->s);
        } else if (f->kind == DBL) {
            assert_int_equal(pb_proto_get_double(&msg, f->key, &d), 0);
            assert_same_double(d, f->d);
        } else {
            assert_int_equal(pb_proto_get_long(&msg, f->key, &l), 0);
            assert_true(l == f->l);
        }
    }
    assert_null(pb_proto_get(&msg, "absent"));
    pb_proto_msg_release(&msg);
    pb_strbuf_release(&sb);
}

static const char *const awkward[] = {
    "", " ", "plain", "a b", "  two  spaces  ", "k=v", "=", "==", "100%", "%", "%41",
    "%zz", "line\nbreak", "\r\n", "tab\there", "\x01\x02\x1f\x7f", "\x80\xff",
    "\xc3\xa9t\xc3\xa9", "\xe6\x97\xa5\xe6\x9c\xac", "ValueError: boom 'x' \"y\"",
    "key=value other=thing", "trailing space ", NULL,
};

/* Every message kind of protocol.h, each string field with every awkward
 * value, and doubles that are hard to print: 1/3, the extremes of double,
 * a subnormal, -0.0, NAN and both infinities. */
static void test_every_message(void **state)
{
    (void)state;
    for (int i = 0; awkward[i]; i++) {
        const char *v = awkward[i];
        const struct message msgs[] = {
            { "hello", 3, { L("version", PB_PROTO_VERSION), L("pid", 12345), S("python", v) } },
            { "probe", 3, { S("kind", "sampling"), L("ok", 0), S("why", v) } },
            { "probe", 3, { S("kind", v), L("ok", 1), S("why", "") } },
            { "phase", 4, { L("index", 0), D("wall", 0.1), D("user", 1.0 / 3),
                            D("sys", 0.0) } },
            { "phase", 4, { L("index", PB_PROTO_MAX_FIELDS), D("wall", DBL_MAX),
                            D("user", DBL_MIN), D("sys", 4.9406564584124654e-324) } },
            { "region", 5, { D("wall", 1.2345678901234567), D("cpu_user", -0.0),
                             D("cpu_sys", NAN), D("start", INFINITY),
                             D("stop", -INFINITY) } },
            { "attr", 8, { D("total", 1.0), D("other", 1e-300), L("categories", 7),
                           D("python", 0.31), D("native", 0.32), D("system", NAN),
                           L("entries", 1000000), D("collect", 2.5e-5) } },
            { "attr_phase", 2, { L("index", 63), D("seconds", 0.42) } },
            { "note", 1, { S("text", v) } },
            { "error", 2, { S("stage", v), S("text", v) } },
            { "done", 0, { { NULL, STR, NULL, 0, 0 } } },
            { "x9_future", 2, { L("big", LLONG_MAX), L("small", LLONG_MIN) } },
        };
        for (size_t k = 0; k < sizeof(msgs) / sizeof(msgs[0]); k++)
            round_trip(&msgs[k]);
    }
}

/* The exact bytes of one line: uppercase hex, only the bytes the header
 * names escaped, %.17g numbers, nan/inf spelled out. */
static void test_encoding(void **state)
{
    (void)state;
    struct pb_strbuf sb = PB_STRBUF_INIT;
    pb_proto_begin(&sb, "error");
    pb_proto_add_str(&sb, "stage", "phase");
    pb_proto_add_str(&sb, "text", "a b=c%\n\xc3\xa9~!");
    pb_proto_add_double(&sb, "x", 0.1);
    pb_proto_add_double(&sb, "n", NAN);
    pb_proto_add_double(&sb, "i", -INFINITY);
    pb_proto_add_long(&sb, "l", -42);
    pb_proto_add_str(&sb, "e", "");
    pb_proto_end(&sb);
    assert_string_equal(sb.buf, "error stage=phase text=a%20b%3Dc%25%0A%C3%A9~! "
                                "x=0.10000000000000001 n=nan i=-inf l=-42 e=\n");
    pb_strbuf_release(&sb);
}

/* Lookups: first of a repeated key wins; numbers must be whole strings of
 * their type, without leading space, in range (an underflow reads as the
 * nearest double); nan and inf read back; lowercase hex escapes are
 * accepted. */
static void test_lookups(void **state)
{
    (void)state;
    const char *line = "m a=1 a=2 d=2.5 t=x%20y e= n=nan p=inf q=-inf h=%c3%a9 "
                       "big=99999999999999999999 f=1.5x u=1e-400 o=1e400 s=%201\n";
    struct pb_proto_msg m;
    parse_ok(line, strlen(line), &m);
    double d;
    long l;
    assert_string_equal(pb_proto_get(&m, "a"), "1");
    assert_int_equal(pb_proto_get_long(&m, "a", &l), 0);
    assert_int_equal(l, 1);
    assert_int_equal(pb_proto_get_double(&m, "d", &d), 0);
    assert_true(d == 2.5);
    assert_int_equal(pb_proto_get_long(&m, "d", &l), -1);       /* not an integer */
    assert_string_equal(pb_proto_get(&m, "t"), "x y");
    assert_int_equal(pb_proto_get_double(&m, "t", &d), -1);
    assert_string_equal(pb_proto_get(&m, "e"), "");
    assert_int_equal(pb_proto_get_double(&m, "e", &d), -1);     /* empty */
    assert_int_equal(pb_proto_get_long(&m, "e", &l), -1);
    assert_int_equal(pb_proto_get_double(&m, "n", &d), 0);
    assert_true(isnan(d));
    assert_int_equal(pb_proto_get_double(&m, "p", &d), 0);
    assert_true(d == INFINITY);
    assert_int_equal(pb_proto_get_double(&m, "q", &d), 0);
    assert_true(d == -INFINITY);
    assert_int_equal(pb_proto_get_long(&m, "n", &l), -1);
    assert_string_equal(pb_proto_get(&m, "h"), "\xc3\xa9");
    assert_int_equal(pb_proto_get_long(&m, "big", &l), -1);     /* out of range */
    assert_int_equal(pb_proto_get_double(&m, "f", &d), -1);     /* trailing junk */
    assert_int_equal(pb_proto_get_double(&m, "u", &d), 0);      /* underflow: 0 */
    assert_true(d == 0);
    assert_int_equal(pb_proto_get_double(&m, "o", &d), -1);     /* overflow */
    assert_int_equal(pb_proto_get_double(&m, "s", &d), -1);     /* leading space */
    assert_int_equal(pb_proto_get_long(&m, "s", &l), -1);
    assert_int_equal(pb_proto_get_double(&m, "absent", &d), -1);
    assert_int_equal(pb_proto_get_long(&m, "absent", &l), -1);
    assert_null(pb_proto_get(&m, "absent"));
    pb_proto_msg_release(&m);

    parse_ok("done", 4, &m);                                     /* no '\n' */
    assert_string_equal(m.tag, "done");
    assert_int_equal(m.nfields, 0);
    pb_proto_msg_release(&m);
}

/* 1000 random byte strings (1 to 255, up to 300 bytes), three per line,
 * survive encoding and decoding. */
static void test_random_values(void **state)
{
    (void)state;
    srand(1);
    for (int i = 0; i < 1000; i++) {
        char v[3][301];
        for (int j = 0; j < 3; j++) {
            int n = rand() % 301;
            for (int k = 0; k < n; k++)
                v[j][k] = (char)(1 + rand() % 255);
            v[j][n] = '\0';
        }
        struct pb_strbuf sb = PB_STRBUF_INIT;
        pb_proto_begin(&sb, "note");
        pb_proto_add_str(&sb, "a", v[0]);
        pb_proto_add_str(&sb, "text", v[1]);
        pb_proto_add_str(&sb, "z", v[2]);
        pb_proto_end(&sb);
        assert_clean_line(&sb);
        struct pb_proto_msg m;
        parse_ok(sb.buf, sb.len, &m);
        assert_int_equal(m.nfields, 3);
        assert_string_equal(pb_proto_get(&m, "a"), v[0]);
        assert_string_equal(pb_proto_get(&m, "text"), v[1]);
        assert_string_equal(pb_proto_get(&m, "z"), v[2]);
        pb_proto_msg_release(&m);
        pb_strbuf_release(&sb);
    }
}

/* ------------------------------------------------------------ limits */

/* PB_PROTO_MAX_LINE bytes are accepted (with or without the '\n'), one more
 * is not; PB_PROTO_MAX_FIELDS fields are accepted, one more is not. */
static void test_limits(void **state)
{
    (void)state;
    size_t max = PB_PROTO_MAX_LINE;
    char *line = malloc(max + 2);
    assert_non_null(line);
    memcpy(line, "note text=", 10);
    memset(line + 10, 'a', max + 1 - 10);
    struct pb_proto_msg m;
    parse_ok(line, max, &m);
    assert_int_equal(strlen(pb_proto_get(&m, "text")), max - 10);
    pb_proto_msg_release(&m);
    line[max] = '\n';
    parse_ok(line, max + 1, &m);
    pb_proto_msg_release(&m);
    line[max] = 'a';
    parse_bad(line, max + 1, "message longer than 65536 bytes");
    free(line);

    char many[1024] = "m";
    for (int i = 0; i < PB_PROTO_MAX_FIELDS; i++)
        strcat(many, " k=1");
    parse_ok(many, strlen(many), &m);
    assert_int_equal(m.nfields, PB_PROTO_MAX_FIELDS);
    pb_proto_msg_release(&m);
    strcat(many, " k=1");
    parse_bad(many, strlen(many), "more than 32 fields in a message");
}

/* ---------------------------------------------------------- malformed */

#define BAD(lit, want) parse_bad((lit), sizeof(lit) - 1, (want))

/* Each malformed line is an error whose message says what is wrong. */
static void test_malformed(void **state)
{
    (void)state;
    BAD("", "empty message");
    BAD("\n", "empty message");
    BAD("Hello x=1", "bad message tag");
    BAD(" phase x=1", "bad message tag");
    BAD("phase\tx=1", "bad message tag");
    BAD("ph-ase x=1", "bad message tag");
    BAD("phase x", "bad field in 'phase' message");
    BAD("phase =1", "bad field in 'phase' message");
    BAD("phase X=1", "bad field in 'phase' message");
    BAD("phase x=1 y", "bad field in 'phase' message");
    BAD("phase  x=1", "bad field in 'phase' message");
    BAD("phase x=1  y=2", "bad field in 'phase' message");
    BAD("phase x=1 ", "trailing space in message");
    BAD("phase ", "trailing space in message");
    BAD("phase x=1\ty=2", "unescaped byte 0x09 in field 'x'");
    BAD("phase x=a=b", "unescaped byte 0x3d in field 'x'");
    BAD("phase x=\xc3\xa9", "unescaped byte 0xc3 in field 'x'");
    BAD("phase x=1\r\n", "unescaped byte 0x0d in field 'x'");
    BAD("phase x=1\n\n", "unescaped byte 0x0a in field 'x'");
    BAD("phase x=%zz", "bad %-escape in field 'x'");
    BAD("phase x=%4", "bad %-escape in field 'x'");
    BAD("phase x=%4 y=1", "bad %-escape in field 'x'");
    BAD("phase x=%", "bad %-escape in field 'x'");
    BAD("phase x=%00", "NUL byte in field 'x'");
    BAD("pha\0se x=1", "NUL byte in message");
    BAD("phase x=1\0", "NUL byte in message");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_message),
        cmocka_unit_test(test_encoding),
        cmocka_unit_test(test_lookups),
        cmocka_unit_test(test_random_values),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
