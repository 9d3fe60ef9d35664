/* runner.c: plan, order and run the matrix (see runner.h). */
#include "runner.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "clock.h"
#include "progress.h"
#include "reach.h"
#include "util.h"

/* Cells that failed this many times are not run again. */
#define MAX_CELL_FAILURES 2

struct job {
    size_t workload;
    long backend;      /* PB_BASELINE(_LAUNCHED) or index into cfg->backends */
    long round;
};

/* xorshift64*: small, fast, and the same order on every platform. */
static unsigned long long rng_next(unsigned long long *s)
{
    unsigned long long x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 2685821657736338717ULL;
}

static void shuffle(void *base, size_t n, size_t size, unsigned long long *s)
{
    char tmp[64];
    char *a = base;
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)(rng_next(s) % i);
        memcpy(tmp, a + (i - 1) * size, size);
        memcpy(a + (i - 1) * size, a + j * size, size);
        memcpy(a + j * size, tmp, size);
    }
}

int pb_runner_probe(struct pb_results *res, char *err, size_t errlen)
{
    const struct pb_config *cfg = res->cfg;
    const char **kinds = pb_xcalloc(cfg->nbackends + 1, sizeof(*kinds));
    int *ok = pb_xcalloc(cfg->nbackends + 1, sizeof(int));
    char (*why)[PB_ERRLEN] = pb_xcalloc(cfg->nbackends + 1, sizeof(*why));
    char (*version)[PB_VERSIONLEN] = pb_xcalloc(cfg->nbackends + 1, sizeof(*version));
    for (size_t b = 0; b < cfg->nbackends; b++)
        kinds[b] = cfg->backends[b].ops->kind;
    int rc = pb_worker_probe(kinds, cfg->nbackends, ok, why, version, res->python,
                             sizeof(res->python), err, errlen);
    for (size_t b = 0; rc == 0 && b < cfg->nbackends; b++) {
        res->available[b] = ok[b];
        snprintf(res->why[b], PB_ERRLEN, "%s", why[b]);
        snprintf(res->tool_version[b], PB_VERSIONLEN, "%s", version[b]);
    }
    free(version);
    free(kinds);
    free(ok);
    free(why);
    return rc;
}

extern const struct pb_backend_ops pb_backend_launched;
/* What PB_BASELINE_LAUNCHED runs: the launched kind with no options. */
static const struct pb_backend_conf launched_baseline = {
    .name = (char *)"(launched baseline)",
    .ops = &pb_backend_launched,
};

/* Is cell (w, b) run: in this shard, available, and measurable with the
 * metric (--metric instructions runs no timer-driven backend)? */
static int cell_runs(const struct pb_results *res, size_t w, size_t b)
{
    const char *why;
    return pb_results_cell_on(res, w, b) && res->available[b] &&
           pb_metric_applies(res->metric, res->cfg->backends[b].ops, &why);
}

/* Does this shard own a cell of workload w (then it runs w's baseline: the
 * truth, and the denominator of its overheads), and does an available one of
 * those cells need the launched baseline? */
static void workload_needs(const struct pb_results *res, size_t w, int *base, int *launched)
{
    const struct pb_config *cfg = res->cfg;
    *base = *launched = 0;
    for (size_t b = 0; b < cfg->nbackends; b++) {
        if (!pb_results_cell_on(res, w, b))
            continue;
        *base = 1;
        if (cell_runs(res, w, b) && pb_baseline_for(cfg->backends[b].ops) == PB_BASELINE_LAUNCHED)
            *launched = 1;
    }
}

static size_t plan(const struct pb_results *res, struct job **out)
{
    const struct pb_config *cfg = res->cfg;
    unsigned long long s = res->seed * 0x9E3779B97F4A7C15ULL + 0x2545F4914F6CDD1DULL;
    size_t per_round = 0;
    for (size_t w = 0; w < cfg->nworkloads; w++) {
        int base, launched;
        workload_needs(res, w, &base, &launched);
        per_round += (size_t)base + (size_t)launched;
        for (size_t b = 0; b < cfg->nbackends; b++)
            per_round += cell_runs(res, w, b);
    }
    long rounds = res->rounds + res->warmup;
    struct job *jobs = pb_xcalloc(per_round * (size_t)rounds + 1, sizeof(*jobs));
    size_t *order = pb_xcalloc(cfg->nworkloads + 1, sizeof(*order));
    size_t n = 0;
    for (long r = 0; r < rounds; r++) {
        size_t nw = 0;
        for (size_t w = 0; w < cfg->nworkloads; w++)
            if (res->workload_on[w])
                order[nw++] = w;
        shuffle(order, nw, sizeof(*order), &s);
        for (size_t k = 0; k < nw; k++) {
            size_t first = n;
            int base, launched;
            workload_needs(res, order[k], &base, &launched);
            if (!base)
                continue;
            jobs[n++] = (struct job){ order[k], PB_BASELINE, r };
            if (launched)
                jobs[n++] = (struct job){ order[k], PB_BASELINE_LAUNCHED, r };
            for (size_t b = 0; b < cfg->nbackends; b++)
                if (cell_runs(res, order[k], b))
                    jobs[n++] = (struct job){ order[k], (long)b, r };
            shuffle(jobs + first, n - first, sizeof(*jobs), &s);
        }
    }
    free(order);
    *out = jobs;
    return n;
}

void pb_runner_run(struct pb_results *res, const struct pb_runner_opts *opts)
{
    const struct pb_config *cfg = res->cfg;
    struct job *jobs;
    size_t n = plan(res, &jobs);
    res->planned = n;
    /* failures[w * stride + slot]: slot 0 of each workload is the baseline,
     * slot 1 the launched baseline, slot b + 2 backend b. */
    size_t stride = cfg->nbackends + 2;
    int *failures = pb_xcalloc(cfg->nworkloads * stride + 1, sizeof(int));
    struct pb_progress prog;
    pb_progress_init(&prog, n, opts->quiet);
    double t0 = pb_now();
    res->started_at = (double)time(NULL);
    pb_reach_calibrate(res, &prog);   /* reach maps for flat profiles, not runs */

    for (size_t i = 0; i < n; i++) {
        const struct job *j = &jobs[i];
        if (pb_worker_stop_requested) {
            res->interrupted = 1;
            break;
        }
        const int *fails = &failures[j->workload * stride];
        long base_slot = j->backend >= 0 ? pb_baseline_for(cfg->backends[j->backend].ops) + 2
                                         : j->backend + 2;
        if (fails[0] >= MAX_CELL_FAILURES || fails[base_slot] >= MAX_CELL_FAILURES ||
            fails[j->backend + 2] >= MAX_CELL_FAILURES)
            continue;
        const struct pb_workload *w = &cfg->workloads[j->workload];
        const struct pb_backend_conf *b = j->backend >= 0 ? &cfg->backends[j->backend]
                                        : j->backend == PB_BASELINE_LAUNCHED ? &launched_baseline
                                        : NULL;
        const char *bname = j->backend >= 0 && b ? b->name : pb_baseline_name(j->backend);
        pb_progress_start(&prog, i + 1, w->name, bname);
        struct pb_run_record *rec = pb_results_add(res);
        rec->workload = j->workload;
        rec->backend = j->backend;
        rec->round = j->round;
        rec->warmup = j->round < res->warmup;
        rec->order = (long)i;
        rec->shard = res->shard_index;
        char *prefix = NULL;
        if (b && opts->export_dir && b->ops->export_profile &&
            (opts->export_all || pb_options_bool(&b->options, "export"))) {
            struct pb_strbuf sb = PB_STRBUF_INIT;
            pb_strbuf_addf(&sb, "%s/%s.%s.r%ld", opts->export_dir, w->name, b->name, j->round);
            prefix = pb_strbuf_detach(&sb);
            /* Created on first use; a failure shows as the run's export error. */
            mkdir(opts->export_dir, 0777);
        }
        pb_worker_run(w, b, cfg->defaults.timeout_s, prefix, &rec->run);
        free(prefix);
        if (rec->run.status == PB_RUN_INTERRUPTED) {
            res->nruns--;     /* an interrupted run is not a result */
            res->interrupted = 1;
            break;
        }
        if (rec->run.python[0] && !res->python[0])
            snprintf(res->python, sizeof(res->python), "%s", rec->run.python);
        int ok = rec->run.status == PB_RUN_OK;
        if (!ok)
            failures[j->workload * stride + (size_t)(j->backend + 2)]++;
        /* A workload that cannot run here is not run again in any cell. */
        if (rec->run.skipped)
            failures[j->workload * stride] = MAX_CELL_FAILURES;
        char status[600];
        snprintf(status, sizeof(status), "%s%s", rec->run.skipped ? "skipped: " : "",
                 rec->run.reason);
        pb_progress_end(&prog, i + 1, w->name, bname, ok, status, rec->run.elapsed_s);
    }
    pb_progress_finish(&prog);
    res->elapsed_s = pb_now() - t0;
    free(failures);
    free(jobs);
}
