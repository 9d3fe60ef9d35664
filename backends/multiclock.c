/*
 * multiclock.c: the yappi approach, cheaper. The same tracing as
 * deterministic.c, with two clocks: wall time at every event, and the
 * thread's user and kernel time, so each function gets python or native
 * seconds (on-CPU, user mode) and system seconds (kernel CPU and off-CPU).
 *
 * cpu_reads: checkpoints (default) reads the thread's CPU accounting only
 * where the answer can change: when a C call returns after more than
 * `threshold` of wall time (only C code blocks) and at least every `period`;
 * the kernel and off-CPU time since the previous checkpoint is charged to
 * the function on top of the stack. every_event reads the thread CPU clock at
 * every event like yappi (system = wall - cpu per function), for comparison.
 * api: as deterministic.c (setprofile, or monitoring on CPython 3.12+).
 */
#include "../harness/backend.h"
#include "../harness/util.h"
#include "tracer.h"

static const char *const reads_choices[] = { "checkpoints", "every_event", NULL };
static const char *const api_choices[] = { "setprofile", "monitoring", NULL };

static const struct pb_option_spec multiclock_options[] = {
    { "api", PB_OPT_ENUM, "setprofile", 0, -1, api_choices,
      "where events come from: setprofile or monitoring (CPython 3.12+; skipped before)" },
    { "cpu_reads", PB_OPT_ENUM, "checkpoints", 0, -1, reads_choices,
      "when to read the thread's CPU time: checkpoints or every_event" },
    { "threshold", PB_OPT_DURATION, "20us", 0, 1, NULL,
      "checkpoints: a C call longer than this is checked for system time" },
    { "period", PB_OPT_DURATION, "10ms", 100e-6, 10, NULL,
      "checkpoints: check at least this often" },
    { "builtins", PB_OPT_BOOL, "true", 0, -1, NULL,
      "trace calls of C functions as entries of their own (native time)" },
    { NULL, 0, NULL, 0, 0, NULL, NULL },
};

static int multiclock_create(void **state, const struct pb_options *opts, char *err,
                             size_t errlen)
{
    int every = pb_options_get(opts, "cpu_reads")->v.choice == 1;
    struct tracer_config cfg = {
        .api = pb_options_get(opts, "api")->v.choice == 1 ? TRACER_API_MONITORING
                                                          : TRACER_API_SETPROFILE,
        .clock = TRACER_WALL,
        .split = every ? TRACER_SPLIT_EVERY_EVENT : TRACER_SPLIT_CHECKPOINT,
        .builtins = pb_options_bool(opts, "builtins"),
        .threshold_ns = (int64_t)(pb_options_double(opts, "threshold") * 1e9),
        .period_ns = (int64_t)(pb_options_double(opts, "period") * 1e9),
    };
    if (!tracer_api_supported(cfg.api, err, errlen))
        return PB_CREATE_SKIP;
    *state = tracer_new(&cfg, err, errlen);
    return *state ? 0 : -1;
}

static const char *multiclock_clock(const struct pb_options *opts)
{
    (void)opts;
    return "wall+cpu";
}

const struct pb_backend_ops pb_backend_multiclock = {
    .kind = "multiclock",
    .summary = "tracing with wall and thread CPU clocks: python / native / system per function",
    .mechanism = "multi-clock tracing",
    .categories = PB_CAT_ALL,
    .caps = PB_CAP_THREADS | PB_CAP_REGION | PB_CAP_REPORT | PB_CAP_TIMER_FREE,
    .options = multiclock_options,
    .available = NULL,
    .create = multiclock_create,
    .start = tracer_start,
    .stop = tracer_stop,
    .collect = tracer_collect,
    .destroy = tracer_free,
    .clock = multiclock_clock,
};
