/* clock.c: wall and CPU clocks (see clock.h). */
#include "clock.h"

#include <sys/resource.h>
#include <time.h>

double pb_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double tv_seconds(const struct timeval *tv)
{
    return (double)tv->tv_sec + (double)tv->tv_usec * 1e-6;
}

static void rusage_times(int who, struct pb_cpu_times *out)
{
    struct rusage ru;
    if (getrusage(who, &ru) < 0) {
        out->user_s = out->sys_s = 0;
        return;
    }
    out->user_s = tv_seconds(&ru.ru_utime);
    out->sys_s = tv_seconds(&ru.ru_stime);
}

static double clock_seconds(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* getrusage() of a running thread lags by up to a scheduler tick (its
 * runtime is folded in at ticks and context switches), while the CPU-time
 * clocks include the time since. Take the total from the clock and the
 * kernel part from getrusage, so a difference of two readings is exact in
 * total and lags only in its (usually small) kernel share. */
static void split_times(clockid_t id, int who, struct pb_cpu_times *out)
{
    struct pb_cpu_times ru;
    rusage_times(who, &ru);
    double total = clock_seconds(id);
    out->sys_s = ru.sys_s < total ? ru.sys_s : total;
    out->user_s = total - out->sys_s;
}

void pb_thread_times(struct pb_cpu_times *out)
{
    split_times(CLOCK_THREAD_CPUTIME_ID, RUSAGE_THREAD, out);
}

void pb_process_times(struct pb_cpu_times *out)
{
    split_times(CLOCK_PROCESS_CPUTIME_ID, RUSAGE_SELF, out);
}
