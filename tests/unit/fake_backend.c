/* fake_backend.c: see fake_backend.h. */
#include "fake_backend.h"

#include <string.h>

static struct fake_entry script[32];
static size_t nscript;
static unsigned script_cats;
static double script_total;
static int started;

void fake_backend_script(const struct fake_entry *e, size_t n, unsigned categories,
                         double total_s)
{
    nscript = n < 32 ? n : 32;
    if (nscript)
        memcpy(script, e, nscript * sizeof(*e));
    script_cats = categories;
    script_total = total_s;
}

static int fake_create(void **state, const struct pb_options *o, char *err, size_t len)
{
    (void)o, (void)err, (void)len;
    *state = &started;
    return 0;
}

static int fake_start(void *state, char *err, size_t len)
{
    (void)err, (void)len;
    *(int *)state = 1;
    return 0;
}

static int fake_stop(void *state, char *err, size_t len)
{
    (void)err, (void)len;
    *(int *)state = 0;
    return 0;
}

static int fake_collect(void *state, struct pb_report *out, char *err, size_t len)
{
    (void)state, (void)err, (void)len;
    for (size_t i = 0; i < nscript; i++) {
        struct pb_report_entry *e = pb_report_add(out, script[i].file, 1, script[i].name, 1);
        e->inclusive_s = script[i].inclusive_s;
        e->self_s = script[i].self_s;
        memcpy(e->cat_s, script[i].cat_s, sizeof(e->cat_s));
    }
    out->categories = script_cats;
    out->total_s = script_total;
    return 0;
}

static void fake_destroy(void *state)
{
    (void)state;
}

const struct pb_backend_ops fake_backend = {
    .kind = "fake",
    .summary = "scripted report for tests",
    .mechanism = "script",
    .categories = PB_CAT_ALL,
    .caps = PB_CAP_REPORT,
    .create = fake_create,
    .start = fake_start,
    .stop = fake_stop,
    .collect = fake_collect,
    .destroy = fake_destroy,
};
