/* merge.c: shard folders back into one result set (see merge.h). */
#include "merge.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "compare.h"
#include "json_parse.h"
#include "results_read.h"
#include "shard.h"
#include "util.h"

struct shard_file {
    const char *dir;           /* as given */
    char *path;                /* its results.json, owned */
    struct pb_jval doc;
    long index, count;
};

/* DIR/results.json, or DIR itself when it is a file. */
static char *results_path(const char *dir)
{
    struct stat st;
    struct pb_strbuf sb = PB_STRBUF_INIT;
    if (stat(dir, &st) == 0 && S_ISREG(st.st_mode))
        pb_strbuf_adds(&sb, dir);
    else
        pb_strbuf_addf(&sb, "%s/results.json", dir);
    return pb_strbuf_detach(&sb);
}

static const char *conf_str(const struct pb_jval *doc, const char *key)
{
    return pb_jval_str(pb_jval_get(doc, "config"), key);
}

static double conf_num(const struct pb_jval *doc, const char *key)
{
    return pb_jval_num(pb_jval_get(doc, "config"), key);
}

/* The selected names of a shard file (workloads or backends) as one
 * comma-separated string, owned; NULL when the array is missing. */
static char *selection(const struct pb_jval *doc, const char *key)
{
    const struct pb_jval *a = pb_jval_get(pb_jval_get(doc, "shard"), key);
    if (!a || a->type != PB_J_ARR)
        return NULL;
    struct pb_strbuf sb = PB_STRBUF_INIT;
    pb_strbuf_adds(&sb, "");
    for (size_t i = 0; i < a->n; i++)
        pb_strbuf_addf(&sb, "%s%s", i ? "," : "", a->items[i].type == PB_J_STR
                                                      ? a->items[i].str : "?");
    return pb_strbuf_detach(&sb);
}

static int same_str(const char *a, const char *b)
{
    return a && b && !strcmp(a, b);
}

/* Everything that must be equal for the shards to be parts of one run. */
static int check_same_run(const struct shard_file *a, const struct shard_file *b, int force,
                          FILE *warn, char *err, size_t errlen)
{
    const char *ha = conf_str(&a->doc, "hash"), *hb = conf_str(&b->doc, "hash");
    if (!same_str(ha, hb))
        return pb_error(err, errlen, "mixed configs: %s ran config hash %s, %s ran %s; merge "
                        "only the shards of one run", a->path, ha ? ha : "(none)", b->path,
                        hb ? hb : "(none)");
    static const char *const keys[] = { "rounds", "warmup", "seed" };
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        double x = conf_num(&a->doc, keys[i]), y = conf_num(&b->doc, keys[i]);
        if (!(x == y))
            return pb_error(err, errlen, "mixed configs: %s has %s %g, %s has %g", a->path,
                            keys[i], x, b->path, y);
    }
    static const char *const sel[] = { "selected_workloads", "selected_backends" };
    for (size_t i = 0; i < 2; i++) {
        char *x = selection(&a->doc, sel[i]), *y = selection(&b->doc, sel[i]);
        int same = same_str(x, y);
        if (!same)
            pb_error(err, errlen, "mixed selections: %s ran %s [%s], %s ran [%s] (the "
                     "same --only-* options must be given to every shard)", a->path,
                     sel[i] + 9, x ? x : "", b->path, y ? y : "");
        free(x);
        free(y);
        if (!same)
            return -1;
    }
    const char *ma = pb_jval_str(&a->doc, "metric"), *mb = pb_jval_str(&b->doc, "metric");
    if (!same_str(ma ? ma : "wall", mb ? mb : "wall"))
        return pb_error(err, errlen, "mixed metrics: %s measured %s, %s measured %s", a->path,
                        ma ? ma : "wall", b->path, mb ? mb : "wall");
    if (a->count != b->count)
        return pb_error(err, errlen, "mixed shard counts: %s is shard %ld/%ld, %s is %ld/%ld",
                        a->path, a->index, a->count, b->path, b->index, b->count);
    if (a->index == b->index)
        return pb_error(err, errlen, "shard %ld/%ld given twice: %s and %s", a->index,
                        a->count, a->path, b->path);
    const char *ca = pb_jval_str(pb_jval_get(&a->doc, "machine"), "cpu_model");
    const char *cb = pb_jval_str(pb_jval_get(&b->doc, "machine"), "cpu_model");
    const char *pa = pb_jval_str(&a->doc, "python"), *pyb = pb_jval_str(&b->doc, "python");
    const char *what = !same_str(ca, cb) ? "CPU model" : !same_str(pa, pyb) ? "Python build"
                                                                            : NULL;
    if (what && !force)
        return pb_error(err, errlen, "%s and %s differ in %s, so their overheads are not "
                        "comparable (use --force to merge anyway)", a->path, b->path, what);
    if (what)
        fprintf(warn, "pyprof-bench: warning: %s and %s differ in %s; merged anyway "
                "(--force)\n", a->path, b->path, what);
    return 0;
}

static int read_shard(struct shard_file *s, char *err, size_t errlen)
{
    s->path = results_path(s->dir);
    if (pb_results_json_load(s->path, &s->doc, err, errlen) < 0)
        return -1;
    const struct pb_jval *sh = pb_jval_get(&s->doc, "shard");
    double k = pb_jval_num(sh, "index"), n = pb_jval_num(sh, "count");
    if (!isfinite(k) || !isfinite(n) || n < 1 || k < 1 || k > n)
        return pb_error(err, errlen, "'%s' records no shard (written before --shard "
                        "existed?); run it again", s->path);
    s->index = (long)k;
    s->count = (long)n;
    if (!conf_str(&s->doc, "hash") || !conf_str(&s->doc, "path"))
        return pb_error(err, errlen, "'%s' records no config path and hash", s->path);
    return 0;
}

/* Turn the names of a selection array into on-flags of res. */
static int select_from(const struct pb_jval *doc, const char *key, struct pb_results *res,
                       int workloads, char *err, size_t errlen)
{
    const struct pb_config *cfg = res->cfg;
    const struct pb_jval *a = pb_jval_get(pb_jval_get(doc, "shard"), key);
    size_t n = workloads ? cfg->nworkloads : cfg->nbackends;
    int *on = workloads ? res->workload_on : res->backend_on;
    for (size_t i = 0; i < n; i++)
        on[i] = 0;
    for (size_t i = 0; a && a->type == PB_J_ARR && i < a->n; i++) {
        const char *name = a->items[i].type == PB_J_STR ? a->items[i].str : "";
        const void *found = workloads ? (const void *)pb_config_workload(cfg, name)
                                      : (const void *)pb_config_backend(cfg, name);
        if (!found)
            return pb_error(err, errlen, "the shards ran %s '%s', which %s lacks",
                            workloads ? "workload" : "backend", name, cfg->path);
        /* A workload is on every interpreter of the axis. */
        for (size_t w = 0; workloads && w < n; w++)
            if (!strcmp(cfg->workloads[w].name, name))
                on[w] = 1;
        if (!workloads)
            on[(const struct pb_backend_conf *)found - cfg->backends] = 1;
    }
    return 0;
}

/* The interpreters the shards ran (results.json "interpreters"; a file from
 * before the axis has none: the pinned one), into cfg before it is
 * expanded. */
static void interpreters_from(const struct pb_jval *doc, struct pb_config *cfg)
{
    const struct pb_jval *a = pb_jval_get(doc, "interpreters");
    if (!a || a->type != PB_J_ARR || !a->n)
        return;
    const char **names = pb_xcalloc(a->n + 1, sizeof(char *));
    size_t n = 0;
    for (size_t i = 0; i < a->n; i++)
        if (pb_jval_str(&a->items[i], "name"))
            names[n++] = pb_jval_str(&a->items[i], "name");
    if (n)
        pb_config_set_interpreters(cfg, names, n);
    free(names);
}

/* What each interpreter was, as the shards resolved it. */
static void read_interpreters(const struct pb_jval *doc, struct pb_results *res)
{
    const struct pb_jval *a = pb_jval_get(doc, "interpreters");
    for (size_t k = 0; a && a->type == PB_J_ARR && k < a->n && k < res->ninterps; k++) {
        const struct pb_jval *e = &a->items[k];
        struct pb_interpreter *ip = &res->interps[k];
#define IP_FIELD(key, m) { key, offsetof(struct pb_interpreter, m), sizeof(ip->m) }
        const struct { const char *key; size_t off, len; } strs[] = {
            IP_FIELD("version", version),
            IP_FIELD("executable", executable),
            IP_FIELD("prefix", prefix),
            IP_FIELD("base_prefix", base_prefix),
            IP_FIELD("site_packages", site_packages),
            IP_FIELD("worker", worker),
            IP_FIELD("venv", venv),
            IP_FIELD("unusable_reason", why),
        };
#undef IP_FIELD
        for (size_t f = 0; f < sizeof(strs) / sizeof(strs[0]); f++) {
            const char *v = pb_jval_str(e, strs[f].key);
            pb_copy((char *)ip + strs[f].off, strs[f].len, v ? v : "");
        }
        const struct pb_jval *b;
        ip->usable = !(b = pb_jval_get(e, "usable")) || b->type != PB_J_BOOL || b->b;
        ip->pinned = (b = pb_jval_get(e, "pinned")) && b->type == PB_J_BOOL && b->b;
        ip->is_venv = (b = pb_jval_get(e, "virtual_env")) && b->type == PB_J_BOOL && b->b;
    }
}

/* Availability of each backend on interpreter i, from the shard that owns
 * its cells there: arr is that interpreter's "backends" (a file from before
 * the axis: the top-level "backends", of the pinned one). */
static void read_interp_availability(const struct shard_file *s, struct pb_results *res,
                                     size_t ii, const struct pb_jval *arr, int *seen, FILE *warn)
{
    const struct pb_config *cfg = res->cfg;
    for (size_t i = 0; arr && arr->type == PB_J_ARR && i < arr->n; i++) {
        const struct pb_jval *e = &arr->items[i];
        const struct pb_backend_conf *bc = pb_config_backend(cfg, pb_jval_str(e, "name") ?
                                                             pb_jval_str(e, "name") : "");
        if (!bc)
            continue;
        size_t b = (size_t)(bc - cfg->backends), a = ii * cfg->nbackends + b;
        int owns = 0;
        for (size_t w = 0; w < cfg->nworkloads && !owns; w++)
            owns = cfg->workloads[w].interp == ii && pb_shard_of(res, w, b) == s->index;
        if (!owns)
            continue;
        const struct pb_jval *av = pb_jval_get(e, "available");
        int ok = av && av->type == PB_J_BOOL && av->b;
        const char *why = pb_jval_str(e, "unavailable_reason");
        const char *ver = pb_jval_str(e, "tool_version");
        if (seen[a] && ok != res->available[a])
            fprintf(warn, "pyprof-bench: warning: backend '%s' is available in some shards and "
                    "not in others (%s): its rows have the runs of the shards that ran it\n",
                    bc->name, s->path);
        if (!seen[a] || (ok && !res->available[a])) {
            res->available[a] = ok;
            pb_copy(res->why[a], PB_ERRLEN, ok ? "" : why ? why : "unavailable");
            pb_copy(res->tool_version[a], PB_VERSIONLEN, ver ? ver : "");
        }
        seen[a] = 1;
    }
}

/* Availability of each backend on each interpreter (seen: per slot of
 * res->available). */
static void read_availability(const struct shard_file *s, struct pb_results *res, int *seen,
                              FILE *warn)
{
    const struct pb_jval *ia = pb_jval_get(&s->doc, "interpreters");
    for (size_t i = 0; i < res->ninterps; i++) {
        const struct pb_jval *arr = NULL;
        for (size_t k = 0; ia && ia->type == PB_J_ARR && k < ia->n && !arr; k++) {
            const char *name = pb_jval_str(&ia->items[k], "name");
            if (name && !strcmp(name, res->interps[i].name))
                arr = pb_jval_get(&ia->items[k], "backends");
        }
        if (!arr && !ia && i == 0)
            arr = pb_jval_get(&s->doc, "backends");
        read_interp_availability(s, res, i, arr, seen, warn);
    }
}

/* Each run must belong to its shard: a profiled run to a cell the shard
 * owns, a baseline run to a workload it has a cell of. */
static int check_runs_belong(const struct pb_results *res, size_t from, long shard,
                             const char *path, char *err, size_t errlen)
{
    const struct pb_config *cfg = res->cfg;
    for (size_t i = from; i < res->nruns; i++) {
        const struct pb_run_record *r = &res->runs[i];
        int ok = 0;
        if (r->backend >= 0)
            ok = pb_shard_of(res, r->workload, (size_t)r->backend) == shard;
        else
            for (size_t b = 0; b < cfg->nbackends && !ok; b++)
                ok = pb_shard_of(res, r->workload, b) == shard;
        if (!ok || r->shard != shard)
            return pb_error(err, errlen, "'%s' holds a run of %s / %s that shard %ld/%ld does "
                            "not run: not a shard of this config", path,
                            cfg->workloads[r->workload].name,
                            r->backend >= 0 ? cfg->backends[r->backend].name
                                            : pb_baseline_name(r->backend),
                            shard, res->shard_count);
    }
    return 0;
}

static double parse_started(const char *s)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    if (!s || !strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm))
        return NAN;
    return (double)timegm(&tm);
}

int pb_merge_load(const char *const *dirs, size_t n, const char *config_path, int force,
                  struct pb_config *cfg, struct pb_results *res, FILE *warn, char *err,
                  size_t errlen)
{
    memset(cfg, 0, sizeof(*cfg));
    memset(res, 0, sizeof(*res));
    if (n == 0)
        return pb_error(err, errlen, "merge needs at least one result folder");
    struct shard_file *s = pb_xcalloc(n, sizeof(*s));
    int rc = -1, have_cfg = 0, have_res = 0;
    for (size_t i = 0; i < n; i++) {
        s[i].dir = dirs[i];
        if (read_shard(&s[i], err, errlen) < 0)
            goto out;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < i; j++)
            if (check_same_run(&s[j], &s[i], force, warn, err, errlen) < 0)
                goto out;
    long count = s[0].count;
    struct pb_strbuf missing = PB_STRBUF_INIT;
    for (long k = 1; k <= count; k++) {
        size_t i;
        for (i = 0; i < n && s[i].index != k; i++)
            ;
        if (i == n)
            pb_strbuf_addf(&missing, "%s%ld/%ld", missing.len ? ", " : "", k, count);
    }
    if (missing.len) {
        pb_error(err, errlen, "incomplete: shard%s %s missing (give every shard's folder)",
                 strchr(missing.buf, ',') ? "s" : "", missing.buf);
        pb_strbuf_release(&missing);
        goto out;
    }
    pb_strbuf_release(&missing);

    /* The config the shards ran, loaded again and checked by its hash. */
    const char *recorded = conf_str(&s[0].doc, "path"), *hash = conf_str(&s[0].doc, "hash");
    const char *cpath = config_path ? config_path : recorded;
    char why[PB_ERRLEN];
    if (pb_config_load(cfg, cpath, why, sizeof(why)) < 0) {
        pb_error(err, errlen, "cannot load the config the shards ran (%s): %s%s", cpath, why,
                 config_path ? "" : "; give it with --config FILE");
        goto out;
    }
    have_cfg = 1;
    if (strcmp(cfg->hash, hash)) {
        pb_error(err, errlen, "%s has config hash %s but the shards ran %s: the file changed "
                 "since; give the config they ran with --config FILE", cpath, cfg->hash, hash);
        goto out;
    }
    interpreters_from(&s[0].doc, cfg);
    pb_config_expand_interpreters(cfg);
    pb_results_init(res, cfg);
    read_interpreters(&s[0].doc, res);
    have_res = 1;
    res->shard_index = 1;
    res->shard_count = count;   /* for ownership checks; 1/1 once merged */
    if (select_from(&s[0].doc, "selected_workloads", res, 1, err, errlen) < 0 ||
        select_from(&s[0].doc, "selected_backends", res, 0, err, errlen) < 0)
        goto out;
    res->rounds = (long)conf_num(&s[0].doc, "rounds");
    res->warmup = (long)conf_num(&s[0].doc, "warmup");
    res->seed = (unsigned long)conf_num(&s[0].doc, "seed");
    const char *metric = pb_jval_str(&s[0].doc, "metric");
    res->metric = metric && !strcmp(metric, "instructions") ? PB_METRIC_INSTRUCTIONS
                                                            : PB_METRIC_WALL;
    int *seen = pb_xcalloc(res->ninterps * cfg->nbackends + 1, sizeof(int));
    for (size_t a = 0; a < res->ninterps * cfg->nbackends; a++)
        res->available[a] = 0;
    /* In shard order, so that the merged runs are too. */
    res->sources = pb_xcalloc(n, sizeof(*res->sources));
    res->nsources = n;
    res->started_at = INFINITY;
    for (long k = 1; k <= count; k++) {
        size_t i;
        for (i = 0; s[i].index != k; i++)
            ;
        const struct pb_jval *d = &s[i].doc;
        size_t first = res->nruns;
        if (pb_results_read_runs(d, res, k, why, sizeof(why)) < 0) {
            pb_error(err, errlen, "'%s': %s", s[i].path, why);
            free(seen);
            goto out;
        }
        if (check_runs_belong(res, first, k, s[i].path, err, errlen) < 0) {
            free(seen);
            goto out;
        }
        read_availability(&s[i], res, seen, warn);
        struct pb_merge_source *m = &res->sources[k - 1];
        pb_copy(m->path, sizeof(m->path), s[i].dir);
        m->shard_index = k;
        m->shard_count = count;
        pb_copy(m->started, sizeof(m->started), pb_jval_str(d, "started") ?
                pb_jval_str(d, "started") : "");
        m->elapsed_s = pb_jval_num(d, "elapsed_s");
        pb_copy(m->hostname, sizeof(m->hostname),
                pb_jval_str(pb_jval_get(d, "machine"), "hostname") ?
                pb_jval_str(pb_jval_get(d, "machine"), "hostname") : "");
        pb_copy(m->git_revision, sizeof(m->git_revision),
                pb_jval_str(pb_jval_get(d, "tool"), "git_revision") ?
                pb_jval_str(pb_jval_get(d, "tool"), "git_revision") : "");
        m->nruns = res->nruns - first;
        double planned = conf_num(d, "planned_runs"), started = parse_started(m->started);
        res->planned += isfinite(planned) ? (size_t)planned : 0;
        if (isfinite(started) && started < res->started_at)
            res->started_at = started;
        if (isfinite(m->elapsed_s) && m->elapsed_s > res->elapsed_s)
            res->elapsed_s = m->elapsed_s;
        const struct pb_jval *intr = pb_jval_get(d, "interrupted");
        if (intr && intr->type == PB_J_BOOL && intr->b) {
            res->interrupted = 1;
            fprintf(warn, "pyprof-bench: warning: shard %ld/%ld (%s) was interrupted: its "
                    "unfinished cells are reported as such\n", k, count, s[i].path);
        }
    }
    free(seen);
    if (!isfinite(res->started_at))
        res->started_at = 0;
    pb_sysinfo_from_json(pb_jval_get(&s[0].doc, "machine"), &res->sys);
    pb_copy(res->python, sizeof(res->python), pb_jval_str(&s[0].doc, "python") ?
            pb_jval_str(&s[0].doc, "python") : "");
    /* The merged result is the whole matrix. */
    res->shard_index = res->shard_count = 1;
    rc = 0;
out:
    for (size_t i = 0; i < n; i++) {
        free(s[i].path);
        pb_jval_release(&s[i].doc);
    }
    free(s);
    if (rc < 0) {
        if (have_res)
            pb_results_release(res);
        if (have_cfg)
            pb_config_release(cfg);
    }
    return rc;
}
