/*
 * viztracer.c: viztracer (pip's, from the profilers' venv), a tracer that
 * records every Python call with its start and duration into a ring buffer
 * and writes Chrome trace-event JSON. Run through its API in the worker:
 * VizTracer(tracer_entries=ENTRIES, verbose=0), start(), stop(); collect()
 * saves the JSON to a private temporary file and reads it with
 * chrome_trace.h (calls nested by time per thread: inclusive with recursion
 * once, self, calls). It records Python functions only (no C calls by
 * default), so the report has no categories (CE n/a). When the buffer
 * fills, the oldest calls are overwritten: the note says so.
 */
#include "pyadapter.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../harness/backend.h"
#include "../harness/util.h"
#include "chrome_trace.h"

struct viztracer {
    PyObject *tracer;
    long entries;
};

static const struct pb_option_spec viztracer_options[] = {
    { "entries", PB_OPT_INT, "1000000", 1000, 100000000, NULL,
      "ring buffer size in calls (viztracer's tracer_entries; its default 1000000)" },
    { NULL, 0, NULL, 0, 0, NULL, NULL },
};

static int viztracer_available(char *why, size_t whylen)
{
    return pyad_importable("viztracer", "viztracer", why, whylen);
}

static void viztracer_version(char *buf, size_t len)
{
    pyad_version("viztracer", buf, len);
}

static int viztracer_create(void **state, const struct pb_options *opts, char *err,
                            size_t errlen)
{
    struct viztracer *v = pb_xcalloc(1, sizeof(*v));
    v->entries = pb_options_int(opts, "entries");
    PyObject *mod = PyImport_ImportModule("viztracer");
    PyObject *cls = mod ? PyObject_GetAttrString(mod, "VizTracer") : NULL;
    PyObject *kw = Py_BuildValue("{s:l,s:i}", "tracer_entries", v->entries, "verbose", 0);
    PyObject *args = PyTuple_New(0);
    v->tracer = cls && kw && args ? PyObject_Call(cls, args, kw) : NULL;
    Py_XDECREF(args);
    Py_XDECREF(kw);
    Py_XDECREF(cls);
    Py_XDECREF(mod);
    if (!v->tracer) {
        free(v);
        return pyad_error(err, errlen, "viztracer.VizTracer()");
    }
    *state = v;
    return 0;
}

static int viztracer_start(void *state, char *err, size_t errlen)
{
    return pyad_call(((struct viztracer *)state)->tracer, "start", err, errlen, NULL);
}

static int viztracer_stop(void *state, char *err, size_t errlen)
{
    return pyad_call(((struct viztracer *)state)->tracer, "stop", err, errlen, NULL);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct pb_strbuf sb = PB_STRBUF_INIT;
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
        pb_strbuf_add(&sb, buf, n);
    fclose(f);
    *len = sb.len;
    return sb.len ? pb_strbuf_detach(&sb) : pb_xstrdup("");
}

static int viztracer_collect(void *state, struct pb_report *out, char *err, size_t errlen)
{
    struct viztracer *v = state;
    char path[] = "/tmp/pyprof-bench-viztracer.XXXXXX.json";
    int fd = mkstemps(path, 5);
    if (fd < 0)
        return pb_error(err, errlen, "viztracer: cannot make a temporary file: %s",
                        strerror(errno));
    close(fd);
    if (pyad_call(v->tracer, "save", err, errlen, "(s)", path) < 0) {
        unlink(path);
        return -1;
    }
    size_t len = 0, events = 0;
    char *text = slurp(path, &len);
    unlink(path);
    if (!text)
        return pb_error(err, errlen, "viztracer wrote no trace");
    int rc = pb_chrome_trace_read(text, len, out, &events, err, errlen);
    free(text);
    if (rc < 0)
        return -1;
    out->categories = 0;
    uint64_t calls = 0;
    for (size_t i = 0; i < out->count; i++)
        calls += out->entries[i].count;
    char note[160], version[32];
    viztracer_version(version, sizeof(version));
    snprintf(note, sizeof(note), "viztracer %s, %llu calls%s", version[0] ? version : "?",
             (unsigned long long)calls,
             calls >= (uint64_t)v->entries ? ", buffer full: the oldest calls were dropped" : "");
    pb_report_set_note(out, note);
    return 0;
}

static void viztracer_destroy(void *state)
{
    struct viztracer *v = state;
    Py_XDECREF(v->tracer);
    free(v);
}

const struct pb_backend_ops pb_backend_viztracer = {
    .kind = "viztracer",
    .summary = "viztracer (pip) through its API: every call into Chrome trace JSON",
    .mechanism = "tracing",
    .categories = 0,
    .caps = PB_CAP_THREADS | PB_CAP_REGION | PB_CAP_REPORT,
    .options = viztracer_options,
    .available = viztracer_available,
    .create = viztracer_create,
    .start = viztracer_start,
    .stop = viztracer_stop,
    .collect = viztracer_collect,
    .destroy = viztracer_destroy,
    .tool_version = viztracer_version,
};
