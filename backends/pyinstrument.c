/*
 * pyinstrument.c: pyinstrument through its API (Profiler(interval,
 * async_mode), start(), stop()), when it can be imported. It is not packaged
 * for Debian; pip installs it where Debian's python3.11 finds it
 * (/usr/local/lib/python3.11/dist-packages), and so does the worker.
 *
 * pyinstrument samples the calling thread's stack on a wall-clock interval
 * and records (stack, seconds since the last sample) pairs; the report is
 * built from those records: a frame's inclusive time is the time of the
 * records whose stack holds it (once per record, so recursion counts once),
 * its self time that of the records where it is the leaf.
 *
 * Categories, derived by one documented rule since pyinstrument reports
 * none: the self time of a C function (pyinstrument gives it the file
 * "<built-in>" from its c_call events) is native, of a Python function
 * python. Synthetic frames ([await], [out-of-context]: time a coroutine
 * spent awaiting, in async_mode) are in no category: pyinstrument does not
 * say what the awaited time was. It sees only the thread that started it.
 */
#include "pyadapter.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness/backend.h"
#include "../harness/pypkg_import.h"
#include "../harness/util.h"

struct pyinstrument {
    PyObject *mod;
    PyObject *prof;
    PyObject *helpers;          /* pyprof_bench.adapters.pyinstrument_rows */
};

static const char *const async_choices[] = { "enabled", "disabled", "strict", NULL };

static const struct pb_option_spec pyinstrument_options[] = {
    { "interval", PB_OPT_DURATION, "1ms", 0.00001, 1, NULL,
      "sampling interval (pyinstrument's default 1 ms)" },
    { "async_mode", PB_OPT_ENUM, "enabled", 0, -1, async_choices,
      "enabled: await time belongs to the awaiting coroutine; disabled; strict" },
    { NULL, 0, NULL, 0, 0, NULL, NULL },
};

static int pyinstrument_available(char *why, size_t whylen)
{
    PyObject *mod = PyImport_ImportModule("pyinstrument");
    if (mod) {
        Py_DECREF(mod);
        return 1;
    }
    char text[PB_ERRLEN];
    pyad_error(text, sizeof(text), "import pyinstrument");
    snprintf(why, whylen, "pyinstrument not importable (%.300s; it is not packaged for "
             "Debian: pip install pyinstrument)", text);
    return 0;
}

static void pyinstrument_version(char *buf, size_t len)
{
    pyad_version("pyinstrument", buf, len);
    if (buf[0])
        return;
    /* A copy on sys.path without its dist-info: the module says. */
    PyObject *mod = PyImport_ImportModule("pyinstrument");
    if (mod)
        pyad_string(mod, "__version__", buf, len);
    Py_XDECREF(mod);
    PyErr_Clear();
}

static int pyinstrument_create(void **state, const struct pb_options *opts, char *err,
                               size_t errlen)
{
    struct pyinstrument *p = pb_xcalloc(1, sizeof(*p));
    p->mod = PyImport_ImportModule("pyinstrument");
    if (!p->mod) {
        free(p);
        return pyad_error(err, errlen, "import pyinstrument");
    }
    PyObject *cls = PyObject_GetAttrString(p->mod, "Profiler");
    PyObject *kw = Py_BuildValue("{s:d,s:s}", "interval", pb_options_double(opts, "interval"),
                                 "async_mode", pb_options_text(opts, "async_mode"));
    PyObject *args = PyTuple_New(0);
    p->prof = cls && kw && args ? PyObject_Call(cls, args, kw) : NULL;
    Py_XDECREF(cls);
    Py_XDECREF(kw);
    Py_XDECREF(args);
    /* The session's frame records as rows: harness/py/pyprof_bench/adapters. */
    p->helpers = p->prof ? pb_pypkg_import("pyprof_bench.adapters.pyinstrument_rows") : NULL;
    if (!p->helpers) {
        int rc = pyad_error(err, errlen, "pyinstrument.Profiler()");
        Py_XDECREF(p->prof);
        Py_XDECREF(p->helpers);
        Py_DECREF(p->mod);
        free(p);
        return rc;
    }
    *state = p;
    return 0;
}

static int pyinstrument_start(void *state, char *err, size_t errlen)
{
    return pyad_call(((struct pyinstrument *)state)->prof, "start", err, errlen, NULL);
}

static int pyinstrument_stop(void *state, char *err, size_t errlen)
{
    return pyad_call(((struct pyinstrument *)state)->prof, "stop", err, errlen, NULL);
}

static int pyinstrument_collect(void *state, struct pb_report *out, char *err, size_t errlen)
{
    struct pyinstrument *p = state;
    PyObject *session = PyObject_GetAttrString(p->prof, "last_session");
    PyObject *rows = session && session != Py_None
                         ? PyObject_CallMethod(p->helpers, "rows", "O", session) : NULL;
    Py_XDECREF(session);
    if (!rows) {
        if (PyErr_Occurred())
            return pyad_error(err, errlen, "reading pyinstrument's session");
        return pb_error(err, errlen, "pyinstrument recorded no session");
    }
    Py_ssize_t n = PyList_Size(rows);
    for (Py_ssize_t i = 0; i < n; i++) {
        const char *file, *name;
        int line;
        double inc, self;
        long samples;
        if (!PyArg_ParseTuple(PyList_GetItem(rows, i), "ssiddl", &file, &name, &line, &inc,
                              &self, &samples))
            break;
        struct pb_report_entry *e = pb_report_add(out, file, line, name, 0);
        e->inclusive_s = inc;
        e->self_s = self;
        e->count = (uint64_t)samples;
        if (!strcmp(file, "<built-in>"))
            e->cat_s[PB_CAT_NATIVE] = self;
        else if (name[0] != '[')
            e->cat_s[PB_CAT_PYTHON] = self;
    }
    Py_DECREF(rows);
    if (PyErr_Occurred())
        return pyad_error(err, errlen, "reading pyinstrument's session");
    out->categories = PB_CAT_BIT(PB_CAT_PYTHON) | PB_CAT_BIT(PB_CAT_NATIVE);
    char note[64], version[32];
    pyinstrument_version(version, sizeof(version));
    snprintf(note, sizeof(note), "pyinstrument %s", version[0] ? version : "?");
    pb_report_set_note(out, note);
    return 0;
}

static void pyinstrument_destroy(void *state)
{
    struct pyinstrument *p = state;
    Py_XDECREF(p->helpers);
    Py_XDECREF(p->prof);
    Py_XDECREF(p->mod);
    free(p);
}

const struct pb_backend_ops pb_backend_pyinstrument = {
    .kind = "pyinstrument",
    .summary = "pyinstrument (pip) through its API: wall-clock sampling, async_mode",
    .mechanism = "sampling",
    .categories = PB_CAT_BIT(PB_CAT_PYTHON) | PB_CAT_BIT(PB_CAT_NATIVE),
    .caps = PB_CAP_ASYNCIO | PB_CAP_REGION | PB_CAP_REPORT,
    .options = pyinstrument_options,
    .available = pyinstrument_available,
    .create = pyinstrument_create,
    .start = pyinstrument_start,
    .stop = pyinstrument_stop,
    .collect = pyinstrument_collect,
    .destroy = pyinstrument_destroy,
    .tool_version = pyinstrument_version,
};
