/*
 * tracer.h: the tracing engine shared by the deterministic and multiclock
 * backends. It records, per function and per thread, calls, inclusive and
 * self time, with C functions as entries of their own. Its events come from
 * one of two interpreter interfaces (the api):
 *   TRACER_API_SETPROFILE  a C profile function (the PyEval_SetProfile
 *                          family, PyTrace_CALL ... C_RETURN); every CPython
 *   TRACER_API_MONITORING  sys.monitoring (PEP 669) callbacks written in C;
 *                          CPython 3.12 and later
 * Both give the same calls on the same program (tests/unit/test_tracer.c).
 *
 * Clocks (what a tick is):
 *   TRACER_WALL   CLOCK_MONOTONIC
 *   TRACER_CPU    CLOCK_THREAD_CPUTIME_ID of the thread
 * Splitting into categories (multiclock):
 *   TRACER_SPLIT_NONE         self time of Python functions is python, of C
 *                             functions native; no system category
 *   TRACER_SPLIT_EVERY_EVENT  the thread's CPU clock is read at every event as
 *                             well (yappi's way): system = wall - cpu per frame
 *   TRACER_SPLIT_CHECKPOINT   the thread's user and kernel time are read only
 *                             at checkpoints: when a C call returns after more
 *                             than `threshold` of wall time (only C code can
 *                             block) and at least every `period` of wall time;
 *                             the kernel and off-CPU time since the previous
 *                             checkpoint is charged, as system, to the function
 *                             on top of the stack
 *
 * Everything runs with the GIL held (profile callbacks are called with it),
 * so the engine's state needs no lock. One tracer is active at a time.
 */
#ifndef PB_TRACER_H
#define PB_TRACER_H

#include <stddef.h>
#include <stdint.h>

#include "../harness/report.h"

enum tracer_clock { TRACER_WALL, TRACER_CPU };
enum tracer_split { TRACER_SPLIT_NONE, TRACER_SPLIT_EVERY_EVENT, TRACER_SPLIT_CHECKPOINT };
enum tracer_api { TRACER_API_SETPROFILE, TRACER_API_MONITORING };

struct tracer_config {
    enum tracer_api api;
    enum tracer_clock clock;
    enum tracer_split split;
    int builtins;              /* trace C function calls as their own entries */
    int64_t threshold_ns;      /* CHECKPOINT: C calls longer than this */
    int64_t period_ns;         /* CHECKPOINT: at least this often */
    double burn;               /* test use: at stop, busy-wait for this fraction
                                  of the traced time, a known overhead for
                                  testing regression gates (0: off) */
};

struct tracer;

/* 1 when this interpreter has api, else 0 with the reason in why ("api:
 * monitoring needs sys.monitoring (CPython 3.12 or later); this is 3.11"). */
int tracer_api_supported(enum tracer_api api, char *why, size_t whylen);
/* NULL with the reason in err (out of memory, api not supported, ...). */
struct tracer *tracer_new(const struct tracer_config *cfg, char *err, size_t errlen);
/* The rest take the tracer as void * so they fill the start, stop, collect
 * and destroy slots of struct pb_backend_ops directly. */
/* Install on every existing thread and on threads started by threading. */
int tracer_start(void *tracer, char *err, size_t errlen);
/* Remove from every thread; frames still open are closed at the stop time. */
int tracer_stop(void *tracer, char *err, size_t errlen);
/* Fill the report; a hot-path failure (out of memory) becomes the report's
 * note and an error. */
int tracer_collect(void *tracer, struct pb_report *out, char *err, size_t errlen);
void tracer_free(void *tracer);

#endif
