/*
 * memray.c: memray (pip's, from the profilers' venv), a memory profiler:
 * it records every allocation, not where time goes. Run through its API in
 * the worker: memray.Tracker(FILE) entered at start() and exited at stop(),
 * FILE in a private temporary folder. It has no time profile, so the
 * backend has no report (no PB_CAP_REPORT): its rows give overhead and `-`
 * for accuracy. collect() reads the capture's metadata (memray.FileReader)
 * for the note: peak memory and allocations.
 *
 * Options: Tracker's native_traces and trace_python_allocators, off by
 * default as in `memray run`. With trace_python_allocators the allocations
 * pymalloc serves (most of a Python program's small objects) are recorded
 * too; without it memray sees only what reaches the system allocator.
 */
#include "pyadapter.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../harness/backend.h"
#include "../harness/util.h"

struct memray {
    PyObject *tracker;
    char dir[64];
    char file[96];
    int native, pymalloc;        /* the options, for the note */
};

static int memray_available(char *why, size_t whylen)
{
    return pyad_importable("memray", "memray", why, whylen);
}

static void memray_version(char *buf, size_t len)
{
    pyad_version("memray", buf, len);
}

static const struct pb_option_spec memray_options[] = {
    { "native_traces", PB_OPT_BOOL, "false", 0, -1, NULL,
      "memray's native_traces: the C stack of each allocation too (memray run --native)" },
    { "trace_python_allocators", PB_OPT_BOOL, "false", 0, -1, NULL,
      "memray's trace_python_allocators: also the allocations pymalloc serves "
      "(memray run --trace-python-allocators)" },
    { NULL, 0, NULL, 0, 0, NULL, NULL },
};

static int memray_create(void **state, const struct pb_options *opts, char *err, size_t errlen)
{
    struct memray *m = pb_xcalloc(1, sizeof(*m));
    snprintf(m->dir, sizeof(m->dir), "/tmp/pyprof-bench-memray.XXXXXX");
    if (!mkdtemp(m->dir)) {
        free(m);
        return pb_error(err, errlen, "memray: cannot make a temporary folder: %s",
                        strerror(errno));
    }
    snprintf(m->file, sizeof(m->file), "%s/capture.bin", m->dir);
    m->native = pb_options_bool(opts, "native_traces");
    m->pymalloc = pb_options_bool(opts, "trace_python_allocators");
    PyObject *mod = PyImport_ImportModule("memray");
    PyObject *cls = mod ? PyObject_GetAttrString(mod, "Tracker") : NULL;
    PyObject *args = Py_BuildValue("(s)", m->file);
    PyObject *kw = Py_BuildValue("{s:O,s:O}", "native_traces",
                                 m->native ? Py_True : Py_False, "trace_python_allocators",
                                 m->pymalloc ? Py_True : Py_False);
    m->tracker = cls && args && kw ? PyObject_Call(cls, args, kw) : NULL;
    Py_XDECREF(kw);
    Py_XDECREF(args);
    Py_XDECREF(cls);
    Py_XDECREF(mod);
    if (!m->tracker) {
        rmdir(m->dir);
        free(m);
        return pyad_error(err, errlen, "memray.Tracker()");
    }
    *state = m;
    return 0;
}

static int memray_start(void *state, char *err, size_t errlen)
{
    return pyad_call(((struct memray *)state)->tracker, "__enter__", err, errlen, NULL);
}

static int memray_stop(void *state, char *err, size_t errlen)
{
    return pyad_call(((struct memray *)state)->tracker, "__exit__", err, errlen, "(OOO)",
                     Py_None, Py_None, Py_None);
}

static int memray_collect(void *state, struct pb_report *out, char *err, size_t errlen)
{
    struct memray *m = state;
    (void)err;
    (void)errlen;
    PyObject *mod = PyImport_ImportModule("memray");
    PyObject *reader = mod ? PyObject_CallMethod(mod, "FileReader", "s", m->file) : NULL;
    PyObject *meta = reader ? PyObject_GetAttrString(reader, "metadata") : NULL;
    double peak = meta ? pyad_double(meta, "peak_memory") : 0;
    long allocs = meta ? pyad_long(meta, "total_allocations") : 0;
    if (reader)
        Py_XDECREF(PyObject_CallMethod(reader, "close", NULL));
    Py_XDECREF(meta);
    Py_XDECREF(reader);
    Py_XDECREF(mod);
    char note[224], version[32];
    memray_version(version, sizeof(version));
    if (PyErr_Occurred()) {
        char why[PB_ERRLEN];
        pyad_error(why, sizeof(why), "reading the capture");
        snprintf(note, sizeof(note), "memray %s, %.100s", version[0] ? version : "?", why);
    } else {
        snprintf(note, sizeof(note), "memray %s, peak %.1f MB, %ld allocations%s%s",
                 version[0] ? version : "?", peak / 1e6, allocs,
                 m->native ? ", native traces" : "",
                 m->pymalloc ? ", pymalloc's allocations traced" : "");
    }
    pb_report_set_note(out, note);
    return 0;
}

static void memray_destroy(void *state)
{
    struct memray *m = state;
    Py_XDECREF(m->tracker);
    unlink(m->file);
    rmdir(m->dir);
    free(m);
}

const struct pb_backend_ops pb_backend_memray = {
    .kind = "memray",
    .summary = "memray (pip) through its API: allocations only, overhead without a time profile",
    .mechanism = "tracing",
    .categories = 0,
    .caps = PB_CAP_THREADS | PB_CAP_REGION,
    .available = memray_available,
    .create = memray_create,
    .start = memray_start,
    .stop = memray_stop,
    .collect = memray_collect,
    .destroy = memray_destroy,
    .tool_version = memray_version,
    .options = memray_options,
};
