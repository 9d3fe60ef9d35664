/* sysinfo.c: read the machine's description from /proc and /sys. */
#include "sysinfo.h"

#include <gnu/libc-version.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

static int read_first_line(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    if (!fgets(buf, (int)len, f)) {
        fclose(f);
        return -1;
    }
    fclose(f);
    buf[strcspn(buf, "\n")] = '\0';
    return 0;
}

static void read_cpu_model(char *buf, size_t len)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[512];
    snprintf(buf, len, "unknown");
    if (!f)
        return;
    while (fgets(line, sizeof(line), f)) {
        if (strncmp(line, "model name", 10))
            continue;
        char *colon = strchr(line, ':');
        if (colon) {
            colon++;
            while (*colon == ' ' || *colon == '\t')
                colon++;
            colon[strcspn(colon, "\n")] = '\0';
            snprintf(buf, len, "%s", colon);
        }
        break;
    }
    fclose(f);
}

static void read_affinity(struct pb_sysinfo *si)
{
    cpu_set_t set;
    si->affinity[0] = '\0';
    si->affinity_count = 0;
    if (sched_getaffinity(0, sizeof(set), &set) < 0)
        return;
    si->affinity_count = CPU_COUNT(&set);
    size_t off = 0;
    for (int c = 0; c < CPU_SETSIZE && off + 16 < sizeof(si->affinity); c++) {
        if (!CPU_ISSET(c, &set))
            continue;
        int end = c;
        while (end + 1 < CPU_SETSIZE && CPU_ISSET(end + 1, &set))
            end++;
        off += (size_t)snprintf(si->affinity + off, sizeof(si->affinity) - off, "%s%d",
                                off ? "," : "", c);
        if (end > c)
            off += (size_t)snprintf(si->affinity + off, sizeof(si->affinity) - off, "-%d",
                                    end);
        c = end;
    }
}

static void read_turbo(char *buf, size_t len)
{
    char v[32];
    buf[0] = '\0';
    if (read_first_line("/sys/devices/system/cpu/intel_pstate/no_turbo", v, sizeof(v)) == 0)
        snprintf(buf, len, "%s", atoi(v) ? "off" : "on");
    else if (read_first_line("/sys/devices/system/cpu/cpufreq/boost", v, sizeof(v)) == 0)
        snprintf(buf, len, "%s", atoi(v) ? "on" : "off");
}

void pb_sysinfo_read(struct pb_sysinfo *si)
{
    memset(si, 0, sizeof(*si));
    read_cpu_model(si->cpu_model, sizeof(si->cpu_model));
    si->cpu_count = (int)sysconf(_SC_NPROCESSORS_ONLN);
    read_affinity(si);
    struct utsname u;
    if (uname(&u) == 0)
        snprintf(si->kernel, sizeof(si->kernel), "%s %s %s", u.sysname, u.release, u.machine);
    if (gethostname(si->hostname, sizeof(si->hostname)) < 0)
        si->hostname[0] = '\0';
    si->hostname[sizeof(si->hostname) - 1] = '\0';
    if (read_first_line("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor",
                        si->governor, sizeof(si->governor)) < 0)
        si->governor[0] = '\0';
    read_turbo(si->turbo, sizeof(si->turbo));
    char v[128];
    si->loadavg1 = -1;
    if (read_first_line("/proc/loadavg", v, sizeof(v)) == 0)
        si->loadavg1 = atof(v);
    si->perf_max_sample_rate = -1;
    if (read_first_line("/proc/sys/kernel/perf_event_max_sample_rate", v, sizeof(v)) == 0)
        si->perf_max_sample_rate = atol(v);
    snprintf(si->libc, sizeof(si->libc), "glibc %s", gnu_get_libc_version());
}
