/* progress.c: progress on stderr (see progress.h). */
#include "progress.h"

#include <stdio.h>
#include <unistd.h>

#include "clock.h"
#include "util.h"

void pb_progress_init(struct pb_progress *p, size_t total, int quiet)
{
    p->quiet = quiet;
    p->tty = pb_isatty_fd(STDERR_FILENO);
    p->color = pb_use_color(STDERR_FILENO);
    p->total = total;
    p->t0 = pb_now();
    p->drawn = 0;
}

static void fmt_time(char *buf, size_t len, double s)
{
    if (s < 0 || s != s)
        s = 0;
    long t = (long)(s + 0.5);
    snprintf(buf, len, "%ld:%02ld", t / 60, t % 60);
}

void pb_progress_start(struct pb_progress *p, size_t i, const char *workload,
                       const char *backend)
{
    if (p->quiet || !p->tty)
        return;
    double el = pb_now() - p->t0;
    char e[48], eta[48] = "?";
    fmt_time(e, sizeof(e), el);
    if (i > 1)
        fmt_time(eta, sizeof(eta), el / (double)(i - 1) * (double)(p->total - i + 1));
    fprintf(stderr, "\r\033[Krun %zu/%zu  %s / %s  %s elapsed, ETA %s", i, p->total,
            workload, backend, e, eta);
    fflush(stderr);
    p->drawn = 1;
}

void pb_progress_end(struct pb_progress *p, size_t i, const char *workload,
                     const char *backend, int ok, const char *status, double seconds)
{
    if (p->quiet)
        return;
    if (p->tty) {
        if (ok)
            return;
        /* Failures stay on screen above the progress line. */
        fprintf(stderr, "\r\033[K%s%s / %s failed: %s%s\n", p->color ? "\033[31m" : "",
                workload, backend, status, p->color ? "\033[0m" : "");
        p->drawn = 0;
        return;
    }
    fprintf(stderr, "run %zu/%zu %s/%s %s %.2f s\n", i, p->total, workload, backend,
            ok ? "ok" : status, seconds);
}

void pb_progress_calibration(struct pb_progress *p, const char *workload, int ok,
                             const char *status, double seconds)
{
    if (p->quiet)
        return;
    if (ok < 0) {
        if (p->tty) {
            fprintf(stderr, "\r\033[Kcalibrating %s ...", workload);
            fflush(stderr);
            p->drawn = 1;
        }
        return;
    }
    if (p->tty && ok)
        return;
    fprintf(stderr, "%scalibrating %s %s%s %.2f s\n", p->tty ? "\r\033[K" : "", workload,
            ok ? "ok" : "failed (flat profiles not mapped): ", ok ? "" : status, seconds);
    if (p->tty)
        p->drawn = 0;
}

void pb_progress_finish(struct pb_progress *p)
{
    if (p->drawn && !p->quiet) {
        fprintf(stderr, "\r\033[K");
        fflush(stderr);
    }
    p->drawn = 0;
}
