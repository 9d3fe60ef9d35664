/* estimators.c: the estimator comparison (see estimators.h). */
#include "estimators.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "json_parse.h"
#include "overhead.h"
#include "stats.h"
#include "util.h"

/* One cell's paired rounds as results.json keeps them. */
struct cell_rounds {
    const char *workload, *backend;
    const char *interp;       /* "" in a file from before the interpreter axis */
    size_t n;
    double *base, *prof, *pbase, *pprof;
};

/* The numbers of array key of entry e (NAN for null), n of them. */
static double *numbers(const struct pb_jval *e, const char *key, size_t *n)
{
    const struct pb_jval *a = pb_jval_get(e, key);
    *n = a && a->type == PB_J_ARR ? a->n : 0;
    double *x = pb_xcalloc(*n + 1, sizeof(double));
    for (size_t i = 0; i < *n; i++)
        x[i] = a->items[i].type == PB_J_NUM ? a->items[i].num : NAN;
    return x;
}

static void cell_release(struct cell_rounds *c)
{
    free(c->base);
    free(c->prof);
    free(c->pbase);
    free(c->pprof);
}

/* Is backend (a name in doc's backends list) of kind none? */
static int is_none(const struct pb_jval *doc, const char *backend)
{
    const struct pb_jval *bs = pb_jval_get(doc, "backends");
    for (size_t i = 0; bs && bs->type == PB_J_ARR && i < bs->n; i++) {
        const char *name = pb_jval_str(&bs->items[i], "name");
        const char *kind = pb_jval_str(&bs->items[i], "kind");
        if (name && kind && !strcmp(name, backend))
            return !strcmp(kind, "none");
    }
    return 0;
}

struct est_result {
    double r, lo, hi;
};

static void estimate(enum pb_estimator e, const struct cell_rounds *c, struct est_result *out)
{
    pb_overhead_estimate_with(e, c->base, c->prof, c->pbase, c->pprof, c->n, 1, &out->r,
                              &out->lo, &out->hi);
}

static double half_width(const struct est_result *x)
{
    return isfinite(x->lo) && isfinite(x->hi) && x->r > 0 ? (x->hi - x->lo) / 2 / x->r : NAN;
}

int pb_estimators_report(const char *path, const char *pair, FILE *out, char *err,
                         size_t errlen)
{
    char burn[128] = "", base[128] = "";
    if (pair) {
        const char *colon = strchr(pair, ':');
        if (!colon || colon == pair || !colon[1] || (size_t)(colon - pair) >= sizeof(burn) ||
            strlen(colon + 1) >= sizeof(base)) {
            pb_error(err, errlen, "--pair needs BURN:BASE (two backend names), got '%s'", pair);
            return 2;
        }
        memcpy(burn, pair, (size_t)(colon - pair));
        snprintf(base, sizeof(base), "%s", colon + 1);
    }
    struct pb_jval doc;
    if (pb_results_json_load(path, &doc, err, errlen) < 0)
        return 2;
    const struct pb_jval *summary = pb_jval_get(&doc, "summary");
    size_t nc = 0;
    struct cell_rounds *cells = pb_xcalloc(summary->n + 1, sizeof(*cells));
    for (size_t i = 0; i < summary->n; i++) {
        const struct pb_jval *e = &summary->items[i];
        struct cell_rounds *c = &cells[nc];
        c->workload = pb_jval_str(e, "workload");
        c->backend = pb_jval_str(e, "backend");
        c->interp = pb_jval_str(e, "interpreter") ? pb_jval_str(e, "interpreter") : "";
        size_t n[4];
        c->base = numbers(e, "base_wall_s", &n[0]);
        c->prof = numbers(e, "prof_wall_s", &n[1]);
        c->pbase = numbers(e, "base_probe_s", &n[2]);
        c->pprof = numbers(e, "prof_probe_s", &n[3]);
        c->n = n[0];
        if (!c->workload || !c->backend || !n[0] || n[1] != n[0]) {
            cell_release(c);
            continue;
        }
        if (n[2] != n[0] || n[3] != n[0]) {   /* no probes: probe-ratio has no figure */
            free(c->pbase);
            free(c->pprof);
            c->pbase = c->pprof = NULL;
        }
        nc++;
    }
    if (!nc) {
        free(cells);
        pb_jval_release(&doc);
        pb_error(err, errlen, "'%s' has no cell with paired walls (base_wall_s, prof_wall_s): "
                 "written by an older pyprof-bench?", path);
        return 2;
    }
    fprintf(out, "Overhead estimators on %s: ratio and the half-width of its 95%% interval "
            "(bootstrap over rounds), relative to the ratio.\n\n", path);
    fprintf(out, "%-14s %-16s %6s", "workload", "backend", "rounds");
    for (int e = 0; e < PB_EST_COUNT; e++)
        fprintf(out, "  %-19s", pb_estimator_name((enum pb_estimator)e));
    fputc('\n', out);
    for (size_t i = 0; i < nc; i++) {
        fprintf(out, "%-14.14s %-16.16s %6zu", cells[i].workload, cells[i].backend, cells[i].n);
        for (int e = 0; e < PB_EST_COUNT; e++) {
            struct est_result x;
            estimate((enum pb_estimator)e, &cells[i], &x);
            char text[40] = "-";
            if (isfinite(x.r) && isfinite(half_width(&x)))
                snprintf(text, sizeof(text), "%.3fx +-%.1f%%", x.r, 100 * half_width(&x));
            else if (isfinite(x.r))
                snprintf(text, sizeof(text), "%.3fx", x.r);
            fprintf(out, "  %-19s", text);
        }
        fputc('\n', out);
    }
    fprintf(out, "\nA/A rows (kind none): intervals containing 1.0, and the median "
            "half-width\n");
    for (int e = 0; e < PB_EST_COUNT; e++) {
        size_t naa = 0, hit = 0;
        double *hw = pb_xcalloc(nc, sizeof(double));
        for (size_t i = 0; i < nc; i++) {
            if (!is_none(&doc, cells[i].backend))
                continue;
            struct est_result x;
            estimate((enum pb_estimator)e, &cells[i], &x);
            hw[naa++] = half_width(&x);
            hit += x.lo <= 1.0 && 1.0 <= x.hi;
        }
        if (naa)
            fprintf(out, "  %-13s %zu of %zu contain 1.0, median half-width %.1f%%\n",
                    pb_estimator_name((enum pb_estimator)e), hit, naa, 100 * pb_median(hw, naa));
        else
            fprintf(out, "  %-13s no A/A row\n", pb_estimator_name((enum pb_estimator)e));
        free(hw);
    }
    if (pair) {
        fprintf(out, "\nRecovery: overhead of %s / overhead of %s per workload\n", burn, base);
        for (int e = 0; e < PB_EST_COUNT; e++) {
            fprintf(out, "  %-13s", pb_estimator_name((enum pb_estimator)e));
            for (size_t i = 0; i < nc; i++) {
                if (strcmp(cells[i].backend, burn))
                    continue;
                for (size_t k = 0; k < nc; k++)
                    if (!strcmp(cells[k].backend, base) &&
                        !strcmp(cells[k].workload, cells[i].workload) &&
                        !strcmp(cells[k].interp, cells[i].interp)) {
                        struct est_result a, b;
                        estimate((enum pb_estimator)e, &cells[i], &a);
                        estimate((enum pb_estimator)e, &cells[k], &b);
                        fprintf(out, " %s %.3f", cells[i].workload, a.r / b.r);
                    }
            }
            fputc('\n', out);
        }
    }
    for (size_t i = 0; i < nc; i++)
        cell_release(&cells[i]);
    free(cells);
    pb_jval_release(&doc);
    if (fflush(out) != 0 || ferror(out)) {
        pb_error(err, errlen, "write failure on standard output");
        return 2;
    }
    return 0;
}
