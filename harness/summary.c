/*
 * summary.c: from raw runs to the figures of docs/METHOD.md.
 *
 * Truth: per workload and phase, the median wall / user / kernel time of the
 * measured (not warm-up) unprofiled baseline runs.
 * Cells: per workload and backend, over the measured rounds where both the
 * baseline run and the backend's run succeeded: the wall and CPU overhead
 * (overhead.h: the ratio of the minima with its bootstrap interval), the
 * median peak-RSS delta, AE, DE and FAE over keys and categories from the
 * runs' share vectors with bootstrap intervals (accuracy.h), the floor (the
 * `none` row), thread coverage, the task view, the response of a variant
 * (response.c) and the median report collection time.
 */
#include "results.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "overhead.h"
#include "run_codec.h"
#include "shard.h"
#include "stats.h"
#include "util.h"

void pb_results_init(struct pb_results *res, const struct pb_config *cfg)
{
    memset(res, 0, sizeof(*res));
    res->cfg = cfg;
    size_t nw = cfg->nworkloads, nb = cfg->nbackends, ni = pb_config_interpreter_count(cfg);
    res->workload_on = pb_xcalloc(nw, sizeof(int));
    res->backend_on = pb_xcalloc(nb, sizeof(int));
    res->ninterps = ni;
    res->interps = pb_xcalloc(ni, sizeof(*res->interps));
    for (size_t i = 0; i < ni; i++) {
        struct pb_interpreter *ip = &res->interps[i];
        pb_copy(ip->name, sizeof(ip->name),
                cfg->ninterpreters ? cfg->interpreters[i] : pb_interpreter_pinned_name());
        ip->usable = 1;   /* until resolved */
    }
    res->available = pb_xcalloc(ni * nb, sizeof(int));
    res->why = pb_xcalloc(ni * nb, sizeof(*res->why));
    res->tool_version = pb_xcalloc(ni * nb, sizeof(*res->tool_version));
    for (size_t i = 0; i < nw; i++)
        res->workload_on[i] = 1;
    for (size_t i = 0; i < nb; i++)
        res->backend_on[i] = 1;
    for (size_t i = 0; i < ni * nb; i++)
        res->available[i] = 1;
    res->rounds = cfg->defaults.rounds;
    res->warmup = cfg->defaults.warmup;
    res->seed = (unsigned long)cfg->defaults.seed;
    res->precision = cfg->defaults.precision;
    res->max_rounds = cfg->defaults.max_rounds;
    res->max_time_s = cfg->defaults.max_time_s;
    res->shard_index = res->shard_count = 1;
}

size_t pb_results_avail(const struct pb_results *res, size_t w, size_t b)
{
    size_t i = res->cfg->workloads[w].interp;
    return (i < res->ninterps ? i : 0) * res->cfg->nbackends + b;
}

const struct pb_interpreter *pb_results_interp(const struct pb_results *res, size_t w)
{
    size_t i = res->cfg->workloads[w].interp;
    return &res->interps[i < res->ninterps ? i : 0];
}

void pb_workload_label(const struct pb_results *res, size_t w, char *buf, size_t len)
{
    const char *name = res->cfg->workloads[w].name;
    const struct pb_interpreter *ip = pb_results_interp(res, w);
    if (res->ninterps < 2)
        snprintf(buf, len, "%s", name);
    else if (ip->version[0])
        snprintf(buf, len, "%s on %s (%s)", name, ip->name, ip->version);
    else
        snprintf(buf, len, "%s on %s", name, ip->name);
}

void pb_workload_file_label(const struct pb_results *res, size_t w, char *buf, size_t len)
{
    const char *name = res->cfg->workloads[w].name;
    if (res->ninterps < 2)
        snprintf(buf, len, "%s", name);
    else
        snprintf(buf, len, "%s@%s", name, pb_results_interp(res, w)->name);
    for (char *p = buf; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("._@-", *p))
            *p = '_';
}

struct pb_run_record *pb_results_add(struct pb_results *res)
{
    if (res->nruns == res->runs_alloc) {
        res->runs_alloc = res->runs_alloc ? res->runs_alloc * 2 : 64;
        res->runs = pb_xrealloc(res->runs, res->runs_alloc * sizeof(*res->runs));
    }
    struct pb_run_record *r = &res->runs[res->nruns++];
    memset(r, 0, sizeof(*r));
    return r;
}

void pb_results_release(struct pb_results *res)
{
    free(res->workload_on);
    free(res->backend_on);
    free(res->interps);
    free(res->available);
    free(res->why);
    free(res->tool_version);
    for (size_t i = 0; i < res->nruns; i++)
        pb_run_release(&res->runs[i].run);
    free(res->runs);
    free(res->truth);
    free(res->cells);
    free(res->sources);
    memset(res, 0, sizeof(*res));
}

const char *pb_cell_status_name(enum pb_cell_status s)
{
    switch (s) {
    case PB_CELL_OK: return "ok";
    case PB_CELL_FAILED: return "failed";
    case PB_CELL_SKIPPED: return "skipped";
    case PB_CELL_NA: return "n/a";
    }
    return "?";
}

const struct pb_cell *pb_results_cell(const struct pb_results *res, size_t w, size_t b)
{
    if (!res->cells || w >= res->cfg->nworkloads || b >= res->cfg->nbackends)
        return NULL;
    return &res->cells[w * res->cfg->nbackends + b];
}

const char *pb_metric_name(enum pb_metric m)
{
    return m == PB_METRIC_INSTRUCTIONS ? "instructions" : "wall";
}

int pb_metric_applies(enum pb_metric m, const struct pb_backend_ops *ops, const char **why)
{
    *why = "";
    if (m != PB_METRIC_INSTRUCTIONS || (ops->caps & PB_CAP_TIMER_FREE))
        return 1;
    *why = ops->launch && !(ops->caps & PB_CAP_REPORT)
               ? "launched: runs in a process of its own, outside the counted worker"
               : "timer-driven: its work follows the clock, which valgrind slows down";
    return 0;
}

void pb_cell_overhead(const struct pb_results *res, const struct pb_cell *c, double *ratio,
                      double *lo, double *hi)
{
    int instr = res->metric == PB_METRIC_INSTRUCTIONS;
    *ratio = instr ? c->instr_ratio : c->wall_ratio;
    *lo = instr ? c->instr_lo : c->wall_lo;
    *hi = instr ? c->instr_hi : c->wall_hi;
}

int pb_results_cell_on(const struct pb_results *res, size_t w, size_t b)
{
    long k = pb_shard_of(res, w, b);
    return k != 0 && k == res->shard_index;
}

int pb_cell_applies(const struct pb_results *res, size_t w, size_t b, const char **why)
{
    const struct pb_backend_conf *bc = &res->cfg->backends[b];
    if (!pb_backend_runs_workload(bc, res->cfg->workloads[w].name)) {
        *why = "not in the backend's workloads";
        return 0;
    }
    return pb_metric_applies(res->metric, bc->ops, why);
}

int pb_results_workload_active(const struct pb_results *res, size_t w)
{
    for (size_t b = 0; b < res->cfg->nbackends; b++)
        if (pb_results_cell_on(res, w, b))
            return 1;
    return 0;
}

long pb_baseline_for(const struct pb_backend_ops *ops)
{
    return ops->launch ? PB_BASELINE_LAUNCHED : PB_BASELINE;
}

const char *pb_baseline_name(long backend)
{
    return backend == PB_BASELINE ? "(baseline)"
         : backend == PB_BASELINE_LAUNCHED ? "(launched baseline)" : NULL;
}

/* The measured ok run of (workload, backend, round) in shard (any when 0),
 * or NULL. */
static const struct pb_run_record *find_run(const struct pb_results *res, size_t w, long b,
                                            long round, long shard)
{
    for (size_t i = 0; i < res->nruns; i++) {
        const struct pb_run_record *r = &res->runs[i];
        if (r->workload == w && r->backend == b && r->round == round && !r->warmup &&
            r->run.status == PB_RUN_OK && (!shard || r->shard == shard))
            return r;
    }
    return NULL;
}

int pb_results_round_pair(const struct pb_results *res, size_t w, size_t b, long round,
                          const struct pb_run **base, const struct pb_run **prof)
{
    *base = *prof = NULL;
    const struct pb_run_record *p = find_run(res, w, (long)b, round, 0);
    if (!p)
        return -1;
    const struct pb_run_record *q = find_run(res, w, pb_baseline_for(res->cfg->backends[b].ops),
                                             round, p->shard);
    if (!q || !(q->run.wall_s > 0))
        return -1;
    *base = &q->run;
    *prof = &p->run;
    return 0;
}

/* Is run record r one of workload w's measured unprofiled runs? */
static int is_truth_run(const struct pb_run_record *r, size_t w)
{
    return r->workload == w && r->backend == PB_BASELINE && !r->warmup &&
           r->run.status == PB_RUN_OK;
}

/* The name of record r at grouping level g: its name, pattern or "*". */
static void key_name_at(const struct pb_key_rec *r, enum pb_key_group g, char *out,
                        size_t len)
{
    if (g == PB_KEY_EXACT)
        pb_copy(out, len, r->name);
    else if (g == PB_KEY_PATTERN)
        pb_key_pattern(r->name, out, len);
    else
        pb_copy(out, len, "*");
}

/* A key of the truth being found: its phase and name at a grouping level,
 * and its first member's own name (its declared category). */
struct found_key {
    long phase;
    char name[PB_KEY_NAME];
    char first[PB_KEY_NAME];
};

/* The distinct keys of workload w's truth runs at grouping level g, into
 * *keys (malloc'd); returns their number. */
static size_t distinct_keys(const struct pb_results *res, size_t w, int tasks,
                            enum pb_key_group g, struct found_key **keys)
{
    size_t n = 0, cap = 0;
    char name[PB_KEY_NAME];
    *keys = NULL;
    for (size_t i = 0; i < res->nruns; i++) {
        const struct pb_run_record *r = &res->runs[i];
        if (!is_truth_run(r, w))
            continue;
        const struct pb_key_rec *recs = tasks ? r->run.tasks : r->run.threads;
        size_t nr = tasks ? r->run.ntasks : r->run.nthreads;
        for (size_t k = 0; k < nr; k++) {
            key_name_at(&recs[k], g, name, sizeof(name));
            size_t j = 0;
            while (j < n && ((*keys)[j].phase != recs[k].phase || strcmp((*keys)[j].name, name)))
                j++;
            if (j < n)
                continue;
            if (n == cap) {
                cap = cap ? 2 * cap : 16;
                *keys = pb_xrealloc(*keys, cap * sizeof(**keys));
            }
            struct found_key *f = &(*keys)[n++];
            f->phase = recs[k].phase;
            pb_copy(f->name, sizeof(f->name), name);
            pb_copy(f->first, sizeof(f->first), recs[k].name);
        }
    }
    return n;
}

/* The sums of a run's records that belong to key kt: 0 when none does. */
static int key_sums(const struct pb_key_rec *recs, size_t n, const struct pb_key_truth *kt,
                    struct pb_key_rec *sum)
{
    int found = 0;
    memset(sum, 0, sizeof(*sum));
    for (size_t k = 0; k < n; k++) {
        if (!pb_key_matches(&recs[k], kt->group, kt->phase, kt->name))
            continue;
        found = 1;
        sum->count += recs[k].count;
        sum->wall_s += recs[k].wall_s;
        sum->user_s += recs[k].user_s;
        sum->sys_s += recs[k].sys_s;
        if (isfinite(recs[k].attr_s))
            sum->attr_s += recs[k].attr_s;
    }
    return found;
}

/* Thread (tasks = 0) or coroutine (tasks = 1) keys of workload w: the union
 * of the keys of its measured baseline runs, each the median over the runs
 * that had it, grouped when there are many (accuracy.h, PB_KEYS_UNGROUPED).
 * Thread keys add to T and T_c, with the category declared for that thread
 * name in its phase (the phase's own when not declared; a group's is its
 * first member's). */
static void summarise_keys(const struct pb_results *res, size_t w, struct pb_truth *t,
                           int tasks)
{
    const struct pb_workload *wl = &res->cfg->workloads[w];
    struct pb_key_truth *keys = tasks ? t->tasks : t->threads;
    size_t *nkeys = tasks ? &t->ntasks : &t->nthreads;
    struct found_key *found = NULL;
    enum pb_key_group g = PB_KEY_EXACT;
    size_t nfound = distinct_keys(res, w, tasks, g, &found);
    if (nfound > PB_KEYS_UNGROUPED) {
        free(found);
        g = PB_KEY_PATTERN;
        nfound = distinct_keys(res, w, tasks, g, &found);
    }
    if (nfound > PB_MAX_TRUTH_KEYS) {
        free(found);
        g = PB_KEY_PHASE;   /* at most one key a phase, or one for coroutines */
        nfound = distinct_keys(res, w, tasks, g, &found);
    }
    char first[PB_MAX_TRUTH_KEYS][PB_KEY_NAME];
    *nkeys = 0;
    for (size_t j = 0; j < nfound && j < PB_MAX_TRUTH_KEYS; j++) {
        struct pb_key_truth *kt = &keys[(*nkeys)++];
        memset(kt, 0, sizeof(*kt));
        kt->phase = found[j].phase;
        kt->group = g;
        pb_copy(kt->name, sizeof(kt->name), found[j].name);
        pb_copy(first[j], sizeof(first[j]), found[j].first);
    }
    free(found);
    size_t cap = res->nruns ? res->nruns : 1;
    double *wall = pb_xcalloc(cap, sizeof(double));
    double *user = pb_xcalloc(cap, sizeof(double));
    double *sys = pb_xcalloc(cap, sizeof(double));
    double *count = pb_xcalloc(cap, sizeof(double));
    for (size_t j = 0; j < *nkeys; j++) {
        size_t n = 0;
        for (size_t i = 0; i < res->nruns; i++) {
            const struct pb_run_record *r = &res->runs[i];
            struct pb_key_rec sum;
            if (!is_truth_run(r, w) ||
                !key_sums(tasks ? r->run.tasks : r->run.threads,
                          tasks ? r->run.ntasks : r->run.nthreads, &keys[j], &sum))
                continue;
            wall[n] = sum.wall_s;
            user[n] = sum.user_s;
            sys[n] = sum.sys_s;
            count[n] = (double)sum.count;
            n++;
        }
        struct pb_key_truth *kt = &keys[j];
        kt->nruns = n;
        kt->count = n ? lround(pb_median(count, n)) : 0;
        kt->t.wall_s = pb_median(wall, n);
        kt->t.user_s = pb_median(user, n);
        kt->t.sys_s = pb_median(sys, n);
        if (tasks) {
            kt->t.declared = PB_CAT_SYSTEM;   /* not used: the task view has no
                                                 categories */
            t->task_wall_s += kt->t.wall_s;
            continue;
        }
        if (wl->overhead_only) {   /* nothing declared: no split, no check */
            kt->t.declared = PB_CAT_PYTHON;
            kt->warning[0] = '\0';
            t->wall_s += kt->t.wall_s;
            continue;
        }
        kt->t.declared = kt->phase >= 0 && (size_t)kt->phase < wl->nphases
                             ? pb_phase_thread_category(&wl->phases[kt->phase], first[j])
                             : PB_CAT_NATIVE;
        double cat[PB_CAT_COUNT];
        pb_truth_categories(&kt->t, cat);
        for (int c = 0; c < PB_CAT_COUNT; c++)
            t->cat_s[c] += cat[c];
        t->wall_s += kt->t.wall_s;
        if (!pb_truth_check(&kt->t, kt->warning, sizeof(kt->warning)))
            kt->warning[0] = '\0';
    }
    free(wall);
    free(user);
    free(sys);
    free(count);
}

/* The truth's keys (phases, then thread keys) as one run measured them:
 * own[k] its wall, user and kernel time with the declared category, and,
 * when rep is not NULL, rep[k] the seconds its report gave key k (a thread
 * key the run lacks was measured and reported as nothing). Returns the
 * number of keys and stores the report's R (sum R_k + R_other, at least
 * its total) in *rep_total. */
static size_t run_keys(const struct pb_workload *wl, const struct pb_truth *truth,
                       const struct pb_run *run, struct pb_phase_truth *own, double *rep,
                       double *rep_total)
{
    size_t n = 0;
    double sum = 0;
    for (size_t p = 0; p < wl->nphases && p < PB_MAX_PHASES; p++, n++) {
        own[n] = (struct pb_phase_truth){ run->phase_wall_s[p], run->phase_user_s[p],
                                          run->phase_sys_s[p], wl->phases[p].category };
        if (rep)
            sum += rep[n] = run->attr.phase_s[p];
    }
    for (size_t k = 0; k < truth->nthreads && n < PB_MAX_SHARE_KEYS; k++, n++) {
        struct pb_key_rec ks;
        key_sums(run->threads, run->nthreads, &truth->threads[k], &ks);
        own[n] = (struct pb_phase_truth){ ks.wall_s, ks.user_s, ks.sys_s,
                                          truth->threads[k].t.declared };
        if (rep)
            sum += rep[n] = ks.attr_s;
    }
    /* The worker already took the threads' seconds out of R_other. */
    double total = sum + run->attr.other_s;
    *rep_total = run->attr.total_s > total ? run->attr.total_s : total;
    return n;
}

void pb_results_run_shares(const struct pb_results *res, size_t w, const struct pb_run *run,
                           struct pb_run_shares *out)
{
    struct pb_phase_truth own[PB_MAX_SHARE_KEYS];
    double rep[PB_MAX_SHARE_KEYS], total;
    size_t n = run_keys(&res->cfg->workloads[w], &res->truth[w], run, own, rep, &total);
    /* A report whose attribution is n/a (R_other NAN: a flat profile's
     * callees reachable from several phases) counts as no report. */
    int usable = run->has_attr && isfinite(run->attr.other_s);
    pb_shares_fill(out, n, own, usable ? rep : NULL, total, run->attr.categories,
                   run->attr.cat_s);
}

/* An accuracy figure and its bootstrap interval: the cell's rounds and the
 * truth runs are resampled independently. */
struct acc_ctx {
    enum pb_accuracy_kind kind;
    enum pb_accuracy_over over;
    unsigned cats;
    const struct pb_run_shares *runs, *truth;
};

static double acc_stat(const void *ctx, const size_t *const *idx, const size_t *n)
{
    const struct acc_ctx *c = ctx;
    return pb_accuracy_estimate(c->kind, c->over, c->cats, c->runs, idx[0], n[0], c->truth,
                                idx[1], n[1]);
}

#define BOOTSTRAP_RESAMPLES 1000

/* cats: PB_KEYS for the keys, else the category mask. */
#define PB_KEYS (~0u)

static void estimate(enum pb_accuracy_kind kind, unsigned cats,
                     const struct pb_run_shares *runs, size_t n,
                     const struct pb_run_shares *truth, size_t nt, unsigned long long seed,
                     double *v, double *lo, double *hi)
{
    enum pb_accuracy_over over = cats == PB_KEYS ? PB_OVER_KEYS : PB_OVER_CATEGORIES;
    struct acc_ctx c = { kind, over, cats, runs, truth };
    *v = pb_accuracy_estimate(kind, over, cats, runs, NULL, n, truth, NULL, nt);
    *lo = *hi = NAN;
    if (isfinite(*v))
    {
        const size_t sizes[2] = { n, kind == PB_ACC_AE ? 0 : nt };
        pb_bootstrap_ci(acc_stat, &c, 2, sizes, BOOTSTRAP_RESAMPLES, seed, 0.95, lo, hi);
    }
}

/* Task-view FAE of one profiled run: the coroutine keys, everything else
 * the backend reported (the event loop, the harness) is R_other. */
static double run_fae_task(const struct pb_truth *truth, const struct pb_run *prof,
                           double *task_share)
{
    if (!truth->ntasks)
        return NAN;
    double T[PB_MAX_TRUTH_KEYS], R[PB_MAX_TRUTH_KEYS];
    for (size_t k = 0; k < truth->ntasks; k++) {
        struct pb_key_rec ks;
        key_sums(prof->tasks, prof->ntasks, &truth->tasks[k], &ks);
        T[k] = truth->tasks[k].t.wall_s;
        R[k] = ks.attr_s;
    }
    double sum = 0;
    for (size_t k = 0; k < truth->ntasks; k++)
        sum += R[k];
    double total = prof->attr.total_s > sum ? prof->attr.total_s : sum;
    for (size_t k = 0; k < truth->ntasks; k++)
        task_share[k] = total > 0 ? R[k] / total : NAN;
    return pb_fae_keys(T, R, truth->ntasks, prof->attr.total_s);
}

static void summarise_truth(const struct pb_results *res, size_t w, struct pb_truth *t)
{
    const struct pb_workload *wl = &res->cfg->workloads[w];
    size_t cap = res->nruns ? res->nruns : 1;
    double *wall = pb_xcalloc(cap, sizeof(double));
    double *user = pb_xcalloc(cap, sizeof(double));
    double *sys = pb_xcalloc(cap, sizeof(double));
    memset(t, 0, sizeof(*t));
    for (size_t p = 0; p < wl->nphases; p++) {
        size_t n = 0;
        for (size_t i = 0; i < res->nruns; i++) {
            const struct pb_run_record *r = &res->runs[i];
            if (r->workload != w || r->backend != PB_BASELINE || r->warmup ||
                r->run.status != PB_RUN_OK)
                continue;
            wall[n] = r->run.phase_wall_s[p];
            user[n] = r->run.phase_user_s[p];
            sys[n] = r->run.phase_sys_s[p];
            n++;
        }
        t->nruns = n;
        t->phase[p].wall_s = pb_median(wall, n);
        t->phase[p].user_s = pb_median(user, n);
        t->phase[p].sys_s = pb_median(sys, n);
        t->phase[p].declared = wl->phases[p].category;
        if (n == 0)
            continue;
        if (wl->overhead_only) {   /* nothing declared: no split, no check */
            t->wall_s += t->phase[p].wall_s;
            t->warning[p][0] = '\0';
            for (int c = 0; c < PB_CAT_COUNT; c++)
                t->cat_s[c] = NAN;
            continue;
        }
        double cat[PB_CAT_COUNT];
        pb_truth_categories(&t->phase[p], cat);
        for (int c = 0; c < PB_CAT_COUNT; c++)
            t->cat_s[c] += cat[c];
        t->wall_s += t->phase[p].wall_s;
        const char *msg = pb_truth_check(&t->phase[p], t->warning[p], sizeof(t->warning[p]));
        if (!msg)
            t->warning[p][0] = '\0';
    }
    free(wall);
    free(user);
    free(sys);
    summarise_keys(res, w, t, 0);
    summarise_keys(res, w, t, 1);
}

/* The largest round index among the runs (-1 when none): the rounds are
 * the config's, or more with --precision. */
static long max_round(const struct pb_results *res)
{
    long m = -1;
    for (size_t i = 0; i < res->nruns; i++)
        if (res->runs[i].round > m)
            m = res->runs[i].round;
    return m;
}

int pb_cell_converged(const struct pb_results *res, const struct pb_cell *c)
{
    if (!isfinite(c->wall_ratio) || !isfinite(c->wall_lo) || !isfinite(c->wall_hi))
        return 0;
    return (c->wall_hi - c->wall_lo) / 2 <= res->precision * c->wall_ratio;
}

long pb_results_round_count(const struct pb_results *res)
{
    return max_round(res) + 1;
}

/* Is backend b the unprofiled A/A row (kind none)? */
static int is_none_backend(const struct pb_results *res, size_t b)
{
    return !strcmp(res->cfg->backends[b].ops->kind, "none");
}

/* The latency-under-load figures of a cell from its n rounds: blat and plat
 * hold four figures of cap rounds each (see summarise_cell). Throughput and
 * p50 use the tables' estimator, the ratio of the minima (the fastest runs
 * are the least disturbed by the machine, as for wall time), inverted for
 * throughput: max(prof) / max(base). p99 and max do not: a tail is made of
 * the rare slow requests, so the run with the smallest tail is the one
 * where the profiler happened not to pause, and its minimum would hide
 * exactly what a tail is for. They use the median of the per-round ratios
 * (PB_EST_MEDIAN_RATIO, paired rounds, bootstrap interval): the typical
 * run's tail against the baseline run of the same round. */
static void summarise_latency(const double *blat, const double *plat, size_t cap, size_t n,
                              unsigned long long seed, struct pb_cell *cell)
{
    double r, lo, hi;
    pb_overhead_estimate(&blat[0], &plat[0], n, seed, &r, &lo, &hi);
    cell->thr_ratio = 1 / r;
    cell->thr_lo = 1 / hi;
    cell->thr_hi = 1 / lo;
    pb_overhead_estimate(&blat[cap], &plat[cap], n, seed, &cell->p50_ratio, &cell->p50_lo,
                         &cell->p50_hi);
    pb_overhead_estimate_with(PB_EST_MEDIAN_RATIO, &blat[2 * cap], &plat[2 * cap], NULL, NULL,
                              n, seed, &cell->p99_ratio, &cell->p99_lo, &cell->p99_hi);
    pb_overhead_estimate_with(PB_EST_MEDIAN_RATIO, &blat[3 * cap], &plat[3 * cap], NULL, NULL,
                              n, seed, &cell->max_ratio, &cell->max_lo, &cell->max_hi);
}

static void summarise_cell(const struct pb_results *res, size_t w, size_t b,
                           const struct pb_truth *truth,
                           const struct pb_run_shares *truth_shares, size_t ntruth,
                           struct pb_cell *cell)
{
    const struct pb_workload *wl = &res->cfg->workloads[w];
    memset(cell, 0, sizeof(*cell));
    cell->workload = w;
    cell->backend = b;
    cell->wall_ratio = cell->wall_lo = cell->wall_hi = NAN;
    cell->cpu_ratio = cell->cpu_lo = cell->cpu_hi = NAN;
    cell->rss_delta_kb = cell->collect_s = cell->wall_s = cell->cpu_per_sample_s = NAN;
    cell->ae_pp = cell->ae_lo = cell->ae_hi = cell->de_pp = cell->de_lo = cell->de_hi = NAN;
    cell->fae_pp = cell->fae_lo = cell->fae_hi = cell->ace_pp = cell->ace_lo = NAN;
    cell->ace_hi = cell->dce_pp = cell->dce_lo = cell->dce_hi = NAN;
    cell->ce_pp = cell->ce_lo = cell->ce_hi = NAN;
    cell->instr_ratio = cell->instr_lo = cell->instr_hi = NAN;
    cell->coverage = cell->fae_task_pp = NAN;
    cell->response = cell->response_lo = cell->response_hi = NAN;
    cell->thr_ratio = cell->thr_lo = cell->thr_hi = NAN;
    cell->p50_ratio = cell->p50_lo = cell->p50_hi = NAN;
    cell->p99_ratio = cell->p99_lo = cell->p99_hi = NAN;
    cell->max_ratio = cell->max_lo = cell->max_hi = NAN;
    for (size_t k = 0; k < PB_MAX_TRUTH_KEYS; k++)
        cell->thread_share[k] = cell->task_share[k] = NAN;
    for (int c = 0; c < PB_CAT_COUNT; c++)
        cell->cat_share[c] = NAN;

    if (!pb_results_cell_on(res, w, b)) {
        cell->status = PB_CELL_SKIPPED;
        snprintf(cell->reason, sizeof(cell->reason), "in shard %ld/%ld",
                 pb_shard_of(res, w, b), res->shard_count);
        return;
    }
    const char *why;
    if (!pb_cell_applies(res, w, b, &why)) {
        cell->status = PB_CELL_NA;
        pb_copy(cell->reason, sizeof(cell->reason), why);
        return;
    }
    if (!res->available[pb_results_avail(res, w, b)]) {
        cell->status = PB_CELL_SKIPPED;
        pb_copy(cell->reason, sizeof(cell->reason), res->why[pb_results_avail(res, w, b)]);
        return;
    }
    /* A workload that cannot run on this machine (its unprofiled runs are
     * skipped): every cell is skipped. A backend whose options cannot run on
     * the worker's interpreter (PB_CREATE_SKIP): its own cell only. */
    const struct pb_run_record *own_skip = NULL;
    for (size_t i = 0; i < res->nruns; i++) {
        const struct pb_run_record *r = &res->runs[i];
        if (r->workload != w || !r->run.skipped)
            continue;
        if (r->backend < 0) {
            cell->status = PB_CELL_SKIPPED;
            snprintf(cell->reason, sizeof(cell->reason), "workload skipped: %.480s",
                     r->run.reason);
            return;
        }
        if (r->backend == (long)b && !own_skip)
            own_skip = r;
    }
    if (own_skip) {
        cell->status = PB_CELL_SKIPPED;
        pb_copy(cell->reason, sizeof(cell->reason), own_skip->run.reason);
        return;
    }
    /* First failure of this backend, or of the baseline it is compared to. */
    for (size_t i = 0; i < res->nruns; i++) {
        const struct pb_run_record *r = &res->runs[i];
        if (r->workload != w || r->run.status != PB_RUN_FAILED)
            continue;
        long base_kind = pb_baseline_for(res->cfg->backends[b].ops);
        if (r->backend != (long)b && r->backend != base_kind)
            continue;
        if (r->backend == (long)b)
            cell->nfailed++;
        if (!cell->reason[0])
            snprintf(cell->reason, sizeof(cell->reason), "%s%.480s",
                     r->backend == base_kind ? "baseline run failed: " : "", r->run.reason);
    }

    long nround = pb_results_round_count(res);
    size_t cap = (size_t)nround + 1;
    double *bwall = pb_xcalloc(cap, sizeof(double));
    double *pwall = pb_xcalloc(cap, sizeof(double));
    double *bcpu = pb_xcalloc(cap, sizeof(double));
    double *pcpu = pb_xcalloc(cap, sizeof(double));
    double *rss = pb_xcalloc(cap, sizeof(double));
    double *col = pb_xcalloc(cap, sizeof(double));
    double *ins = pb_xcalloc(cap, sizeof(double));
    double *tcov = pb_xcalloc(cap, sizeof(double));
    double *ftask = pb_xcalloc(cap, sizeof(double));
    double *cps = pb_xcalloc(cap, sizeof(double));
    /* latency under load, per round: [figure * cap + round] of the baseline
     * (blat) and the profiled run (plat); figures: seconds per request
     * (1 / throughput), p50, p99, max */
    double *blat = pb_xcalloc(cap * 4, sizeof(double));
    double *plat = pb_xcalloc(cap * 4, sizeof(double));
    struct pb_run_shares *shares = pb_xcalloc(cap, sizeof(*shares));
    /* per-round shares of each key: [key * cap + round] */
    double *tsh = pb_xcalloc(cap * PB_MAX_TRUTH_KEYS, sizeof(double));
    double *ksh = pb_xcalloc(cap * PB_MAX_TRUTH_KEYS, sizeof(double));
    double one_k[PB_MAX_TRUTH_KEYS];
    double *share[PB_CAT_COUNT];
    for (int c = 0; c < PB_CAT_COUNT; c++)
        share[c] = pb_xcalloc(cap, sizeof(double));
    int accuracy = truth->nruns > 0 && !wl->overhead_only;
    unsigned rep_cats = 0;
    int any_report = 0;
    size_t n = 0;
    for (long round = 0; round < nround && n < cap; round++) {
        const struct pb_run *base, *prof;
        if (pb_results_round_pair(res, w, b, round, &base, &prof) < 0)
            continue;
        bwall[n] = base->wall_s;
        pwall[n] = prof->wall_s;
        bcpu[n] = base->cpu_s > 0 ? base->cpu_s : NAN;
        pcpu[n] = prof->cpu_s;
        rss[n] = (double)(prof->maxrss_kb - base->maxrss_kb);
        const struct pb_run *lr[2] = { base, prof };
        for (int side = 0; side < 2; side++) {
            double *to = side ? plat : blat;
            to[0 * cap + n] = 1 / lr[side]->throughput_rps;   /* NAN, inf: ignored */
            to[1 * cap + n] = lr[side]->lat_p50_s;
            to[2 * cap + n] = lr[side]->lat_p99_s;
            to[3 * cap + n] = lr[side]->lat_max_s;
        }
        ins[n] = base->instructions > 0 ? prof->instructions / base->instructions : NAN;
        col[n] = tcov[n] = ftask[n] = NAN;
        cps[n] = prof->samples > 0 ? prof->sampler_cpu_s / prof->samples : NAN;
        for (size_t k = 0; k < PB_MAX_TRUTH_KEYS; k++)
            tsh[k * cap + n] = ksh[k * cap + n] = one_k[k] = NAN;
        double sum = 0;
        for (int c = 0; c < PB_CAT_COUNT; c++)
            if (prof->has_attr && (prof->attr.categories & PB_CAT_BIT(c)))
                sum += prof->attr.cat_s[c];
        for (int c = 0; c < PB_CAT_COUNT; c++)
            share[c][n] = sum > 0 && (prof->attr.categories & PB_CAT_BIT(c))
                              ? prof->attr.cat_s[c] / sum : NAN;
        if (accuracy)
            pb_results_run_shares(res, w, prof, &shares[n]);
        if (prof->has_attr && accuracy) {
            if (!any_report)
                rep_cats = prof->attr.categories & PB_CAT_ALL;
            any_report = 1;
            /* NAN for launcher tools: their driver records no threads. */
            if (truth->nthreads)
                tcov[n] = pb_thread_coverage(prof->threads, prof->nthreads);
            ftask[n] = run_fae_task(truth, prof, one_k);
            for (size_t k = 0; k < truth->nthreads && wl->nphases + k < shares[n].nk; k++)
                tsh[k * cap + n] = shares[n].has_report ? shares[n].rep[wl->nphases + k] : NAN;
            for (size_t k = 0; k < PB_MAX_TRUTH_KEYS; k++)
                ksh[k * cap + n] = one_k[k];
            col[n] = prof->collect_s;
        }
        n++;
    }
    cell->nrounds = n;
    unsigned long long seed = res->seed * 1000003ULL + w * 1009ULL + b;
    pb_overhead_estimate(bwall, pwall, n, seed, &cell->wall_ratio, &cell->wall_lo,
                         &cell->wall_hi);
    cell->wall_coverage = isfinite(cell->wall_lo) ? 0.95 : NAN;
    cell->converged = res->precision > 0 ? pb_cell_converged(res, cell) : -1;
    pb_overhead_estimate(bcpu, pcpu, n, seed, &cell->cpu_ratio, &cell->cpu_lo, &cell->cpu_hi);
    cell->rss_delta_kb = pb_median(rss, n);
    summarise_latency(blat, plat, cap, n, seed, cell);
    free(blat);
    free(plat);
    if (accuracy && n) {
        const struct pb_run_shares *ts = truth_shares;
        size_t nt = ntruth;
        /* The distortion over categories is taken over the categories the
         * backend's CE compares, so the two can be read together; over all
         * three for a backend with no report (the `none` row: the floor). */
        unsigned dmask = any_report ? rep_cats : PB_CAT_ALL;
        estimate(PB_ACC_DE, PB_KEYS, shares, n, ts, nt, seed, &cell->de_pp, &cell->de_lo,
                 &cell->de_hi);
        estimate(PB_ACC_DE, dmask, shares, n, ts, nt, seed, &cell->dce_pp, &cell->dce_lo,
                 &cell->dce_hi);
        if (any_report) {
            estimate(PB_ACC_AE, PB_KEYS, shares, n, ts, nt, seed, &cell->ae_pp, &cell->ae_lo,
                     &cell->ae_hi);
            estimate(PB_ACC_TOTAL, PB_KEYS, shares, n, ts, nt, seed, &cell->fae_pp, &cell->fae_lo,
                     &cell->fae_hi);
            estimate(PB_ACC_AE, rep_cats, shares, n, ts, nt, seed, &cell->ace_pp,
                     &cell->ace_lo, &cell->ace_hi);
            estimate(PB_ACC_TOTAL, rep_cats, shares, n, ts, nt, seed, &cell->ce_pp,
                     &cell->ce_lo, &cell->ce_hi);
        } else if (is_none_backend(res, b)) {
            /* Unprofiled runs reported nothing: a perfect profiler of them
             * would report their own times, so their FAE and CE are their
             * DE and DCE: the noise floor. */
            cell->fae_pp = cell->de_pp, cell->fae_lo = cell->de_lo, cell->fae_hi = cell->de_hi;
            cell->ce_pp = cell->dce_pp, cell->ce_lo = cell->dce_lo, cell->ce_hi = cell->dce_hi;
        }
    }
    cell->collect_s = pb_median(col, n);
    cell->cpu_per_sample_s = pb_median(cps, n);
    cell->coverage = pb_median(tcov, n);
    cell->fae_task_pp = pb_median(ftask, n);
    for (size_t k = 0; k < PB_MAX_TRUTH_KEYS; k++) {
        cell->thread_share[k] = pb_median(&tsh[k * cap], n);
        cell->task_share[k] = pb_median(&ksh[k * cap], n);
    }
    cell->wall_s = pb_median(pwall, n);
    if (res->metric == PB_METRIC_INSTRUCTIONS) {
        double cov;
        pb_median_ci(ins, n, 0.95, &cell->instr_lo, &cell->instr_hi, &cov);
        cell->instr_ratio = pb_median(ins, n);
    }
    for (int c = 0; c < PB_CAT_COUNT; c++) {
        cell->cat_share[c] = pb_median(share[c], n);
        free(share[c]);
    }
    free(tsh);
    free(ksh);
    free(tcov);
    free(ftask);
    free(cps);
    free(shares);
    free(bwall);
    free(pwall);
    free(bcpu);
    free(pcpu);
    free(rss);
    free(col);
    free(ins);
    pb_summarise_response(res, w, b, cell);

    if (cell->nfailed > 0 || n == 0) {
        cell->status = PB_CELL_FAILED;
        if (!cell->reason[0])
            snprintf(cell->reason, sizeof(cell->reason), "%s",
                     res->interrupted ? "interrupted before any round finished"
                                      : "no measured round completed");
    } else {
        cell->status = PB_CELL_OK;
        cell->reason[0] = '\0';
    }
}

/* Share vectors of workload w's measured unprofiled runs of one kind
 * (PB_BASELINE, or PB_BASELINE_LAUNCHED: the plain python3 process launcher
 * tools run the workload in) over the truth's keys: the truth side of DE
 * and FAE. *n receives their count; you own it. */
static struct pb_run_shares *truth_shares(const struct pb_results *res, size_t w, long kind,
                                          size_t *n)
{
    struct pb_run_shares *s = pb_xcalloc(res->nruns + 1, sizeof(*s));
    *n = 0;
    for (size_t i = 0; i < res->nruns; i++) {
        const struct pb_run_record *r = &res->runs[i];
        if (r->workload == w && r->backend == kind && !r->warmup &&
            r->run.status == PB_RUN_OK)
            pb_results_run_shares(res, w, &r->run, &s[(*n)++]);
    }
    return s;
}

/* The floor of workload w: the first `none` row that has figures. */
static void summarise_floor(const struct pb_results *res, size_t w, struct pb_truth *t)
{
    t->floor_pp = t->floor_lo = t->floor_hi = NAN;
    t->floor_ce_pp = t->floor_ce_lo = t->floor_ce_hi = NAN;
    size_t nb = res->cfg->nbackends;
    for (size_t b = 0; b < nb; b++) {
        const struct pb_cell *c = &res->cells[w * nb + b];
        if (!res->backend_on[b] || !is_none_backend(res, b) || c->status != PB_CELL_OK ||
            !isfinite(c->de_pp))
            continue;
        t->floor_pp = c->de_pp, t->floor_lo = c->de_lo, t->floor_hi = c->de_hi;
        t->floor_ce_pp = c->dce_pp, t->floor_ce_lo = c->dce_lo, t->floor_ce_hi = c->dce_hi;
        return;
    }
}

/* Workload w's declared categories against the sampling backend's view of
 * its own runs (the first `sampling` row with an ACE). */
static void summarise_declared(const struct pb_results *res, size_t w, struct pb_truth *t)
{
    t->declared_warning[0] = '\0';
    size_t nb = res->cfg->nbackends;
    double sum = t->cat_s[0] + t->cat_s[1] + t->cat_s[2];
    for (size_t b = 0; b < nb && sum > 0; b++) {
        const struct pb_cell *c = &res->cells[w * nb + b];
        if (!res->backend_on[b] || strcmp(res->cfg->backends[b].ops->kind, "sampling") ||
            c->status != PB_CELL_OK || !isfinite(c->ace_pp))
            continue;
        if (c->ace_pp > PB_DECLARED_WARN_PP)
            snprintf(t->declared_warning, sizeof(t->declared_warning),
                     "categories are declared (python %.0f%%, native %.0f%% of the time), but "
                     "the sampling backend finds python %.0f%%, native %.0f%% (ACE %.1f pp): "
                     "check the phases' `category:`", 100 * t->cat_s[PB_CAT_PYTHON] / sum,
                     100 * t->cat_s[PB_CAT_NATIVE] / sum,
                     100 * c->cat_share[PB_CAT_PYTHON], 100 * c->cat_share[PB_CAT_NATIVE],
                     c->ace_pp);
        return;
    }
}

int pb_within_floor(double value, double floor_hi)
{
    return isfinite(value) && isfinite(floor_hi) && value <= floor_hi;
}

void pb_results_summarise(struct pb_results *res)
{
    size_t nw = res->cfg->nworkloads, nb = res->cfg->nbackends;
    free(res->truth);
    free(res->cells);
    res->truth = pb_xcalloc(nw, sizeof(*res->truth));
    res->cells = pb_xcalloc(nw * nb, sizeof(*res->cells));
    res->ncells = nw * nb;
    for (size_t w = 0; w < nw; w++) {
        if (!res->workload_on[w])
            continue;
        summarise_truth(res, w, &res->truth[w]);
        /* A launcher tool's runs are compared with the unprofiled runs of
         * the same kind of process: a plain python3 runs the phases in
         * other proportions than the embedded worker (0.5-9 pp on mixed),
         * which is neither the tool's error nor its distortion. */
        size_t nt, nl;
        struct pb_run_shares *ts = truth_shares(res, w, PB_BASELINE, &nt);
        struct pb_run_shares *tl = truth_shares(res, w, PB_BASELINE_LAUNCHED, &nl);
        for (size_t b = 0; b < nb; b++) {
            if (!res->backend_on[b])
                continue;
            int launched = pb_baseline_for(res->cfg->backends[b].ops) == PB_BASELINE_LAUNCHED;
            summarise_cell(res, w, b, &res->truth[w], launched ? tl : ts, launched ? nl : nt,
                           &res->cells[w * nb + b]);
        }
        free(ts);
        free(tl);
        summarise_floor(res, w, &res->truth[w]);
        summarise_declared(res, w, &res->truth[w]);
    }
}

int pb_results_any_failed(const struct pb_results *res)
{
    size_t nw = res->cfg->nworkloads, nb = res->cfg->nbackends;
    for (size_t w = 0; w < nw; w++)
        for (size_t b = 0; b < nb; b++)
            if (pb_results_cell_on(res, w, b) && res->cells[w * nb + b].status == PB_CELL_FAILED)
                return 1;
    return 0;
}
