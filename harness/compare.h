/*
 * compare.h: `pyprof-bench compare BASE.json NEW.json` and the --baseline
 * gate. For each workload and backend in both files, the change of the wall
 * overhead is new / base - 1 of the tables' estimator (the ratio of the
 * minima of the paired rounds' walls, overhead.h), with a 95% bootstrap
 * interval (2000 resamples of each file's rounds, fixed seed); instruction
 * counts, and files without paired walls, compare the medians of the
 * per-round ratios. Verdicts, with threshold t (default 5%):
 *
 *   inconclusive  fewer than PB_COMPARE_MIN_ROUNDS rounds on either side, or
 *                 an interval reaching past +t whose low end is not past it
 *   fail          the whole interval is above +t (slower beyond the threshold)
 *   pass          the high end is at most +t; "warn" when the interval is
 *                 wholly above 0 (a significant slowdown below the threshold)
 *
 * and a direction: slower / faster when the interval excludes 0, else
 * "no significant change". Files from different machines (CPU model, Python
 * build) are refused unless forced.
 *
 * Holes the gate closes: a cell measured in the base that the new result
 * lacks, or has but did not measure (skipped, failed), fails with its own
 * line "missing: W / B was in the base but not in this run" (exit 3),
 * unless the caller says the run left it out on purpose (--only-*,
 * --shard); two results that both have cells but none in common are of
 * unrelated configs and not comparable (exit 2). A different config hash
 * alone is allowed (a config grows) and noted above the table.
 */
#ifndef PB_COMPARE_H
#define PB_COMPARE_H

#include <stddef.h>
#include <stdio.h>

#define PB_COMPARE_MIN_ROUNDS 9

enum pb_verdict { PB_VERDICT_PASS, PB_VERDICT_WARN, PB_VERDICT_FAIL, PB_VERDICT_INCONCLUSIVE };

struct pb_change {
    double base, now;          /* median wall ratio of each file */
    double change, lo, hi;     /* relative change and its 95% interval */
    size_t nbase, nnow;
    enum pb_verdict verdict;
};

/* The change of the tables' overhead estimate (overhead.h: the ratio of
 * the minima) between two sets of paired rounds, base_b[i] / base_p[i] the
 * baseline and profiled walls of the base file's round i, now_b / now_p the
 * new file's; the interval resamples each file's rounds. */
void pb_compare_walls(const double *base_b, const double *base_p, size_t nb,
                      const double *now_b, const double *now_p, size_t nn, double threshold,
                      struct pb_change *out);

/* The change between two sets of per-round ratios (medians), and its
 * verdict: for instruction counts and for files without paired walls. */
void pb_compare_ratios(const double *base, size_t nb, const double *now, size_t nn,
                       double threshold, struct pb_change *out);
const char *pb_verdict_name(enum pb_verdict v);

struct pb_jval;   /* json_parse.h */

/* Parse text (the contents of the result file name) into doc and check it is
 * a results.json of schema 1 with a summary list. 0, or -1 with a message
 * naming the file; release doc with pb_jval_release() after success. */
int pb_results_parse(const char *name, const char *text, size_t len, struct pb_jval *doc,
                     char *err, size_t errlen);

/* Read path and pb_results_parse() it. 0, or -1 with a message naming the
 * file; release doc with pb_jval_release() after success. */
int pb_results_json_load(const char *path, struct pb_jval *doc, char *err, size_t errlen);

struct pb_compare_opts {
    double threshold;          /* smallest change that fails */
    int force;                 /* compare results of other machines anyway */
    /* 1 when the new run left cell (workload, backend) on interpreter out on
     * purpose (not selected, another shard's): then it is not "missing".
     * NULL: none. */
    int (*left_out)(const char *workload, const char *backend, const char *interpreter,
                    void *ctx);
    void *ctx;
};

/* Compare two parsed result files, printing a table to out and one line
 * per failure (regression, missing cell) to err_out. Returns 0 when nothing
 * failed, 3 when something did, 2 on incomparable files (message in err). */
int pb_compare_run(const struct pb_jval *base, const struct pb_jval *now,
                   const struct pb_compare_opts *o, FILE *out, FILE *err_out, char *err,
                   size_t errlen);

/* pb_compare_run with threshold and force, no cell left out on purpose. */
int pb_compare_docs(const struct pb_jval *base, const struct pb_jval *now, double threshold,
                    int force, FILE *out, FILE *err_out, char *err, size_t errlen);

/* PATH/results.json when path is a folder (a result folder), else path;
 * yours to free. */
char *pb_results_path(const char *path);

/* Read two result files or result folders and pb_compare_run() them.
 * Returns 0, 3, or 2 on unreadable or incomparable files (message in err). */
int pb_compare_files(const char *base_path, const char *new_path,
                     const struct pb_compare_opts *o, FILE *out, FILE *err_out, char *err,
                     size_t errlen);

#endif
