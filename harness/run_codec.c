/* run_codec.c: the tables of run_fields.h, and a run record as worker
 * protocol lines both ways (see run_codec.h). */
#include "run_codec.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "category.h"
#include "util.h"

/* ------------------------------------------------------------- the tables */

/* Each table line becomes one struct pb_field. */
#define RUN_FIELD(t, m, tg, k, j, jk) \
    { .offset = offsetof(struct pb_run, m), .size = sizeof(((struct pb_run *)0)->m), \
      .tag = (tg), .key = (k), .json_key = (jk), .type = (t), .json = (j) },
const struct pb_field pb_run_fields[] = { PB_RUN_FIELDS(RUN_FIELD) };
const size_t pb_run_nfields = sizeof(pb_run_fields) / sizeof(pb_run_fields[0]);
#undef RUN_FIELD

#define PHASE_FIELD(m, k, jk) \
    { .offset = offsetof(struct pb_run, m), .size = sizeof(((struct pb_run *)0)->m), \
      .tag = NULL, .key = (k), .json_key = (jk), .type = PB_FT_DOUBLE, .json = PB_FJ_RUN },
const struct pb_field pb_phase_fields[] = { PB_PHASE_FIELDS(PHASE_FIELD) };
const size_t pb_phase_nfields = sizeof(pb_phase_fields) / sizeof(pb_phase_fields[0]);
#undef PHASE_FIELD

#define KEY_FIELD(t, m, k, jk) \
    { .offset = offsetof(struct pb_key_rec, m), .size = sizeof(((struct pb_key_rec *)0)->m), \
      .tag = NULL, .key = (k), .json_key = (jk), .type = (t), .json = PB_FJ_RUN },
const struct pb_field pb_key_fields[] = { PB_KEY_FIELDS(KEY_FIELD) };
const size_t pb_key_nfields = sizeof(pb_key_fields) / sizeof(pb_key_fields[0]);
#undef KEY_FIELD

void *pb_field_ptr(void *base, const struct pb_field *f)
{
    return (char *)base + f->offset;
}

const void *pb_field_cptr(const void *base, const struct pb_field *f)
{
    return (const char *)base + f->offset;
}

/* ------------------------------------------------------- one field, wire */

/* Add field f of the struct at base to the line being built. */
static void add_field(struct pb_strbuf *sb, const struct pb_field *f, const void *base)
{
    const void *p = pb_field_cptr(base, f);
    switch (f->type) {
    case PB_FT_DOUBLE:
        pb_proto_add_double(sb, f->key, *(const double *)p);
        break;
    case PB_FT_LONG:
        pb_proto_add_long(sb, f->key, *(const long *)p);
        break;
    case PB_FT_COUNT:
        pb_proto_add_long(sb, f->key, (long long)*(const size_t *)p);
        break;
    case PB_FT_STR:
        pb_proto_add_str(sb, f->key, p);
        break;
    }
}

/* Read field f of message m into the struct at base. An absent or
 * non-numeric number leaves the member as it was; an absent string is "". */
static void get_field(const struct pb_proto_msg *m, const struct pb_field *f, void *base)
{
    void *p = pb_field_ptr(base, f);
    long l;
    const char *s;
    switch (f->type) {
    case PB_FT_DOUBLE:
        pb_proto_get_double(m, f->key, p);
        break;
    case PB_FT_LONG:
        pb_proto_get_long(m, f->key, p);
        break;
    case PB_FT_COUNT:
        if (pb_proto_get_long(m, f->key, &l) == 0)
            *(size_t *)p = l > 0 ? (size_t)l : 0;
        break;
    case PB_FT_STR:
        s = pb_proto_get(m, f->key);
        pb_copy(p, f->size, s ? s : "");
        break;
    }
}

/* ------------------------------------------------------------ emitting */

struct out {
    struct pb_strbuf sb;
    pb_line_sink sink;
    void *ctx;
};

/* End the line being built, hand it to the sink, start afresh. */
static void flush_line(struct out *o)
{
    pb_proto_end(&o->sb);
    o->sink(o->sb.buf, o->sb.len, o->ctx);
    pb_strbuf_release(&o->sb);
}

/* The PB_RUN_FIELDS of one tag, in table order. */
static void add_tag_fields(struct out *o, const struct pb_run *run, const char *tag)
{
    for (size_t i = 0; i < pb_run_nfields; i++)
        if (pb_run_fields[i].tag && !strcmp(pb_run_fields[i].tag, tag))
            add_field(&o->sb, &pb_run_fields[i], run);
}

static void emit_keys(struct out *o, const char *tag, const struct pb_key_rec *recs, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        pb_proto_begin(&o->sb, tag);
        for (size_t i = 0; i < pb_key_nfields; i++)
            add_field(&o->sb, &pb_key_fields[i], &recs[k]);
        flush_line(o);
    }
}

void pb_run_emit_hello(const char *python, long pid, pb_line_sink sink, void *ctx)
{
    struct out o = { PB_STRBUF_INIT, sink, ctx };
    pb_proto_begin(&o.sb, "hello");
    pb_proto_add_long(&o.sb, "version", PB_PROTO_VERSION);
    pb_proto_add_long(&o.sb, "pid", pid);
    pb_proto_add_str(&o.sb, "python", python);
    flush_line(&o);
}

void pb_run_emit(const struct pb_run *run, pb_line_sink sink, void *ctx)
{
    struct out o = { PB_STRBUF_INIT, sink, ctx };
    size_t nphases = run->nphases < PB_MAX_PHASES ? run->nphases : PB_MAX_PHASES;
    for (size_t p = 0; p < nphases; p++) {
        pb_proto_begin(&o.sb, "phase");
        pb_proto_add_long(&o.sb, "index", (long long)p);
        for (size_t i = 0; i < pb_phase_nfields; i++)
            pb_proto_add_double(&o.sb, pb_phase_fields[i].key,
                                ((const double *)pb_field_cptr(run, &pb_phase_fields[i]))[p]);
        flush_line(&o);
    }
    pb_proto_begin(&o.sb, "region");
    add_tag_fields(&o, run, "region");
    flush_line(&o);
    if (run->has_attr) {
        pb_proto_begin(&o.sb, "attr");
        add_tag_fields(&o, run, "attr");
        pb_proto_add_long(&o.sb, "categories", run->attr.categories);
        for (int c = 0; c < PB_CAT_COUNT; c++)
            pb_proto_add_double(&o.sb, pb_category_name(c), run->attr.cat_s[c]);
        flush_line(&o);
        for (size_t p = 0; p < nphases; p++) {
            pb_proto_begin(&o.sb, "attr_phase");
            pb_proto_add_long(&o.sb, "index", (long long)p);
            pb_proto_add_double(&o.sb, "seconds", run->attr.phase_s[p]);
            flush_line(&o);
        }
    }
    emit_keys(&o, "thread", run->threads, run->nthreads);
    emit_keys(&o, "task", run->tasks, run->ntasks);
    if (run->note[0]) {
        pb_proto_begin(&o.sb, "note");
        add_tag_fields(&o, run, "note");
        flush_line(&o);
    }
}

/* ------------------------------------------------------------ decoding */

/* A thread or task line appended to *recs (dropped when it lacks its phase
 * or name). */
static void decode_key(const struct pb_proto_msg *m, struct pb_key_rec **recs, size_t *n)
{
    long phase;
    if (!pb_proto_get(m, "name") || pb_proto_get_long(m, "phase", &phase) < 0)
        return;
    struct pb_key_rec *k = pb_key_append(recs, n);
    for (size_t i = 0; i < pb_key_nfields; i++)
        get_field(m, &pb_key_fields[i], k);
}

/* The phase index of a phase or attr_phase line, or -1. */
static long phase_index(const struct pb_proto_msg *m)
{
    long idx;
    if (pb_proto_get_long(m, "index", &idx) < 0 || idx < 0 || idx >= PB_MAX_PHASES)
        return -1;
    return idx;
}

void pb_run_decode_msg(struct pb_run *run, const struct pb_proto_msg *m)
{
    long idx;
    if (!strcmp(m->tag, "hello")) {
        const char *py = pb_proto_get(m, "python");
        pb_copy(run->python, sizeof(run->python), py ? py : "");
    } else if (!strcmp(m->tag, "phase")) {
        if ((idx = phase_index(m)) < 0)
            return;
        for (size_t i = 0; i < pb_phase_nfields; i++)
            pb_proto_get_double(m, pb_phase_fields[i].key,
                                (double *)pb_field_ptr(run, &pb_phase_fields[i]) + idx);
    } else if (!strcmp(m->tag, "attr_phase")) {
        if ((idx = phase_index(m)) < 0)
            return;
        pb_proto_get_double(m, "seconds", &run->attr.phase_s[idx]);
    } else if (!strcmp(m->tag, "thread")) {
        decode_key(m, &run->threads, &run->nthreads);
    } else if (!strcmp(m->tag, "task")) {
        decode_key(m, &run->tasks, &run->ntasks);
    } else {
        /* region, attr, note, and any tag only PB_RUN_FIELDS knows */
        for (size_t i = 0; i < pb_run_nfields; i++)
            if (pb_run_fields[i].tag && !strcmp(pb_run_fields[i].tag, m->tag))
                get_field(m, &pb_run_fields[i], run);
        if (!strcmp(m->tag, "region")) {
            run->cpu_s = run->cpu_user_s + run->cpu_sys_s;
        } else if (!strcmp(m->tag, "attr")) {
            long cats = 0;
            run->has_attr = 1;
            run->attr.nphases = run->nphases;   /* one attr_phase line each */
            pb_proto_get_long(m, "categories", &cats);
            run->attr.categories = (unsigned)cats & PB_CAT_ALL;
            for (int c = 0; c < PB_CAT_COUNT; c++)
                pb_proto_get_double(m, pb_category_name(c), &run->attr.cat_s[c]);
        }
    }
}

int pb_run_decode_line(struct pb_run *run, const char *line, size_t len, char *err,
                       size_t errlen)
{
    struct pb_proto_msg m;
    if (pb_proto_parse(line, len, &m, err, errlen) < 0)
        return -1;
    pb_run_decode_msg(run, &m);
    pb_proto_msg_release(&m);
    return 0;
}

void pb_run_release(struct pb_run *run)
{
    free(run->threads);
    free(run->tasks);
    run->threads = run->tasks = NULL;
    run->nthreads = run->ntasks = 0;
}
