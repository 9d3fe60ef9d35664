/*
 * writers.h: the outputs of a run, each rendered from struct pb_results into a
 * string (the caller writes it atomically or prints it):
 *
 *   results.json   json_writer.c  everything, schema PB_RESULTS_SCHEMA
 *   summary.csv    csv_writer.c   one row per workload and backend
 *   summary.md     md_writer.c    the same as a Markdown table, with the truth
 *   report.html    html_writer.c  one self-contained page: the tables, the
 *                                 verdicts (verdict.h) and the SVG charts
 *   terminal table table.c        a table per workload, fits 100 columns
 *
 * Numbers that do not exist (NAN) are null in JSON, empty in CSV and "-" in
 * the tables.
 */
#ifndef PB_WRITERS_H
#define PB_WRITERS_H

#include "results.h"

/* Each returns a string you own. */
char *pb_write_results_json(const struct pb_results *res);
char *pb_write_summary_csv(const struct pb_results *res);
char *pb_write_summary_md(const struct pb_results *res);
/* The paper table of summary.md (paper_md.c): nothing without the config's
 * `paper:`; else a section with, per row of the paper, its median and max
 * slowdown beside this run's over the workloads (paper.h). */
void pb_write_paper_md(struct pb_strbuf *sb, const struct pb_results *res);
/* report.html: every string escaped; the charts are charts_dir/NAME.svg
 * embedded as data: URIs (those missing are left out; charts_dir NULL: no
 * charts). Nothing in the page refers to anything outside it. */
char *pb_write_report_html(const struct pb_results *res, const char *charts_dir);
/* color: use ANSI colours for the status column. */
char *pb_write_table(const struct pb_results *res, int color);

/* The leading columns of summary.csv, fixed by the documentation. */
#define PB_CSV_HEADER "workload,backend,status,wall_ratio,wall_ratio_lo,wall_ratio_hi," \
                      "cpu_ratio,rss_delta_kb,fae_pp,ce_pp,clock,rounds,failed_runs," \
                      "cpu_ratio_lo,cpu_ratio_hi,collect_s,reason,instr_ratio," \
                      "instr_ratio_lo,instr_ratio_hi,thread_coverage,fae_task_pp," \
                      "ae_pp,ae_pp_lo,ae_pp_hi,de_pp,de_pp_lo,de_pp_hi,fae_pp_lo,fae_pp_hi," \
                      "ace_pp,ace_pp_lo,ace_pp_hi,dce_pp,dce_pp_lo,dce_pp_hi,ce_pp_lo,ce_pp_hi," \
                      "floor_fae_pp,floor_fae_pp_hi,floor_ce_pp,floor_ce_pp_hi," \
                      "response,response_lo,response_hi," \
                      "throughput_ratio,throughput_ratio_lo,throughput_ratio_hi," \
                      "p50_ratio,p50_ratio_lo,p50_ratio_hi,p99_ratio,p99_ratio_lo," \
                      "p99_ratio_hi,max_ratio,max_ratio_lo,max_ratio_hi," \
                      "interpreter,python_version"

/* Shared formatting: "%.*f" of v, or dash when v is NAN. */
void pb_fmt_num(char *buf, size_t len, double v, int prec, const char *dash);

/* The human-readable texts of one cell, shared by the terminal table and
 * summary.md: wall "1.23x [1.20-1.25]", cpu "1.01x", mem "+1.2 MB",
 * fae "3.1", ce "n/a", status "ok" / "failed: reason" / "skipped: reason". */
struct pb_cell_texts {
    char wall[96], cpu[32], mem[32], status[600];
    /* accuracy in percentage points, "4.6~" when inside the noise floor */
    char ae[16], de[16], fae[16], ace[16], dce[16], ce[16];
    char coverage[16];   /* thread coverage "98%"; "-" without threads */
    char fae_task[16];   /* task-view FAE; "-" without coroutine keys */
};
void pb_cell_texts(const struct pb_results *res, const struct pb_cell *c,
                   struct pb_cell_texts *t);
/* What the figures mean, for the foot of a table: one paragraph of plain
 * text per line (the terminal wraps it; summary.md uses it as is). */
extern const char *const pb_legend[];
/* The thread and coroutine columns of summary.md and report.html, and what
 * the verdict lines mean: one paragraph each. */
extern const char pb_legend_keys[];
extern const char pb_legend_verdict[];

/* "noise floor (`none`, A/A): FAE 1.2 [0.4-2.1] pp, CE 0.8 [0.2-1.5] pp"
 * or "no noise floor: the config has no `none` backend". */
void pb_floor_line(const struct pb_results *res, size_t w, char *buf, size_t len);

/* One line describing a workload's truth: "T = 0.412 s (python 22%, native
 * 36%, system 42%) over 10 unprofiled runs". */
void pb_truth_line(const struct pb_results *res, size_t w, char *buf, size_t len);

/* Every truth warning of workload w (phases, then threads one line a phase:
 * "31 threads of phase many: declared python, 17-32% user CPU"), one line each:
 * "phase f1: declared python but only 62% of wall is user CPU". Appended to
 * sb, each line prefixed with prefix. Returns the number of warnings. */
size_t pb_truth_warnings(const struct pb_results *res, size_t w, const char *prefix,
                         struct pb_strbuf *sb);

#endif
