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

/* Compare two parsed result files (as pb_compare_files does). */
int pb_compare_docs(const struct pb_jval *base, const struct pb_jval *now, double threshold,
                    int force, FILE *out, FILE *err_out, char *err, size_t errlen);

/* Compare two result files, printing a table to out (and one line per
 * failure to err_out). Returns 0 when nothing failed, 3 when a regression
 * failed, 2 on unreadable or incomparable files (message in err). */
int pb_compare_files(const char *base_path, const char *new_path, double threshold, int force,
                     FILE *out, FILE *err_out, char *err, size_t errlen);

#endif
