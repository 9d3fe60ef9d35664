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
#include "run_codec.h"
#include "util.h"

/* Cells that failed this many times are not run again; once, when the run
 * passed the timeout: another run would cost the whole timeout again to
 * say the same (the paper config's asyncio cells under scalene's full mode
 * and yappi's wall clock spent 10 of its minutes so). */
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

/* Probe the selected backends on interpreter i into its slots of available,
 * why and tool_version (av, wy, tv). */
static int probe_interpreter(struct pb_results *res, size_t i, double timeout_s, char *err,
                             size_t errlen)
{
    const struct pb_config *cfg = res->cfg;
    size_t nb = cfg->nbackends;
    int *av = res->available + i * nb;
    char (*wy)[PB_ERRLEN] = res->why + i * nb;
    char (*tv)[PB_VERSIONLEN] = res->tool_version + i * nb;
    struct pb_interpreter *ip = &res->interps[i];
    for (size_t b = 0; b < nb; b++) {
        av[b] = 0;
        tv[b][0] = '\0';
        snprintf(wy[b], PB_ERRLEN, "%s", !res->backend_on[b] ? "not selected" : ip->why);
    }
    if (!ip->usable)
        return 0;   /* its rows are skipped with its reason */
    pb_worker_probe_on(i);
    char python[sizeof(res->python)] = "";
    int rc = 0;
    /* One worker per kind, so that a kind whose probe hangs costs at most
     * timeout_s and leaves the others' answers; backends of the same kind
     * share its answer. */
    for (size_t b = 0; rc == 0 && b < nb; b++) {
        if (!res->backend_on[b])
            continue;
        const char *kind = cfg->backends[b].ops->kind;
        size_t first;
        for (first = 0; first < b; first++)
            if (res->backend_on[first] && !strcmp(cfg->backends[first].ops->kind, kind))
                break;
        /* A kind whose entries name their own tool answers per entry. */
        if (first < b && !cfg->backends[b].ops->entry_available) {
            av[b] = av[first];
            memcpy(wy[b], wy[first], PB_ERRLEN);
            memcpy(tv[b], tv[first], PB_VERSIONLEN);
            continue;
        }
        char py[sizeof(python)] = "";
        rc = pb_worker_probe(&kind, 1, &cfg->backends[b].options, timeout_s, &av[b], &wy[b],
                             &tv[b], py, sizeof(py), err, errlen);
        if (py[0] && !python[0])
            snprintf(python, sizeof(python), "%s", py);
    }
    /* Every probe timed out: the Python version still goes into the results. */
    if (rc == 0 && !python[0])
        rc = pb_worker_probe(NULL, 0, NULL, timeout_s, NULL, NULL, NULL, python, sizeof(python),
                             err, errlen);
    if (python[0] && !res->python[0])
        snprintf(res->python, sizeof(res->python), "%s", python);
    /* The worker's own word for its version ("3.12.1 (main, ...)"). */
    if (python[0] && !ip->version[0])
        snprintf(ip->version, sizeof(ip->version), "%.*s", (int)strcspn(python, " "), python);
    return rc;
}

int pb_runner_probe(struct pb_results *res, double timeout_s, char *err, size_t errlen)
{
    int rc = 0;
    res->python[0] = '\0';
    for (size_t i = 0; rc == 0 && i < res->ninterps; i++) {
        rc = probe_interpreter(res, i, timeout_s, err, errlen);
        /* A worker that cannot start on another interpreter skips its rows;
         * on the only one, nothing can run. */
        if (rc < 0 && res->ninterps > 1 && !pb_worker_stop_requested) {
            struct pb_interpreter *ip = &res->interps[i];
            ip->usable = 0;
            char why[PB_ERRLEN];
            pb_copy(why, sizeof(why), err);
            pb_error(ip->why, sizeof(ip->why), "no worker starts for %s: %s", ip->name, why);
            rc = probe_interpreter(res, i, timeout_s, err, errlen);
        }
    }
    pb_worker_probe_on(0);
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
    return pb_results_cell_on(res, w, b) && res->available[pb_results_avail(res, w, b)] &&
           pb_cell_applies(res, w, b, &why);
}

/* Does this shard own a cell of workload w (then it runs w's baseline: the
 * truth, and the denominator of its overheads), and does an available one of
 * those cells need the launched baseline? */
static void workload_needs(const struct pb_results *res, size_t w, int *base, int *launched)
{
    const struct pb_config *cfg = res->cfg;
    *base = *launched = 0;
    if (!pb_results_interp(res, w)->usable)
        return;   /* nothing runs on an interpreter that cannot: its rows are skipped */
    for (size_t b = 0; b < cfg->nbackends; b++) {
        if (!pb_results_cell_on(res, w, b))
            continue;
        *base = 1;
        if (cell_runs(res, w, b) && pb_baseline_for(cfg->backends[b].ops) == PB_BASELINE_LAUNCHED)
            *launched = 1;
    }
}

/* The jobs of rounds [from, to): per round, the workloads in a random order,
 * and within each workload its baseline run(s) and the cells that still
 * run (active[w * nbackends + b], NULL: all), in a random order. *out is
 * yours to free. */
static size_t plan(const struct pb_results *res, long from, long to, const int *active,
                   unsigned long long *s, struct job **out)
{
    const struct pb_config *cfg = res->cfg;
    size_t per_round = 0;
    for (size_t w = 0; w < cfg->nworkloads; w++)
        per_round += 2 + cfg->nbackends;
    struct job *jobs = pb_xcalloc(per_round * (size_t)(to - from) + 1, sizeof(*jobs));
    size_t *order = pb_xcalloc(cfg->nworkloads + 1, sizeof(*order));
    size_t n = 0;
    for (long r = from; r < to; r++) {
        size_t nw = 0;
        for (size_t w = 0; w < cfg->nworkloads; w++)
            if (res->workload_on[w])
                order[nw++] = w;
        shuffle(order, nw, sizeof(*order), s);
        for (size_t k = 0; k < nw; k++) {
            size_t w = order[k], first = n;
            int base, launched, any = !active;
            workload_needs(res, w, &base, &launched);
            for (size_t b = 0; active && b < cfg->nbackends; b++)
                any |= cell_runs(res, w, b) && active[w * cfg->nbackends + b];
            if (!base || !any)   /* not this shard's, or every cell of w is done */
                continue;
            jobs[n++] = (struct job){ w, PB_BASELINE, r };
            if (launched)
                jobs[n++] = (struct job){ w, PB_BASELINE_LAUNCHED, r };
            for (size_t b = 0; b < cfg->nbackends; b++)
                if (cell_runs(res, w, b) && (!active || active[w * cfg->nbackends + b]))
                    jobs[n++] = (struct job){ w, (long)b, r };
            shuffle(jobs + first, n - first, sizeof(*jobs), s);
        }
    }
    free(order);
    *out = jobs;
    return n;
}

/* Run jobs[0..n) in order. Returns 0, or -1 when interrupted. */
static int run_jobs(struct pb_results *res, const struct pb_runner_opts *opts,
                    const struct job *jobs, size_t n, struct pb_progress *prog, size_t *done,
                    int *failures)
{
    const struct pb_config *cfg = res->cfg;
    /* failures[w * stride + slot]: slot 0 of each workload is the baseline,
     * slot 1 the launched baseline, slot b + 2 backend b. */
    size_t stride = cfg->nbackends + 2;
    for (size_t i = 0; i < n; i++) {
        const struct job *j = &jobs[i];
        if (pb_worker_stop_requested) {
            res->interrupted = 1;
            return -1;
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
        size_t at = ++*done;
        char wlabel[512];   /* "mixed", or "mixed@python3.12" with several interpreters */
        pb_workload_file_label(res, j->workload, wlabel, sizeof(wlabel));
        pb_progress_start(prog, at, wlabel, bname);
        struct pb_run_record *rec = pb_results_add(res);
        rec->workload = j->workload;
        rec->backend = j->backend;
        rec->round = j->round;
        rec->warmup = j->round < res->warmup;
        rec->order = (long)at - 1;
        rec->shard = res->shard_index;
        char *prefix = NULL;
        if (b && opts->export_dir && b->ops->export_profile &&
            (opts->export_all || pb_options_bool(&b->options, "export"))) {
            struct pb_strbuf sb = PB_STRBUF_INIT;
            pb_strbuf_addf(&sb, "%s/%s.%s.r%ld", opts->export_dir, wlabel, b->name, j->round);
            prefix = pb_strbuf_detach(&sb);
            /* Created on first use; a failure shows as the run's export error. */
            mkdir(opts->export_dir, 0777);
        }
        pb_worker_run(w, b, cfg->defaults.timeout_s, prefix, &rec->run);
        free(prefix);
        if (rec->run.status == PB_RUN_INTERRUPTED) {
            pb_run_release(&rec->run);
            res->nruns--;     /* an interrupted run is not a result */
            res->interrupted = 1;
            return -1;
        }
        if (rec->run.python[0] && !res->python[0])
            snprintf(res->python, sizeof(res->python), "%s", rec->run.python);
        int ok = rec->run.status == PB_RUN_OK;
        if (!ok)
            failures[j->workload * stride + (size_t)(j->backend + 2)]++;
        /* A workload that cannot run here (its unprofiled run is skipped) is
         * not run again in any cell; a backend whose options cannot run on
         * this interpreter (PB_CREATE_SKIP), not again in its own cell. */
        if (rec->run.skipped)
            failures[j->workload * stride + (j->backend < 0 ? 0 : (size_t)(j->backend + 2))] =
                MAX_CELL_FAILURES;
        if (rec->run.timed_out)
            failures[j->workload * stride + (size_t)(j->backend + 2)] = MAX_CELL_FAILURES;
        char status[600];
        snprintf(status, sizeof(status), "%s%s", rec->run.skipped ? "skipped: " : "",
                 rec->run.reason);
        pb_progress_end(prog, at, wlabel, bname, ok, status, rec->run.elapsed_s);
    }
    return 0;
}

/* With --precision: which cells still need rounds. A cell is done when its
 * wall interval is narrow enough, or it failed; returns how many are not. */
static size_t update_active(struct pb_results *res, int *active)
{
    const struct pb_config *cfg = res->cfg;
    pb_results_summarise(res);
    size_t left = 0;
    for (size_t w = 0; w < cfg->nworkloads; w++)
        for (size_t b = 0; b < cfg->nbackends; b++) {
            size_t i = w * cfg->nbackends + b;
            const struct pb_cell *c = &res->cells[i];
            active[i] = res->workload_on[w] && res->backend_on[b] && cell_runs(res, w, b) &&
                        c->status == PB_CELL_OK && !pb_cell_converged(res, c);
            left += (size_t)active[i];
        }
    return left;
}

void pb_runner_run(struct pb_results *res, const struct pb_runner_opts *opts)
{
    const struct pb_config *cfg = res->cfg;
    unsigned long long s = res->seed * 0x9E3779B97F4A7C15ULL + 0x2545F4914F6CDD1DULL;
    struct job *jobs;
    long first = res->rounds + res->warmup;
    size_t n = plan(res, 0, first, NULL, &s, &jobs);
    res->planned = n;
    int *failures = pb_xcalloc(cfg->nworkloads * (cfg->nbackends + 2) + 1, sizeof(int));
    struct pb_progress prog;
    pb_progress_init(&prog, n, opts->quiet);
    double t0 = pb_now();
    res->started_at = (double)time(NULL);
    pb_reach_calibrate(res, &prog);   /* reach maps for flat profiles, not runs */
    size_t done = 0;
    int rc = run_jobs(res, opts, jobs, n, &prog, &done, failures);
    free(jobs);
    /* Precision-driven rounds: one more round at a time for the cells whose
     * interval is still too wide, until none is, or rounds or time run out.
     * The minimum rounds are never fewer than an interval needs. */
    if (rc == 0 && res->precision > 0) {
        int *active = pb_xcalloc(cfg->nworkloads * cfg->nbackends + 1, sizeof(int));
        long r = first;
        long last = res->warmup + res->max_rounds;
        while (r < last && pb_now() - t0 < res->max_time_s && update_active(res, active)) {
            n = plan(res, r, r + 1, active, &s, &jobs);
            res->planned += n;
            prog.total = res->planned;
            rc = run_jobs(res, opts, jobs, n, &prog, &done, failures);
            free(jobs);
            if (rc < 0)
                break;
            r++;
        }
        free(active);
    }
    pb_progress_finish(&prog);
    res->elapsed_s = pb_now() - t0;
    free(failures);
}
