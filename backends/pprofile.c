/*
 * pprofile.c: pprofile (pip's, from the profilers' venv), a line profiler
 * in pure Python, through its API in the worker, in its two modes:
 * `deterministic` (pprofile.Profile, a trace function timing every line:
 * enable() / disable()) and `statistical` (pprofile.StatisticalProfile
 * sampled by a pprofile.StatisticalThread every `period`, the calling thread
 * only: entered at start, exited at stop).
 *
 * Report: pprofile keeps, per file, line -> code object -> [hits, seconds].
 * A function's self time is its lines' (deterministic: each line's time
 * excludes its callees'; statistical: hits x total_time / all hits, count =
 * hits). Lines, not a call tree: inclusive = self, as for scalene, and the
 * reach map credits phases whose work is in a callee. No categories.
 */
#include "pyadapter.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness/backend.h"
#include "../harness/pypkg_import.h"
#include "../harness/util.h"

struct pprofile {
    PyObject *prof;
    PyObject *thread;           /* statistical mode's sampler, else NULL */
    PyObject *helpers;          /* pyprof_bench.adapters.pprofile_rows */
};

static const char *const mode_choices[] = { "deterministic", "statistical", NULL };

static const struct pb_option_spec pprofile_options[] = {
    { "mode", PB_OPT_ENUM, "deterministic", 0, -1, mode_choices,
      "deterministic: every line timed (pprofile.Profile); statistical: sampled" },
    { "period", PB_OPT_DURATION, "1ms", 0.0001, 1, NULL,
      "statistical mode's sampling period (pprofile's default 1 ms)" },
    { NULL, 0, NULL, 0, 0, NULL, NULL },
};

static int pprofile_available(char *why, size_t whylen)
{
    return pyad_importable("pprofile", "pprofile", why, whylen);
}

static void pprofile_version(char *buf, size_t len)
{
    pyad_version("pprofile", buf, len);
}

static void pprofile_destroy(void *state)
{
    struct pprofile *p = state;
    Py_XDECREF(p->thread);
    Py_XDECREF(p->prof);
    Py_XDECREF(p->helpers);
    free(p);
}

static int pprofile_create(void **state, const struct pb_options *opts, char *err,
                           size_t errlen)
{
    struct pprofile *p = pb_xcalloc(1, sizeof(*p));
    int statistical = !strcmp(pb_options_text(opts, "mode"), "statistical");
    PyObject *mod = PyImport_ImportModule("pprofile");
    /* The Profile subclass and the rows: harness/py/pyprof_bench/adapters. */
    p->helpers = mod ? pb_pypkg_import("pyprof_bench.adapters.pprofile_rows") : NULL;
    PyObject *r = p->helpers;
    if (mod && r && !statistical) {
        p->prof = PyObject_CallMethod(p->helpers, "Profile", NULL);
    } else if (mod && r) {
        p->prof = PyObject_CallMethod(mod, "StatisticalProfile", NULL);
        PyObject *cls = p->prof ? PyObject_GetAttrString(mod, "StatisticalThread") : NULL;
        PyObject *kw = Py_BuildValue("{s:O,s:d,s:O}", "profiler", p->prof ? p->prof : Py_None,
                                     "period", pb_options_double(opts, "period"), "single",
                                     Py_True);
        PyObject *args = PyTuple_New(0);
        p->thread = cls && kw && args ? PyObject_Call(cls, args, kw) : NULL;
        Py_XDECREF(args);
        Py_XDECREF(kw);
        Py_XDECREF(cls);
    }
    Py_XDECREF(mod);
    if (!p->prof || (statistical && !p->thread) || !r) {
        pprofile_destroy(p);
        return pyad_error(err, errlen, "pprofile");
    }
    *state = p;
    return 0;
}

static int pprofile_start(void *state, char *err, size_t errlen)
{
    struct pprofile *p = state;
    if (p->thread)
        return pyad_call(p->thread, "__enter__", err, errlen, NULL);
    return pyad_call(p->prof, "enable", err, errlen, NULL);
}

static int pprofile_stop(void *state, char *err, size_t errlen)
{
    struct pprofile *p = state;
    if (p->thread)
        return pyad_call(p->thread, "__exit__", err, errlen, "(OOO)", Py_None, Py_None,
                         Py_None);
    return pyad_call(p->prof, "disable", err, errlen, NULL);
}

static int pprofile_collect(void *state, struct pb_report *out, char *err, size_t errlen)
{
    struct pprofile *p = state;
    PyObject *rows = PyObject_CallMethod(p->helpers, "rows", "Oi", p->prof, p->thread != NULL);
    if (!rows)
        return pyad_error(err, errlen, "reading pprofile's line timings");
    Py_ssize_t n = PyList_Size(rows);
    for (Py_ssize_t i = 0; i < n; i++) {
        const char *file, *name;
        int line;
        double secs;
        long hits;
        if (!PyArg_ParseTuple(PyList_GetItem(rows, i), "ssidl", &file, &name, &line, &secs,
                              &hits))
            break;
        struct pb_report_entry *e = pb_report_add(out, file, line, name, 0);
        e->self_s = e->inclusive_s = secs;
        e->count = p->thread ? (uint64_t)hits : 0;
    }
    Py_DECREF(rows);
    if (PyErr_Occurred())
        return pyad_error(err, errlen, "reading pprofile's line timings");
    out->categories = 0;
    char note[96], version[32];
    pprofile_version(version, sizeof(version));
    snprintf(note, sizeof(note), "pprofile %s, %s", version[0] ? version : "?",
             p->thread ? "statistical" : "deterministic");
    pb_report_set_note(out, note);
    return 0;
}

static const char *pprofile_clock(const struct pb_options *opts)
{
    (void)opts;
    return "wall";
}

const struct pb_backend_ops pb_backend_pprofile = {
    .kind = "pprofile",
    .summary = "pprofile (pip) line profiler through its API, deterministic or statistical",
    .mechanism = "tracing",
    .categories = 0,
    .caps = PB_CAP_REGION | PB_CAP_REPORT,
    .options = pprofile_options,
    .available = pprofile_available,
    .create = pprofile_create,
    .start = pprofile_start,
    .stop = pprofile_stop,
    .collect = pprofile_collect,
    .destroy = pprofile_destroy,
    .clock = pprofile_clock,
    .tool_version = pprofile_version,
};
