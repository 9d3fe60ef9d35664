/*
 * sampling.c: the statistical sampler. A thread of its own wakes every
 * `interval` (jittered) and reads the Python stacks of every thread of the
 * interpreter WITHOUT the GIL and without any profile hook, so the eval loop
 * keeps its specialised (fast) instructions.
 *
 * Safety: the thread states and _PyInterpreterFrame chains are read with
 * process_vm_readv(2) on our own process, which returns EFAULT for a freed
 * or torn pointer instead of crashing; every code object read is checked to
 * be of PyCode_Type, depth is bounded (frames deeper than max_depth are
 * counted as truncated), and names are copied once per code object into a
 * cache, off the Python heap.
 *
 * Categories, per thread and per sample: the interval since the thread's
 * previous sample (its weight) is split by the thread's own CPU clock into
 * on-CPU and off-CPU time. Off-CPU is system (sleep, I/O, lock and GIL
 * waits); on-CPU is native when the leaf frame is executing a call
 * instruction (the callee is C: a Python callee would be a frame of its
 * own), python otherwise. Kernel CPU time comes from the thread's
 * /proc/self/task/TID/stat, read at most every KERNEL_READ_NS and only once
 * the thread's CPU clock moved by PROC_READ_CPU_NS since the last read (or
 * moved at all in PROC_STALE_NS): its growth is
 * a debt that moves the next samples' on-CPU time to system, so kernel time
 * lands on the code that was running when it accrued, to within a tick.
 *
 * Interpreters: CPython 3.11 and 3.12 from their own headers (offsetof),
 * 3.13 from the offsets the runtime publishes for out-of-process tools
 * (_PyRuntime.debug_offsets): see "the interpreter's layout". Before 3.11
 * frames were PyFrameObjects, another walk altogether: the backend is
 * unavailable there and says so. What is the same in 3.11-3.13 is taken
 * from the headers of the interpreter built against: object heads, str
 * objects, frame owner values, opcodes. The asyncio task view reads 3.11's
 * Task and coroutine layout: 3.11 only (on 3.12+ the note says it is off).
 */
#define PY_SSIZE_T_CLEAN
#define Py_BUILD_CORE 1
#include <Python.h>

#include "../harness/backend.h"
#include "sampling.h"

#if PY_VERSION_HEX >= 0x030B0000

#include <internal/pycore_frame.h>
#include <internal/pycore_interp.h>
#include <internal/pycore_gil.h>
#include <internal/pycore_runtime.h>
#include <opcode.h>

#if PY_VERSION_HEX < 0x030D0000
_Static_assert(offsetof(PyCodeObject, co_code_adaptive) <= 256,
               "code_index() reads a code object's head into 256 bytes");
#endif
/* The asyncio task view (3.11's Task and coroutine layout). */
#define ASYNC_VIEW (PY_VERSION_HEX < 0x030C0000)

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "../harness/json.h"
#include "../harness/pypkg_import.h"
#include "../harness/util.h"

/* Thread states followed in one walk of the interpreter's list: a bound
 * against a list that a torn read made circular, not a limit on threads
 * (their records grow as threads appear). */
#define THREAD_WALK_LIMIT 1000000
/* /proc files of threads (stat, wchan) kept open between reads, at most,
 * in all: an open costs more than the read (about 2.3 of 3.6 us for a
 * wchan), but many threads must not use up the process's file descriptors
 * (1,024 by default). Those of threads that have ended are closed after a
 * round in which the budget ran out (proc_sweep). */
#define PROC_FDS_KEPT 256
/* Rounds after a sweep that freed nothing before the next one. */
#define PROC_SWEEP_ROUNDS 64
/* How often a thread's kernel time is read from /proc (about 1.2 us a read). */
#define KERNEL_READ_NS 5000000
/* A thread's kernel time is read again only once it has used this much
 * CPU since the last read, or PROC_STALE_NS later: the kernel time it
 * accrued meanwhile is at most that CPU time. Many threads taking turns on
 * the GIL each run a fraction of a millisecond in 5 ms; reading each every
 * 5 ms cost more than their stacks. */
#define PROC_READ_CPU_NS 1000000
/* How long a thread that has run less than that keeps its last reading. */
#define PROC_STALE_NS 50000000
/* How long a thread that has not run keeps its last wait kind (wchan). */
#define WCHAN_STALE_NS 50000000
/* Wait kinds read again in one round at most (about 1.4 us a read from a
 * kept file, 3.6 us with an open and a close): the wait kind is detail for
 * the note, and a thread that has run may be in another wait since, so it
 * is read again, but with tens or hundreds of threads taking turns on the
 * GIL not all of them at every round (16 a round cost threads_64 about a
 * third of its round). */
#define WCHAN_READS_A_ROUND 4

/* Sub-kinds of system time, detail for the run's note. Off-CPU time is
 * classified by where the thread waits in the kernel at the sample
 * (/proc/self/task/TID/wchan), read only when the interval was mostly
 * off-CPU. */
enum subkind { SUB_SLEEP, SUB_IO, SUB_LOCK, SUB_RUNQUEUE, SUB_KERNEL, SUB_COUNT };
static const char *const subkind_names[SUB_COUNT] = {
    "sleep", "I/O wait", "lock or GIL wait", "waiting for a CPU", "kernel CPU",
};

/* ------------------------------------------------ the interpreter's layout */

/* Everything the stack walker and the frame cache know about the
 * interpreter's memory: offsets into the structures they read, and how many
 * bytes to read of each. Nothing below reads a thread state, a frame or a
 * code object other than through these offsets (the asyncio task view, an
 * option, still reads 3.11's coroutine layout directly).
 *
 * 3.11 and 3.12 fill it from offsetof() in layout_init() (3.12's
 * PyThreadState still has cframe, its frames f_code and prev_instr); 3.13
 * from the offsets published in _PyRuntime.debug_offsets (_Py_DebugOffsets:
 * interpreter_state.threads_head, thread_state.next, .native_thread_id,
 * .current_frame; interpreter_frame.previous, .executable, .instr_ptr,
 * .owner; code_object.filename, .name, .firstlineno), after checking its
 * cookie and version. The cache logic needs nothing else: a frame's
 * address, its code pointer, its previous link and its instruction pointer
 * (3.11-3.12: prev_instr, the instruction executing; 3.13: instr_ptr, the
 * same). is_c_call()'s opcode list is per version. */
struct frame_layout {
    /* _PyInterpreterFrame: frame_read bytes are read from its start */
    size_t frame_read, fr_code, fr_previous, fr_prev_instr, fr_owner;
    /* owner values: a generator's frame; an entry frame that the eval loop
     * keeps on the C stack (3.12+: not the program's, skipped), or -1 */
    int own_generator, own_cstack;
    /* PyThreadState: ts_read bytes from its start */
    size_t ts_read, ts_next, ts_native_id, ts_cframe;
    /* The current frame: *(ts + ts_cframe) + cf_current_frame (3.11, 3.12);
     * a build whose thread state holds it (3.13) sets ts_cframe to NO_OFFSET
     * and ts_current_frame. */
    size_t cf_read, cf_current_frame, ts_current_frame;
    /* PyInterpreterState */
    size_t interp_threads_head;
    /* PyCodeObject: code_read bytes; the type is checked at offset 0 */
    size_t code_read, co_filename, co_name, co_firstlineno;
    size_t code_unit;                 /* bytes of one instruction word */
};
#define NO_OFFSET ((size_t)-1)

static size_t max_end(size_t a, size_t b)
{
    return a > b ? a : b;
}

/* The interpreter this file was compiled for: 0, or -1 with the reason. */
static int layout_init(struct frame_layout *l, char *err, size_t errlen)
{
    l->own_generator = FRAME_OWNED_BY_GENERATOR;
#if PY_VERSION_HEX >= 0x030C0000
    l->own_cstack = FRAME_OWNED_BY_CSTACK;
#else
    l->own_cstack = -1;
#endif
#if PY_VERSION_HEX >= 0x030D0000
    /* Read as a tool outside the process would, and checked as such. */
    _Py_DebugOffsets d;
    struct iovec local = { &d, sizeof(d) }, remote = { &_PyRuntime.debug_offsets, sizeof(d) };
    if (process_vm_readv(getpid(), &local, 1, &remote, 1, 0) != (ssize_t)sizeof(d))
        return pb_error(err, errlen, "cannot read _PyRuntime.debug_offsets: %s",
                        strerror(errno));
    if (memcmp(d.cookie, _Py_Debug_Cookie, sizeof(d.cookie)) != 0)
        return pb_error(err, errlen, "_PyRuntime.debug_offsets has no debug cookie");
    if ((d.version >> 16) != (PY_VERSION_HEX >> 16))
        return pb_error(err, errlen, "_PyRuntime.debug_offsets is of CPython %d.%d, this "
                        "backend was built for %d.%d", (int)(d.version >> 24),
                        (int)((d.version >> 16) & 0xFF), PY_MAJOR_VERSION, PY_MINOR_VERSION);
    if (d.free_threaded)
        return pb_error(err, errlen, "a free-threaded CPython (its frames and objects "
                        "are laid out otherwise)");
    l->fr_code = d.interpreter_frame.executable;
    l->fr_previous = d.interpreter_frame.previous;
    l->fr_prev_instr = d.interpreter_frame.instr_ptr;
    l->fr_owner = d.interpreter_frame.owner;
    l->frame_read = d.interpreter_frame.localsplus;
    l->ts_next = d.thread_state.next;
    l->ts_native_id = d.thread_state.native_thread_id;
    l->ts_cframe = NO_OFFSET;
    l->ts_current_frame = d.thread_state.current_frame;
    l->ts_read = max_end(max_end(l->ts_next, l->ts_native_id), l->ts_current_frame) +
                 sizeof(void *);
    l->cf_current_frame = NO_OFFSET;
    l->cf_read = 0;
    l->interp_threads_head = d.interpreter_state.threads_head;
    l->code_read = d.code_object.co_code_adaptive;
    l->co_filename = d.code_object.filename;
    l->co_name = d.code_object.name;
    l->co_firstlineno = d.code_object.firstlineno;
    l->code_unit = sizeof(_Py_CODEUNIT);
    /* The reads below copy into fixed buffers. */
    if (l->frame_read > 256 || l->ts_read > 1024 || l->code_read > 256 ||
        l->fr_owner >= l->frame_read || l->co_firstlineno + sizeof(int) > l->code_read ||
        max_end(l->co_filename, l->co_name) + sizeof(void *) > l->code_read ||
        max_end(max_end(l->fr_code, l->fr_previous), l->fr_prev_instr) + sizeof(void *) >
            l->frame_read)
        return pb_error(err, errlen, "_PyRuntime.debug_offsets gives offsets past what "
                        "the sampler reads (frame %zu, thread state %zu, code %zu bytes)",
                        l->frame_read, l->ts_read, l->code_read);
#else
    l->fr_code = offsetof(_PyInterpreterFrame, f_code);
    l->fr_previous = offsetof(_PyInterpreterFrame, previous);
    l->fr_prev_instr = offsetof(_PyInterpreterFrame, prev_instr);
    l->fr_owner = offsetof(_PyInterpreterFrame, owner);
    l->frame_read = offsetof(_PyInterpreterFrame, localsplus);
    l->ts_next = offsetof(PyThreadState, next);
    l->ts_native_id = offsetof(PyThreadState, native_thread_id);
    l->ts_cframe = offsetof(PyThreadState, cframe);
    l->ts_current_frame = NO_OFFSET;
    l->ts_read = max_end(max_end(l->ts_next, l->ts_native_id), l->ts_cframe) + sizeof(void *);
    l->cf_current_frame = offsetof(_PyCFrame, current_frame);
    l->cf_read = l->cf_current_frame + sizeof(void *);
    l->interp_threads_head = offsetof(PyInterpreterState, threads.head);
    l->code_read = offsetof(PyCodeObject, co_code_adaptive);
    l->co_filename = offsetof(PyCodeObject, co_filename);
    l->co_name = offsetof(PyCodeObject, co_name);
    l->co_firstlineno = offsetof(PyCodeObject, co_firstlineno);
    l->code_unit = sizeof(_Py_CODEUNIT);
#endif
    (void)err;
    (void)errlen;
    return 0;
}

/* A pointer-sized field at off in a copy of the interpreter's memory. */
static uintptr_t ld_ptr(const unsigned char *buf, size_t off)
{
    uintptr_t v;
    memcpy(&v, buf + off, sizeof(v));
    return v;
}

/* ---------------------------------------------------------------- model */

struct code_info {            /* one per code object address, process-wide */
    uintptr_t addr;
    char *file, *name;
    int line;
};

struct fstat {                /* one per (thread, code object) */
    uint32_t code;            /* index into the code cache */
    uint32_t on;              /* frames of it on the thread's cached stack */
    uint64_t samples;         /* as leaf */
    uint64_t last_sample;     /* sample id that last added inclusive time
                                 outside the stack (the asyncio task view) */
    int64_t self_ns, incl_ns;
    int64_t since;            /* the thread's weight_total when `on` went
                                 from 0 to 1: inclusive time is charged
                                 lazily, weight_total - since, when it goes
                                 back to 0 (or at collect) */
    int64_t cat_ns[PB_CAT_COUNT];
};

/* One thread's stack as of its previous sample, root first, with what each
 * frame looked like then (see "the frame cache" for how it is trusted). */
struct fcache {
    uint32_t n, cap;
    uintptr_t *addr, *code, *prev, *pinstr;   /* the frame's address, f_code,
                                                 previous and prev_instr */
    uint32_t *cidx;           /* code cache index */
    uint32_t *fidx;           /* index into the thread's funcs */
    uint64_t *ph;             /* ph[k]: hash of cidx[0..k] (the stack table) */
    struct addr_slot { uintptr_t key; uint32_t idx; } *map;   /* addr -> index */
    uint32_t map_cap, map_used;
    uint32_t audit;           /* next root-side index the audit checks */
    int untrusted;            /* the last walk ended on an unreadable frame:
                                 its root side is not the root */
};

struct stack {                /* one per distinct (thread, stack), for export */
    uint64_t hash;
    unsigned long tid;
    uint32_t depth;
    uint32_t *codes;          /* root first, the leaf last; a truncated stack
                                 is its root side and its leaf */
    uint64_t count;           /* samples */
};

struct tstat {                /* one per thread seen */
    unsigned long tid;
    clockid_t cpu_clock;
    int64_t last_wall, last_cpu;
    uint64_t seen_at;         /* s->samples of its last sample */
    uint64_t clock_of;        /* s->samples when clock_now was read (read_ahead) */
    int64_t clock_now;        /* its CPU clock then */
    uint64_t ahead_of;        /* s->samples whose read_ahead() holds its state, */
    uint32_t ahead_slot;      /* at this index of ahead_buf */
    struct fstat *funcs;
    size_t nfuncs, cap;
    uint32_t *slots;          /* code index -> func index + 1 */
    size_t slots_cap;
    int64_t unattributed_ns;  /* samples with no Python frame */
    int64_t kernel_read_at;   /* wall time of the last /proc read */
    int64_t kernel_read_cpu;  /* its CPU clock then */
    unsigned long long stime_ticks;   /* kernel time at that read, clock ticks */
    int64_t kernel_debt_ns;   /* kernel time not yet moved to system */
    int kernel_known;         /* stime_ticks holds a reading */
    int stat_fd;              /* /proc/self/task/TID/stat, kept open; -1 */
    int wchan_fd;             /* /proc/self/task/TID/wchan, kept open; -1 */
    int64_t wchan_read_at;    /* wall time of the last wchan read */
    int64_t wchan_read_cpu;   /* its CPU clock then */
    enum subkind wchan_kind;  /* what it said */
    int64_t weight_total;     /* sum of the weights of its samples with a stack */
    uint64_t walked_at;       /* s->samples when its stack was last walked */
    int64_t walked_cpu;       /* its CPU clock read before that walk, or -1:
                                 while the clock stays there, the cached
                                 stack is the thread's (read_thread) */
    int leaf_native;          /* its leaf was at a call (native) when last read */
    uintptr_t ts_addr;        /* its thread state, as of its last sample */
    uintptr_t cframe_addr;    /* its thread state's cframe then (3.11, 3.12) */
    struct fcache cache;
};

/* A walk's copy of the page below a frame ("A walk that goes deep" below). */
#define WINDOW_PAGE 4096u     /* the smallest page size: a page start of fa */
#define CODE_AROUND 128u      /* bytes of code read on each side (read_thread) */
#define WINDOW_AFTER 8        /* frames a walk reads one by one first */
struct walk_window {
    uintptr_t at;             /* address of buf[0] */
    size_t len;               /* bytes held, 0 for none */
    unsigned char buf[WINDOW_PAGE + 256];
};

struct sampler {
    struct frame_layout lay;
    double interval_s;
    int cpu_only;             /* clock: cpu -- only on-CPU time counts */
    int max_depth;
    PyInterpreterState *interp;
    pid_t pid;
    pthread_t thread;
    atomic_int running;
    int started;
    /* Written by the sampler thread only, read after join. */
    struct code_info *codes;
    size_t ncodes, codes_cap;
    uint32_t *code_slots;
    size_t code_slots_cap;
    struct tstat *threads;    /* every thread seen, grown as they appear */
    size_t nthreads, threads_cap;
    int proc_fds_kept;        /* threads' /proc files kept open (proc_read) */
    int proc_unkept;          /* files not kept since the last sweep */
    uint64_t proc_swept_at;   /* samples at the last sweep that freed none */
    uint64_t samples, sample_id, truncated, read_errors;
    uint64_t stack_samples;   /* thread samples that found a Python stack */
    int nomem;
    int64_t sampler_cpu_ns;
    int64_t wake_cpu_ns;      /* the sampler's CPU in sleeping and waking, */
    uint64_t wake_measured;   /* over this many pauses (one in WAKE_EVERY) */
    uint64_t rng;
    int keep_stacks;          /* record whole stacks for export */
    struct stack *stacks;
    size_t nstacks, stacks_cap;
    uint32_t *stack_slots;
    size_t stack_slots_cap;
    /* Frames read in the current walk, leaf first, before they join the
     * thread's cache. */
    uintptr_t *nf_addr, *nf_code, *nf_prev, *nf_pinstr;
    uint32_t *nf_cidx;
    size_t nf_cap;
    struct walk_window win;   /* the current walk's page copy (walk_stack) */
    size_t thread_hint;       /* where thread_for() looks first */
    uint32_t *ts_slots;       /* thread state address -> thread index + 1, */
    size_t ts_slots_cap;      /* open addressing (ts_slot_get) */
    size_t ts_slots_used;     /* slots ever filled since the last rebuild */
    uint64_t truncated_frames, truncated_max;   /* dropped from recorded stacks */
    uint64_t frames_read, frames_reused, cache_rejects, walk_overflows;
    uint64_t one_read;        /* thread samples taken in one read (read_thread) */
    uint64_t frames_paged;    /* frames a walk took from a page read (walk_window) */
    int wchan_budget;         /* wait kinds this round may still read again */
    uint64_t not_run;         /* thread samples of a thread that had not run
                                 since its previous one: only its state read */
    uint64_t gil_idle;        /* ... of them, of a thread that ran but never
                                 held the GIL since (gil_idle()) */
    struct _gil_runtime_state *gil;  /* the interpreter's GIL */
    unsigned long gil_switches, gil_switches_prev;   /* switch_number at the */
    uintptr_t gil_holder, gil_holder_prev;   /* start of this round and the
                                 previous, last_holder with it */
    int gil_read, gil_read_prev; /* each was read consistently */
    unsigned char *ahead_buf; /* thread states read ahead (read_ahead), */
    size_t ahead_cap;         /* room for this many */
    uint64_t read_ahead;      /* not_run samples whose state came from there */
    uint64_t torn_reads;      /* chains read while a generator unlinked */
    uint64_t torn_samples;    /* samples whose every read was torn */
    double ns_per_tick;       /* of /proc's utime and stime */
    int64_t sub_ns[SUB_COUNT];
    /* asyncio task view (option async_tasks): the suspended coroutines of
     * every pending task get the loop thread's interval as inclusive time. */
    int async_on;             /* the option, and asyncio was imported */
    int async_unsupported;    /* the option and asyncio imported, on an
                                 interpreter without the view */
    PyObject *all_tasks_set;  /* asyncio.tasks._all_tasks.data (a set of
                                 weakrefs to tasks), strong reference */
    PyTypeObject *task_type;  /* _asyncio.Task */
    size_t task_coro_off;     /* offset of task_coro in a Task */
    size_t task_state_off;    /* offset of task_state (0 = pending) */
    unsigned long loop_tid;   /* the thread that started the sampler */
    int64_t prev_sample_wall; /* CLOCK_MONOTONIC of the previous sample (or
                                 of start) */
    uint64_t async_chains;    /* suspended task chains credited */
};

/* ---------------------------------------------------------------- helpers */

static int64_t now_ns(clockid_t id)
{
    struct timespec ts;
    if (clock_gettime(id, &ts) < 0)
        return -1;
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The CPU-time clock of any thread of this process, by TID (the encoding
 * glibc's pthread_getcpuclockid uses). */
static clockid_t tid_cpu_clock(unsigned long tid)
{
    /* ~tid << 3 computed unsigned: shifting a negative int is undefined. */
    return (clockid_t)(((unsigned int)~(unsigned int)tid << 3) | 6u);
}

static inline size_t hash_u64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return (size_t)x;
}

/* ------------------------------------------------- reading the interpreter */

/* Copy len bytes at addr of this process into buf; 0, or -1 when the address
 * is not readable (EFAULT) -- never a crash. */
static int peek(const struct sampler *s, uintptr_t addr, void *buf, size_t len)
{
    struct iovec local = { buf, len };
    /* An address read from the interpreter's memory: int to pointer is the point. */
    // NOLINTNEXTLINE(performance-no-int-to-ptr)
    struct iovec remote = { (void *)addr, len };
    if (!addr)
        return -1;
    ssize_t n = process_vm_readv(s->pid, &local, 1, &remote, 1, 0);
    return n == (ssize_t)len ? 0 : -1;
}

/* A str object's text (ASCII or Latin-1 compact strings), malloc'd. */
static char *peek_string(const struct sampler *s, uintptr_t addr)
{
    PyASCIIObject a;
    if (peek(s, addr, &a, sizeof(a)) < 0 || !a.state.compact || a.length < 0 ||
        a.length > 4096)
        return NULL;
    size_t n = (size_t)a.length;
    if (a.state.ascii) {
        char *out = malloc(n + 1);
        if (!out || peek(s, addr + sizeof(PyASCIIObject), out, n) < 0) {
            free(out);
            return NULL;
        }
        out[n] = '\0';
        return out;
    }
    if (a.state.kind != PyUnicode_1BYTE_KIND)
        return NULL;
    unsigned char *raw = malloc(n + 1);
    char *out = malloc(2 * n + 1);
    if (!raw || !out || peek(s, addr + sizeof(PyCompactUnicodeObject), raw, n) < 0) {
        free(raw);
        free(out);
        return NULL;
    }
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {          /* Latin-1 to UTF-8 */
        if (raw[i] < 0x80) {
            out[o++] = (char)raw[i];
        } else {
            out[o++] = (char)(0xC0 | (raw[i] >> 6));
            out[o++] = (char)(0x80 | (raw[i] & 0x3F));
        }
    }
    out[o] = '\0';
    free(raw);
    return out;
}

/* Index of the code object at addr in the cache, reading its names the
 * first time; -1 when addr is not a readable code object. */
static long code_index(struct sampler *s, uintptr_t addr)
{
    if (s->code_slots_cap) {
        size_t h = hash_u64(addr) & (s->code_slots_cap - 1);
        while (s->code_slots[h]) {
            uint32_t i = s->code_slots[h] - 1;
            if (s->codes[i].addr == addr)
                return i;
            h = (h + 1) & (s->code_slots_cap - 1);
        }
    }
    const struct frame_layout *l = &s->lay;
    unsigned char co[256];
    PyObject head;
    if (l->code_read > sizeof(co) || peek(s, addr, co, l->code_read) < 0)
        return -1;
    memcpy(&head, co, sizeof(head));
    if (Py_TYPE(&head) != &PyCode_Type)
        return -1;
    int firstlineno;
    memcpy(&firstlineno, co + l->co_firstlineno, sizeof(firstlineno));
    if ((s->ncodes + 1) * 2 > s->code_slots_cap) {
        size_t cap = s->code_slots_cap ? s->code_slots_cap * 2 : 1024;
        uint32_t *slots = calloc(cap, sizeof(*slots));
        if (!slots)
            return -1;
        for (size_t i = 0; i < s->ncodes; i++) {
            size_t h = hash_u64(s->codes[i].addr) & (cap - 1);
            while (slots[h])
                h = (h + 1) & (cap - 1);
            slots[h] = (uint32_t)i + 1;
        }
        free(s->code_slots);
        s->code_slots = slots;
        s->code_slots_cap = cap;
    }
    if (s->ncodes == s->codes_cap) {
        size_t cap = s->codes_cap ? s->codes_cap * 2 : 256;
        struct code_info *c = realloc(s->codes, cap * sizeof(*c));
        if (!c)
            return -1;
        s->codes = c;
        s->codes_cap = cap;
    }
    struct code_info *ci = &s->codes[s->ncodes];
    ci->addr = addr;
    ci->file = peek_string(s, ld_ptr(co, l->co_filename));
    ci->name = peek_string(s, ld_ptr(co, l->co_name));
    ci->line = firstlineno;
    if (!ci->file)
        ci->file = strdup("?");
    if (!ci->name)
        ci->name = strdup("?");
    size_t h = hash_u64(addr) & (s->code_slots_cap - 1);
    while (s->code_slots[h])
        h = (h + 1) & (s->code_slots_cap - 1);
    s->code_slots[h] = (uint32_t)s->ncodes + 1;
    return (long)s->ncodes++;
}

/* Is the instruction a call into something that is not a Python function
 * (a Python callee would have a frame of its own above this one)? The call
 * instructions that may be running C code. Those whose callee is
 * always a Python frame (CALL_PY_*, the bound-method and __init__ forms)
 * are not in the list: with such an instruction at the leaf, the callee has
 * not been pushed yet or has returned. That matters on 3.13, which saves a
 * frame's instr_ptr only at instructions that can escape: after a Python
 * callee returns, the caller's simple instructions that follow leave it at
 * the call (call_heavy's category error was 44.6 pp with them listed). */
static int is_c_call(uint8_t op)
{
    switch (op) {
#if PY_VERSION_HEX >= 0x030D0000
    case CALL: case CALL_KW: case CALL_FUNCTION_EX: case CALL_BUILTIN_CLASS:
    case CALL_BUILTIN_FAST: case CALL_BUILTIN_FAST_WITH_KEYWORDS: case CALL_BUILTIN_O:
    case CALL_ISINSTANCE: case CALL_LEN: case CALL_LIST_APPEND: case CALL_METHOD_DESCRIPTOR_FAST:
    case CALL_METHOD_DESCRIPTOR_FAST_WITH_KEYWORDS: case CALL_METHOD_DESCRIPTOR_NOARGS:
    case CALL_METHOD_DESCRIPTOR_O: case CALL_NON_PY_GENERAL:
    case CALL_STR_1: case CALL_TUPLE_1: case CALL_TYPE_1:
    /* sys.monitoring's (when another tool uses it) */
    case INSTRUMENTED_CALL: case INSTRUMENTED_CALL_KW: case INSTRUMENTED_CALL_FUNCTION_EX:
#elif PY_VERSION_HEX >= 0x030C0000
    case CALL: case CALL_FUNCTION_EX: case CALL_BUILTIN_CLASS:
    case CALL_BUILTIN_FAST_WITH_KEYWORDS: case CALL_METHOD_DESCRIPTOR_FAST_WITH_KEYWORDS:
    case CALL_NO_KW_BUILTIN_FAST: case CALL_NO_KW_BUILTIN_O: case CALL_NO_KW_ISINSTANCE:
    case CALL_NO_KW_LEN: case CALL_NO_KW_LIST_APPEND: case CALL_NO_KW_METHOD_DESCRIPTOR_FAST:
    case CALL_NO_KW_METHOD_DESCRIPTOR_NOARGS: case CALL_NO_KW_METHOD_DESCRIPTOR_O:
    case CALL_NO_KW_STR_1: case CALL_NO_KW_TUPLE_1: case CALL_NO_KW_TYPE_1:
    /* sys.monitoring's (when another tool uses it) */
    case INSTRUMENTED_CALL: case INSTRUMENTED_CALL_FUNCTION_EX:
#else
    case PRECALL: case CALL: case CALL_FUNCTION_EX: case CALL_ADAPTIVE:
    case PRECALL_ADAPTIVE: case PRECALL_BOUND_METHOD: case PRECALL_BUILTIN_CLASS:
    case PRECALL_BUILTIN_FAST_WITH_KEYWORDS:
    case PRECALL_METHOD_DESCRIPTOR_FAST_WITH_KEYWORDS: case PRECALL_NO_KW_BUILTIN_FAST:
    case PRECALL_NO_KW_BUILTIN_O: case PRECALL_NO_KW_ISINSTANCE: case PRECALL_NO_KW_LEN:
    case PRECALL_NO_KW_LIST_APPEND: case PRECALL_NO_KW_METHOD_DESCRIPTOR_FAST:
    case PRECALL_NO_KW_METHOD_DESCRIPTOR_NOARGS: case PRECALL_NO_KW_METHOD_DESCRIPTOR_O:
    case PRECALL_NO_KW_STR_1: case PRECALL_NO_KW_TUPLE_1: case PRECALL_NO_KW_TYPE_1:
#endif
        return 1;
    default:
        return 0;
    }
}

/* ---------------------------------------------------------------- samples */

/* A thread's /proc files are kept open and reread with pread from offset
 * 0 (the kernel makes the text again at each such read), PROC_FDS_KEPT in
 * all: past them a file is opened and closed at each read. A kept file is
 * closed when a read fails (its thread has ended), by proc_sweep, and at
 * destroy. */
static void proc_close(struct sampler *s, int *kept)
{
    if (*kept >= 0) {
        close(*kept);
        *kept = -1;
        s->proc_fds_kept--;
    }
}

/* After a round that walked the whole thread list and could not keep a
 * file: close the files of the threads it did not see (they have ended; one
 * seen again later opens them again). A sweep that frees nothing (that many
 * threads alive) waits PROC_SWEEP_ROUNDS rounds before the next, so a full
 * budget does not cost a scan of every thread record at every round. */
static void proc_sweep(struct sampler *s)
{
    if (!s->proc_unkept ||
        (s->proc_swept_at && s->samples - s->proc_swept_at < PROC_SWEEP_ROUNDS))
        return;
    s->proc_unkept = 0;
    int before = s->proc_fds_kept;
    for (size_t i = 0; i < s->nthreads; i++) {
        struct tstat *t = &s->threads[i];
        if (t->seen_at != s->samples) {
            proc_close(s, &t->stat_fd);
            proc_close(s, &t->wchan_fd);
        }
    }
    s->proc_swept_at = s->proc_fds_kept < before ? 0 : s->samples;
}

/* Read /proc/self/task/TID/NAME into buf (up to len - 1 bytes, then a NUL)
 * through the thread's kept file *kept, opened (and kept, within the
 * budget) if need be; the length read, or -1. */
static ssize_t proc_read(struct sampler *s, int *kept, unsigned long tid, const char *name,
                         char *buf, size_t len)
{
    int fd = *kept;
    if (fd < 0) {
        char path[64];
        snprintf(path, sizeof(path), "/proc/self/task/%lu/%s", tid, name);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return -1;
        if (s->proc_fds_kept < PROC_FDS_KEPT) {
            *kept = fd;
            s->proc_fds_kept++;
        } else {
            s->proc_unkept++;
        }
    }
    ssize_t n = pread(fd, buf, len - 1, 0);
    if (fd != *kept)
        close(fd);
    else if (n <= 0)
        proc_close(s, kept);
    buf[n > 0 ? n : 0] = '\0';
    return n > 0 ? n : -1;
}

/* Kernel time of thread t so far, in clock ticks (field 15 of
 * /proc/self/task/TID/stat); -1 when unreadable (the thread has ended). */
static long long thread_stime_ticks(struct sampler *s, struct tstat *t)
{
    char buf[1024];
    if (proc_read(s, &t->stat_fd, t->tid, "stat", buf, sizeof(buf)) < 0)
        return -1;
    /* The command name (field 2) may hold spaces: count from its ')'. */
    char *p = strrchr(buf, ')');
    if (!p)
        return -1;
    unsigned long long utime = 0, stime = 0;
    if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
               &utime, &stime) != 2)
        return -1;
    return (long long)stime;
}

/* Where thread t waits now: a sub-kind of off-CPU time. */
static enum subkind wait_kind(struct sampler *s, struct tstat *t)
{
    char buf[128];
    if (proc_read(s, &t->wchan_fd, t->tid, "wchan", buf, sizeof(buf)) < 0 || !strcmp(buf, "0"))
        return SUB_RUNQUEUE;          /* runnable: preempted, not waiting */
    if (strstr(buf, "nanosleep") || strstr(buf, "hrtimer"))
        return SUB_SLEEP;
    if (strstr(buf, "futex"))
        return SUB_LOCK;              /* the GIL is a condition variable */
    return SUB_IO;
}

/* Add the kernel time the thread accrued since the last read to its debt.
 * t->last_cpu is its CPU clock now. A thread whose CPU clock has not moved
 * since the last read has not run, so its kernel time cannot have grown
 * (the kernel's utime and stime are a split of that clock): the read is
 * skipped, the same answer without the system calls. With many threads
 * waiting for the GIL, that is most of them at most samples. */
static void update_kernel(struct sampler *s, struct tstat *t, int64_t wall)
{
    if (t->kernel_known && wall - t->kernel_read_at < KERNEL_READ_NS)
        return;
    if (t->kernel_known && t->last_cpu >= 0 && t->last_cpu == t->kernel_read_cpu) {
        t->kernel_read_at = wall;
        return;
    }
    /* Run a little since the read: its kernel time, at most that, waits
     * for the next read (PROC_READ_CPU_NS). */
    if (t->kernel_known && t->last_cpu >= 0 && t->kernel_read_cpu >= 0 &&
        t->last_cpu - t->kernel_read_cpu < PROC_READ_CPU_NS &&
        wall - t->kernel_read_at < PROC_STALE_NS)
        return;
    long long st = thread_stime_ticks(s, t);
    t->kernel_read_at = wall;
    t->kernel_read_cpu = t->last_cpu;
    if (st < 0)
        return;
    if (t->kernel_known && (unsigned long long)st > t->stime_ticks)
        t->kernel_debt_ns += (int64_t)((double)((unsigned long long)st - t->stime_ticks) *
                                       s->ns_per_tick);
    t->stime_ticks = (unsigned long long)st;
    t->kernel_known = 1;
}

/* The record of thread tid, made on first sight. The thread list is walked
 * in the same order at every sample, so the search starts after the
 * previous thread found: one comparison a thread in the steady state. */
static struct tstat *thread_for(struct sampler *s, unsigned long tid, int64_t wall)
{
    for (size_t k = 0; k < s->nthreads; k++) {
        size_t i = (s->thread_hint + k) % s->nthreads;
        if (s->threads[i].tid == tid) {
            s->thread_hint = i + 1;
            return &s->threads[i];
        }
    }
    if (s->nthreads == s->threads_cap) {
        /* Pointers into threads[] live only within one thread's sample. */
        size_t cap = s->threads_cap ? 2 * s->threads_cap : 64;
        struct tstat *n = realloc(s->threads, cap * sizeof(*n));
        if (!n)
            return NULL;
        s->threads = n;
        s->threads_cap = cap;
    }
    struct tstat *t = &s->threads[s->nthreads++];
    memset(t, 0, sizeof(*t));
    t->stat_fd = -1;
    t->wchan_fd = -1;
    t->walked_cpu = -1;
    t->tid = tid;
    t->cpu_clock = tid_cpu_clock(tid);
    t->last_wall = wall;
    t->last_cpu = now_ns(t->cpu_clock);
    update_kernel(s, t, wall);
    return t;
}

static struct fstat *func_for(struct tstat *t, uint32_t code)
{
    if (t->slots_cap) {
        size_t h = hash_u64(code) & (t->slots_cap - 1);
        while (t->slots[h]) {
            uint32_t i = t->slots[h] - 1;
            if (t->funcs[i].code == code)
                return &t->funcs[i];
            h = (h + 1) & (t->slots_cap - 1);
        }
    }
    if ((t->nfuncs + 1) * 2 > t->slots_cap) {
        size_t cap = t->slots_cap ? t->slots_cap * 2 : 128;
        uint32_t *slots = calloc(cap, sizeof(*slots));
        if (!slots)
            return NULL;
        for (size_t i = 0; i < t->nfuncs; i++) {
            size_t h = hash_u64(t->funcs[i].code) & (cap - 1);
            while (slots[h])
                h = (h + 1) & (cap - 1);
            slots[h] = (uint32_t)i + 1;
        }
        free(t->slots);
        t->slots = slots;
        t->slots_cap = cap;
    }
    if (t->nfuncs == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        struct fstat *f = realloc(t->funcs, cap * sizeof(*f));
        if (!f)
            return NULL;
        t->funcs = f;
        t->cap = cap;
    }
    struct fstat *f = &t->funcs[t->nfuncs];
    memset(f, 0, sizeof(*f));
    f->code = code;
    size_t h = hash_u64(code) & (t->slots_cap - 1);
    while (t->slots[h])
        h = (h + 1) & (t->slots_cap - 1);
    t->slots[h] = (uint32_t)t->nfuncs + 1;
    return &t->funcs[t->nfuncs++];
}

/* ------------------------------------------------------ the frame cache */

/* Frames read in one walk at most: a bound for a torn, cyclic chain, far
 * beyond any real stack (max_depth bounds what is recorded, not this). */
#define WALK_LIMIT (1u << 17)
/* Reads of a thread's chain per sample when they come back torn. */
#define TORN_TRIES 4
/* Cached frames right below the matched frame checked at every match. */
#define CHECK_BELOW 8
/* Further cached root-side frames checked at every match, round robin. */
#define AUDIT_PER_MATCH 8

/*
 * Each thread keeps the stack of its previous sample, root first: for every
 * frame its address, code pointer, previous link and prev_instr. A sample
 * walks from the leaf, reading frames, until it reads a frame that the cache
 * holds at the same address with the same f_code and the same previous
 * link, then takes the cache's root side (that frame and everything below
 * it) as it is and replaces what was above it with what it read. The cost
 * is what changed since the thread's previous sample, not the depth.
 *
 * Why a matched frame is not trusted blindly. In 3.11 frames live in the
 * thread's data stack chunks and a frame's address is reused as soon as it
 * returns: an address alone says nothing. A frame that is still the same
 * frame keeps its f_code (a strong reference: the code object cannot be
 * freed and its address reused under it) and its previous link, and while
 * it is suspended in a call its prev_instr stays on the call instruction.
 * The root side below the matched frame X at cache index i is wrong only if
 * the thread returned below X since the previous sample (every frame above
 * a popped frame is popped first) and rebuilt the stack up to X at the same
 * addresses with X's code and previous link. That happens (a loop calling
 * f then h, each calling g, rebuilds g's frame at the same address over a
 * different caller), so a match is accepted only when, in one more read
 * (one process_vm_readv of several ranges), the CHECK_BELOW cached frames
 * right below X still have their cached f_code, previous and prev_instr,
 * and so do AUDIT_PER_MATCH more root-side frames taken round robin. A
 * mismatch discards the match and the walk goes on to the root, rebuilding
 * the cache. What this cannot see at once: a rebuild of the same addresses
 * with the same code and call sites for the CHECK_BELOW frames below X over
 * a different function deeper down; the round-robin audit finds it within
 * (depth / AUDIT_PER_MATCH) samples of that thread (cache_rejects in the
 * note counts every mismatch found). Code objects are checked to be code
 * objects once per address; their names are cached per address, as before.
 *
 * Only the layout's offsets are used here: the cache logic is the same for
 * any interpreter whose frames have an address, a code pointer, a previous
 * link and an instruction pointer (3.11 to 3.13).
 */

static int fcache_reserve(struct fcache *c, uint32_t need)
{
    if (need <= c->cap)
        return 0;
    uint32_t cap = c->cap ? c->cap : 64;
    while (cap < need)
        cap *= 2;
#define GROW(field)                                                     \
    do {                                                                \
        void *p_ = realloc(c->field, (size_t)cap * sizeof(*c->field));  \
        if (!p_)                                                        \
            return -1;                                                  \
        c->field = p_;                                                  \
    } while (0)
    GROW(addr);
    GROW(code);
    GROW(prev);
    GROW(pinstr);
    GROW(cidx);
    GROW(fidx);
    GROW(ph);
#undef GROW
    c->cap = cap;
    return 0;
}

static void fcache_release(struct fcache *c)
{
    free(c->addr);
    free(c->code);
    free(c->prev);
    free(c->pinstr);
    free(c->cidx);
    free(c->fidx);
    free(c->ph);
    free(c->map);
    memset(c, 0, sizeof(*c));
}

/* The cache index of the frame at addr, or -1. The map keeps the latest
 * index of every address seen; an entry whose frame has been popped or
 * replaced is stale and is recognised as such. */
static long fcache_find(const struct fcache *c, uintptr_t addr)
{
    if (!c->map_cap)
        return -1;
    size_t h = hash_u64(addr) & (c->map_cap - 1);
    while (c->map[h].key) {
        if (c->map[h].key == addr) {
            uint32_t i = c->map[h].idx;
            return i < c->n && c->addr[i] == addr ? (long)i : -1;
        }
        h = (h + 1) & (c->map_cap - 1);
    }
    return -1;
}

static void map_put(struct addr_slot *map, uint32_t cap, uint32_t *used, uintptr_t key,
                    uint32_t idx)
{
    size_t h = hash_u64(key) & (cap - 1);
    while (map[h].key && map[h].key != key)
        h = (h + 1) & (cap - 1);
    if (!map[h].key)
        (*used)++;
    map[h].key = key;
    map[h].idx = idx;
}

static int fcache_map(struct fcache *c, uintptr_t addr, uint32_t idx)
{
    if ((c->map_used + 1) * 2 > c->map_cap) {
        /* Rebuilt from the live frames only: stale addresses go. */
        uint32_t cap = c->map_cap ? c->map_cap : 256;
        while ((c->n + 1) * 4 > cap)
            cap *= 2;
        struct addr_slot *map = calloc(cap, sizeof(*map));
        if (!map)
            return -1;
        uint32_t used = 0;
        for (uint32_t i = 0; i < c->n; i++)
            map_put(map, cap, &used, c->addr[i], i);
        free(c->map);
        c->map = map;
        c->map_cap = cap;
        c->map_used = used;
    }
    map_put(c->map, c->map_cap, &c->map_used, addr, idx);
    return 0;
}

/* Pop the cached frames from index n up; their functions' inclusive time is
 * charged when their last frame goes. */
static void fcache_pop_to(struct tstat *t, uint32_t n)
{
    struct fcache *c = &t->cache;
    while (c->n > n) {
        struct fstat *f = &t->funcs[c->fidx[--c->n]];
        if (--f->on == 0)
            f->incl_ns += t->weight_total - f->since;
    }
}

static uint64_t stack_hash_step(uint64_t h, uint32_t code)
{
    return hash_u64(h ^ (0x9E3779B97F4A7C15ULL * (code + 1ULL)));
}

static int fcache_push(struct sampler *s, struct tstat *t, size_t k)
{
    struct fcache *c = &t->cache;
    if (fcache_reserve(c, c->n + 1) < 0)
        return -1;
    struct fstat *f = func_for(t, s->nf_cidx[k]);
    if (!f)
        return -1;
    uint32_t i = c->n;
    if (fcache_map(c, s->nf_addr[k], i) < 0)
        return -1;
    c->addr[i] = s->nf_addr[k];
    c->code[i] = s->nf_code[k];
    c->prev[i] = s->nf_prev[k];
    c->pinstr[i] = s->nf_pinstr[k];
    c->cidx[i] = s->nf_cidx[k];
    c->fidx[i] = (uint32_t)(f - t->funcs);
    c->ph[i] = stack_hash_step(i ? c->ph[i - 1] : 0, s->nf_cidx[k]);
    if (f->on++ == 0)
        f->since = t->weight_total;
    c->n++;
    return 0;
}

/* The reads that check the cached frames below index i (see above): the
 * CHECK_BELOW frames right below it and AUDIT_PER_MATCH consecutive
 * root-side ones round robin, each `span` bytes from offset lo of the
 * frame. process_vm_readv looks up and pins the pages of every range it is
 * given, a cost per range comparable to the call's own, and consecutive
 * frames lie next to each other in the thread's data stack, so
 * the reads of frames less than CHECK_GAP bytes apart are merged into one
 * range of at most CHECK_RANGE bytes. The bytes between two such frames
 * are on a page that holds one of them (the gap is under a page), so a
 * merged range is readable whenever its frames are. */
enum {
    NCHECK = CHECK_BELOW + AUDIT_PER_MATCH,
    CHECK_MAX_SPAN = 64,
    CHECK_GAP = 512,
    CHECK_RANGE = 2048,
};
struct below_check {
    size_t m, lo, span;
    uint32_t idx[NCHECK];
    size_t off[NCHECK];       /* where frame k's span lands in the buffer */
    size_t nrange, bytes;     /* merged ranges, their total length */
    uintptr_t range_at[NCHECK];
    size_t range_len[NCHECK];
};
#define CHECK_BUF (NCHECK * CHECK_RANGE)

/* Merge the planned reads (b->idx) into ranges, in address order. */
static void fcache_merge_below(const struct fcache *c, struct below_check *b)
{
    size_t order[NCHECK] = { 0 };
    for (size_t k = 0; k < b->m; k++) {          /* insertion sort by address */
        size_t j = k;
        while (j > 0 && c->addr[b->idx[order[j - 1]]] > c->addr[b->idx[k]]) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = k;
    }
    b->nrange = 0;
    b->bytes = 0;
    for (size_t q = 0; q < b->m; q++) {
        size_t k = order[q];
        uintptr_t at = c->addr[b->idx[k]] + b->lo;
        size_t r = b->nrange;
        if (r && at >= b->range_at[r - 1] &&
            at - (b->range_at[r - 1] + b->range_len[r - 1]) < CHECK_GAP &&
            at + b->span - b->range_at[r - 1] <= CHECK_RANGE) {
            size_t len = at + b->span - b->range_at[r - 1];
            if (len > b->range_len[r - 1]) {
                b->bytes += len - b->range_len[r - 1];
                b->range_len[r - 1] = len;
            }
            b->off[k] = (b->bytes - b->range_len[r - 1]) + (at - b->range_at[r - 1]);
            continue;
        }
        b->range_at[r] = at;
        b->range_len[r] = b->span;
        b->off[k] = b->bytes;
        b->bytes += b->span;
        b->nrange++;
    }
}

/* Plan the check below index i; 0, or -1 when the layout's fields are too
 * far apart to check (then no match is trusted). */
static int fcache_plan_below(const struct frame_layout *l, struct fcache *c, uint32_t i,
                             struct below_check *b)
{
    size_t lo = SIZE_MAX, hi = 0;
    size_t offs[3] = { l->fr_code, l->fr_previous, l->fr_prev_instr };
    for (int k = 0; k < 3; k++) {
        lo = offs[k] < lo ? offs[k] : lo;
        hi = offs[k] > hi ? offs[k] : hi;
    }
    b->lo = lo;
    b->span = hi + sizeof(uintptr_t) - lo;
    b->m = 0;
    if (b->span > CHECK_MAX_SPAN)
        return -1;
    for (uint32_t d = 1; d <= CHECK_BELOW && d <= i; d++)
        b->idx[b->m++] = i - d;
    uint32_t rest = i > CHECK_BELOW ? i - CHECK_BELOW : 0;   /* indexes [0, rest) */
    if (rest) {
        uint32_t take = rest < AUDIT_PER_MATCH ? rest : AUDIT_PER_MATCH;
        for (uint32_t k = 0; k < take; k++)
            b->idx[b->m++] = (c->audit + k) % rest;
        c->audit = (c->audit + take) % rest;
    }
    fcache_merge_below(c, b);
    return 0;
}

/* Point the planned ranges (remote) at local buf (CHECK_BUF bytes). */
static void fcache_below_iov(const struct below_check *b, unsigned char *buf,
                             struct iovec *local, struct iovec *remote)
{
    size_t at = 0;
    for (size_t r = 0; r < b->nrange; r++) {
        local[r].iov_base = buf + at;
        local[r].iov_len = b->range_len[r];
        // NOLINTNEXTLINE(performance-no-int-to-ptr): an address in the interpreter
        remote[r].iov_base = (void *)b->range_at[r];
        remote[r].iov_len = b->range_len[r];
        at += b->range_len[r];
    }
}

/* Do the frames read into buf (fcache_below_iov) look as cached? */
static int fcache_below_same(const struct frame_layout *l, const struct fcache *c,
                             const struct below_check *b, const unsigned char *buf)
{
    for (size_t k = 0; k < b->m; k++) {
        const unsigned char *f = buf + b->off[k] - b->lo;
        uint32_t j = b->idx[k];
        if (ld_ptr(f, l->fr_code) != c->code[j] || ld_ptr(f, l->fr_previous) != c->prev[j] ||
            ld_ptr(f, l->fr_prev_instr) != c->pinstr[j])
            return 0;
    }
    return 1;
}

/* Do the cached frames below index i (see above) still look as cached? */
static int fcache_check_below(struct sampler *s, struct fcache *c, uint32_t i)
{
    struct below_check b;
    unsigned char buf[CHECK_BUF];
    struct iovec local[NCHECK], remote[NCHECK];
    if (fcache_plan_below(&s->lay, c, i, &b) < 0)
        return 0;
    if (!b.m)
        return 1;
    fcache_below_iov(&b, buf, local, remote);
    ssize_t got = process_vm_readv(s->pid, local, b.nrange, remote, b.nrange, 0);
    if (got != (ssize_t)b.bytes)
        return 0;
    return fcache_below_same(&s->lay, c, &b, buf);
}

static int nf_reserve(struct sampler *s, size_t need)
{
    if (need <= s->nf_cap)
        return 0;
    size_t cap = s->nf_cap ? s->nf_cap * 2 : 256;
    while (cap < need)
        cap *= 2;
    uintptr_t *a = realloc(s->nf_addr, cap * sizeof(*a));
    if (a)
        s->nf_addr = a;
    uintptr_t *b = a ? realloc(s->nf_code, cap * sizeof(*b)) : NULL;
    if (b)
        s->nf_code = b;
    uintptr_t *p = b ? realloc(s->nf_prev, cap * sizeof(*p)) : NULL;
    if (p)
        s->nf_prev = p;
    uintptr_t *q = p ? realloc(s->nf_pinstr, cap * sizeof(*q)) : NULL;
    if (q)
        s->nf_pinstr = q;
    uint32_t *ci = q ? realloc(s->nf_cidx, cap * sizeof(*ci)) : NULL;
    if (!ci)
        return -1;
    s->nf_cidx = ci;
    s->nf_cap = cap;
    return 0;
}

/* Is the frame copied to fr an entry frame: the one the eval loop keeps on
 * the C stack at each entry (3.12+; its code is a trampoline, or None in
 * 3.13)? It is not the program's: walks step over it. */
static int frame_is_entry(const struct frame_layout *l, const unsigned char *fr)
{
    return l->own_cstack >= 0 && fr[l->fr_owner] == l->own_cstack;
}

/* Bring thread t's cached stack up to date with the chain whose leaf frame
 * is at fa: read from the leaf until a trusted match, keep the cache's root
 * side, replace the rest. 0, -1 when out of memory, or WALK_TORN, leaving
 * the cache as it was, when the chain ended at a generator's frame: a
 * generator unlinks its frame (previous = NULL) when it yields or returns,
 * so a chain read while that happens ends there and lacks every caller
 * (seen: a quarter of the samples of `",".join(genexpr)` credited to a
 * lone <genexpr>). The caller reads the chain again. */
#define WALK_TORN 1

/* A walk that goes deep reads frames a page at a time. A thread's frames
 * lie in its data stack, each caller just below its callee, so the frames
 * under a deep leaf fill whole pages: one read of the part of the page
 * below a frame (from the page's start to the frame's end) brings the
 * frames under it in that page, which the walk then takes from the copy
 * (one system call a page, not a frame: the first walk of a 5,000-frame
 * stack read 5,000 times). The range read never starts below the page of
 * the frame it is for, so it is readable exactly when that frame is, and
 * a frame elsewhere (a generator's, in its object) is read where it lies.
 * A walk reads its first WINDOW_AFTER frames one by one: most walks stop a
 * few frames below the leaf, at the cache's match. */

/* Copy the frame at fa (frame_read bytes) to fr, from w's copy when it
 * holds it, else by a read of its page's start up to its end into w when
 * use_window, else alone; 0, or -1 when unreadable. */
static int read_frame(struct sampler *s, struct walk_window *w, int use_window, uintptr_t fa,
                      unsigned char *fr)
{
    size_t n = s->lay.frame_read;
    if (w->len && fa >= w->at && fa - w->at <= w->len && w->len - (fa - w->at) >= n) {
        memcpy(fr, w->buf + (fa - w->at), n);
        s->frames_paged++;
        return 0;
    }
    if (!use_window || n > 256)
        return peek(s, fa, fr, n);
    uintptr_t at = fa & ~(uintptr_t)(WINDOW_PAGE - 1);
    size_t len = (size_t)(fa - at) + n;
    w->len = 0;
    if (peek(s, at, w->buf, len) < 0)
        return -1;
    w->at = at;
    w->len = len;
    memcpy(fr, w->buf + (fa - at), n);
    return 0;
}

static int walk_stack(struct sampler *s, struct tstat *t, uintptr_t fa)
{
    const struct frame_layout *l = &s->lay;
    struct fcache *c = &t->cache;
    unsigned char fr[256];
    struct walk_window *win = &s->win;
    int trust = !c->untrusted;
    long match = -1;
    size_t nnew = 0, nread = 0;
    win->len = 0;
    c->untrusted = 0;
    while (fa) {
        if (nnew >= WALK_LIMIT) {
            s->walk_overflows++;
            c->untrusted = 1;
            break;
        }
        if (read_frame(s, win, ++nread > WINDOW_AFTER, fa, fr) < 0) {
            s->read_errors++;
            c->untrusted = 1;
            break;
        }
        s->frames_read++;
        uintptr_t code = ld_ptr(fr, l->fr_code), prev = ld_ptr(fr, l->fr_previous);
        if (frame_is_entry(l, fr)) {
            fa = prev;
            continue;
        }
        if (trust) {
            long i = fcache_find(c, fa);
            if (i >= 0 && c->code[i] == code && c->prev[i] == prev) {
                if (fcache_check_below(s, c, (uint32_t)i)) {
                    match = i;
                    c->pinstr[i] = ld_ptr(fr, l->fr_prev_instr);
                    break;
                }
                s->cache_rejects++;
                trust = 0;
            }
        }
        long ci = code_index(s, code);
        if (ci < 0) {
            s->read_errors++;
            c->untrusted = 1;
            break;
        }
        if (nf_reserve(s, nnew + 1) < 0)
            return -1;
        s->nf_addr[nnew] = fa;
        s->nf_code[nnew] = code;
        s->nf_prev[nnew] = prev;
        s->nf_pinstr[nnew] = ld_ptr(fr, l->fr_prev_instr);
        s->nf_cidx[nnew] = (uint32_t)ci;
        nnew++;
        if (!prev && fr[l->fr_owner] == l->own_generator) {
            c->untrusted = 1;
            return WALK_TORN;
        }
        fa = prev;
    }
    fcache_pop_to(t, (uint32_t)(match + 1));
    s->frames_reused += (uint64_t)(match + 1);
    for (size_t k = nnew; k-- > 0;)
        if (fcache_push(s, t, k) < 0)
            return -1;
    return 0;
}

/* Count one sample of the stack root[0..nroot) then leaf (root first) of
 * thread tid; root_hash is the frame cache's hash of root[0..nroot). */
static int record_stack(struct sampler *s, unsigned long tid, const uint32_t *root,
                        uint32_t nroot, uint32_t leaf, uint64_t root_hash)
{
    uint32_t depth = nroot + 1;
    uint64_t h = hash_u64(stack_hash_step(root_hash, leaf) ^ hash_u64(tid) ^ depth);
    if (s->stack_slots_cap) {
        size_t k = h & (s->stack_slots_cap - 1);
        while (s->stack_slots[k]) {
            struct stack *st = &s->stacks[s->stack_slots[k] - 1];
            if (st->hash == h && st->tid == tid && st->depth == depth &&
                st->codes[nroot] == leaf &&
                !memcmp(st->codes, root, nroot * sizeof(*root))) {
                st->count++;
                return 0;
            }
            k = (k + 1) & (s->stack_slots_cap - 1);
        }
    }
    if ((s->nstacks + 1) * 2 > s->stack_slots_cap) {
        size_t cap = s->stack_slots_cap ? s->stack_slots_cap * 2 : 1024;
        uint32_t *slots = calloc(cap, sizeof(*slots));
        if (!slots)
            return -1;
        for (size_t i = 0; i < s->nstacks; i++) {
            size_t k = s->stacks[i].hash & (cap - 1);
            while (slots[k])
                k = (k + 1) & (cap - 1);
            slots[k] = (uint32_t)i + 1;
        }
        free(s->stack_slots);
        s->stack_slots = slots;
        s->stack_slots_cap = cap;
    }
    if (s->nstacks == s->stacks_cap) {
        size_t cap = s->stacks_cap ? s->stacks_cap * 2 : 256;
        struct stack *n = realloc(s->stacks, cap * sizeof(*n));
        if (!n)
            return -1;
        s->stacks = n;
        s->stacks_cap = cap;
    }
    struct stack *st = &s->stacks[s->nstacks];
    st->codes = malloc(depth * sizeof(*root));
    if (!st->codes)
        return -1;
    memcpy(st->codes, root, nroot * sizeof(*root));
    st->codes[nroot] = leaf;
    st->hash = h;
    st->tid = tid;
    st->depth = depth;
    st->count = 1;
    size_t k = h & (s->stack_slots_cap - 1);
    while (s->stack_slots[k])
        k = (k + 1) & (s->stack_slots_cap - 1);
    s->stack_slots[k] = (uint32_t)s->nstacks + 1;
    s->nstacks++;
    return 0;
}

/* ------------------------------------------------------ asyncio tasks */
#if ASYNC_VIEW

/* The layout of _asyncio's TaskObj in CPython 3.11 (Modules/_asynciomodule.c
 * is not in the headers); checked against a real Task at create(). */
struct task_layout {
    PyObject_HEAD
    PyObject *loop, *callback0, *context0, *callbacks, *exception, *exception_tb,
        *result, *source_tb, *cancel_msg;
    int state, log_tb, blocking;
    PyObject *dict, *weakreflist, *cancelled_exc;
    PyObject *fut_waiter, *coro, *name, *context;
};

/* Credit weight to every coroutine of the chain of one suspended task: the
 * task's coroutine, the coroutine it awaits, and so on (the awaited object
 * is the top of a suspended frame's stack, as in _PyGen_yf()). */
static void credit_task_chain(struct sampler *s, struct tstat *t, uintptr_t coro,
                              int64_t weight)
{
    for (int depth = 0; coro && depth < 64; depth++) {
        PyCoroObject co;
        if (peek(s, coro, &co, sizeof(co)) < 0 || Py_TYPE(&co) != &PyCoro_Type ||
            co.cr_frame_state != FRAME_SUSPENDED)
            return;
        uintptr_t fa = coro + offsetof(PyCoroObject, cr_iframe);
        _PyInterpreterFrame fr;
        if (peek(s, fa, &fr, offsetof(_PyInterpreterFrame, localsplus)) < 0)
            return;
        long ci = code_index(s, (uintptr_t)fr.f_code);
        if (ci < 0)
            return;
        struct fstat *f = func_for(t, (uint32_t)ci);
        if (!f) {
            s->nomem = 1;
            return;
        }
        /* Once a sample: not when on the thread's stack (charged there)
         * nor twice in one chain. */
        if (!f->on && f->last_sample != s->sample_id) {
            f->last_sample = s->sample_id;
            f->incl_ns += weight;
        }
        if (depth == 0)
            s->async_chains++;
        /* Awaiting something: RESUME (or its quickened RESUME_QUICK) with
         * oparg >= 2 comes next. */
        uint16_t next = 0;
        if (peek(s, (uintptr_t)fr.prev_instr + sizeof(_Py_CODEUNIT), &next, sizeof(next)) < 0 ||
            ((next & 0xFF) != RESUME && (next & 0xFF) != RESUME_QUICK) || (next >> 8) < 2 ||
            fr.stacktop < 1)
            return;
        uintptr_t yf = 0;
        if (peek(s, fa + offsetof(_PyInterpreterFrame, localsplus) +
                        (size_t)(fr.stacktop - 1) * sizeof(PyObject *), &yf, sizeof(yf)) < 0)
            return;
        coro = yf;
    }
}

/* Every pending task's suspended chain, on the loop thread's record. */
static void sample_tasks(struct sampler *s, struct tstat *t, int64_t weight)
{
    PySetObject set;
    if (peek(s, (uintptr_t)s->all_tasks_set, &set, sizeof(set)) < 0 || set.mask < 0 ||
        set.mask > 65535)
        return;
    size_t n = (size_t)set.mask + 1;
    setentry small[64];
    setentry *tab = n <= 64 ? small : malloc(n * sizeof(*tab));
    if (!tab)
        return;
    if (peek(s, (uintptr_t)set.table, tab, n * sizeof(*tab)) == 0) {
        for (size_t i = 0; i < n; i++) {
            if (!tab[i].key || tab[i].key == _PySet_Dummy)
                continue;
            PyWeakReference wr;
            if (peek(s, (uintptr_t)tab[i].key, &wr, sizeof(wr)) < 0 || !wr.wr_object ||
                wr.wr_object == Py_None)
                continue;
            uintptr_t task = (uintptr_t)wr.wr_object;
            PyObject head;
            int state = -1;
            uintptr_t coro = 0;
            if (peek(s, task, &head, sizeof(head)) < 0 || Py_TYPE(&head) != s->task_type ||
                peek(s, task + s->task_state_off, &state, sizeof(state)) < 0 || state != 0 ||
                peek(s, task + s->task_coro_off, &coro, sizeof(coro)) < 0)
                continue;
            credit_task_chain(s, t, coro, weight);
        }
    }
    if (tab != small)
        free(tab);
}
#endif /* ASYNC_VIEW */

/* Where thread t waits now, read at most every KERNEL_READ_NS (a read
 * costs an open, a read and a close; 64 threads waiting for the GIL would
 * otherwise pay that at every sample). */
static enum subkind thread_wait_kind(struct sampler *s, struct tstat *t, int64_t wall)
{
    if (!t->wchan_read_at || wall - t->wchan_read_at >= KERNEL_READ_NS) {
        /* A thread that has not run since (its CPU clock, t->last_cpu, as
         * then) is in the same wait, or was woken and waits for a CPU: the
         * previous answer stands for up to WCHAN_STALE_NS. Not an answer of
         * "runnable": a thread on its way into a wait, read before it
         * scheduled out, shows that too, and the wait that follows would be
         * misnamed for up to WCHAN_STALE_NS (test_categories' 0.1 s nap,
         * half of it a "CPU wait" once in the ASan build). */
        if (t->wchan_read_at && t->last_cpu >= 0 && t->last_cpu == t->wchan_read_cpu &&
            t->wchan_kind != SUB_RUNQUEUE && wall - t->wchan_read_at < WCHAN_STALE_NS)
            return t->wchan_kind;
        /* One that ran may wait otherwise now; but a round reads at most
         * WCHAN_READS_A_ROUND of them (a thread's first read aside): the
         * others keep their answer to a later round. */
        if (t->wchan_read_at && s->wchan_budget == 0)
            return t->wchan_kind;
        if (t->wchan_read_at)
            s->wchan_budget--;
        t->wchan_kind = wait_kind(s, t);
        t->wchan_read_at = wall;
        t->wchan_read_cpu = t->last_cpu;
    }
    return t->wchan_kind;
}

/* The thread record whose state was at addr at its last sample, or NULL.
 * A map, not the list order: threads that start or end between two samples
 * change the order but not the other threads' state addresses.
 *
 * Linear probing: an address's entry is the first slot of its run that is
 * empty or names a record whose ts_addr is that address. A slot whose
 * record has moved to another address (a thread state freed and its record
 * reused) is stale: skipped here, overwritten only by a rebuild, which
 * ts_slot_put() does when half the slots are filled. (A direct-mapped table
 * missed every sample of two threads whose addresses collided: about one
 * thread in five at a quarter full, each walked in full every sample; with
 * two threads, a unit-test run in a few hundred.) */
static struct tstat *ts_slot_get(const struct sampler *s, uintptr_t addr)
{
    size_t mask = s->ts_slots_cap - 1;
    for (size_t h = s->ts_slots_cap ? hash_u64(addr) & mask : 0, n = 0; n < s->ts_slots_cap;
         h = (h + 1) & mask, n++) {
        uint32_t v = s->ts_slots[h];
        if (!v)
            return NULL;
        if (v - 1 < s->nthreads && s->threads[v - 1].ts_addr == addr)
            return &s->threads[v - 1];
    }
    return NULL;
}

/* Record thread ti at addr (its ts_addr already addr): in the slot
 * ts_slot_get() finds first, so a newer record for a reused address
 * replaces the older one. */
static void ts_slot_fill(struct sampler *s, uintptr_t addr, size_t ti)
{
    size_t mask = s->ts_slots_cap - 1;
    for (size_t h = hash_u64(addr) & mask;; h = (h + 1) & mask) {
        uint32_t v = s->ts_slots[h];
        if (!v || (v - 1 < s->nthreads && s->threads[v - 1].ts_addr == addr)) {
            s->ts_slots_used += !v;
            s->ts_slots[h] = (uint32_t)ti + 1;
            return;
        }
    }
}

static void ts_slot_put(struct sampler *s, uintptr_t addr, size_t ti)
{
    if (4 * s->nthreads > s->ts_slots_cap || 2 * (s->ts_slots_used + 1) > s->ts_slots_cap) {
        size_t cap = 256;
        while (4 * s->nthreads > cap)
            cap *= 2;
        uint32_t *n = calloc(cap, sizeof(*n));
        if (!n) {
            /* the old map stays while it has room: at worst, misses */
            if (s->ts_slots_used + 1 < s->ts_slots_cap)
                ts_slot_fill(s, addr, ti);
            return;
        }
        free(s->ts_slots);
        s->ts_slots = n;
        s->ts_slots_cap = cap;
        s->ts_slots_used = 0;
        /* in record order: of two records at one address, the newer wins */
        for (size_t i = 0; i < s->nthreads; i++)
            if (s->threads[i].ts_addr && i != ti)
                ts_slot_fill(s, s->threads[i].ts_addr, i);
    }
    ts_slot_fill(s, addr, ti);
}

/* ------------------------------------------------------------- the GIL */

/* A thread's Python stack changes only while it holds the GIL: the eval
 * loop pushes and pops its frames and moves their instruction pointers.
 * take_gil() sets the GIL's last_holder and counts switch_number up each
 * time the GIL passes to a thread other than its last holder (3.11-3.13,
 * Python/ceval_gil.c). So when switch_number grew by at most one between
 * the starts of two rounds, the GIL was held in between by the holders
 * read at those two starts and no one else: every other thread's stack is
 * as the previous round found it, even if its CPU clock moved (it ran C
 * code without the GIL, or woke only to wait for the GIL again, as threads
 * taking turns on it do every switch interval). Such a thread is sampled
 * as one that has not run, from its state alone (read_thread). The GIL is
 * the interpreter's, in this process and never freed while it runs: its
 * fields are loaded directly, switch_number twice around last_holder, and
 * a round whose two loads differ does not use them. */
static void gil_snapshot(struct sampler *s)
{
    s->gil_switches_prev = s->gil_switches;
    s->gil_holder_prev = s->gil_holder;
    s->gil_read_prev = s->gil_read;
    s->gil_read = 0;
    if (!s->gil)
        return;
    unsigned long a = __atomic_load_n(&s->gil->switch_number, __ATOMIC_ACQUIRE);
#if PY_VERSION_HEX >= 0x030D0000
    uintptr_t h = (uintptr_t)_Py_atomic_load_ptr_relaxed(&s->gil->last_holder);
#else
    uintptr_t h = _Py_atomic_load_relaxed(&s->gil->last_holder);
#endif
    unsigned long b = __atomic_load_n(&s->gil->switch_number, __ATOMIC_ACQUIRE);
    s->gil_read = a == b;
    s->gil_switches = b;
    s->gil_holder = h;
}

/* Did thread t (its cache trusted, walked or found unchanged in the
 * previous round) never hold the GIL since? */
static int gil_idle(const struct sampler *s, const struct tstat *t)
{
    return s->gil_read && s->gil_read_prev && s->gil_switches - s->gil_switches_prev <= 1 &&
           t->walked_at + 1 == s->samples && t->walked_cpu >= 0 && t->ts_addr &&
           t->ts_addr != s->gil_holder && t->ts_addr != s->gil_holder_prev;
}

/* Is thread t's cached stack still its stack, its CPU clock read as cpu?
 * Its cache trusted, and it has not run since its last walk (the clock as
 * then) or ran without the GIL (gil_idle). read_ahead() and read_thread()
 * both ask. */
static int stack_unchanged(const struct sampler *s, const struct tstat *t, int64_t cpu)
{
    return cpu >= 0 && !t->cache.untrusted && (cpu == t->walked_cpu || gil_idle(s, t));
}

/* One thread in one system call, when the thread's stack has not changed.
 * A thread costs a read of its state, of its _PyCFrame (3.11, 3.12), of its
 * leaf frame, of the frames that check the cache's match (see "the frame
 * cache") and of the leaf's instruction: five process_vm_readv calls, each
 * a system call that maps the pages it reads. When a thread's state was at
 * this address at its previous sample (ts_slot_get) and its cache is
 * trusted, all five are read in one call at the
 * addresses the previous sample found, in the same order as the separate
 * reads. They are used only if what they read confirms the addresses: the
 * same thread id, the same cframe, its current frame the cached leaf with
 * the cached code and previous link, and the check frames as cached (the
 * same conditions as a walk that matches at the leaf). The instruction is
 * read with the code around it (CODE_AROUND bytes on each side, within the
 * instruction's page, so the range is readable exactly when the
 * instruction is): a leaf running a loop has moved its instruction pointer
 * since the previous sample, most often within that range, and the
 * instruction it is at now is taken from the copy instead of another read.
 * Anything else, and the thread is walked as before from the state read
 * here.
 *
 * A thread that has not run since its previous sample has not changed its
 * stack: only a thread pushes and pops its own frames, and any of that
 * moves its CPU clock (nanoseconds of every stint on a CPU). So the guessed
 * thread's CPU clock is read first, and when it equals its reading before
 * the thread's last walk (walked_cpu: the cache was read after it) and the
 * thread's cache is trusted, only the thread state is read
 * (for its id, its next link and the thread's confirmation); its cached
 * stack is this sample's as it stands, no frame, check or instruction read.
 * The sample's weight is then all off-CPU (system), so which instruction
 * the leaf executes does not matter. Threads waiting for the GIL, a lock or
 * I/O are most of the threads of a program with many: read_ahead() reads
 * the clocks of the round's threads and the states of those that have not
 * run before the round, the states in one call, and they are taken from
 * there. */
struct thread_read {
    size_t ti;                /* the thread record guessed, or SIZE_MAX */
    int have_cframe, have_leaf, have_below, have_word;
    int cpu_read;             /* cpu holds the guessed thread's CPU clock */
    int not_run;              /* ... equal to its reading before its last
                                 walk: only the state was read */
    int ahead;                /* ... by read_ahead(), with the others' */
    int64_t cpu;
    uintptr_t cframe_at;      /* where the _PyCFrame was read */
    struct below_check b;
    uintptr_t code_at;        /* the code copied to code[], code_len bytes */
    size_t code_len;
    unsigned char code[2 * CODE_AROUND];
    unsigned char cf[64], fr[256];
    unsigned char below[CHECK_BUF];
};

/* Read the thread state at addr (ts_read bytes to ts) and, when the guess
 * above applies, the rest of r; 0, or -1 when the state is unreadable. */
static int read_thread(struct sampler *s, uintptr_t addr, unsigned char *ts, struct thread_read *r)
{
    const struct frame_layout *l = &s->lay;
    enum { NIOV = 4 + NCHECK };
    struct iovec local[NIOV], remote[NIOV];
    size_t m = 0, at = 0;
    /* Bytes read when each part is complete (process_vm_readv stops at the
     * first unreadable range: every range before it is whole). */
    size_t end_cf = 0, end_leaf = 0, end_below = 0, end_word = 0;
    // NOLINTBEGIN(performance-no-int-to-ptr): addresses in the interpreter
#define ADD(buf, from, len)                                                  \
    do {                                                                     \
        local[m].iov_base = (buf);                                           \
        remote[m].iov_base = (void *)(from);                                 \
        local[m].iov_len = remote[m].iov_len = (len);                        \
        at += (len);                                                         \
        m++;                                                                 \
    } while (0)
    r->ti = SIZE_MAX;
    r->have_cframe = r->have_leaf = r->have_below = r->have_word = 0;
    r->cpu_read = r->not_run = r->ahead = 0;
    ADD(ts, addr, l->ts_read);
    struct tstat *t = ts_slot_get(s, addr);
    if (t && t->ts_addr == addr && t->ahead_of == s->samples) {
        /* read_ahead() found it had not run and read its state */
        memcpy(ts, s->ahead_buf + (size_t)t->ahead_slot * l->ts_read, l->ts_read);
        t->ahead_of = 0;                 /* once: a second visit reads */
        r->ti = (size_t)(t - s->threads);
        r->cpu = t->clock_now;
        r->cpu_read = r->not_run = r->ahead = 1;
        return 0;
    }
    if (t && t->ts_addr == addr) {
        r->cpu = t->clock_of == s->samples ? t->clock_now : now_ns(t->cpu_clock);
        r->cpu_read = 1;
        if (stack_unchanged(s, t, r->cpu)) {
            r->ti = (size_t)(t - s->threads);
            r->not_run = 1;
            t = NULL;                /* the state alone */
        }
    }
    if (t && t->ts_addr == addr && t->cache.n && !t->cache.untrusted &&
        l->frame_read <= sizeof(r->fr) && l->cf_read <= sizeof(r->cf) &&
        (l->ts_cframe == NO_OFFSET || t->cframe_addr) &&
        fcache_plan_below(l, &t->cache, t->cache.n - 1, &r->b) == 0) {
        const struct fcache *c = &t->cache;
        r->ti = (size_t)(t - s->threads);
        if (l->ts_cframe != NO_OFFSET) {
            r->cframe_at = t->cframe_addr;
            ADD(r->cf, r->cframe_at, l->cf_read);
            end_cf = at;
        }
        ADD(r->fr, c->addr[c->n - 1], l->frame_read);
        end_leaf = at;
        fcache_below_iov(&r->b, r->below, local + m, remote + m);
        m += r->b.nrange;
        at += r->b.bytes;
        end_below = at;
        /* The instruction and the code around it, within its page. */
        uintptr_t pi = c->pinstr[c->n - 1];
        uintptr_t page = pi & ~(uintptr_t)(WINDOW_PAGE - 1);
        uintptr_t lo = pi - page > CODE_AROUND ? pi - CODE_AROUND : page;
        uintptr_t hi = page + WINDOW_PAGE - pi > CODE_AROUND ? pi + CODE_AROUND
                                                            : page + WINDOW_PAGE;
        if (hi < pi + sizeof(uint16_t))
            hi = pi + sizeof(uint16_t);     /* the word at the page's end */
        r->code_at = lo;
        r->code_len = (size_t)(hi - lo);
        ADD(r->code, lo, r->code_len);
        end_word = at;
    }
#undef ADD
    // NOLINTEND(performance-no-int-to-ptr)
    ssize_t got = process_vm_readv(s->pid, local, m, remote, m, 0);
    if (got < (ssize_t)l->ts_read)
        return -1;
    if (r->ti != SIZE_MAX) {
        r->have_cframe = end_cf && (size_t)got >= end_cf;
        r->have_leaf = (size_t)got >= end_leaf;
        r->have_below = (size_t)got >= end_below;
        r->have_word = (size_t)got >= end_word;
    }
    return 0;
}

/* The read above, if it shows thread t's stack as cached up to its leaf:
 * then the cache is brought up to date as walk_stack() would (a match at
 * the leaf) and 1 is returned. 0 when it does not apply (walk the thread),
 * -1 when the match was rejected by the check below it (walk it without
 * trusting the cache, as walk_stack() does after a rejection). */
static int walk_prefetched(struct sampler *s, struct tstat *t, const unsigned char *ts,
                           const struct thread_read *r)
{
    const struct frame_layout *l = &s->lay;
    struct fcache *c = &t->cache;
    if (r->ti != (size_t)(t - s->threads) || !r->have_leaf || !c->n || c->untrusted)
        return 0;
    uintptr_t fa;
    if (l->ts_cframe != NO_OFFSET) {
        if (!r->have_cframe || ld_ptr(ts, l->ts_cframe) != r->cframe_at)
            return 0;
        fa = ld_ptr(r->cf, l->cf_current_frame);
    } else {
        fa = ld_ptr(ts, l->ts_current_frame);
    }
    uint32_t i = c->n - 1;
    if (fa != c->addr[i] || frame_is_entry(l, r->fr) || ld_ptr(r->fr, l->fr_code) != c->code[i] ||
        ld_ptr(r->fr, l->fr_previous) != c->prev[i])
        return 0;
    s->frames_read++;
    if (!r->have_below || !fcache_below_same(l, c, &r->b, r->below)) {
        s->cache_rejects++;
        return -1;
    }
    c->pinstr[i] = ld_ptr(r->fr, l->fr_prev_instr);
    s->frames_reused += c->n;
    s->one_read++;
    return 1;
}

/* The leaf frame of the thread whose state (ts_read bytes) is in ts; 0 when
 * it has none or it cannot be read. */
static uintptr_t current_frame(const struct sampler *s, const unsigned char *ts)
{
    const struct frame_layout *l = &s->lay;
    if (l->ts_cframe == NO_OFFSET)
        return ld_ptr(ts, l->ts_current_frame);
    unsigned char cf[64];
    if (l->cf_read > sizeof(cf) || peek(s, ld_ptr(ts, l->ts_cframe), cf, l->cf_read) < 0)
        return 0;
    return ld_ptr(cf, l->cf_current_frame);
}

/* Sample one thread whose thread state (ts_read bytes) at addr was copied
 * to ts, with the rest of read_thread()'s read in r. */
static void sample_thread(struct sampler *s, uintptr_t addr, const unsigned char *ts,
                          const struct thread_read *r, int64_t wall)
{
    const struct frame_layout *l = &s->lay;
    unsigned long native_id = (unsigned long)ld_ptr(ts, l->ts_native_id);
    if (!native_id)              /* created, not yet running: nothing to see */
        return;
    size_t known = s->nthreads;
    struct tstat *t;
    /* read_thread's guess confirmed: its clock reading is this thread's */
    int guessed = r->ti != SIZE_MAX && s->threads[r->ti].tid == native_id;
    int not_run = guessed && r->not_run;
    if (guessed) {
        t = &s->threads[r->ti];          /* thread_for()'s answer, sooner */
        s->thread_hint = r->ti + 1;
    } else {
        t = thread_for(s, native_id, wall);
    }
    if (!t)
        return;
    if (s->nthreads > known && s->prev_sample_wall > 0 && wall > s->prev_sample_wall) {
        /* A thread that started since the previous sample: on average it has
         * run for half the interval. Credit that to its first stack (and at
         * most that much of its CPU time), instead of losing it; what is
         * lost after its last sample is the other half. */
        int64_t back = (wall - s->prev_sample_wall) / 2;
        t->last_wall = wall - back;
        if (t->last_cpu > 0)
            t->last_cpu -= t->last_cpu < back ? t->last_cpu : back;
    }
    t->seen_at = s->samples;
    t->ts_addr = addr;
    ts_slot_put(s, addr, (size_t)(t - s->threads));
    t->cframe_addr = l->ts_cframe != NO_OFFSET ? ld_ptr(ts, l->ts_cframe) : 0;
    int64_t cpu = guessed && r->cpu_read ? r->cpu : now_ns(t->cpu_clock);
    /* not run by its stack, but on a CPU: without the GIL (gil_idle) */
    int ran_idle = not_run && cpu != t->walked_cpu;
    int64_t dw = wall - t->last_wall;
    int64_t dc = cpu >= 0 && t->last_cpu >= 0 ? cpu - t->last_cpu : dw;
    t->last_wall = wall;
    t->last_cpu = cpu;
    if (dw <= 0)
        return;
    if (dc < 0)
        dc = 0;
    if (dc > dw)
        dc = dw;
    int64_t off = dw - dc;
    update_kernel(s, t, wall);
    int64_t kern = t->kernel_debt_ns < dc ? t->kernel_debt_ns : dc;
    t->kernel_debt_ns -= kern;
    dc -= kern;               /* on-CPU user time */
    off += kern;              /* system: off-CPU plus kernel CPU */
    int64_t weight = s->cpu_only ? dc + kern : dw;
    if (weight <= 0)
        return;
    s->sub_ns[SUB_KERNEL] += kern;
    if (off - kern > 0)
        s->sub_ns[2 * (off - kern) > dw ? thread_wait_kind(s, t, wall) : SUB_RUNQUEUE] += off - kern;

    s->sample_id++;
    /* not run: the cached stack stands (read_thread) */
    int pre = not_run ? 1 : walk_prefetched(s, t, ts, r);
    if (pre < 0)
        t->cache.untrusted = 1;
    /* A torn chain (walk_stack) is read again; after TORN_TRIES the sample
     * goes to the thread's previous stack, where it just was. */
    int rc = pre > 0 ? 0 : WALK_TORN;
    for (int try = 0; rc == WALK_TORN && try < TORN_TRIES; try++) {
        rc = walk_stack(s, t, current_frame(s, ts));
        s->torn_reads += rc == WALK_TORN;
    }
    if (rc < 0) {
        s->nomem = 1;
        return;
    }
    s->torn_samples += rc == WALK_TORN;
    t->walked_at = s->samples;
    t->walked_cpu = rc == 0 ? cpu : -1;
    struct fcache *c = &t->cache;
#if ASYNC_VIEW
    if (s->async_on && t->tid == s->loop_tid)
        sample_tasks(s, t, weight);
#endif
    if (!c->n) {
        t->unattributed_ns += weight;
        return;
    }
    s->stack_samples++;
    /* Everything on the stack now gets this sample's weight (fcache_pop_to
     * charges it when the frame goes, collect for what remains). */
    t->weight_total += weight;
    uint32_t leaf = c->n - 1;
    struct fstat *f = &t->funcs[c->fidx[leaf]];
    uint16_t word = 0;
    uintptr_t pi = c->pinstr[leaf];
    int native;
    if (not_run) {
        /* Its leaf has not moved since it was last read: that verdict
         * stands for the C code it ran meanwhile without the GIL (no CPU
         * time to split for a thread that did not run at all). */
        native = t->leaf_native;
        s->not_run++;
        s->gil_idle += ran_idle;
        s->read_ahead += r->ahead;
        s->frames_reused += c->n;
    } else if (pre > 0 && r->have_word && pi >= r->code_at &&
               pi - r->code_at + sizeof(word) <= r->code_len) {
        memcpy(&word, r->code + (pi - r->code_at), sizeof(word));
        native = is_c_call((uint8_t)(word & 0xFF));
    } else {
        native = peek(s, pi, &word, sizeof(word)) == 0 && is_c_call((uint8_t)(word & 0xFF));
    }
    t->leaf_native = native;
    f->samples++;
    f->self_ns += weight;
    f->cat_ns[native ? PB_CAT_NATIVE : PB_CAT_PYTHON] += dc;
    f->cat_ns[PB_CAT_SYSTEM] += s->cpu_only ? kern : off;
    /* Recorded: the root side and the leaf, max_depth frames in all; what
     * lies between is counted as dropped. */
    uint32_t nroot = leaf < (uint32_t)s->max_depth - 1 ? leaf : (uint32_t)s->max_depth - 1;
    if (nroot < leaf) {
        uint64_t dropped = leaf - nroot;
        s->truncated++;
        s->truncated_frames += dropped;
        if (dropped > s->truncated_max)
            s->truncated_max = dropped;
    }
    if (s->keep_stacks &&
        record_stack(s, t->tid, c->cidx, nroot, c->cidx[leaf], nroot ? c->ph[nroot - 1] : 0) < 0)
        s->nomem = 1;
}

/* Ranges of one read_ahead() system call. */
#define AHEAD_IOV 256

/* Before a round (sample_all): each thread of the previous round has its
 * CPU clock read, and those that have not run since their last walk (their
 * cached stack still theirs: read_thread) have their thread states read
 * together, AHEAD_IOV to a process_vm_readv, instead of one call each: a
 * waiting thread's sample is then a clock read and its share of a call.
 * read_thread() takes both when the chain reaches the thread's address; a
 * thread that did run uses the clock read here. The states are copies
 * from before the chain is read, as a clock read comes before the state it
 * vouches for in read_thread(). A range that cannot be read (a thread state
 * freed since) ends a call early: the call is made again after it, and
 * that thread is read on its own when the chain reaches it. */
static void read_ahead(struct sampler *s)
{
    const struct frame_layout *l = &s->lay;
    if (s->nthreads > s->ahead_cap) {
        unsigned char *b = realloc(s->ahead_buf, s->nthreads * l->ts_read);
        if (!b)
            return;                   /* every thread read on its own */
        s->ahead_buf = b;
        s->ahead_cap = s->nthreads;
    }
    struct iovec local[AHEAD_IOV], remote[AHEAD_IOV];
    uint32_t who[AHEAD_IOV] = { 0 };   /* the thread of each range */
    size_t m = 0;
    uint32_t slot = 0;
    for (size_t i = 0; i <= s->nthreads; i++) {
        if (i < s->nthreads) {
            struct tstat *t = &s->threads[i];
            if (!t->ts_addr || t->seen_at + 1 != s->samples)
                continue;
            t->clock_now = now_ns(t->cpu_clock);
            t->clock_of = s->samples;
            if (!stack_unchanged(s, t, t->clock_now))
                continue;
            t->ahead_slot = slot;
            local[m].iov_base = s->ahead_buf + (size_t)slot++ * l->ts_read;
            // NOLINTNEXTLINE(performance-no-int-to-ptr): an address in the interpreter
            remote[m].iov_base = (void *)t->ts_addr;
            local[m].iov_len = remote[m].iov_len = l->ts_read;
            who[m++] = (uint32_t)i;
            if (m < AHEAD_IOV)
                continue;
        }
        for (size_t done = 0; done < m;) {
            ssize_t got = process_vm_readv(s->pid, local + done, m - done, remote + done,
                                           m - done, 0);
            size_t whole = got > 0 ? (size_t)got / l->ts_read : 0;
            if (whole > m - done)
                whole = m - done;     /* never more than asked */
            for (size_t k = done; k < done + whole; k++)
                s->threads[who[k]].ahead_of = s->samples;
            done += whole + 1;        /* past the range that failed */
        }
        m = 0;
    }
}

static void sample_all(struct sampler *s)
{
    const struct frame_layout *l = &s->lay;
    int64_t wall = now_ns(CLOCK_MONOTONIC);
    uintptr_t addr = 0;
    if (peek(s, (uintptr_t)s->interp + l->interp_threads_head, &addr, sizeof(addr)) < 0)
        return;
    s->samples++;
    unsigned char ts[1024];
    if (l->ts_read > sizeof(ts))
        return;
    gil_snapshot(s);
    read_ahead(s);
    struct thread_read r;
    s->wchan_budget = WCHAN_READS_A_ROUND;
    int whole = 0;            /* the list walked to its end */
    for (int n = 0; n < THREAD_WALK_LIMIT; n++) {
        if (!addr) {
            whole = 1;
            break;
        }
        if (read_thread(s, addr, ts, &r) < 0) {
            s->read_errors++;
            break;
        }
        sample_thread(s, addr, ts, &r, wall);
        addr = ld_ptr(ts, l->ts_next);
    }
    if (whole)
        proc_sweep(s);
    s->prev_sample_wall = wall;
}

/* The test hook (sampling.h): one sample now, then every walked thread's
 * cached stack against a full walk that ignores the cache. */
long pb_sampling_sample_now(void *state, long *compared)
{
    struct sampler *s = state;
    const struct frame_layout *l = &s->lay;
    long bad = 0;
    *compared = 0;
    if (s->started)
        return -1;
    sample_all(s);
    uintptr_t addr = 0;
    unsigned char ts[1024];
    if (l->ts_read > sizeof(ts) ||
        peek(s, (uintptr_t)s->interp + l->interp_threads_head, &addr, sizeof(addr)) < 0)
        return -1;
    for (int n = 0; addr && n < THREAD_WALK_LIMIT; n++) {
        if (peek(s, addr, ts, l->ts_read) < 0)
            return -1;
        addr = ld_ptr(ts, l->ts_next);
        unsigned long tid = (unsigned long)ld_ptr(ts, l->ts_native_id);
        struct tstat *t = NULL;
        for (size_t i = 0; i < s->nthreads; i++)
            if (s->threads[i].tid == tid)
                t = &s->threads[i];
        if (!t || t->walked_at != s->samples)
            continue;
        (*compared)++;
        const struct fcache *c = &t->cache;
        uint32_t d = 0;
        int same = 1;
        unsigned char fr[256];
        for (uintptr_t fa = current_frame(s, ts); fa && same;) {
            long ci;
            if (peek(s, fa, fr, l->frame_read) < 0) {
                same = 0;
                break;
            }
            uintptr_t prev = ld_ptr(fr, l->fr_previous);
            if (!frame_is_entry(l, fr)) {
                if (d >= c->n || (ci = code_index(s, ld_ptr(fr, l->fr_code))) < 0 ||
                    c->cidx[c->n - 1 - d] != (uint32_t)ci || c->addr[c->n - 1 - d] != fa)
                    same = 0;
                d++;
            }
            fa = prev;
        }
        bad += !same || d != c->n;
    }
    return bad;
}

static double jitter(struct sampler *s)
{
    /* xorshift64*, uniform in [0.5, 1.5): breaks lock-step with periodic work */
    s->rng ^= s->rng >> 12;
    s->rng ^= s->rng << 25;
    s->rng ^= s->rng >> 27;
    uint64_t r = s->rng * 2685821657736338717ULL;
    return 0.5 + (double)(r >> 11) / 9007199254740992.0;
}

/* The sampler thread's CPU time includes its sleeps: the system call, the
 * timer and being scheduled back (on a virtual machine the timer is
 * programmed through the hypervisor). That share of the cost of a sample is
 * the same whatever the sampler reads; it is measured around one pause in
 * WAKE_EVERY (two clock reads) and reported apart in the note. */
#define WAKE_EVERY 16

static void *sampler_main(void *arg)
{
    struct sampler *s = arg;
    for (uint64_t k = 0; atomic_load(&s->running); k++) {
        double pause = s->interval_s * jitter(s);
        struct timespec ts = { (time_t)pause, (long)((pause - (double)(time_t)pause) * 1e9) };
        int64_t before = k % WAKE_EVERY == 0 ? now_ns(CLOCK_THREAD_CPUTIME_ID) : -1;
        nanosleep(&ts, NULL);
        if (before >= 0) {
            int64_t after = now_ns(CLOCK_THREAD_CPUTIME_ID);
            if (after >= before) {
                s->wake_cpu_ns += after - before;
                s->wake_measured++;
            }
        }
        if (!atomic_load(&s->running))
            break;
        sample_all(s);
        if (s->nomem)
            break;
    }
    s->sampler_cpu_ns = now_ns(CLOCK_THREAD_CPUTIME_ID);
    return NULL;
}

/* ---------------------------------------------------------------- backend */

#if ASYNC_VIEW
/* With the GIL, outside the region: when the program has imported asyncio,
 * find its set of all tasks and check the Task layout against a real Task
 * (pyprof_bench.asyncprobe, harness/py). Any surprise leaves the task view
 * off, and the note says so. */
static void async_probe(struct sampler *s)
{
    PyObject *fn = pb_pypkg_attr("pyprof_bench.asyncprobe", "probe");
    PyObject *res = fn ? PyObject_CallNoArgs(fn) : NULL;
    Py_XDECREF(fn);
    if (!res || res == Py_None || !PyTuple_Check(res) || PyTuple_GET_SIZE(res) != 4)
        goto out;
    PyObject *set = PyTuple_GET_ITEM(res, 0), *type = PyTuple_GET_ITEM(res, 1);
    PyObject *task = PyTuple_GET_ITEM(res, 2), *co = PyTuple_GET_ITEM(res, 3);
    const struct task_layout *tl = (const struct task_layout *)task;
    if (!PySet_Check(set) || !PyType_Check(type) ||
        ((PyTypeObject *)type)->tp_basicsize < (Py_ssize_t)sizeof(struct task_layout) ||
        tl->coro != co || tl->state != 0 || tl->loop == NULL)
        goto out;
    s->task_coro_off = offsetof(struct task_layout, coro);
    s->task_state_off = offsetof(struct task_layout, state);
    s->task_type = (PyTypeObject *)type;
    Py_INCREF(type);
    s->all_tasks_set = set;
    Py_INCREF(set);
    s->async_on = 1;
out:
    if (res && res != Py_None && PyTuple_Check(res) && PyTuple_GET_SIZE(res) == 4) {
        PyObject *x = PyObject_CallMethod(PyTuple_GET_ITEM(res, 3), "close", NULL);
        Py_XDECREF(x);
    }
    if (PyErr_Occurred())
        PyErr_Clear();
    Py_XDECREF(res);
}
#endif /* ASYNC_VIEW */

static int sampling_create(void **state, const struct pb_options *opts, char *err, size_t errlen)
{
    struct sampler *s = calloc(1, sizeof(*s));
    if (!s)
        return pb_error(err, errlen, "out of memory");
    s->interval_s = pb_options_double(opts, "interval");
    s->cpu_only = pb_options_get(opts, "clock")->v.choice == 1;
    s->max_depth = (int)pb_options_int(opts, "max_depth");
    s->keep_stacks = 1;   /* cheap, and export is decided after the run */
    if (layout_init(&s->lay, err, errlen) < 0) {
        free(s);
        return -1;
    }
    s->interp = PyThreadState_GetInterpreter(PyThreadState_Get());
#if PY_VERSION_HEX >= 0x030C0000
    s->gil = s->interp->ceval.gil;          /* the interpreter's own (3.12+) */
#else
    s->gil = &_PyRuntime.ceval.gil;         /* one for the runtime (3.11) */
#endif
    s->pid = getpid();
    s->rng = 0x9E3779B97F4A7C15ULL ^ (uint64_t)now_ns(CLOCK_MONOTONIC);
    long hz = sysconf(_SC_CLK_TCK);
    s->ns_per_tick = 1e9 / (double)(hz > 0 ? hz : 100);
    /* Fail now, not silently later, where process_vm_readv is not allowed. */
    uintptr_t probe;
    if (peek(s, (uintptr_t)s->interp + s->lay.interp_threads_head, &probe, sizeof(probe)) < 0) {
        int e = errno;
        free(s);
        return pb_error(err, errlen, "cannot read this process's memory with process_vm_readv: %s",
                        strerror(e));
    }
    if (pb_options_bool(opts, "async_tasks") && !s->cpu_only) {
#if ASYNC_VIEW
        async_probe(s);
#else
        /* Said only where it matters: the program has imported asyncio. */
        s->async_unsupported = PyDict_GetItemString(PyImport_GetModuleDict(), "asyncio") != NULL;
#endif
    }
    *state = s;
    return 0;
}

static int sampling_start(void *state, char *err, size_t errlen)
{
    struct sampler *s = state;
    int64_t wall = now_ns(CLOCK_MONOTONIC);
    /* Threads alive now are accounted from now on. */
    PyThreadState *ts = PyInterpreterState_ThreadHead(s->interp);
    for (; ts; ts = PyThreadState_Next(ts))
        if (ts->native_thread_id)
            thread_for(s, ts->native_thread_id, wall);
    s->loop_tid = (unsigned long)PyThreadState_Get()->native_thread_id;
    s->prev_sample_wall = wall;
    atomic_store(&s->running, 1);
    int rc = pthread_create(&s->thread, NULL, sampler_main, s);
    if (rc) {
        atomic_store(&s->running, 0);
        return pb_error(err, errlen, "cannot start the sampler thread: %s", strerror(rc));
    }
    s->started = 1;
    return 0;
}

static int sampling_stop(void *state, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    struct sampler *s = state;
    if (!s->started)
        return 0;
    atomic_store(&s->running, 0);
    /* The GIL is held while joining: the sampler never needs it. */
    pthread_join(s->thread, NULL);
    s->started = 0;
    return 0;
}

/* Bytes the sampler's own tables hold (their allocated capacities): what
 * grows with a long run. Everything is aggregated as it arrives, so this
 * follows the distinct code objects, threads and stacks, not the samples. */
static size_t table_bytes(const struct sampler *s)
{
    size_t b = s->codes_cap * sizeof(*s->codes) + s->code_slots_cap * sizeof(uint32_t) +
               s->threads_cap * sizeof(*s->threads) + s->stacks_cap * sizeof(*s->stacks) +
               s->stack_slots_cap * sizeof(uint32_t);
    for (size_t i = 0; i < s->ncodes; i++)
        b += strlen(s->codes[i].file) + strlen(s->codes[i].name) + 2;
    for (size_t i = 0; i < s->nstacks; i++)
        b += s->stacks[i].depth * sizeof(uint32_t);
    for (size_t i = 0; i < s->nthreads; i++) {
        const struct tstat *t = &s->threads[i];
        const struct fcache *c = &t->cache;
        b += t->cap * sizeof(*t->funcs) + t->slots_cap * sizeof(uint32_t) +
             (size_t)c->cap * (4 * sizeof(uintptr_t) + 2 * sizeof(uint32_t) + sizeof(uint64_t)) +
             (size_t)c->map_cap * sizeof(*c->map);
    }
    return b;
}

static int sampling_collect(void *state, struct pb_report *out, char *err, size_t errlen)
{
    struct sampler *s = state;
    double total = 0;
    uint64_t leaf_samples = 0;
    for (size_t i = 0; i < s->nthreads; i++) {
        struct tstat *t = &s->threads[i];
        total += (double)t->unattributed_ns * 1e-9;
        for (size_t k = 0; k < t->nfuncs; k++) {
            struct fstat *f = &t->funcs[k];
            struct code_info *ci = &s->codes[f->code];
            struct pb_report_entry *e = pb_report_add(out, ci->file, ci->line, ci->name,
                                                      (uint64_t)t->tid);
            e->count = f->samples;
            /* frames still on the stack at the end: charged now */
            int64_t incl = f->incl_ns + (f->on ? t->weight_total - f->since : 0);
            e->inclusive_s = (double)incl * 1e-9;
            e->self_s = (double)f->self_ns * 1e-9;
            for (int c = 0; c < PB_CAT_COUNT; c++)
                e->cat_s[c] = (double)f->cat_ns[c] * 1e-9;
            total += e->self_s;
            leaf_samples += f->samples;
        }
    }
    out->total_s = total;
    out->sampler_cpu_s = (double)s->sampler_cpu_ns * 1e-9;
    out->samples = (double)s->stack_samples;
    out->categories = s->cpu_only ? PB_CAT_BIT(PB_CAT_PYTHON) | PB_CAT_BIT(PB_CAT_NATIVE)
                                  : PB_CAT_ALL;
    struct pb_strbuf note = PB_STRBUF_INIT;
    pb_strbuf_addf(&note, "%llu samples, %llu stacks of %zu threads, %llu truncated",
                   (unsigned long long)s->samples, (unsigned long long)s->stack_samples,
                   s->nthreads, (unsigned long long)s->truncated);
    if (s->truncated)
        pb_strbuf_addf(&note, " (over max_depth %d: root side and leaf kept, %.1f frames "
                       "dropped a truncated stack on average, at most %llu)",
                       s->max_depth, (double)s->truncated_frames / (double)s->truncated,
                       (unsigned long long)s->truncated_max);
    pb_strbuf_addf(&note, ", %llu unreadable; sampler CPU %.1f ms, %.1f us a sample; frame "
                   "cache: %llu frames read, %llu reused, %llu rejected matches, %llu thread samples "
                   "in one read, %llu of a thread that had not run since (its state read alone), "
                   "%llu of them read ahead together, %llu frames taken from a page read at once, "
                   "%llu thread samples of a thread that ran without the GIL since (its "
                   "stack as cached)",
                   (unsigned long long)s->read_errors, (double)s->sampler_cpu_ns * 1e-6,
                   s->samples ? (double)s->sampler_cpu_ns * 1e-3 / (double)s->samples : 0.0,
                   (unsigned long long)s->frames_read, (unsigned long long)s->frames_reused,
                   (unsigned long long)s->cache_rejects, (unsigned long long)s->one_read,
                   (unsigned long long)s->not_run, (unsigned long long)s->read_ahead,
                   (unsigned long long)s->frames_paged, (unsigned long long)s->gil_idle);
    if (s->wake_measured)
        pb_strbuf_addf(&note, "; sleeping and waking %.1f us a sample (measured at %llu)",
                       (double)s->wake_cpu_ns * 1e-3 / (double)s->wake_measured,
                       (unsigned long long)s->wake_measured);
    pb_strbuf_addf(&note, "; tables %.1f MB (%zu distinct stacks, %zu code objects)",
                   (double)table_bytes(s) / 1e6, s->nstacks, s->ncodes);
    if (s->walk_overflows)
        pb_strbuf_addf(&note, ", %llu chains longer than %u frames",
                       (unsigned long long)s->walk_overflows, WALK_LIMIT);
    if (s->torn_reads)
        pb_strbuf_addf(&note, ", %llu chains read again (a generator unlinked its frame "
                       "meanwhile), %llu samples credited to the previous stack",
                       (unsigned long long)s->torn_reads, (unsigned long long)s->torn_samples);
    pb_strbuf_adds(&note, "; system:");
    for (int k = 0; k < SUB_COUNT; k++)
        pb_strbuf_addf(&note, "%s %s %.4f s", k ? "," : "", subkind_names[k],
                       (double)s->sub_ns[k] * 1e-9);
    if (s->async_on)
        pb_strbuf_addf(&note, "; asyncio: %llu suspended task chains credited",
                       (unsigned long long)s->async_chains);
    if (s->async_unsupported)
        pb_strbuf_addf(&note, "; asyncio task view (async_tasks): unsupported on CPython %d.%d "
                       "(it reads 3.11's Task and coroutine layout), off",
                       PY_MAJOR_VERSION, PY_MINOR_VERSION);
    pb_report_set_note(out, note.buf);
    pb_strbuf_release(&note);
    (void)leaf_samples;
    if (s->nomem)
        return pb_error(err, errlen, "out of memory in the sampler after %llu samples",
                        (unsigned long long)s->samples);
    return 0;
}

static void sampling_destroy(void *state)
{
    struct sampler *s = state;
    char err[PB_ERRLEN];
    sampling_stop(s, err, sizeof(err));
    Py_XDECREF(s->all_tasks_set);
    Py_XDECREF((PyObject *)s->task_type);
    for (size_t i = 0; i < s->nthreads; i++) {
        free(s->threads[i].funcs);
        free(s->threads[i].slots);
        fcache_release(&s->threads[i].cache);
        proc_close(s, &s->threads[i].stat_fd);
        proc_close(s, &s->threads[i].wchan_fd);
    }
    free(s->threads);
    free(s->ts_slots);
    free(s->ahead_buf);
    free(s->nf_addr);
    free(s->nf_code);
    free(s->nf_prev);
    free(s->nf_pinstr);
    free(s->nf_cidx);
    for (size_t i = 0; i < s->ncodes; i++) {
        free(s->codes[i].file);
        free(s->codes[i].name);
    }
    for (size_t i = 0; i < s->nstacks; i++)
        free(s->stacks[i].codes);
    free(s->stacks);
    free(s->stack_slots);
    free(s->codes);
    free(s->code_slots);
    free(s);
}

/* ---------------------------------------------------------------- export */

static int write_file(const char *path, const char *data, size_t len, char *err, size_t errlen)
{
    return pb_write_file_atomic(path, data, len, err, errlen);
}

/* Frame names in folded stacks: "file:function"; ';' and ' ' would break
 * the format, so they become '_'. */
static void add_frame_name(struct pb_strbuf *sb, const struct code_info *ci)
{
    size_t start = sb->len;
    pb_strbuf_addf(sb, "%s:%s", ci->file, ci->name);
    for (size_t i = start; i < sb->len; i++)
        if (sb->buf[i] == ';' || sb->buf[i] == ' ' || sb->buf[i] == '\n')
            sb->buf[i] = '_';
}

/* PREFIX.folded: "thread-TID;file:fn;file:fn COUNT" per stack, root first
 * (flamegraph.pl, speedscope); PREFIX.speedscope.json: one sampled profile
 * per thread, weights in seconds of samples. */
static int sampling_export(void *state, const char *prefix, char *err, size_t errlen)
{
    struct sampler *s = state;
    struct pb_strbuf folded = PB_STRBUF_INIT, json = PB_STRBUF_INIT, path = PB_STRBUF_INIT;
    for (size_t i = 0; i < s->nstacks; i++) {
        const struct stack *st = &s->stacks[i];
        pb_strbuf_addf(&folded, "thread-%lu", st->tid);
        for (uint32_t d = 0; d < st->depth; d++) {
            pb_strbuf_add(&folded, ";", 1);
            add_frame_name(&folded, &s->codes[st->codes[d]]);
        }
        pb_strbuf_addf(&folded, " %llu\n", (unsigned long long)st->count);
    }
    pb_strbuf_adds(&json, "{\"$schema\": \"https://www.speedscope.app/file-format-schema.json\",\n"
                          " \"exporter\": \"pyprof-bench sampling\",\n \"shared\": {\"frames\": [");
    for (size_t i = 0; i < s->ncodes; i++) {
        struct pb_strbuf name = PB_STRBUF_INIT;
        pb_strbuf_adds(&name, s->codes[i].name);
        pb_strbuf_addf(&json, "%s\n  {\"name\": ", i ? "," : "");
        pb_json_quote(&json, name.buf);
        pb_strbuf_adds(&json, ", \"file\": ");
        pb_json_quote(&json, s->codes[i].file);
        pb_strbuf_addf(&json, ", \"line\": %d}", s->codes[i].line);
        pb_strbuf_release(&name);
    }
    pb_strbuf_adds(&json, "]},\n \"profiles\": [");
    for (size_t t = 0; t < s->nthreads; t++) {
        unsigned long tid = s->threads[t].tid;
        uint64_t total = 0;
        pb_strbuf_addf(&json, "%s\n  {\"type\": \"sampled\", \"name\": \"thread %lu\", "
                       "\"unit\": \"none\", \"startValue\": 0, \"samples\": [",
                       t ? "," : "", tid);
        int first = 1;
        for (size_t i = 0; i < s->nstacks; i++) {
            const struct stack *st = &s->stacks[i];
            if (st->tid != tid)
                continue;
            pb_strbuf_addf(&json, "%s[", first ? "" : ", ");
            for (uint32_t d = 0; d < st->depth; d++)
                pb_strbuf_addf(&json, "%s%u", d ? ", " : "", st->codes[d]);
            pb_strbuf_add(&json, "]", 1);
            first = 0;
        }
        pb_strbuf_adds(&json, "], \"weights\": [");
        first = 1;
        for (size_t i = 0; i < s->nstacks; i++) {
            if (s->stacks[i].tid != tid)
                continue;
            pb_strbuf_addf(&json, "%s%llu", first ? "" : ", ",
                           (unsigned long long)s->stacks[i].count);
            total += s->stacks[i].count;
            first = 0;
        }
        pb_strbuf_addf(&json, "], \"endValue\": %llu}", (unsigned long long)total);
    }
    pb_strbuf_adds(&json, "]}\n");
    int rc = 0;
    pb_strbuf_addf(&path, "%s.folded", prefix);
    if (write_file(path.buf, folded.buf ? folded.buf : "", folded.len, err, errlen) < 0)
        rc = -1;
    path.len = 0;
    pb_strbuf_addf(&path, "%s.speedscope.json", prefix);
    if (rc == 0 && write_file(path.buf, json.buf, json.len, err, errlen) < 0)
        rc = -1;
    pb_strbuf_release(&folded);
    pb_strbuf_release(&json);
    pb_strbuf_release(&path);
    return rc;
}

#else /* PY_VERSION_HEX < 0x030B0000 */

/* Before 3.11 a frame was a PyFrameObject with f_back, another walk
 * altogether: the worker's availability stage says so and the rows are
 * skipped (the build does not fail). */
static int sampling_available(char *why, size_t whylen)
{
    snprintf(why, whylen, "sampling reads CPython 3.11-3.13 frames; this is %d.%d",
             PY_MAJOR_VERSION, PY_MINOR_VERSION);
    return 0;
}

long pb_sampling_sample_now(void *state, long *compared)
{
    (void)state;
    *compared = 0;
    return -1;
}

#endif /* PY_VERSION_HEX >= 0x030B0000 */

/* ---------------------------------------------------------------- backend */

static const char *const clock_choices[] = { "wall", "cpu", NULL };

static const struct pb_option_spec sampling_options[] = {
    { "interval", PB_OPT_DURATION, "1ms", 100e-6, 0.1, NULL,
      "mean time between samples (jittered by +-50%)" },
    { "clock", PB_OPT_ENUM, "wall", 0, -1, clock_choices,
      "wall: every interval counts; cpu: only on-CPU time counts" },
    { "max_depth", PB_OPT_INT, "2048", 16, 100000, NULL,
      "frames recorded per stack: a deeper stack keeps its root side and its leaf, "
      "the frames between are counted as dropped (the note) -- every frame still "
      "gets its inclusive time" },
    { "async_tasks", PB_OPT_BOOL, "true", 0, -1, NULL,
      "asyncio task view: a suspended task's coroutines are credited with the "
      "time they wait (inclusive only; wall clock)" },
    { "export", PB_OPT_BOOL, "false", 0, -1, NULL,
      "write each run's profile as folded stacks and speedscope JSON "
      "(also turned on by --export-profiles)" },
    { NULL, 0, NULL, 0, 0, NULL, NULL },
};

static const char *sampling_clock(const struct pb_options *opts)
{
    return pb_options_text(opts, "clock");
}

const struct pb_backend_ops pb_backend_sampling = {
    .kind = "sampling",
    .summary = "samples every thread's Python stack from a thread of its own, no profile hook",
    .mechanism = "sampling",
    .categories = PB_CAT_ALL,
    .caps = PB_CAP_THREADS | PB_CAP_REGION | PB_CAP_REPORT,
    .options = sampling_options,
#if PY_VERSION_HEX >= 0x030B0000
    .available = NULL,
    .create = sampling_create,
    .start = sampling_start,
    .stop = sampling_stop,
    .collect = sampling_collect,
    .destroy = sampling_destroy,
    .export_profile = sampling_export,
#else
    .available = sampling_available,
#endif
    .clock = sampling_clock,
};
