/* launch.c: the workload in a process of its own, under a launcher tool
 * (see launch.h). */
#include "launch.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "pypkg.h"
#include "util.h"

int pb_launch_prepare(struct pb_launch *l, char *err, size_t errlen)
{
    if (pb_make_private_dir(l->dir, sizeof(l->dir), "pyprof-bench-launch.", err, errlen) < 0)
        return -1;
    snprintf(l->driver, sizeof(l->driver), "%s/driver.py", l->dir);
    snprintf(l->timings, sizeof(l->timings), "%s/timings", l->dir);
    snprintf(l->log, sizeof(l->log), "%s/" PB_LAUNCH_LOG_NAME, l->dir);
    /* The driver and the package it runs (harness/py, pypkg.h). */
    if (pb_pypkg_write(l->dir, "driver.py", err, errlen) < 0)
        return -1;
    l->failed_phase = -1;
    l->process_cpu_s = l->tree_cpu_s = NAN;
    return 0;
}

static void push(char ***argv, size_t *argc, const char *s)
{
    *argv = pb_xrealloc(*argv, (*argc + 2) * sizeof(**argv));
    (*argv)[(*argc)++] = pb_xstrdup(s);
    (*argv)[*argc] = NULL;
}

void pb_launch_driver_args(const struct pb_launch *l, const char *region_module,
                           char ***argv, size_t *argc)
{
    push(argv, argc, l->driver);
    push(argv, argc, l->timings);
    push(argv, argc, l->workload_file);
    push(argv, argc, region_module);
    for (size_t i = 0; i < l->nphases; i++) {
        push(argv, argc, l->phase_func[i]);
        push(argv, argc, l->phase_args[i]);
    }
}

void pb_launch_log_tail(const struct pb_launch *l, char *buf, size_t len)
{
    pb_log_last_line(l->log, buf, len);
}

void pb_log_last_line(const char *path, char *buf, size_t len)
{
    buf[0] = '\0';
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char line[1024];
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\r\n")] = '\0';
        const char *p = line;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p)
            snprintf(buf, len, "%s", p);
    }
    fclose(f);
}

int pb_launch_exec(struct pb_launch *l, char *const argv[], char *err, size_t errlen)
{
    int out = open(l->log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (out < 0)
        return pb_error(err, errlen, "cannot write %s: %s", l->log, strerror(errno));
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(out);
        return pb_error(err, errlen, "fork: %s", strerror(errno));
    }
    if (pid == 0) {
        int in = open("/dev/null", O_RDONLY);
        if (in < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
            _exit(127);
        execvp(argv[0], argv);
        dprintf(2, "cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(out);
    int st;
    struct rusage ru;
    while (wait4(pid, &st, 0, &ru) < 0)
        if (errno != EINTR)
            return pb_error(err, errlen, "waitpid: %s", strerror(errno));
    l->tree_cpu_s = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
                    (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
        return 0;
    char tail[256], how[64];
    pb_launch_log_tail(l, tail, sizeof(tail));
    if (WIFEXITED(st))
        snprintf(how, sizeof(how), "exited with status %d", WEXITSTATUS(st));
    else if (WIFSIGNALED(st))
        snprintf(how, sizeof(how), "killed by signal %d", WTERMSIG(st));
    else
        snprintf(how, sizeof(how), "ended with wait status %#x", (unsigned)st);
    return pb_error(err, errlen, "%s %s%s%s", argv[0], how, tail[0] ? ": " : "", tail);
}

int pb_launch_run(struct pb_launch *l, char **argv, size_t argc, char *err, size_t errlen)
{
    int rc = pb_launch_exec(l, argv, err, errlen);
    for (size_t i = 0; i < argc; i++)
        free(argv[i]);
    free(argv);
    if (rc < 0)
        return -1;
    return pb_launch_read_timings(l, err, errlen);
}

int pb_launch_read_timings(struct pb_launch *l, char *err, size_t errlen)
{
    FILE *f = fopen(l->timings, "r");
    if (!f)
        return pb_error(err, errlen, "the profiled program wrote no timings (%s)",
                        strerror(errno));
    int rc = pb_launch_parse_timings(l, f, err, errlen);
    fclose(f);
    return rc;
}

/* A duration read from the driver: finite and not negative. */
static int duration_ok(double x)
{
    return isfinite(x) && x >= 0;
}

static void release_tasks(struct pb_launch *l)
{
    for (size_t i = 0; i < l->ntasks; i++)
        free(l->tasks[i].file);
    free(l->tasks);
    l->tasks = NULL;
    l->ntasks = 0;
}

/* A task line's tail, "QUALNAME\tFUNCTION\tFILE" (the newline removed):
 * 0, or -1 when a part is missing or empty. */
static int add_task(struct pb_launch *l, long phase, double wall, char *tail)
{
    char *func = strchr(tail, '\t');
    char *file = func ? strchr(func + 1, '\t') : NULL;
    if (!file || func == tail || file == func + 1 || !file[1] || strchr(file + 1, '\t'))
        return -1;
    *func++ = '\0';
    *file++ = '\0';
    l->tasks = pb_xrealloc(l->tasks, (l->ntasks + 1) * sizeof(*l->tasks));
    struct pb_launch_task *t = &l->tasks[l->ntasks++];
    t->phase = phase;
    t->wall_s = wall;
    pb_copy(t->name, sizeof(t->name), tail);
    pb_copy(t->func, sizeof(t->func), func);
    t->file = pb_xstrdup(file);
    return 0;
}

int pb_launch_parse_timings(struct pb_launch *l, FILE *f, char *err, size_t errlen)
{
    char line[PB_ERRLEN + 64];
    unsigned char seen[PB_MAX_PHASES] = { 0 };
    int have_region = 0, have_error = 0, bad = 0;
    size_t nphase = 0;
    l->failed_phase = -1;
    l->error[0] = '\0';
    l->nlatency = 0;
    l->nthreads = 0;
    release_tasks(l);
    l->window_s = 0;
    l->process_cpu_s = NAN;
    while (!bad && fgets(line, sizeof(line), f)) {
        long idx;
        unsigned long tid;
        double w, a, b, c, d;
        int used = 0;
        /* A line longer than the buffer is malformed, not two lines. */
        if (!strchr(line, '\n') && !feof(f)) {
            bad = 1;
        } else if (sscanf(line, "region %lf %lf %lf %lf %lf", &w, &a, &b, &c, &d) == 5) {
            if (have_region || !duration_ok(w) || !isfinite(a) || !isfinite(b) ||
                !duration_ok(c) || !duration_ok(d)) {
                bad = 1;
                continue;
            }
            l->wall_s = w;
            l->start_s = a;
            l->stop_s = b;
            l->cpu_user_s = c;
            l->cpu_sys_s = d;
            have_region = 1;
        } else if (sscanf(line, "phase %ld %lf %lf %lf", &idx, &w, &a, &b) == 4 && idx >= 0 &&
                   (size_t)idx < l->nphases) {
            if (seen[idx] || !duration_ok(w) || !duration_ok(a) || !duration_ok(b)) {
                bad = 1;
                continue;
            }
            seen[idx] = 1;
            l->phase_wall_s[idx] = w;
            l->phase_user_s[idx] = a;
            l->phase_sys_s[idx] = b;
            nphase++;
        } else if (sscanf(line, "process %lf", &w) == 1) {
            if (!duration_ok(w)) {
                bad = 1;
                continue;
            }
            l->process_cpu_s = w;
        } else if (sscanf(line, "latency %lf", &w) == 1) {
            l->latency = pb_xrealloc(l->latency, (l->nlatency + 1) * sizeof(double));
            l->latency[l->nlatency++] = w;
        } else if (sscanf(line, "thread %ld %lu %lf %lf %lf %n", &idx, &tid, &w, &a, &b,
                          &used) == 5 && used > 0) {
            line[strcspn(line, "\n")] = '\0';
            if (idx < -1 || idx >= (long)l->nphases || !duration_ok(w) || !duration_ok(a) ||
                !duration_ok(b) || !line[used]) {
                bad = 1;
                continue;
            }
            l->threads = pb_xrealloc(l->threads, (l->nthreads + 1) * sizeof(*l->threads));
            struct pb_launch_thread *t = &l->threads[l->nthreads++];
            t->phase = idx;
            t->tid = tid;
            t->wall_s = w;
            t->user_s = a;
            t->sys_s = b;
            pb_copy(t->name, sizeof(t->name), line + used);
        } else if (sscanf(line, "task %ld %lf %n", &idx, &w, &used) == 2 && used > 0) {
            line[strcspn(line, "\n")] = '\0';
            if (idx < -1 || idx >= (long)l->nphases || !duration_ok(w) ||
                add_task(l, idx, w, line + used) < 0)
                bad = 1;
        } else if (sscanf(line, "window %lf", &w) == 1) {
            if (!duration_ok(w)) {
                bad = 1;
                continue;
            }
            l->window_s += w;
        } else if (sscanf(line, "error %ld %n", &idx, &used) == 1 && used > 0 && idx >= -1 &&
                   idx < (long)l->nphases && !have_error) {
            l->failed_phase = idx;
            have_error = 1;
            line[strcspn(line, "\n")] = '\0';
            snprintf(l->error, sizeof(l->error), "%s", line + used);
        } else {
            bad = 1;
        }
    }
    if (bad || ferror(f)) {
        l->failed_phase = -1;
        return pb_error(err, errlen, "malformed timings file %s", l->timings);
    }
    if (!have_error && (!have_region || nphase != l->nphases))
        return pb_error(err, errlen, "incomplete timings file %s", l->timings);
    return 0;
}

void pb_launch_cleanup(struct pb_launch *l)
{
    free(l->latency);
    l->latency = NULL;
    l->nlatency = 0;
    free(l->threads);
    l->threads = NULL;
    l->nthreads = 0;
    release_tasks(l);
    if (!l->dir[0])
        return;
    /* The folder is private: the driver, the package, its timings, the log
     * and whatever report files the tool wrote. */
    if (pb_remove_tree(l->dir) < 0)
        fprintf(stderr, "pyprof-bench: could not remove %s: %s\n", l->dir, strerror(errno));
    l->dir[0] = '\0';
}
