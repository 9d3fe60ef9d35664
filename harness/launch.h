/*
 * launch.h: running the workload in a Python process of its own, for the
 * tools that must be the program's launcher (scalene is started as
 * `python3 -m scalene ... program.py`; it cannot be attached to a running
 * interpreter).
 *
 * The harness writes a small driver program and the pyprof_bench package it
 * runs (harness/py, embedded: pypkg.h) into a private temporary folder. The
 * tool runs the driver; the driver imports the workload, resolves the phases
 * with the worker's own code (pyprof_bench.loader), and times the same
 * measured region with the worker's region runner
 * (pyprof_bench.region.run_region) from inside the profiled program: from just before the tool's start call to just after its stop
 * call (wall on CLOCK_MONOTONIC, process CPU of every thread, per phase the
 * calling thread's user and kernel CPU). It writes those figures to a
 * timings file the worker reads back; the tool writes its own report, which
 * the backend parses.
 *
 * Timings file, one record per line, numbers in seconds:
 *   region WALL START STOP CPU_USER CPU_SYS
 *   phase INDEX WALL USER SYS
 *   error INDEX TEXT          (phase INDEX raised; -1: set-up failed)
 *   latency SECONDS           (one per request a phase recorded with
 *                              pyprof_bench.record_requests, which the driver
 *                              provides as the worker does)
 *   window SECONDS            (one per record_requests call)
 *   thread PHASE TID WALL USER SYS NAME
 *                             (one per thread the program's truth recorded,
 *                              pyprof_bench.truth as in the worker: the phase
 *                              it started in, -1 before any, its native TID,
 *                              its life's wall and CPU; NAME to the line's end)
 *   task PHASE WALL QUALNAME<TAB>FUNCTION<TAB>FILE
 *                             (one per call of a coroutine function decorated
 *                              with pyprof_bench.coroutine_truth: its wall,
 *                              awaits included)
 *   process CPU               (the program's CPU, every thread, at its end)
 */
#ifndef PB_LAUNCH_H
#define PB_LAUNCH_H

#include <stddef.h>
#include <stdio.h>

#include "config.h"
#include "util.h"

/* A thread of the launched program, as its driver's truth recorded it. */
struct pb_launch_thread {
    long phase;
    unsigned long tid;
    double wall_s, user_s, sys_s;
    char name[64];
};

/* A coroutine call of the launched program, as its driver's truth timed it. */
struct pb_launch_task {
    long phase;
    double wall_s;
    char name[64];        /* qualified name */
    char func[128];       /* code name */
    char *file;           /* owned */
};

struct pb_launch {
    /* Given by the worker. */
    const char *python_exe;                    /* the interpreter to run */
    const char *workload_file;
    size_t nphases;
    const char *phase_func[PB_MAX_PHASES];
    const char *phase_args[PB_MAX_PHASES];    /* Python literal of the args */
    /* Set by pb_launch_prepare(): a private folder holding driver.py and the
     * package (pyprof_bench/), and
     * the paths of the files the driver and the tool write there. */
    char dir[256];
    char driver[300];
    char timings[300];
    char log[300];                             /* the tool's stdout+stderr */
    /* Read back by pb_launch_read_timings(). */
    double wall_s, start_s, stop_s, cpu_user_s, cpu_sys_s;
    /* The profiled program's own CPU over its whole life, as its driver read
     * it last (`process` line); NAN when the line is missing. */
    double process_cpu_s;
    /* Set by pb_launch_exec(): the CPU of the launched process and of the
     * descendants it waited for (wait4), the program's included. A tool
     * that runs the program as its child spent tree_cpu_s - process_cpu_s
     * itself (with the program's interpreter teardown after the driver's
     * last reading, a few ms). */
    double tree_cpu_s;
    double phase_wall_s[PB_MAX_PHASES];
    double phase_user_s[PB_MAX_PHASES];
    double phase_sys_s[PB_MAX_PHASES];
    double *latency;                           /* the latency lines, seconds */
    size_t nlatency;
    double window_s;                           /* sum of the window lines;
                                                  0 when none */
    struct pb_launch_thread *threads;          /* the thread lines */
    size_t nthreads;
    struct pb_launch_task *tasks;              /* the task lines */
    size_t ntasks;
    long failed_phase;                         /* -1: none */
    char error[PB_ERRLEN];                     /* the phase's exception */
};

/* Make the private folder and write the driver into it. */
int pb_launch_prepare(struct pb_launch *l, char *err, size_t errlen);

/* Arguments the driver takes after its path, to be appended to the tool's
 * command line: TIMINGS WORKLOAD REGION_MODULE FUNC ARGS [FUNC ARGS...].
 * region_module is the module whose start() and stop() bracket the region
 * ("scalene.scalene_profiler"), or "" for none (a tool that samples from
 * outside). Appends to argv (NULL-terminated, grown with pb_xrealloc). */
void pb_launch_driver_args(const struct pb_launch *l, const char *region_module,
                           char ***argv, size_t *argc);

/* Run argv (argv[0] looked up in PATH) with stdin from /dev/null and
 * stdout+stderr into l->log; wait for it. Returns 0 when it exited 0, or -1
 * with a reason that quotes the last line of its output. */
int pb_launch_exec(struct pb_launch *l, char *const argv[], char *err, size_t errlen);

/* pb_launch_exec(), then free argv (argc strings, then the array), then
 * pb_launch_read_timings(): a launcher's whole run. 0, or -1 with why. */
int pb_launch_run(struct pb_launch *l, char **argv, size_t argc, char *err, size_t errlen);

/* Read the timings file. Returns 0 (a failed phase is reported through
 * failed_phase and error), or -1 when the file is missing or malformed. */
int pb_launch_read_timings(struct pb_launch *l, char *err, size_t errlen);

/* The same, from an open stream (the caller closes it); the timings path in
 * messages is still l->timings. */
int pb_launch_parse_timings(struct pb_launch *l, FILE *f, char *err, size_t errlen);

/* The last non-empty line of the log, for error messages ("" when none). */
void pb_launch_log_tail(const struct pb_launch *l, char *buf, size_t len);

/* The same for the log at path: its last non-empty line, leading blanks
 * removed ("" when none or unreadable). */
void pb_log_last_line(const char *path, char *buf, size_t len);

/* The log's name inside the private folder, which is made under $TMPDIR
 * (or /tmp): a worker killed at its timeout cannot say what its tool
 * printed, so the parent reads it there (worker.c). */
#define PB_LAUNCH_LOG_NAME "tool.log"

/* Remove the private folder and everything in it, and free latency,
 * threads and tasks. */
void pb_launch_cleanup(struct pb_launch *l);

#endif
