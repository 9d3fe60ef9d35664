/* worker_main.c: the worker process (see worker_main.h). */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "worker_main.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "accuracy.h"
#include "backend.h"
#include "clock.h"
#include "config.h"
#include "fault.h"
#include "instr.h"
#include "launch.h"
#include "protocol.h"
#include "pypkg_import.h"
#include "reach.h"
#include "run_codec.h"
#include "stats.h"
#include "util.h"
#include "venv.h"

#ifndef PB_PYTHON_EXE
#define PB_PYTHON_EXE "/usr/bin/python3"
#endif

struct worker_args {
    const char *mode;               /* "run", "probe" or "names" */
    int fd;
    const char *file;
    const char *phase_spec[PB_MAX_PHASES];   /* "FUNC=LITERAL" */
    size_t nphases;
    const char *backends[64];
    size_t nbackends;
    const char *opts[64];                    /* "KEY=VALUE" */
    size_t nopts;
    const char *export_prefix;               /* write the profile here */
    int instructions;                        /* --metric instructions */
    const char *reach_map;                   /* reach.h: the workload's map */
    const char *reach_error;                 /* or why calibration failed */
    const char *files[64];                   /* names: every --file */
    size_t nfiles;
};

/* The package's modules the worker uses (harness/py/pyprof_bench, pypkg.h),
 * imported once the interpreter starts. */
static PyObject *loader;       /* pyprof_bench.loader */
static PyObject *truth;        /* pyprof_bench.truth (run mode) */
static PyObject *phase_cell;   /* truth.current_phase, owned */

/* ---------------------------------------------------------------- output */

static int out_fd = -1;
static int in_run;   /* a run worker (not the probe): where pipe-close faults go */

/* Write one complete line (a pb_line_sink of run_codec.h). */
static void write_line(const char *line, size_t len, void *ctx)
{
    (void)ctx;
    if (in_run && pb_fault_pipe_close()) {
        /* A worker dying in the middle of a write: half a line, then EOF. */
        if (pb_write_all(out_fd, line, len / 2) < 0)
            _exit(3);
        close(out_fd);
        out_fd = -1;
    }
    if (pb_write_all(out_fd, line, len) < 0) {
        /* The parent is gone; nobody is left to tell. */
        _exit(3);
    }
}

static void send_line(struct pb_strbuf *sb)
{
    pb_proto_end(sb);
    write_line(sb->buf, sb->len, NULL);
    pb_strbuf_release(sb);
}

static void send_error(const char *stage, const char *text)
{
    struct pb_strbuf sb = PB_STRBUF_INIT;
    pb_proto_begin(&sb, "error");
    pb_proto_add_str(&sb, "stage", stage);
    pb_proto_add_str(&sb, "text", text);
    send_line(&sb);
}

/* The pending Python exception as one line ("ValueError: boom"), cleared. */
static void take_py_error(char *buf, size_t len)
{
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    snprintf(buf, len, "unknown python error");
    if (!type)
        goto out;
    PyObject *line = loader ? PyObject_CallMethod(loader, "last_line", "OO", type,
                                                  value ? value : Py_None)
                            : NULL;
    const char *s = line ? PyUnicode_AsUTF8(line) : NULL;
    if (s)
        snprintf(buf, len, "%s", s);
    else if (PyExceptionClass_Check(type))
        snprintf(buf, len, "%s", ((PyTypeObject *)type)->tp_name);
    Py_XDECREF(line);
    PyErr_Clear();
out:
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
}

/* ---------------------------------------------------------------- python */

/* fixed_hash: string hashing with a fixed seed (0) instead of a random one,
 * so that repeated runs execute the same instructions (--metric
 * instructions); Python's default otherwise. */
static int python_start(const char *script, int fixed_hash, char *err, size_t errlen)
{
    PyConfig config;
    /* Isolated: no PYTHON* environment, no user site, no script directory on
     * sys.path; Debian's site still adds /usr/lib/python3/dist-packages. The
     * program name points at the interpreter matching the linked libpython so
     * the prefix (and sys.executable, which scalene needs) is Debian's; when
     * the profilers' venv exists (venv.h) it is the venv's python3.11, so
     * Python takes the venv as its prefix and its site-packages. */
    PyConfig_InitIsolatedConfig(&config);
    config.write_bytecode = 0;
    if (fixed_hash) {
        config.use_hash_seed = 1;
        config.hash_seed = 0;
    }
    config.install_signal_handlers = 1;
    PyStatus st = PyConfig_SetBytesString(&config, &config.program_name, pb_python_exe());
    if (!PyStatus_Exception(st)) {
        char *argv[] = { (char *)(script ? script : "") };
        st = PyConfig_SetBytesArgv(&config, 1, argv);
    }
    if (!PyStatus_Exception(st))
        st = Py_InitializeFromConfig(&config);
    PyConfig_Clear(&config);
    if (PyStatus_Exception(st))
        return pb_error(err, errlen, "cannot initialise python: %s",
                        st.err_msg ? st.err_msg : "unknown error");
    loader = pb_pypkg_import("pyprof_bench.loader");
    if (!loader) {
        char why[PB_ERRLEN];
        take_py_error(why, sizeof(why));
        return pb_error(err, errlen, "cannot import the harness's python package: %s", why);
    }
    return 0;
}

static int python_stop(void)
{
    Py_CLEAR(phase_cell);
    Py_CLEAR(truth);
    Py_CLEAR(loader);
    return Py_FinalizeEx();
}

/* ---------------------------------------------------------------- run */

struct phase {
    PyObject *func;
    PyObject *args;
    char *file;          /* co_filename, owned */
    char *name;          /* co_name, owned */
    double wall_s;
    struct pb_cpu_times cpu;
};

static int resolve_phases(PyObject *mod, const struct worker_args *a, struct phase *ph,
                          char *err, size_t errlen)
{
    PyObject *fn = PyObject_GetAttrString(loader, "phase");
    int rc = fn ? 0 : -1;
    for (size_t i = 0; i < a->nphases && rc == 0; i++) {
        const char *spec = a->phase_spec[i];
        const char *eq = strchr(spec, '=');
        if (!eq) {
            Py_DECREF(fn);
            return pb_error(err, errlen, "bad --phase '%s'", spec);
        }
        PyObject *r = PyObject_CallFunction(fn, "Os#s", mod, spec, (Py_ssize_t)(eq - spec),
                                            eq + 1);
        const char *file, *name;
        if (!r || !PyArg_ParseTuple(r, "OOss", &ph[i].func, &ph[i].args, &file, &name)) {
            Py_XDECREF(r);
            rc = -1;
            break;
        }
        Py_INCREF(ph[i].func);
        Py_INCREF(ph[i].args);
        ph[i].file = pb_xstrdup(file);
        ph[i].name = pb_xstrdup(name);
        Py_DECREF(r);
    }
    Py_XDECREF(fn);
    if (rc < 0) {
        char why[PB_ERRLEN];
        take_py_error(why, sizeof(why));
        return pb_error(err, errlen, "%s", why);
    }
    return 0;
}

static void release_phases(struct phase *ph, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        Py_XDECREF(ph[i].func);
        Py_XDECREF(ph[i].args);
        free(ph[i].file);
        free(ph[i].name);
    }
}

/* Threads and coroutines are measured from Python (install_truth() in the
 * pyprof_bench.truth): every threading.Thread's life and every call of a coroutine
 * function decorated with pyprof_bench.coroutine_truth. */
static int install_truth(char *err, size_t errlen)
{
    truth = pb_pypkg_import("pyprof_bench.truth");
    PyObject *r = truth ? PyObject_CallMethod(truth, "install", NULL) : NULL;
    if (!r) {
        char why[PB_ERRLEN];
        take_py_error(why, sizeof(why));
        return pb_error(err, errlen, "cannot install the thread truth: %s", why);
    }
    Py_DECREF(r);
    phase_cell = PyObject_GetAttrString(truth, "current_phase");
    if (!phase_cell || !PyList_Check(phase_cell)) {
        PyErr_Clear();
        return pb_error(err, errlen, "cannot install the thread truth");
    }
    return 0;
}

/* Tell the truth recorders which phase runs now. */
static void set_current_phase(long i)
{
    pb_reach_set_phase(i);
    PyObject *v = phase_cell ? PyLong_FromLong(i) : NULL;
    if (v && PyList_SetItem(phase_cell, 0, v) < 0)
        PyErr_Clear();
}

/* Thread and coroutine keys of this run, read from pyprof_bench.truth's records:
 * as many keys as the run had, and every native TID of each thread key. */
struct tid_list {
    unsigned long *tid;
    size_t n, cap;
};

struct keys {
    struct pb_key_rec *thread;             /* malloc'd, nthreads */
    size_t nthreads;
    struct tid_list *tids;                 /* native TIDs of each thread key */
    size_t tids_cap;
    struct pb_key_rec *task;               /* malloc'd, ntasks */
    size_t ntasks;
    char **task_file, **task_func;         /* owned, ntasks each */
    size_t task_cap;
};

static void tid_add(struct tid_list *l, unsigned long tid)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 16;
        l->tid = pb_xrealloc(l->tid, l->cap * sizeof(*l->tid));
    }
    l->tid[l->n++] = tid;
}

static void read_keys(struct keys *k)
{
    memset(k, 0, sizeof(*k));
    PyObject *th = truth ? PyObject_GetAttrString(truth, "thread_records") : NULL;
    for (Py_ssize_t i = 0; th && i < PyList_Size(th); i++) {
        long phase;
        const char *name;
        unsigned long tid;
        double wall, user, sys;
        if (!PyArg_ParseTuple(PyList_GetItem(th, i), "lskddd", &phase, &name, &tid, &wall,
                              &user, &sys)) {
            PyErr_Clear();
            continue;
        }
        long at = pb_key_find(k->thread, k->nthreads, phase, name);
        if (at < 0) {
            struct pb_key_rec *r = pb_key_append(&k->thread, &k->nthreads);
            at = (long)k->nthreads - 1;
            r->phase = phase;
            snprintf(r->name, PB_KEY_NAME, "%s", name);
            if (k->nthreads > k->tids_cap) {
                size_t cap = k->tids_cap ? 2 * k->tids_cap : 8;
                k->tids = pb_xrealloc(k->tids, cap * sizeof(*k->tids));
                memset(k->tids + k->tids_cap, 0, (cap - k->tids_cap) * sizeof(*k->tids));
                k->tids_cap = cap;
            }
        }
        struct pb_key_rec *r = &k->thread[at];
        r->count++;
        r->wall_s += wall;
        r->user_s += user;
        r->sys_s += sys;
        tid_add(&k->tids[at], tid);
    }
    Py_XDECREF(th);
    PyErr_Clear();
    PyObject *ta = truth ? PyObject_GetAttrString(truth, "task_records") : NULL;
    for (Py_ssize_t i = 0; ta && i < PyList_Size(ta); i++) {
        long phase;
        const char *name, *file, *func;
        double wall;
        if (!PyArg_ParseTuple(PyList_GetItem(ta, i), "lsssd", &phase, &name, &file, &func,
                              &wall)) {
            PyErr_Clear();
            continue;
        }
        /* A coroutine function is one entry in a profile whatever phase
         * awaited it: its key is its name alone (phase -1). */
        long at = pb_key_find(k->task, k->ntasks, -1, name);
        if (at < 0) {
            struct pb_key_rec *r = pb_key_append(&k->task, &k->ntasks);
            at = (long)k->ntasks - 1;
            r->phase = -1;
            snprintf(r->name, PB_KEY_NAME, "%s", name);
            if (k->ntasks > k->task_cap) {
                k->task_cap = k->task_cap ? 2 * k->task_cap : 8;
                k->task_file = pb_xrealloc(k->task_file, k->task_cap * sizeof(char *));
                k->task_func = pb_xrealloc(k->task_func, k->task_cap * sizeof(char *));
            }
            k->task_file[at] = pb_xstrdup(file);
            k->task_func[at] = pb_xstrdup(func);
        }
        k->task[at].count++;
        k->task[at].wall_s += wall;
    }
    Py_XDECREF(ta);
    PyErr_Clear();
}

static void release_keys(struct keys *k)
{
    for (size_t i = 0; i < k->ntasks; i++) {
        free(k->task_file[i]);
        free(k->task_func[i]);
    }
    for (size_t i = 0; i < k->nthreads; i++)
        free(k->tids[i].tid);
    free(k->tids);
    free(k->task_file);
    free(k->task_func);
    free(k->thread);
    free(k->task);
    memset(k, 0, sizeof(*k));
}

/* The latency figures of the requests the phases recorded with
 * pyprof_bench.record_requests (every call's latencies together, over the
 * sum of their windows); NAN when none were recorded. */
static void read_requests(struct pb_latency *out)
{
    out->p50_s = out->p99_s = out->max_s = out->throughput_rps = NAN;
    PyObject *rr = truth ? PyObject_GetAttrString(truth, "request_records") : NULL;
    Py_ssize_t nrec = rr ? PyList_Size(rr) : 0;
    if (nrec <= 0) {
        Py_XDECREF(rr);
        PyErr_Clear();
        return;
    }
    double *lat = NULL, window = 0;
    size_t n = 0;
    for (Py_ssize_t i = 0; i < nrec; i++) {
        PyObject *lst;
        double w;
        if (!PyArg_ParseTuple(PyList_GetItem(rr, i), "O!d", &PyList_Type, &lst, &w)) {
            PyErr_Clear();
            continue;
        }
        Py_ssize_t m = PyList_Size(lst);
        lat = pb_xrealloc(lat, (n + (size_t)m + 1) * sizeof(double));
        for (Py_ssize_t j = 0; j < m; j++)
            lat[n++] = PyFloat_AsDouble(PyList_GetItem(lst, j));
        window += w;
    }
    Py_DECREF(rr);
    PyErr_Clear();
    pb_latency_summarise(lat, n, window, out);
    free(lat);
}

/* What the backend gave each key: a thread key every entry of its threads
 * (self seconds), a coroutine key the inclusive seconds of its function.
 * Thread seconds leave R_other. */
static void attribute_keys(const struct pb_report *report, struct keys *k,
                           struct pb_attribution *attr)
{
    double sum_threads = 0;
    for (size_t t = 0; t < k->nthreads; t++) {
        double sec = pb_thread_seconds(report, k->tids[t].tid, k->tids[t].n);
        k->thread[t].attr_s = sec;
        sum_threads += sec;
    }
    attr->other_s -= sum_threads;
    if (attr->other_s < 0) {
        attr->total_s -= attr->other_s;
        attr->other_s = 0;
    }
    if (k->ntasks) {
        struct pb_phase_ident *ids = pb_xcalloc(k->ntasks, sizeof(*ids));
        for (size_t t = 0; t < k->ntasks; t++) {
            ids[t].file = k->task_file[t];
            ids[t].name = k->task_func[t];
        }
        /* pb_attribute() takes at most PB_MAX_PHASES identities at a time;
         * each one's inclusive seconds do not depend on the others. */
        for (size_t t0 = 0; t0 < k->ntasks; t0 += PB_MAX_PHASES) {
            size_t m = k->ntasks - t0 < PB_MAX_PHASES ? k->ntasks - t0 : PB_MAX_PHASES;
            struct pb_attribution ta;
            pb_attribute(report, ids + t0, m, &ta);
            for (size_t t = 0; t < m; t++)
                k->task[t0 + t].attr_s = ta.phase_s[t];
        }
        free(ids);
    }
}

/* The measured region as either path saw it. */
struct region {
    double wall_s, start_s, stop_s, cpu_user_s, cpu_sys_s;
    double probe_before_s, probe_after_s;   /* pb_speed_probe() around it */
    struct pb_latency lat;              /* the requests the phases recorded */
    long failed_phase;                  /* -1 when every phase returned */
    char phase_error[PB_ERRLEN];
};

/* What the in-process region calls in C, as Python callables for
 * pyprof_bench.region.run_region (harness/py): the backend's start and
 * stop, the clocks (clock.h) and the phase tracker. One region per worker. */
static struct {
    const struct pb_backend_ops *ops;
    void *state;
    int started;              /* stop() still owed */
    const char *failed;       /* "start" or "stop" when that call failed */
    char err[PB_ERRLEN];
} region_ctl;

static PyObject *region_start(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    pb_instr_region_begin();
    if (region_ctl.ops->start(region_ctl.state, region_ctl.err, sizeof(region_ctl.err)) < 0) {
        pb_instr_region_end();
        region_ctl.failed = "start";
        PyErr_SetString(PyExc_RuntimeError, region_ctl.err);
        return NULL;
    }
    region_ctl.started = 1;
    if (PyErr_Occurred())
        PyErr_Clear();
    Py_RETURN_NONE;
}

static PyObject *region_stop(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    region_ctl.started = 0;
    int rc = region_ctl.ops->stop(region_ctl.state, region_ctl.err, sizeof(region_ctl.err));
    pb_instr_region_end();
    if (rc < 0) {
        region_ctl.failed = "stop";
        PyErr_SetString(PyExc_RuntimeError, region_ctl.err);
        return NULL;
    }
    if (PyErr_Occurred())
        PyErr_Clear();
    Py_RETURN_NONE;
}

static PyObject *region_now(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    return PyFloat_FromDouble(pb_now());
}

static PyObject *region_thread_times(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    struct pb_cpu_times t;
    pb_thread_times(&t);
    return Py_BuildValue("(dd)", t.user_s, t.sys_s);
}

static PyObject *region_process_times(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    struct pb_cpu_times t;
    pb_process_times(&t);
    return Py_BuildValue("(dd)", t.user_s, t.sys_s);
}

static PyObject *region_on_phase(PyObject *self, PyObject *arg)
{
    (void)self;
    long i = PyLong_AsLong(arg);
    if (i == -1 && PyErr_Occurred())
        return NULL;
    set_current_phase(i);
    Py_RETURN_NONE;
}

static PyMethodDef region_calls[] = {
    { "pb_region_start", region_start, METH_NOARGS, NULL },
    { "pb_region_stop", region_stop, METH_NOARGS, NULL },
    { "pb_now", region_now, METH_NOARGS, NULL },
    { "pb_thread_times", region_thread_times, METH_NOARGS, NULL },
    { "pb_process_times", region_process_times, METH_NOARGS, NULL },
    { "pb_on_phase", region_on_phase, METH_O, NULL },
};
#define NREGION_CALLS (sizeof(region_calls) / sizeof(region_calls[0]))

/* The phase's exception as one line ("ValueError: boom"). */
static void exception_line(PyObject *exc, char *buf, size_t len)
{
    PyObject *line = PyObject_CallMethod(loader, "last_line", "OO", (PyObject *)Py_TYPE(exc),
                                         exc);
    const char *s = line ? PyUnicode_AsUTF8(line) : NULL;
    snprintf(buf, len, "%s", s ? s : Py_TYPE(exc)->tp_name);
    Py_XDECREF(line);
    PyErr_Clear();
}

/* Read run_region's answer: ((wall, start, stop, user, sys), [(wall, user,
 * sys)...], None or (index, exception)). */
static int read_region(PyObject *r, struct phase *ph, size_t nphases, struct region *reg)
{
    PyObject *times, *failed;
    if (!PyArg_ParseTuple(r, "(ddddd)O!O", &reg->wall_s, &reg->start_s, &reg->stop_s,
                          &reg->cpu_user_s, &reg->cpu_sys_s, &PyList_Type, &times, &failed))
        return -1;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(times) && (size_t)i < nphases; i++)
        if (!PyArg_ParseTuple(PyList_GET_ITEM(times, i), "ddd", &ph[i].wall_s,
                              &ph[i].cpu.user_s, &ph[i].cpu.sys_s))
            return -1;
    reg->failed_phase = -1;
    if (failed != Py_None) {
        long idx;
        PyObject *exc;
        if (!PyArg_ParseTuple(failed, "lO", &idx, &exc) || idx < 0 || (size_t)idx >= nphases) {
            if (!PyErr_Occurred())
                PyErr_SetString(PyExc_ValueError, "run_region named no such phase");
            return -1;
        }
        char why[PB_ERRLEN];
        exception_line(exc, why, sizeof(why));
        reg->failed_phase = idx;
        pb_error(reg->phase_error, sizeof(reg->phase_error), "%s: %s", ph[idx].name, why);
    }
    return 0;
}

/* The usual path: the backend starts and stops in this process, around the
 * phases run on this thread by pyprof_bench.region.run_region (the launched
 * driver's region runner too). *started tells the caller whether stop() is
 * still owed after a failure; *stage becomes the call that failed ("start"
 * or "stop"). */
static int run_in_process(const struct pb_backend_ops *ops, void *state, struct phase *ph,
                          size_t nphases, struct region *reg, int *started,
                          const char **stage, char *err, size_t errlen)
{
    memset(&region_ctl, 0, sizeof(region_ctl));
    region_ctl.ops = ops;
    region_ctl.state = state;
    PyObject *calls[NREGION_CALLS] = { NULL };
    PyObject *run = pb_pypkg_attr("pyprof_bench.region", "run_region");
    PyObject *phases = PyList_New((Py_ssize_t)nphases), *r = NULL;
    int ok = run && phases;
    for (size_t i = 0; ok && i < NREGION_CALLS; i++)
        ok = (calls[i] = PyCFunction_New(&region_calls[i], NULL)) != NULL;
    for (size_t i = 0; ok && i < nphases; i++) {
        PyObject *pair = PyTuple_Pack(2, ph[i].func, ph[i].args);
        ok = pair && PyList_SetItem(phases, (Py_ssize_t)i, pair) == 0;
    }
    int rc = -1;
    if (!ok) {
        char why[PB_ERRLEN];
        take_py_error(why, sizeof(why));
        pb_error(err, errlen, "cannot prepare the region: %s", why);
        goto out;
    }
    reg->probe_before_s = pb_speed_probe();
    /* ---- measured region (run_region) ---- */
    r = PyObject_CallFunctionObjArgs(run, calls[0], calls[1], phases, calls[2], calls[3],
                                     calls[4], calls[5], NULL);
    /* ---- end of measured region ---- */
    *started = region_ctl.started;
    if (!r && region_ctl.failed) {
        PyErr_Clear();
        *stage = region_ctl.failed;
        pb_error(err, errlen, "%s", region_ctl.err);
        goto out;
    }
    if (!r || read_region(r, ph, nphases, reg) < 0) {
        char why[PB_ERRLEN];
        take_py_error(why, sizeof(why));
        pb_error(err, errlen, "the region runner failed: %s", why);
        goto out;
    }
    reg->probe_after_s = pb_speed_probe();
    read_requests(&reg->lat);
    rc = 0;
out:
    Py_XDECREF(r);
    for (size_t i = 0; i < NREGION_CALLS; i++)
        Py_XDECREF(calls[i]);
    Py_XDECREF(phases);
    Py_XDECREF(run);
    return rc;
}

/* Append one record to the truth module's list `list`. */
static void add_truth_record(const char *list, PyObject *rec)
{
    PyObject *l = truth && rec ? PyObject_GetAttrString(truth, list) : NULL;
    if (!l || PyList_Append(l, rec) < 0)
        PyErr_Clear();
    Py_XDECREF(l);
    Py_XDECREF(rec);
}

/* The launched program's thread and coroutine records (its driver's truth)
 * join the worker's own lists, which read_keys() reads for either kind of
 * run. */
static void add_launched_truth(const struct pb_launch *job)
{
    for (size_t i = 0; i < job->nthreads; i++) {
        const struct pb_launch_thread *t = &job->threads[i];
        add_truth_record("thread_records",
                         Py_BuildValue("(lskddd)", t->phase, t->name, t->tid, t->wall_s,
                                       t->user_s, t->sys_s));
    }
    for (size_t i = 0; i < job->ntasks; i++) {
        const struct pb_launch_task *t = &job->tasks[i];
        add_truth_record("task_records", Py_BuildValue("(lsssd)", t->phase, t->name, t->file,
                                                       t->func, t->wall_s));
    }
    PyErr_Clear();
}

/* A launcher tool: the phases run in the tool's process (launch.h), whose
 * driver times the same region and reports the per-phase figures and the
 * threads' and coroutines' truth. */
static int run_launched(const struct pb_backend_ops *ops, void *state,
                        const struct worker_args *a, struct phase *ph, struct region *reg,
                        char *err, size_t errlen)
{
    struct pb_launch job;
    memset(&job, 0, sizeof(job));
    job.python_exe = pb_python_exe();
    job.workload_file = a->file;
    job.nphases = a->nphases;
    char *specs[PB_MAX_PHASES] = { NULL };
    for (size_t i = 0; i < a->nphases; i++) {
        specs[i] = pb_xstrdup(a->phase_spec[i]);
        char *eq = strchr(specs[i], '=');   /* checked by resolve_phases() */
        *eq = '\0';
        job.phase_func[i] = specs[i];
        job.phase_args[i] = eq + 1;
    }
    int rc = pb_launch_prepare(&job, err, errlen);
    /* The tool's process starts after the probe and ends before the second
     * one: the probes bracket its region with its start-up in between. */
    reg->probe_before_s = pb_speed_probe();
    if (rc == 0)
        rc = ops->launch(state, &job, err, errlen);
    reg->probe_after_s = pb_speed_probe();
    if (rc == 0) {
        reg->wall_s = job.wall_s;
        reg->start_s = job.start_s;
        reg->stop_s = job.stop_s;
        reg->cpu_user_s = job.cpu_user_s;
        reg->cpu_sys_s = job.cpu_sys_s;
        reg->failed_phase = job.failed_phase;
        pb_latency_summarise(job.latency, job.nlatency, job.window_s, &reg->lat);
        add_launched_truth(&job);
        if (job.failed_phase >= 0)
            snprintf(reg->phase_error, sizeof(reg->phase_error), "%.100s: %.400s",
                     ph[job.failed_phase].name, job.error);
        else if (job.failed_phase == -1 && job.error[0])
            rc = pb_error(err, errlen, "the launched program failed: %s", job.error);
        for (size_t i = 0; i < a->nphases; i++) {
            ph[i].wall_s = job.phase_wall_s[i];
            ph[i].cpu.user_s = job.phase_user_s[i];
            ph[i].cpu.sys_s = job.phase_sys_s[i];
        }
    }
    pb_launch_cleanup(&job);
    for (size_t i = 0; i < a->nphases; i++)
        free(specs[i]);
    return rc;
}

/* The backend's options: its defaults, then each --opt KEY=VALUE. 0, or -1
 * with the reason in err. */
static int entry_options(const struct worker_args *a, const struct pb_backend_ops *ops,
                         struct pb_options *opts, char *err, size_t errlen)
{
    if (pb_options_init_defaults(opts, ops->options, err, errlen) < 0)
        return -1;
    for (size_t i = 0; i < a->nopts; i++) {
        char *kv = pb_xstrdup(a->opts[i]);
        char *eq = strchr(kv, '=');
        int rc = eq ? (*eq = '\0', pb_options_set(opts, kv, eq + 1, err, errlen))
                    : pb_error(err, errlen, "bad --opt '%s'", kv);
        free(kv);
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* A `main: __main__` workload: its file is run as a script inside the
 * region, so it is not imported (executed) before. */
static int runs_as_script(const struct worker_args *a)
{
    return a->nphases == 1 && !strncmp(a->phase_spec[0], PB_MAIN_SCRIPT "=",
                                       strlen(PB_MAIN_SCRIPT "="));
}

static int worker_run(const struct worker_args *a)
{
    char err[PB_ERRLEN];
    const char *stage = "setup";
    struct phase ph[PB_MAX_PHASES];
    memset(ph, 0, sizeof(ph));
    struct pb_options opts = { NULL, 0 };
    struct pb_report report;
    pb_report_init(&report);
    void *state = NULL;
    int created = 0, started = 0, status = 1;
    PyObject *mod = NULL;
    struct pb_strbuf sb = PB_STRBUF_INIT;
    struct keys keys;
    int keys_read = 0;

    if (a->nbackends != 1 || !a->file) {
        send_error(stage, "worker needs --file and exactly one --backend");
        return 2;
    }
    const struct pb_backend_ops *ops = pb_backend_find(a->backends[0]);
    if (!ops) {
        snprintf(err, sizeof(err), "unknown backend kind '%s'", a->backends[0]);
        send_error(stage, err);
        return 2;
    }
    if (entry_options(a, ops, &opts, err, sizeof(err)) < 0)
        goto fail;

    stage = "python";
    if (python_start(a->file, a->instructions, err, sizeof(err)) < 0)
        goto fail;

    pb_run_emit_hello(Py_GetVersion(), (long)getpid(), write_line, NULL);
    if (install_truth(err, sizeof(err)) < 0)
        goto fail;

    stage = "import";
    mod = PyObject_CallMethod(loader, "load", "si", a->file,
                                !runs_as_script(a));
    if (!mod) {
        /* unittest.SkipTest at import: the workload cannot run on this
         * machine (numpy missing, say); a skip, not a failure. */
        PyObject *type, *value, *tb;
        PyErr_Fetch(&type, &value, &tb);
        PyObject *r = type ? PyObject_CallMethod(loader, "is_skip", "O", type) : NULL;
        int skip = r && PyObject_IsTrue(r) == 1;
        Py_XDECREF(r);
        PyErr_Clear();
        PyErr_Restore(type, value, tb);
        take_py_error(err, sizeof(err));
        if (skip) {
            const char *colon = strstr(err, ": ");
            if (colon)
                memmove(err, colon + 2, strlen(colon + 2) + 1);
            stage = "skip";
        }
        goto fail;
    }
    if (resolve_phases(mod, a, ph, err, sizeof(err)) < 0)
        goto fail;

    stage = "available";
    if ((ops->available && !ops->available(err, sizeof(err))) ||
        (ops->entry_available && !ops->entry_available(&opts, err, sizeof(err))))
        goto fail;
    stage = "create";
    int create_rc = ops->create(&state, &opts, err, sizeof(err));
    if (create_rc == PB_CREATE_SKIP)
        stage = "skip";
    if (create_rc != 0)
        goto fail;
    created = 1;

    struct region reg;
    if (ops->launch) {
        stage = "launch";
        if (run_launched(ops, state, a, ph, &reg, err, sizeof(err)) < 0)
            goto fail;
    } else {
        stage = "start";
        if (run_in_process(ops, state, ph, a->nphases, &reg, &started, &stage, err,
                           sizeof(err)) < 0)
            goto fail;
    }
    if (reg.failed_phase >= 0) {
        stage = "phase";
        snprintf(err, sizeof(err), "%s", reg.phase_error);
        goto fail;
    }

    stage = "collect";
    pb_fault_scope(PB_FAULT_SCOPE_REPORT);
    double c0 = pb_now();
    if (ops->collect(state, &report, err, sizeof(err)) < 0 ||
        pb_report_check(&report, err, sizeof(err)) < 0)
        goto fail;
    double collect_s = pb_now() - c0;
    stage = "export";
    if (a->export_prefix && ops->export_profile &&
        ops->export_profile(state, a->export_prefix, err, sizeof(err)) < 0)
        goto fail;

    struct pb_phase_ident ids[PB_MAX_PHASES];
    for (size_t i = 0; i < a->nphases; i++) {
        ids[i].file = ph[i].file;
        ids[i].name = ph[i].name;
    }
    struct pb_attribution attr;
    pb_reach_attribute(&report, ids, a->nphases, a->reach_map, a->reach_error, &attr);
    read_keys(&keys);
    keys_read = 1;
    if (ops->caps & PB_CAP_REPORT)
        attribute_keys(&report, &keys, &attr);

    /* What the parent gets (run_codec.h decodes it): the figures only;
     * the parent adds status, rusage and timings. */
    static struct pb_run run;
    memset(&run, 0, sizeof(run));
    run.nphases = a->nphases;
    for (size_t i = 0; i < a->nphases; i++) {
        run.phase_wall_s[i] = ph[i].wall_s;
        run.phase_user_s[i] = ph[i].cpu.user_s;
        run.phase_sys_s[i] = ph[i].cpu.sys_s;
    }
    run.wall_s = reg.wall_s;
    run.cpu_user_s = reg.cpu_user_s;
    run.cpu_sys_s = reg.cpu_sys_s;
    run.start_s = reg.start_s;
    run.stop_s = reg.stop_s;
    run.probe_before_s = reg.probe_before_s;
    run.probe_after_s = reg.probe_after_s;
    run.lat_p50_s = reg.lat.p50_s;
    run.lat_p99_s = reg.lat.p99_s;
    run.lat_max_s = reg.lat.max_s;
    run.throughput_rps = reg.lat.throughput_rps;
    run.has_attr = (ops->caps & PB_CAP_REPORT) != 0;
    run.attr = attr;
    run.collect_s = collect_s;
    run.sampler_cpu_s = report.sampler_cpu_s;
    run.samples = report.samples;
    run.nthreads = keys.nthreads;
    run.threads = keys.thread;   /* still owned by keys */
    run.ntasks = keys.ntasks;
    run.tasks = keys.task;
    pb_copy(run.note, sizeof(run.note), report.note ? report.note : "");
    pb_run_emit(&run, write_line, NULL);
    pb_fault_scope(PB_FAULT_SCOPE_NONE);
    status = 0;
    goto out;

fail:
    pb_fault_scope(PB_FAULT_SCOPE_NONE);
    send_error(stage, err);
out:
    if (started)
        ops->stop(state, err, sizeof(err));
    if (created)
        ops->destroy(state);
    if (keys_read)
        release_keys(&keys);
    pb_report_release(&report);
    pb_options_release(&opts);
    release_phases(ph, a->nphases);
    Py_XDECREF(mod);
    if (Py_IsInitialized() && python_stop() < 0 && status == 0) {
        send_error("finalize", "python finalisation failed");
        status = 1;
    }
    if (status == 0) {
        pb_proto_begin(&sb, "done");
        send_line(&sb);
    }
    return status;
}

static int worker_probe(const struct worker_args *a)
{
    char err[PB_ERRLEN];
    if (python_start(NULL, 0, err, sizeof(err)) < 0) {
        send_error("python", err);
        return 1;
    }
    struct pb_strbuf sb = PB_STRBUF_INIT;
    pb_run_emit_hello(Py_GetVersion(), (long)getpid(), write_line, NULL);
    for (size_t i = 0; i < a->nbackends; i++) {
        const struct pb_backend_ops *ops = pb_backend_find(a->backends[i]);
        char why[PB_ERRLEN] = "", version[64] = "";
        int ok = 0;
#ifdef PB_FAULT_INJECTION
        /* Test build: PB_TEST_PROBE_HANG=KIND makes that kind's probe hang,
         * for the probe timeout and Ctrl-C while probing (e2e tests). */
        const char *hang = getenv("PB_TEST_PROBE_HANG");
        while (hang && !strcmp(hang, a->backends[i]))
            pause();
#endif
        struct pb_options opts = { NULL, 0 };
        if (!ops)
            snprintf(why, sizeof(why), "unknown backend kind");
        else
            ok = ops->available ? ops->available(why, sizeof(why)) : 1;
        if (ok && ops->entry_available) {
            /* The entry's options (--opt, one backend only). */
            ok = entry_options(a, ops, &opts, why, sizeof(why)) == 0 &&
                 ops->entry_available(&opts, why, sizeof(why));
        }
        if (ok && ops->probe)
            ok = ops->probe(why, sizeof(why));
        if (ok && ops->tool_version)
            ops->tool_version(version, sizeof(version));
        if (ok && ops->entry_version)
            ops->entry_version(&opts, version, sizeof(version));
        pb_options_release(&opts);
        if (PyErr_Occurred())
            PyErr_Clear();
        pb_proto_begin(&sb, "probe");
        pb_proto_add_str(&sb, "kind", a->backends[i]);
        pb_proto_add_long(&sb, "ok", ok);
        pb_proto_add_str(&sb, "why", why);
        pb_proto_add_str(&sb, "version", version);
        send_line(&sb);
    }
    int rc = python_stop() < 0 ? 1 : 0;
    pb_proto_begin(&sb, "done");
    send_line(&sb);
    return rc;
}

/* `names`: the top-level names of each --file, parsed, not run (the config
 * checks, config.h). One "names" line per file: file, complete (0/1),
 * callables and values (space-separated), error (why it could not be
 * parsed, "" when it was). */
static int worker_names(const struct worker_args *a)
{
    char err[PB_ERRLEN];
    if (python_start(NULL, 0, err, sizeof(err)) < 0) {
        send_error("python", err);
        return 1;
    }
    struct pb_strbuf sb = PB_STRBUF_INIT;
    PyObject *fn = pb_pypkg_attr("pyprof_bench.names", "top_names");
    if (!fn) {
        char why[PB_ERRLEN];
        take_py_error(why, sizeof(why));
        send_error("python", why);
        python_stop();
        return 1;
    }
    for (size_t i = 0; i < a->nfiles; i++) {
        const char *callables = "", *values = "";
        int complete = 0;
        char why[PB_ERRLEN] = "";
        PyObject *r = PyObject_CallFunction(fn, "s", a->files[i]);
        if (!r || !PyArg_ParseTuple(r, "ssp", &callables, &values, &complete)) {
            take_py_error(why, sizeof(why));
            callables = values = "";
        }
        pb_proto_begin(&sb, "names");
        pb_proto_add_str(&sb, "file", a->files[i]);
        pb_proto_add_long(&sb, "complete", complete);
        pb_proto_add_str(&sb, "callables", callables);
        pb_proto_add_str(&sb, "values", values);
        pb_proto_add_str(&sb, "error", why);
        send_line(&sb);
        Py_XDECREF(r);
    }
    Py_DECREF(fn);
    int rc = python_stop() < 0 ? 1 : 0;
    pb_proto_begin(&sb, "done");
    send_line(&sb);
    return rc;
}

static int parse_args(int argc, char **argv, struct worker_args *a)
{
    memset(a, 0, sizeof(*a));
    a->fd = -1;
    if (argc < 3)
        return -1;
    a->mode = argv[2];
    for (int i = 3; i < argc; i++) {
        const char *k = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            return -1;
        i++;
        if (!strcmp(k, "--fd")) {
            long fd;
            if (pb_parse_long(v, &fd) < 0 || fd < 0 || fd > 1 << 20)
                return -1;
            a->fd = (int)fd;
        }
        else if (!strcmp(k, "--file")) {
            a->file = v;
            if (a->nfiles < 64)
                a->files[a->nfiles++] = v;
        }
        else if (!strcmp(k, "--phase") && a->nphases < PB_MAX_PHASES)
            a->phase_spec[a->nphases++] = v;
        else if (!strcmp(k, "--backend") && a->nbackends < 64)
            a->backends[a->nbackends++] = v;
        else if (!strcmp(k, "--opt") && a->nopts < 64)
            a->opts[a->nopts++] = v;
        else if (!strcmp(k, "--metric"))
            a->instructions = !strcmp(v, "instructions");
        else if (!strcmp(k, "--export"))
            a->export_prefix = v;
        else if (!strcmp(k, "--reach-map"))
            a->reach_map = v;
        else if (!strcmp(k, "--reach-error"))
            a->reach_error = v;
        else
            return -1;
    }
    return a->fd >= 0 ? 0 : -1;
}

int pb_worker_main(int argc, char **argv)
{
    struct worker_args a;
    if (parse_args(argc, argv, &a) < 0) {
        fprintf(stderr, "pyprof-bench: bad worker command line (internal use only)\n");
        return 2;
    }
    out_fd = a.fd;
    /* Launched tools and their version probes run from the venv's bin/. */
    pb_venv_activate();
    if (!strcmp(a.mode, "run")) {
        in_run = 1;
        return worker_run(&a);
    }
    if (!strcmp(a.mode, "probe"))
        return worker_probe(&a);
    if (!strcmp(a.mode, "names"))
        return worker_names(&a);
    fprintf(stderr, "pyprof-bench: unknown worker mode '%s'\n", a.mode);
    return 2;
}
