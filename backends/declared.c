/*
 * declared.c: backends declared in YAML, with no C of their own (issue 14):
 *
 *   kind: python-api   a profiler driven through its Python API in the
 *                      worker: a module (or file), start and stop callables
 *                      with their arguments, and the profile from a result
 *                      callable or from a file it writes, in a known format;
 *   kind: command      a tool that launches the program (launch.h): an argv
 *                      template with {python}, {driver} and {output}, and the
 *                      format of the file it writes.
 *
 * Formats: collapsed (folded stacks, py-spy's form), austin, speedscope and
 * pstats are read by harness/py/pyprof_bench/formats, chrome-trace by
 * chrome_trace.c. Whole-program formats (pstats, chrome-trace) take the
 * region's total from the region marker (pyprof_bench.region.run_region)
 * when the program ran under the driver; stack formats keep the samples
 * under it (formats/collapsed.py). The glue is
 * pyprof_bench/adapters/declared.py. Options are checked at config time
 * (check()), the module and callables when the worker creates the backend.
 */
#include "pyadapter.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../harness/backend.h"
#include "../harness/json_parse.h"
#include "../harness/launch.h"
#include "../harness/pypkg.h"
#include "../harness/pypkg_import.h"
#include "../harness/util.h"
#include "../harness/venv.h"
#include "chrome_trace.h"

static const char *const format_choices[] = { "none", "collapsed", "austin", "speedscope",
                                              "pstats", "chrome-trace", NULL };

#define INTERVAL_OPTION                                                              \
    { "interval", PB_OPT_DURATION, "1ms", 1e-6, 10, NULL,                            \
      "collapsed format: the seconds one sample count stands for" }

/* What the tool needs and where its version comes from (entry_available,
 * entry_version): the same two options in both kinds. */
#define TOOL_OPTIONS                                                                 \
    { "requires", PB_OPT_STRING, "", 0, -1, NULL,                                    \
      "module:NAME (imported in the worker) or program:NAME (on PATH, the venv's "   \
      "bin/ first); a bare NAME is a module in python-api, a program in command. "   \
      "Missing: the rows are skipped with the reason" },                             \
    { "version", PB_OPT_STRING, "", 0, -1, NULL,                                     \
      "distribution (importlib.metadata) or module (__version__) whose version is "  \
      "the tool's, in --list and results.json" }

static const struct pb_option_spec python_api_options[] = {
    { "file", PB_OPT_PATH, "", 0, -1, NULL,
      "the profiler's Python file (relative to the config), or module" },
    { "module", PB_OPT_STRING, "", 0, -1, NULL,
      "the profiler's importable module (from the worker's venv), or file" },
    { "setup", PB_OPT_STRING, "", 0, -1, NULL,
      "callable called once when the backend is made, outside the region (a class, "
      "say); start, stop and save are then attributes of what it returns" },
    { "setup_args", PB_OPT_LIST, "[]", 0, -1, NULL, "its arguments, as start_args" },
    { "start", PB_OPT_STRING, "", 0, -1, NULL, "callable that starts profiling (NAME.ATTR ok)" },
    { "start_args", PB_OPT_LIST, "[]", 0, -1, NULL,
      "its arguments; the string {output} is the output file's path" },
    { "stop", PB_OPT_STRING, "", 0, -1, NULL, "callable that stops profiling" },
    { "stop_args", PB_OPT_LIST, "[]", 0, -1, NULL, "its arguments, as start_args" },
    { "save", PB_OPT_STRING, "", 0, -1, NULL,
      "with output: callable that writes the output after the region (outside it)" },
    { "save_args", PB_OPT_LIST, "[]", 0, -1, NULL, "its arguments, as start_args" },
    { "result", PB_OPT_STRING, "", 0, -1, NULL,
      "callable returning rows (file, function, line, inclusive s, self s[, count"
      "[, {python|native|system: s}]]); or output and format" },
    { "output", PB_OPT_STRING, "", 0, -1, NULL,
      "file name the profiler writes (in a private folder, {output} in the args)" },
    { "format", PB_OPT_ENUM, "none", 0, -1, format_choices, "the output's format" },
    INTERVAL_OPTION,
    TOOL_OPTIONS,
    { NULL, 0, NULL, 0, 0, NULL, NULL },
};

static const struct pb_option_spec command_options[] = {
    { "argv", PB_OPT_LIST, "[]", 0, -1, NULL,
      "the command (numbers are written as text): {python} the interpreter, {driver} "
      "the driver and its arguments (one item, required), {output} the output's path" },
    { "output", PB_OPT_STRING, "profile.out", 0, -1, NULL,
      "file name the tool writes (in the launch's private folder)" },
    { "format", PB_OPT_ENUM, "none", 0, -1, format_choices, "the output's format" },
    { "region", PB_OPT_STRING, "", 0, -1, NULL,
      "module whose start() and stop() the driver calls around the region; \"\": none" },
    INTERVAL_OPTION,
    TOOL_OPTIONS,
    { NULL, 0, NULL, 0, 0, NULL, NULL },
};

struct declared {
    struct pb_options opts;         /* a copy: launch() reads argv */
    PyObject *start, *start_args, *stop, *stop_args, *collect, *finish;   /* python-api */
    char dir[128];                  /* python-api: private folder of the output */
    char output[512];               /* the output file's path */
    char *data;                     /* its bytes, read after the region */
    size_t len;
    char note[256];
    char tool[128];                 /* "NAME VERSION" for the note */
};

/* ---------------------------------------------------------------- checks */

static int set_text(const struct pb_options *opts, const char *key)
{
    return pb_options_text(opts, key)[0] != '\0';
}

static int has_format(const struct pb_options *opts)
{
    return strcmp(pb_options_text(opts, "format"), "none") != 0;
}

/* A dotted Python name ("start", "prof.enable"). */
static int dotted_name(const char *s)
{
    int start = 1;
    for (; *s; s++) {
        if (*s == '.') {
            if (start)
                return 0;
            start = 1;
            continue;
        }
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_' ||
              (!start && *s >= '0' && *s <= '9')))
            return 0;
        start = 0;
    }
    return !start;
}

/* requires: [module:|program:]NAME; a bare NAME is a program when
 * program_default, else a module. */
static int requires_check(const struct pb_options *opts, int program_default, const char **key,
                          char *err, size_t errlen)
{
    const char *r = pb_options_text(opts, "requires");
    if (!r[0])
        return 0;
    *key = "requires";
    int module = !strncmp(r, "module:", 7) || (!program_default && !strchr(r, ':'));
    if (module) {
        const char *name = strncmp(r, "module:", 7) ? r : r + 7;
        if (!dotted_name(name))
            return pb_error(err, errlen, "requires: a module needs a dotted Python name, "
                            "got '%s'", name);
        *key = NULL;
        return 0;
    }
    if (!strncmp(r, "program:", 8))
        r += 8;
    if (!r[0] || strchr(r, '/') || strchr(r, ' ') || strchr(r, ':'))
        return pb_error(err, errlen, "requires is module:NAME, program:NAME or NAME (a "
                        "program's file name, not a path), got '%s'",
                        pb_options_text(opts, "requires"));
    *key = NULL;
    return 0;
}

static int python_api_check(const struct pb_options *opts, const char **key, char *err,
                            size_t errlen)
{
    *key = NULL;
    if (requires_check(opts, 0, key, err, errlen) < 0)
        return -1;
    if (set_text(opts, "file") == set_text(opts, "module"))
        return pb_error(err, errlen, "a python-api backend needs file or module, not both");
    if (set_text(opts, "module") && !dotted_name(pb_options_text(opts, "module")))
        return *key = "module", pb_error(err, errlen, "module must be a dotted Python name");
    static const char *const calls[] = { "start", "stop", NULL };
    for (size_t i = 0; calls[i]; i++)
        if (!set_text(opts, calls[i]))
            return pb_error(err, errlen, "a python-api backend needs %s (a callable)", calls[i]);
    static const char *const names[] = { "setup", "start", "stop", "save", "result", NULL };
    for (size_t i = 0; names[i]; i++)
        if (set_text(opts, names[i]) && !dotted_name(pb_options_text(opts, names[i])))
            return *key = names[i],
                   pb_error(err, errlen, "%s must be a dotted Python name, got '%s'", names[i],
                            pb_options_text(opts, names[i]));
    int result = set_text(opts, "result"), output = set_text(opts, "output");
    if (result == (output || has_format(opts)))
        return *key = result ? "result" : NULL,
               pb_error(err, errlen, "the profile comes from result, or from output and "
                        "format: give one of the two");
    if (output != has_format(opts))
        return *key = output ? "output" : "format",
               pb_error(err, errlen, "output and format go together");
    if (output && strchr(pb_options_text(opts, "output"), '/'))
        return *key = "output", pb_error(err, errlen, "output is a file name, not a path");
    if (set_text(opts, "save") && !output)
        return *key = "save", pb_error(err, errlen, "save writes the output: it needs output "
                                       "and format");
    return 0;
}

/* Items of a PB_OPT_LIST option (option.c made sure it is a JSON array). */
static int list_items(const struct pb_options *opts, const char *key, struct pb_jval *v)
{
    memset(v, 0, sizeof(*v));
    const char *t = pb_options_text(opts, key);
    char why[PB_ERRLEN];
    return pb_json_parse(t, strlen(t), v, why, sizeof(why));
}

static int command_check(const struct pb_options *opts, const char **key, char *err,
                         size_t errlen)
{
    *key = "argv";
    struct pb_jval v;
    if (list_items(opts, "argv", &v) < 0 || v.n == 0) {
        pb_jval_release(&v);
        return pb_error(err, errlen, "a command backend needs argv, the tool's command line");
    }
    size_t drivers = 0;
    for (size_t i = 0; i < v.n; i++)
        if (v.items[i].type == PB_J_STR && !strcmp(v.items[i].str, "{driver}"))
            drivers++;
    const char *first = v.items[0].type == PB_J_STR ? v.items[0].str : "";
    int first_ok = first[0] && strcmp(first, "{driver}") && strcmp(first, "{output}");
    pb_jval_release(&v);
    if (drivers != 1)
        return pb_error(err, errlen, "argv must hold the item {driver} once (the program "
                        "the tool runs), got it %zu times", drivers);
    if (!first_ok)
        return pb_error(err, errlen, "argv must start with the tool ({python} or a program)");
    if (!has_format(opts))
        return *key = "format",
               pb_error(err, errlen, "a command backend needs format, the output's format");
    const char *out = pb_options_text(opts, "output");
    if (!out[0] || strchr(out, '/') || !strcmp(out, "driver.py") || !strcmp(out, "timings") ||
        !strcmp(out, "tool.log") || !strcmp(out, "pyprof_bench"))
        return *key = "output", pb_error(err, errlen, "output must be a file name of its own "
                                         "(not a path, nor driver.py, timings, tool.log)");
    if (set_text(opts, "region") && !dotted_name(pb_options_text(opts, "region")))
        return *key = "region", pb_error(err, errlen, "region must be a dotted Python name");
    *key = NULL;
    return requires_check(opts, 1, key, err, errlen);
}

/* ---------------------------------------------------------------- the tool */

/* The name in requires:, and whether it is a program (else a module); a
 * bare name is a program when program_default. */
static const char *required(const struct pb_options *opts, int program_default, int *program)
{
    const char *r = pb_options_text(opts, "requires");
    *program = program_default;
    if (!strncmp(r, "module:", 7)) {
        *program = 0;
        return r + 7;
    }
    if (!strncmp(r, "program:", 8)) {
        *program = 1;
        return r + 8;
    }
    return r;
}

/* Is what requires: names there? Else why, with why `make deps` could not
 * install it (a module's top-level package, or the program, taken as the
 * distribution's name), like the C adapters say. */
static int tool_available(const struct pb_options *opts, int program_default, char *why,
                          size_t whylen)
{
    int program;
    const char *name = required(opts, program_default, &program);
    if (!name[0])
        return 1;
    if (!program) {
        char dist[256];
        snprintf(dist, sizeof(dist), "%.*s", (int)strcspn(name, "."), name);
        return pyad_importable(name, dist, why, whylen);
    }
    if (pb_on_path(name))
        return 1;
    char failed[512];
    pb_venv_failure(name, failed, sizeof(failed));
    snprintf(why, whylen, "%s not found on PATH%s%.500s", name, failed[0] ? ": " : "", failed);
    return 0;
}

static int python_api_available(const struct pb_options *opts, char *why, size_t whylen)
{
    return tool_available(opts, 0, why, whylen);
}

static int command_available(const struct pb_options *opts, char *why, size_t whylen)
{
    return tool_available(opts, 1, why, whylen);
}

/* version: a distribution's version, else the module's __version__. */
static void tool_version(const struct pb_options *opts, char *buf, size_t len)
{
    const char *v = pb_options_text(opts, "version");
    buf[0] = '\0';
    if (!v[0])
        return;
    pyad_version(v, buf, len);
    if (buf[0] || !dotted_name(v))
        return;
    PyObject *mod = PyImport_ImportModule(v);
    if (mod) {
        pyad_string(mod, "__version__", buf, len);
        Py_DECREF(mod);
    }
    PyErr_Clear();
}

/* ---------------------------------------------------------------- common */

/* "NAME VERSION" of the version option into x->tool for the note; "" when
 * the version is unknown. */
static const char *tool_named(struct declared *x, const char *version)
{
    if (!version[0])
        return "";
    snprintf(x->tool, sizeof(x->tool), "%.60s %.60s", pb_options_text(&x->opts, "version"),
             version);
    return x->tool;
}

static void declared_destroy(void *state)
{
    struct declared *x = state;
    Py_XDECREF(x->start);
    Py_XDECREF(x->start_args);
    Py_XDECREF(x->stop);
    Py_XDECREF(x->stop_args);
    Py_XDECREF(x->collect);
    Py_XDECREF(x->finish);
    if (x->dir[0])
        pb_remove_tree(x->dir);
    free(x->data);
    pb_options_release(&x->opts);
    free(x);
}

static int copy_options(struct declared *x, const struct pb_options *opts,
                        const struct pb_option_spec *specs, char *err, size_t errlen)
{
    if (pb_options_init_defaults(&x->opts, specs, err, errlen) < 0)
        return -1;
    for (size_t i = 0; i < opts->count; i++)
        if (pb_options_set(&x->opts, opts->values[i].spec->name, opts->values[i].text, err,
                           errlen) < 0)
            return -1;
    return 0;
}

/* Rows (file, function, line, thread, inclusive, self, count) and their
 * categories ((python, native, system) or None) into out. */
static int add_rows(struct pb_report *out, PyObject *rows, PyObject *cats, char *err,
                    size_t errlen)
{
    unsigned categories = 0;
    Py_ssize_t n = PyList_Size(rows);
    for (Py_ssize_t i = 0; i < n; i++) {
        const char *file, *name;
        int line;
        unsigned long long tid, count;
        double inc, self;
        if (!PyArg_ParseTuple(PyList_GetItem(rows, i), "ssiKddK", &file, &name, &line, &tid,
                              &inc, &self, &count))
            return pyad_error(err, errlen, "reading the profile");
        struct pb_report_entry *e = pb_report_add(out, file, line, name, tid);
        e->inclusive_s = inc;
        e->self_s = self;
        e->count = count;
        PyObject *c = cats && PyList_Check(cats) && i < PyList_Size(cats)
                          ? PyList_GetItem(cats, i) : NULL;
        if (c && c != Py_None) {
            if (!PyArg_ParseTuple(c, "ddd", &e->cat_s[PB_CAT_PYTHON], &e->cat_s[PB_CAT_NATIVE],
                                  &e->cat_s[PB_CAT_SYSTEM]))
                return pyad_error(err, errlen, "reading the profile's categories");
            categories = PB_CAT_BIT(PB_CAT_PYTHON) | PB_CAT_BIT(PB_CAT_NATIVE) |
                         PB_CAT_BIT(PB_CAT_SYSTEM);
        }
    }
    out->categories = categories;
    return 0;
}

static char *slurp(const char *path, size_t *len)
{
    char *text;
    return pb_read_file(path, 0, &text, len) == 0 ? text : NULL;
}

/* Read the output file into x->data (launch() must: its folder goes when
 * it returns). */
static int load_output(struct declared *x, char *err, size_t errlen)
{
    free(x->data);
    x->data = slurp(x->output, &x->len);
    if (!x->data)
        return pb_error(err, errlen, "the profiler wrote no %s file (%s: %s)",
                        pb_options_text(&x->opts, "format"), strerror(errno), x->output);
    return 0;
}

/* The output's bytes, in C (chrome-trace) or through pyprof_bench.formats. */
static int read_output(struct declared *x, struct pb_report *out, char *err, size_t errlen)
{
    const char *fmt = pb_options_text(&x->opts, "format");
    if (!x->data)
        return pb_error(err, errlen, "no %s file to read", fmt);
    if (!strcmp(fmt, "chrome-trace")) {
        size_t events = 0;
        if (pb_chrome_trace_read(x->data, x->len, out, &events, err, errlen) < 0)
            return -1;
        out->categories = 0;
        for (size_t i = 0; i < out->count; i++) {
            const struct pb_report_entry *e = &out->entries[i];
            size_t fl = strlen(e->file), ml = strlen("pyprof_bench/region.py");
            if (!strcmp(e->name, "run_region") && fl >= ml &&
                !strcmp(e->file + fl - ml, "pyprof_bench/region.py"))
                out->total_s = e->inclusive_s;
        }
        return 0;
    }
    PyObject *fn = pb_pypkg_attr("pyprof_bench.adapters.declared", "read_output");
    PyObject *r = fn ? PyObject_CallFunction(fn, "sy#d", fmt, x->data, (Py_ssize_t)x->len,
                                             pb_options_double(&x->opts, "interval"))
                     : NULL;
    Py_XDECREF(fn);
    PyObject *total, *rows, *cats;
    if (!r || !PyArg_ParseTuple(r, "OO!O", &total, &PyList_Type, &rows, &cats)) {
        Py_XDECREF(r);
        return pyad_error(err, errlen, "reading the profile");
    }
    int rc = add_rows(out, rows, cats, err, errlen);
    if (rc == 0 && total != Py_None)
        out->total_s = PyFloat_AsDouble(total);
    Py_DECREF(r);
    if (rc == 0 && PyErr_Occurred())
        return pyad_error(err, errlen, "reading the profile");
    return rc;
}

/* ---------------------------------------------------------------- python-api */

static int python_api_create(void **state, const struct pb_options *opts, char *err,
                             size_t errlen)
{
    struct declared *x = pb_xcalloc(1, sizeof(*x));
    if (copy_options(x, opts, python_api_options, err, errlen) < 0) {
        declared_destroy(x);
        return -1;
    }
    if (set_text(opts, "output")) {
        if (pb_make_private_dir(x->dir, sizeof(x->dir), "pyprof-bench-api.", err,
                                errlen) < 0) {
            declared_destroy(x);
            return -1;
        }
        snprintf(x->output, sizeof(x->output), "%s/%s", x->dir, pb_options_text(opts, "output"));
    }
    PyObject *fn = pb_pypkg_attr("pyprof_bench.adapters.declared", "prepare");
    PyObject *r = fn ? PyObject_CallFunction(
                           fn, "ssssssssssss", pb_options_text(opts, "file"),
                           pb_options_text(opts, "module"), pb_options_text(opts, "setup"),
                           pb_options_text(opts, "setup_args"), pb_options_text(opts, "start"),
                           pb_options_text(opts, "start_args"), pb_options_text(opts, "stop"),
                           pb_options_text(opts, "stop_args"), pb_options_text(opts, "save"),
                           pb_options_text(opts, "save_args"), pb_options_text(opts, "result"),
                           x->output)
                     : NULL;
    Py_XDECREF(fn);
    if (!r || !PyArg_ParseTuple(r, "OO!OO!OO", &x->start, &PyTuple_Type, &x->start_args,
                                &x->stop, &PyTuple_Type, &x->stop_args, &x->collect,
                                &x->finish)) {
        Py_XDECREF(r);
        x->start = x->start_args = x->stop = x->stop_args = x->collect = x->finish = NULL;
        declared_destroy(x);
        return pyad_error(err, errlen, "python-api");
    }
    Py_INCREF(x->start);
    Py_INCREF(x->start_args);
    Py_INCREF(x->stop);
    Py_INCREF(x->stop_args);
    Py_INCREF(x->collect);
    Py_INCREF(x->finish);
    Py_DECREF(r);
    *state = x;
    return 0;
}

static int python_api_call(PyObject *fn, PyObject *args, const char *what, char *err,
                           size_t errlen)
{
    PyObject *r = PyObject_Call(fn, args, NULL);
    if (!r)
        return pyad_error(err, errlen, what);
    Py_DECREF(r);
    return 0;
}

static int python_api_start(void *state, char *err, size_t errlen)
{
    struct declared *x = state;
    return python_api_call(x->start, x->start_args, "start", err, errlen);
}

static int python_api_stop(void *state, char *err, size_t errlen)
{
    struct declared *x = state;
    return python_api_call(x->stop, x->stop_args, "stop", err, errlen);
}

static int python_api_collect(void *state, struct pb_report *out, char *err, size_t errlen)
{
    struct declared *x = state;
    if (set_text(&x->opts, "output")) {
        PyObject *saved = PyObject_CallNoArgs(x->finish);
        if (!saved)
            return pyad_error(err, errlen, "save");
        Py_DECREF(saved);
        if (load_output(x, err, errlen) < 0 || read_output(x, out, err, errlen) < 0)
            return -1;
    } else {
        PyObject *r = PyObject_CallNoArgs(x->collect);
        PyObject *total, *rows, *cats;
        if (!r || !PyArg_ParseTuple(r, "OO!O", &total, &PyList_Type, &rows, &cats)) {
            Py_XDECREF(r);
            return pyad_error(err, errlen, "result");
        }
        int rc = add_rows(out, rows, cats, err, errlen);
        Py_DECREF(r);
        if (rc < 0)
            return -1;
    }
    const char *what = pb_options_text(&x->opts, "module");
    if (!what[0]) {
        what = strrchr(pb_options_text(&x->opts, "file"), '/');
        what = what ? what + 1 : pb_options_text(&x->opts, "file");
    }
    char version[64];
    tool_version(&x->opts, version, sizeof(version));
    snprintf(x->note, sizeof(x->note), "python-api %.100s, %s%s%s", what, tool_named(x, version),
             version[0] ? ", " : "",
             set_text(&x->opts, "output") ? pb_options_text(&x->opts, "format") : "result rows");
    pb_report_set_note(out, x->note);
    return 0;
}

const struct pb_backend_ops pb_backend_python_api = {
    .kind = "python-api",
    .summary = "a profiler declared in YAML, driven through its Python API (start, stop, "
               "result or output file)",
    .mechanism = "declared",
    .categories = 0,
    .caps = PB_CAP_REGION | PB_CAP_REPORT,
    .options = python_api_options,
    .create = python_api_create,
    .start = python_api_start,
    .stop = python_api_stop,
    .collect = python_api_collect,
    .destroy = declared_destroy,
    .check = python_api_check,
    .entry_available = python_api_available,
    .entry_version = tool_version,
};

/* ---------------------------------------------------------------- command */

static int command_create(void **state, const struct pb_options *opts, char *err, size_t errlen)
{
    struct declared *x = pb_xcalloc(1, sizeof(*x));
    if (copy_options(x, opts, command_options, err, errlen) < 0) {
        declared_destroy(x);
        return -1;
    }
    *state = x;
    return 0;
}

static void push(char ***argv, size_t *argc, char *s)
{
    *argv = pb_xrealloc(*argv, (*argc + 2) * sizeof(**argv));
    (*argv)[(*argc)++] = s;
    (*argv)[*argc] = NULL;
}

/* s with every {python} and {output} replaced. */
static char *expand(const char *s, const char *python, const char *output)
{
    struct pb_strbuf sb = PB_STRBUF_INIT;
    while (*s) {
        if (!strncmp(s, "{python}", 8)) {
            pb_strbuf_adds(&sb, python);
            s += 8;
        } else if (!strncmp(s, "{output}", 8)) {
            pb_strbuf_adds(&sb, output);
            s += 8;
        } else {
            pb_strbuf_add(&sb, s++, 1);
        }
    }
    return sb.len ? pb_strbuf_detach(&sb) : pb_xstrdup("");
}

static int command_launch(void *state, struct pb_launch *job, char *err, size_t errlen)
{
    struct declared *x = state;
    snprintf(x->output, sizeof(x->output), "%s/%s", job->dir, pb_options_text(&x->opts, "output"));
    struct pb_jval v;
    if (list_items(&x->opts, "argv", &v) < 0)
        return pb_error(err, errlen, "argv is not a list");
    char **argv = NULL;
    size_t argc = 0;
    for (size_t i = 0; i < v.n; i++) {
        char num[40];
        const char *item = num;
        if (v.items[i].type == PB_J_STR)
            item = v.items[i].str;
        else if (v.items[i].type == PB_J_NUM)
            snprintf(num, sizeof(num), "%.15g", v.items[i].num);
        else
            snprintf(num, sizeof(num), "%s", v.items[i].b ? "true" : "false");
        if (!strcmp(item, "{driver}"))
            pb_launch_driver_args(job, pb_options_text(&x->opts, "region"), &argv, &argc);
        else
            push(&argv, &argc, expand(item, job->python_exe, x->output));
    }
    pb_jval_release(&v);
    if (pb_launch_run(job, argv, argc, err, errlen) < 0)
        return -1;
    if (job->failed_phase >= 0 || job->error[0])
        return 0;   /* the worker reports the phase's exception */
    return load_output(x, err, errlen);
}

static int command_collect(void *state, struct pb_report *out, char *err, size_t errlen)
{
    struct declared *x = state;
    if (read_output(x, out, err, errlen) < 0)
        return -1;
    struct pb_jval v;
    list_items(&x->opts, "argv", &v);
    char version[64];
    tool_version(&x->opts, version, sizeof(version));
    snprintf(x->note, sizeof(x->note), "command %.100s, launched, %s%s%s",
             v.n && v.items[0].type == PB_J_STR ? v.items[0].str : "?", tool_named(x, version),
             version[0] ? ", " : "", pb_options_text(&x->opts, "format"));
    pb_jval_release(&v);
    pb_report_set_note(out, x->note);
    return 0;
}

const struct pb_backend_ops pb_backend_command = {
    .kind = "command",
    .summary = "a tool declared in YAML that launches the program (argv template with "
               "{python}, {driver}, {output}) and writes a profile file",
    .mechanism = "declared",
    .categories = 0,
    .caps = PB_CAP_THREADS | PB_CAP_REPORT,
    .options = command_options,
    .create = command_create,
    .collect = command_collect,
    .destroy = declared_destroy,
    .launch = command_launch,
    .check = command_check,
    .entry_available = command_available,
    .entry_version = tool_version,
};
