/*
 * runner.h: the matrix. Plans every run (rounds x workloads x backends plus
 * one unprofiled baseline run per workload and round), shuffles it with the
 * config's seed so that profiled and unprofiled runs are interleaved in a
 * random order within each round, runs each in a fresh worker, and records
 * the results. A cell (workload, backend) that failed twice, or once by
 * passing the timeout, is not run again; the summary reports its first
 * failure. With --shard K/N only the cells
 * shard K owns are run, with the baselines of their workloads (shard.h).
 *
 * With a precision (--precision P, or the config's): after the configured
 * rounds, one more round at a time is run for the cells whose wall-overhead
 * interval is still wider than +-P of the ratio (with their workloads'
 * baselines), until none is, max_rounds is reached or max_time has passed;
 * the summary marks the cells that did not converge.
 */
#ifndef PB_RUNNER_H
#define PB_RUNNER_H

#include "results.h"

struct pb_runner_opts {
    int quiet;
    /* Folder for exported profiles, or NULL: a backend that can export does
     * so when this is set and either export_all or its `export` option is
     * true. Files: DIR/WORKLOAD.BACKEND.rROUND.{folded,speedscope.json}. */
    const char *export_dir;
    int export_all;
};

/* Probe availability of the selected backends only (res->backend_on; fills
 * res->available/why/tool_version and res->python; a backend not selected
 * is unavailable, "not selected") on every interpreter of res->interps (an
 * unusable one: every backend unavailable with its reason): one worker per
 * kind, each given at most timeout_s, after which that kind is unavailable
 * ("probe of KIND timed out after N s"). Returns 0, or -1 with a message
 * when no worker could run (on the only interpreter; with several, one
 * whose worker cannot start becomes unusable) or pb_worker_stop_requested
 * was set ("interrupted"). pb_worker_set_interpreters(res->interps) first. */
int pb_runner_probe(struct pb_results *res, double timeout_s, char *err, size_t errlen);

/* Run the plan. Stops early, with res->interrupted set, when
 * pb_worker_stop_requested becomes non-zero. */
void pb_runner_run(struct pb_results *res, const struct pb_runner_opts *opts);

#endif
