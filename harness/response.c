/*
 * response.c: the causality check of a variant workload (config.h,
 * `variant_of:`): per backend, the change in share of the response phase it
 * reports between the base and the variant over the change measured in the
 * unprofiled runs (accuracy.h, pb_response()).
 */
#include "results.h"

#include <math.h>
#include <stdlib.h>

#include "accuracy.h"
#include "util.h"

/* Share (0..1) of phase p in one unprofiled run of a workload of nphases:
 * its wall over T, the sum of the phases' and the recorded threads' walls
 * (T counts thread-seconds, as the truth does). NAN when T is not > 0. */
static double truth_share(const struct pb_run *run, size_t nphases, size_t p)
{
    double t = 0;
    for (size_t i = 0; i < nphases && i < PB_MAX_PHASES; i++)
        t += run->phase_wall_s[i];
    for (size_t k = 0; k < run->nthreads && k < PB_MAX_KEYS; k++)
        t += run->threads[k].wall_s;
    return t > 0 ? run->phase_wall_s[p] / t : NAN;
}

/* Share (0..1) of phase p in one profiled run's report: R_p over R, with R
 * the phases' seconds, the thread keys' seconds and R_other (the worker took
 * the threads' seconds out of R_other), raised to the report's total when
 * that is larger, as in the FAE. NAN without a report or when R is 0. */
static double reported_share(const struct pb_run *run, size_t nphases, size_t p)
{
    if (!run->has_attr)
        return NAN;
    double r = run->attr.other_s;
    for (size_t i = 0; i < nphases && i < PB_MAX_PHASES; i++)
        r += run->attr.phase_s[i];
    for (size_t k = 0; k < run->nthreads && k < PB_MAX_KEYS; k++)
        if (isfinite(run->threads[k].attr_s) && run->threads[k].attr_s > 0)
            r += run->threads[k].attr_s;
    if (run->attr.total_s > r)
        r = run->attr.total_s;
    return r > 0 ? run->attr.phase_s[p] / r : NAN;
}

/* The shares of phase p in the measured ok runs of workload w under backend
 * b (PB_BASELINE: truth shares) into out (res->nruns slots); returns how
 * many. */
static size_t gather(const struct pb_results *res, size_t w, long b, size_t p, double *out)
{
    size_t nphases = res->cfg->workloads[w].nphases, n = 0;
    for (size_t i = 0; i < res->nruns; i++) {
        const struct pb_run_record *r = &res->runs[i];
        if (r->workload != w || r->backend != b || r->warmup || r->run.status != PB_RUN_OK)
            continue;
        out[n++] = b == PB_BASELINE ? truth_share(&r->run, nphases, p)
                                    : reported_share(&r->run, nphases, p);
    }
    return n;
}

void pb_summarise_response(const struct pb_results *res, size_t w, size_t b,
                           struct pb_cell *cell)
{
    cell->response = cell->response_lo = cell->response_hi = NAN;
    const struct pb_config *cfg = res->cfg;
    if (w >= cfg->nworkloads || b >= cfg->nbackends)
        return;
    const struct pb_workload *wl = &cfg->workloads[w];
    if (!wl->variant_of || wl->base >= cfg->nworkloads || wl->response_phase >= wl->nphases ||
        wl->response_phase >= PB_MAX_PHASES || wl->overhead_only)
        return;
    size_t base = wl->base, p = wl->response_phase;
    size_t cap = res->nruns ? res->nruns : 1;
    double *sb = pb_xcalloc(cap, sizeof(double)), *sv = pb_xcalloc(cap, sizeof(double));
    double *tb = pb_xcalloc(cap, sizeof(double)), *tv = pb_xcalloc(cap, sizeof(double));
    struct pb_response_samples x = {
        .s_base = sb, .s_var = sv, .t_base = tb, .t_var = tv,
        .ns_base = gather(res, base, (long)b, p, sb),
        .ns_var = gather(res, w, (long)b, p, sv),
        .nt_base = gather(res, base, PB_BASELINE, p, tb),
        .nt_var = gather(res, w, PB_BASELINE, p, tv),
    };
    cell->response = pb_response(&x);
    pb_response_ci(&x, PB_RESPONSE_RESAMPLES, 0.95, PB_RESPONSE_SEED, &cell->response_lo,
                   &cell->response_hi);
    free(sb);
    free(sv);
    free(tb);
    free(tv);
}
