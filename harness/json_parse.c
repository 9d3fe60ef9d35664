/* json_parse.c: the JSON reader (see json_parse.h). */
#include "json_parse.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct jp {
    const char *s, *end, *start;
    char *err;
    size_t errlen;
    int failed;
};

static int fail(struct jp *p, const char *msg)
{
    if (p->failed)
        return -1;
    size_t line = 1, col = 1;
    for (const char *c = p->start; c < p->s && c < p->end; c++, col++)
        if (*c == '\n') {
            line++;
            col = 0;
        }
    p->failed = 1;
    return pb_error(p->err, p->errlen, "line %zu, column %zu: %s", line, col, msg);
}

static void ws(struct jp *p)
{
    while (p->s < p->end && (*p->s == ' ' || *p->s == '\t' || *p->s == '\n' || *p->s == '\r'))
        p->s++;
}

static int hex4(struct jp *p, unsigned *out)
{
    *out = 0;
    for (int i = 0; i < 4; i++) {
        if (p->s >= p->end)
            return fail(p, "truncated \\u escape");
        char c = *p->s++;
        unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0')
                     : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
                     : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10) : 16;
        if (d == 16)
            return fail(p, "bad \\u escape");
        *out = *out * 16 + d;
    }
    return 0;
}

static void put_utf8(struct pb_strbuf *sb, unsigned cp)
{
    char b[4];
    if (cp < 0x80) {
        b[0] = (char)cp;
        pb_strbuf_add(sb, b, 1);
    } else if (cp < 0x800) {
        b[0] = (char)(0xC0 | (cp >> 6));
        b[1] = (char)(0x80 | (cp & 0x3F));
        pb_strbuf_add(sb, b, 2);
    } else if (cp < 0x10000) {
        b[0] = (char)(0xE0 | (cp >> 12));
        b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (char)(0x80 | (cp & 0x3F));
        pb_strbuf_add(sb, b, 3);
    } else {
        b[0] = (char)(0xF0 | (cp >> 18));
        b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[3] = (char)(0x80 | (cp & 0x3F));
        pb_strbuf_add(sb, b, 4);
    }
}

static int string(struct jp *p, char **out)
{
    struct pb_strbuf sb = PB_STRBUF_INIT;
    p->s++;   /* opening quote */
    while (p->s < p->end && *p->s != '"') {
        unsigned char c = (unsigned char)*p->s++;
        if (c < 0x20) {
            pb_strbuf_release(&sb);
            return fail(p, "control character in a string");
        }
        if (c != '\\') {
            pb_strbuf_add(&sb, (const char *)&c, 1);
            continue;
        }
        if (p->s >= p->end)
            break;
        char e = *p->s++;
        const char *map = e ? strchr("\"\\/bfnrt", e) : NULL;
        if (map && e != 'u') {
            static const char real[] = "\"\\/\b\f\n\r\t";
            pb_strbuf_add(&sb, &real[map - "\"\\/bfnrt"], 1);
            continue;
        }
        if (e != 'u') {
            pb_strbuf_release(&sb);
            return fail(p, "bad escape in a string");
        }
        unsigned cp, lo;
        if (hex4(p, &cp) < 0) {
            pb_strbuf_release(&sb);
            return -1;
        }
        if (cp >= 0xD800 && cp < 0xDC00 && p->end - p->s >= 6 && p->s[0] == '\\' &&
            p->s[1] == 'u') {
            p->s += 2;
            if (hex4(p, &lo) < 0) {
                pb_strbuf_release(&sb);
                return -1;
            }
            cp = (lo >= 0xDC00 && lo < 0xE000) ? 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00)
                                               : 0xFFFD;
        } else if (cp >= 0xD800 && cp < 0xE000) {
            cp = 0xFFFD;
        }
        put_utf8(&sb, cp);
    }
    if (p->s >= p->end) {
        pb_strbuf_release(&sb);
        return fail(p, "unterminated string");
    }
    p->s++;
    *out = pb_strbuf_detach(&sb);
    return 0;
}

static int value(struct jp *p, struct pb_jval *v, int depth);

static int add_item(struct pb_jval *v, size_t *cap)
{
    if (v->n == *cap) {
        *cap = *cap ? *cap * 2 : 8;
        v->items = pb_xrealloc(v->items, *cap * sizeof(*v->items));
        if (v->type == PB_J_OBJ)
            v->keys = pb_xrealloc(v->keys, *cap * sizeof(*v->keys));
    }
    memset(&v->items[v->n], 0, sizeof(v->items[0]));
    if (v->type == PB_J_OBJ)
        v->keys[v->n] = NULL;
    v->n++;
    return 0;
}

static int container(struct jp *p, struct pb_jval *v, int depth, char close)
{
    size_t cap = 0;
    p->s++;
    ws(p);
    if (p->s < p->end && *p->s == close) {
        p->s++;
        return 0;
    }
    for (;;) {
        ws(p);
        add_item(v, &cap);
        if (v->type == PB_J_OBJ) {
            if (p->s >= p->end || *p->s != '"')
                return fail(p, "expected a string key");
            if (string(p, &v->keys[v->n - 1]) < 0)
                return -1;
            ws(p);
            if (p->s >= p->end || *p->s != ':')
                return fail(p, "expected ':'");
            p->s++;
        }
        if (value(p, &v->items[v->n - 1], depth + 1) < 0)
            return -1;
        ws(p);
        if (p->s < p->end && *p->s == ',') {
            p->s++;
            continue;
        }
        if (p->s < p->end && *p->s == close) {
            p->s++;
            return 0;
        }
        return fail(p, close == ']' ? "expected ',' or ']'" : "expected ',' or '}'");
    }
}

static int literal(struct jp *p, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(p->end - p->s) < n || memcmp(p->s, word, n))
        return fail(p, "unexpected text");
    p->s += n;
    return 0;
}

static int value(struct jp *p, struct pb_jval *v, int depth)
{
    memset(v, 0, sizeof(*v));
    if (depth > PB_JSON_MAX_NESTING)
        return fail(p, "nested too deeply");
    ws(p);
    if (p->s >= p->end)
        return fail(p, "unexpected end of input");
    char c = *p->s;
    if (c == '{') {
        v->type = PB_J_OBJ;
        return container(p, v, depth, '}');
    }
    if (c == '[') {
        v->type = PB_J_ARR;
        return container(p, v, depth, ']');
    }
    if (c == '"') {
        v->type = PB_J_STR;
        return string(p, &v->str);
    }
    if (c == 't' || c == 'f') {
        v->type = PB_J_BOOL;
        v->b = c == 't';
        return literal(p, c == 't' ? "true" : "false");
    }
    if (c == 'n') {
        v->type = PB_J_NULL;
        return literal(p, "null");
    }
    /* number: validate the JSON grammar, then strtod a bounded copy */
    const char *q = p->s;
    if (q < p->end && *q == '-')
        q++;
    if (q >= p->end || *q < '0' || *q > '9')
        return fail(p, "unexpected character");
    if (*q == '0')
        q++;
    else
        while (q < p->end && *q >= '0' && *q <= '9')
            q++;
    if (q < p->end && *q == '.') {
        q++;
        if (q >= p->end || *q < '0' || *q > '9')
            return fail(p, "bad number");
        while (q < p->end && *q >= '0' && *q <= '9')
            q++;
    }
    if (q < p->end && (*q == 'e' || *q == 'E')) {
        q++;
        if (q < p->end && (*q == '+' || *q == '-'))
            q++;
        if (q >= p->end || *q < '0' || *q > '9')
            return fail(p, "bad number");
        while (q < p->end && *q >= '0' && *q <= '9')
            q++;
    }
    char buf[64];
    size_t n = (size_t)(q - p->s);
    if (n >= sizeof(buf))
        return fail(p, "number too long");
    memcpy(buf, p->s, n);
    buf[n] = '\0';
    v->type = PB_J_NUM;
    v->num = strtod(buf, NULL);
    p->s = q;
    return 0;
}

int pb_json_parse(const char *text, size_t len, struct pb_jval *out, char *err, size_t errlen)
{
    struct jp p = { text, text + len, text, err, errlen, 0 };
    if (value(&p, out, 0) < 0) {
        pb_jval_release(out);
        return -1;
    }
    ws(&p);
    if (p.s != p.end) {
        fail(&p, "text after the document");
        pb_jval_release(out);
        return -1;
    }
    return 0;
}

void pb_jval_release(struct pb_jval *v)
{
    for (size_t i = 0; i < v->n; i++) {
        pb_jval_release(&v->items[i]);
        if (v->keys)
            free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    free(v->str);
    memset(v, 0, sizeof(*v));
}

const struct pb_jval *pb_jval_get(const struct pb_jval *obj, const char *key)
{
    if (!obj || obj->type != PB_J_OBJ)
        return NULL;
    for (size_t i = 0; i < obj->n; i++)
        if (obj->keys[i] && !strcmp(obj->keys[i], key))
            return &obj->items[i];
    return NULL;
}

const char *pb_jval_str(const struct pb_jval *obj, const char *key)
{
    const struct pb_jval *v = pb_jval_get(obj, key);
    return v && v->type == PB_J_STR ? v->str : NULL;
}
