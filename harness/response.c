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

/* The shares of phase p in the measured ok runs of workload w under backend
 * b into out (res->nruns slots): the runs' own (PB_BASELINE: the truth's
 * side) or their reports' (NAN without one), as the accuracy figures read
 * them (pb_results_run_shares). Returns how many. */
static size_t gather(const struct pb_results *res, size_t w, long b, size_t p, double *out)
{
    size_t n = 0;
    for (size_t i = 0; i < res->nruns; i++) {
        const struct pb_run_record *r = &res->runs[i];
        if (r->workload != w || r->backend != b || r->warmup || r->run.status != PB_RUN_OK)
            continue;
        struct pb_run_shares s;
        pb_results_run_shares(res, w, &r->run, &s);
        out[n++] = b == PB_BASELINE ? s.own[p] : s.has_report ? s.rep[p] : NAN;
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
