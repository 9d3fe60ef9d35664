/*
 * results.h: everything one invocation measured, and its summaries. The
 * runner fills it, summary.c derives the per-cell figures, and the writers
 * (json_writer.c, csv_writer.c, md_writer.c, table.c) only read it.
 */
#ifndef PB_RESULTS_H
#define PB_RESULTS_H

#include <stddef.h>

#include "config.h"
#include "sysinfo.h"
#include "worker.h"

#define PB_RESULTS_SCHEMA 1
#define PB_BASELINE (-1L)   /* backend index of the unprofiled baseline runs */
/* Backend index of the launched baseline (backends/launched.c): the
 * unprofiled workload in a plain python3 process, the denominator of the
 * overheads of launcher backends (those with launch()). */
#define PB_BASELINE_LAUNCHED (-2L)

/* The baseline a backend's overheads are ratios to. */
long pb_baseline_for(const struct pb_backend_ops *ops);
/* "(baseline)" or "(launched baseline)" for an index < 0, else NULL. */
const char *pb_baseline_name(long backend);

struct pb_run_record {
    size_t workload;        /* index into cfg->workloads */
    long backend;           /* index into cfg->backends, or PB_BASELINE */
    long round;             /* 0-based, warm-ups included */
    int warmup;             /* a discarded warm-up round */
    long order;             /* position in the run order */
    struct pb_run run;
};

/* Truth of a thread or coroutine key: medians over the measured unprofiled
 * runs that had it. */
struct pb_key_truth {
    long phase;                                 /* -1 for coroutines */
    char name[PB_KEY_NAME];
    size_t nruns;
    struct pb_phase_truth t;                    /* declared: the thread's, from
                                                   the config (threads:) */
    char warning[160];                          /* "" when consistent */
};

/* Truth of one workload: medians over its measured unprofiled runs. */
struct pb_truth {
    size_t nruns;                               /* runs the medians are over */
    struct pb_phase_truth phase[PB_MAX_PHASES];
    double cat_s[PB_CAT_COUNT];                 /* T_c */
    double wall_s;                              /* T = sum of phase walls */
    char warning[PB_MAX_PHASES][160];           /* "" when consistent */
    /* Threads the phases started (their wall is part of T and their
     * categories of T_c) and coroutine keys (the task view). */
    size_t nthreads, ntasks;
    struct pb_key_truth threads[PB_MAX_KEYS];
    struct pb_key_truth tasks[PB_MAX_KEYS];
    double task_wall_s;                         /* sum of the coroutine keys */
};

enum pb_cell_status { PB_CELL_OK, PB_CELL_FAILED, PB_CELL_SKIPPED };

struct pb_cell {
    size_t workload;
    size_t backend;
    enum pb_cell_status status;
    char reason[512];          /* skipped or first failure, "" when ok */
    size_t nrounds;            /* measured rounds with both runs ok */
    size_t nfailed;            /* measured and warm-up runs of this cell that failed */
    double wall_ratio, wall_lo, wall_hi, wall_coverage;
    double cpu_ratio, cpu_lo, cpu_hi;
    double rss_delta_kb;
    double fae_pp, ce_pp;      /* NAN: not applicable */
    double coverage;           /* median thread coverage (0..1), NAN: the
                                  workload has no threads or no report */
    double fae_task_pp;        /* median FAE in the task view (coroutine
                                  keys), NAN: no coroutine keys or report */
    /* Median share of R the backend gave each thread key and each coroutine
     * key of the truth (same order as truth->threads / ->tasks); NAN
     * without a report. */
    double thread_share[PB_MAX_KEYS];
    double task_share[PB_MAX_KEYS];
    double collect_s;          /* median report collection time */
    double cat_share[PB_CAT_COUNT];   /* median share of each category in the
                                         backend's report; NAN where it cannot
                                         tell that category apart */
    double wall_s;             /* median profiled region wall */
};

struct pb_results {
    const struct pb_config *cfg;
    /* Selection after --only-*: flags per workload and backend. */
    int *workload_on;
    int *backend_on;
    /* Availability per backend (from the probe). */
    int *available;
    char (*why)[PB_ERRLEN];
    char (*tool_version)[PB_VERSIONLEN];   /* the real tool's, "" for none */
    long rounds, warmup;
    unsigned long seed;
    struct pb_run_record *runs;
    size_t nruns, runs_alloc;
    size_t planned;            /* runs in the plan */
    int interrupted;           /* Ctrl-C or SIGTERM stopped the matrix */
    double started_at;         /* time(2) of the start */
    double elapsed_s;
    char python[256];          /* the workers' sys.version */
    struct pb_sysinfo sys;
    /* Derived by pb_results_summarise(). */
    struct pb_truth *truth;    /* per workload */
    struct pb_cell *cells;     /* workload-major: cells[w * nbackends + b] */
    size_t ncells;
};

void pb_results_init(struct pb_results *res, const struct pb_config *cfg);
struct pb_run_record *pb_results_add(struct pb_results *res);
void pb_results_release(struct pb_results *res);

/* Compute truth and cells from the runs (summary.c). */
void pb_results_summarise(struct pb_results *res);
const struct pb_cell *pb_results_cell(const struct pb_results *res, size_t w, size_t b);
/* Does any selected, available cell have a failed run? */
int pb_results_any_failed(const struct pb_results *res);
const char *pb_cell_status_name(enum pb_cell_status s);

#endif
