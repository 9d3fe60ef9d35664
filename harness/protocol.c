/* protocol.c: the worker line protocol (see protocol.h). */
#include "protocol.h"

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

/* Decode %XX in place; returns -1 on a bad escape. */
static int decode(char *s)
{
    char *w = s;
    for (char *r = s; *r; r++) {
        if (*r != '%') {
            *w++ = *r;
            continue;
        }
        int hi = r[1] ? hexval(r[1]) : -1;
        int lo = hi >= 0 && r[2] ? hexval(r[2]) : -1;
        if (hi < 0 || lo < 0)
            return -1;
        *w++ = (char)(hi * 16 + lo);
        r += 2;
    }
    *w = '\0';
    return 0;
}

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
    char *tag_end = p;
    while (is_name_char(*tag_end))
        tag_end++;
    if (tag_end == p || (*tag_end && *tag_end != ' ')) {
        pb_proto_msg_release(msg);
        return pb_error(err, errlen, "bad message tag");
    }
    msg->tag = p;
    p = tag_end;
    while (*p) {
        *p++ = '\0';   /* the separating space */
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
        char save = *p;
        *p = '\0';
        if (decode(value) < 0) {
            pb_error(err, errlen, "bad %%-escape in field '%s'", key);
            pb_proto_msg_release(msg);
            return -1;
        }
        *p = save;
        if (save == ' ' && p[1] == '\0') {
            pb_proto_msg_release(msg);
            return pb_error(err, errlen, "trailing space in message");
        }
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
    return pb_parse_double(v, out);
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
    for (const unsigned char *s = (const unsigned char *)value; *s; s++) {
        if (*s > ' ' && *s < 0x7f && *s != '%' && *s != '=') {
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
