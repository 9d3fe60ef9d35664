/*
 * instr.h: --metric instructions, the noise-free mode. The worker runs under
 * valgrind's callgrind with instrumentation and collection off from the
 * start (--instr-atstart=no --collect-atstart=no) and switches both on
 * around the measured region with callgrind's client requests
 * (CALLGRIND_START_INSTRUMENTATION + CALLGRIND_TOGGLE_COLLECT, and back),
 * so the count is the instructions executed from just before the backend's
 * start to just after its stop, all threads of the worker. The parent reads
 * the total from callgrind's output file ("totals:" line).
 *
 * Only backends whose behaviour does not depend on timers (PB_CAP_TIMER_FREE:
 * the unprofiled baseline and the tracing backends) have a meaningful count;
 * a sampler's work depends on how much time passes, which valgrind stretches
 * 10-50x, so the others are "n/a" in this mode, never a made-up number.
 * Perf counters (perf_event_open) would be the other way; they are not
 * available on the VMs this was built on.
 */
#ifndef PB_INSTR_H
#define PB_INSTR_H

#include <stddef.h>

/* valgrind's callgrind, found on PATH and able to run, and this binary built
 * with valgrind/callgrind.h. 1, or 0 with the reason. */
int pb_instr_available(char *err, size_t errlen);

/* The argv that runs argv under callgrind writing its counts to outfile
 * (argv's strings are copied; free each and the array). */
char **pb_instr_wrap(char *const *argv, const char *outfile);

/* Read the instruction count (event Ir) from a callgrind output file: its
 * "totals:" line, else its "summary:" line. 0, or -1 with a message. */
int pb_instr_read(const char *outfile, double *count, char *err, size_t errlen);

/* In the worker: switch counting on just before the region and off just
 * after it. No-ops (a few instructions) when not under valgrind. */
void pb_instr_region_begin(void);
void pb_instr_region_end(void);

#endif
