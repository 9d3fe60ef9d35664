/*
 * yappi.c: yappi (Debian's python3-yappi) through its API, on every thread
 * (entries per thread, by native TID, when the worker's thread map is there),
 * with its wall or CPU clock. With builtins on, C functions are entries of
 * their own: their self time is native, the self time of Python functions
 * python. With the CPU clock, time off the CPU (a sleep) is simply not
 * counted: that is yappi's answer and the harness reports it as such.
 */
#include "pyadapter.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness/backend.h"
#include "../harness/util.h"

struct yappi {
    PyObject *mod;
    int builtins;
    char version[32];
};

static const char *const clock_choices[] = { "wall", "cpu", NULL };

static const struct pb_option_spec yappi_options[] = {
    { "clock", PB_OPT_ENUM, "wall", 0, -1, clock_choices, "yappi's clock: wall or cpu" },
    { "builtins", PB_OPT_BOOL, "true", 0, -1, NULL,
      "profile calls of C functions as entries of their own" },
    { NULL, 0, NULL, 0, 0, NULL, NULL },
};

static int yappi_available(char *why, size_t whylen)
{
    PyObject *mod = PyImport_ImportModule("yappi");
    if (mod) {
        Py_DECREF(mod);
        return 1;
    }
    PyErr_Clear();
    snprintf(why, whylen, "yappi not installed (Debian: apt-get install python3-yappi)");
    return 0;
}

static void yappi_version(char *buf, size_t len)
{
    pyad_version("yappi", buf, len);
}

static int yappi_create(void **state, const struct pb_options *opts, char *err, size_t errlen)
{
    struct yappi *y = pb_xcalloc(1, sizeof(*y));
    y->builtins = pb_options_bool(opts, "builtins");
    y->mod = PyImport_ImportModule("yappi");
    if (!y->mod) {
        free(y);
        return pyad_error(err, errlen, "import yappi");
    }
    pyad_version("yappi", y->version, sizeof(y->version));
    if (pyad_call(y->mod, "clear_stats", err, errlen, NULL) < 0 ||
        pyad_call(y->mod, "set_clock_type", err, errlen, "(s)",
                  pb_options_text(opts, "clock")) < 0) {
        Py_DECREF(y->mod);
        free(y);
        return -1;
    }
    *state = y;
    return 0;
}

static int yappi_start(void *state, char *err, size_t errlen)
{
    struct yappi *y = state;
    PyObject *fn = PyObject_GetAttrString(y->mod, "start");
    PyObject *kw = Py_BuildValue("{s:O,s:O}", "builtins", y->builtins ? Py_True : Py_False,
                                 "profile_threads", Py_True);
    PyObject *args = PyTuple_New(0);
    PyObject *r = fn && kw && args ? PyObject_Call(fn, args, kw) : NULL;
    Py_XDECREF(fn);
    Py_XDECREF(kw);
    Py_XDECREF(args);
    if (!r)
        return pyad_error(err, errlen, "yappi.start");
    Py_DECREF(r);
    return 0;
}

static int yappi_stop(void *state, char *err, size_t errlen)
{
    return pyad_call(((struct yappi *)state)->mod, "stop", err, errlen, NULL);
}

/* Entries of one of yappi's function-stat lists, on thread tid. */
static void add_func_stats(PyObject *stats, uint64_t tid, struct pb_report *out)
{
    PyObject *it = PyObject_GetIter(stats);
    PyObject *e;
    while (it && (e = PyIter_Next(it))) {
        char file[1024], name[512];
        pyad_string(e, "module", file, sizeof(file));
        pyad_string(e, "name", name, sizeof(name));
        int native = (int)pyad_long(e, "builtin") != 0;
        struct pb_report_entry *re = pb_report_add(out, native ? "<built-in>" : file,
                                                   (int)pyad_long(e, "lineno"), name, tid);
        re->count = (uint64_t)pyad_long(e, "ncall");
        re->inclusive_s = pyad_double(e, "ttot");
        re->self_s = pyad_double(e, "tsub");
        re->cat_s[native ? PB_CAT_NATIVE : PB_CAT_PYTHON] = re->self_s;
        Py_DECREF(e);
    }
    Py_XDECREF(it);
}

/* Per thread when the program's threads can be named by native TID (the
 * worker's pyprof_bench.native_ids maps yappi's thread idents); else one
 * list for all threads, with thread 0 (unknown). */
static int yappi_collect(void *state, struct pb_report *out, char *err, size_t errlen)
{
    struct yappi *y = state;
    PyObject *modname = PyUnicode_FromString("pyprof_bench");
    PyObject *pb = modname ? PyImport_GetModule(modname) : NULL;
    Py_XDECREF(modname);
    PyObject *ids = pb ? PyObject_GetAttrString(pb, "native_ids") : NULL;
    Py_XDECREF(pb);
    PyErr_Clear();
    PyObject *threads = ids && PyDict_Check(ids)
                            ? PyObject_CallMethod(y->mod, "get_thread_stats", NULL) : NULL;
    PyErr_Clear();
    PyObject *tit = threads ? PyObject_GetIter(threads) : NULL;
    PyObject *t;
    int per_thread = tit != NULL;
    while (tit && (t = PyIter_Next(tit))) {
        long ctx = pyad_long(t, "id");
        PyObject *ident = PyObject_GetAttrString(t, "tid");
        PyObject *native = ident ? PyDict_GetItemWithError(ids, ident) : NULL;
        uint64_t tid = native && PyLong_Check(native) ? PyLong_AsUnsignedLongLong(native) : 0;
        Py_XDECREF(ident);
        PyObject *filter = Py_BuildValue("{s:l}", "ctx_id", ctx);
        PyObject *fn = PyObject_GetAttrString(y->mod, "get_func_stats");
        PyObject *kw = filter ? Py_BuildValue("{s:O}", "filter", filter) : NULL;
        PyObject *args = PyTuple_New(0);
        PyObject *stats = fn && kw && args ? PyObject_Call(fn, args, kw) : NULL;
        if (stats)
            add_func_stats(stats, tid, out);
        else
            per_thread = 0;
        Py_XDECREF(stats);
        Py_XDECREF(args);
        Py_XDECREF(kw);
        Py_XDECREF(fn);
        Py_XDECREF(filter);
        Py_DECREF(t);
        if (!stats)
            break;
    }
    Py_XDECREF(tit);
    Py_XDECREF(threads);
    Py_XDECREF(ids);
    if (!per_thread) {
        PyErr_Clear();
        for (size_t i = 0; i < out->count; i++) {
            free(out->entries[i].file);
            free(out->entries[i].name);
        }
        out->count = 0;
        PyObject *stats = PyObject_CallMethod(y->mod, "get_func_stats", NULL);
        if (!stats)
            return pyad_error(err, errlen, "yappi.get_func_stats");
        add_func_stats(stats, 0, out);
        Py_DECREF(stats);
    }
    if (PyErr_Occurred())
        return pyad_error(err, errlen, "reading yappi's stats");
    out->categories = PB_CAT_BIT(PB_CAT_PYTHON) | (y->builtins ? PB_CAT_BIT(PB_CAT_NATIVE) : 0);
    char note[64];
    snprintf(note, sizeof(note), "yappi %s", y->version[0] ? y->version : "(version unknown)");
    pb_report_set_note(out, note);
    return 0;
}

static void yappi_destroy(void *state)
{
    struct yappi *y = state;
    PyObject *r = PyObject_CallMethod(y->mod, "clear_stats", NULL);
    Py_XDECREF(r);
    PyErr_Clear();
    Py_DECREF(y->mod);
    free(y);
}

static const char *yappi_clock(const struct pb_options *opts)
{
    return pb_options_text(opts, "clock");
}

const struct pb_backend_ops pb_backend_yappi = {
    .kind = "yappi",
    .summary = "yappi (python3-yappi) on every thread, wall or cpu clock",
    .mechanism = "tracing",
    .categories = PB_CAT_BIT(PB_CAT_PYTHON) | PB_CAT_BIT(PB_CAT_NATIVE),
    .caps = PB_CAP_THREADS | PB_CAP_REGION | PB_CAP_REPORT | PB_CAP_TIMER_FREE,
    .options = yappi_options,
    .available = yappi_available,
    .create = yappi_create,
    .start = yappi_start,
    .stop = yappi_stop,
    .collect = yappi_collect,
    .destroy = yappi_destroy,
    .clock = yappi_clock,
    .tool_version = yappi_version,
};
