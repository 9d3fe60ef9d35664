/* chrome_trace.c: Chrome trace-event JSON into a report (see chrome_trace.h). */
#include "chrome_trace.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness/json_parse.h"
#include "../harness/util.h"
#include "profile_agg.h"

/* One complete event, kept until its thread's events are nested. */
struct call {
    uint64_t tid;
    double ts, dur;             /* microseconds */
    size_t entry;               /* index in the report */
};

struct scan {
    const char *begin, *p, *end;
    char *err;
    size_t errlen;
};

static int fail(struct scan *s, const char *what)
{
    char msg[PB_ERRLEN];
    snprintf(msg, sizeof(msg), "%s", what);
    return pb_error(s->err, s->errlen, "chrome trace: %s at byte %zu", msg,
                    (size_t)(s->p - s->begin));
}

static void skip_ws(struct scan *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
        s->p++;
}

/* Move past one JSON value (its syntax is checked later or not needed):
 * strings and nesting are tracked so brackets inside strings do not count. */
static int skip_value(struct scan *s)
{
    int depth = 0;
    do {
        if (s->p >= s->end)
            return fail(s, "unexpected end of file");
        char c = *s->p++;
        if (c == '"') {
            while (s->p < s->end && *s->p != '"')
                s->p += *s->p == '\\' ? 2 : 1;
            if (s->p >= s->end)
                return fail(s, "unterminated string");
            s->p++;
        } else if (c == '{' || c == '[') {
            if (++depth > PB_JSON_MAX_NESTING)
                return fail(s, "nesting too deep");
        } else if (c == '}' || c == ']') {
            if (--depth < 0)
                return fail(s, "unbalanced brackets");
        } else if (depth == 0) {
            while (s->p < s->end && !strchr(",]} \t\r\n", *s->p))
                s->p++;
        }
    } while (depth > 0);
    return 0;
}

/* "func (file:line)" -> its parts (file and func in buffers). */
static void split_name(const char *name, char *func, size_t flen, char *file, size_t filelen,
                       int *line)
{
    *line = 0;
    file[0] = '\0';
    size_t n = strlen(name);
    const char *open = n && name[n - 1] == ')' ? strrchr(name, '(') : NULL;
    if (!open || open == name || open[-1] != ' ') {
        snprintf(func, flen, "%s", name);
        return;
    }
    snprintf(func, flen, "%.*s", (int)(open - 1 - name), name);
    snprintf(file, filelen, "%.*s", (int)(name + n - 1 - (open + 1)), open + 1);
    char *colon = strrchr(file, ':');
    long l;
    if (colon && pb_parse_long(colon + 1, &l) == 0 && l >= 0 && l <= INT32_MAX) {
        *colon = '\0';
        *line = (int)l;
    }
}

static int by_thread_time(const void *a, const void *b)
{
    const struct call *x = a, *y = b;
    if (x->tid != y->tid)
        return x->tid < y->tid ? -1 : 1;
    if (x->ts != y->ts)
        return x->ts < y->ts ? -1 : 1;
    if (x->dur != y->dur)
        return x->dur > y->dur ? -1 : 1;   /* the caller first */
    return 0;
}

static double num(const struct pb_jval *o, const char *key, int *ok)
{
    const struct pb_jval *v = pb_jval_get(o, key);
    if (!v || v->type != PB_J_NUM || !isfinite(v->num)) {
        *ok = 0;
        return 0;
    }
    return v->num;
}

/* One event object: a complete event is added to calls. */
static int read_event(struct scan *s, const char *start, struct pb_agg *agg, struct call **calls,
                      size_t *ncalls, size_t *alloc)
{
    struct pb_jval ev;
    char why[PB_ERRLEN];
    if (pb_json_parse(start, (size_t)(s->p - start), &ev, why, sizeof(why)) < 0) {
        s->p = start;
        return fail(s, why);
    }
    int rc = 0;
    const char *ph = ev.type == PB_J_OBJ ? pb_jval_str(&ev, "ph") : NULL;
    if (ph && !strcmp(ph, "X")) {
        int ok = 1;
        double ts = num(&ev, "ts", &ok), dur = num(&ev, "dur", &ok);
        const struct pb_jval *tid = pb_jval_get(&ev, "tid");
        const char *name = pb_jval_str(&ev, "name");
        if (!ok || dur < 0 || !name || (tid && (tid->type != PB_J_NUM || tid->num < 0 ||
                                                tid->num > 1.8e19))) {
            s->p = start;
            rc = fail(s, "a complete event needs a name, finite ts and dur >= 0, tid >= 0");
        } else {
            char func[512], file[1024];
            int line;
            split_name(name, func, sizeof(func), file, sizeof(file), &line);
            uint64_t t = tid ? (uint64_t)tid->num : 0;
            struct pb_report_entry *e = pb_agg_entry(agg, file, line, func, t);
            e->count++;
            if (*ncalls == *alloc) {
                *alloc = *alloc ? *alloc * 2 : 1024;
                *calls = pb_xrealloc(*calls, *alloc * sizeof(**calls));
            }
            (*calls)[(*ncalls)++] = (struct call){ t, ts, dur, (size_t)(e - agg->out->entries) };
        }
    }
    pb_jval_release(&ev);
    return rc;
}

/* Nest each thread's calls by time and add their times to the entries. */
static void attribute(struct pb_report *out, struct call *calls, size_t n)
{
    if (!n)
        return;
    qsort(calls, n, sizeof(*calls), by_thread_time);
    size_t *stack = pb_xcalloc(n, sizeof(*stack));
    size_t depth = 0;
    for (size_t i = 0; i < n; i++) {
        const struct call *c = &calls[i];
        while (depth) {
            const struct call *top = &calls[stack[depth - 1]];
            if (top->tid == c->tid && c->ts < top->ts + top->dur)
                break;
            depth--;
        }
        struct pb_report_entry *e = &out->entries[c->entry];
        int open = 0;
        for (size_t d = 0; d < depth && !open; d++)
            open = calls[stack[d]].entry == c->entry;
        if (!open)
            e->inclusive_s += c->dur / 1e6;
        e->self_s += c->dur / 1e6;
        if (depth) {
            /* A callee overrunning its caller (rounding) takes no more than
             * the caller had. */
            struct pb_report_entry *p = &out->entries[calls[stack[depth - 1]].entry];
            p->self_s -= c->dur / 1e6;
        }
        stack[depth++] = i;
    }
    free(stack);
    for (size_t i = 0; i < out->count; i++)
        if (out->entries[i].self_s < 0)
            out->entries[i].self_s = 0;
}

int pb_chrome_trace_read(const char *text, size_t len, struct pb_report *out, size_t *events,
                         char *err, size_t errlen)
{
    struct scan s = { text, text, text + len, err, errlen };
    struct pb_agg agg;
    struct call *calls = NULL;
    size_t ncalls = 0, alloc = 0;
    int rc = -1;
    *events = 0;
    pb_agg_init(&agg, out);
    skip_ws(&s);
    if (s.p < s.end && *s.p == '{') {
        /* Find the top-level member "traceEvents". */
        s.p++;
        for (;;) {
            skip_ws(&s);
            if (s.p < s.end && *s.p == '}')
                break;
            if (s.p >= s.end || *s.p != '"') {
                fail(&s, "expected a member name");
                goto done;
            }
            const char *k = s.p;
            if (skip_value(&s) < 0)
                goto done;
            int is_events = s.p - k == 13 && !memcmp(k, "\"traceEvents\"", 13);
            skip_ws(&s);
            if (s.p >= s.end || *s.p != ':') {
                fail(&s, "expected ':'");
                goto done;
            }
            s.p++;
            skip_ws(&s);
            if (is_events)
                break;
            if (skip_value(&s) < 0)
                goto done;
            skip_ws(&s);
            if (s.p < s.end && *s.p == ',')
                s.p++;
        }
        if (s.p >= s.end || *s.p != '[') {
            fail(&s, "no traceEvents array");
            goto done;
        }
    } else if (s.p >= s.end || *s.p != '[') {
        fail(&s, "expected an object or an array of events");
        goto done;
    }
    s.p++;   /* '[' */
    for (;;) {
        skip_ws(&s);
        if (s.p < s.end && *s.p == ']')
            break;
        const char *start = s.p;
        if (skip_value(&s) < 0 ||
            read_event(&s, start, &agg, &calls, &ncalls, &alloc) < 0)
            goto done;
        (*events)++;
        skip_ws(&s);
        if (s.p < s.end && *s.p == ',')
            s.p++;
        else if (s.p >= s.end || *s.p != ']') {
            fail(&s, "expected ',' or ']' between events");
            goto done;
        }
    }
    attribute(out, calls, ncalls);
    rc = 0;
done:
    free(calls);
    pb_agg_release(&agg);
    return rc;
}
