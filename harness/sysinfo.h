/*
 * sysinfo.h: what makes two result files comparable: the machine, its
 * settings at the start of the run, and the software measured.
 */
#ifndef PB_SYSINFO_H
#define PB_SYSINFO_H

struct pb_sysinfo {
    char cpu_model[128];
    int cpu_count;             /* online CPUs */
    int affinity_count;        /* CPUs this process may run on */
    char affinity[128];        /* "0-1" style list */
    char kernel[256];          /* uname -srm */
    char hostname[64];
    char governor[32];         /* cpu0 scaling governor, "" unreadable */
    char turbo[32];            /* "on", "off" or "" unreadable */
    double loadavg1;           /* 1-minute load average at start */
    long perf_max_sample_rate; /* -1 unreadable */
    char libc[32];
};

void pb_sysinfo_read(struct pb_sysinfo *si);

#endif
