/*
 * external.c: external samplers found on PATH, austin and py-spy. Both read
 * a Python process's memory from outside; both are run as the program's
 * launcher (`austin ... python3 driver.py`, `py-spy record ... -- python3
 * driver.py`, see harness/launch.h), so their overhead is measured against
 * the launched baseline like scalene's.
 *
 * They sample the whole process, start-up included. The driver runs the
 * phases inside pyprof_bench.region.run_region (the region marker): a main-thread
 * sample counts only when its stack holds that frame, and its frames from
 * the marker down form the stack that is attributed. Samples of other
 * threads (each sample names its thread: austin's T<iid>:<tid>, py-spy's
 * --threads) are kept, by native TID, against the threads' truth the
 * driver records (launch.h): they only run while the
 * workload does.
 *
 * Both come from the profilers' venv (`make deps`, pip's py-spy and
 * austin-dist), whose bin/ the worker puts first on PATH (venv.h).
 * Availability is checked by running the tool on a short python3.11
 * program: a tool that cannot read it (Debian 12's austin 1.0.1, say) gives
 * a skipped row in the tool's own words. Neither tool tells Python from native or system
 * time in these modes, so their reports have no categories (CE n/a).
 */
#include "pyadapter.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../harness/backend.h"
#include "../harness/launch.h"
#include "../harness/pypkg_import.h"
#include "../harness/util.h"
#include "../harness/venv.h"


struct external {
    const char *tool;           /* "austin" or "py-spy" */
    double interval;
    int idle;                   /* count off-CPU samples too */
    int native;                 /* py-spy --native: C frames too */
    int nonblocking;            /* py-spy --nonblocking: never pause it */
    char *output;               /* the tool's samples, read after the run */
    size_t output_len;
    int relaunched;             /* times austin missed the interpreter */
    double tool_cpu_s;          /* the tool's own CPU over its run (launch.h,
                                   tree_cpu_s - process_cpu_s); NAN unknown */
};

static const struct pb_option_spec austin_options[] = {
    { "interval", PB_OPT_DURATION, "1ms", 0.00001, 1, NULL,
      "sampling interval (austin -i; its default is 100 us)" },
    { "idle", PB_OPT_BOOL, "true", 0, -1, NULL,
      "wall-time samples including idle threads; false: austin -s (CPU only)" },
    { NULL, 0, NULL, 0, 0, NULL, NULL },
};

static const struct pb_option_spec pyspy_options[] = {
    { "interval", PB_OPT_DURATION, "1ms", 0.0001, 1, NULL,
      "sampling interval (py-spy --rate 1/interval; its default is 100 Hz)" },
    { "idle", PB_OPT_BOOL, "true", 0, -1, NULL,
      "include idle (off-CPU) samples, py-spy --idle" },
    { "native", PB_OPT_BOOL, "false", 0, -1, NULL,
      "py-spy --native: C and C++ frames too (not with nonblocking)" },
    { "nonblocking", PB_OPT_BOOL, "false", 0, -1, NULL,
      "py-spy --nonblocking: read without pausing the program (may read torn stacks)" },
    { NULL, 0, NULL, 0, 0, NULL, NULL },
};

/* Run argv with output to log; 0 when it exited 0. The last line of its
 * output goes to msg either way. */
static int run_quiet(char *const argv[], const char *log, char *msg, size_t msglen)
{
    msg[0] = '\0';
    pid_t pid = fork();
    if (pid < 0)
        return pb_error(msg, msglen, "fork: %s", strerror(errno));
    if (pid == 0) {
        FILE *f = freopen(log, "w", stdout);
        if (!f || dup2(1, 2) < 0)
            _exit(127);
        execvp(argv[0], argv);
        printf("cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return pb_error(msg, msglen, "waitpid: %s", strerror(errno));
    FILE *f = fopen(log, "r");
    char line[512];
    while (f && fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\r\n")] = '\0';
        /* austin 3 ends with a coloured statistics block; keep plain lines */
        if (line[0] && !strchr(line, '\033'))
            pb_copy(msg, msglen, line);
    }
    if (f)
        fclose(f);
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
        return 0;
    if (WIFEXITED(st))
        snprintf(line, sizeof(line), "exit %d", WEXITSTATUS(st));
    else
        snprintf(line, sizeof(line), "signal %d", WIFSIGNALED(st) ? WTERMSIG(st) : 0);
    size_t n = strlen(msg);
    snprintf(msg + n, msglen - n, "%s(%s)", n ? " " : "", line);
    return -1;
}

static void tool_version(const char *tool, char *buf, size_t len)
{
    buf[0] = '\0';
    if (!pb_on_path(tool))
        return;
    char log[] = "/tmp/pyprof-bench-version.XXXXXX";
    int fd = mkstemp(log);
    if (fd < 0)
        return;
    close(fd);
    char *argv[] = { (char *)tool, (char *)"--version", NULL };
    char msg[128];
    if (run_quiet(argv, log, msg, sizeof(msg)) == 0) {
        const char *v = strrchr(msg, ' ');   /* "austin 3.7.0", "py-spy 0.3.14" */
        snprintf(buf, len, "%s", v ? v + 1 : msg);
    }
    unlink(log);
}

static void austin_version(char *buf, size_t len)
{
    tool_version("austin", buf, len);
}

static void pyspy_version(char *buf, size_t len)
{
    tool_version("py-spy", buf, len);
}

/* The tool's command line up to (not including) the program to run. */
static void tool_argv(const struct external *x, const char *output, char ***argv,
                      size_t *argc)
{
    char num[32];
    const char *items[16];
    size_t n = 0;
    if (!strcmp(x->tool, "austin")) {
        snprintf(num, sizeof(num), "%.0f", x->interval * 1e6 < 1 ? 1 : x->interval * 1e6);
        items[n++] = "austin";
        items[n++] = "-i";
        items[n++] = num;
        items[n++] = "-o";
        items[n++] = output;
        /* Its default 100 ms to find the interpreter is too short on a busy
         * machine ("... discover it automatically"). */
        items[n++] = "-t";
        items[n++] = "1000";
        if (!x->idle)
            items[n++] = "-s";
    } else {
        snprintf(num, sizeof(num), "%.0f", 1.0 / x->interval);
        items[n++] = "py-spy";
        items[n++] = "record";
        items[n++] = "--format";
        items[n++] = "raw";
        items[n++] = "--rate";
        items[n++] = num;
        items[n++] = "-o";
        items[n++] = output;
        /* py-spy 0.4 shortens file names to their package part by default:
         * the region marker and the phases are matched by full path. */
        items[n++] = "--full-filenames";
        /* Each stack's thread (its native TID) first: the threads' time is
         * then compared with their truth, as austin's is. */
        items[n++] = "--threads";
        if (x->idle)
            items[n++] = "--idle";
        if (x->native)
            items[n++] = "--native";
        if (x->nonblocking)
            items[n++] = "--nonblocking";
        items[n++] = "--";
    }
    for (size_t i = 0; i < n; i++) {
        *argv = pb_xrealloc(*argv, (*argc + 2) * sizeof(**argv));
        (*argv)[(*argc)++] = pb_xstrdup(items[i]);
        (*argv)[*argc] = NULL;
    }
}

static void free_argv(char **argv, size_t argc)
{
    for (size_t i = 0; i < argc; i++)
        free(argv[i]);
    free(argv);
}

/* Is the tool there? The cheap check of every run. */
static int external_available(const char *tool, char *why, size_t whylen)
{
    if (pb_on_path(tool))
        return 1;
    char failed[512];
    pb_venv_failure(!strcmp(tool, "austin") ? "austin-dist" : tool, failed, sizeof(failed));
    snprintf(why, whylen, "%s not found on PATH%s%s", tool, failed[0] ? ": " : "", failed);
    return 0;
}

/* Can the tool profile this machine's python3? Run it on a short program
 * (0.5 s or more, up to three times): the probe phase's check, once per job. */
static int external_probe(const char *tool, char *why, size_t whylen)
{
    char dir[] = "/tmp/pyprof-bench-probe.XXXXXX";
    if (!mkdtemp(dir)) {
        snprintf(why, whylen, "cannot make a temporary folder: %s", strerror(errno));
        return 0;
    }
    char out[128], log[128], msg[400];
    snprintf(out, sizeof(out), "%s/samples", dir);
    snprintf(log, sizeof(log), "%s/log", dir);
    struct external x = { tool, 0.001, 1, 0, 0, NULL, 0, 0, NAN };
    char **argv = NULL;
    size_t argc = 0;
    tool_argv(&x, out, &argv, &argc);
    const char *prog[] = { pb_python_exe(), "-c", "import time\ntime.sleep(0.5)", NULL };
    for (size_t i = 0; prog[i]; i++) {
        argv = pb_xrealloc(argv, (argc + 2) * sizeof(*argv));
        argv[argc++] = pb_xstrdup(prog[i]);
        argv[argc] = NULL;
    }
    /* Three tries: austin can miss the interpreter as it starts
     * ("... discover it automatically") and find it the next time; with two
     * tries, 7 of 41 austin-cpu runs and 3 of 48 austin runs of `make run`
     * failed so. */
    struct stat st;
    int ok = 0;
    for (int attempt = 0; attempt < 3 && !ok; attempt++) {
        unlink(out);
        int rc = run_quiet(argv, log, msg, sizeof(msg));
        ok = rc == 0 && stat(out, &st) == 0 && st.st_size > 0;
    }
    free_argv(argv, argc);
    if (!ok) {
        char version[64];
        tool_version(tool, version, sizeof(version));
        snprintf(why, whylen, "%s %s cannot profile %s: %s", tool,
                 version[0] ? version : "(version unknown)", pb_python_exe(),
                 msg[0] ? msg : "it wrote no samples");
    }
    unlink(out);
    unlink(log);
    rmdir(dir);
    return ok;
}

static int austin_available(char *why, size_t whylen)
{
    return external_available("austin", why, whylen);
}

static int austin_probe(char *why, size_t whylen)
{
    return external_probe("austin", why, whylen);
}

static int pyspy_available(char *why, size_t whylen)
{
    return external_available("py-spy", why, whylen);
}

static int pyspy_probe(char *why, size_t whylen)
{
    return external_probe("py-spy", why, whylen);
}

static int external_create(const char *tool, void **state, const struct pb_options *opts)
{
    struct external *x = pb_xcalloc(1, sizeof(*x));
    x->tool = tool;
    x->interval = pb_options_double(opts, "interval");
    x->tool_cpu_s = NAN;
    x->idle = pb_options_bool(opts, "idle");
    x->native = pb_options_get(opts, "native") && pb_options_bool(opts, "native");
    x->nonblocking = pb_options_get(opts, "nonblocking") && pb_options_bool(opts, "nonblocking");
    *state = x;
    return 0;
}

static int austin_create(void **state, const struct pb_options *opts, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    return external_create("austin", state, opts);
}

static int pyspy_create(void **state, const struct pb_options *opts, char *err, size_t errlen)
{
    if (pb_options_bool(opts, "native") && pb_options_bool(opts, "nonblocking"))
        return pb_error(err, errlen, "py-spy cannot read native frames with nonblocking "
                        "(choose native or nonblocking)");
    return external_create("py-spy", state, opts);
}

static int external_launch(void *state, struct pb_launch *job, char *err, size_t errlen)
{
    struct external *x = state;
    char out[400];
    snprintf(out, sizeof(out), "%s/samples", job->dir);
    char **argv = NULL;
    size_t argc = 0;
    tool_argv(x, out, &argv, &argc);
    argv = pb_xrealloc(argv, (argc + 2) * sizeof(*argv));
    argv[argc++] = pb_xstrdup(job->python_exe);
    argv[argc] = NULL;
    pb_launch_driver_args(job, "", &argv, &argc);
    int rc = pb_launch_exec(job, argv, err, errlen);
    /* austin can miss the interpreter as it starts even with -t 1000 (exit
     * 32, "... discover it automatically"; 4 runs in 55 once, 1 in 12 here
     * on a quiet machine): the program ran unobserved, so it is launched
     * again, at most twice more. */
    for (int again = 0; rc < 0 && again < 2 && !strcmp(x->tool, "austin") &&
                        strstr(err, "discover it automatically"); again++) {
        x->relaunched++;
        rc = pb_launch_exec(job, argv, err, errlen);
    }
    free_argv(argv, argc);
    if (rc < 0 || pb_launch_read_timings(job, err, errlen) < 0)
        return -1;
    x->tool_cpu_s = job->tree_cpu_s - job->process_cpu_s;   /* NAN propagates */
    if (x->tool_cpu_s < 0)
        x->tool_cpu_s = 0;
    if (job->failed_phase >= 0 || job->error[0])
        return 0;
    char *text;
    size_t len;
    if (pb_read_file(out, 0, &text, &len) < 0)
        return pb_error(err, errlen, "%s wrote no samples (%s)", x->tool, strerror(errno));
    free(x->output);
    x->output_len = len;
    x->output = text;
    return 0;
}

/* The thread samples (stacks) in the tool's whole output: py-spy's raw
 * format is one line per distinct stack with its count last; austin writes
 * a line per sample (its metric last). Comment lines start with '#'. */
static double count_samples(const char *tool, const char *text, size_t len)
{
    double n = 0;
    const char *end = text + len;
    for (const char *p = text; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *eol = nl ? nl : end;
        if (eol > p && *p != '#') {
            if (!strcmp(tool, "austin")) {
                n += 1;
            } else {
                const char *sp = eol;
                while (sp > p && sp[-1] != ' ')
                    sp--;
                n += strtod(sp, NULL);
            }
        }
        p = eol + 1;
    }
    return n;
}

static int external_collect(void *state, struct pb_report *out, char *err, size_t errlen)
{
    struct external *x = state;
    if (!x->output)
        return pb_error(err, errlen, "no %s samples to read", x->tool);
    /* Collapsed stacks -> rows, pyprof_bench.formats.collapsed (harness/py). */
    PyObject *fn = pb_pypkg_attr("pyprof_bench.formats.collapsed", "rows");
    PyObject *res = fn ? PyObject_CallFunction(fn, "sy#d", x->tool, x->output,
                                               (Py_ssize_t)x->output_len, x->interval)
                       : NULL;
    Py_XDECREF(fn);
    double total = 0;
    PyObject *rows = NULL;
    if (!res || !PyArg_ParseTuple(res, "dO", &total, &rows)) {
        Py_XDECREF(res);
        return pyad_error(err, errlen, "reading the samples");
    }
    Py_ssize_t n = PyList_Size(rows);
    for (Py_ssize_t i = 0; i < n; i++) {
        const char *file, *name;
        int line;
        unsigned long long tid;
        double inc, self;
        long samples;
        if (!PyArg_ParseTuple(PyList_GetItem(rows, i), "ssiKddl", &file, &name, &line, &tid,
                              &inc, &self, &samples))
            break;
        struct pb_report_entry *e = pb_report_add(out, file, line, name, tid);
        e->inclusive_s = inc;
        e->self_s = self;
        e->count = (uint64_t)samples;
    }
    Py_DECREF(res);
    if (PyErr_Occurred())
        return pyad_error(err, errlen, "reading the samples");
    out->total_s = total;
    out->categories = 0;
    /* The tool's process CPU and samples over its whole run, the program's
     * start and end included (not only the region). */
    out->sampler_cpu_s = x->tool_cpu_s;
    out->samples = count_samples(x->tool, x->output, x->output_len);
    char note[192], version[48];
    tool_version(x->tool, version, sizeof(version));
    snprintf(note, sizeof(note), "%s %s, launched, %s samples%s%s", x->tool,
             version[0] ? version : "?", x->idle ? "wall" : "cpu",
             x->native ? ", native" : "", x->nonblocking ? ", nonblocking" : "");
    if (x->relaunched)
        snprintf(note + strlen(note), sizeof(note) - strlen(note),
                 "; launched %d times: austin missed the interpreter", x->relaunched + 1);
    pb_report_set_note(out, note);
    return 0;
}

static void external_destroy(void *state)
{
    struct external *x = state;
    free(x->output);
    free(x);
}

static const char *external_clock(const struct pb_options *opts)
{
    return pb_options_bool(opts, "idle") ? "wall" : "cpu";
}

const struct pb_backend_ops pb_backend_austin = {
    .kind = "austin",
    .summary = "austin (pip austin-dist, frame stack sampler) as the program's launcher",
    .mechanism = "sampling",
    .categories = 0,
    .caps = PB_CAP_THREADS | PB_CAP_REPORT,
    .options = austin_options,
    .available = austin_available,
    .probe = austin_probe,
    .create = austin_create,
    .collect = external_collect,
    .destroy = external_destroy,
    .clock = external_clock,
    .launch = external_launch,
    .tool_version = austin_version,
};

const struct pb_backend_ops pb_backend_pyspy = {
    .kind = "py-spy",
    .summary = "py-spy record (pip py-spy) as the program's launcher",
    .mechanism = "sampling",
    .categories = 0,
    .caps = PB_CAP_REPORT,
    .options = pyspy_options,
    .available = pyspy_available,
    .probe = pyspy_probe,
    .create = pyspy_create,
    .collect = external_collect,
    .destroy = external_destroy,
    .clock = external_clock,
    .launch = external_launch,
    .tool_version = pyspy_version,
};
