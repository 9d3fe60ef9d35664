/*
 * cprofile.c: the standard library's cProfile, through its Python API,
 * enabled and disabled around the measured region on the thread that runs
 * the phases (cProfile sees no other thread). C functions are its own
 * entries when builtins is on: their self time is native, the self time of
 * Python functions python; like every deterministic profiler it cannot see
 * system time.
 */
#include "pyadapter.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness/backend.h"
#include "../harness/util.h"

struct cprofile {
    PyObject *prof;
    int builtins;
};

static const struct pb_option_spec cprofile_options[] = {
    { "builtins", PB_OPT_BOOL, "true", 0, -1, NULL,
      "profile calls of C functions as entries of their own" },
    { NULL, 0, NULL, 0, 0, NULL, NULL },
};

static int cprofile_create(void **state, const struct pb_options *opts, char *err, size_t errlen)
{
    struct cprofile *c = pb_xcalloc(1, sizeof(*c));
    c->builtins = pb_options_bool(opts, "builtins");
    PyObject *mod = PyImport_ImportModule("cProfile");
    if (!mod) {
        free(c);
        return pyad_error(err, errlen, "import cProfile");
    }
    PyObject *cls = PyObject_GetAttrString(mod, "Profile");
    Py_DECREF(mod);
    PyObject *kw = Py_BuildValue("{s:O}", "builtins", c->builtins ? Py_True : Py_False);
    PyObject *args = PyTuple_New(0);
    c->prof = cls && kw && args ? PyObject_Call(cls, args, kw) : NULL;
    Py_XDECREF(cls);
    Py_XDECREF(kw);
    Py_XDECREF(args);
    if (!c->prof) {
        free(c);
        return pyad_error(err, errlen, "cProfile.Profile()");
    }
    *state = c;
    return 0;
}

static int cprofile_start(void *state, char *err, size_t errlen)
{
    return pyad_call(((struct cprofile *)state)->prof, "enable", err, errlen, NULL);
}

static int cprofile_stop(void *state, char *err, size_t errlen)
{
    return pyad_call(((struct cprofile *)state)->prof, "disable", err, errlen, NULL);
}

static int cprofile_collect(void *state, struct pb_report *out, char *err, size_t errlen)
{
    struct cprofile *c = state;
    PyObject *stats = PyObject_CallMethod(c->prof, "getstats", NULL);
    if (!stats)
        return pyad_error(err, errlen, "getstats");
    PyObject *it = PyObject_GetIter(stats);
    PyObject *e;
    while (it && (e = PyIter_Next(it))) {
        PyObject *code = PyObject_GetAttrString(e, "code");
        char file[1024] = "<built-in>", name[512] = "?";
        int line = 0, native = 1;
        if (code && PyCode_Check(code)) {
            pyad_string(code, "co_filename", file, sizeof(file));
            pyad_string(code, "co_name", name, sizeof(name));
            line = (int)pyad_long(code, "co_firstlineno");
            native = 0;
        } else if (code) {
            /* "<built-in method builtins.sum>" */
            PyObject *s = PyObject_Str(code);
            const char *u = s ? PyUnicode_AsUTF8(s) : NULL;
            snprintf(name, sizeof(name), "%s", u ? u : "?");
            Py_XDECREF(s);
        }
        PyErr_Clear();
        struct pb_report_entry *re = pb_report_add(out, file, line, name, 0);
        re->count = (uint64_t)pyad_long(e, "callcount");
        re->inclusive_s = pyad_double(e, "totaltime");
        re->self_s = pyad_double(e, "inlinetime");
        re->cat_s[native ? PB_CAT_NATIVE : PB_CAT_PYTHON] = re->self_s;
        Py_XDECREF(code);
        Py_DECREF(e);
    }
    Py_XDECREF(it);
    Py_DECREF(stats);
    if (PyErr_Occurred())
        return pyad_error(err, errlen, "reading cProfile's stats");
    out->categories = PB_CAT_BIT(PB_CAT_PYTHON) | (c->builtins ? PB_CAT_BIT(PB_CAT_NATIVE) : 0);
    char note[128];
    const char *v = Py_GetVersion();
    snprintf(note, sizeof(note), "cProfile of Python %.*s", (int)strcspn(v, " "), v);
    pb_report_set_note(out, note);
    return 0;
}

static void cprofile_destroy(void *state)
{
    struct cprofile *c = state;
    Py_XDECREF(c->prof);
    free(c);
}

/* cProfile is part of the standard library: its version is Python's. */
static void cprofile_version(char *buf, size_t len)
{
    snprintf(buf, len, "python %d.%d.%d", PY_MAJOR_VERSION, PY_MINOR_VERSION, PY_MICRO_VERSION);
}

const struct pb_backend_ops pb_backend_cprofile = {
    .kind = "cprofile",
    .summary = "the standard library's cProfile, enabled around the region",
    .mechanism = "tracing",
    .categories = PB_CAT_BIT(PB_CAT_PYTHON) | PB_CAT_BIT(PB_CAT_NATIVE),
    .caps = PB_CAP_REGION | PB_CAP_REPORT | PB_CAP_TIMER_FREE,
    .options = cprofile_options,
    .available = NULL,
    .create = cprofile_create,
    .start = cprofile_start,
    .stop = cprofile_stop,
    .collect = cprofile_collect,
    .destroy = cprofile_destroy,
    .clock = NULL,
    .tool_version = cprofile_version,
};
