/* reach.c: calibration runs and reach maps (see reach.h). */
#include "reach.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "results.h"
#include "run_codec.h"
#include "util.h"
#include "worker.h"

extern const struct pb_backend_ops pb_backend_reach;

/* ------------------------------------------------------------- parent */

/* One calibrated workload: its map file, or why there is none. */
struct calibration {
    const struct pb_workload *w;
    char *path;                  /* owned; NULL when it failed */
    char *why;                   /* owned; NULL when it succeeded */
};

static struct calibration *calibrations;
static size_t ncalibrations;
static char tmpdir[256];         /* "" until made */

/* atexit: the map files and their folder, and the table. */
static void cleanup(void)
{
    for (size_t i = 0; i < ncalibrations; i++) {
        if (calibrations[i].path)
            unlink(calibrations[i].path);
        free(calibrations[i].path);
        free(calibrations[i].why);
    }
    free(calibrations);
    calibrations = NULL;
    ncalibrations = 0;
    if (tmpdir[0])
        rmdir(tmpdir);
    tmpdir[0] = '\0';
}

static int make_tmpdir(char *err, size_t errlen)
{
    if (tmpdir[0])
        return 0;
    return pb_make_private_dir(tmpdir, sizeof(tmpdir), "pyprof-bench-reach.", err, errlen);
}

/* Does this invocation run workload w under a backend that reports? */
static int needs_calibration(const struct pb_results *res, size_t w)
{
    const struct pb_config *cfg = res->cfg;
    if (!res->workload_on[w] || cfg->workloads[w].overhead_only || !cfg->workloads[w].nphases)
        return 0;
    for (size_t b = 0; b < cfg->nbackends; b++) {
        const char *why;
        const struct pb_backend_ops *ops = cfg->backends[b].ops;
        if (pb_results_cell_on(res, w, b) && res->available[pb_results_avail(res, w, b)] &&
            (ops->caps & PB_CAP_REPORT) && pb_cell_applies(res, w, b, &why))
            return 1;
    }
    return 0;
}

/* One calibration run of workload w into c. */
static void calibrate_one(const struct pb_results *res, size_t w, struct calibration *c,
                          struct pb_progress *prog)
{
    const struct pb_workload *wl = &res->cfg->workloads[w];
    char err[PB_ERRLEN];
    c->w = wl;
    pb_progress_calibration(prog, wl->name, -1, NULL, 0);
    if (make_tmpdir(err, sizeof(err)) < 0) {
        c->why = pb_xstrdup(err);
        pb_progress_calibration(prog, wl->name, 0, c->why, 0);
        return;
    }
    struct pb_strbuf sb = PB_STRBUF_INIT;
    pb_strbuf_addf(&sb, "%s/w%zu.tsv", tmpdir, w);
    char *path = pb_strbuf_detach(&sb);
    struct pb_backend_conf conf = { .name = (char *)"(reach calibration)",
                                    .ops = &pb_backend_reach };
    if (pb_options_init_defaults(&conf.options, pb_backend_reach.options, err, sizeof(err)) < 0 ||
        pb_options_set(&conf.options, "out", path, err, sizeof(err)) < 0) {
        c->why = pb_xstrdup(err);
        pb_options_release(&conf.options);
        free(path);
        pb_progress_calibration(prog, wl->name, 0, c->why, 0);
        return;
    }
    struct pb_run *run = pb_xcalloc(1, sizeof(*run));
    /* Tracing every call costs: fib(31) runs about 3x slower recorded. */
    pb_worker_run(wl, &conf, 3 * res->cfg->defaults.timeout_s, NULL, run);
    pb_options_release(&conf.options);
    if (run->status == PB_RUN_OK && access(path, R_OK) == 0) {
        c->path = path;
    } else {
        struct pb_strbuf why = PB_STRBUF_INIT;
        if (run->status == PB_RUN_OK)
            pb_strbuf_addf(&why, "the calibration wrote no reach map");
        else
            pb_strbuf_addf(&why, "%s%s", run->skipped ? "skipped: " : "", run->reason);
        c->why = pb_strbuf_detach(&why);
        unlink(path);
        free(path);
    }
    if (run->status != PB_RUN_INTERRUPTED)
        pb_progress_calibration(prog, wl->name, c->path != NULL, c->why, run->elapsed_s);
    pb_run_release(run);   /* its thread and task records */
    free(run);
}

void pb_reach_calibrate(const struct pb_results *res, struct pb_progress *prog)
{
    const struct pb_config *cfg = res->cfg;
    static int registered;
    if (!registered) {
        atexit(cleanup);
        registered = 1;
    }
    cleanup();   /* a previous invocation's maps, if any */
    calibrations = pb_xcalloc(cfg->nworkloads + 1, sizeof(*calibrations));
    /* Calibration is a tool of the harness, not a measurement: never under
     * callgrind (--metric instructions). */
    pb_worker_set_instructions(0);
    for (size_t w = 0; w < cfg->nworkloads && !pb_worker_stop_requested; w++) {
        if (!needs_calibration(res, w))
            continue;
        calibrate_one(res, w, &calibrations[ncalibrations], prog);
        if (calibrations[ncalibrations].path || calibrations[ncalibrations].why)
            ncalibrations++;
    }
    pb_worker_set_instructions(res->metric == PB_METRIC_INSTRUCTIONS);
}

int pb_reach_for(const struct pb_workload *w, const char **path, const char **why)
{
    for (size_t i = 0; i < ncalibrations; i++)
        if (calibrations[i].w == w) {
            *path = calibrations[i].path;
            *why = calibrations[i].why;
            return 1;
        }
    return 0;
}

/* ------------------------------------------------------------- worker */

void pb_reach_map_add(struct pb_reach_map *m, const char *file, const char *name, int line,
                      long p)
{
    if (p < 0 || p >= PB_MAX_PHASES)
        return;
    uint64_t bit = (uint64_t)1 << p;
    for (size_t i = 0; i < m->count; i++)
        if (m->fns[i].line == line && !strcmp(m->fns[i].name, name) &&
            !strcmp(m->fns[i].file, file)) {
            m->fns[i].phases |= bit;
            return;
        }
    if (m->count == m->alloc) {
        m->alloc = m->alloc ? 2 * m->alloc : 64;
        m->fns = pb_xrealloc(m->fns, m->alloc * sizeof(*m->fns));
    }
    struct pb_reach_fn *f = &m->fns[m->count++];
    f->file = pb_xstrdup(file);
    f->name = pb_xstrdup(name);
    f->line = line;
    f->phases = bit;
}

int pb_reach_map_parse(struct pb_reach_map *m, FILE *f, const char *name, char *err,
                       size_t errlen)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    long lineno = 0;
    int rc = 0;
    while ((n = getline(&line, &cap, f)) >= 0) {
        lineno++;
        if (n > 0 && line[n - 1] == '\n')
            line[--n] = '\0';
        if (n == 0 || line[0] == '#')
            continue;
        /* PHASE \t FIRST_LINE \t FUNCTION \t FILE */
        char *fields[4], *p = line;
        int k = 0;
        for (; k < 4 && p; k++) {
            fields[k] = p;
            p = k < 3 ? strchr(p, '\t') : NULL;
            if (p)
                *p++ = '\0';
        }
        long phase, first;
        if (k != 4 || !fields[2][0] || pb_parse_long(fields[0], &phase) < 0 || phase < 0 ||
            phase >= PB_MAX_PHASES || pb_parse_long(fields[1], &first) < 0 || first < 0 ||
            first > 1L << 30) {
            rc = pb_error(err, errlen, "malformed reach map %s line %ld", name, lineno);
            break;
        }
        pb_reach_map_add(m, fields[3], fields[2], (int)first, phase);
    }
    free(line);
    if (rc == 0 && ferror(f))
        rc = pb_error(err, errlen, "cannot read reach map %s: %s", name, strerror(errno));
    return rc;
}

int pb_reach_map_load(struct pb_reach_map *m, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return pb_error(err, errlen, "cannot read reach map %s: %s", path, strerror(errno));
    int rc = pb_reach_map_parse(m, f, path, err, errlen);
    fclose(f);
    return rc;
}

void pb_reach_map_release(struct pb_reach_map *m)
{
    for (size_t i = 0; i < m->count; i++) {
        free(m->fns[i].file);
        free(m->fns[i].name);
    }
    free(m->fns);
    memset(m, 0, sizeof(*m));
}


void pb_reach_attribute(struct pb_report *r, const struct pb_phase_ident *phases,
                        size_t nphases, const char *map_path, const char *map_error,
                        struct pb_attribution *out)
{
    if ((!map_path && !map_error) || !r->count || !pb_report_is_flat(r)) {
        pb_attribute(r, phases, nphases, out);
        return;
    }
    char err[PB_ERRLEN], note[PB_ERRLEN + 64];
    struct pb_reach_map map = { NULL, 0, 0 };
    if (!map_path || pb_reach_map_load(&map, map_path, err, sizeof(err)) < 0) {
        pb_attribute(r, phases, nphases, out);
        snprintf(note, sizeof(note), "flat profile not mapped to phases: %s%s",
                 map_path ? "" : "calibration failed: ", map_path ? err : map_error);
        pb_report_add_note(r, note);
        pb_reach_map_release(&map);
        return;
    }
    struct pb_flat_result fr;
    /* The worker's main thread, which runs the phases, has TID = PID. */
    pb_attribute_flat(r, phases, nphases, &map, (uint64_t)getpid(), out, &fr);
    pb_flat_note(&fr, r, phases, nphases, note, sizeof(note));
    pb_report_add_note(r, note);
    pb_reach_map_release(&map);
}
