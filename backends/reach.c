/*
 * reach.c: the internal backend kind "reach", the recorder of a calibration
 * run (harness/reach.h). Not in the registry's list of config kinds: only
 * the runner's calibration asks for it (pb_backend_find finds it).
 *
 * A C profile function records, per phase, the code objects whose calls
 * began while that phase ran: on each PyTrace_CALL it ORs the phase's bit
 * into a hash table keyed by the code object, and does nothing else (fib(31)
 * makes 4.4 million calls). The phase of the main thread is the one the
 * worker announced last (pb_reach_set_phase); a thread started by a phase is
 * given, on its first event, the phase running at that moment, for its
 * whole life (as the worker's thread truth does). Threads that existed
 * before start() are not recorded. collect() writes the map to the option
 * `out` (reach.h gives the format) and returns an empty report.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pyadapter.h"
#include "../harness/backend.h"
#include "../harness/config.h"
#include "../harness/reach.h"
#include "../harness/util.h"

_Static_assert(PB_MAX_PHASES <= 64, "a phase set is a 64-bit mask");

#if PY_VERSION_HEX >= 0x030D0000
/* 3.13 moved the declaration to its internal headers (pycore_ceval.h);
 * libpython still exports it, with the same signature as 3.9 to 3.12. */
PyAPI_FUNC(int) _PyEval_SetProfile(PyThreadState *tstate, Py_tracefunc func, PyObject *arg);
#endif

struct slot {
    PyCodeObject *code;          /* strong reference; NULL when free */
    uint64_t phases;
};

struct reach {
    char *out;                   /* the map file, owned */
    struct slot *slots;          /* open addressing, power-of-two capacity */
    size_t cap, used;
    int oom;                     /* a slot could not be added */
    int running;
    PyObject *hook;              /* the threading.setprofile callable */
};

/* The phase running on the main thread, -1 outside the phases. */
static volatile long current_phase = -1;
/* The recorder whose table the profile function fills; one per worker. */
static struct reach *active;

void pb_reach_set_phase(long phase)
{
    current_phase = phase;
}

static size_t slot_of(const struct reach *s, const PyCodeObject *code)
{
    uint64_t h = (uint64_t)(uintptr_t)code * 0x9E3779B97F4A7C15ULL;
    return (size_t)(h >> 32) & (s->cap - 1);
}

static int grow(struct reach *s)
{
    size_t cap = s->cap ? s->cap * 2 : 1024;
    struct slot *n = calloc(cap, sizeof(*n));
    if (!n)
        return -1;
    struct slot *old = s->slots;
    size_t old_cap = s->cap;
    s->slots = n;
    s->cap = cap;
    for (size_t i = 0; i < old_cap; i++) {
        if (!old[i].code)
            continue;
        size_t j = slot_of(s, old[i].code);
        while (n[j].code)
            j = (j + 1) & (cap - 1);
        n[j] = old[i];
    }
    free(old);
    return 0;
}

/* OR phase p's bit into code's slot, adding it (and a reference) if new. */
static void record(struct reach *s, PyCodeObject *code, long p)
{
    uint64_t bit = (uint64_t)1 << p;
    size_t i = slot_of(s, code);
    while (s->slots[i].code) {
        if (s->slots[i].code == code) {
            s->slots[i].phases |= bit;
            return;
        }
        i = (i + 1) & (s->cap - 1);
    }
    if ((s->used + 1) * 2 > s->cap) {
        if (grow(s) < 0) {
            s->oom = 1;
            return;
        }
        i = slot_of(s, code);
        while (s->slots[i].code)
            i = (i + 1) & (s->cap - 1);
    }
    Py_INCREF(code);
    s->slots[i].code = code;
    s->slots[i].phases = bit;
    s->used++;
}

/* The profile function. obj: NULL on the main thread (the current phase),
 * or the phase (an int) of the thread, fixed at its first event. */
static int reach_callback(PyObject *obj, PyFrameObject *frame, int what, PyObject *arg)
{
    (void)arg;
    if (what != PyTrace_CALL || !active)
        return 0;
    long p = obj ? PyLong_AsLong(obj) : current_phase;
    if (p < 0 || p >= PB_MAX_PHASES)
        return 0;
    PyCodeObject *code = PyFrame_GetCode(frame);
    record(active, code, p);
    Py_DECREF(code);
    return 0;
}

/* threading.setprofile() hands this to every thread started afterwards; on
 * its first event it replaces itself with the C function, with the phase
 * running now. */
static PyObject *thread_hook(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *frame, *event, *arg;
    if (!PyArg_UnpackTuple(args, "hook", 3, 3, &frame, &event, &arg))
        return NULL;
    if (!active)
        Py_RETURN_NONE;
    PyObject *phase = PyLong_FromLong(current_phase);
    if (!phase)
        return NULL;
    int rc = _PyEval_SetProfile(PyThreadState_Get(), reach_callback, phase);
    Py_DECREF(phase);
    if (rc < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyMethodDef thread_hook_def = {
    "pyprof_bench_reach_hook", thread_hook, METH_VARARGS,
    "installs pyprof-bench's reach recorder in a new thread",
};

static const struct pb_option_spec reach_options[] = {
    { "out", PB_OPT_STRING, "", 0, -1, NULL, "the file the reach map is written to" },
    { NULL, 0, NULL, 0, 0, NULL, NULL },
};

static int reach_create(void **state, const struct pb_options *opts, char *err, size_t errlen)
{
    const char *out = pb_options_text(opts, "out");
    if (!out || !out[0])
        return pb_error(err, errlen, "the reach recorder needs out=FILE");
    struct reach *s = calloc(1, sizeof(*s));
    if (!s || grow(s) < 0) {
        free(s);
        return pb_error(err, errlen, "out of memory for the reach recorder");
    }
    s->out = pb_xstrdup(out);
    /* Imported now, outside the measured region. */
    PyObject *threading = PyImport_ImportModule("threading");
    if (!threading)
        PyErr_Clear();
    Py_XDECREF(threading);
    *state = s;
    return 0;
}

static int reach_start(void *state, char *err, size_t errlen)
{
    struct reach *s = state;
    if (active)
        return pb_error(err, errlen, "another reach recorder is already running");
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    s->hook = PyCFunction_New(&thread_hook_def, NULL);
    int rc = s->hook ? pyad_threading_setprofile(s->hook) : -1;
    PyErr_Clear();
    PyErr_Restore(type, value, tb);
    if (rc < 0)
        return pb_error(err, errlen, "cannot install the reach recorder for new threads");
    active = s;
    s->running = 1;
    if (_PyEval_SetProfile(PyThreadState_Get(), reach_callback, NULL) < 0) {
        PyErr_Clear();
        active = NULL;
        s->running = 0;
        return pb_error(err, errlen, "cannot install the reach recorder");
    }
    return 0;
}

static int reach_stop(void *state, char *err, size_t errlen)
{
    struct reach *s = state;
    if (!s->running)
        return 0;
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyInterpreterState *interp = PyThreadState_GetInterpreter(PyThreadState_Get());
    for (PyThreadState *ts = PyInterpreterState_ThreadHead(interp); ts;
         ts = PyThreadState_Next(ts))
        if (ts->c_profilefunc == reach_callback)
            _PyEval_SetProfile(ts, NULL, NULL);
    int rc = pyad_threading_setprofile(Py_None);
    PyErr_Clear();
    PyErr_Restore(type, value, tb);
    active = NULL;
    s->running = 0;
    return rc < 0 ? pb_error(err, errlen, "cannot remove the reach recorder from threading")
                  : 0;
}

/* A name or file the map's line format can carry (no tab, no newline). */
static int plain(const char *t)
{
    return t && !strpbrk(t, "\t\r\n");
}

static int reach_collect(void *state, struct pb_report *out, char *err, size_t errlen)
{
    struct reach *s = state;
    if (s->oom)
        return pb_error(err, errlen, "out of memory recording the reach map");
    char tmp[PATH_MAX + 8];
    snprintf(tmp, sizeof(tmp), "%s.tmp", s->out);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return pb_error(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
    fprintf(f, "# pyprof-bench reach map: phase, first line, function, file\n");
    size_t fns = 0, skipped = 0;
    for (size_t i = 0; i < s->cap; i++) {
        PyCodeObject *code = s->slots[i].code;
        if (!code)
            continue;
        const char *name = PyUnicode_AsUTF8(code->co_name);
        const char *file = name ? PyUnicode_AsUTF8(code->co_filename) : NULL;
        if (!plain(name) || !plain(file)) {
            PyErr_Clear();
            skipped++;
            continue;
        }
        fns++;
        for (long p = 0; p < PB_MAX_PHASES; p++)
            if (s->slots[i].phases & ((uint64_t)1 << p))
                fprintf(f, "%ld\t%d\t%s\t%s\n", p, code->co_firstlineno, name, file);
    }
    int bad = ferror(f);
    if (fclose(f) != 0 || bad || rename(tmp, s->out) < 0) {
        int e = errno;
        unlink(tmp);
        return pb_error(err, errlen, "cannot write %s: %s", s->out, strerror(e));
    }
    char note[128];
    snprintf(note, sizeof(note), "reach map: %zu functions, %zu unnamable", fns, skipped);
    pb_report_set_note(out, note);
    return 0;
}

static void reach_destroy(void *state)
{
    struct reach *s = state;
    if (active == s)
        active = NULL;
    for (size_t i = 0; i < s->cap; i++)
        Py_XDECREF(s->slots[i].code);
    Py_XDECREF(s->hook);
    free(s->slots);
    free(s->out);
    free(s);
}

const struct pb_backend_ops pb_backend_reach = {
    .kind = PB_REACH_KIND,
    .summary = "internal: records the functions each phase reaches (calibration)",
    .mechanism = "tracing",
    .caps = PB_CAP_THREADS | PB_CAP_REGION,
    .options = reach_options,
    .create = reach_create,
    .start = reach_start,
    .stop = reach_stop,
    .collect = reach_collect,
    .destroy = reach_destroy,
};
