/*
 * scalene.c: scalene (pip's, from the profilers' venv; Debian's 1.5 works
 * too), run the way it must be run: as the program's launcher, `python3 -m
 * scalene run -o F --off ... driver.py` (2.x; 1.5: `-m scalene --json
 * --outfile F --cli --off ...`).
 * The driver (harness/launch.c) imports the workload and brackets the phases
 * with scalene_profiler.start() and stop(), scalene's region mode, timing
 * that region from inside the profiled program so the overhead is measured
 * on the same region as every other backend.
 *
 * Modes: `cpu` (scalene --cpu: CPU sampling only) and `full` (scalene's
 * default: CPU, memory through its LD_PRELOAD allocator, GPU when present).
 *
 * Report (scalene_json.h reads it): scalene's JSON gives, per function of the profiled files, the
 * share of the profile's elapsed time it spent in Python, in native code and
 * in the system (n_cpu_percent_python, n_cpu_percent_c, n_sys_percent):
 * those are the categories, taken from the tool. Seconds are the share times
 * elapsed_time_sec. Scalene profiles the files under --program-path, here
 * the workload's folder. It reports lines, not a call tree: a function's
 * time is its own lines' (recursion needs nothing more; time spent in a
 * callee in the same folder is the callee's), so inclusive = self.
 */
#include "pyadapter.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../harness/backend.h"
#include "../harness/launch.h"
#include "../harness/util.h"
#include "../harness/venv.h"
#include "scalene_json.h"

struct scalene {
    int memory;                 /* full mode */
    int async_view;             /* scalene 2's async/await profiling (on by default) */
    int stacks;                 /* scalene 2's stack collection at each sample (on by default) */
    long alloc_window;          /* --allocation-sampling-window, bytes; 0: scalene's own */
    double interval;            /* CPU sampling interval, seconds */
    char *json;                 /* the tool's report, read after the run */
};

static const char *const mode_choices[] = { "cpu", "full", NULL };

static const struct pb_option_spec scalene_options[] = {
    { "mode", PB_OPT_ENUM, "cpu", 0, -1, mode_choices,
      "cpu: CPU sampling only (--cpu); full: scalene's default, CPU and memory" },
    { "interval", PB_OPT_DURATION, "10ms", 0.0001, 1, NULL,
      "CPU sampling interval (--cpu-sampling-rate; scalene's default 10 ms)" },
    { "async", PB_OPT_BOOL, "true", 0, -1, NULL,
      "scalene 2's async/await profiling, on by default (false: --no-async; on "
      "CPython before 3.12 it lists every asyncio task at each sample in the event loop)" },
    { "stacks", PB_OPT_BOOL, "true", 0, -1, NULL,
      "scalene 2's stack collection, on by default: the Python stack and, from a "
      "signal handler, the native one at each CPU sample (false: --no-stacks)" },
    { "allocation_window", PB_OPT_INT, "0", 0, 1e10, NULL,
      "full mode: bytes allocated between two memory samples "
      "(--allocation-sampling-window; 0: scalene's own, 1 MB in 2.4)" },
    { NULL, 0, NULL, 0, 0, NULL, NULL },
};

static int scalene_available(char *why, size_t whylen)
{
    PyObject *util = PyImport_ImportModule("importlib.util");
    PyObject *spec = util ? PyObject_CallMethod(util, "find_spec", "s", "scalene") : NULL;
    int ok = spec && spec != Py_None;
    Py_XDECREF(spec);
    Py_XDECREF(util);
    PyErr_Clear();
    if (!ok) {
        char failed[512];
        pb_venv_failure("scalene", failed, sizeof(failed));
        snprintf(why, whylen, "scalene not installed%s%s", failed[0] ? ": " : "", failed);
        return 0;
    }
    return 1;
}

static void scalene_version(char *buf, size_t len)
{
    pyad_version("scalene", buf, len);
}

static int scalene_create(void **state, const struct pb_options *opts, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    struct scalene *s = pb_xcalloc(1, sizeof(*s));
    s->memory = !strcmp(pb_options_text(opts, "mode"), "full");
    s->interval = pb_options_double(opts, "interval");
    s->async_view = pb_options_bool(opts, "async");
    s->stacks = pb_options_bool(opts, "stacks");
    s->alloc_window = pb_options_int(opts, "allocation_window");
    *state = s;
    return 0;
}

static char *read_file(const char *path, char *err, size_t errlen)
{
    char *text;
    size_t len;
    if (pb_read_file(path, 0, &text, &len) < 0) {
        pb_error(err, errlen, "scalene wrote no report (%s)", strerror(errno));
        return NULL;
    }
    return text;
}

static int scalene_launch(void *state, struct pb_launch *job, char *err, size_t errlen)
{
    struct scalene *s = state;
    char out[400], interval[32], window[32], *wdir = pb_xstrdup(job->workload_file);
    snprintf(out, sizeof(out), "%s/scalene.json", job->dir);
    snprintf(interval, sizeof(interval), "%g", s->interval);
    char **argv = NULL;
    size_t argc = 0;
    /* scalene 2 has subcommands (`run`), -o, --cpu-only, and JSON only;
     * memory is on by default in both. */
    char version[32];
    scalene_version(version, sizeof(version));
    int v2 = atoi(version) >= 2;
    const char *pdir = dirname(wdir);
    const char *head2[17] = { job->python_exe, "-m", "scalene", "run", "-o", out, "--off",
                              "--cpu-sampling-rate", interval, "--program-path", pdir };
    size_t k2 = 0;
    while (head2[k2])                    /* the rest of the array is NULL */
        k2++;
    if (!s->async_view)
        head2[k2++] = "--no-async";    /* 1.5 has no async profiling to turn off */
    if (!s->stacks)
        head2[k2++] = "--no-stacks";   /* nor stacks */
    if (!s->memory) {
        head2[k2++] = "--cpu-only";
    } else if (s->alloc_window > 0) {
        snprintf(window, sizeof(window), "%ld", s->alloc_window);
        head2[k2++] = "--allocation-sampling-window";
        head2[k2++] = window;
    }
    head2[k2] = NULL;
    const char *head1[] = { job->python_exe, "-m", "scalene", "--json", "--outfile", out,
                            "--cli", "--off", "--cpu-sampling-rate", interval,
                            "--program-path", pdir, s->memory ? NULL : "--cpu", NULL };
    const char *const *head = v2 ? head2 : head1;
    for (size_t i = 0; head[i]; i++) {
        argv = pb_xrealloc(argv, (argc + 2) * sizeof(*argv));
        argv[argc++] = pb_xstrdup(head[i]);
    }
    /* The driver and, after "---", its own arguments. */
    char **dargv = NULL;
    size_t dargc = 0;
    pb_launch_driver_args(job, "scalene.scalene_profiler", &dargv, &dargc);
    argv = pb_xrealloc(argv, (argc + dargc + 3) * sizeof(*argv));
    argv[argc++] = dargv[0];
    argv[argc++] = pb_xstrdup("---");
    for (size_t i = 1; i < dargc; i++)
        argv[argc++] = dargv[i];
    argv[argc] = NULL;
    free(dargv);
    free(wdir);

    if (pb_launch_run(job, argv, argc, err, errlen) < 0)
        return -1;
    if (job->failed_phase >= 0 || job->error[0])
        return 0;   /* the worker reports the phase's exception */
    free(s->json);
    s->json = read_file(out, err, errlen);
    /* On a short region where no sample landed scalene writes "{}" and says
     * why ("Program did not run for long enough to profile."). */
    if (s->json && !strstr(s->json, "\"files\"")) {
        free(s->json);
        s->json = NULL;
        pb_error(err, errlen, "scalene wrote an empty profile");
    }
    if (!s->json) {
        char tail[256];
        pb_launch_log_tail(job, tail, sizeof(tail));
        if (tail[0])
            snprintf(err + strlen(err), errlen - strlen(err), "; scalene said: %.200s", tail);
        return -1;
    }
    return 0;
}

static int scalene_collect(void *state, struct pb_report *out, char *err, size_t errlen)
{
    struct scalene *s = state;
    if (!s->json)
        return pb_error(err, errlen, "no scalene report to read");
    if (pb_scalene_json_read(s->json, strlen(s->json), out, err, errlen) < 0)
        return -1;
    char note[256], version[32];
    scalene_version(version, sizeof(version));
    /* The settings away from scalene's defaults, as applied (scalene 2's). */
    int v2 = atoi(version) >= 2;
    char window[64] = "";
    if (s->memory && s->alloc_window > 0)
        snprintf(window, sizeof(window), ", a memory sample every %ld bytes", s->alloc_window);
    snprintf(note, sizeof(note), "scalene %s, %s mode, launched%s%s%s%s",
             version[0] ? version : "?", s->memory ? "full" : "cpu",
             v2 && !s->async_view ? ", no async view" : "", v2 && !s->stacks ? ", no stacks" : "",
             v2 ? window : "",
             !v2 && (!s->async_view || !s->stacks || window[0])
                 ? " (async, stacks and allocation_window: scalene 2 only, not applied)" : "");
    pb_report_set_note(out, note);
    return 0;
}

static void scalene_destroy(void *state)
{
    struct scalene *s = state;
    free(s->json);
    free(s);
}

static const char *scalene_clock(const struct pb_options *opts)
{
    (void)opts;
    return "wall";   /* scalene's CPU samples fire on a wall-clock timer */
}

const struct pb_backend_ops pb_backend_scalene = {
    .kind = "scalene",
    .summary = "scalene (pip, 1.5 or 2.x) as the program's launcher, cpu or full mode",
    .mechanism = "sampling",
    .categories = PB_CAT_BIT(PB_CAT_PYTHON) | PB_CAT_BIT(PB_CAT_NATIVE) |
                  PB_CAT_BIT(PB_CAT_SYSTEM),
    .caps = PB_CAP_THREADS | PB_CAP_REGION | PB_CAP_REPORT,
    .options = scalene_options,
    .available = scalene_available,
    .create = scalene_create,
    .collect = scalene_collect,
    .destroy = scalene_destroy,
    .clock = scalene_clock,
    .launch = scalene_launch,
    .tool_version = scalene_version,
};
