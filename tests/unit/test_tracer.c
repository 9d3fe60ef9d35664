/* test_tracer.c: the deterministic and multiclock backends, through the
 * backend interface, in an embedded interpreter, on the known call tree of
 * tests/e2e/workloads/calltree.py. Every test runs with api: setprofile and,
 * on CPython 3.12 and later, again with api: monitoring (sys.monitoring);
 * before 3.12, api: monitoring is checked to be refused as a skip. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "../../harness/backend.h"
#include "../../harness/report.h"
#include "../../harness/util.h"
#include "pyembed.h"

#define CALLTREE "tests/e2e/workloads/calltree.py"

static PyObject *module;

/* The api of the running test: its cmocka prestate, "setprofile" when none. */
static const char *api_of(void **state)
{
    return *state ? (const char *)*state : "setprofile";
}

/* Options for a backend: the api first, then opts ({name, value, ..., NULL}). */
static void set_options(struct pb_options *o, const struct pb_backend_ops *ops, const char *api,
                        const char *const *opts)
{
    char err[PB_ERRLEN];
    assert_int_equal(pb_options_init_defaults(o, ops->options, err, sizeof(err)), 0);
    assert_int_equal(pb_options_set(o, "api", api, err, sizeof(err)), 0);
    for (size_t i = 0; opts && opts[i]; i += 2)
        assert_int_equal(pb_options_set(o, opts[i], opts[i + 1], err, sizeof(err)), 0);
}

/* Define fn in the call tree module from Python source. */
static void define(const char *fn, const char *source)
{
    PyObject *g = PyDict_New();
    PyDict_SetItemString(g, "__builtins__", PyEval_GetBuiltins());
    PyObject *r = PyRun_String(source, Py_file_input, g, g);
    if (!r)
        PyErr_Print();
    assert_non_null(r);
    Py_DECREF(r);
    PyObject_SetAttrString(module, fn, PyDict_GetItemString(g, fn));
    Py_DECREF(g);
}

static int setup(void **state)
{
    (void)state;
    if (pyembed_start() < 0)
        return -1;
    module = pyembed_load("calltree", CALLTREE);
    return module ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    Py_CLEAR(module);
    return Py_FinalizeEx() < 0 ? -1 : 0;
}

/* Run fn of the call tree module under a backend kind with an api and
 * options. */
static void profile(const char *kind, const char *api, const char *const *opts, const char *fn,
                    struct pb_report *rep)
{
    const struct pb_backend_ops *ops = pb_backend_find(kind);
    assert_non_null(ops);
    struct pb_options o;
    char err[PB_ERRLEN];
    set_options(&o, ops, api, opts);
    void *st;
    if (ops->create(&st, &o, err, sizeof(err)) != 0)
        fail_msg("create: %s", err);
    assert_int_equal(ops->start(st, err, sizeof(err)), 0);
    PyObject *r = PyObject_CallMethod(module, fn, NULL);
    if (!r)
        PyErr_Print();
    assert_non_null(r);
    Py_DECREF(r);
    assert_int_equal(ops->stop(st, err, sizeof(err)), 0);
    pb_report_init(rep);
    assert_int_equal(ops->collect(st, rep, err, sizeof(err)), 0);
    ops->destroy(st);
    pb_options_release(&o);
}

static const struct pb_report_entry *find(const struct pb_report *r, const char *name)
{
    for (size_t i = 0; i < r->count; i++)
        if (!strcmp(r->entries[i].name, name))
            return &r->entries[i];
    return NULL;
}

/* Exact call counts of the known tree; a generator's resumes are not calls;
 * raised-and-caught exceptions leave the counts balanced. */
static void test_call_counts(void **state)
{
    struct pb_report r;
    profile("deterministic", api_of(state), NULL, "tree", &r);
    struct { const char *name; uint64_t calls; } want[] = {
        { "tree", 1 }, { "a", 3 }, { "b", 6 }, { "builtins.len", 6 }, { "rec", 6 },
        { "gen", 1 }, { "catcher", 1 }, { "thrower", 3 },
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        const struct pb_report_entry *e = find(&r, want[i].name);
        if (!e)
            fail_msg("no entry for %s", want[i].name);
        if (e->count != want[i].calls)
            fail_msg("%s: %llu calls, want %llu", want[i].name,
                     (unsigned long long)e->count, (unsigned long long)want[i].calls);
    }
    assert_int_equal(r.categories, PB_CAT_BIT(PB_CAT_PYTHON) | PB_CAT_BIT(PB_CAT_NATIVE));
    pb_report_release(&r);
}

/* Self + children = inclusive; recursion counted once in inclusive time. */
static void test_time_invariants(void **state)
{
    struct pb_report r;
    profile("deterministic", api_of(state), NULL, "tree", &r);
    const struct pb_report_entry *tree = find(&r, "tree");
    assert_non_null(tree);
    double self_sum = 0;
    for (size_t i = 0; i < r.count; i++) {
        self_sum += r.entries[i].self_s;
        assert_true(r.entries[i].self_s >= 0);
        assert_true(r.entries[i].inclusive_s + 1e-9 >= r.entries[i].self_s);
        double cats = r.entries[i].cat_s[0] + r.entries[i].cat_s[1] + r.entries[i].cat_s[2];
        assert_true(fabs(cats - r.entries[i].self_s) < 1e-9);
    }
    /* Everything ran under tree(): its inclusive time is all the self time. */
    assert_true(fabs(tree->inclusive_s - self_sum) < 2e-6);
    const struct pb_report_entry *rec = find(&r, "rec");
    assert_true(rec->inclusive_s <= tree->inclusive_s);
    assert_true(rec->inclusive_s >= rec->self_s);
    /* rec's inclusive is its outermost call only, not 6 nested sums. */
    assert_true(rec->inclusive_s < 6 * rec->self_s + 1e-6 || rec->self_s == 0);
    pb_report_release(&r);
}

/* builtins: false leaves C functions out and the categories to python only. */
static void test_no_builtins(void **state)
{
    const char *opts[] = { "builtins", "false", NULL };
    struct pb_report r;
    profile("deterministic", api_of(state), opts, "tree", &r);
    assert_null(find(&r, "builtins.len"));
    assert_non_null(find(&r, "b"));
    assert_int_equal(r.categories, PB_CAT_BIT(PB_CAT_PYTHON));
    pb_report_release(&r);
}

/* The program's own exception state is unchanged by start and stop. */
static void test_exception_state_kept(void **state)
{
    PyErr_SetString(PyExc_KeyError, "kept");
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    const struct pb_backend_ops *ops = pb_backend_find("deterministic");
    struct pb_options o;
    char err[PB_ERRLEN];
    set_options(&o, ops, api_of(state), NULL);
    void *st;
    assert_int_equal(ops->create(&st, &o, err, sizeof(err)), 0);
    PyErr_Restore(type, value, tb);
    assert_int_equal(ops->start(st, err, sizeof(err)), 0);
    assert_true(PyErr_ExceptionMatches(PyExc_KeyError));
    assert_int_equal(ops->stop(st, err, sizeof(err)), 0);
    assert_true(PyErr_ExceptionMatches(PyExc_KeyError));
    PyErr_Clear();
    ops->destroy(st);
    pb_options_release(&o);
}

/* A thread started while profiling is profiled too. */
static void test_thread_started_mid_run(void **state)
{
    define("spawn", "import threading\n"
                    "def in_thread():\n"
                    "    return sum(range(100000))\n"
                    "def spawn():\n"
                    "    t = threading.Thread(target=in_thread)\n"
                    "    t.start(); t.join()\n");
    struct pb_report rep;
    profile("deterministic", api_of(state), NULL, "spawn", &rep);
    const struct pb_report_entry *e = find(&rep, "in_thread");
    assert_non_null(e);
    assert_int_equal(e->count, 1);
    const struct pb_report_entry *sp = find(&rep, "spawn");
    assert_non_null(sp);
    assert_true(e->thread != sp->thread);
    pb_report_release(&rep);
}

/* multiclock puts a sleep's time in the system category, in both modes. */
static void test_multiclock_sleep_is_system(void **state)
{
    define("napper", "import time\n"
                     "def napper():\n"
                     "    time.sleep(0.05)\n");
    const char *modes[] = { "checkpoints", "every_event" };
    for (int m = 0; m < 2; m++) {
        const char *opts[] = { "cpu_reads", modes[m], NULL };
        struct pb_report rep;
        profile("multiclock", api_of(state), opts, "napper", &rep);
        assert_int_equal(rep.categories, PB_CAT_ALL);
        double sys = 0, all = 0;
        for (size_t i = 0; i < rep.count; i++) {
            sys += rep.entries[i].cat_s[PB_CAT_SYSTEM];
            all += rep.entries[i].self_s;
        }
        pb_report_release(&rep);
        /* Under valgrind (PB_VALGRIND) the few CPU-bound instructions around
         * the sleep run 50 times slower: 90% of 0.0545 s was seen at 0.049. */
        double need = getenv("PB_VALGRIND") ? 0.75 : 0.9;
        if (!(sys > need * all))
            fail_msg("%s: system %.4f of %.4f s", modes[m], sys, all);
    }
}

/* Started and stopped in the middle of a call stack: the frames entered
 * before start and left after stop do not corrupt the totals. */
static void *mid_state;
static const struct pb_backend_ops *mid_ops;

static PyObject *start_here(PyObject *self, PyObject *args)
{
    (void)self, (void)args;
    char err[PB_ERRLEN];
    if (mid_ops->start(mid_state, err, sizeof(err)) < 0)
        return PyErr_Format(PyExc_RuntimeError, "%s", err);
    Py_RETURN_NONE;
}

static PyObject *stop_here(PyObject *self, PyObject *args)
{
    (void)self, (void)args;
    char err[PB_ERRLEN];
    if (mid_ops->stop(mid_state, err, sizeof(err)) < 0)
        return PyErr_Format(PyExc_RuntimeError, "%s", err);
    Py_RETURN_NONE;
}

static PyMethodDef start_def = { "start_here", start_here, METH_NOARGS, NULL };
static PyMethodDef stop_def = { "stop_here", stop_here, METH_NOARGS, NULL };

static void test_mid_stack(void **state)
{
    mid_ops = pb_backend_find("deterministic");
    struct pb_options o;
    char err[PB_ERRLEN];
    set_options(&o, mid_ops, api_of(state), NULL);
    assert_int_equal(mid_ops->create(&mid_state, &o, err, sizeof(err)), 0);
    PyObject *g = PyDict_New();
    PyDict_SetItemString(g, "__builtins__", PyEval_GetBuiltins());
    PyObject *f1 = PyCFunction_New(&start_def, NULL), *f2 = PyCFunction_New(&stop_def, NULL);
    PyDict_SetItemString(g, "start_here", f1);
    PyDict_SetItemString(g, "stop_here", f2);
    PyObject *r = PyRun_String("def inner():\n"
                               "    return sum(range(1000))\n"
                               "def deep():\n"
                               "    inner()\n"
                               "    stop_here()\n"
                               "    inner()\n"
                               "def outer():\n"
                               "    start_here()\n"
                               "    inner()\n"
                               "    deep()\n"
                               "    inner()\n"
                               "outer()\n",
                               Py_file_input, g, g);
    if (!r)
        PyErr_Print();
    assert_non_null(r);
    Py_DECREF(r);
    struct pb_report rep;
    pb_report_init(&rep);
    assert_int_equal(mid_ops->collect(mid_state, &rep, err, sizeof(err)), 0);
    const struct pb_report_entry *inner = find(&rep, "inner");
    const struct pb_report_entry *deep = find(&rep, "deep");
    assert_non_null(inner);
    assert_non_null(deep);
    assert_int_equal(inner->count, 2);     /* the one after stop is not seen */
    assert_int_equal(deep->count, 1);
    const struct pb_report_entry *outer = find(&rep, "outer");
    assert_true(!outer || outer->count == 0);   /* entered before start */
    for (size_t i = 0; i < rep.count; i++) {
        assert_true(rep.entries[i].self_s >= 0);
        assert_true(rep.entries[i].inclusive_s + 1e-9 >= rep.entries[i].self_s);
        assert_true(rep.entries[i].inclusive_s < 10);
    }
    pb_report_release(&rep);
    mid_ops->destroy(mid_state);
    pb_options_release(&o);
    Py_DECREF(f1);
    Py_DECREF(f2);
    Py_DECREF(g);
}

/* Method descriptors (list.append, str.upper) are C calls named after
 * their type; a generator resumed by throw() and closed is one call. */
static void test_methods_and_throw(void **state)
{
    define("mt", "def meth():\n"
                 "    l = []\n"
                 "    for i in range(4):\n"
                 "        l.append(i)\n"
                 "    return 'abc'.upper()\n"
                 "def g2():\n"
                 "    try:\n"
                 "        yield 1\n"
                 "    except ValueError:\n"
                 "        yield 2\n"
                 "def thrown():\n"
                 "    g = g2()\n"
                 "    next(g)\n"
                 "    g.throw(ValueError)\n"
                 "    g.close()\n"
                 "def mt():\n"
                 "    meth()\n"
                 "    thrown()\n");
    struct pb_report r;
    profile("deterministic", api_of(state), NULL, "mt", &r);
    struct { const char *name; uint64_t calls; } want[] = {
        { "meth", 1 }, { "list.append", 4 }, { "str.upper", 1 }, { "g2", 1 },
        { "thrown", 1 }, { "builtins.next", 1 }, { "generator.throw", 1 },
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        const struct pb_report_entry *e = find(&r, want[i].name);
        if (!e)
            fail_msg("no entry for %s", want[i].name);
        if (e->count != want[i].calls)
            fail_msg("%s: %llu calls, want %llu", want[i].name,
                     (unsigned long long)e->count, (unsigned long long)want[i].calls);
    }
    const struct pb_report_entry *top = find(&r, "mt");
    for (size_t i = 0; i < r.count; i++)
        assert_true(r.entries[i].inclusive_s <= top->inclusive_s + 1e-9);
    pb_report_release(&r);
}

#if PY_VERSION_HEX >= 0x030C0000
/* The two apis give the same entries with the same call counts. */
static void test_apis_agree(void **state)
{
    (void)state;
    const char *fns[] = { "tree", "mt" };
    for (size_t k = 0; k < 2; k++) {
        struct pb_report a, b;
        profile("deterministic", "setprofile", NULL, fns[k], &a);
        profile("deterministic", "monitoring", NULL, fns[k], &b);
        assert_int_equal(a.count, b.count);
        for (size_t i = 0; i < a.count; i++) {
            const struct pb_report_entry *e = find(&b, a.entries[i].name);
            if (!e || e->count != a.entries[i].count || e->line != a.entries[i].line)
                fail_msg("%s: %s has %llu calls with setprofile, %llu with monitoring", fns[k],
                         a.entries[i].name, (unsigned long long)a.entries[i].count,
                         e ? (unsigned long long)e->count : 0ULL);
        }
        pb_report_release(&a);
        pb_report_release(&b);
    }
}

/* The tool id is free again after stop, and nothing of ours is registered. */
static void test_monitoring_releases_tool(void **state)
{
    (void)state;
    struct pb_report r;
    profile("deterministic", "monitoring", NULL, "tree", &r);
    pb_report_release(&r);
    PyObject *mon = PySys_GetObject("monitoring");
    for (int id = 0; id < 6; id++) {
        PyObject *owner = PyObject_CallMethod(mon, "get_tool", "i", id);
        assert_non_null(owner);
        assert_true(owner == Py_None);
        Py_DECREF(owner);
    }
    /* Every id taken by someone else: start fails with the reason. */
    for (int id = 0; id < 6; id++)
        Py_XDECREF(PyObject_CallMethod(mon, "use_tool_id", "is", id, "other"));
    const struct pb_backend_ops *ops = pb_backend_find("deterministic");
    struct pb_options o;
    char err[PB_ERRLEN];
    set_options(&o, ops, "monitoring", NULL);
    void *st;
    assert_int_equal(ops->create(&st, &o, err, sizeof(err)), 0);
    assert_int_equal(ops->start(st, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "tool id"));
    ops->destroy(st);
    pb_options_release(&o);
    for (int id = 0; id < 6; id++)
        Py_XDECREF(PyObject_CallMethod(mon, "free_tool_id", "i", id));
    assert_false(PyErr_Occurred());
}
#else
/* Before 3.12, api: monitoring is a skip naming the interpreter, for both
 * backends; nothing is created. */
static void test_monitoring_refused(void **state)
{
    (void)state;
    const char *kinds[] = { "deterministic", "multiclock" };
    for (size_t k = 0; k < 2; k++) {
        const struct pb_backend_ops *ops = pb_backend_find(kinds[k]);
        struct pb_options o;
        char err[PB_ERRLEN] = "";
        set_options(&o, ops, "monitoring", NULL);
        void *st = NULL;
        assert_int_equal(ops->create(&st, &o, err, sizeof(err)), PB_CREATE_SKIP);
        assert_null(st);
        char want[64];
        snprintf(want, sizeof(want), "this is %d.%d", PY_MAJOR_VERSION, PY_MINOR_VERSION);
        assert_non_null(strstr(err, "3.12"));
        assert_non_null(strstr(err, want));
        pb_options_release(&o);
    }
}
#endif

#define BOTH_APIS(fn) cmocka_unit_test(fn), \
    cmocka_unit_test_prestate(fn, (void *)"monitoring")

int main(void)
{
    const struct CMUnitTest tests[] = {
#if PY_VERSION_HEX >= 0x030C0000
        BOTH_APIS(test_call_counts),
        BOTH_APIS(test_time_invariants),
        BOTH_APIS(test_no_builtins),
        BOTH_APIS(test_exception_state_kept),
        BOTH_APIS(test_thread_started_mid_run),
        BOTH_APIS(test_multiclock_sleep_is_system),
        BOTH_APIS(test_mid_stack),
        BOTH_APIS(test_methods_and_throw),
        cmocka_unit_test(test_apis_agree),
        cmocka_unit_test(test_monitoring_releases_tool),
#else
        cmocka_unit_test(test_call_counts),
        cmocka_unit_test(test_time_invariants),
        cmocka_unit_test(test_no_builtins),
        cmocka_unit_test(test_exception_state_kept),
        cmocka_unit_test(test_thread_started_mid_run),
        cmocka_unit_test(test_multiclock_sleep_is_system),
        cmocka_unit_test(test_mid_stack),
        cmocka_unit_test(test_methods_and_throw),
        cmocka_unit_test(test_monitoring_refused),
#endif
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
