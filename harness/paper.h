/*
 * paper.h: a published table of overheads (a paper's median and max slowdown
 * per profiler) and the section of summary.md that puts this run's figures
 * beside it. The figures live in a data file named by the config's `paper:`
 * key (configs/papers/scalene-osdi23.txt); docs/USAGE.md "Paper table".
 *
 * The file is lines of text; `#` starts a comment line, blank lines are
 * ignored, every other line is KEY = VALUE:
 *
 *   citation = Berger, Stern, Pizzuti. ... OSDI 2023, Table 3.
 *   setup = CPython 3.10.9, 8-core Ryzen 7, ...
 *   row = PROFILER | BACKEND | MEDIAN | MAX | MAX_ON
 *
 * citation and setup once each (citation required); one row per profiler
 * (at least one, at most PB_PAPER_MAX_ROWS): its name in the paper, the
 * backend of the config that runs it (empty: none here), the paper's median
 * slowdown (a number > 0, an optional trailing "x"), its max (empty where the
 * paper gives none) and the benchmark of the max (optional).
 */
#ifndef PB_PAPER_H
#define PB_PAPER_H

#include <stddef.h>

#include "util.h"

#define PB_PAPER_MAX_ROWS 64

struct pb_paper_row {
    char profiler[64];
    char backend[64];     /* "" when no backend runs it */
    double median;
    double max;           /* NAN where the paper gives none */
    char max_on[64];      /* the benchmark of the max, "" when not given */
};

struct pb_paper {
    char citation[512];
    char setup[512];
    struct pb_paper_row rows[PB_PAPER_MAX_ROWS];
    size_t nrows;
};

/* Parse data (len bytes, NUL not needed); name is used in messages
 * ("NAME:LINE: ..."). Returns 0, or -1 with the message in err. */
int pb_paper_parse(const char *name, const char *data, size_t len, struct pb_paper *paper,
                   char *err, size_t errlen);
/* Read and parse the file at path. */
int pb_paper_load(const char *path, struct pb_paper *paper, char *err, size_t errlen);

/* Median and max of a backend's overhead over n workloads, each given as its
 * ratio with an interval (lo, hi; NAN when the cell has none). The median
 * and the max are increasing in every argument, so the interval of each is
 * the same statistic of the lo's and of the hi's: if every workload's true
 * ratio is inside its interval, the true median and max are inside theirs.
 * Intervals are NAN when any workload lacks one. argmax: the index of the
 * largest ratio. n >= 1. */
struct pb_paper_stats {
    double median, median_lo, median_hi;
    double max, max_lo, max_hi;
    size_t argmax;
};
void pb_paper_stats(const double *ratio, const double *lo, const double *hi, size_t n,
                    struct pb_paper_stats *st);

#endif
