/* tracer.c: the tracing engine of the deterministic and multiclock backends
 * (see tracer.h). Two sources of events feed the same engine: the legacy
 * profile function (the PyEval_SetProfile family, every CPython) and
 * sys.monitoring (PEP 669, CPython 3.12 and later). */
#define PY_SSIZE_T_CLEAN
#include <patchlevel.h>
/* On 3.11 the internal frame layout (pycore_frame.h) gives the code object
 * and the instruction offset of a frame without a call and a reference
 * count each: this is the legacy hot path there. Other versions use the
 * public frame API (3.12 and later run the legacy profile function through
 * sys.monitoring's dispatch anyway, which costs far more than these calls).
 * Everything read from frames is in frame_code() and frame_lasti(). */
#if PY_VERSION_HEX >= 0x030B0000 && PY_VERSION_HEX < 0x030C0000
#define TRACER_FRAME_LAYOUT_311 1
#define Py_BUILD_CORE 1
#endif
#include <Python.h>
#include <frameobject.h>
#ifdef TRACER_FRAME_LAYOUT_311
#include <internal/pycore_frame.h>
#endif
#include <opcode.h>

/* sys.monitoring exists from 3.12 on. */
#if PY_VERSION_HEX >= 0x030C0000
#define TRACER_HAS_MONITORING 1
#endif
#if defined(__x86_64__)
#include <x86intrin.h>
#endif

#include "pyadapter.h"
#include "tracer.h"

#include <stdarg.h>
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
#ifdef TRACER_HAS_MONITORING
    struct monitoring *mon;     /* cfg.api == TRACER_API_MONITORING */
#endif
};

/* The active tracer, and each thread's record of it. The generation tells a
 * stale thread-local pointer (from an earlier tracer) from a current one. */
static struct tracer *active;
static unsigned generation;
static __thread struct thread *tls_thread;
static __thread unsigned tls_gen;

/* ---------------------------------------------------------------- frames */

#ifdef TRACER_FRAME_LAYOUT_311
static inline PyCodeObject *frame_code(PyFrameObject *frame)
{
    return frame->f_frame->f_code;          /* borrowed */
}

/* Instruction offset (code units) of the frame, -1 before the first. */
static inline int frame_lasti(PyFrameObject *frame)
{
    return _PyInterpreterFrame_LASTI(frame->f_frame);
}
#else
static inline PyCodeObject *frame_code(PyFrameObject *frame)
{
    PyCodeObject *code = PyFrame_GetCode(frame);
    Py_DECREF(code);                        /* the frame holds a reference */
    return code;
}

static inline int frame_lasti(PyFrameObject *frame)
{
#if PY_VERSION_HEX >= 0x030B0000
    int bytes = PyFrame_GetLasti(frame);    /* bytes, -1 before the first */
    return bytes < 0 ? -1 : bytes / 2;
#else
    return frame->f_lasti < 0 ? -1 : 0;     /* -1 exactly when not yet started */
#endif
}
#endif

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
 * found). From 3.11 on a function's CALL event is reported at its first
 * RESUME; generator code runs RETURN_GENERATOR and POP_TOP before it. Before
 * 3.11 there is no RESUME: -1, the offset of a frame not started yet. Runs
 * once per code object; the exception state is left as it was. */
static int first_resume_offset(PyCodeObject *code)
{
#if PY_VERSION_HEX < 0x030B0000
    (void)code;
    return -1;
#else
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
#endif
}

/* "module.name" or "type.name" of a C function into a new string (NULL on
 * OOM): callable is a builtin function or method, or a method descriptor
 * called on self_arg (named as the bound method the legacy profile function
 * is given: after self's type). Only ASCII data is read directly so nothing
 * here can raise. */
static char *c_func_name(PyObject *callable, PyObject *self_arg)
{
    const char *owner = NULL, *name = NULL;
    if (PyCFunction_Check(callable)) {
        PyCFunctionObject *cf = (PyCFunctionObject *)callable;
        if (cf->m_module && PyUnicode_Check(cf->m_module) && PyUnicode_IS_ASCII(cf->m_module))
            owner = (const char *)PyUnicode_DATA(cf->m_module);
        else if (cf->m_self && !PyModule_Check(cf->m_self))
            owner = Py_TYPE(cf->m_self)->tp_name;
        name = cf->m_ml->ml_name;
    } else {
        owner = Py_TYPE(self_arg)->tp_name;
        name = ((PyMethodDescrObject *)callable)->d_method->ml_name;
    }
    if (!name)
        name = "?";
    size_t len = (owner ? strlen(owner) + 1 : 0) + strlen(name) + 1;
    char *out = malloc(len);
    if (out)
        snprintf(out, len, "%s%s%s", owner ? owner : "", owner ? "." : "", name);
    return out;
}

static long find_func_slow(struct thread *th, const void *key, enum func_kind kind,
                           PyObject *obj, PyObject *self_arg);

/* The index of key's function in th, adding it when new; -1 on OOM. obj is
 * the code object (FUNC_PY) or the C callable (FUNC_C: key is its
 * PyMethodDef, self_arg the object a method descriptor is called on). */
static long find_func(struct thread *th, const void *key, enum func_kind kind, PyObject *obj,
                      PyObject *self_arg)
{
    if (!key)
        return -1;   /* no code object: nothing to attribute to */
    if (key == th->last_key)
        return th->last_index;
    long i = find_func_slow(th, key, kind, obj, self_arg);
    if (i >= 0) {
        th->last_key = key;
        th->last_index = i;
    }
    return i;
}

static long find_func_slow(struct thread *th, const void *key, enum func_kind kind,
                           PyObject *obj, PyObject *self_arg)
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
        /* Named now, while the function object is alive. */
        f->cname = c_func_name(obj, self_arg);
        if (!f->cname)
            return -1;
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

/* The engine's events. Each source (the legacy profile function below, or
 * sys.monitoring's callbacks) calls event_begin(), then one on_*(), then
 * event_end(). frame_id identifies the entry of a Python function on the
 * stack: the frame object (legacy) or the code object (monitoring, which is
 * not given frames: the topmost entry of that code is the one leaving). */
struct event {
    struct tracer *t;
    struct thread *th;
    int64_t now, cpu;
};

/* 0 with ev filled, or -1 when nothing is to be recorded. */
static inline int event_begin(struct event *ev)
{
    struct tracer *t = active;
    if (!t || t->nomem)
        return -1;
    int64_t now = primary_now(t);
    struct thread *th = current_thread(t, now);
    if (!th) {
        t->nomem = 1;
        return -1;
    }
    t->events++;
    int64_t cpu = 0;
    if (t->cfg.split == TRACER_SPLIT_EVERY_EVENT)
        cpu = clock_ns(CLOCK_THREAD_CPUTIME_ID);
    else if (t->cfg.split == TRACER_SPLIT_CHECKPOINT && now - th->ck_wall >= t->period_ticks)
        checkpoint(t, th, now);
    ev->t = t;
    ev->th = th;
    ev->now = now;
    ev->cpu = cpu;
    return 0;
}

static inline void event_end(const struct event *ev)
{
    ev->th->last = ev->now;
    ev->th->last_cpu = ev->cpu;
}

/* The index of code's function, -1 when out of memory (then recorded). */
static inline long py_func(const struct event *ev, PyCodeObject *code)
{
    long fi = find_func(ev->th, code, FUNC_PY, (PyObject *)code, NULL);
    if (fi < 0)
        ev->t->nomem = 1;
    return fi;
}

/* Python function fi (py_func) starts (is_call) or resumes (a generator or
 * coroutine: not a new call). */
static inline void on_py_enter(const struct event *ev, long fi, const void *frame_id, int is_call)
{
    if (is_call)
        ev->th->funcs[fi].calls++;
    push(ev->t, ev->th, fi, frame_id, ev->now, ev->cpu);
}

/* A Python function returns, yields or unwinds. */
static inline void on_py_exit(const struct event *ev, const void *frame_id)
{
    pop_frame(ev->th, frame_id, ev->now, ev->cpu);
}

/* A C function is called: callable is a builtin function or method, or a
 * method descriptor called on self_arg; key is its PyMethodDef. */
static inline void on_c_call(const struct event *ev, const PyMethodDef *key, PyObject *callable,
                             PyObject *self_arg)
{
    long fi = find_func(ev->th, key, FUNC_C, callable, self_arg);
    if (fi < 0) {
        ev->t->nomem = 1;
        return;
    }
    ev->th->funcs[fi].calls++;
    push(ev->t, ev->th, fi, key, ev->now, ev->cpu);
}

/* A C function returns or raises: its entry is on top of the stack, unless
 * it was called before the tracer started. Matched by PyMethodDef, not by
 * object: from 3.12 on the legacy events of a method descriptor's call hand
 * a new bound method object to the call and to the return. */
static inline void on_c_return(const struct event *ev, const PyMethodDef *key)
{
    struct thread *th = ev->th;
    if (!th->depth || th->stack[th->depth - 1].frame != key)
        return;
    /* Only C code can block: a long C call is where off-CPU time is. */
    if (ev->t->cfg.split == TRACER_SPLIT_CHECKPOINT &&
        ev->now - th->stack[th->depth - 1].start >= ev->t->threshold_ticks)
        checkpoint(ev->t, th, ev->now);
    pop_one(th, ev->now, ev->cpu);
}

/* ---------------------------------------------------------------- legacy */

static int tracer_callback(PyObject *obj, PyFrameObject *frame, int what, PyObject *arg)
{
    (void)obj;
    struct event ev;
    if (event_begin(&ev) < 0)
        return 0;
    switch (what) {
    case PyTrace_CALL: {
        long fi = py_func(&ev, frame_code(frame));
        if (fi < 0)
            break;
        /* A generator or coroutine being resumed is not a new call. */
        on_py_enter(&ev, fi, frame, frame_lasti(frame) <= ev.th->funcs[fi].entry_lasti);
        break;
    }
    case PyTrace_RETURN:
        on_py_exit(&ev, frame);
        break;
    case PyTrace_C_CALL:
        if (ev.t->cfg.builtins && PyCFunction_Check(arg))
            on_c_call(&ev, ((PyCFunctionObject *)arg)->m_ml, arg, NULL);
        break;
    case PyTrace_C_RETURN:
    case PyTrace_C_EXCEPTION:
        if (ev.t->cfg.builtins && PyCFunction_Check(arg))
            on_c_return(&ev, ((PyCFunctionObject *)arg)->m_ml);
        break;
    default:
        break;
    }
    event_end(&ev);
    return 0;
}

/* Install fn (NULL: remove) as this thread's profile function. */
static int set_this_thread(Py_tracefunc fn)
{
#if PY_VERSION_HEX >= 0x030C0000
    PyEval_SetProfile(fn, NULL);   /* its failure (an audit hook) is unraisable */
    return 0;
#else
    return _PyEval_SetProfile(PyThreadState_Get(), fn, NULL);
#endif
}

/* Install fn (NULL: remove) on every thread of the interpreter. */
static void set_all_threads(Py_tracefunc fn)
{
#if PY_VERSION_HEX >= 0x030C0000
    PyEval_SetProfileAllThreads(fn, NULL);
#else
    PyInterpreterState *interp = PyThreadState_GetInterpreter(PyThreadState_Get());
    for (PyThreadState *ts = PyInterpreterState_ThreadHead(interp); ts;
         ts = PyThreadState_Next(ts))
        _PyEval_SetProfile(ts, fn, NULL);
#endif
}

/* ---------------------------------------------------------------- sys.monitoring */

#ifdef TRACER_HAS_MONITORING
/* PEP 669: C callables (objects whose vectorcall slot is the handler)
 * registered with sys.monitoring.register_callback for a free tool id, with
 * the events set globally (every thread, threads started later included).
 * Python functions are keyed by code object: PY_START is a call, PY_RESUME
 * and PY_THROW re-enter a generator or coroutine, PY_RETURN, PY_YIELD and
 * PY_UNWIND leave. C functions: CALL when the callable is a builtin or a
 * method descriptor with its self (the calls the legacy profile function
 * reports as C calls), C_RETURN and C_RAISE. A CALL of anything else costs a
 * type check and no clock read. DISABLE is returned when nothing can be
 * recorded any more (out of memory), for the events that may be disabled;
 * not for CALL of a Python function, as the same call site may call a C
 * function next (a missed call). */
enum mon_event { MON_PY_START, MON_PY_RESUME, MON_PY_THROW, MON_PY_RETURN, MON_PY_YIELD,
                 MON_PY_UNWIND, MON_CALL, MON_C_RETURN, MON_C_RAISE, MON_NEVENTS };

static const char *const mon_event_names[MON_NEVENTS] = {
    "PY_START", "PY_RESUME", "PY_THROW", "PY_RETURN", "PY_YIELD", "PY_UNWIND",
    "CALL", "C_RETURN", "C_RAISE",
};

struct monitoring {
    PyObject *module;               /* sys.monitoring */
    PyObject *disable, *missing;    /* sys.monitoring.DISABLE, .MISSING */
    PyObject *callbacks[MON_NEVENTS];
    long event_bits[MON_NEVENTS];   /* sys.monitoring.events.X */
    int tool_id;                    /* -1 when none is held */
    int disabled;                   /* DISABLE was returned: restart_events() at stop */
};

/* The reply of a callback that records nothing more at this location. */
static PyObject *mon_disable(void)
{
    struct tracer *t = active;
    if (!t || !t->mon)
        Py_RETURN_NONE;
    t->mon->disabled = 1;
    return Py_NewRef(t->mon->disable);
}

/* The C function a CALL, C_RETURN or C_RAISE is about, or NULL. */
static inline const PyMethodDef *mon_c_key(const struct tracer *t, PyObject *callable,
                                           PyObject *arg0)
{
    if (PyCFunction_Check(callable))
        return ((PyCFunctionObject *)callable)->m_ml;
    if (Py_IS_TYPE(callable, &PyMethodDescr_Type) && arg0 != t->mon->missing)
        return ((PyMethodDescrObject *)callable)->d_method;
    return NULL;
}

static PyObject *mon_enter(PyObject *const *args, Py_ssize_t nargs, int is_call)
{
    struct event ev;
    if (nargs < 1 || !PyCode_Check(args[0]))
        Py_RETURN_NONE;
    if (event_begin(&ev) < 0)
        return mon_disable();
    long fi = py_func(&ev, (PyCodeObject *)args[0]);
    if (fi >= 0)
        on_py_enter(&ev, fi, args[0], is_call);
    event_end(&ev);
    Py_RETURN_NONE;
}

static PyObject *mon_leave(PyObject *const *args, Py_ssize_t nargs, int may_disable)
{
    struct event ev;
    if (nargs < 1)
        Py_RETURN_NONE;
    if (event_begin(&ev) < 0) {
        if (may_disable)
            return mon_disable();
        Py_RETURN_NONE;
    }
    on_py_exit(&ev, args[0]);
    event_end(&ev);
    Py_RETURN_NONE;
}

static PyObject *mon_py_start(PyObject *self, PyObject *const *args, size_t nargsf, PyObject *kw)
{
    (void)self, (void)kw;
    Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
    return mon_enter(args, nargs, 1);
}

static PyObject *mon_py_resume(PyObject *self, PyObject *const *args, size_t nargsf, PyObject *kw)
{
    (void)self, (void)kw;
    Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
    return mon_enter(args, nargs, 0);
}

static PyObject *mon_py_throw(PyObject *self, PyObject *const *args, size_t nargsf, PyObject *kw)
{
    (void)self, (void)kw;
    Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
    PyObject *r = mon_enter(args, nargs, 0);
    if (r != Py_None) {             /* PY_THROW cannot be disabled */
        Py_DECREF(r);
        Py_RETURN_NONE;
    }
    return r;
}

static PyObject *mon_py_return(PyObject *self, PyObject *const *args, size_t nargsf, PyObject *kw)
{
    (void)self, (void)kw;
    Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
    return mon_leave(args, nargs, 1);
}

static PyObject *mon_py_unwind(PyObject *self, PyObject *const *args, size_t nargsf, PyObject *kw)
{
    (void)self, (void)kw;
    Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
    return mon_leave(args, nargs, 0);   /* PY_UNWIND cannot be disabled */
}

static PyObject *mon_call(PyObject *self, PyObject *const *args, size_t nargsf, PyObject *kw)
{
    (void)self, (void)kw;
    Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
    struct tracer *t = active;
    if (!t || !t->mon)
        return mon_disable();
    const PyMethodDef *key = nargs >= 4 ? mon_c_key(t, args[2], args[3]) : NULL;
    if (!key)
        Py_RETURN_NONE;
    struct event ev;
    if (event_begin(&ev) < 0)
        return mon_disable();
    on_c_call(&ev, key, args[2], args[3]);
    event_end(&ev);
    Py_RETURN_NONE;
}

static PyObject *mon_c_return(PyObject *self, PyObject *const *args, size_t nargsf, PyObject *kw)
{
    (void)self, (void)kw;
    Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
    struct tracer *t = active;
    if (!t || !t->mon || nargs < 4)
        Py_RETURN_NONE;             /* C_RETURN and C_RAISE cannot be disabled */
    const PyMethodDef *key = mon_c_key(t, args[2], args[3]);
    struct event ev;
    if (!key || event_begin(&ev) < 0)
        Py_RETURN_NONE;
    on_c_return(&ev, key);
    event_end(&ev);
    Py_RETURN_NONE;
}

/* In the order of enum mon_event. */
static const vectorcallfunc mon_handlers[MON_NEVENTS] = {
    mon_py_start, mon_py_resume, mon_py_throw, mon_py_return, mon_py_return,
    mon_py_unwind, mon_call, mon_c_return, mon_c_return,
};

/* A callback object whose vectorcall slot is one handler: sys.monitoring
 * calls it directly, without the argument handling and recursion check of
 * a builtin function's call. */
struct mon_callback {
    PyObject_HEAD
    vectorcallfunc vectorcall;
};

static void mon_callback_dealloc(PyObject *self)
{
    PyObject_Free(self);
}

static PyTypeObject mon_callback_type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "pyprof_bench.monitoring_callback",
    .tp_basicsize = sizeof(struct mon_callback),
    .tp_dealloc = mon_callback_dealloc,
    .tp_vectorcall_offset = offsetof(struct mon_callback, vectorcall),
    .tp_call = PyVectorcall_Call,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_VECTORCALL,
    .tp_doc = "a pyprof-bench sys.monitoring callback",
};

static PyObject *mon_callback_new(vectorcallfunc handler)
{
    if (!(mon_callback_type.tp_flags & Py_TPFLAGS_READY) && PyType_Ready(&mon_callback_type) < 0)
        return NULL;
    struct mon_callback *cb = PyObject_New(struct mon_callback, &mon_callback_type);
    if (cb)
        cb->vectorcall = handler;
    return (PyObject *)cb;
}

static void monitoring_free(struct monitoring *m)
{
    if (!m)
        return;
    for (int i = 0; i < MON_NEVENTS; i++)
        Py_XDECREF(m->callbacks[i]);
    Py_XDECREF(m->module);
    Py_XDECREF(m->disable);
    Py_XDECREF(m->missing);
    free(m);
}

/* Look up sys.monitoring and make the callbacks (outside the measured
 * region); NULL with the reason in err. */
static struct monitoring *monitoring_new(char *err, size_t errlen)
{
    struct monitoring *m = calloc(1, sizeof(*m));
    if (!m) {
        pb_error(err, errlen, "out of memory");
        return NULL;
    }
    m->tool_id = -1;
    PyObject *events = NULL;
    m->module = PySys_GetObject("monitoring");    /* borrowed */
    if (!m->module) {
        pb_error(err, errlen, "sys.monitoring is missing");
        goto fail;
    }
    Py_INCREF(m->module);
    m->disable = PyObject_GetAttrString(m->module, "DISABLE");
    m->missing = PyObject_GetAttrString(m->module, "MISSING");
    events = PyObject_GetAttrString(m->module, "events");
    if (!m->disable || !m->missing || !events) {
        pyad_error(err, errlen, "sys.monitoring");
        goto fail;
    }
    for (int i = 0; i < MON_NEVENTS; i++) {
        PyObject *bit = PyObject_GetAttrString(events, mon_event_names[i]);
        m->event_bits[i] = bit ? PyLong_AsLong(bit) : -1;
        Py_XDECREF(bit);
        if (m->event_bits[i] == -1 && PyErr_Occurred()) {
            pyad_error(err, errlen, "sys.monitoring.events");
            goto fail;
        }
        m->callbacks[i] = mon_callback_new(mon_handlers[i]);
        if (!m->callbacks[i]) {
            pyad_error(err, errlen, "sys.monitoring callback");
            goto fail;
        }
    }
    Py_DECREF(events);
    return m;
fail:
    Py_XDECREF(events);
    PyErr_Clear();
    monitoring_free(m);
    return NULL;
}

/* Call sys.monitoring.name(fmt...) and drop the result; -1 with the error. */
static int mon_call_api(struct monitoring *m, const char *name, char *err, size_t errlen,
                        const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    PyObject *args = Py_VaBuildValue(fmt, ap);
    va_end(ap);
    PyObject *fn = args ? PyObject_GetAttrString(m->module, name) : NULL;
    PyObject *r = fn ? PyObject_CallObject(fn, args) : NULL;
    Py_XDECREF(fn);
    Py_XDECREF(args);
    if (!r) {
        char what[64];
        snprintf(what, sizeof(what), "sys.monitoring.%s", name);
        return pyad_error(err, errlen, what);
    }
    Py_DECREF(r);
    return 0;
}

/* Take a free tool id (PROFILER_ID first), register the callbacks, turn
 * the events on. */
static int monitoring_start(struct tracer *t, char *err, size_t errlen)
{
    struct monitoring *m = t->mon;
    static const int order[] = { 2, 0, 1, 3, 4, 5 };    /* 2 is PROFILER_ID */
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]) && m->tool_id < 0; i++) {
        PyObject *owner = PyObject_CallMethod(m->module, "get_tool", "i", order[i]);
        if (!owner)
            return pyad_error(err, errlen, "sys.monitoring.get_tool");
        int free_id = owner == Py_None;
        Py_DECREF(owner);
        if (free_id) {
            if (mon_call_api(m, "use_tool_id", err, errlen, "(is)", order[i], "pyprof-bench") < 0)
                return -1;
            m->tool_id = order[i];
        }
    }
    if (m->tool_id < 0)
        return pb_error(err, errlen, "every sys.monitoring tool id (0-5) is taken");
    long mask = 0;
    for (int i = 0; i < MON_NEVENTS; i++) {
        int c_event = i == MON_CALL || i == MON_C_RETURN || i == MON_C_RAISE;
        if (c_event && !t->cfg.builtins)
            continue;
        if (mon_call_api(m, "register_callback", err, errlen, "(ilO)", m->tool_id,
                         m->event_bits[i], m->callbacks[i]) < 0)
            return -1;
        mask |= m->event_bits[i];
    }
    /* C_RETURN and C_RAISE are not set: CALL brings them (PEP 669). */
    if (t->cfg.builtins)
        mask &= ~(m->event_bits[MON_C_RETURN] | m->event_bits[MON_C_RAISE]);
    return mon_call_api(m, "set_events", err, errlen, "(il)", m->tool_id, mask);
}

/* Events off, callbacks removed, the tool id freed; disabled locations
 * re-enabled when DISABLE was used. Every step is tried. */
static int monitoring_stop(struct tracer *t, char *err, size_t errlen)
{
    struct monitoring *m = t->mon;
    if (m->tool_id < 0)
        return 0;
    char e[PB_ERRLEN] = "";
    int rc = mon_call_api(m, "set_events", e, sizeof(e), "(ii)", m->tool_id, 0);
    for (int i = 0; i < MON_NEVENTS; i++)
        if (mon_call_api(m, "register_callback", e, sizeof(e), "(ilO)", m->tool_id,
                         m->event_bits[i], Py_None) < 0)
            rc = -1;
    if (m->disabled && mon_call_api(m, "restart_events", e, sizeof(e), "()") < 0)
        rc = -1;
    if (mon_call_api(m, "free_tool_id", e, sizeof(e), "(i)", m->tool_id) < 0)
        rc = -1;
    m->tool_id = -1;
    m->disabled = 0;
    return rc < 0 ? pb_error(err, errlen, "%s", e) : 0;
}
#endif

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
    if (set_this_thread(tracer_callback) < 0)
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

int tracer_api_supported(enum tracer_api api, char *why, size_t whylen)
{
#ifdef TRACER_HAS_MONITORING
    (void)api, (void)why, (void)whylen;
    return 1;
#else
    if (api != TRACER_API_MONITORING)
        return 1;
    snprintf(why, whylen, "api: monitoring needs sys.monitoring (CPython 3.12 or later); "
             "this is %d.%d", PY_MAJOR_VERSION, PY_MINOR_VERSION);
    return 0;
#endif
}

struct tracer *tracer_new(const struct tracer_config *cfg, char *err, size_t errlen)
{
    if (!tracer_api_supported(cfg->api, err, errlen))
        return NULL;
    struct tracer *t = calloc(1, sizeof(*t));
    if (!t) {
        pb_error(err, errlen, "out of memory");
        return NULL;
    }
    t->cfg = *cfg;
#ifdef TRACER_HAS_MONITORING
    if (cfg->api == TRACER_API_MONITORING) {
        t->mon = monitoring_new(err, errlen);
        if (!t->mon) {
            free(t);
            return NULL;
        }
    }
#endif
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
#ifdef TRACER_HAS_MONITORING
    if (t->mon) {
        t->started_ns = clock_ns(CLOCK_MONOTONIC);
        if (monitoring_start(t, err, errlen) < 0) {
            char ignored[PB_ERRLEN];
            monitoring_stop(t, ignored, sizeof(ignored));
            active = NULL;
            t->running = 0;
            return -1;
        }
        return 0;
    }
#endif
    if (!t->hook)
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
    int rc = 0;
#ifdef TRACER_HAS_MONITORING
    if (t->mon)
        rc = monitoring_stop(t, err, errlen);
    else
#endif
        set_all_threads(NULL);
    if (t->cfg.burn > 0) {
        int64_t now = clock_ns(CLOCK_MONOTONIC);
        int64_t until = now + (int64_t)((double)(now - t->started_ns) * t->cfg.burn);
        while (clock_ns(CLOCK_MONOTONIC) < until)
            ;
    }
    if (t->hook && pyad_threading_setprofile(Py_None) < 0) {
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
#ifdef TRACER_HAS_MONITORING
    monitoring_free(t->mon);
#endif
    free(t);
}
