/*
 * faulty.c: test-only backends that misbehave on purpose, compiled only into
 * the test build (build/test/pyprof-bench-test, -DPB_FAULT_INJECTION; the
 * Makefile leaves this file out of the real binary). The e2e tests put them
 * in a matrix with well-behaved backends and check that the matrix goes on,
 * their rows fail with a reason, and the other rows are measured.
 *
 *   test-crash    the worker dies of SIGSEGV in start() or stop()
 *   test-hang     stop() never returns (the run's timeout ends it)
 *   test-garbage  collect() returns nonsense: with what=numbers, NaN,
 *                 infinite and negative seconds (the worker refuses the
 *                 report); with what=strings, valid numbers under names
 *                 with newlines, quotes, control bytes and invalid UTF-8
 *                 (the report is kept: its text must reach results.json
 *                 as valid JSON)
 *   test-flat     a well-behaved flat profile: the deterministic tracer's
 *                 report (builtins off) with every entry's inclusive time
 *                 set to its self time, as a line-level profiler gives
 *                 (scalene): the phases' work is under their callees' names
 *                 (README "Flat profiles")
 */
#include "../harness/backend.h"
#include "../harness/util.h"

#ifdef PB_FAULT_INJECTION

#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The state of every faulty backend: which option it was given. */
struct faulty {
    int choice;
};

static int faulty_create(void **state, const struct pb_options *opts, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    struct faulty *f = calloc(1, sizeof(*f));
    if (!f)
        return pb_error(err, errlen, "out of memory");
    const struct pb_option_value *v = opts->count ? &opts->values[0] : NULL;
    f->choice = v ? v->v.choice : 0;
    *state = f;
    return 0;
}

static int faulty_noop(void *state, char *err, size_t errlen)
{
    (void)state;
    (void)err;
    (void)errlen;
    return 0;
}

static int faulty_no_report(void *state, struct pb_report *out, char *err, size_t errlen)
{
    (void)state;
    (void)out;
    (void)err;
    (void)errlen;
    return 0;
}

static void faulty_destroy(void *state)
{
    free(state);
}

/* ---------------------------------------------------------------- crash */

static const char *const crash_when[] = { "start", "stop", NULL };
static const struct pb_option_spec crash_opts[] = {
    { "when", PB_OPT_ENUM, "stop", 0, -1, crash_when, "the slot that crashes" },
    { NULL, 0, NULL, 0, 0, NULL, NULL },
};

static void crash_now(void)
{
    /* A real invalid write would be as good, but the compiler may remove
     * it; raise() is what a crash looks like from outside, every time. */
    signal(SIGSEGV, SIG_DFL);
    raise(SIGSEGV);
}

static int crash_start(void *state, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    if (((struct faulty *)state)->choice == 0)
        crash_now();
    return 0;
}

static int crash_stop(void *state, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    if (((struct faulty *)state)->choice == 1)
        crash_now();
    return 0;
}

const struct pb_backend_ops pb_backend_test_crash = {
    .kind = "test-crash",
    .summary = "test only: the worker dies of SIGSEGV in start() or stop()",
    .mechanism = "test",
    .caps = PB_CAP_REGION,
    .options = crash_opts,
    .create = faulty_create,
    .start = crash_start,
    .stop = crash_stop,
    .collect = faulty_no_report,
    .destroy = faulty_destroy,
};

/* ----------------------------------------------------------------- hang */

static int hang_stop(void *state, char *err, size_t errlen)
{
    (void)state;
    (void)err;
    (void)errlen;
    for (;;)
        pause();
    return 0;
}

const struct pb_backend_ops pb_backend_test_hang = {
    .kind = "test-hang",
    .summary = "test only: stop() never returns",
    .mechanism = "test",
    .caps = PB_CAP_REGION,
    .create = faulty_create,
    .start = faulty_noop,
    .stop = hang_stop,
    .collect = faulty_no_report,
    .destroy = faulty_destroy,
};

/* -------------------------------------------------------------- garbage */

static const char *const garbage_what[] = { "numbers", "strings", NULL };
static const struct pb_option_spec garbage_opts[] = {
    { "what", PB_OPT_ENUM, "numbers", 0, -1, garbage_what, "the kind of nonsense" },
    { NULL, 0, NULL, 0, 0, NULL, NULL },
};

static int garbage_collect(void *state, struct pb_report *out, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    struct pb_report_entry *e;
    if (((struct faulty *)state)->choice == 0) {
        e = pb_report_add(out, "nowhere.py", 1, "nan", 1);
        e->inclusive_s = NAN;
        e->self_s = -1;
        e = pb_report_add(out, "nowhere.py", 2, "inf", 1);
        e->inclusive_s = e->self_s = INFINITY;
        out->total_s = -5;
        out->categories = ~0u;
        return 0;
    }
    static const char *const names[] = {
        "new\nline", "quote\" and \\ backslash", "tab\tbell\a", "\xff\xfe invalid utf-8 \xc3",
        "{\"json\": [1, 2]}", "",
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        e = pb_report_add(out, names[(i + 1) % 6], (int)i, names[i], 1 + i);
        e->inclusive_s = e->self_s = 0.001;
        e->cat_s[PB_CAT_PYTHON] = 0.001;
    }
    char big[5000];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    e = pb_report_add(out, big, 0, big, 99);
    e->inclusive_s = e->self_s = 0.001;
    out->categories = PB_CAT_BIT(PB_CAT_PYTHON);
    pb_report_set_note(out, "garbage note: \n\"\xff\x01");
    return 0;
}

const struct pb_backend_ops pb_backend_test_garbage = {
    .kind = "test-garbage",
    .summary = "test only: collect() returns nonsense",
    .mechanism = "test",
    .caps = PB_CAP_REGION | PB_CAP_REPORT,
    .categories = PB_CAT_BIT(PB_CAT_PYTHON),
    .options = garbage_opts,
    .create = faulty_create,
    .start = faulty_noop,
    .stop = faulty_noop,
    .collect = garbage_collect,
    .destroy = faulty_destroy,
};

/* ----------------------------------------------------------------- flat */

extern const struct pb_backend_ops pb_backend_deterministic;

static int flat_create(void **state, const struct pb_options *opts, char *err, size_t errlen)
{
    (void)opts;
    const struct pb_backend_ops *det = &pb_backend_deterministic;
    struct pb_options o;
    if (pb_options_init_defaults(&o, det->options, err, errlen) < 0)
        return -1;
    int rc = pb_options_set(&o, "builtins", "false", err, errlen);
    if (rc == 0)
        rc = det->create(state, &o, err, errlen);
    pb_options_release(&o);
    return rc;
}

static int flat_collect(void *state, struct pb_report *out, char *err, size_t errlen)
{
    if (pb_backend_deterministic.collect(state, out, err, errlen) < 0)
        return -1;
    for (size_t i = 0; i < out->count; i++)
        out->entries[i].inclusive_s = out->entries[i].self_s;
    pb_report_set_note(out, "test-flat: the deterministic report, flattened");
    return 0;
}

static int flat_start(void *state, char *err, size_t errlen)
{
    return pb_backend_deterministic.start(state, err, errlen);
}

static int flat_stop(void *state, char *err, size_t errlen)
{
    return pb_backend_deterministic.stop(state, err, errlen);
}

static void flat_destroy(void *state)
{
    pb_backend_deterministic.destroy(state);
}

const struct pb_backend_ops pb_backend_test_flat = {
    .kind = "test-flat",
    .summary = "test only: a flat profile (each function's own time, no call tree)",
    .mechanism = "test",
    .caps = PB_CAP_THREADS | PB_CAP_REGION | PB_CAP_REPORT,
    .categories = PB_CAT_BIT(PB_CAT_PYTHON) | PB_CAT_BIT(PB_CAT_NATIVE),
    .create = flat_create,
    .start = flat_start,
    .stop = flat_stop,
    .collect = flat_collect,
    .destroy = flat_destroy,
};

#else

/* ISO C forbids an empty translation unit. */
typedef int pb_faulty_unused;

#endif
