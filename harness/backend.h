/*
 * backend.h: the one interface every profiler backend implements, built-in
 * or adapter to a real tool. A backend is a const table of function pointers
 * (struct pb_backend_ops); its private state lives behind one void pointer
 * the harness never looks inside.
 *
 * Lifecycle, all in the worker process, with the GIL held and Python
 * initialised, the workload already imported:
 *
 *   available()  may this backend run here? (optional slot; NULL = yes)
 *   create()     parse options into private state; nothing started yet
 *   start()      begin profiling  -- measured region starts just before
 *   ... phases run ...
 *   stop()       end profiling    -- measured region ends just after
 *   collect()    turn private data into a pb_report (timed separately)
 *
 * A tool that must launch the program itself (scalene) implements launch()
 * instead of start() and stop(): the worker hands it the workload's phases
 * (launch.h), the tool runs them in a process of its own around which the
 * driver times the same region, and collect() reads the tool's output.
 *   destroy()    free everything; nothing of the backend may outlive it
 *
 * Errors: slots return 0 on success, -1 with a lowercase message in err.
 * A failing slot makes the run a failed run with that message. create() may
 * also return PB_CREATE_SKIP with the reason in err: these options cannot
 * run on the worker's interpreter (an interface it lacks), and the run is
 * skipped with that reason rather than failed.
 */
#ifndef PB_BACKEND_H
#define PB_BACKEND_H

#include <stddef.h>

#include "option.h"
#include "report.h"

struct pb_launch;   /* launch.h */

/* Capabilities beyond the categories (PB_CAT_BIT mask in .categories). */
#define PB_CAP_THREADS  (1u << 0)   /* sees threads other than the caller's */
#define PB_CAP_ASYNCIO  (1u << 1)   /* attributes await time to coroutines */
#define PB_CAP_REGION   (1u << 2)   /* can start and stop around a region */
#define PB_CAP_REPORT   (1u << 3)   /* produces a profile (none does not) */
/* Its work does not depend on timers (no sampling clock): its instruction
 * count means something (--metric instructions, instr.h). */
#define PB_CAP_TIMER_FREE (1u << 4)

#define PB_CREATE_SKIP 1

struct pb_backend_ops {
    const char *kind;                       /* name used in configs: kind: X */
    const char *summary;                    /* one line for --list */
    const char *mechanism;                  /* "sampling", "tracing", ... */
    unsigned categories;                    /* categories it tells apart */
    unsigned caps;                          /* PB_CAP_* */
    const struct pb_option_spec *options;   /* {NULL}-terminated; NULL = none */

    /* Optional. Returns 1 when usable, 0 with the reason in why
     * ("scalene not installed"). */
    int (*available)(char *why, size_t whylen);
    /* Optional, for a kind whose config entries name their own tool
     * (declared.c's requires: and version:): available() and tool_version()
     * of one entry, from its options; called after available(), by the
     * probe (per entry) and each run. */
    int (*entry_available)(const struct pb_options *opts, char *why, size_t whylen);
    void (*entry_version)(const struct pb_options *opts, char *buf, size_t len);
    /* Optional. The costly check that the tool can profile here (it runs
     * the tool on a short program): made once per job, by the probe phase
     * before any run, after available(); a run then only calls available(). */
    int (*probe)(char *why, size_t whylen);
    int (*create)(void **state, const struct pb_options *opts, char *err, size_t errlen);
    int (*start)(void *state, char *err, size_t errlen);
    int (*stop)(void *state, char *err, size_t errlen);
    /* Fill out (already initialised) with the profile of the region. */
    int (*collect)(void *state, struct pb_report *out, char *err, size_t errlen);
    void (*destroy)(void *state);
    /* Optional. The clock the backend's times are read from ("wall", "cpu"),
     * for the tables; NULL means "wall". */
    const char *(*clock)(const struct pb_options *opts);
    /* Optional. After collect(), write the profile next to the results:
     * PREFIX.folded (flame-graph folded stacks) and PREFIX.speedscope.json. */
    int (*export_profile)(void *state, const char *prefix, char *err, size_t errlen);
    /* Optional, replaces start() and stop(): run the phases under the tool
     * in a process of its own. job's inputs are set and its folder made; on
     * return its timings have been read (pb_launch_read_timings). */
    int (*launch)(void *state, struct pb_launch *job, char *err, size_t errlen);
    /* Optional. The version of the real tool ("1.5.16") into buf, "" when
     * unknown; recorded in results.json. Called with Python initialised. */
    void (*tool_version)(char *buf, size_t len);
    /* Optional, in the harness at config time (no Python): the options
     * taken together make sense (a required option is set, two that exclude
     * each other are not). 0, or -1 with the reason in err and *key the
     * option at fault (NULL: the backend as a whole). */
    int (*check)(const struct pb_options *opts, const char **key, char *err, size_t errlen);
};

/* NULL-terminated registry of every backend kind (backends/registry.c). */
extern const struct pb_backend_ops *const pb_backends[];

#define pb_for_each_backend(ops, i) \
    for ((i) = 0; ((ops) = pb_backends[(i)]) != NULL; (i)++)

/* Look up a kind, the config kinds and the internal ones ("reach"); NULL
 * when unknown. */
const struct pb_backend_ops *pb_backend_find(const char *kind);
/* NULL-terminated list of kinds (static storage). */
const char *const *pb_backend_kinds(void);
const char *pb_backend_clock(const struct pb_backend_ops *ops, const struct pb_options *opts);

#endif
