/* fuzz_timings.c: libFuzzer target for the timings file the launcher driver
 * writes (launch.c, pb_launch_parse_timings). The first byte chooses the
 * number of phases, the rest is the file. Any input must be accepted or
 * refused with a message, never crash; an accepted file without an error
 * record has one region and every phase, all finite and not negative; a
 * failed phase index is one of the phases (the worker indexes with it);
 * thread and task records have a phase of the workload or -1, finite
 * durations and their names. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../harness/launch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    struct pb_launch l;
    memset(&l, 0, sizeof(l));
    l.nphases = 1 + data[0] % 4;
    snprintf(l.timings, sizeof(l.timings), "fuzz.timings");
    /* fmemopen refuses a zero size: an empty file is /dev/null. */
    FILE *f = size > 1 ? fmemopen((void *)(data + 1), size - 1, "r") : fopen("/dev/null", "r");
    if (!f)
        abort();
    char err[512];
    err[0] = '\0';
    int rc = pb_launch_parse_timings(&l, f, err, sizeof(err));
    fclose(f);
    /* The thread and task records the worker turns into truth keys: a phase
     * of the workload or -1, finite durations, names present. */
    for (size_t i = 0; rc == 0 && i < l.nthreads; i++)
        if (l.threads[i].phase < -1 || l.threads[i].phase >= (long)l.nphases ||
            !isfinite(l.threads[i].wall_s) || l.threads[i].wall_s < 0 ||
            !isfinite(l.threads[i].user_s) || l.threads[i].user_s < 0 ||
            !isfinite(l.threads[i].sys_s) || l.threads[i].sys_s < 0 || !l.threads[i].name[0])
            abort();
    for (size_t i = 0; rc == 0 && i < l.ntasks; i++)
        if (l.tasks[i].phase < -1 || l.tasks[i].phase >= (long)l.nphases ||
            !isfinite(l.tasks[i].wall_s) || l.tasks[i].wall_s < 0 || !l.tasks[i].name[0] ||
            !l.tasks[i].func[0] || !l.tasks[i].file || !l.tasks[i].file[0])
            abort();
    pb_launch_cleanup(&l);   /* frees the latency, thread and task lines */
    if (rc < 0) {
        if (!strstr(err, "timings file fuzz.timings"))
            abort();
        return 0;
    }
    if (l.failed_phase < -1 || l.failed_phase >= (long)l.nphases)
        abort();
    if (l.failed_phase == -1 && !l.error[0]) {
        if (!isfinite(l.wall_s) || l.wall_s < 0 || !isfinite(l.start_s) || !isfinite(l.stop_s))
            abort();
        for (size_t i = 0; i < l.nphases; i++)
            if (!isfinite(l.phase_wall_s[i]) || l.phase_wall_s[i] < 0 ||
                !isfinite(l.phase_user_s[i]) || l.phase_user_s[i] < 0 ||
                !isfinite(l.phase_sys_s[i]) || l.phase_sys_s[i] < 0)
                abort();
    }
    return 0;
}
