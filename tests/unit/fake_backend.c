/* fake_backend.c: see fake_backend.h. */
#include "fake_backend.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../harness/util.h"

static struct fake_entry script[FAKE_MAX_ENTRIES];
static size_t nscript;
static unsigned script_cats;
static double script_total;

/* Private state: where in the lifecycle the instance is. */
struct fake_state {
    int running;
    int stopped;
};

void fake_backend_script(const struct fake_entry *e, size_t n, unsigned categories,
                         double total_s)
{
    if (n > FAKE_MAX_ENTRIES) {
        fprintf(stderr, "fake_backend_script: %zu entries, at most %d\n", n,
                FAKE_MAX_ENTRIES);
        abort();
    }
    nscript = n;
    if (n)
        memcpy(script, e, n * sizeof(*e));
    script_cats = categories;
    script_total = total_s;
}

static int fake_create(void **state, const struct pb_options *opts, char *err, size_t len)
{
    (void)opts, (void)err, (void)len;
    *state = pb_xcalloc(1, sizeof(struct fake_state));
    return 0;
}

static int fake_start(void *state, char *err, size_t len)
{
    struct fake_state *s = state;
    if (s->running || s->stopped)
        return pb_error(err, len, "fake: start called twice");
    s->running = 1;
    return 0;
}

static int fake_stop(void *state, char *err, size_t len)
{
    struct fake_state *s = state;
    if (!s->running)
        return pb_error(err, len, "fake: stop without start");
    s->running = 0;
    s->stopped = 1;
    return 0;
}

static int fake_collect(void *state, struct pb_report *out, char *err, size_t len)
{
    struct fake_state *s = state;
    if (!s->stopped)
        return pb_error(err, len, "fake: collect before stop");
    for (size_t i = 0; i < nscript; i++) {
        const struct fake_entry *f = &script[i];
        struct pb_report_entry *e =
            pb_report_add(out, f->file, 1, f->name, f->thread ? f->thread : 1);
        e->inclusive_s = f->inclusive_s;
        e->self_s = f->self_s;
        memcpy(e->cat_s, f->cat_s, sizeof(e->cat_s));
        e->count = 1;
    }
    out->categories = script_cats;
    out->total_s = script_total;
    return 0;
}

static void fake_destroy(void *state)
{
    free(state);
}

const struct pb_backend_ops fake_backend = {
    .kind = "fake",
    .summary = "scripted report for tests",
    .mechanism = "script",
    .categories = PB_CAT_ALL,
    .caps = PB_CAP_REPORT | PB_CAP_THREADS,
    .options = NULL,
    .available = NULL,
    .create = fake_create,
    .start = fake_start,
    .stop = fake_stop,
    .collect = fake_collect,
    .destroy = fake_destroy,
    .clock = NULL,
    .export_profile = NULL,
};
