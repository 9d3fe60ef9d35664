/* json_writer.c: results.json, schema PB_RESULTS_SCHEMA (documented in README.md). */
#include "writers.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json.h"
#include "run_fields.h"
#include "shard.h"

#ifndef PB_VERSION
#define PB_VERSION "dev"
#endif
#ifndef PB_GIT_REV
#define PB_GIT_REV "unknown"
#endif

/* The shard this invocation ran (1/1: the whole matrix), the selection its
 * cells were sliced from, and for a merged result the folders it came from. */
static void write_shard(struct pb_json *j, const struct pb_results *res)
{
    const struct pb_config *cfg = res->cfg;
    pb_json_object_begin(j, "shard");
    pb_json_int(j, "index", res->shard_index);
    pb_json_int(j, "count", res->shard_count);
    pb_json_string(j, "rule", "workload-major cells of the selection, cell i in shard "
                   "floor(i * count / cells) + 1");
    pb_json_int(j, "cells", (long long)pb_shard_cell_count(res));
    pb_json_array_begin(j, "selected_workloads");
    for (size_t w = 0; w < cfg->nworkloads; w++)
        if (res->workload_on[w])
            pb_json_string(j, NULL, cfg->workloads[w].name);
    pb_json_array_end(j);
    pb_json_array_begin(j, "selected_backends");
    for (size_t b = 0; b < cfg->nbackends; b++)
        if (res->backend_on[b])
            pb_json_string(j, NULL, cfg->backends[b].name);
    pb_json_array_end(j);
    pb_json_object_end(j);
    if (!res->nsources)
        return;
    pb_json_array_begin(j, "merged_from");
    for (size_t i = 0; i < res->nsources; i++) {
        const struct pb_merge_source *m = &res->sources[i];
        pb_json_object_begin(j, NULL);
        pb_json_string(j, "path", m->path);
        pb_json_int(j, "shard", m->shard_index);
        pb_json_int(j, "count", m->shard_count);
        pb_json_string(j, "started", m->started);
        pb_json_number(j, "elapsed_s", m->elapsed_s);
        pb_json_string(j, "hostname", m->hostname);
        pb_json_string(j, "git_revision", m->git_revision);
        pb_json_int(j, "runs", (long long)m->nruns);
        pb_json_object_end(j);
    }
    pb_json_array_end(j);
}

static void write_meta(struct pb_json *j, const struct pb_results *res)
{
    const struct pb_config *cfg = res->cfg;
    char when[64];
    time_t t = (time_t)res->started_at;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);

    pb_json_object_begin(j, "tool");
    pb_json_string(j, "name", "pyprof-bench");
    pb_json_string(j, "version", PB_VERSION);
    pb_json_string(j, "git_revision", PB_GIT_REV);
    pb_json_object_end(j);
    pb_json_string(j, "started", when);
    pb_json_string(j, "metric", pb_metric_name(res->metric));
    pb_json_number(j, "elapsed_s", res->elapsed_s);
    pb_json_bool(j, "interrupted", res->interrupted);
    pb_json_object_begin(j, "config");
    pb_json_string(j, "path", cfg->path);
    pb_json_string(j, "hash", cfg->hash);
    pb_json_int(j, "rounds", res->rounds);
    pb_json_int(j, "warmup", res->warmup);
    pb_json_number(j, "timeout_s", cfg->defaults.timeout_s);
    pb_json_int(j, "seed", (long long)res->seed);
    pb_json_int(j, "planned_runs", (long long)res->planned);
    pb_json_object_end(j);
    write_shard(j, res);

    const struct pb_sysinfo *si = &res->sys;
    pb_json_object_begin(j, "machine");
    pb_json_string(j, "cpu_model", si->cpu_model);
    pb_json_int(j, "cpu_count", si->cpu_count);
    pb_json_int(j, "affinity_count", si->affinity_count);
    pb_json_string(j, "affinity", si->affinity);
    pb_json_string(j, "kernel", si->kernel);
    pb_json_string(j, "hostname", si->hostname);
    pb_json_string(j, "governor", si->governor[0] ? si->governor : NULL);
    pb_json_string(j, "turbo", si->turbo[0] ? si->turbo : NULL);
    pb_json_number(j, "loadavg_1min", si->loadavg1 >= 0 ? si->loadavg1 : NAN);
    if (si->perf_max_sample_rate >= 0)
        pb_json_int(j, "perf_event_max_sample_rate", si->perf_max_sample_rate);
    else
        pb_json_null(j, "perf_event_max_sample_rate");
    pb_json_string(j, "libc", si->libc);
    pb_json_object_end(j);
    pb_json_string(j, "python", res->python);
}

/* workloads[].threads / .tasks: the truth of each thread or coroutine key. */
static void write_key_truth(struct pb_json *j, const struct pb_workload *wl,
                            const struct pb_truth *t, int tasks)
{
    const struct pb_key_truth *keys = tasks ? t->tasks : t->threads;
    size_t n = tasks ? t->ntasks : t->nthreads;
    double total = tasks ? t->task_wall_s : t->wall_s;
    pb_json_array_begin(j, tasks ? "tasks" : "threads");
    for (size_t k = 0; k < n; k++) {
        const struct pb_key_truth *kt = &keys[k];
        pb_json_object_begin(j, NULL);
        if (!tasks) {
            pb_json_int(j, "phase", kt->phase);
            pb_json_string(j, "function", kt->phase >= 0 && (size_t)kt->phase < wl->nphases
                                              ? wl->phases[kt->phase].function : NULL);
        }
        pb_json_string(j, "name", kt->name);
        /* name: one name; pattern: the names that match it (digit runs as
         * '*'); phase: every key of the phase (accuracy.h, key groups) */
        pb_json_string(j, "grouped_by", kt->group == PB_KEY_EXACT     ? "name"
                                        : kt->group == PB_KEY_PATTERN ? "pattern"
                                                                      : "phase");
        pb_json_int(j, "count", kt->count);
        if (!tasks)
            pb_json_string(j, "declared", pb_category_name(kt->t.declared));
        pb_json_int(j, "runs", (long long)kt->nruns);
        pb_json_number(j, "truth_wall_s", kt->t.wall_s);
        if (!tasks) {
            pb_json_number(j, "truth_user_s", kt->t.user_s);
            pb_json_number(j, "truth_sys_s", kt->t.sys_s);
        }
        pb_json_number(j, "truth_share", total > 0 ? kt->t.wall_s / total : NAN);
        if (!tasks)
            pb_json_string(j, "warning", kt->warning[0] ? kt->warning : NULL);
        pb_json_object_end(j);
    }
    pb_json_array_end(j);
}

static void write_workloads(struct pb_json *j, const struct pb_results *res)
{
    const struct pb_config *cfg = res->cfg;
    pb_json_array_begin(j, "workloads");
    for (size_t w = 0; w < cfg->nworkloads; w++) {
        if (!pb_results_workload_active(res, w))
            continue;
        const struct pb_workload *wl = &cfg->workloads[w];
        const struct pb_truth *t = &res->truth[w];
        pb_json_object_begin(j, NULL);
        pb_json_string(j, "name", wl->name);
        pb_json_string(j, "interpreter", pb_results_interp(res, w)->name);
        pb_json_string(j, "file", wl->file);
        pb_json_number(j, "scale", wl->scale);
        pb_json_bool(j, "overhead_only", wl->overhead_only);
        pb_json_string(j, "variant_of", wl->variant_of);
        pb_json_string(j, "response_phase",
                       wl->variant_of ? wl->phases[wl->response_phase].function : NULL);
        pb_json_array_begin(j, "phases");
        for (size_t p = 0; p < wl->nphases; p++) {
            char *lit = pb_phase_args_literal(&wl->phases[p], wl->scale);
            pb_json_object_begin(j, NULL);
            pb_json_string(j, "function", wl->phases[p].function);
            pb_json_string(j, "declared", wl->overhead_only
                                              ? NULL : pb_category_name(wl->phases[p].category));
            pb_json_string(j, "args", lit);
            pb_json_number(j, "truth_wall_s", t->phase[p].wall_s);
            pb_json_number(j, "truth_user_s", t->phase[p].user_s);
            pb_json_number(j, "truth_sys_s", t->phase[p].sys_s);
            pb_json_number(j, "truth_share", t->wall_s > 0 ? t->phase[p].wall_s / t->wall_s
                                                           : NAN);
            pb_json_string(j, "warning", t->warning[p][0] ? t->warning[p] : NULL);
            pb_json_object_end(j);
            free(lit);
        }
        pb_json_array_end(j);
        write_key_truth(j, wl, t, 0);
        write_key_truth(j, wl, t, 1);
        pb_json_object_begin(j, "truth");
        pb_json_int(j, "runs", (long long)t->nruns);
        pb_json_number(j, "wall_s", t->wall_s);
        for (int c = 0; c < PB_CAT_COUNT; c++) {
            char key[32];
            snprintf(key, sizeof(key), "%s_s", pb_category_name(c));
            pb_json_number(j, key, t->cat_s[c]);
        }
        pb_json_object_end(j);
        /* The noise floor: the `none` row's DE (= its FAE) and DCE. */
        pb_json_object_begin(j, "floor");
        pb_json_number(j, "fae_pp", t->floor_pp);
        pb_json_number(j, "fae_pp_lo", t->floor_lo);
        pb_json_number(j, "fae_pp_hi", t->floor_hi);
        pb_json_number(j, "ce_pp", t->floor_ce_pp);
        pb_json_number(j, "ce_pp_lo", t->floor_ce_lo);
        pb_json_number(j, "ce_pp_hi", t->floor_ce_hi);
        pb_json_object_end(j);
        pb_json_object_end(j);
    }
    pb_json_array_end(j);
}

/* One member of a run object or of a thread/task record, by the table line
 * f of run_fields.h that describes it (an empty string is written null). */
static void write_field(struct pb_json *j, const struct pb_field *f, const void *base)
{
    const void *p = pb_field_cptr(base, f);
    switch (f->type) {
    case PB_FT_DOUBLE:
        pb_json_number(j, f->json_key, *(const double *)p);
        break;
    case PB_FT_LONG:
        pb_json_int(j, f->json_key, *(const long *)p);
        break;
    case PB_FT_COUNT:
        pb_json_int(j, f->json_key, (long long)*(const size_t *)p);
        break;
    case PB_FT_STR:
        pb_json_string(j, f->json_key, *(const char *)p ? (const char *)p : NULL);
        break;
    }
}

/* The PB_RUN_FIELDS results.json keeps in place `where` (PB_FJ_RUN or
 * PB_FJ_ATTR); with instr, the PB_FJ_INSTR ones join the PB_FJ_RUN ones. */
static void write_run_fields(struct pb_json *j, const struct pb_run *run,
                             enum pb_field_json where, int instr)
{
    for (size_t i = 0; i < pb_run_nfields; i++) {
        const struct pb_field *f = &pb_run_fields[i];
        if (f->json == where || (where == PB_FJ_RUN && instr && f->json == PB_FJ_INSTR))
            write_field(j, f, run);
    }
}

/* Run records of threads or coroutines (as measured, with what the backend
 * gave each): PB_KEY_FIELDS. */
static void write_key_recs(struct pb_json *j, const char *key, const struct pb_key_rec *recs,
                           size_t n)
{
    pb_json_array_begin(j, key);
    for (size_t k = 0; k < n; k++) {
        pb_json_object_begin(j, NULL);
        for (size_t i = 0; i < pb_key_nfields; i++)
            write_field(j, &pb_key_fields[i], &recs[k]);
        pb_json_object_end(j);
    }
    pb_json_array_end(j);
}

static void write_backends(struct pb_json *j, const struct pb_results *res)
{
    const struct pb_config *cfg = res->cfg;
    pb_json_array_begin(j, "backends");
    for (size_t b = 0; b < cfg->nbackends; b++) {
        if (!res->backend_on[b])
            continue;
        const struct pb_backend_conf *bc = &cfg->backends[b];
        pb_json_object_begin(j, NULL);
        pb_json_string(j, "name", bc->name);
        pb_json_string(j, "kind", bc->ops->kind);
        pb_json_string(j, "mechanism", bc->ops->mechanism);
        pb_json_string(j, "tool_version",
                       res->tool_version[b][0] ? res->tool_version[b] : NULL);
        pb_json_string(j, "clock", pb_backend_clock(bc->ops, &bc->options));
        pb_json_array_begin(j, "categories");
        for (int c = 0; c < PB_CAT_COUNT; c++)
            if (bc->ops->categories & PB_CAT_BIT(c))
                pb_json_string(j, NULL, pb_category_name(c));
        pb_json_array_end(j);
        pb_json_object_begin(j, "capabilities");
        pb_json_bool(j, "threads", (bc->ops->caps & PB_CAP_THREADS) != 0);
        pb_json_bool(j, "asyncio", (bc->ops->caps & PB_CAP_ASYNCIO) != 0);
        pb_json_bool(j, "region", (bc->ops->caps & PB_CAP_REGION) != 0);
        pb_json_bool(j, "report", (bc->ops->caps & PB_CAP_REPORT) != 0);
        pb_json_bool(j, "timer_free", (bc->ops->caps & PB_CAP_TIMER_FREE) != 0);
        pb_json_object_end(j);
        pb_json_object_begin(j, "options");
        for (size_t i = 0; i < bc->options.count; i++)
            pb_json_string(j, bc->options.values[i].spec->name, bc->options.values[i].text);
        pb_json_object_end(j);
        pb_json_bool(j, "available", res->available[b]);
        pb_json_string(j, "unavailable_reason", res->available[b] ? NULL : res->why[b]);
        pb_json_object_end(j);
    }
    pb_json_array_end(j);
}

/* The interpreter axis: each interpreter as resolved, and every selected
 * backend's availability on it (backends[] keeps the first's). */
static void write_interpreters(struct pb_json *j, const struct pb_results *res)
{
    const struct pb_config *cfg = res->cfg;
    pb_json_array_begin(j, "interpreters");
    for (size_t i = 0; i < res->ninterps; i++) {
        const struct pb_interpreter *ip = &res->interps[i];
        pb_json_object_begin(j, NULL);
        pb_json_string(j, "name", ip->name);
        pb_json_string(j, "version", ip->version[0] ? ip->version : NULL);
        pb_json_string(j, "executable", ip->executable[0] ? ip->executable : NULL);
        pb_json_string(j, "prefix", ip->prefix[0] ? ip->prefix : NULL);
        pb_json_string(j, "base_prefix", ip->base_prefix[0] ? ip->base_prefix : NULL);
        pb_json_string(j, "site_packages", ip->site_packages[0] ? ip->site_packages : NULL);
        pb_json_bool(j, "virtual_env", ip->is_venv);
        pb_json_bool(j, "pinned", ip->pinned);
        pb_json_string(j, "worker", ip->worker[0] ? ip->worker : NULL);
        pb_json_string(j, "venv", ip->venv[0] ? ip->venv : NULL);
        pb_json_bool(j, "usable", ip->usable);
        pb_json_string(j, "unusable_reason", ip->usable ? NULL : ip->why);
        pb_json_array_begin(j, "backends");
        for (size_t b = 0; b < cfg->nbackends; b++) {
            if (!res->backend_on[b])
                continue;
            size_t a = i * cfg->nbackends + b;
            pb_json_object_begin(j, NULL);
            pb_json_string(j, "name", cfg->backends[b].name);
            pb_json_bool(j, "available", res->available[a]);
            pb_json_string(j, "unavailable_reason", res->available[a] ? NULL : res->why[a]);
            pb_json_string(j, "tool_version",
                           res->tool_version[a][0] ? res->tool_version[a] : NULL);
            pb_json_object_end(j);
        }
        pb_json_array_end(j);
        pb_json_object_end(j);
    }
    pb_json_array_end(j);
}

static void write_runs(struct pb_json *j, const struct pb_results *res)
{
    const struct pb_config *cfg = res->cfg;
    pb_json_array_begin(j, "runs");
    for (size_t i = 0; i < res->nruns; i++) {
        const struct pb_run_record *r = &res->runs[i];
        const struct pb_run *run = &r->run;
        pb_json_object_begin(j, NULL);
        pb_json_int(j, "order", r->order);
        pb_json_int(j, "shard", r->shard);
        pb_json_string(j, "workload", cfg->workloads[r->workload].name);
        pb_json_string(j, "interpreter", pb_results_interp(res, r->workload)->name);
        pb_json_string(j, "backend",
                       r->backend < 0 ? NULL : cfg->backends[r->backend].name);
        pb_json_bool(j, "baseline", r->backend < 0);
        pb_json_string(j, "baseline_kind", r->backend == PB_BASELINE ? "in-process"
                                         : r->backend == PB_BASELINE_LAUNCHED ? "launched" : NULL);
        pb_json_int(j, "round", r->round);
        pb_json_bool(j, "warmup", r->warmup);
        pb_json_string(j, "status", run->status == PB_RUN_OK ? "ok"
                                    : run->skipped ? "skipped" : "failed");
        /* the run's own figures: run_fields.h */
        write_run_fields(j, run, PB_FJ_RUN, res->metric == PB_METRIC_INSTRUCTIONS);
        pb_json_array_begin(j, "phases");
        for (size_t p = 0; run->status == PB_RUN_OK && p < run->nphases; p++) {
            pb_json_object_begin(j, NULL);
            for (size_t f = 0; f < pb_phase_nfields; f++)
                pb_json_number(j, pb_phase_fields[f].json_key,
                               ((const double *)pb_field_cptr(run, &pb_phase_fields[f]))[p]);
            pb_json_object_end(j);
        }
        pb_json_array_end(j);
        if (run->has_attr) {
            pb_json_object_begin(j, "attribution");
            write_run_fields(j, run, PB_FJ_ATTR, 0);
            pb_json_array_begin(j, "phases_s");
            for (size_t p = 0; p < run->nphases; p++)
                pb_json_number(j, NULL, run->attr.phase_s[p]);
            pb_json_array_end(j);
            pb_json_object_begin(j, "categories_s");
            for (int c = 0; c < PB_CAT_COUNT; c++)
                if (run->attr.categories & PB_CAT_BIT(c))
                    pb_json_number(j, pb_category_name(c), run->attr.cat_s[c]);
            pb_json_object_end(j);
            pb_json_object_end(j);
        } else {
            pb_json_null(j, "attribution");
        }
        write_key_recs(j, "threads", run->threads, run->nthreads);
        write_key_recs(j, "tasks", run->tasks, run->ntasks);
        pb_json_object_end(j);
    }
    pb_json_array_end(j);
}

static void write_summary(struct pb_json *j, const struct pb_results *res)
{
    const struct pb_config *cfg = res->cfg;
    pb_json_array_begin(j, "summary");
    for (size_t w = 0; w < cfg->nworkloads; w++) {
        for (size_t b = 0; b < cfg->nbackends; b++) {
            if (!pb_results_cell_on(res, w, b))
                continue;
            const struct pb_cell *c = pb_results_cell(res, w, b);
            const struct pb_backend_conf *bc = &cfg->backends[b];
            pb_json_object_begin(j, NULL);
            pb_json_string(j, "workload", cfg->workloads[w].name);
            pb_json_string(j, "backend", bc->name);
            pb_json_string(j, "interpreter", pb_results_interp(res, w)->name);
            pb_json_string(j, "python_version", pb_results_interp(res, w)->version[0]
                                                    ? pb_results_interp(res, w)->version : NULL);
            pb_json_string(j, "clock", pb_backend_clock(bc->ops, &bc->options));
            pb_json_string(j, "status", pb_cell_status_name(c->status));
            pb_json_string(j, "reason", c->reason[0] ? c->reason : NULL);
            pb_json_int(j, "rounds", (long long)c->nrounds);
            pb_json_int(j, "failed_runs", (long long)c->nfailed);
            /* the measured rounds' walls, paired: what compare and
             * --baseline estimate the overhead from again */
            static const char *const wall_keys[] = { "wall_ratios", "base_wall_s",
                                                     "prof_wall_s", "base_probe_s",
                                                     "prof_probe_s" };
            for (int k = 0; k < 5; k++) {
                pb_json_array_begin(j, wall_keys[k]);
                for (long round = res->warmup; round < pb_results_round_count(res); round++) {
                    const struct pb_run *base, *prof;
                    if (pb_results_round_pair(res, w, b, round, &base, &prof) < 0)
                        continue;
                    const struct pb_run *run = k == 3 ? base : prof;
                    pb_json_number(j, NULL, k == 0 ? prof->wall_s / base->wall_s
                                            : k == 1 ? base->wall_s : k == 2 ? prof->wall_s
                                            : (run->probe_before_s + run->probe_after_s) / 2);
                }
                pb_json_array_end(j);
            }
            pb_json_number(j, "wall_ratio", c->wall_ratio);
            pb_json_number(j, "wall_ratio_lo", c->wall_lo);
            pb_json_number(j, "wall_ratio_hi", c->wall_hi);
            pb_json_number(j, "wall_ratio_coverage", c->wall_coverage);
            if (c->converged >= 0)   /* with --precision: did the interval get there */
                pb_json_bool(j, "converged", c->converged);
            pb_json_number(j, "cpu_ratio", c->cpu_ratio);
            pb_json_number(j, "cpu_ratio_lo", c->cpu_lo);
            pb_json_number(j, "cpu_ratio_hi", c->cpu_hi);
            pb_json_number(j, "rss_delta_kb", c->rss_delta_kb);
            /* accuracy: value, 95% interval, and whether inside the floor */
            const struct pb_truth *ft = &res->truth[w];
            struct { const char *key; double v, lo, hi, floor_hi; } acc[] = {
                { "ae_pp", c->ae_pp, c->ae_lo, c->ae_hi, NAN },
                { "de_pp", c->de_pp, c->de_lo, c->de_hi, ft->floor_hi },
                { "fae_pp", c->fae_pp, c->fae_lo, c->fae_hi, ft->floor_hi },
                { "ace_pp", c->ace_pp, c->ace_lo, c->ace_hi, NAN },
                { "dce_pp", c->dce_pp, c->dce_lo, c->dce_hi, ft->floor_ce_hi },
                { "ce_pp", c->ce_pp, c->ce_lo, c->ce_hi, ft->floor_ce_hi },
            };
            for (size_t k = 0; k < sizeof(acc) / sizeof(acc[0]); k++) {
                char key[40];
                pb_json_number(j, acc[k].key, acc[k].v);
                snprintf(key, sizeof(key), "%s_lo", acc[k].key);
                pb_json_number(j, key, acc[k].lo);
                snprintf(key, sizeof(key), "%s_hi", acc[k].key);
                pb_json_number(j, key, acc[k].hi);
                if (isfinite(acc[k].floor_hi)) {
                    snprintf(key, sizeof(key), "%s_within_floor", acc[k].key);
                    pb_json_bool(j, key, pb_within_floor(acc[k].v, acc[k].floor_hi));
                }
            }
            pb_json_number(j, "thread_coverage", c->coverage);
            pb_json_number(j, "fae_task_pp", c->fae_task_pp);
            pb_json_number(j, "response", c->response);
            pb_json_number(j, "response_lo", c->response_lo);
            pb_json_number(j, "response_hi", c->response_hi);
            /* latency under load: ratios to the baseline, with intervals */
            struct { const char *key; double v, lo, hi; } lat[] = {
                { "throughput_ratio", c->thr_ratio, c->thr_lo, c->thr_hi },
                { "p50_ratio", c->p50_ratio, c->p50_lo, c->p50_hi },
                { "p99_ratio", c->p99_ratio, c->p99_lo, c->p99_hi },
                { "max_ratio", c->max_ratio, c->max_lo, c->max_hi },
            };
            for (size_t k = 0; k < sizeof(lat) / sizeof(lat[0]); k++) {
                char key[40];
                pb_json_number(j, lat[k].key, lat[k].v);
                snprintf(key, sizeof(key), "%s_lo", lat[k].key);
                pb_json_number(j, key, lat[k].lo);
                snprintf(key, sizeof(key), "%s_hi", lat[k].key);
                pb_json_number(j, key, lat[k].hi);
            }
            /* what the backend gave each thread and coroutine key, beside
             * the truth's share */
            const struct pb_truth *tr = &res->truth[w];
            for (int kind = 0; kind < 2; kind++) {
                const struct pb_key_truth *keys = kind ? tr->tasks : tr->threads;
                size_t nk = kind ? tr->ntasks : tr->nthreads;
                double total = kind ? tr->task_wall_s : tr->wall_s;
                pb_json_array_begin(j, kind ? "tasks" : "threads");
                for (size_t k = 0; k < nk; k++) {
                    pb_json_object_begin(j, NULL);
                    if (!kind)
                        pb_json_int(j, "phase", keys[k].phase);
                    pb_json_string(j, "name", keys[k].name);
                    pb_json_number(j, "truth_share",
                                   total > 0 ? keys[k].t.wall_s / total : NAN);
                    pb_json_number(j, "reported_share",
                                   kind ? c->task_share[k] : c->thread_share[k]);
                    pb_json_object_end(j);
                }
                pb_json_array_end(j);
            }
            pb_json_number(j, "collect_s", c->collect_s);
            pb_json_number(j, "sampler_cpu_per_sample_s", c->cpu_per_sample_s);
            pb_json_number(j, "profiled_wall_s", c->wall_s);
            if (res->metric == PB_METRIC_INSTRUCTIONS) {
                pb_json_array_begin(j, "instr_ratios");
                for (long round = res->warmup; round < pb_results_round_count(res); round++) {
                    const struct pb_run *base, *prof;
                    if (pb_results_round_pair(res, w, b, round, &base, &prof) == 0 &&
                        base->instructions > 0)
                        pb_json_number(j, NULL, prof->instructions / base->instructions);
                }
                pb_json_array_end(j);
                pb_json_number(j, "instr_ratio", c->instr_ratio);
                pb_json_number(j, "instr_ratio_lo", c->instr_lo);
                pb_json_number(j, "instr_ratio_hi", c->instr_hi);
            }
            pb_json_object_end(j);
        }
    }
    pb_json_array_end(j);
}

char *pb_write_results_json(const struct pb_results *res)
{
    struct pb_json j;
    pb_json_init(&j);
    pb_json_object_begin(&j, NULL);
    pb_json_int(&j, "schema", PB_RESULTS_SCHEMA);
    write_meta(&j, res);
    write_interpreters(&j, res);
    write_workloads(&j, res);
    write_backends(&j, res);
    write_runs(&j, res);
    write_summary(&j, res);
    pb_json_object_end(&j);
    return pb_json_finish(&j);
}
