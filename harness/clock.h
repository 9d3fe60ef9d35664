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

#endif
