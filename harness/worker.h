/*
 * worker.h: the parent side of a worker run. Spawns the binary itself in
 * worker mode (see worker_main.h) in a process group of its own, reads its
 * messages (protocol.h), enforces the timeout, and turns every way a worker
 * can end into a struct pb_run: ok, or failed with a one-line reason
 * ("killed by SIGSEGV", "timeout after 30 s", the exception's last line).
 */
#ifndef PB_WORKER_H
#define PB_WORKER_H

#include <signal.h>
#include <stddef.h>

#include "accuracy.h"
#include "config.h"
#include "interpreter.h"
#include "util.h"

#define PB_VERSIONLEN 64

enum pb_run_status { PB_RUN_OK, PB_RUN_FAILED, PB_RUN_INTERRUPTED };

struct pb_run {
    enum pb_run_status status;
    char reason[512];               /* why it failed, "" when ok */
    int skipped;                    /* failed because the workload cannot run
                                       here (unittest.SkipTest at import) */
    int timed_out;                  /* failed by passing the timeout */
    double wall_s;                  /* measured region */
    double cpu_s;                   /* process user + sys in the region */
    double cpu_user_s, cpu_sys_s;
    double start_s, stop_s;         /* backend start() and stop() */
    double probe_before_s, probe_after_s;   /* pb_speed_probe() just before
                                               and after the region; NAN when
                                               the worker did not send them */
    /* A `server` workload (pyprof_bench.record_requests): the requests'
     * client-side latency, seconds, at the median, the 99th percentile and
     * the largest, and the requests completed per second of the serving
     * window (stats.h, pb_latency_summarise); NAN when the workload recorded
     * none (or a launcher tool ran it, whose process the worker cannot read). */
    double lat_p50_s, lat_p99_s, lat_max_s, throughput_rps;
    long maxrss_kb;                 /* peak RSS of the worker (wait4) */
    size_t nphases;
    double phase_wall_s[PB_MAX_PHASES];
    double phase_user_s[PB_MAX_PHASES];
    double phase_sys_s[PB_MAX_PHASES];
    int has_attr;                   /* the backend produced a report */
    struct pb_attribution attr;
    double collect_s;               /* report collection time */
    /* The sampler's own CPU and the thread samples it took (struct
     * pb_report); NAN when the backend cannot tell them apart. */
    double sampler_cpu_s, samples;
    char note[2048];                /* backend's note, "" when none */
    /* Threads started by the phases and coroutines decorated with
     * pyprof_bench.coroutine_truth, as this run measured them, with what
     * the backend gave each (attr_s, NAN without a report): as many as the
     * run had (no cap), malloc'd, freed by pb_run_release(). */
    size_t nthreads, ntasks;
    struct pb_key_rec *threads;
    struct pb_key_rec *tasks;
    char python[256];               /* sys.version of the worker */
    double elapsed_s;               /* whole worker lifetime, parent's view */
    double instructions;            /* --metric instructions: the region's
                                       instruction count; NAN otherwise */
};

/* Set by the caller's SIGINT/SIGTERM handler; a running worker is killed and
 * its run comes back PB_RUN_INTERRUPTED. */
extern volatile sig_atomic_t pb_worker_stop_requested;

/* Path of this binary (/proc/self/exe), resolved once at start-up. */
int pb_worker_init(const char *argv0, char *err, size_t errlen);

/* The interpreters of the axis (interpreter.h; not copied: they must outlive
 * the runs): a run of workload w is a worker of interps[w->interp], and the
 * probe and names workers run on interps[probe_on] (pb_worker_probe_on).
 * Each worker is given its interpreter's venv as PYPROF_BENCH_VENV. NULL (the
 * default): this binary with the environment as it is. */
void pb_worker_set_interpreters(const struct pb_interpreter *interps, size_t n);
void pb_worker_probe_on(size_t interp);

/* --metric instructions (instr.h): run every worker under callgrind and
 * count the region's instructions into pb_run.instructions. Timeouts are
 * multiplied by PB_INSTR_TIMEOUT_FACTOR (valgrind runs code 10-50x slower). */
#define PB_INSTR_TIMEOUT_FACTOR 20
void pb_worker_set_instructions(int on);

/* Run workload w under backend b (NULL: the unprofiled baseline). With
 * export_prefix, a backend that can export its profile writes
 * PREFIX.folded and PREFIX.speedscope.json. The worker's TMPDIR is a private
 * folder, PB_RUN_DIR_PREFIX... under the caller's TMPDIR (or /tmp), removed
 * with everything in it after the run however it ended (a worker killed at
 * its timeout cannot clean up its launcher's files); at a timeout, the
 * reason quotes the last line a launcher tool wrote there, else the
 * worker's own last output. */
#define PB_RUN_DIR_PREFIX "pyprof-bench-run."
void pb_worker_run(const struct pb_workload *w, const struct pb_backend_conf *b,
                   double timeout_s, const char *export_prefix, struct pb_run *out);

/* Ask a worker whether each kind can run here, within timeout_s. ok[i] = 1
 * or 0 with why[i] (each PB_ERRLEN bytes); version[i] the real tool's
 * version ("" when none or unknown). A kind the worker did not answer for
 * (it timed out or died in that kind's probe) is unavailable: "probe of
 * KIND timed out after N s" / "probe of KIND failed: ...". Returns 0, or
 * -1 when no probe could run (the worker could not start, Python could not
 * initialise, or pb_worker_stop_requested: "interrupted") with a message
 * in err. python receives the worker's sys.version. opts (NULL: none), with
 * one kind only: the options of the config entry, for a kind whose entries
 * name their own tool (entry_available, backend.h). */
int pb_worker_probe(const char *const *kinds, size_t n, const struct pb_options *opts,
                    double timeout_s, int *ok,
                    char (*why)[PB_ERRLEN], char (*version)[PB_VERSIONLEN], char *python,
                    size_t pylen, char *err, size_t errlen);

/* Parse each file in a worker (never running it) into out[i] (release each
 * with pb_module_names_release). Returns 0, or -1 with a message when the
 * worker failed, timed out or was interrupted ("interrupted"). */
int pb_worker_names(const char *const *files, size_t n, double timeout_s,
                    struct pb_module_names *out, char *err, size_t errlen);

#endif
