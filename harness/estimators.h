/*
 * estimators.h: `pyprof-bench estimators RESULTS.json [--pair BURN:BASE]`,
 * the evidence for the overhead estimator (overhead.h). For every cell of a
 * result file it prints each candidate estimator's ratio and the relative
 * half-width of its 95% interval, from the paired walls and speed probes
 * results.json keeps; then, per candidate, how the unprofiled A/A rows
 * (kind none) did (how many intervals contain 1.0, their median half-width)
 * and, with --pair, the ratio of BURN's overhead to BASE's per workload
 * (with `burn: 0.1` on BASE's kind, 1.10 is a perfect recovery).
 */
#ifndef PB_ESTIMATORS_H
#define PB_ESTIMATORS_H

#include <stdio.h>

/* Print the report to out. pair is "BURN:BASE" or NULL. Returns 0, or 2
 * with a message in err (unreadable file, bad pair). */
int pb_estimators_report(const char *path, const char *pair, FILE *out, char *err,
                         size_t errlen);

#endif
