/*
 * launched.c: no profiler, the workload run by a plain python3 process
 * through the launcher driver (harness/launch.h), exactly as a launcher tool
 * such as scalene runs it but without the tool.
 *
 * It is the baseline of launcher backends: the runner adds it to every
 * round of a workload that has one, and their overheads are ratios to it,
 * not to the in-process baseline, because Debian's /usr/bin/python3.11 is a
 * different build (statically linked) from the libpython3.11.so the worker
 * embeds and runs the same code at a different speed. As a row of its own
 * it shows that difference against the in-process baseline.
 */
#include <stdlib.h>

#include "../harness/backend.h"
#include "../harness/launch.h"
#include "../harness/util.h"

static int launched_create(void **state, const struct pb_options *opts, char *err,
                           size_t errlen)
{
    (void)opts;
    (void)err;
    (void)errlen;
    *state = NULL;
    return 0;
}

static int launched_launch(void *state, struct pb_launch *job, char *err, size_t errlen)
{
    (void)state;
    char **argv = NULL;
    size_t argc = 0;
    argv = pb_xrealloc(argv, 2 * sizeof(*argv));
    argv[argc++] = pb_xstrdup(job->python_exe);
    argv[argc] = NULL;
    pb_launch_driver_args(job, "", &argv, &argc);
    return pb_launch_run(job, argv, argc, err, errlen);
}

static int launched_collect(void *state, struct pb_report *out, char *err, size_t errlen)
{
    (void)state;
    (void)out;
    (void)err;
    (void)errlen;
    return 0;
}

static void launched_destroy(void *state)
{
    (void)state;
}

const struct pb_backend_ops pb_backend_launched = {
    .kind = "launched",
    .summary = "unprofiled, in a plain python3 process: the baseline of launcher tools",
    .mechanism = "none",
    .categories = 0,
    .caps = PB_CAP_THREADS | PB_CAP_REGION,
    .create = launched_create,
    .collect = launched_collect,
    .destroy = launched_destroy,
    .launch = launched_launch,
};
