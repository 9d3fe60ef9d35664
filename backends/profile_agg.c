/* profile_agg.c: entries keyed by function and thread (see profile_agg.h). */
#include "profile_agg.h"

#include <stdlib.h>
#include <string.h>

#include "../harness/util.h"

static uint64_t mix(uint64_t h, const char *s)
{
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return (h ^ 0xff) * 1099511628211ull;
}

static uint64_t key_hash(const char *file, int line, const char *name, uint64_t thread)
{
    uint64_t h = 14695981039346656037ull;
    h = mix(h, file);
    h = mix(h, name);
    h = (h ^ (uint64_t)(unsigned)line) * 1099511628211ull;
    return (h ^ thread) * 1099511628211ull;
}

static int same(const struct pb_report_entry *e, const char *file, int line, const char *name,
                uint64_t thread)
{
    return e->line == line && e->thread == thread && !strcmp(e->file, file) &&
           !strcmp(e->name, name);
}

void pb_agg_init(struct pb_agg *a, struct pb_report *out)
{
    a->out = out;
    a->nslots = 64;
    a->slots = pb_xcalloc(a->nslots, sizeof(*a->slots));
}

static void grow(struct pb_agg *a)
{
    size_t n = a->nslots * 2;
    size_t *s = pb_xcalloc(n, sizeof(*s));
    for (size_t i = 0; i < a->nslots; i++) {
        if (!a->slots[i])
            continue;
        const struct pb_report_entry *e = &a->out->entries[a->slots[i] - 1];
        size_t j = key_hash(e->file, e->line, e->name, e->thread) & (n - 1);
        while (s[j])
            j = (j + 1) & (n - 1);
        s[j] = a->slots[i];
    }
    free(a->slots);
    a->slots = s;
    a->nslots = n;
}

struct pb_report_entry *pb_agg_entry(struct pb_agg *a, const char *file, int line,
                                     const char *name, uint64_t thread)
{
    if (2 * (a->out->count + 1) > a->nslots)
        grow(a);
    size_t j = key_hash(file, line, name, thread) & (a->nslots - 1);
    while (a->slots[j]) {
        struct pb_report_entry *e = &a->out->entries[a->slots[j] - 1];
        if (same(e, file, line, name, thread))
            return e;
        j = (j + 1) & (a->nslots - 1);
    }
    struct pb_report_entry *e = pb_report_add(a->out, file, line, name, thread);
    a->slots[j] = a->out->count;
    return e;
}

void pb_agg_release(struct pb_agg *a)
{
    free(a->slots);
    a->slots = NULL;
    a->nslots = 0;
}
