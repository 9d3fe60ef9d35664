/* tracer.c: the tracing engine of the deterministic and multiclock backends
 * (see tracer.h). */
#define PY_SSIZE_T_CLEAN
/* The internal frame layout (pycore_frame.h) gives the code object and the
 * instruction offset of a frame without a call and a reference count each:
 * this is the hot path. Everything used from it is in one place:
 * frame_code() and frame_lasti(), CPython 3.11 only. */
#define Py_BUILD_CORE 1
#include <Python.h>
#include <frameobject.h>
#include <internal/pycore_frame.h>
#include <opcode.h>

#if PY_VERSION_HEX < 0x030B0000 || PY_VERSION_HEX >= 0x030C0000
#error "tracer.c reads CPython 3.11's frame layout"
#endif
#if defined(__x86_64__)
#include <x86intrin.h>
#endif

#include "pyadapter.h"
#include "tracer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "../harness/util.h"

enum func_kind { FUNC_PY, FUNC_C };

struct func {
    const void *key;            /* PyCodeObject * or PyMethodDef * */
    PyObject *code;             /* strong reference (Python functions) */
    char *cname;                /* C functions: "builtins.sum", owned */
    enum func_kind kind;
    uint64_t calls;
    int64_t incl, self;         /* ticks of the primary clock */
    int64_t self_cpu;           /* EVERY_EVENT: on-CPU ns of the self time */
    int64_t sys;                /* CHECKPOINT: kernel + off-CPU ns charged */
    int active;                 /* entries of this function on the stack */
    int entry_lasti;            /* offset (code units) of the first RESUME: a
                                   CALL event there is a new call, elsewhere a
                                   generator or coroutine being resumed */
};

struct entry {
    uint32_t func;
    const void *frame;          /* PyFrameObject * or the C function object */
    int64_t start, child;       /* primary clock */
    int64_t cstart, cchild;     /* EVERY_EVENT: CPU clock */
};

struct thread {
    struct thread *next;
    long tid;
    struct func *funcs;
    size_t nfuncs, funcs_cap;
    uint32_t *slots;            /* open addressing: index + 1, 0 = empty */
    size_t slots_cap;           /* power of two */
    struct entry *stack;
    size_t depth, stack_cap;
    int64_t last;               /* primary clock at the last event */
    int64_t last_cpu;           /* CPU clock at the last event (EVERY_EVENT) */
    int64_t ck_wall, ck_cpu, ck_sys;    /* CHECKPOINT: the last checkpoint */
    int64_t loose_sys;          /* CHECKPOINT: charged with an empty stack */
    const void *last_key;       /* one-entry cache in front of the table: */
    long last_index;            /* recursion and loops repeat the same key */
};

struct tracer {
    struct tracer_config cfg;
    struct thread *threads;
    unsigned gen;
    int running;
    int nomem;                  /* an allocation failed in the hot path */
    uint64_t events;
    PyObject *hook;             /* the threading.setprofile callable */
    double tick_ns;             /* nanoseconds per tick of the primary clock */
    int64_t started_ns;         /* CLOCK_MONOTONIC at start, for cfg.burn */
    int64_t threshold_ticks, period_ticks;
};

/* The active tracer, and each thread's record of it. The generation tells a
 * stale thread-local pointer (from an earlier tracer) from a current one. */
static struct tracer *active;
static unsigned generation;
static __thread struct thread *tls_thread;
static __thread unsigned tls_gen;

/* ---------------------------------------------------------------- frames */

static inline PyCodeObject *frame_code(PyFrameObject *frame)
{
    return frame->f_frame->f_code;          /* borrowed */
}

/* Instruction offset (code units) of the frame, -1 before the first. */
static inline int frame_lasti(PyFrameObject *frame)
{
    return _PyInterpreterFrame_LASTI(frame->f_frame);
}

/* ---------------------------------------------------------------- clocks */

static inline int64_t clock_ns(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The wall clock of the hot path is the TSC where it is invariant (about
 * 8 ns a read instead of 20-40 ns for CLOCK_MONOTONIC), converted to
 * nanoseconds with a factor calibrated against CLOCK_MONOTONIC when the
 * tracer is created; CLOCK_MONOTONIC itself elsewhere. */
static int use_tsc;
static double tsc_ns_per_tick = 1.0;

static int tsc_invariant(void)
{
#if defined(__x86_64__)
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[4096];
    int constant = 0, nonstop = 0;
    if (!f)
        return 0;
    while (fgets(line, sizeof(line), f)) {
        if (strncmp(line, "flags", 5))
            continue;
        constant = strstr(line, " constant_tsc") != NULL;
        nonstop = strstr(line, " nonstop_tsc") != NULL;
        break;
    }
    fclose(f);
    return constant && nonstop;
#else
    return 0;
#endif
}

static void calibrate_tsc(void)
{
#if defined(__x86_64__)
    if (!tsc_invariant()) {
        use_tsc = 0;
        return;
    }
    int64_t t0 = clock_ns(CLOCK_MONOTONIC);
    uint64_t c0 = __rdtsc();
    struct timespec pause = { 0, 20L * 1000 * 1000 };
    nanosleep(&pause, NULL);
    int64_t t1 = clock_ns(CLOCK_MONOTONIC);
    uint64_t c1 = __rdtsc();
    if (c1 <= c0 || t1 <= t0) {
        use_tsc = 0;
        return;
    }
    tsc_ns_per_tick = (double)(t1 - t0) / (double)(c1 - c0);
    use_tsc = 1;
#else
    use_tsc = 0;
#endif
}

static inline int64_t wall_ticks(void)
{
#if defined(__x86_64__)
    if (use_tsc)
        return (int64_t)__rdtsc();
#endif
    return clock_ns(CLOCK_MONOTONIC);
}

static inline int64_t primary_now(const struct tracer *t)
{
    return t->cfg.clock == TRACER_CPU ? clock_ns(CLOCK_THREAD_CPUTIME_ID) : wall_ticks();
}

/* The thread's CPU time and its kernel part, in ns. The total comes from the
 * thread CPU clock, exact; getrusage() gives the kernel part, but lags a
 * running thread by up to a tick, so it is used for nothing else. */
static void thread_cpu(int64_t *cpu, int64_t *sys)
{
    struct rusage ru;
    *cpu = clock_ns(CLOCK_THREAD_CPUTIME_ID);
    if (getrusage(RUSAGE_THREAD, &ru) < 0) {
        *sys = 0;
        return;
    }
    *sys = (int64_t)ru.ru_stime.tv_sec * 1000000000 + (int64_t)ru.ru_stime.tv_usec * 1000;
}

/* ---------------------------------------------------------------- tables */

static inline size_t hash_ptr(const void *p)
{
    uint64_t x = (uint64_t)(uintptr_t)p;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return (size_t)x;
}

static int grow_slots(struct thread *th)
{
    size_t cap = th->slots_cap ? th->slots_cap * 2 : 256;
    uint32_t *slots = calloc(cap, sizeof(*slots));
    if (!slots)
        return -1;
    for (size_t i = 0; i < th->nfuncs; i++) {
        size_t h = hash_ptr(th->funcs[i].key) & (cap - 1);
        while (slots[h])
            h = (h + 1) & (cap - 1);
        slots[h] = (uint32_t)i + 1;
    }
    free(th->slots);
    th->slots = slots;
    th->slots_cap = cap;
    return 0;
}

/* Offset in code units of the first RESUME instruction of code (0 when not
 * found). In
 * 3.11 a function's CALL event is reported at its first RESUME; generator
 * code runs RETURN_GENERATOR and POP_TOP before it. Runs once per code object;
 * the exception state is left as it was. */
static int first_resume_offset(PyCodeObject *code)
{
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    int off = 0;
    PyObject *bytes = PyCode_GetCode(code);
    if (bytes && PyBytes_Check(bytes)) {
        const unsigned char *b = (const unsigned char *)PyBytes_AS_STRING(bytes);
        Py_ssize_t n = PyBytes_GET_SIZE(bytes);
        for (Py_ssize_t i = 0; i + 1 < n; i += 2)
            if (b[i] == RESUME) {
                off = (int)(i / 2);
                break;
            }
    }
    Py_XDECREF(bytes);
    PyErr_Clear();
    PyErr_Restore(type, value, tb);
    return off;
}

static long find_func_slow(struct thread *th, const void *key, enum func_kind kind,
                           PyObject *obj);

/* The index of key's function in th, adding it when new; -1 on OOM. */
static long find_func(struct thread *th, const void *key, enum func_kind kind, PyObject *obj)
{
    if (!key)
        return -1;   /* no code object: nothing to attribute to */
    if (key == th->last_key)
        return th->last_index;
    long i = find_func_slow(th, key, kind, obj);
    if (i >= 0) {
        th->last_key = key;
        th->last_index = i;
    }
    return i;
}

static long find_func_slow(struct thread *th, const void *key, enum func_kind kind,
                           PyObject *obj)
{
    if (th->slots_cap) {
        size_t h = hash_ptr(key) & (th->slots_cap - 1);
        while (th->slots[h]) {
            uint32_t i = th->slots[h] - 1;
            if (th->funcs[i].key == key)
                return (long)i;
            h = (h + 1) & (th->slots_cap - 1);
        }
    }
    if ((th->nfuncs + 1) * 2 > th->slots_cap && grow_slots(th) < 0)
        return -1;
    if (th->nfuncs == th->funcs_cap) {
        size_t cap = th->funcs_cap ? th->funcs_cap * 2 : 64;
        struct func *f = realloc(th->funcs, cap * sizeof(*f));
        if (!f)
            return -1;
        th->funcs = f;
        th->funcs_cap = cap;
    }
    struct func *f = &th->funcs[th->nfuncs];
    memset(f, 0, sizeof(*f));
    f->key = key;
    f->kind = kind;
    if (kind == FUNC_PY) {
        f->code = obj;
        Py_INCREF(obj);
        f->entry_lasti = first_resume_offset((PyCodeObject *)obj);
    } else {
        /* Name it now, while the function object is alive; only ASCII data is
         * read directly so nothing here can raise. */
        PyCFunctionObject *cf = (PyCFunctionObject *)obj;
        const char *owner = NULL;
        if (cf->m_module && PyUnicode_Check(cf->m_module) && PyUnicode_IS_ASCII(cf->m_module))
            owner = (const char *)PyUnicode_DATA(cf->m_module);
        else if (cf->m_self && !PyModule_Check(cf->m_self))
            owner = Py_TYPE(cf->m_self)->tp_name;
        const char *name = cf->m_ml->ml_name ? cf->m_ml->ml_name : "?";
        size_t len = (owner ? strlen(owner) + 1 : 0) + strlen(name) + 1;
        f->cname = malloc(len);
        if (!f->cname)
            return -1;
        snprintf(f->cname, len, "%s%s%s", owner ? owner : "", owner ? "." : "", name);
    }
    size_t h = hash_ptr(key) & (th->slots_cap - 1);
    while (th->slots[h])
        h = (h + 1) & (th->slots_cap - 1);
    th->slots[h] = (uint32_t)th->nfuncs + 1;
    return (long)th->nfuncs++;
}

/* ---------------------------------------------------------------- threads */

static struct thread *current_thread(struct tracer *t, int64_t now)
{
    if (tls_gen == t->gen && tls_thread)
        return tls_thread;
    struct thread *th = calloc(1, sizeof(*th));
    if (!th)
        return NULL;
    th->tid = (long)gettid();
    th->last = now;
    if (t->cfg.split == TRACER_SPLIT_CHECKPOINT) {
        th->ck_wall = now;
        thread_cpu(&th->ck_cpu, &th->ck_sys);
    }
    if (t->cfg.split == TRACER_SPLIT_EVERY_EVENT)
        th->last_cpu = clock_ns(CLOCK_THREAD_CPUTIME_ID);
    th->next = t->threads;
    t->threads = th;
    tls_thread = th;
    tls_gen = t->gen;
    return th;
}

/* Charge kernel and off-CPU time since the last checkpoint to the function
 * on top of the stack. */
static void checkpoint(const struct tracer *t, struct thread *th, int64_t now)
{
    int64_t cpu, sys;
    thread_cpu(&cpu, &sys);
    int64_t dw = (int64_t)((double)(now - th->ck_wall) * t->tick_ns);
    int64_t dc = cpu - th->ck_cpu;
    int64_t ds = sys - th->ck_sys;
    if (dc < 0)
        dc = 0;
    if (ds < 0)
        ds = 0;
    if (ds > dc)
        ds = dc;
    int64_t charge = dw - dc;      /* off-CPU ... */
    if (charge < 0)
        charge = 0;
    charge += ds;                  /* ... plus kernel CPU */
    if (charge > dw)
        charge = dw;
    if (th->depth)
        th->funcs[th->stack[th->depth - 1].func].sys += charge;
    else
        th->loose_sys += charge;
    th->ck_wall = now;
    th->ck_cpu = cpu;
    th->ck_sys = sys;
}

/* ---------------------------------------------------------------- events */

static void push(struct tracer *t, struct thread *th, long fi, const void *frame, int64_t now,
                 int64_t cpu)
{
    if (th->depth == th->stack_cap) {
        size_t cap = th->stack_cap ? th->stack_cap * 2 : 128;
        struct entry *s = realloc(th->stack, cap * sizeof(*s));
        if (!s) {
            t->nomem = 1;
            return;
        }
        th->stack = s;
        th->stack_cap = cap;
    }
    struct entry *e = &th->stack[th->depth++];
    e->func = (uint32_t)fi;
    e->frame = frame;
    e->start = now;
    e->child = 0;
    e->cstart = cpu;
    e->cchild = 0;
    th->funcs[fi].active++;
}

static void pop_one(struct thread *th, int64_t now, int64_t cpu)
{
    struct entry *e = &th->stack[--th->depth];
    struct func *f = &th->funcs[e->func];
    int64_t elapsed = now - e->start;
    if (elapsed < 0)
        elapsed = 0;
    f->self += elapsed - e->child;
    if (--f->active == 0)
        f->incl += elapsed;
    int64_t celapsed = cpu - e->cstart;
    f->self_cpu += celapsed - e->cchild;
    if (th->depth) {
        th->stack[th->depth - 1].child += elapsed;
        th->stack[th->depth - 1].cchild += celapsed;
    }
}

/* Pop up to and including the entry of frame; nothing when frame is not on
 * the stack (it was entered before the tracer started). */
static void pop_frame(struct thread *th, const void *frame, int64_t now, int64_t cpu)
{
    size_t i = th->depth;
    while (i > 0 && th->stack[i - 1].frame != frame)
        i--;
    if (i == 0)
        return;
    while (th->depth >= i)
        pop_one(th, now, cpu);
}

static int tracer_callback(PyObject *obj, PyFrameObject *frame, int what, PyObject *arg)
{
    (void)obj;
    struct tracer *t = active;
    if (!t || t->nomem)
        return 0;
    int64_t now = primary_now(t);
    struct thread *th = current_thread(t, now);
    if (!th) {
        t->nomem = 1;
        return 0;
    }
    t->events++;
    int64_t cpu = 0;
    if (t->cfg.split == TRACER_SPLIT_EVERY_EVENT)
        cpu = clock_ns(CLOCK_THREAD_CPUTIME_ID);
    else if (t->cfg.split == TRACER_SPLIT_CHECKPOINT && now - th->ck_wall >= t->period_ticks)
        checkpoint(t, th, now);

    switch (what) {
    case PyTrace_CALL: {
        PyCodeObject *code = frame_code(frame);
        long fi = find_func(th, code, FUNC_PY, (PyObject *)code);
        if (fi < 0) {
            t->nomem = 1;
            break;
        }
        /* A generator or coroutine being resumed is not a new call. */
        if (frame_lasti(frame) <= th->funcs[fi].entry_lasti)
            th->funcs[fi].calls++;
        push(t, th, fi, frame, now, cpu);
        break;
    }
    case PyTrace_RETURN:
        pop_frame(th, frame, now, cpu);
        break;
    case PyTrace_C_CALL:
        if (t->cfg.builtins && PyCFunction_Check(arg)) {
            long fi = find_func(th, ((PyCFunctionObject *)arg)->m_ml, FUNC_C, arg);
            if (fi < 0) {
                t->nomem = 1;
                break;
            }
            th->funcs[fi].calls++;
            push(t, th, fi, arg, now, cpu);
        }
        break;
    case PyTrace_C_RETURN:
    case PyTrace_C_EXCEPTION:
        if (t->cfg.builtins && PyCFunction_Check(arg) && th->depth &&
            th->stack[th->depth - 1].frame == arg) {
            /* Only C code can block: a long C call is where off-CPU time is. */
            if (t->cfg.split == TRACER_SPLIT_CHECKPOINT &&
                now - th->stack[th->depth - 1].start >= t->threshold_ticks)
                checkpoint(t, th, now);
            pop_one(th, now, cpu);
        }
        break;
    default:
        break;
    }
    th->last = now;
    th->last_cpu = cpu;
    return 0;
}

/* ---------------------------------------------------------------- threading */

/* threading.setprofile() hands this to every thread started afterwards, which
 * calls sys.setprofile(hook); on its first event the hook replaces itself with
 * the C profile function and records that event. */
static PyObject *thread_hook(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *frame, *event, *arg;
    if (!PyArg_UnpackTuple(args, "hook", 3, 3, &frame, &event, &arg))
        return NULL;
    if (!active)
        Py_RETURN_NONE;
    if (_PyEval_SetProfile(PyThreadState_Get(), tracer_callback, NULL) < 0)
        return NULL;
    if (PyFrame_Check(frame) && PyUnicode_Check(event) &&
        PyUnicode_CompareWithASCIIString(event, "call") == 0)
        tracer_callback(NULL, (PyFrameObject *)frame, PyTrace_CALL, Py_None);
    Py_RETURN_NONE;
}

static PyMethodDef thread_hook_def = {
    "pyprof_bench_thread_hook", thread_hook, METH_VARARGS,
    "installs pyprof-bench's tracer in a new thread",
};

/* ---------------------------------------------------------------- API */

struct tracer *tracer_new(const struct tracer_config *cfg)
{
    struct tracer *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->cfg = *cfg;
    if (cfg->clock == TRACER_WALL) {
        calibrate_tsc();
        t->tick_ns = use_tsc ? tsc_ns_per_tick : 1.0;
    } else {
        t->tick_ns = 1.0;
    }
    t->threshold_ticks = (int64_t)((double)cfg->threshold_ns / t->tick_ns);
    t->period_ticks = (int64_t)((double)cfg->period_ns / t->tick_ns);
    /* Imported now, outside the measured region, so start() costs little. */
    PyObject *threading = PyImport_ImportModule("threading");
    if (!threading)
        PyErr_Clear();
    Py_XDECREF(threading);
    return t;
}

static int start_tracing(struct tracer *t, char *err, size_t errlen);
static int stop_tracing(struct tracer *t, char *err, size_t errlen);

static void set_all_threads(Py_tracefunc fn)
{
    PyInterpreterState *interp = PyThreadState_GetInterpreter(PyThreadState_Get());
    for (PyThreadState *ts = PyInterpreterState_ThreadHead(interp); ts;
         ts = PyThreadState_Next(ts))
        _PyEval_SetProfile(ts, fn, NULL);
}

int tracer_start(void *tracer, char *err, size_t errlen)
{
    struct tracer *t = tracer;
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    int rc = start_tracing(t, err, errlen);
    PyErr_Restore(type, value, tb);
    return rc;
}

static int start_tracing(struct tracer *t, char *err, size_t errlen)
{
    if (active)
        return pb_error(err, errlen, "another tracer is already running");
    t->gen = ++generation;
    active = t;
    t->running = 1;
    t->hook = PyCFunction_New(&thread_hook_def, NULL);
    if (!t->hook || pyad_threading_setprofile(t->hook) < 0) {
        PyErr_Clear();
        active = NULL;
        t->running = 0;
        return pb_error(err, errlen, "cannot install the tracer for new threads");
    }
    /* The existing threads, this one last so the region starts right away. */
    t->started_ns = clock_ns(CLOCK_MONOTONIC);
    set_all_threads(tracer_callback);
    return 0;
}

int tracer_stop(void *tracer, char *err, size_t errlen)
{
    struct tracer *t = tracer;
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    int rc = stop_tracing(t, err, errlen);
    PyErr_Restore(type, value, tb);
    return rc;
}

static int stop_tracing(struct tracer *t, char *err, size_t errlen)
{
    if (!t->running)
        return 0;
    set_all_threads(NULL);
    if (t->cfg.burn > 0) {
        int64_t now = clock_ns(CLOCK_MONOTONIC);
        int64_t until = now + (int64_t)((double)(now - t->started_ns) * t->cfg.burn);
        while (clock_ns(CLOCK_MONOTONIC) < until)
            ;
    }
    int rc = 0;
    if (pyad_threading_setprofile(Py_None) < 0) {
        PyErr_Clear();
        rc = pb_error(err, errlen, "cannot remove the tracer from threading");
    }
    active = NULL;
    t->running = 0;
    /* Frames still open were running until now: close them at the stop time
     * (this thread's clock now; other threads' at their last event for the
     * CPU clock, which cannot be read from here). */
    int64_t now_wall = wall_ticks();
    for (struct thread *th = t->threads; th; th = th->next) {
        int own = tls_thread == th && tls_gen == t->gen;
        int64_t now = t->cfg.clock == TRACER_WALL ? now_wall
                      : own ? clock_ns(CLOCK_THREAD_CPUTIME_ID) : th->last;
        int64_t cpu = t->cfg.split == TRACER_SPLIT_EVERY_EVENT && own
                          ? clock_ns(CLOCK_THREAD_CPUTIME_ID) : th->last_cpu;
        if (t->cfg.split == TRACER_SPLIT_CHECKPOINT && own)
            checkpoint(t, th, now);
        while (th->depth)
            pop_one(th, now, cpu);
    }
    return rc;
}

int tracer_collect(void *tracer, struct pb_report *out, char *err, size_t errlen)
{
    struct tracer *t = tracer;
    int split = t->cfg.split != TRACER_SPLIT_NONE;
    out->categories = PB_CAT_BIT(PB_CAT_PYTHON) |
                      (t->cfg.builtins ? PB_CAT_BIT(PB_CAT_NATIVE) : 0) |
                      (split ? PB_CAT_BIT(PB_CAT_SYSTEM) : 0);
    double total = 0;
    for (struct thread *th = t->threads; th; th = th->next) {
        for (size_t i = 0; i < th->nfuncs; i++) {
            struct func *f = &th->funcs[i];
            const char *file = "<built-in>", *name = f->cname;
            int line = 0;
            if (f->kind == FUNC_PY) {
                PyCodeObject *co = (PyCodeObject *)f->code;
                file = PyUnicode_AsUTF8(co->co_filename);
                name = PyUnicode_AsUTF8(co->co_name);
                line = co->co_firstlineno;
                if (!file || !name) {
                    PyErr_Clear();
                    file = file ? file : "?";
                    name = name ? name : "?";
                }
            }
            struct pb_report_entry *e = pb_report_add(out, file, line, name, (uint64_t)th->tid);
            e->count = f->calls;
            e->inclusive_s = (double)f->incl * t->tick_ns * 1e-9;
            e->self_s = (double)f->self * t->tick_ns * 1e-9;
            enum pb_category own = f->kind == FUNC_PY ? PB_CAT_PYTHON : PB_CAT_NATIVE;
            double sys_s = 0;
            if (t->cfg.split == TRACER_SPLIT_EVERY_EVENT) {
                double oncpu = (double)f->self_cpu * 1e-9;
                sys_s = e->self_s - oncpu;
            } else if (t->cfg.split == TRACER_SPLIT_CHECKPOINT) {
                sys_s = (double)f->sys * 1e-9;
            }
            if (sys_s < 0)
                sys_s = 0;
            if (sys_s > e->self_s)
                sys_s = e->self_s;
            e->cat_s[own] = e->self_s - sys_s;
            e->cat_s[PB_CAT_SYSTEM] = sys_s;
            total += e->self_s;
        }
    }
    out->total_s = total;
    if (t->nomem) {
        pb_report_set_note(out, "out of memory while tracing: the profile is incomplete");
        return pb_error(err, errlen, "out of memory while tracing after %llu events",
                        (unsigned long long)t->events);
    }
    return 0;
}

void tracer_free(void *tracer)
{
    struct tracer *t = tracer;
    if (!t)
        return;
    if (t->running) {
        char err[PB_ERRLEN];
        tracer_stop(t, err, sizeof(err));
    }
    struct thread *th = t->threads;
    while (th) {
        struct thread *next = th->next;
        for (size_t i = 0; i < th->nfuncs; i++) {
            Py_XDECREF(th->funcs[i].code);
            free(th->funcs[i].cname);
        }
        free(th->funcs);
        free(th->slots);
        free(th->stack);
        free(th);
        th = next;
    }
    Py_XDECREF(t->hook);
    free(t);
}
