/*
 * results.h: everything one invocation measured, and its summaries. The
 * runner fills it, summary.c derives the per-cell figures, and the writers
 * (json_writer.c, csv_writer.c, md_writer.c, table.c) only read it.
 */
#ifndef PB_RESULTS_H
#define PB_RESULTS_H

#include <stddef.h>

#include "config.h"
#include "interpreter.h"
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
    long order;             /* position in the run order (of its shard) */
    long shard;             /* the shard (1-based) that ran it; 1 unsharded */
    struct pb_run run;
};

/* Truth of a thread or coroutine key: medians over the measured unprofiled
 * runs that had it. A key may group several (accuracy.h, PB_KEYS_UNGROUPED):
 * each run's figures are the sums over the records that match it. */
struct pb_key_truth {
    long phase;                                 /* -1 for coroutines */
    char name[PB_KEY_NAME];                     /* the name, pattern or "*" */
    enum pb_key_group group;
    long count;                                 /* threads (calls) a run had
                                                   in it: the median */
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
    struct pb_key_truth threads[PB_MAX_TRUTH_KEYS];
    struct pb_key_truth tasks[PB_MAX_TRUTH_KEYS];
    double task_wall_s;                         /* sum of the coroutine keys */
    /* The noise floor (docs/METHOD.md): the accuracy figures of unprofiled
     * runs, the `none` row's DE over keys and categories (its FAE and CE are
     * the same numbers), with their 95% intervals. A figure at or below
     * floor_hi is not evidence of an error. NAN without a `none` row. */
    double floor_pp, floor_lo, floor_hi;
    double floor_ce_pp, floor_ce_lo, floor_ce_hi;
    /* "" or why the declared categories look wrong: the sampling backend's
     * category split of its own runs differs from the declarations by more
     * than PB_DECLARED_WARN_PP (its ACE). */
    char declared_warning[256];
};

/* ACE of the sampling backend above which the declared categories are
 * flagged: no clock tells python from native, so a declaration is all the
 * truth has, and the sampler (AE well under 1 pp on the reference
 * workloads) is the best second opinion. */
#define PB_DECLARED_WARN_PP 15.0

/* PB_CELL_NA: the cell has no figure in this mode (--metric instructions and
 * a timer-driven or launched backend); the reason says why. */
enum pb_cell_status { PB_CELL_OK, PB_CELL_FAILED, PB_CELL_SKIPPED, PB_CELL_NA };

/* What the overhead is a ratio of: wall time (default), or the instructions
 * executed in the region, counted under callgrind (instr.h). */
enum pb_metric { PB_METRIC_WALL, PB_METRIC_INSTRUCTIONS };
const char *pb_metric_name(enum pb_metric m);
/* Can backend ops be measured with metric m? 1, or 0 with the reason
 * ("timer-driven" ...) in why. */
int pb_metric_applies(enum pb_metric m, const struct pb_backend_ops *ops, const char **why);

struct pb_cell {
    size_t workload;
    size_t backend;
    enum pb_cell_status status;
    char reason[512];          /* skipped or first failure, "" when ok */
    size_t nrounds;            /* measured rounds with both runs ok */
    size_t nfailed;            /* measured and warm-up runs of this cell that failed */
    double wall_ratio, wall_lo, wall_hi, wall_coverage;
    /* With --precision: 1 when the wall interval's half-width is within
     * precision * ratio, 0 when rounds or time ran out first; -1 without
     * --precision. */
    int converged;
    double cpu_ratio, cpu_lo, cpu_hi;
    double rss_delta_kb;
    /* Accuracy in percentage points with 95% bootstrap intervals over
     * rounds (accuracy.h, docs/METHOD.md); NAN: not applicable. AE: the
     * report against the same runs' own times; DE: the runs' own times
     * against the truth (distortion); FAE: the report against the truth.
     * ACE, DCE and CE are the same over categories. */
    double ae_pp, ae_lo, ae_hi;
    double de_pp, de_lo, de_hi;
    double fae_pp, fae_lo, fae_hi;
    double ace_pp, ace_lo, ace_hi;
    double dce_pp, dce_lo, dce_hi;
    double ce_pp, ce_lo, ce_hi;
    double coverage;           /* median thread coverage (0..1), NAN: the
                                  workload has no threads or no report */
    double fae_task_pp;        /* median FAE in the task view (coroutine
                                  keys), NAN: no coroutine keys or report */
    /* Median share of R the backend gave each thread key and each coroutine
     * key of the truth (same order as truth->threads / ->tasks); NAN
     * without a report. */
    double thread_share[PB_MAX_TRUTH_KEYS];
    double task_share[PB_MAX_TRUTH_KEYS];
    double collect_s;          /* median report collection time */
    /* Median over rounds of the sampler's own CPU per thread sample
     * (pb_run.sampler_cpu_s / samples, docs/METHOD.md "Cost per sample");
     * NAN for a backend that cannot tell its CPU apart from the program's. */
    double cpu_per_sample_s;
    double cat_share[PB_CAT_COUNT];   /* median share of each category in the
                                         backend's report; NAN where it cannot
                                         tell that category apart */
    double wall_s;             /* median profiled region wall */
    /* --metric instructions: median of the per-round instruction-count ratios
     * with its interval (NAN otherwise). */
    double instr_ratio, instr_lo, instr_hi;
    /* Response to the change of a variant workload (accuracy.h,
     * pb_response()) with its 95% bootstrap interval; NAN for a workload that
     * is not a variant, a backend without reports, or a truth change too
     * small to judge. */
    double response, response_lo, response_hi;
    /* Latency under load (a workload whose phases record requests,
     * docs/METHOD.md "Latency under load"), each with its 95% bootstrap
     * interval (NAN without such figures, and the interval NAN with fewer
     * than PB_OVERHEAD_MIN_ROUNDS rounds): the profiled runs' throughput
     * over the baseline's (below 1: requests were lost to the profiler),
     * and their p50, p99 and max latency over the baseline's (above 1: the
     * profiler made requests slower). */
    double thr_ratio, thr_lo, thr_hi;
    double p50_ratio, p50_lo, p50_hi;
    double p99_ratio, p99_lo, p99_hi;
    double max_ratio, max_lo, max_hi;
};

/* One shard folder of a merged result. */
struct pb_merge_source {
    char path[1024];           /* the folder given to merge */
    long shard_index, shard_count;
    char started[32];          /* its "started" */
    double elapsed_s;
    char hostname[64];
    char git_revision[64];
    size_t nruns;
};

struct pb_results {
    const struct pb_config *cfg;
    /* Selection after --only-*: flags per workload and backend. */
    int *workload_on;
    int *backend_on;
    /* The interpreter axis (interpreter.h): cfg's interpreters, resolved,
     * pb_config_interpreter_count(cfg) of them; owned. Workload w runs on
     * interps[cfg->workloads[w].interp]. */
    struct pb_interpreter *interps;
    size_t ninterps;
    /* Availability per interpreter and backend (from the probe), at
     * pb_results_avail(res, w, b): interpreter-major. */
    int *available;
    char (*why)[PB_ERRLEN];
    char (*tool_version)[PB_VERSIONLEN];   /* the real tool's, "" for none */
    long rounds, warmup;
    unsigned long seed;
    /* Precision-driven rounds (runner.h): 0 for a fixed number of rounds,
     * then rounds is the least number, max_rounds the most. */
    double precision, max_time_s;
    long max_rounds;
    /* --shard K/N (shard.h): this invocation runs the cells shard_index owns;
     * 1/1 is the whole matrix (also the shard of a merged result). */
    long shard_index, shard_count;
    enum pb_metric metric;     /* --metric: what overheads are ratios of */
    /* A merged result (merge.c): the shard folders it was made from. */
    struct pb_merge_source *sources;
    size_t nsources;
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
/* Index of backend b on the interpreter of workload w in available, why and
 * tool_version. */
size_t pb_results_avail(const struct pb_results *res, size_t w, size_t b);
/* The interpreter workload w runs on. */
const struct pb_interpreter *pb_results_interp(const struct pb_results *res, size_t w);
/* The name workload w goes by in tables, the report and chart titles: its
 * name, and with several interpreters its interpreter ("mixed on python3.12
 * (3.12.1)"). */
void pb_workload_label(const struct pb_results *res, size_t w, char *buf, size_t len);
/* The same in file names: "mixed", or "mixed@python3.12" with several
 * interpreters, every byte outside [A-Za-z0-9._@-] made '_'. */
void pb_workload_file_label(const struct pb_results *res, size_t w, char *buf, size_t len);
struct pb_run_record *pb_results_add(struct pb_results *res);
void pb_results_release(struct pb_results *res);

/* Compute truth and cells from the runs (summary.c). */
void pb_results_summarise(struct pb_results *res);
/* The share vectors (accuracy.h) of one run of workload w over the keys of
 * w's truth (res->truth[w] must be summarised): its own times, and its
 * report's when it has a usable one. */
void pb_results_run_shares(const struct pb_results *res, size_t w, const struct pb_run *run,
                           struct pb_run_shares *out);
/* With --precision: is the cell's wall interval narrow enough? */
int pb_cell_converged(const struct pb_results *res, const struct pb_cell *c);
/* Rounds the runs span, warm-ups included: the config's rounds + warmup,
 * or more when --precision added rounds (the largest round index + 1). */
long pb_results_round_count(const struct pb_results *res);
/* Is an accuracy figure (DE, FAE, DCE, CE) inside the noise floor: finite
 * and at most the upper end of the floor's interval? Marked '~' in tables. */
int pb_within_floor(double value, double floor_hi);
/* Fill cell's response figures (response.c) from the runs of workload w, a
 * variant, and its base under backend b and unprofiled; leaves them NAN
 * when w is not a variant or a figure does not exist. */
void pb_summarise_response(const struct pb_results *res, size_t w, size_t b,
                           struct pb_cell *cell);
const struct pb_cell *pb_results_cell(const struct pb_results *res, size_t w, size_t b);
/* Is cell (w, b) selected and owned by this invocation's shard? */
int pb_results_cell_on(const struct pb_results *res, size_t w, size_t b);
/* Does cell (w, b) mean something: the workload is among the backend's
 * `workloads:` and the metric measures the backend? 0 with why ("not in
 * the backend's workloads", "timer-driven", ...) when not: the cell is n/a. */
int pb_cell_applies(const struct pb_results *res, size_t w, size_t b, const char **why);
/* The overhead figures of the results' metric: wall (or instruction) ratio
 * and its interval. */
void pb_cell_overhead(const struct pb_results *res, const struct pb_cell *c, double *ratio,
                      double *lo, double *hi);
/* Does this invocation own any cell of workload w? */
int pb_results_workload_active(const struct pb_results *res, size_t w);
/* The measured, ok runs of round `round` of cell (w, b): the backend's run and
 * the baseline run of the same round and the same shard. 0 when both exist
 * (and the baseline's wall is > 0), else -1. */
int pb_results_round_pair(const struct pb_results *res, size_t w, size_t b, long round,
                          const struct pb_run **base, const struct pb_run **prof);
/* Does any selected, available cell have a failed run? */
int pb_results_any_failed(const struct pb_results *res);
const char *pb_cell_status_name(enum pb_cell_status s);

#endif
