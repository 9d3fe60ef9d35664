/* json.c: JSON emitter (see json.h). */
#include "json.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void pb_json_init(struct pb_json *j)
{
    memset(j, 0, sizeof(*j));
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when invalid. */
static size_t utf8_len(const unsigned char *s)
{
    if (s[0] < 0x80)
        return 1;
    size_t n = (s[0] & 0xE0) == 0xC0 ? 2 : (s[0] & 0xF0) == 0xE0 ? 3 : (s[0] & 0xF8) == 0xF0 ? 4 : 0;
    if (!n || (n == 2 && s[0] < 0xC2) || (n == 4 && s[0] > 0xF4))
        return 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    if (n == 3 && s[0] == 0xE0 && s[1] < 0xA0)
        return 0;
    if (n == 3 && s[0] == 0xED && s[1] >= 0xA0)
        return 0;
    if (n == 4 && s[0] == 0xF0 && s[1] < 0x90)
        return 0;
    if (n == 4 && s[0] == 0xF4 && s[1] >= 0x90)
        return 0;
    return n;
}

void pb_json_quote(struct pb_strbuf *sb, const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    pb_strbuf_add(sb, "\"", 1);
    while (*s) {
        unsigned char c = *s;
        if (c == '"' || c == '\\') {
            char e[2] = { '\\', (char)c };
            pb_strbuf_add(sb, e, 2);
            s++;
        } else if (c == '\n') {
            pb_strbuf_adds(sb, "\\n");
            s++;
        } else if (c == '\t') {
            pb_strbuf_adds(sb, "\\t");
            s++;
        } else if (c == '\r') {
            pb_strbuf_adds(sb, "\\r");
            s++;
        } else if (c < 0x20 || c == 0x7f) {
            pb_strbuf_addf(sb, "\\u%04x", c);
            s++;
        } else {
            size_t n = utf8_len(s);
            if (!n) {
                pb_strbuf_adds(sb, "\\ufffd");
                s++;
            } else {
                pb_strbuf_add(sb, (const char *)s, n);
                s += n;
            }
        }
    }
    pb_strbuf_add(sb, "\"", 1);
}

static void indent(struct pb_json *j)
{
    pb_strbuf_add(&j->sb, "\n", 1);
    for (int i = 0; i < j->depth; i++)
        pb_strbuf_add(&j->sb, "  ", 2);
}

static void prefix(struct pb_json *j, const char *key)
{
    if (j->depth > 0) {
        if (j->count[j->depth]++)
            pb_strbuf_add(&j->sb, ",", 1);
        indent(j);
    }
    if (key) {
        pb_json_quote(&j->sb, key);
        pb_strbuf_add(&j->sb, ": ", 2);
    }
}

static void open_container(struct pb_json *j, const char *key, char c)
{
    prefix(j, key);
    pb_strbuf_add(&j->sb, &c, 1);
    if (j->depth + 1 < PB_JSON_MAX_DEPTH)
        j->depth++;
    j->count[j->depth] = 0;
}

static void close_container(struct pb_json *j, char c)
{
    int had = j->count[j->depth];
    if (j->depth > 0)
        j->depth--;
    if (had)
        indent(j);
    pb_strbuf_add(&j->sb, &c, 1);
}

void pb_json_object_begin(struct pb_json *j, const char *key) { open_container(j, key, '{'); }
void pb_json_object_end(struct pb_json *j) { close_container(j, '}'); }
void pb_json_array_begin(struct pb_json *j, const char *key) { open_container(j, key, '['); }
void pb_json_array_end(struct pb_json *j) { close_container(j, ']'); }

void pb_json_string(struct pb_json *j, const char *key, const char *value)
{
    prefix(j, key);
    if (value)
        pb_json_quote(&j->sb, value);
    else
        pb_strbuf_adds(&j->sb, "null");
}

void pb_json_number(struct pb_json *j, const char *key, double value)
{
    prefix(j, key);
    if (isfinite(value))
        pb_strbuf_addf(&j->sb, "%.10g", value);
    else
        pb_strbuf_adds(&j->sb, "null");
}

void pb_json_int(struct pb_json *j, const char *key, long long value)
{
    prefix(j, key);
    pb_strbuf_addf(&j->sb, "%lld", value);
}

void pb_json_bool(struct pb_json *j, const char *key, int value)
{
    prefix(j, key);
    pb_strbuf_adds(&j->sb, value ? "true" : "false");
}

void pb_json_null(struct pb_json *j, const char *key)
{
    prefix(j, key);
    pb_strbuf_adds(&j->sb, "null");
}

char *pb_json_finish(struct pb_json *j)
{
    pb_strbuf_add(&j->sb, "\n", 1);
    return pb_strbuf_detach(&j->sb);
}
