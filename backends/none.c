/*
 * none.c: the unprofiled baseline. It starts nothing and reports nothing;
 * the harness runs it to measure ground truth and as the denominator of
 * every overhead ratio. Configured as a row of its own it is an A/A
 * comparison, which shows the measurement noise floor.
 */
#include "../harness/backend.h"

static int none_create(void **state, const struct pb_options *opts, char *err, size_t errlen)
{
    (void)opts;
    (void)err;
    (void)errlen;
    *state = NULL;
    return 0;
}

static int none_noop(void *state, char *err, size_t errlen)
{
    (void)state;
    (void)err;
    (void)errlen;
    return 0;
}

static int none_collect(void *state, struct pb_report *out, char *err, size_t errlen)
{
    (void)state;
    (void)out;
    (void)err;
    (void)errlen;
    return 0;
}

static void none_destroy(void *state)
{
    (void)state;
}

const struct pb_backend_ops pb_backend_none = {
    .kind = "none",
    .summary = "unprofiled baseline (A/A noise floor when listed as a row)",
    .mechanism = "none",
    .categories = 0,
    .caps = PB_CAP_THREADS | PB_CAP_REGION | PB_CAP_TIMER_FREE,
    .options = NULL,
    .available = NULL,
    .create = none_create,
    .start = none_noop,
    .stop = none_noop,
    .collect = none_collect,
    .destroy = none_destroy,
    .clock = NULL,
};
