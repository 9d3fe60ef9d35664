/*
 * clock.h: the clocks the harness measures with.
 *
 * Wall time is CLOCK_MONOTONIC. CPU time: the total from the thread's or
 * process's CPU-time clock (exact, nanoseconds), the kernel part from
 * getrusage(2) (which lags a running thread by up to a scheduler tick), the
 * user part the rest.
 */
#ifndef PB_CLOCK_H
#define PB_CLOCK_H

struct pb_cpu_times {
    double user_s;
    double sys_s;
};

/* Seconds on CLOCK_MONOTONIC. */
double pb_now(void);
/* CPU times of the calling thread (RUSAGE_THREAD). */
void pb_thread_times(struct pb_cpu_times *out);
/* CPU times of the whole process, every thread (RUSAGE_SELF). */
void pb_process_times(struct pb_cpu_times *out);

/* The machine's current speed: wall seconds this thread takes for a fixed
 * piece of work (a dependent walk through a 512 KiB table, about 1-3 ms
 * here). The worker runs it just before and just after the measured region,
 * outside it, so that the overhead estimator can see a slow period of the
 * machine (docs/METHOD.md, "Overhead"). The first call also builds the
 * table (not timed). */
double pb_speed_probe(void);

#endif
