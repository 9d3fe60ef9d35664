/* protocol.c: the worker line protocol (see protocol.h). */
#include "protocol.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Bytes a value may hold unescaped: what pb_proto_add_str() writes as is. */
static int is_plain(unsigned char c)
{
    return c > ' ' && c < 0x7f && c != '%' && c != '=';
}

/* Decode the value s[0..n) in place and terminate it. Returns 0, or -1 with
 * a message naming key. */
static int decode(char *s, size_t n, const char *key, char *err, size_t errlen)
{
    char *w = s;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '%') {
            int hi = i + 1 < n ? hexval(s[i + 1]) : -1;
            int lo = hi >= 0 && i + 2 < n ? hexval(s[i + 2]) : -1;
            if (hi < 0 || lo < 0)
                return pb_error(err, errlen, "bad %%-escape in field '%s'", key);
            if (hi == 0 && lo == 0)
                return pb_error(err, errlen, "NUL byte in field '%s'", key);
            *w++ = (char)(hi * 16 + lo);
            i += 2;
        } else if (is_plain(c)) {
            *w++ = (char)c;
        } else {
            return pb_error(err, errlen, "unescaped byte 0x%02x in field '%s'", c, key);
        }
    }
    *w = '\0';
    return 0;
}

/* The parser works on a copy of the line, cutting it with NULs:
 * "tag k=v%20x k2=" -> tag"\0"k"\0"v x"\0"k2"\0""\0". Every separator must be
 * exactly one space, so a field is found by its '=' and the next ' '. */
int pb_proto_parse(const char *line, size_t len, struct pb_proto_msg *msg, char *err,
                   size_t errlen)
{
    memset(msg, 0, sizeof(*msg));
    if (len && line[len - 1] == '\n')
        len--;
    if (len == 0)
        return pb_error(err, errlen, "empty message");
    if (len > PB_PROTO_MAX_LINE)
        return pb_error(err, errlen, "message longer than %d bytes", PB_PROTO_MAX_LINE);
    if (memchr(line, '\0', len))
        return pb_error(err, errlen, "NUL byte in message");
    char *buf = pb_xmalloc(len + 1);
    memcpy(buf, line, len);
    buf[len] = '\0';
    msg->buf = buf;

    char *p = buf;
    while (is_name_char(*p))
        p++;
    if (p == buf || (*p && *p != ' ')) {
        pb_proto_msg_release(msg);
        return pb_error(err, errlen, "bad message tag");
    }
    msg->tag = buf;
    while (*p) {
        *p++ = '\0';   /* the separating space */
        if (!*p) {
            pb_proto_msg_release(msg);
            return pb_error(err, errlen, "trailing space in message");
        }
        char *key = p;
        while (is_name_char(*p))
            p++;
        if (p == key || *p != '=') {
            pb_error(err, errlen, "bad field in '%s' message", msg->tag);
            pb_proto_msg_release(msg);
            return -1;
        }
        *p++ = '\0';
        char *value = p;
        while (*p && *p != ' ')
            p++;
        if (msg->nfields == PB_PROTO_MAX_FIELDS) {
            pb_proto_msg_release(msg);
            return pb_error(err, errlen, "more than %d fields in a message",
                            PB_PROTO_MAX_FIELDS);
        }
        /* The decoded value is no longer than the encoded one: its NUL lands
         * at or before p. p's separator is put back for the loop, which
         * overwrites it with a NUL again. */
        char sep = *p;
        if (decode(value, (size_t)(p - value), key, err, errlen) < 0) {
            pb_proto_msg_release(msg);
            return -1;
        }
        *p = sep;
        msg->fields[msg->nfields].key = key;
        msg->fields[msg->nfields].value = value;
        msg->nfields++;
    }
    return 0;
}

void pb_proto_msg_release(struct pb_proto_msg *msg)
{
    free(msg->buf);
    memset(msg, 0, sizeof(*msg));
}

const char *pb_proto_get(const struct pb_proto_msg *msg, const char *key)
{
    for (size_t i = 0; i < msg->nfields; i++)
        if (!strcmp(msg->fields[i].key, key))
            return msg->fields[i].value;
    return NULL;
}

int pb_proto_get_double(const struct pb_proto_msg *msg, const char *key, double *out)
{
    const char *v = pb_proto_get(msg, key);
    if (!v)
        return -1;
    if (!strcmp(v, "nan")) {
        *out = NAN;
        return 0;
    }
    if (!strcmp(v, "inf") || !strcmp(v, "-inf")) {
        *out = v[0] == '-' ? -INFINITY : INFINITY;
        return 0;
    }
    if (pb_parse_double(v, out) == 0)
        return 0;
    /* pb_parse_double() refuses whatever strtod() flags ERANGE, and glibc
     * flags subnormal results too; %.17g writes those, so take them back.
     * Overflow stays an error. */
    char *end;
    errno = 0;
    double d = strtod(v, &end);
    if (*v && !isspace((unsigned char)*v) && end != v && !*end && errno == ERANGE &&
        fabs(d) < DBL_MIN) {
        *out = d;
        return 0;
    }
    return -1;
}

int pb_proto_get_long(const struct pb_proto_msg *msg, const char *key, long *out)
{
    const char *v = pb_proto_get(msg, key);
    return v ? pb_parse_long(v, out) : -1;
}

void pb_proto_begin(struct pb_strbuf *sb, const char *tag)
{
    pb_strbuf_adds(sb, tag);
}

void pb_proto_add_str(struct pb_strbuf *sb, const char *key, const char *value)
{
    static const char hex[] = "0123456789ABCDEF";
    pb_strbuf_addf(sb, " %s=", key);
    for (const unsigned char *s = (const unsigned char *)(value ? value : ""); *s; s++) {
        if (is_plain(*s)) {
            pb_strbuf_add(sb, (const char *)s, 1);
        } else {
            char e[3] = { '%', hex[*s >> 4], hex[*s & 15] };
            pb_strbuf_add(sb, e, 3);
        }
    }
}

void pb_proto_add_double(struct pb_strbuf *sb, const char *key, double value)
{
    if (isnan(value))
        pb_strbuf_addf(sb, " %s=nan", key);
    else if (isinf(value))
        pb_strbuf_addf(sb, " %s=%sinf", key, value < 0 ? "-" : "");
    else
        pb_strbuf_addf(sb, " %s=%.17g", key, value);
}

void pb_proto_add_long(struct pb_strbuf *sb, const char *key, long long value)
{
    pb_strbuf_addf(sb, " %s=%lld", key, value);
}

void pb_proto_end(struct pb_strbuf *sb)
{
    pb_strbuf_add(sb, "\n", 1);
}
