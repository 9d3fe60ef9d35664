/* csv_writer.c: summary.csv (see writers.h). */
#include "writers.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void pb_fmt_num(char *buf, size_t len, double v, int prec, const char *dash)
{
    if (isfinite(v))
        snprintf(buf, len, "%.*f", prec, v);
    else
        snprintf(buf, len, "%s", dash);
}

/* RFC 4180: quote when the field has a comma, quote or line break. */
static void csv_field(struct pb_strbuf *sb, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        pb_strbuf_adds(sb, s);
        return;
    }
    pb_strbuf_add(sb, "\"", 1);
    for (; *s; s++) {
        if (*s == '"')
            pb_strbuf_add(sb, "\"", 1);
        pb_strbuf_add(sb, s, 1);
    }
    pb_strbuf_add(sb, "\"", 1);
}

static void csv_num(struct pb_strbuf *sb, double v, int prec)
{
    char buf[64];
    pb_fmt_num(buf, sizeof(buf), v, prec, "");
    pb_strbuf_add(sb, ",", 1);
    pb_strbuf_adds(sb, buf);
}

char *pb_write_summary_csv(const struct pb_results *res)
{
    const struct pb_config *cfg = res->cfg;
    struct pb_strbuf sb = PB_STRBUF_INIT;
    pb_strbuf_adds(&sb, PB_CSV_HEADER "\n");
    for (size_t w = 0; w < cfg->nworkloads; w++) {
        for (size_t b = 0; b < cfg->nbackends; b++) {
            if (!pb_results_cell_on(res, w, b))
                continue;
            const struct pb_cell *c = pb_results_cell(res, w, b);
            const struct pb_backend_conf *bc = &cfg->backends[b];
            csv_field(&sb, cfg->workloads[w].name);
            pb_strbuf_add(&sb, ",", 1);
            csv_field(&sb, bc->name);
            pb_strbuf_add(&sb, ",", 1);
            pb_strbuf_adds(&sb, pb_cell_status_name(c->status));
            csv_num(&sb, c->wall_ratio, 4);
            csv_num(&sb, c->wall_lo, 4);
            csv_num(&sb, c->wall_hi, 4);
            csv_num(&sb, c->cpu_ratio, 4);
            csv_num(&sb, c->rss_delta_kb, 0);
            csv_num(&sb, c->fae_pp, 2);
            csv_num(&sb, c->ce_pp, 2);
            pb_strbuf_add(&sb, ",", 1);
            csv_field(&sb, pb_backend_clock(bc->ops, &bc->options));
            pb_strbuf_addf(&sb, ",%zu,%zu", c->nrounds, c->nfailed);
            csv_num(&sb, c->cpu_lo, 4);
            csv_num(&sb, c->cpu_hi, 4);
            csv_num(&sb, c->collect_s, 6);
            pb_strbuf_add(&sb, ",", 1);
            csv_field(&sb, c->reason);
            csv_num(&sb, c->instr_ratio, 6);
            csv_num(&sb, c->instr_lo, 6);
            csv_num(&sb, c->instr_hi, 6);
            csv_num(&sb, c->coverage, 4);
            csv_num(&sb, c->fae_task_pp, 2);
            const double acc[] = {
                c->ae_pp, c->ae_lo, c->ae_hi, c->de_pp, c->de_lo, c->de_hi,
                c->fae_lo, c->fae_hi, c->ace_pp, c->ace_lo, c->ace_hi,
                c->dce_pp, c->dce_lo, c->dce_hi, c->ce_lo, c->ce_hi,
            };
            for (size_t k = 0; k < sizeof(acc) / sizeof(acc[0]); k++)
                csv_num(&sb, acc[k], 2);
            const struct pb_truth *tr = &res->truth[w];
            csv_num(&sb, tr->floor_pp, 2);
            csv_num(&sb, tr->floor_hi, 2);
            csv_num(&sb, tr->floor_ce_pp, 2);
            csv_num(&sb, tr->floor_ce_hi, 2);
            csv_num(&sb, c->response, 4);
            csv_num(&sb, c->response_lo, 4);
            csv_num(&sb, c->response_hi, 4);
            const double lat[] = {
                c->thr_ratio, c->thr_lo, c->thr_hi, c->p50_ratio, c->p50_lo, c->p50_hi,
                c->p99_ratio, c->p99_lo, c->p99_hi, c->max_ratio, c->max_lo, c->max_hi,
            };
            for (size_t k = 0; k < sizeof(lat) / sizeof(lat[0]); k++)
                csv_num(&sb, lat[k], 4);
            /* the interpreter axis: its name and version, last */
            const struct pb_interpreter *ip = pb_results_interp(res, w);
            pb_strbuf_add(&sb, ",", 1);
            csv_field(&sb, ip->name);
            pb_strbuf_add(&sb, ",", 1);
            csv_field(&sb, ip->version);
            pb_strbuf_add(&sb, "\n", 1);
        }
    }
    return pb_strbuf_detach(&sb);
}
