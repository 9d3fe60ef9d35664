/* clock.c: wall and CPU clocks (see clock.h). */
#include "clock.h"

#include <stddef.h>
#include <stdint.h>
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

/* 64 Ki entries of 8 bytes: larger than L1, within L2 or L3, so the walk
 * depends on the core and its caches as interpreted code does. */
#define PROBE_ENTRIES (1u << 16)
#define PROBE_STEPS (1u << 18)

static uint64_t probe_table[PROBE_ENTRIES];
static int probe_ready;

/* One cycle through every entry (Sattolo's shuffle), from a fixed seed: the
 * same work in every process. */
static void probe_build(void)
{
    uint64_t s = 0x9E3779B97F4A7C15ULL;
    for (uint64_t i = 0; i < PROBE_ENTRIES; i++)
        probe_table[i] = i;
    for (uint64_t i = PROBE_ENTRIES - 1; i > 0; i--) {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        uint64_t j = s % i, t = probe_table[i];
        probe_table[i] = probe_table[j];
        probe_table[j] = t;
    }
    probe_ready = 1;
}

double pb_speed_probe(void)
{
    if (!probe_ready)
        probe_build();
    volatile uint64_t sink;
    uint64_t k = 0, acc = 0;
    double t0 = pb_now();
    for (uint64_t i = 0; i < PROBE_STEPS; i++) {
        k = probe_table[k];
        acc += k * 2654435761u ^ (acc >> 3);
    }
    double t1 = pb_now();
    sink = acc;
    (void)sink;
    return t1 - t0;
}
