/*
 * progress.h: the progress display on stderr. On a terminal one line is
 * redrawn in place ("run 12/120  mixed / sampling  0:14 elapsed, ETA 1:40");
 * otherwise each finished run is a plain line. Quiet mode prints nothing.
 */
#ifndef PB_PROGRESS_H
#define PB_PROGRESS_H

#include <stddef.h>

struct pb_progress {
    int quiet;
    int tty;          /* stderr is a terminal: redraw in place */
    int color;        /* colour allowed (tty and NO_COLOR unset) */
    size_t total;
    double t0;
    int drawn;        /* a line is on screen that must be cleared */
};

void pb_progress_init(struct pb_progress *p, size_t total, int quiet);
/* Run i (1-based) of workload/backend is starting. */
void pb_progress_start(struct pb_progress *p, size_t i, const char *workload,
                       const char *backend);
/* Run i ended; status is "ok" or a failure reason. */
void pb_progress_end(struct pb_progress *p, size_t i, const char *workload,
                     const char *backend, int ok, const char *status, double seconds);
/* A calibration run of workload (reach.h), not counted among the runs:
 * starting (ok < 0: "calibrating W ..."), or ended (ok 1, or 0 with the
 * reason in status) after seconds. */
void pb_progress_calibration(struct pb_progress *p, const char *workload, int ok,
                             const char *status, double seconds);
/* Clear the in-place line, if any. */
void pb_progress_finish(struct pb_progress *p);

#endif
