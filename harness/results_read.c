/* results_read.c: a results.json back into runs (see results_read.h). */
#include "results_read.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run_codec.h"
#include "run_fields.h"
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

/* One member of a run object or of a thread/task record, by the table line
 * f of run_fields.h that describes it. obj may be NULL (an absent
 * attribution): its members read as absent. Absent or null: a double is NAN,
 * a long or count 0, a string "". */
static void read_field(const struct pb_jval *obj, const struct pb_field *f, void *base)
{
    void *p = pb_field_ptr(base, f);
    double v;
    switch (f->type) {
    case PB_FT_DOUBLE:
        *(double *)p = pb_jval_num(obj, f->json_key);
        break;
    case PB_FT_LONG:
        v = pb_jval_num(obj, f->json_key);
        *(long *)p = isfinite(v) ? (long)v : 0;
        break;
    case PB_FT_COUNT:
        v = pb_jval_num(obj, f->json_key);
        *(size_t *)p = isfinite(v) && v >= 0 ? (size_t)v : 0;
        break;
    case PB_FT_STR:
        copy_str(p, f->size, obj, f->json_key);
        break;
    }
}

/* runs[].threads or .tasks appended to *recs (a record that is not an
 * object or lacks its phase or name is dropped, as on the wire). Files
 * written before these arrays existed have none. */
static void read_key_recs(const struct pb_jval *arr, struct pb_key_rec **recs, size_t *n)
{
    for (size_t k = 0; arr && arr->type == PB_J_ARR && k < arr->n; k++) {
        const struct pb_jval *o = &arr->items[k];
        if (o->type != PB_J_OBJ || !pb_jval_str(o, "name") || !isfinite(pb_jval_num(o, "phase")))
            continue;
        struct pb_key_rec *rec = pb_key_append(recs, n);
        for (size_t i = 0; i < pb_key_nfields; i++)
            read_field(o, &pb_key_fields[i], rec);
    }
}

static int read_run(const struct pb_jval *j, struct pb_results *res, long shard,
                    struct pb_run_record *rec, char *err, size_t errlen)
{
    const struct pb_config *cfg = res->cfg;
    const char *wname = pb_jval_str(j, "workload");
    /* Its interpreter: a run written before the axis names none, and ran on
     * the pinned one, the only interpreter of such a result. */
    const char *iname = pb_jval_str(j, "interpreter");
    size_t interp = 0;
    while (iname && interp < res->ninterps && strcmp(res->interps[interp].name, iname))
        interp++;
    if (interp == res->ninterps)
        return pb_error(err, errlen, "a run names interpreter '%s', which the result lacks",
                        iname);
    const struct pb_workload *wl = wname ? pb_config_workload_on(cfg, wname, interp) : NULL;
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
    r->skipped = status && !strcmp(status, "skipped");
    const struct pb_jval *at = pb_jval_get(j, "attribution");
    if (at && at->type != PB_J_OBJ)
        at = NULL;
    /* the run's own figures: run_fields.h */
    for (size_t i = 0; i < pb_run_nfields; i++) {
        const struct pb_field *f = &pb_run_fields[i];
        if (f->json == PB_FJ_RUN || f->json == PB_FJ_INSTR)
            read_field(j, f, r);
        else if (f->json == PB_FJ_ATTR)
            read_field(at, f, r);
    }
    const struct pb_jval *ph = pb_jval_get(j, "phases");
    r->nphases = wl->nphases;
    if (ph && ph->type == PB_J_ARR) {
        if (ph->n > PB_MAX_PHASES || (ph->n && ph->n != wl->nphases))
            return pb_error(err, errlen, "a run of '%s' has %zu phases; the workload has %zu",
                            wname, ph->n, wl->nphases);
        for (size_t p = 0; p < ph->n; p++)
            for (size_t i = 0; i < pb_phase_nfields; i++)
                ((double *)pb_field_ptr(r, &pb_phase_fields[i]))[p] =
                    pb_jval_num(&ph->items[p], pb_phase_fields[i].json_key);
    }
    if (at) {
        struct pb_attribution *a = &r->attr;
        r->has_attr = 1;
        const struct pb_jval *ps = pb_jval_get(at, "phases_s");
        a->nphases = ps && ps->type == PB_J_ARR ? ps->n : 0;
        if (a->nphases > PB_MAX_PHASES)
            return pb_error(err, errlen, "a run of '%s' attributes %zu phases", wname,
                            a->nphases);
        for (size_t p = 0; p < a->nphases; p++)
            a->phase_s[p] = ps->items[p].type == PB_J_NUM ? ps->items[p].num : NAN;
        read_categories(pb_jval_get(at, "categories_s"), a);
    }
    read_key_recs(pb_jval_get(j, "threads"), &r->threads, &r->nthreads);
    read_key_recs(pb_jval_get(j, "tasks"), &r->tasks, &r->ntasks);
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
            pb_run_release(&rec->run);
            res->nruns--;
            return -1;
        }
    }
    return 0;
}
