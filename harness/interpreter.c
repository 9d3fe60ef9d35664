/* interpreter.c: find, run and place the interpreters of the axis (see
 * interpreter.h). */
#include "interpreter.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <patchlevel.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "json_parse.h"
#include "pypkg.h"
#include "venv.h"

#ifndef PB_PYTHON_EXE
#define PB_PYTHON_EXE "/usr/bin/python3"
#endif
#ifndef PB_INTERP_DIR
#define PB_INTERP_DIR "build/interp"
#endif
#define OUTPUT_MAX 65536

static int is_exec_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* NAME on PATH, pyenv's shims passed over. */
static int on_path(const char *name, char *out, size_t len)
{
    const char *path = getenv("PATH");
    while (path && *path) {
        size_t n = strcspn(path, ":");
        int shims = n >= 6 && !strncmp(path + n - 6, "/shims", 6);
        if (n && !shims) {
            snprintf(out, len, "%.*s/%s", (int)n, path, name);
            if (is_exec_file(out))
                return 0;
        }
        path += n + (path[n] == ':');
    }
    return -1;
}

/* Compare "3.12.1" and "3.9.18" by number. */
static int version_cmp(const char *a, const char *b)
{
    while (*a || *b) {
        long x = strtol(a, (char **)&a, 10), y = strtol(b, (char **)&b, 10);
        if (x != y)
            return x < y ? -1 : 1;
        a += *a == '.';
        b += *b == '.';
        if ((*a && (*a < '0' || *a > '9')) || (*b && (*b < '0' || *b > '9')))
            return strcmp(a, b);
    }
    return 0;
}

/* PYENV_ROOT/versions/X.Y.Z/bin/NAME, the newest X.Y.Z that has it. */
static int in_pyenv(const char *name, char *out, size_t len)
{
    char root[PB_PATHLEN];
    const char *env = getenv("PYENV_ROOT"), *home = getenv("HOME");
    if (env && *env)
        snprintf(root, sizeof(root), "%s/versions", env);
    else
        snprintf(root, sizeof(root), "%s/.pyenv/versions", home ? home : "/root");
    DIR *d = opendir(root);
    if (!d)
        return -1;
    char best[256] = "";
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        char p[PB_PATHLEN + 512];
        snprintf(p, sizeof(p), "%s/%s/bin/%s", root, e->d_name, name);
        if (is_exec_file(p) && (!best[0] || version_cmp(e->d_name, best) > 0))
            snprintf(best, sizeof(best), "%s", e->d_name);
    }
    closedir(d);
    if (!best[0])
        return -1;
    int n = snprintf(out, len, "%s/%s/bin/%s", root, best, name);
    return n > 0 && (size_t)n < len ? 0 : -1;
}

/* The executable that name stands for, or -1 with why. */
static int find_executable(const char *name, char *out, size_t len, char *why, size_t whylen)
{
    if (strchr(name, '/')) {
        if (is_dir(name)) {
            int n = snprintf(out, len, "%s/bin/python", name);
            if (n > 0 && (size_t)n < len && is_exec_file(out))
                return 0;
            return pb_error(why, whylen, "%s is a folder without bin/python (not a virtual "
                            "environment)", name);
        }
        if (is_exec_file(name)) {
            snprintf(out, len, "%s", name);
            return 0;
        }
        return pb_error(why, whylen, "%s: %s", name,
                        access(name, F_OK) == 0 ? "not an executable" : "not found");
    }
    if (on_path(name, out, len) == 0 || in_pyenv(name, out, len) == 0)
        return 0;
    return pb_error(why, whylen, "%s not found on PATH or in pyenv", name);
}

/* Run argv within timeout_s; its stdout into *out (yours to free), its
 * stderr's last line into errline. Exit status, or -1 (errline says why). */
static int run_capture(char *const argv[], double timeout_s, char **out, char *errline,
                       size_t errlen)
{
    int o[2], e[2];
    *out = NULL;
    errline[0] = '\0';
    if (pipe2(o, O_CLOEXEC) < 0) {
        pb_error(errline, errlen, "pipe: %s", strerror(errno));
        return -1;
    }
    if (pipe2(e, O_CLOEXEC) < 0) {
        pb_error(errline, errlen, "pipe: %s", strerror(errno));
        close(o[0]);
        close(o[1]);
        return -1;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        pb_error(errline, errlen, "fork: %s", strerror(errno));
        close(o[0]); close(o[1]); close(e[0]); close(e[1]);
        return -1;
    }
    if (pid == 0) {
        int in = open("/dev/null", O_RDONLY);
        if (in < 0 || dup2(in, 0) < 0 || dup2(o[1], 1) < 0 || dup2(e[1], 2) < 0)
            _exit(127);
        execv(argv[0], argv);
        dprintf(2, "cannot execute %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(o[1]);
    close(e[1]);
    struct pb_strbuf sb = PB_STRBUF_INIT, eb = PB_STRBUF_INIT;
    struct pollfd p[2] = { { o[0], POLLIN, 0 }, { e[0], POLLIN, 0 } };
    double end = pb_now() + timeout_s;
    int open_fds = 2, timed_out = 0;
    while (open_fds) {
        double left = end - pb_now();
        if (left <= 0) {
            timed_out = 1;
            break;
        }
        int r = poll(p, 2, (int)(left * 1000) + 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            break;
        for (int i = 0; i < 2; i++) {
            if (p[i].fd < 0 || !p[i].revents)
                continue;
            char buf[4096];
            ssize_t n = read(p[i].fd, buf, sizeof(buf));
            if (n <= 0) {
                close(p[i].fd);
                p[i].fd = -1;
                open_fds--;
                continue;
            }
            struct pb_strbuf *t = i ? &eb : &sb;
            if (t->len < OUTPUT_MAX)
                pb_strbuf_add(t, buf, (size_t)n);
        }
    }
    for (int i = 0; i < 2; i++)
        if (p[i].fd >= 0)
            close(p[i].fd);
    if (timed_out)
        kill(pid, SIGKILL);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    /* The last non-empty line of stderr. */
    const char *last = "";
    if (eb.buf) {
        while (eb.len && (eb.buf[eb.len - 1] == '\n' || eb.buf[eb.len - 1] == '\r'))
            eb.buf[--eb.len] = '\0';
        const char *nl = strrchr(eb.buf, '\n');
        last = nl ? nl + 1 : eb.buf;
    }
    int rc;
    if (timed_out)
        rc = pb_error(errline, errlen, "did not answer within %g s", timeout_s);
    else if (WIFSIGNALED(st))
        rc = pb_error(errline, errlen, "killed by signal %d%s%.200s", WTERMSIG(st),
                      *last ? ": " : "", last);
    else {
        rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
        snprintf(errline, errlen, "%.300s", last);
    }
    pb_strbuf_release(&eb);
    *out = sb.buf ? pb_strbuf_detach(&sb) : pb_xstrdup("");
    return rc;
}

static void copy_str(const struct pb_jval *doc, const char *key, char *dst, size_t len)
{
    const char *s = pb_jval_str(doc, key);
    snprintf(dst, len, "%s", s ? s : "");
}

int pb_interpreter_parse_info(const char *text, struct pb_interpreter *out)
{
    struct pb_jval doc;
    char err[PB_ERRLEN];
    if (pb_json_parse(text, strlen(text), &doc, err, sizeof(err)) < 0)
        return pb_error(out->why, sizeof(out->why), "%s did not say what it is (%s)",
                        out->name, err);
    const struct pb_jval *ma = pb_jval_get(&doc, "major"), *mi = pb_jval_get(&doc, "minor");
    const char *impl = pb_jval_str(&doc, "implementation");
    int rc = 0;
    if (doc.type != PB_J_OBJ || !ma || ma->type != PB_J_NUM || !mi || mi->type != PB_J_NUM) {
        rc = pb_error(out->why, sizeof(out->why), "%s did not say its version", out->name);
    } else {
        out->major = (int)ma->num;
        out->minor = (int)mi->num;
        copy_str(&doc, "version", out->version, sizeof(out->version));
        copy_str(&doc, "executable", out->executable, sizeof(out->executable));
        copy_str(&doc, "prefix", out->prefix, sizeof(out->prefix));
        copy_str(&doc, "base_prefix", out->base_prefix, sizeof(out->base_prefix));
        const struct pb_jval *sp = pb_jval_get(&doc, "site_packages");
        out->site_packages[0] = '\0';
        if (sp && sp->type == PB_J_ARR && sp->n && sp->items[0].type == PB_J_STR)
            snprintf(out->site_packages, sizeof(out->site_packages), "%s", sp->items[0].str);
        out->is_venv = out->prefix[0] && strcmp(out->prefix, out->base_prefix) != 0;
        if (impl && strcmp(impl, "cpython"))
            rc = pb_error(out->why, sizeof(out->why), "%s is %s %s, not CPython", out->name,
                          impl, out->version);
        else if (out->major != 3 || out->minor < 9)
            rc = pb_error(out->why, sizeof(out->why), "%s is Python %s; the harness runs "
                          "CPython 3.9 or newer", out->name, out->version);
    }
    pb_jval_release(&doc);
    return rc;
}

int pb_interpreter_place(struct pb_interpreter *out, const char *interp_dir,
                         const char *pinned_venv)
{
    char xy[16];
    snprintf(xy, sizeof(xy), "%d.%d", out->major, out->minor);
    out->pinned = out->major == PY_MAJOR_VERSION && out->minor == PY_MINOR_VERSION;
    out->worker[0] = '\0';
    if (!out->pinned) {
        snprintf(out->worker, sizeof(out->worker), "%s/%s/pyprof-bench", interp_dir, xy);
        if (!is_exec_file(out->worker)) {
            int r = pb_error(out->why, sizeof(out->why),
                             "no worker for python%s: %s was not built (`make` builds it "
                             "when python%s's development files are found)", xy,
                             out->worker, xy);
            out->worker[0] = '\0';
            return r;
        }
    }
    char exe[PB_PATHLEN + 64];
    if (out->is_venv) {
        snprintf(out->venv, sizeof(out->venv), "%s", out->prefix);
    } else if (out->pinned) {
        snprintf(out->venv, sizeof(out->venv), "%s", pinned_venv);
    } else {
        snprintf(out->venv, sizeof(out->venv), "%s-%s", pinned_venv, xy);
        snprintf(exe, sizeof(exe), "%s/bin/python%s", out->venv, xy);
        if (!pinned_venv[0] || !is_exec_file(exe))
            snprintf(out->venv, sizeof(out->venv), "%s", out->prefix);
    }
    out->usable = 1;
    out->why[0] = '\0';
    return 0;
}

int pb_interpreter_resolve(const char *name, double timeout_s, struct pb_interpreter *out)
{
    memset(out, 0, sizeof(*out));
    snprintf(out->name, sizeof(out->name), "%s", name);
    char exe[PB_PATHLEN];
    if (find_executable(name, exe, sizeof(exe), out->why, sizeof(out->why)) < 0)
        return -1;
    snprintf(out->executable, sizeof(out->executable), "%s", exe);
    /* harness/py/interpreter_info.py, embedded like the rest (pypkg.h) */
    const struct pb_pysrc *info = pb_pysrc_find("interpreter_info.py");
    if (!info)   /* not reached: the build embeds every harness/py file */
        return pb_error(out->why, sizeof(out->why), "interpreter_info.py is not embedded");
    char *argv[] = { exe, (char *)"-E", (char *)"-s", (char *)"-c", (char *)info->text, NULL };
    char *text, line[PB_ERRLEN];
    int rc = run_capture(argv, timeout_s, &text, line, sizeof(line));
    if (rc != 0 || !text) {
        if (rc > 0)
            pb_error(out->why, sizeof(out->why), "%s (%s) cannot run: exit status %d%s%.200s",
                     name, exe, rc, line[0] ? ": " : "", line);
        else
            pb_error(out->why, sizeof(out->why), "%s (%s) cannot run: %s", name, exe, line);
        free(text);
        return -1;
    }
    rc = pb_interpreter_parse_info(text, out);
    free(text);
    if (rc < 0)
        return -1;
    /* A venv's sys.executable is its bin/python; keep the path as found
     * when Python did not say. */
    if (!out->executable[0])
        snprintf(out->executable, sizeof(out->executable), "%s", exe);
    const char *dir = getenv("PYPROF_BENCH_INTERP_DIR");
    return pb_interpreter_place(out, dir && *dir ? dir : PB_INTERP_DIR, pb_venv_dir());
}

void pb_interpreter_pinned(double timeout_s, struct pb_interpreter *out)
{
    pb_interpreter_resolve(PB_PYTHON_EXE, timeout_s, out);
    snprintf(out->name, sizeof(out->name), "%s", pb_interpreter_pinned_name());
    out->pinned = out->usable = 1;
    out->worker[0] = '\0';
    out->why[0] = '\0';
    snprintf(out->venv, sizeof(out->venv), "%s", pb_venv_dir());
}
