/*
 * deterministic.c: the cProfile approach in C. A profile function records
 * every call and return of every thread: call counts, inclusive and self
 * time per function and thread, C functions as entries of their own (so
 * native time is visible). Self time of Python functions is python, of C
 * functions native; it cannot see system time. Engine: tracer.c, fed by
 * the C profile function (api: setprofile, the default) or by sys.monitoring
 * (api: monitoring, CPython 3.12+; on older interpreters the run is skipped
 * with the reason, never run with the other api).
 */
#include "../harness/backend.h"
#include "../harness/util.h"
#include "tracer.h"

static const char *const clock_choices[] = { "wall", "cpu", NULL };
static const char *const api_choices[] = { "setprofile", "monitoring", NULL };

static const struct pb_option_spec deterministic_options[] = {
    { "api", PB_OPT_ENUM, "setprofile", 0, -1, api_choices,
      "where events come from: setprofile (the C profile function, every CPython) or "
      "monitoring (sys.monitoring callbacks in C, CPython 3.12+; skipped before)" },
    { "clock", PB_OPT_ENUM, "wall", 0, -1, clock_choices,
      "wall (CLOCK_MONOTONIC) or cpu (the thread's CPU clock, about 135 ns a read)" },
    { "builtins", PB_OPT_BOOL, "true", 0, -1, NULL,
      "trace calls of C functions as entries of their own (native time)" },
    { "burn", PB_OPT_NUMBER, "0", 0, 1, NULL,
      "for testing regression gates only: at stop, busy-wait for this fraction of "
      "the traced time (0.1 adds 10% to the region)" },
    { NULL, 0, NULL, 0, 0, NULL, NULL },
};

static int deterministic_create(void **state, const struct pb_options *opts, char *err,
                                size_t errlen)
{
    struct tracer_config cfg = {
        .api = pb_options_get(opts, "api")->v.choice == 1 ? TRACER_API_MONITORING
                                                          : TRACER_API_SETPROFILE,
        .clock = pb_options_get(opts, "clock")->v.choice == 1 ? TRACER_CPU : TRACER_WALL,
        .split = TRACER_SPLIT_NONE,
        .builtins = pb_options_bool(opts, "builtins"),
        .burn = pb_options_double(opts, "burn"),
    };
    if (!tracer_api_supported(cfg.api, err, errlen))
        return PB_CREATE_SKIP;
    *state = tracer_new(&cfg, err, errlen);
    return *state ? 0 : -1;
}

static const char *deterministic_clock(const struct pb_options *opts)
{
    return pb_options_text(opts, "clock");
}

const struct pb_backend_ops pb_backend_deterministic = {
    .kind = "deterministic",
    .summary = "C profile function on every thread: calls, inclusive/self time, C calls",
    .mechanism = "tracing",
    .categories = PB_CAT_BIT(PB_CAT_PYTHON) | PB_CAT_BIT(PB_CAT_NATIVE),
    .caps = PB_CAP_THREADS | PB_CAP_REGION | PB_CAP_REPORT | PB_CAP_TIMER_FREE,
    .options = deterministic_options,
    .available = NULL,
    .create = deterministic_create,
    .start = tracer_start,
    .stop = tracer_stop,
    .collect = tracer_collect,
    .destroy = tracer_free,
    .clock = deterministic_clock,
};
