/* results_read.c: a results.json back into runs (see results_read.h). */
#include "results_read.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

double pb_jval_num(const struct pb_jval *obj, const char *key)
{
    const struct pb_jval *v = pb_jval_get(obj, key);
    return v && v->type == PB_J_NUM ? v->num : NAN;
}

static void copy_str(char *dst, size_t n, const struct pb_jval *obj, const char *key)
{
    const char *s = pb_jval_str(obj, key);
    pb_copy(dst, n, s ? s : "");
}

void pb_sysinfo_from_json(const struct pb_jval *m, struct pb_sysinfo *si)
{
    memset(si, 0, sizeof(*si));
    copy_str(si->cpu_model, sizeof(si->cpu_model), m, "cpu_model");
    copy_str(si->affinity, sizeof(si->affinity), m, "affinity");
    copy_str(si->kernel, sizeof(si->kernel), m, "kernel");
    copy_str(si->hostname, sizeof(si->hostname), m, "hostname");
    copy_str(si->governor, sizeof(si->governor), m, "governor");
    copy_str(si->turbo, sizeof(si->turbo), m, "turbo");
    copy_str(si->libc, sizeof(si->libc), m, "libc");
    double v = pb_jval_num(m, "cpu_count");
    si->cpu_count = isfinite(v) ? (int)v : 0;
    v = pb_jval_num(m, "affinity_count");
    si->affinity_count = isfinite(v) ? (int)v : 0;
    v = pb_jval_num(m, "loadavg_1min");
    si->loadavg1 = isfinite(v) ? v : -1;
    v = pb_jval_num(m, "perf_event_max_sample_rate");
    si->perf_max_sample_rate = isfinite(v) ? (long)v : -1;
}

/* Seconds per category of an attribution, and the mask of those present. */
static void read_categories(const struct pb_jval *c, struct pb_attribution *a)
{
    a->categories = 0;
    for (int k = 0; k < PB_CAT_COUNT; k++) {
        a->cat_s[k] = NAN;
        const struct pb_jval *v = pb_jval_get(c, pb_category_name(k));
        if (v && v->type == PB_J_NUM) {
            a->cat_s[k] = v->num;
            a->categories |= PB_CAT_BIT(k);
        }
    }
}

static int read_run(const struct pb_jval *j, struct pb_results *res, long shard,
                    struct pb_run_record *rec, char *err, size_t errlen)
{
    const struct pb_config *cfg = res->cfg;
    const char *wname = pb_jval_str(j, "workload");
    const struct pb_workload *wl = wname ? pb_config_workload(cfg, wname) : NULL;
    if (!wl)
        return pb_error(err, errlen, "a run names workload '%s', which the config lacks",
                        wname ? wname : "(none)");
    rec->workload = (size_t)(wl - cfg->workloads);
    const char *bname = pb_jval_str(j, "backend");
    const char *kind = pb_jval_str(j, "baseline_kind");
    if (bname) {
        const struct pb_backend_conf *bc = pb_config_backend(cfg, bname);
        if (!bc)
            return pb_error(err, errlen, "a run names backend '%s', which the config lacks",
                            bname);
        rec->backend = (long)(bc - cfg->backends);
    } else {
        rec->backend = kind && !strcmp(kind, "launched") ? PB_BASELINE_LAUNCHED : PB_BASELINE;
    }
    double round = pb_jval_num(j, "round"), order = pb_jval_num(j, "order");
    double sh = pb_jval_num(j, "shard");
    if (!isfinite(round) || round < 0)
        return pb_error(err, errlen, "a run of '%s' has no round", wname);
    rec->round = (long)round;
    rec->order = isfinite(order) ? (long)order : 0;
    rec->shard = isfinite(sh) ? (long)sh : shard;
    const struct pb_jval *wu = pb_jval_get(j, "warmup");
    rec->warmup = wu && wu->type == PB_J_BOOL && wu->b;

    struct pb_run *r = &rec->run;
    const char *status = pb_jval_str(j, "status");
    r->status = status && !strcmp(status, "ok") ? PB_RUN_OK : PB_RUN_FAILED;
    copy_str(r->reason, sizeof(r->reason), j, "reason");
    copy_str(r->note, sizeof(r->note), j, "note");
    r->wall_s = pb_jval_num(j, "wall_s");
    r->cpu_s = pb_jval_num(j, "cpu_s");
    r->cpu_user_s = pb_jval_num(j, "cpu_user_s");
    r->cpu_sys_s = pb_jval_num(j, "cpu_sys_s");
    r->start_s = pb_jval_num(j, "start_s");
    r->stop_s = pb_jval_num(j, "stop_s");
    r->probe_before_s = pb_jval_num(j, "probe_before_s");
    r->probe_after_s = pb_jval_num(j, "probe_after_s");
    double rss = pb_jval_num(j, "maxrss_kb");
    r->maxrss_kb = isfinite(rss) ? (long)rss : 0;
    r->elapsed_s = pb_jval_num(j, "worker_elapsed_s");
    r->instructions = pb_jval_num(j, "instructions");
    const struct pb_jval *ph = pb_jval_get(j, "phases");
    r->nphases = wl->nphases;
    if (ph && ph->type == PB_J_ARR) {
        if (ph->n > PB_MAX_PHASES || (ph->n && ph->n != wl->nphases))
            return pb_error(err, errlen, "a run of '%s' has %zu phases; the workload has %zu",
                            wname, ph->n, wl->nphases);
        for (size_t p = 0; p < ph->n; p++) {
            r->phase_wall_s[p] = pb_jval_num(&ph->items[p], "wall_s");
            r->phase_user_s[p] = pb_jval_num(&ph->items[p], "user_s");
            r->phase_sys_s[p] = pb_jval_num(&ph->items[p], "sys_s");
        }
    }
    const struct pb_jval *at = pb_jval_get(j, "attribution");
    if (at && at->type == PB_J_OBJ) {
        struct pb_attribution *a = &r->attr;
        r->has_attr = 1;
        a->total_s = pb_jval_num(at, "total_s");
        a->other_s = pb_jval_num(at, "other_s");
        double e = pb_jval_num(at, "entries");
        a->entries = isfinite(e) && e >= 0 ? (size_t)e : 0;
        r->collect_s = pb_jval_num(at, "collect_s");
        const struct pb_jval *ps = pb_jval_get(at, "phases_s");
        a->nphases = ps && ps->type == PB_J_ARR ? ps->n : 0;
        if (a->nphases > PB_MAX_PHASES)
            return pb_error(err, errlen, "a run of '%s' attributes %zu phases", wname,
                            a->nphases);
        for (size_t p = 0; p < a->nphases; p++)
            a->phase_s[p] = ps->items[p].type == PB_J_NUM ? ps->items[p].num : NAN;
        read_categories(pb_jval_get(at, "categories_s"), a);
    } else {
        r->collect_s = NAN;
    }
    return 0;
}

int pb_results_read_runs(const struct pb_jval *doc, struct pb_results *res, long shard,
                         char *err, size_t errlen)
{
    const struct pb_jval *runs = pb_jval_get(doc, "runs");
    if (!runs || runs->type != PB_J_ARR)
        return pb_error(err, errlen, "no runs[] array");
    for (size_t i = 0; i < runs->n; i++) {
        struct pb_run_record *rec = pb_results_add(res);
        if (read_run(&runs->items[i], res, shard, rec, err, errlen) < 0) {
            res->nruns--;
            return -1;
        }
    }
    return 0;
}
