/* report.c: the normalised profile (see report.h). */
#include "report.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void pb_report_init(struct pb_report *r)
{
    memset(r, 0, sizeof(*r));
    r->sampler_cpu_s = r->samples = NAN;
}

struct pb_report_entry *pb_report_add(struct pb_report *r, const char *file, int line,
                                      const char *name, uint64_t thread)
{
    if (r->count == r->alloc) {
        r->alloc = r->alloc ? r->alloc * 2 : 16;
        r->entries = pb_xrealloc(r->entries, r->alloc * sizeof(*r->entries));
    }
    struct pb_report_entry *e = &r->entries[r->count++];
    memset(e, 0, sizeof(*e));
    e->file = pb_xstrdup(file ? file : "");
    e->name = pb_xstrdup(name ? name : "");
    e->line = line;
    e->thread = thread;
    return e;
}

void pb_report_set_note(struct pb_report *r, const char *note)
{
    free(r->note);
    r->note = note ? pb_xstrdup(note) : NULL;
}

void pb_report_add_note(struct pb_report *r, const char *text)
{
    if (!text || !text[0])
        return;
    struct pb_strbuf sb = PB_STRBUF_INIT;
    pb_strbuf_addf(&sb, "%s%s%s", r->note ? r->note : "", r->note && r->note[0] ? "; " : "",
                   text);
    pb_report_set_note(r, sb.buf);
    pb_strbuf_release(&sb);
}

double pb_report_self_total(const struct pb_report *r)
{
    double t = 0;
    for (size_t i = 0; i < r->count; i++)
        t += r->entries[i].self_s;
    return t;
}

void pb_report_release(struct pb_report *r)
{
    for (size_t i = 0; i < r->count; i++) {
        free(r->entries[i].file);
        free(r->entries[i].name);
    }
    free(r->entries);
    free(r->note);
    pb_report_init(r);
}

/* A time a backend reported: finite, and not negative beyond rounding. */
static int seconds_ok(double x)
{
    return isfinite(x) && x >= -1e-6;
}

int pb_report_check(const struct pb_report *r, char *err, size_t errlen)
{
    if (r->categories & ~(unsigned)PB_CAT_ALL)
        return pb_error(err, errlen, "backend returned an unknown category mask %#x",
                        r->categories);
    if (!seconds_ok(r->total_s))
        return pb_error(err, errlen, "backend returned a total of %g s", r->total_s);
    for (size_t i = 0; i < r->count; i++) {
        const struct pb_report_entry *e = &r->entries[i];
        const char *bad = !seconds_ok(e->inclusive_s) ? "inclusive"
                          : !seconds_ok(e->self_s)    ? "self" : NULL;
        double v = bad && bad[0] == 'i' ? e->inclusive_s : e->self_s;
        for (int c = 0; !bad && c < PB_CAT_COUNT; c++)
            if (!isnan(e->cat_s[c]) && !seconds_ok(e->cat_s[c])) {
                bad = pb_category_name(c);
                v = e->cat_s[c];
            }
        if (bad)
            return pb_error(err, errlen, "backend returned %g s of %s time for entry %zu",
                            v, bad, i);
    }
    return 0;
}
