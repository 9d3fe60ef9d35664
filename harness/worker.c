/* worker.c: spawn a worker, read its messages, enforce the timeout. */
#include "worker.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "instr.h"
#include "launch.h"
#include "protocol.h"
#include "pypkg.h"
#include "reach.h"
#include "run_codec.h"
#include "util.h"

/* The worker writes its messages to this descriptor. */
#define WORKER_FD 3
/* Bytes of the worker's stdout+stderr kept for failure messages. */
#define TAIL_MAX 4096

volatile sig_atomic_t pb_worker_stop_requested;

static int instr_mode;   /* --metric instructions */

void pb_worker_set_instructions(int on)
{
    instr_mode = on;
}

static char self_exe[4096];

static const struct pb_interpreter *interps;
static size_t ninterps, probe_interp;
/* The interpreter of the worker being spawned, NULL: this binary's. */
static const struct pb_interpreter *spawning;
/* The TMPDIR of the worker being spawned, NULL: the environment's. */
static const char *spawning_tmp;

void pb_worker_set_interpreters(const struct pb_interpreter *list, size_t n)
{
    interps = list;
    ninterps = list ? n : 0;
    probe_interp = 0;
}

void pb_worker_probe_on(size_t interp)
{
    probe_interp = interp;
}

static const struct pb_interpreter *interp_at(size_t i)
{
    return i < ninterps ? &interps[i] : NULL;
}

/* The binary that runs a worker on interpreter ip. */
static const char *worker_exe(const struct pb_interpreter *ip)
{
    return ip && ip->worker[0] ? ip->worker : self_exe;
}

int pb_worker_init(const char *argv0, char *err, size_t errlen)
{
    ssize_t n = readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1);
    if (n > 0) {
        self_exe[n] = '\0';
        return 0;
    }
    if (argv0 && realpath(argv0, self_exe))
        return 0;
    return pb_error(err, errlen, "cannot find this program's own path: %s", strerror(errno));
}

/* ------------------------------------------------------------- spawning */

struct child {
    pid_t pid;
    int msg_fd;     /* protocol messages */
    int out_fd;     /* stdout + stderr */
};

static int spawn(char **argv, struct child *c, char *err, size_t errlen)
{
    int msg[2], out[2];
    if (pipe2(msg, O_CLOEXEC) < 0)
        return pb_error(err, errlen, "pipe: %s", strerror(errno));
    if (pipe2(out, O_CLOEXEC) < 0) {
        close(msg[0]);
        close(msg[1]);
        return pb_error(err, errlen, "pipe: %s", strerror(errno));
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(msg[0]); close(msg[1]); close(out[0]); close(out[1]);
        return pb_error(err, errlen, "fork: %s", strerror(e));
    }
    if (pid == 0) {
        /* Own process group, so a timeout or Ctrl-C kills everything the
         * worker started (scalene's launcher, a workload's children). */
        setpgid(0, 0);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        signal(SIGPIPE, SIG_DFL);
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0) {
            dup2(devnull, 0);
            close(devnull);
        }
        dup2(out[1], 1);
        dup2(out[1], 2);
        dup2(msg[1], WORKER_FD);   /* dup2 clears O_CLOEXEC on the copy */
        if (spawning)
            setenv("PYPROF_BENCH_VENV", spawning->venv, 1);
        if (spawning_tmp)
            setenv("TMPDIR", spawning_tmp, 1);
        /* argv[0] is this binary, or "valgrind" (found on PATH) for
         * --metric instructions */
        execvp(argv[0], argv);
        dprintf(2, "cannot execute %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    setpgid(pid, pid);   /* also from here, so there is no race with kill */
    close(msg[1]);
    close(out[1]);
    c->pid = pid;
    c->msg_fd = msg[0];
    c->out_fd = out[0];
    return 0;
}

/* ------------------------------------------------------------- messages */

typedef void (*msg_fn)(const struct pb_proto_msg *m, void *ctx);

struct reader {
    struct pb_strbuf buf;      /* incomplete line */
    char tail[TAIL_MAX + 1];   /* last bytes of stdout+stderr */
    size_t tail_len;
    int bad_line;              /* a malformed message was seen */
    char bad_why[256];
    int done;                  /* "done" received */
    char error[512];           /* "error" text, "" when none */
    char error_stage[32];
};

static void add_tail(struct reader *r, const char *p, size_t n)
{
    if (n >= TAIL_MAX) {
        memcpy(r->tail, p + n - TAIL_MAX, TAIL_MAX);
        r->tail_len = TAIL_MAX;
    } else {
        if (r->tail_len + n > TAIL_MAX) {
            size_t drop = r->tail_len + n - TAIL_MAX;
            memmove(r->tail, r->tail + drop, r->tail_len - drop);
            r->tail_len -= drop;
        }
        memcpy(r->tail + r->tail_len, p, n);
        r->tail_len += n;
    }
    r->tail[r->tail_len] = '\0';
}

static void handle_line(struct reader *r, const char *line, size_t len, msg_fn fn, void *ctx)
{
    struct pb_proto_msg m;
    char why[256];
    if (pb_proto_parse(line, len, &m, why, sizeof(why)) < 0) {
        if (!r->bad_line)
            snprintf(r->bad_why, sizeof(r->bad_why), "%s", why);
        r->bad_line = 1;
        return;
    }
    if (!strcmp(m.tag, "done")) {
        r->done = 1;
    } else if (!strcmp(m.tag, "error")) {
        const char *t = pb_proto_get(&m, "text");
        const char *s = pb_proto_get(&m, "stage");
        snprintf(r->error, sizeof(r->error), "%s", t && *t ? t : "unknown error");
        snprintf(r->error_stage, sizeof(r->error_stage), "%s", s ? s : "");
    } else {
        fn(&m, ctx);
    }
    pb_proto_msg_release(&m);
}

static void feed(struct reader *r, const char *p, size_t n, msg_fn fn, void *ctx)
{
    pb_strbuf_add(&r->buf, p, n);
    char *start = r->buf.buf;
    char *nl;
    while ((nl = memchr(start, '\n', r->buf.len - (size_t)(start - r->buf.buf)))) {
        handle_line(r, start, (size_t)(nl - start), fn, ctx);
        start = nl + 1;
    }
    size_t rest = r->buf.len - (size_t)(start - r->buf.buf);
    if (rest > PB_PROTO_MAX_LINE) {
        if (!r->bad_line)
            snprintf(r->bad_why, sizeof(r->bad_why), "message line too long");
        r->bad_line = 1;
        rest = 0;
    }
    memmove(r->buf.buf, start, rest);
    r->buf.len = rest;
    r->buf.buf[rest] = '\0';
}

/* The last non-empty line of the worker's output, for failure reasons. */
static void last_output_line(const struct reader *r, char *out, size_t len)
{
    out[0] = '\0';
    size_t end = r->tail_len;
    while (end > 0 && (r->tail[end - 1] == '\n' || r->tail[end - 1] == ' '))
        end--;
    size_t start = end;
    while (start > 0 && r->tail[start - 1] != '\n')
        start--;
    if (end > start)
        snprintf(out, len, "%.*s", (int)(end - start), r->tail + start);
}

enum end_kind { END_EXITED, END_TIMEOUT, END_INTERRUPTED };

/* Read until both pipes close or the deadline passes; reap the child. */
static enum end_kind supervise(struct child *c, double timeout_s, struct reader *r,
                               msg_fn fn, void *ctx, int *wstatus, struct rusage *ru)
{
    double deadline = pb_now() + timeout_s;
    enum end_kind kind = END_EXITED;
    int open_fds = 2;
    struct pollfd pfd[2] = { { c->msg_fd, POLLIN, 0 }, { c->out_fd, POLLIN, 0 } };
    char chunk[8192];

    while (open_fds > 0) {
        if (pb_worker_stop_requested) {
            kind = END_INTERRUPTED;
            break;
        }
        double left = deadline - pb_now();
        if (left <= 0) {
            kind = END_TIMEOUT;
            break;
        }
        int ms = left > 0.25 ? 250 : (int)(left * 1000) + 1;
        int n = poll(pfd, 2, ms);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (int i = 0; i < 2; i++) {
            if (pfd[i].fd < 0 || !(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            ssize_t got = read(pfd[i].fd, chunk, sizeof(chunk));
            if (got < 0 && errno == EINTR)
                continue;
            if (got <= 0) {
                close(pfd[i].fd);
                pfd[i].fd = -1;
                open_fds--;
                continue;
            }
            if (i == 0)
                feed(r, chunk, (size_t)got, fn, ctx);
            else
                add_tail(r, chunk, (size_t)got);
        }
    }
    if (kind != END_EXITED && c->pid > 0) {
        kill(-c->pid, SIGKILL);
        kill(c->pid, SIGKILL);
    }
    for (int i = 0; i < 2; i++)
        if (pfd[i].fd >= 0)
            close(pfd[i].fd);
    while (wait4(c->pid, wstatus, 0, ru) < 0 && errno == EINTR)
        ;
    /* Anything the worker left behind in its group goes too. */
    if (c->pid > 0)
        kill(-c->pid, SIGKILL);
    return kind;
}

static void describe_status(int wstatus, char *buf, size_t len)
{
    if (WIFSIGNALED(wstatus)) {
        const char *abbrev = sigabbrev_np(WTERMSIG(wstatus));
        if (abbrev)
            snprintf(buf, len, "killed by SIG%s", abbrev);
        else
            snprintf(buf, len, "killed by signal %d", WTERMSIG(wstatus));
    } else if (WIFEXITED(wstatus)) {
        snprintf(buf, len, "exited with status %d", WEXITSTATUS(wstatus));
    } else {
        snprintf(buf, len, "ended with wait status %#x", (unsigned)wstatus);
    }
}

/* ------------------------------------------------------------- runs */

/* A run's messages are decoded by run_codec.c, the counterpart of the
 * worker's pb_run_emit(). */
static void run_msg(const struct pb_proto_msg *m, void *ctx)
{
    pb_run_decode_msg(ctx, m);
}

static void push(char ***argv, size_t *n, size_t *alloc, char *s)
{
    if (*n + 1 >= *alloc) {
        *alloc = *alloc ? *alloc * 2 : 32;
        *argv = pb_xrealloc(*argv, *alloc * sizeof(**argv));
    }
    (*argv)[(*n)++] = s;
    (*argv)[*n] = NULL;
}

static char **run_argv(const struct pb_workload *w, const struct pb_backend_conf *b,
                       const char *export_prefix)
{
    char **argv = NULL;
    size_t n = 0, alloc = 0;
    push(&argv, &n, &alloc, pb_xstrdup(worker_exe(interp_at(w->interp))));
    push(&argv, &n, &alloc, pb_xstrdup("--worker"));
    push(&argv, &n, &alloc, pb_xstrdup("run"));
    push(&argv, &n, &alloc, pb_xstrdup("--fd"));
    push(&argv, &n, &alloc, pb_xstrdup("3"));
    push(&argv, &n, &alloc, pb_xstrdup("--file"));
    push(&argv, &n, &alloc, pb_xstrdup(w->file));
    for (size_t i = 0; i < w->nphases; i++) {
        struct pb_strbuf sb = PB_STRBUF_INIT;
        char *lit = pb_phase_args_literal(&w->phases[i], w->scale);
        pb_strbuf_addf(&sb, "%s=%s", w->phases[i].function, lit);
        free(lit);
        push(&argv, &n, &alloc, pb_xstrdup("--phase"));
        push(&argv, &n, &alloc, pb_strbuf_detach(&sb));
    }
    push(&argv, &n, &alloc, pb_xstrdup("--backend"));
    push(&argv, &n, &alloc, pb_xstrdup(b ? b->ops->kind : "none"));
    if (instr_mode) {
        push(&argv, &n, &alloc, pb_xstrdup("--metric"));
        push(&argv, &n, &alloc, pb_xstrdup("instructions"));
    }
    if (export_prefix) {
        push(&argv, &n, &alloc, pb_xstrdup("--export"));
        push(&argv, &n, &alloc, pb_xstrdup(export_prefix));
    }
    /* The workload's reach map, for a report that turns out flat (reach.h). */
    const char *map, *why;
    if (b && (b->ops->caps & PB_CAP_REPORT) && pb_reach_for(w, &map, &why)) {
        push(&argv, &n, &alloc, pb_xstrdup(map ? "--reach-map" : "--reach-error"));
        push(&argv, &n, &alloc, pb_xstrdup(map ? map : why));
    }
    for (size_t i = 0; b && i < b->options.count; i++) {
        struct pb_strbuf sb = PB_STRBUF_INIT;
        pb_strbuf_addf(&sb, "%s=%s", b->options.values[i].spec->name,
                       b->options.values[i].text);
        push(&argv, &n, &alloc, pb_xstrdup("--opt"));
        push(&argv, &n, &alloc, pb_strbuf_detach(&sb));
    }
    return argv;
}

/* Remove callgrind's output and its folder (nothing when file is NULL). */
static void remove_tmp(const char *dir, char *file)
{
    if (!file)
        return;
    unlink(file);
    rmdir(dir);
    free(file);
}

/* The last line a launcher tool wrote to its log in the run's folder
 * (launch.h), "" when there is none. */
static void tool_log_tail(const char *dir, char *buf, size_t len)
{
    buf[0] = '\0';
    char pattern[512];
    snprintf(pattern, sizeof(pattern), "%s/*/" PB_LAUNCH_LOG_NAME, dir);
    glob_t g;
    if (glob(pattern, 0, NULL, &g) != 0)
        return;
    for (size_t i = 0; i < g.gl_pathc && !buf[0]; i++)
        pb_log_last_line(g.gl_pathv[i], buf, len);
    globfree(&g);
}

static void free_argv(char **argv)
{
    for (size_t i = 0; argv && argv[i]; i++)
        free(argv[i]);
    free(argv);
}

void pb_worker_run(const struct pb_workload *w, const struct pb_backend_conf *b,
                   double timeout_s, const char *export_prefix, struct pb_run *out)
{
    memset(out, 0, sizeof(*out));
    out->nphases = w->nphases;
    out->status = PB_RUN_FAILED;
    out->wall_s = NAN;
    out->instructions = NAN;
    out->probe_before_s = out->probe_after_s = NAN;
    out->lat_p50_s = out->lat_p99_s = out->lat_max_s = out->throughput_rps = NAN;
    out->sampler_cpu_s = out->samples = NAN;

    char **argv = run_argv(w, b, export_prefix);
    struct child c = { .pid = -1, .msg_fd = -1, .out_fd = -1 };
    char err[PB_ERRLEN];
    /* --metric instructions: callgrind writes the counts into a private
     * temporary folder, removed after the run. */
    char tmpdir[] = "/tmp/pyprof-bench-instr-XXXXXX";
    char *cg_out = NULL;
    if (instr_mode) {
        if (!mkdtemp(tmpdir)) {
            snprintf(out->reason, sizeof(out->reason), "mkdtemp: %s", strerror(errno));
            free_argv(argv);
            return;
        }
        struct pb_strbuf sb = PB_STRBUF_INIT;
        pb_strbuf_addf(&sb, "%s/callgrind.out", tmpdir);
        cg_out = pb_strbuf_detach(&sb);
        char **wrapped = pb_instr_wrap(argv, cg_out);
        free_argv(argv);
        argv = wrapped;
        timeout_s *= PB_INSTR_TIMEOUT_FACTOR;
    }
    char rundir[256];
    if (pb_make_private_dir(rundir, sizeof(rundir), PB_RUN_DIR_PREFIX, err, sizeof(err)) < 0) {
        snprintf(out->reason, sizeof(out->reason), "%s", err);
        free_argv(argv);
        remove_tmp(tmpdir, cg_out);
        return;
    }
    double t0 = pb_now();
    spawning = interp_at(w->interp);
    spawning_tmp = rundir;
    int spawned = spawn(argv, &c, err, sizeof(err));
    spawning = NULL;
    spawning_tmp = NULL;
    if (spawned < 0) {
        snprintf(out->reason, sizeof(out->reason), "%s", err);
        free_argv(argv);
        remove_tmp(tmpdir, cg_out);
        pb_remove_tree(rundir);
        return;
    }
    free_argv(argv);

    struct reader r;
    memset(&r, 0, sizeof(r));
    int wstatus = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof(ru));
    enum end_kind end = supervise(&c, timeout_s, &r, run_msg, out, &wstatus, &ru);
    if (r.buf.len > 0 && !r.bad_line) {
        /* The pipe ended inside a message: the worker died mid-write. */
        r.bad_line = 1;
        snprintf(r.bad_why, sizeof(r.bad_why), "message cut short after %zu bytes "
                 "(the pipe closed mid-message)", r.buf.len);
    }
    pb_strbuf_release(&r.buf);
    out->elapsed_s = pb_now() - t0;
    out->maxrss_kb = ru.ru_maxrss;

    char last[256];
    last_output_line(&r, last, sizeof(last));
    if (end == END_INTERRUPTED) {
        out->status = PB_RUN_INTERRUPTED;
        snprintf(out->reason, sizeof(out->reason), "interrupted");
    } else if (end == END_TIMEOUT) {
        out->timed_out = 1;
        char tool[256];
        tool_log_tail(rundir, tool, sizeof(tool));
        if (tool[0])
            snprintf(out->reason, sizeof(out->reason),
                     "timeout after %g s (the tool's last output: %s)", timeout_s, tool);
        else if (last[0])
            snprintf(out->reason, sizeof(out->reason), "timeout after %g s (last output: %s)",
                     timeout_s, last);
        else
            snprintf(out->reason, sizeof(out->reason), "timeout after %g s", timeout_s);
    } else if (r.error[0]) {
        snprintf(out->reason, sizeof(out->reason), "%s", r.error);
        out->skipped = !strcmp(r.error_stage, "skip");
    } else if (r.bad_line) {
        snprintf(out->reason, sizeof(out->reason), "malformed message from worker: %s",
                 r.bad_why);
    } else if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0 || !r.done) {
        char st[64];
        describe_status(wstatus, st, sizeof(st));
        if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0)
            snprintf(st, sizeof(st), "ended without reporting");
        if (last[0])
            snprintf(out->reason, sizeof(out->reason), "%s (last output: %s)", st, last);
        else
            snprintf(out->reason, sizeof(out->reason), "%s", st);
    } else if (!isfinite(out->wall_s)) {
        snprintf(out->reason, sizeof(out->reason), "worker reported no measured region");
    } else if (cg_out && pb_instr_read(cg_out, &out->instructions, err, sizeof(err)) < 0) {
        snprintf(out->reason, sizeof(out->reason), "%s", err);
    } else {
        out->status = PB_RUN_OK;
    }
    remove_tmp(tmpdir, cg_out);
    pb_remove_tree(rundir);
}

/* ------------------------------------------------------------- probe */

struct probe_ctx {
    const char *const *kinds;
    size_t n;
    int *ok;
    char (*why)[PB_ERRLEN];
    char (*version)[PB_VERSIONLEN];
    int *seen;
    char *python;
    size_t pylen;
};

static void probe_msg(const struct pb_proto_msg *m, void *ctx)
{
    struct probe_ctx *p = ctx;
    if (!strcmp(m->tag, "hello")) {
        const char *py = pb_proto_get(m, "python");
        if (p->python)
            snprintf(p->python, p->pylen, "%s", py ? py : "");
        return;
    }
    if (strcmp(m->tag, "probe"))
        return;
    const char *kind = pb_proto_get(m, "kind");
    const char *why = pb_proto_get(m, "why");
    const char *version = pb_proto_get(m, "version");
    long ok = 0;
    pb_proto_get_long(m, "ok", &ok);
    for (size_t i = 0; kind && i < p->n; i++) {
        if (strcmp(p->kinds[i], kind))
            continue;
        p->ok[i] = ok != 0;
        p->seen[i] = 1;
        snprintf(p->why[i], PB_ERRLEN, "%s", why ? why : "");
        snprintf(p->version[i], PB_VERSIONLEN, "%s", version ? version : "");
    }
}

/* Spawn `--worker MODE --fd 3` with extra (a NULL-terminated list of
 * argument pairs), and supervise it for timeout_s. */
static enum end_kind run_helper(const char *mode, char **extra, double timeout_s, msg_fn fn,
                                void *ctx, struct reader *r, int *wstatus, char *err,
                                size_t errlen, int *spawned)
{
    char **argv = NULL;
    size_t an = 0, alloc = 0;
    push(&argv, &an, &alloc, pb_xstrdup(worker_exe(interp_at(probe_interp))));
    push(&argv, &an, &alloc, pb_xstrdup("--worker"));
    push(&argv, &an, &alloc, pb_xstrdup(mode));
    push(&argv, &an, &alloc, pb_xstrdup("--fd"));
    push(&argv, &an, &alloc, pb_xstrdup("3"));
    for (size_t i = 0; extra && extra[i]; i++)
        push(&argv, &an, &alloc, pb_xstrdup(extra[i]));
    struct child c = { .pid = -1, .msg_fd = -1, .out_fd = -1 };
    spawning = interp_at(probe_interp);
    *spawned = spawn(argv, &c, err, errlen) == 0;
    spawning = NULL;
    free_argv(argv);
    memset(r, 0, sizeof(*r));
    *wstatus = 0;
    if (!*spawned)
        return END_EXITED;
    struct rusage ru;
    enum end_kind end = supervise(&c, timeout_s, r, fn, ctx, wstatus, &ru);
    pb_strbuf_release(&r->buf);
    return end;
}

/* Why a helper worker that ended badly did: its error, else its status
 * and last line of output. */
static void helper_failure(const struct reader *r, int wstatus, char *buf, size_t len)
{
    char st[64], last[256];
    describe_status(wstatus, st, sizeof(st));
    last_output_line(r, last, sizeof(last));
    if (r->error[0])
        snprintf(buf, len, "%.400s", r->error);
    else
        snprintf(buf, len, "%s%s%s", st, last[0] ? "; last output: " : "", last);
}

int pb_worker_probe(const char *const *kinds, size_t n, const struct pb_options *opts,
                    double timeout_s, int *ok, char (*why)[PB_ERRLEN],
                    char (*version)[PB_VERSIONLEN], char *python, size_t pylen, char *err,
                    size_t errlen)
{
    size_t nopts = opts && n == 1 ? opts->count : 0;
    char **extra = pb_xcalloc(2 * (n + nopts) + 1, sizeof(*extra));
    for (size_t i = 0; i < n; i++) {
        extra[2 * i] = (char *)"--backend";
        extra[2 * i + 1] = (char *)kinds[i];
    }
    for (size_t i = 0; i < nopts; i++) {
        struct pb_strbuf sb = PB_STRBUF_INIT;
        pb_strbuf_addf(&sb, "%s=%s", opts->values[i].spec->name, opts->values[i].text);
        extra[2 * (n + i)] = (char *)"--opt";
        extra[2 * (n + i) + 1] = pb_strbuf_detach(&sb);
    }
    int *seen = pb_xcalloc(n ? n : 1, sizeof(*seen));
    struct probe_ctx ctx = { kinds, n, ok, why, version, seen, python, pylen };
    struct reader r;
    int wstatus, spawned;
    enum end_kind end = run_helper("probe", extra, timeout_s, probe_msg, &ctx, &r, &wstatus,
                                   err, errlen, &spawned);
    for (size_t i = 0; i < nopts; i++)
        free(extra[2 * (n + i) + 1]);
    free(extra);
    int rc = 0;
    char failed[PB_ERRLEN] = "";
    if (!spawned)
        rc = -1;
    else if (end == END_INTERRUPTED)
        rc = pb_error(err, errlen, "interrupted");
    else if (!strcmp(r.error_stage, "python"))
        rc = pb_error(err, errlen, "probe worker failed: %s", r.error);
    else if (end == END_TIMEOUT)
        snprintf(failed, sizeof(failed), "timed out after %g s", timeout_s);
    else if (!r.done || !WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) {
        char how[PB_ERRLEN - 32];
        helper_failure(&r, wstatus, how, sizeof(how));
        snprintf(failed, sizeof(failed), "failed: %s", how);
    }
    /* A kind the worker did not answer for (it hung or died in that kind's
     * probe): unavailable, saying so. */
    for (size_t i = 0; i < n && rc == 0; i++)
        if (!seen[i]) {
            ok[i] = 0;
            snprintf(why[i], PB_ERRLEN, "probe of %s %s", kinds[i],
                     failed[0] ? failed : "did not answer");
        }
    free(seen);
    return rc;
}

/* ------------------------------------------------------------- names */

struct names_ctx {
    const char *const *files;
    size_t n;
    struct pb_module_names *out;
    int *seen;
};

static void names_msg(const struct pb_proto_msg *m, void *ctx)
{
    struct names_ctx *p = ctx;
    if (strcmp(m->tag, "names"))
        return;
    const char *file = pb_proto_get(m, "file");
    const char *callables = pb_proto_get(m, "callables");
    const char *values = pb_proto_get(m, "values");
    const char *error = pb_proto_get(m, "error");
    long complete = 0;
    pb_proto_get_long(m, "complete", &complete);
    for (size_t i = 0; file && i < p->n; i++) {
        if (strcmp(p->files[i], file) || p->seen[i])
            continue;
        p->seen[i] = 1;
        p->out[i].callables = pb_xstrdup(callables ? callables : "");
        p->out[i].values = pb_xstrdup(values ? values : "");
        p->out[i].complete = complete != 0;
        snprintf(p->out[i].error, sizeof(p->out[i].error), "%s", error ? error : "");
    }
}

int pb_worker_names(const char *const *files, size_t n, double timeout_s,
                    struct pb_module_names *out, char *err, size_t errlen)
{
    memset(out, 0, n * sizeof(*out));
    char **extra = pb_xcalloc(2 * n + 1, sizeof(*extra));
    for (size_t i = 0; i < n; i++) {
        extra[2 * i] = (char *)"--file";
        extra[2 * i + 1] = (char *)files[i];
    }
    int *seen = pb_xcalloc(n ? n : 1, sizeof(*seen));
    struct names_ctx ctx = { files, n, out, seen };
    struct reader r;
    int wstatus, spawned;
    enum end_kind end = run_helper("names", extra, timeout_s, names_msg, &ctx, &r, &wstatus,
                                   err, errlen, &spawned);
    free(extra);
    int rc = 0;
    if (!spawned) {
        rc = -1;
    } else if (end == END_INTERRUPTED) {
        rc = pb_error(err, errlen, "interrupted");
    } else if (end == END_TIMEOUT) {
        rc = pb_error(err, errlen, "parsing the workload files timed out after %g s",
                      timeout_s);
    } else if (!r.done || !WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) {
        char how[PB_ERRLEN - 64];
        helper_failure(&r, wstatus, how, sizeof(how));
        rc = pb_error(err, errlen, "the worker parsing the workload files failed: %s", how);
    }
    for (size_t i = 0; i < n; i++) {
        if (!out[i].callables)
            out[i].callables = pb_xstrdup("");
        if (!out[i].values)
            out[i].values = pb_xstrdup("");
        if (!seen[i] && rc == 0)
            rc = pb_error(err, errlen, "the worker did not parse '%s'", files[i]);
    }
    free(seen);
    return rc;
}
