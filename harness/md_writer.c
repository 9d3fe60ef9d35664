/* md_writer.c: summary.md (see writers.h). */
#include "writers.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "verdict.h"

/* Markdown table cells must not contain '|' or line breaks. */
static void md_cell(struct pb_strbuf *sb, const char *s)
{
    pb_strbuf_add(sb, " ", 1);
    for (; *s; s++) {
        if (*s == '|')
            pb_strbuf_adds(sb, "\\|");
        else if (*s == '\n' || *s == '\r')
            pb_strbuf_add(sb, " ", 1);
        else
            pb_strbuf_add(sb, s, 1);
    }
    pb_strbuf_adds(sb, " |");
}

char *pb_write_summary_md(const struct pb_results *res)
{
    const struct pb_config *cfg = res->cfg;
    struct pb_strbuf sb = PB_STRBUF_INIT;
    char when[64];
    time_t t = (time_t)res->started_at;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", &tm);
    pb_strbuf_addf(&sb, "# pyprof-bench results\n\n"
                   "`%s`, %s, %ld measured rounds (%ld warm-up), seed %lu%s.  \n"
                   "Machine: %s, %d CPUs, %s. Python %.*s.\n\n",
                   cfg->path, when, res->rounds, res->warmup, res->seed,
                   res->interrupted ? ", **interrupted**" : "", res->sys.cpu_model,
                   res->sys.cpu_count, res->sys.kernel,
                   (int)strcspn(res->python, " "), res->python);
    if (res->ninterps > 1) {   /* the interpreter axis: what each row ran on */
        pb_strbuf_adds(&sb, "Interpreters (each workload's rows, truth and baseline are "
                       "per interpreter):\n\n");
        for (size_t i = 0; i < res->ninterps; i++) {
            const struct pb_interpreter *ip = &res->interps[i];
            if (ip->usable)
                pb_strbuf_addf(&sb, "- `%s`: %s, `%s`%s\n", ip->name, ip->version,
                               ip->executable, ip->is_venv ? " (virtual environment)" : "");
            else
                pb_strbuf_addf(&sb, "- `%s`: skipped: %s\n", ip->name, ip->why);
        }
        pb_strbuf_adds(&sb, "\n");
    }
    int instr = res->metric == PB_METRIC_INSTRUCTIONS;
    if (instr)
        pb_strbuf_adds(&sb, "Instruction-count overhead: median of per-round ratios to the "
                       "unprofiled run, with the 95% interval of the median; instructions are "
                       "counted under valgrind's callgrind from just before the backend's "
                       "start to just after its stop; timer-driven backends are n/a in this "
                       "mode.\n\n");
    for (const char *const *l = pb_legend; *l; l++)
        pb_strbuf_addf(&sb, "- %s\n", *l);
    pb_strbuf_addf(&sb, "- %s\n\n", pb_legend_keys);
    pb_strbuf_addf(&sb, "| workload | backend | clock | %s overhead [95%% CI] | cpu | "
                   "memory | AE | DE | FAE | CE | ACE | DCE | threads | FAE task | status |\n"
                   "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n",
                   instr ? "instr" : "wall");
    for (size_t w = 0; w < cfg->nworkloads; w++) {
        for (size_t b = 0; b < cfg->nbackends; b++) {
            if (!pb_results_cell_on(res, w, b))
                continue;
            const struct pb_cell *c = pb_results_cell(res, w, b);
            const struct pb_backend_conf *bc = &cfg->backends[b];
            struct pb_cell_texts tx;
            pb_cell_texts(res, c, &tx);
            char wlabel[512];
            pb_workload_label(res, w, wlabel, sizeof(wlabel));
            pb_strbuf_add(&sb, "|", 1);
            md_cell(&sb, wlabel);
            md_cell(&sb, bc->name);
            md_cell(&sb, pb_backend_clock(bc->ops, &bc->options));
            md_cell(&sb, tx.wall);
            md_cell(&sb, tx.cpu);
            md_cell(&sb, tx.mem);
            md_cell(&sb, tx.ae);
            md_cell(&sb, tx.de);
            md_cell(&sb, tx.fae);
            md_cell(&sb, tx.ce);
            md_cell(&sb, tx.ace);
            md_cell(&sb, tx.dce);
            md_cell(&sb, tx.coverage);
            md_cell(&sb, tx.fae_task);
            md_cell(&sb, tx.status);
            pb_strbuf_add(&sb, "\n", 1);
        }
    }
    /* Per variant workload: each backend's response to the change, after
     * the table. */
    for (size_t w = 0, first = 1; w < cfg->nworkloads; w++) {
        const struct pb_workload *wl = &cfg->workloads[w];
        if (!wl->variant_of || !pb_results_workload_active(res, w))
            continue;
        pb_strbuf_addf(&sb, "%s- **%s** (variant of `%s`): response to the change in `%s`:",
                       first ? "\nResponse to a change (1.0: the backend saw exactly the "
                               "change in the phase's share; 95% bootstrap interval):\n\n"
                             : "",
                       wl->name, wl->variant_of, wl->phases[wl->response_phase].function);
        first = 0;
        const char *sep = " ";
        for (size_t b = 0; b < cfg->nbackends; b++) {
            if (!pb_results_cell_on(res, w, b))
                continue;
            const struct pb_cell *c = pb_results_cell(res, w, b);
            char v[32], lo[32], hi[32];
            pb_fmt_num(v, sizeof(v), c->response, 2, "-");
            pb_fmt_num(lo, sizeof(lo), c->response_lo, 2, "-");
            pb_fmt_num(hi, sizeof(hi), c->response_hi, 2, "-");
            pb_strbuf_addf(&sb, "%s%s %s", sep, cfg->backends[b].name, v);
            if (isfinite(c->response_lo))
                pb_strbuf_addf(&sb, " [%s-%s]", lo, hi);
            sep = ", ";
        }
        pb_strbuf_adds(&sb, "\n");
    }
    /* Per server workload (a cell with a latency figure): each backend's
     * p99, p50, max and throughput ratios to the unprofiled runs. */
    for (size_t w = 0, first = 1; w < cfg->nworkloads; w++) {
        int any = 0;
        for (size_t b = 0; b < cfg->nbackends; b++)
            if (pb_results_cell_on(res, w, b) &&
                isfinite(pb_results_cell(res, w, b)->p50_ratio))
                any = 1;
        if (!any)
            continue;
        char wlabel[512];
        pb_workload_label(res, w, wlabel, sizeof(wlabel));
        pb_strbuf_addf(&sb, "%s- **%s**: latency under profiling:",
                       first ? "\nLatency under load (ratios to the unprofiled runs: p99, "
                               "then p50, max and throughput; 95% bootstrap interval):\n\n"
                             : "",
                       wlabel);
        first = 0;
        const char *sep = " ";
        for (size_t b = 0; b < cfg->nbackends; b++) {
            if (!pb_results_cell_on(res, w, b))
                continue;
            const struct pb_cell *c = pb_results_cell(res, w, b);
            pb_strbuf_addf(&sb, "%s%s", sep, cfg->backends[b].name);
            const struct { const char *name; double v, lo, hi; } f[] = {
                { "p99", c->p99_ratio, c->p99_lo, c->p99_hi },
                { "p50", c->p50_ratio, c->p50_lo, c->p50_hi },
                { "max", c->max_ratio, c->max_lo, c->max_hi },
                { "throughput", c->thr_ratio, c->thr_lo, c->thr_hi },
            };
            for (size_t k = 0; k < sizeof(f) / sizeof(f[0]); k++) {
                char v[32], lo[32], hi[32];
                pb_fmt_num(v, sizeof(v), f[k].v, 2, "-");
                pb_fmt_num(lo, sizeof(lo), f[k].lo, 2, "-");
                pb_fmt_num(hi, sizeof(hi), f[k].hi, 2, "-");
                pb_strbuf_addf(&sb, "%s%s %s%s", k ? ", " : " ", f[k].name, v,
                               isfinite(f[k].v) ? "x" : "");
                if (isfinite(f[k].lo))
                    pb_strbuf_addf(&sb, " [%s-%s]", lo, hi);
            }
            sep = "; ";
        }
        pb_strbuf_adds(&sb, "\n");
    }
    /* Per thread and coroutine: the share of its report each backend gave
     * them, beside the truth's share. */
    int header = 0;
    for (size_t w = 0; w < cfg->nworkloads; w++) {
        const struct pb_truth *tr = &res->truth[w];
        if (!res->workload_on[w] || (!tr->nthreads && !tr->ntasks))
            continue;
        if (!header)
            pb_strbuf_adds(&sb, "\n## Threads and coroutines\n\nShare of each backend's "
                           "report given to each thread (of all its seconds) and each "
                           "coroutine (task view), median over rounds; the first row is "
                           "the truth.\n");
        header = 1;
        char wlabel[512];
        pb_workload_label(res, w, wlabel, sizeof(wlabel));
        pb_strbuf_addf(&sb, "\n**%s**\n\n| backend |", wlabel);
        for (size_t k = 0; k < tr->nthreads; k++) {
            /* a key of several threads (one name, or grouped) says how many */
            pb_strbuf_addf(&sb, " thread `%s`", tr->threads[k].name);
            if (tr->threads[k].count > 1)
                pb_strbuf_addf(&sb, " (%ld threads)", tr->threads[k].count);
            pb_strbuf_adds(&sb, " |");
        }
        for (size_t k = 0; k < tr->ntasks; k++)
            pb_strbuf_addf(&sb, " `%s` |", tr->tasks[k].name);
        pb_strbuf_adds(&sb, "\n|---|");
        for (size_t k = 0; k < tr->nthreads + tr->ntasks; k++)
            pb_strbuf_adds(&sb, "---|");
        pb_strbuf_adds(&sb, "\n| (truth) |");
        for (size_t k = 0; k < tr->nthreads; k++)
            pb_strbuf_addf(&sb, " %.1f%% |", tr->wall_s > 0
                           ? 100 * tr->threads[k].t.wall_s / tr->wall_s : 0);
        for (size_t k = 0; k < tr->ntasks; k++)
            pb_strbuf_addf(&sb, " %.1f%% |", tr->task_wall_s > 0
                           ? 100 * tr->tasks[k].t.wall_s / tr->task_wall_s : 0);
        pb_strbuf_adds(&sb, "\n");
        for (size_t b = 0; b < cfg->nbackends; b++) {
            if (!res->backend_on[b])
                continue;
            const struct pb_cell *c = pb_results_cell(res, w, b);
            pb_strbuf_add(&sb, "|", 1);
            md_cell(&sb, cfg->backends[b].name);
            for (size_t k = 0; k < tr->nthreads + tr->ntasks; k++) {
                double v = k < tr->nthreads ? c->thread_share[k]
                                            : c->task_share[k - tr->nthreads];
                char num[32];
                if (isfinite(v))
                    snprintf(num, sizeof(num), "%.1f%%", 100 * v);
                else
                    snprintf(num, sizeof(num), "-");
                md_cell(&sb, num);
            }
            pb_strbuf_add(&sb, "\n", 1);
        }
    }
    /* Per workload with accuracy: the verdict (verdict.h). */
    for (size_t w = 0, first = 1; w < cfg->nworkloads; w++) {
        if (!pb_results_workload_active(res, w) || cfg->workloads[w].overhead_only)
            continue;
        if (first)
            pb_strbuf_addf(&sb, "\n## Verdict\n\n%s\n", pb_legend_verdict);
        first = 0;
        struct pb_verdict v;
        pb_verdict_compute(res, w, &v);
        char wlabel[512];
        pb_workload_label(res, w, wlabel, sizeof(wlabel));
        pb_strbuf_addf(&sb, "\n**%s**\n\n", wlabel);
        pb_verdict_text(res, &v, "- ", &sb);
        pb_verdict_release(&v);
    }
    pb_write_paper_md(&sb, res);
    pb_strbuf_adds(&sb, "\n## Ground truth\n\n");
    for (size_t w = 0; w < cfg->nworkloads; w++) {
        if (!pb_results_workload_active(res, w))
            continue;
        char line[256], wlabel[512];
        pb_truth_line(res, w, line, sizeof(line));
        pb_workload_label(res, w, wlabel, sizeof(wlabel));
        pb_strbuf_addf(&sb, "- **%s**: %s\n", wlabel, line);
        const struct pb_workload *wl = &cfg->workloads[w];
        if (!wl->overhead_only) {
            pb_floor_line(res, w, line, sizeof(line));
            pb_strbuf_addf(&sb, "  - %s\n", line);
        }
        for (size_t p = 0; p < wl->nphases; p++) {
            const struct pb_phase_truth *pt = &res->truth[w].phase[p];
            pb_strbuf_addf(&sb, "  - `%s` (%s): wall %.4f s, user %.4f s, kernel %.4f s%s%s\n",
                           wl->phases[p].function,
                           wl->overhead_only ? "main, undeclared"
                                             : pb_category_name(wl->phases[p].category),
                           pt->wall_s, pt->user_s, pt->sys_s,
                           res->truth[w].warning[p][0] ? "; **warning**: " : "",
                           res->truth[w].warning[p]);
        }
        const struct pb_truth *tr = &res->truth[w];
        for (size_t k = 0; k < tr->nthreads; k++) {
            const struct pb_key_truth *kt = &tr->threads[k];
            long p = kt->phase;
            pb_strbuf_addf(&sb, "  - thread `%s` of `%s` (%s): wall %.4f s, user %.4f s, "
                           "kernel %.4f s%s%s\n", kt->name,
                           p >= 0 && (size_t)p < wl->nphases ? wl->phases[p].function : "?",
                           pb_category_name(kt->t.declared), kt->t.wall_s, kt->t.user_s,
                           kt->t.sys_s, kt->warning[0] ? "; **warning**: " : "", kt->warning);
        }
        for (size_t k = 0; k < tr->ntasks; k++)
            pb_strbuf_addf(&sb, "  - coroutine `%s` (task view): wall %.4f s over %zu runs\n",
                           tr->tasks[k].name, tr->tasks[k].t.wall_s, tr->tasks[k].nruns);
    }
    return pb_strbuf_detach(&sb);
}
