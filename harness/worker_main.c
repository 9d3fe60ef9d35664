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

/* Python helpers, defined once in a private namespace. Kept in Python
 * because they are outside every measured region. */
static const char helper_src[] =
    "import sys, os, ast, importlib.util, runpy, traceback\n"
    "def load(path, execute):\n"
    "    name = os.path.splitext(os.path.basename(path))[0] or 'workload'\n"
    "    d = os.path.dirname(path)\n"
    "    if d not in sys.path:\n"
    "        sys.path.insert(0, d)\n"
    "    sys.argv = [path]\n"
    "    if not os.path.isfile(path):\n"
    "        raise FileNotFoundError(f'workload file not found: {path}')\n"
    "    spec = importlib.util.spec_from_file_location(name, path)\n"
    "    if spec is None or spec.loader is None:\n"
    "        raise ImportError(f'cannot load {path} as a Python module')\n"
    "    mod = importlib.util.module_from_spec(spec)\n"
    "    if execute:\n"
    "        sys.modules[name] = mod\n"
    "        spec.loader.exec_module(mod)\n"
    "    return mod\n"
    PB_RUN_SCRIPT_PY
    "def phase(mod, fname, literal):\n"
    "    if fname == '" PB_MAIN_SCRIPT "':\n"
    "        path = mod.__file__\n"
    "        argv = tuple(ast.literal_eval(literal))\n"
    "        return (lambda: run_script(path, argv), (), path, '<module>')\n"
    "    f = getattr(mod, fname, None)\n"
    "    if f is None:\n"
    "        raise AttributeError(f'workload {mod.__file__} has no function {fname!r}')\n"
    "    if not callable(f):\n"
    "        raise TypeError(f'{fname!r} in {mod.__file__} is not callable')\n"
    "    args = ast.literal_eval(literal)\n"
    "    code = getattr(f, '__code__', None)\n"
    "    return (f, tuple(args), code.co_filename if code else '',\n"
    "            code.co_name if code else fname)\n"
    "def is_skip(t):\n"
    "    u = sys.modules.get('unittest')\n"
    "    return u is not None and isinstance(t, type) and issubclass(t, u.SkipTest)\n"
    "# Truth of threads and coroutines, recorded by the worker in every run\n"
    "# (baseline and profiled): see install_truth().\n"
    "current_phase = [-1]\n"
    "thread_records = []\n"
    "task_records = []\n"
    "request_records = []\n"
    "def install_truth():\n"
    "    import threading, resource, time, types, functools\n"
    "    RU, mono, rusage = resource.RUSAGE_THREAD, time.monotonic, resource.getrusage\n"
    "    orig = threading.Thread._bootstrap_inner\n"
    "    # Wraps the whole life of every threading.Thread (subclasses too). The\n"
    "    # record is appended before the thread's state is released, so a join()\n"
    "    # that returned has it.\n"
    "    # pyprof_bench.native_ids: threading.get_ident() -> native TID of every\n"
    "    # thread seen, for adapters whose tool names threads by ident (yappi).\n"
    "    native_ids = {threading.get_ident(): threading.get_native_id()}\n"
    "    def _bootstrap_inner(self):\n"
    "        native_ids[threading.get_ident()] = threading.get_native_id()\n"
    "        p = current_phase[0]\n"
    "        r0 = rusage(RU); t0 = mono()\n"
    "        try:\n"
    "            orig(self)\n"
    "        finally:\n"
    "            t1 = mono(); r1 = rusage(RU)\n"
    "            thread_records.append((p, self.name, threading.get_native_id(), t1 - t0,\n"
    "                                   r1.ru_utime - r0.ru_utime, r1.ru_stime - r0.ru_stime))\n"
    "    threading.Thread._bootstrap_inner = _bootstrap_inner\n"
    "    # `from pyprof_bench import coroutine_truth`: the wall time of each call of\n"
    "    # a decorated coroutine function, awaits included (the task view).\n"
    "    def coroutine_truth(f):\n"
    "        code = f.__code__\n"
    "        @functools.wraps(f)\n"
    "        async def timed(*a, **k):\n"
    "            p = current_phase[0]\n"
    "            t0 = mono()\n"
    "            try:\n"
    "                return await f(*a, **k)\n"
    "            finally:\n"
    "                task_records.append((p, f.__qualname__, code.co_filename, code.co_name,\n"
    "                                     mono() - t0))\n"
    "        return timed\n"
    "    # `pyprof_bench.record_requests(latencies_s, window_s)`: a server\n"
    "    # workload's client-side latencies (seconds) and serving window\n"
    "    # (seconds), read by the worker after the region (read_requests()).\n"
    "    def record_requests(latencies_s, window_s):\n"
    "        request_records.append(([float(x) for x in latencies_s], float(window_s)))\n"
    "    m = types.ModuleType('pyprof_bench')\n"
    "    m.coroutine_truth = coroutine_truth\n"
    "    m.record_requests = record_requests\n"
    "    m.native_ids = native_ids\n"
    "    sys.modules['pyprof_bench'] = m\n"
    "def last_line(t, v):\n"
    "    return traceback.format_exception_only(t, v)[-1].strip()\n"
    "# The names a file defines at its top level, found by parsing it, never\n"
    "# running it (the config checks): (callables, values, complete). values\n"
    "# are only ever assigned a literal; complete is False when the module can\n"
    "# define names no parse sees (star import, globals(), exec, __getattr__).\n"
    "def top_names(path):\n"
    "    with open(path, 'rb') as f:\n"
    "        tree = ast.parse(f.read(), path)\n"
    "    defs, values, other = set(), set(), set()\n"
    "    complete = [True]\n"
    "    lit = (ast.Constant, ast.List, ast.Tuple, ast.Dict, ast.Set, ast.JoinedStr,\n"
    "           ast.ListComp, ast.DictComp, ast.SetComp)\n"
    "    def targets(t, out):\n"
    "        if isinstance(t, ast.Name): out.add(t.id)\n"
    "        elif isinstance(t, (ast.Tuple, ast.List)):\n"
    "            for e in t.elts: targets(e, out)\n"
    "        elif isinstance(t, ast.Starred): targets(t.value, out)\n"
    "    def walk(body):\n"
    "        for s in body:\n"
    "            if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):\n"
    "                defs.add(s.name)\n"
    "                if s.name == '__getattr__': complete[0] = False\n"
    "                continue\n"
    "            if isinstance(s, (ast.Import, ast.ImportFrom)):\n"
    "                for a in s.names:\n"
    "                    if a.name == '*': complete[0] = False\n"
    "                    else: defs.add(a.asname or a.name.split('.')[0])\n"
    "            elif isinstance(s, ast.Assign):\n"
    "                for t in s.targets: targets(t, values if isinstance(s.value, lit) else other)\n"
    "            elif isinstance(s, (ast.AnnAssign, ast.AugAssign, ast.For, ast.AsyncFor)):\n"
    "                targets(s.target, other)\n"
    "            elif isinstance(s, (ast.With, ast.AsyncWith)):\n"
    "                for i in s.items:\n"
    "                    if i.optional_vars is not None: targets(i.optional_vars, other)\n"
    "            for field in ('body', 'orelse', 'finalbody'):\n"
    "                walk(getattr(s, field, []) or [])\n"
    "            for h in getattr(s, 'handlers', []) or []:\n"
    "                if h.name: other.add(h.name)\n"
    "                walk(h.body)\n"
    "            for c in getattr(s, 'cases', []) or []:\n"
    "                walk(c.body)\n"
    "    walk(tree.body)\n"
    "    for n in ast.walk(tree):\n"
    "        if isinstance(n, ast.NamedExpr): targets(n.target, other)\n"
    "        if isinstance(n, ast.Global): complete[0] = False\n"
    "        if isinstance(n, ast.Name) and n.id in ('globals', 'exec', 'vars', 'setattr'):\n"
    "            complete[0] = False\n"
    "    callables = defs | other\n"
    "    return (' '.join(sorted(callables)), ' '.join(sorted(values - callables)),\n"
    "            complete[0])\n";

static PyObject *helpers;   /* dict of the helper namespace */
static PyObject *phase_cell;   /* helpers' current_phase list, borrowed */

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
    PyObject *fn = helpers ? PyDict_GetItemString(helpers, "last_line") : NULL;
    PyObject *line = fn ? PyObject_CallFunctionObjArgs(fn, type, value ? value : Py_None, NULL)
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
    PyObject *main_mod = PyImport_AddModule("__main__");   /* borrowed */
    helpers = PyDict_New();
    if (!main_mod || !helpers)
        return pb_error(err, errlen, "cannot initialise python helpers");
    PyDict_SetItemString(helpers, "__builtins__", PyEval_GetBuiltins());
    PyObject *r = PyRun_String(helper_src, Py_file_input, helpers, helpers);
    if (!r) {
        char why[PB_ERRLEN];
        take_py_error(why, sizeof(why));
        return pb_error(err, errlen, "cannot initialise python helpers: %s", why);
    }
    Py_DECREF(r);
    return 0;
}

static int python_stop(void)
{
    phase_cell = NULL;
    Py_CLEAR(helpers);
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
    PyObject *fn = PyDict_GetItemString(helpers, "phase");
    for (size_t i = 0; i < a->nphases; i++) {
        const char *spec = a->phase_spec[i];
        const char *eq = strchr(spec, '=');
        if (!eq)
            return pb_error(err, errlen, "bad --phase '%s'", spec);
        PyObject *r = PyObject_CallFunction(fn, "Os#s", mod, spec, (Py_ssize_t)(eq - spec),
                                            eq + 1);
        if (!r) {
            char why[PB_ERRLEN];
            take_py_error(why, sizeof(why));
            return pb_error(err, errlen, "%s", why);
        }
        const char *file, *name;
        if (!PyArg_ParseTuple(r, "OOss", &ph[i].func, &ph[i].args, &file, &name)) {
            Py_DECREF(r);
            char why[PB_ERRLEN];
            take_py_error(why, sizeof(why));
            return pb_error(err, errlen, "%s", why);
        }
        Py_INCREF(ph[i].func);
        Py_INCREF(ph[i].args);
        ph[i].file = pb_xstrdup(file);
        ph[i].name = pb_xstrdup(name);
        Py_DECREF(r);
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
 * helpers): every threading.Thread's life and every call of a coroutine
 * function decorated with pyprof_bench.coroutine_truth. */
static int install_truth(char *err, size_t errlen)
{
    PyObject *r = PyObject_CallNoArgs(PyDict_GetItemString(helpers, "install_truth"));
    if (!r) {
        char why[PB_ERRLEN];
        take_py_error(why, sizeof(why));
        return pb_error(err, errlen, "cannot install the thread truth: %s", why);
    }
    Py_DECREF(r);
    phase_cell = PyDict_GetItemString(helpers, "current_phase");
    return phase_cell ? 0 : pb_error(err, errlen, "cannot install the thread truth");
}

/* Tell the truth recorders which phase runs now. */
static void set_current_phase(long i)
{
    pb_reach_set_phase(i);
    PyObject *v = phase_cell ? PyLong_FromLong(i) : NULL;
    if (v && PyList_SetItem(phase_cell, 0, v) < 0)
        PyErr_Clear();
}

/* Thread and coroutine keys of this run, read from the helpers' records. */
struct keys {
    struct pb_key_rec thread[PB_MAX_KEYS];
    size_t nthreads;
    unsigned long tids[PB_MAX_KEYS][16];   /* native TIDs of each thread key */
    size_t ntids[PB_MAX_KEYS];
    struct pb_key_rec task[PB_MAX_KEYS];
    size_t ntasks;
    char *task_file[PB_MAX_KEYS], *task_func[PB_MAX_KEYS];   /* owned */
    int dropped;                           /* records past PB_MAX_KEYS */
};

static void read_keys(struct keys *k)
{
    memset(k, 0, sizeof(*k));
    PyObject *th = PyDict_GetItemString(helpers, "thread_records");
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
            if (k->nthreads == PB_MAX_KEYS) {
                k->dropped = 1;
                continue;
            }
            at = (long)k->nthreads++;
            k->thread[at].phase = phase;
            snprintf(k->thread[at].name, PB_KEY_NAME, "%s", name);
            k->thread[at].attr_s = NAN;
        }
        struct pb_key_rec *r = &k->thread[at];
        r->count++;
        r->wall_s += wall;
        r->user_s += user;
        r->sys_s += sys;
        if (k->ntids[at] < 16)
            k->tids[at][k->ntids[at]++] = tid;
    }
    PyObject *ta = PyDict_GetItemString(helpers, "task_records");
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
            if (k->ntasks == PB_MAX_KEYS) {
                k->dropped = 1;
                continue;
            }
            at = (long)k->ntasks++;
            k->task[at].phase = -1;
            snprintf(k->task[at].name, PB_KEY_NAME, "%s", name);
            k->task[at].attr_s = NAN;
            k->task_file[at] = pb_xstrdup(file);
            k->task_func[at] = pb_xstrdup(func);
        }
        k->task[at].count++;
        k->task[at].wall_s += wall;
    }
}

static void release_keys(struct keys *k)
{
    for (size_t i = 0; i < k->ntasks; i++) {
        free(k->task_file[i]);
        free(k->task_func[i]);
    }
}

/* The latency figures of the requests the phases recorded with
 * pyprof_bench.record_requests (every call's latencies together, over the
 * sum of their windows); NAN when none were recorded. */
static void read_requests(struct pb_latency *out)
{
    out->p50_s = out->p99_s = out->max_s = out->throughput_rps = NAN;
    PyObject *rr = PyDict_GetItemString(helpers, "request_records");
    Py_ssize_t nrec = rr ? PyList_Size(rr) : 0;
    if (nrec <= 0) {
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
        double sec = pb_thread_seconds(report, k->tids[t], k->ntids[t]);
        k->thread[t].attr_s = sec;
        sum_threads += sec;
    }
    attr->other_s -= sum_threads;
    if (attr->other_s < 0) {
        attr->total_s -= attr->other_s;
        attr->other_s = 0;
    }
    if (k->ntasks) {
        struct pb_phase_ident ids[PB_MAX_KEYS];
        for (size_t t = 0; t < k->ntasks; t++) {
            ids[t].file = k->task_file[t];
            ids[t].name = k->task_func[t];
        }
        struct pb_attribution ta;
        pb_attribute(report, ids, k->ntasks, &ta);
        for (size_t t = 0; t < k->ntasks; t++)
            k->task[t].attr_s = ta.phase_s[t];
    }
}

/* Run the phases in order, timing each on the calling thread. Returns the
 * index of the phase that raised, or -1 when all returned. */
static long run_phases(struct phase *ph, size_t n, char *err, size_t errlen)
{
    for (size_t i = 0; i < n; i++) {
        struct pb_cpu_times c0, c1;
        set_current_phase((long)i);
        pb_thread_times(&c0);
        double t0 = pb_now();
        PyObject *r = PyObject_Call(ph[i].func, ph[i].args, NULL);
        double t1 = pb_now();
        pb_thread_times(&c1);
        ph[i].wall_s = t1 - t0;
        ph[i].cpu.user_s = c1.user_s - c0.user_s;
        ph[i].cpu.sys_s = c1.sys_s - c0.sys_s;
        if (!r) {
            char why[PB_ERRLEN];
            take_py_error(why, sizeof(why));
            pb_error(err, errlen, "%s: %s", ph[i].name, why);
            return (long)i;
        }
        Py_DECREF(r);
    }
    return -1;
}

/* The measured region as either path saw it. */
struct region {
    double wall_s, start_s, stop_s, cpu_user_s, cpu_sys_s;
    double probe_before_s, probe_after_s;   /* pb_speed_probe() around it */
    struct pb_latency lat;              /* the requests the phases recorded */
    long failed_phase;                  /* -1 when every phase returned */
    char phase_error[PB_ERRLEN];
};

/* The usual path: the backend starts and stops in this process, around the
 * phases run on this thread. *started tells the caller whether stop() is
 * still owed after a failure; *stage becomes "stop" when stop() runs. */
static int run_in_process(const struct pb_backend_ops *ops, void *state, struct phase *ph,
                          size_t nphases, struct region *reg, int *started,
                          const char **stage, char *err, size_t errlen)
{
    reg->probe_before_s = pb_speed_probe();
    /* ---- measured region ---- */
    struct pb_cpu_times p0, p1;
    pb_process_times(&p0);
    double r0 = pb_now();
    pb_instr_region_begin();
    if (ops->start(state, err, errlen) < 0) {
        pb_instr_region_end();
        return -1;
    }
    *started = 1;
    double r_started = pb_now();
    reg->failed_phase = run_phases(ph, nphases, reg->phase_error, sizeof(reg->phase_error));
    double r_stopping = pb_now();
    *started = 0;
    *stage = "stop";
    int stop_rc = ops->stop(state, err, errlen);
    pb_instr_region_end();
    if (stop_rc < 0)
        return -1;
    double r1 = pb_now();
    pb_process_times(&p1);
    /* ---- end of measured region ---- */
    reg->probe_after_s = pb_speed_probe();
    read_requests(&reg->lat);
    reg->wall_s = r1 - r0;
    reg->start_s = r_started - r0;
    reg->stop_s = r1 - r_stopping;
    reg->cpu_user_s = p1.user_s - p0.user_s;
    reg->cpu_sys_s = p1.sys_s - p0.sys_s;
    return 0;
}

/* A launcher tool: the phases run in the tool's process (launch.h), whose
 * driver times the same region and reports the per-phase figures. */
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
    if (pb_options_init_defaults(&opts, ops->options, err, sizeof(err)) < 0)
        goto fail;
    for (size_t i = 0; i < a->nopts; i++) {
        char *kv = pb_xstrdup(a->opts[i]);
        char *eq = strchr(kv, '=');
        int rc = eq ? (*eq = '\0', pb_options_set(&opts, kv, eq + 1, err, sizeof(err)))
                    : pb_error(err, sizeof(err), "bad --opt '%s'", kv);
        free(kv);
        if (rc < 0)
            goto fail;
    }

    stage = "python";
    if (python_start(a->file, a->instructions, err, sizeof(err)) < 0)
        goto fail;

    pb_run_emit_hello(Py_GetVersion(), (long)getpid(), write_line, NULL);
    if (install_truth(err, sizeof(err)) < 0)
        goto fail;

    stage = "import";
    mod = PyObject_CallFunction(PyDict_GetItemString(helpers, "load"), "si", a->file,
                                !runs_as_script(a));
    if (!mod) {
        /* unittest.SkipTest at import: the workload cannot run on this
         * machine (numpy missing, say); a skip, not a failure. */
        PyObject *type, *value, *tb;
        PyErr_Fetch(&type, &value, &tb);
        PyObject *r = type ? PyObject_CallFunctionObjArgs(
                                 PyDict_GetItemString(helpers, "is_skip"), type, NULL)
                           : NULL;
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
    if (ops->available && !ops->available(err, sizeof(err)))
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
    if (keys.dropped)
        pb_report_add_note(&report, "more than 32 thread or coroutine keys: the rest are "
                           "not measured");

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
    run.nthreads = keys.nthreads;
    memcpy(run.threads, keys.thread, sizeof(run.threads));
    run.ntasks = keys.ntasks;
    memcpy(run.tasks, keys.task, sizeof(run.tasks));
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
        if (!ops)
            snprintf(why, sizeof(why), "unknown backend kind");
        else
            ok = ops->available ? ops->available(why, sizeof(why)) : 1;
        if (ok && ops->tool_version)
            ops->tool_version(version, sizeof(version));
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
    PyObject *fn = PyDict_GetItemString(helpers, "top_names");
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
