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

void pb_thread_times(struct pb_cpu_times *out)
{
    rusage_times(RUSAGE_THREAD, out);
}

void pb_process_times(struct pb_cpu_times *out)
{
    rusage_times(RUSAGE_SELF, out);
}
