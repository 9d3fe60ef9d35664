/* launch.c: the workload in a process of its own, under a launcher tool
 * (see launch.h). */
#include "launch.h"

#include <dirent.h>
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
#include "util.h"

/* The driver. It must not import anything the workload might notice, and it
 * times the region the way worker_main.c does in process. */
static const char driver_src[] =
    "# pyprof-bench's launcher driver: runs a workload's phases inside the\n"
    "# profiled program and writes the measured region's timings.\n"
    "import ast, importlib, importlib.util, os, resource, runpy, sys, time\n"
    "\n"
    "def one_line(e):\n"
    "    text = f'{type(e).__name__}: {e}' if str(e) else type(e).__name__\n"
    "    return ' '.join(text.split())\n"
    "\n"
    "# pyprof_bench.record_requests, as the worker provides it (worker_main.c)\n"
    "requests = []\n"
    "def record_requests(latencies_s, window_s):\n"
    "    requests.append(([float(x) for x in latencies_s], float(window_s)))\n"
    "\n"
    "def main():\n"
    "    out, path, region, specs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]\n"
    "    rec = []\n"
    "    pb = type(sys)('pyprof_bench')\n"
    "    pb.record_requests = record_requests\n"
    "    sys.modules['pyprof_bench'] = pb\n"
    "    def finish():\n"
    "        ru = resource.getrusage(resource.RUSAGE_SELF)\n"
    "        rec.append('process %.9f\\n' % (ru.ru_utime + ru.ru_stime))\n"
    "        with open(out + '.tmp', 'w') as f:\n"
    "            f.write(''.join(rec))\n"
    "        os.replace(out + '.tmp', out)\n"
    "    try:\n"
    "        name = os.path.splitext(os.path.basename(path))[0] or 'workload'\n"
    "        d = os.path.dirname(path)\n"
    "        if d not in sys.path:\n"
    "            sys.path.insert(0, d)\n"
    "        sys.argv = [path]\n"
    "        spec = importlib.util.spec_from_file_location(name, path)\n"
    "        mod = importlib.util.module_from_spec(spec)\n"
    "        if specs[:1] == ['" PB_MAIN_SCRIPT "']:\n"
    "            phases = [(run_script, (path, tuple(ast.literal_eval(specs[1]))))]\n"
    "        else:\n"
    "            sys.modules[name] = mod\n"
    "            spec.loader.exec_module(mod)\n"
    "            phases = [(getattr(mod, specs[i]), tuple(ast.literal_eval(specs[i + 1])))\n"
    "                      for i in range(0, len(specs), 2)]\n"
    "        hooks = importlib.import_module(region) if region else None\n"
    "    except BaseException as e:\n"
    "        rec.append(f'error -1 {one_line(e)}\\n')\n"
    "        finish()\n"
    "        return\n"
    "    failed, times = _pb_region(hooks, phases)\n"
    "    rec.extend(times)\n"
    "    for lats, window in requests:\n"
    "        rec.extend('latency %.9f\\n' % x for x in lats)\n"
    "        rec.append('window %.9f\\n' % window)\n"
    "    if failed:\n"
    "        rec.append(f'error {failed[0]} {failed[1]}\\n')\n"
    "    finish()\n"
    "\n"
    PB_RUN_SCRIPT_PY
    "\n"
    "# The measured region. Samplers that see the whole process keep only the\n"
    "# samples under this function (its name is the region marker).\n"
    "def _pb_region(hooks, phases):\n"
    "    failed = None\n"
    "    times = []\n"
    "    p0 = resource.getrusage(resource.RUSAGE_SELF)\n"
    "    r0 = time.perf_counter()\n"
    "    if hooks:\n"
    "        hooks.start()\n"
    "    r_started = time.perf_counter()\n"
    "    for i, (f, args) in enumerate(phases):\n"
    "        c0 = resource.getrusage(resource.RUSAGE_THREAD)\n"
    "        t0 = time.perf_counter()\n"
    "        try:\n"
    "            f(*args)\n"
    "        except BaseException as e:\n"
    "            failed = (i, one_line(e))\n"
    "        t1 = time.perf_counter()\n"
    "        c1 = resource.getrusage(resource.RUSAGE_THREAD)\n"
    "        times.append((t1 - t0, c1.ru_utime - c0.ru_utime, c1.ru_stime - c0.ru_stime))\n"
    "        if failed:\n"
    "            break\n"
    "    r_stopping = time.perf_counter()\n"
    "    if hooks:\n"
    "        hooks.stop()\n"
    "    r1 = time.perf_counter()\n"
    "    p1 = resource.getrusage(resource.RUSAGE_SELF)\n"
    "    out = ['region %.9f %.9f %.9f %.9f %.9f\\n' % (r1 - r0, r_started - r0,\n"
    "           r1 - r_stopping, p1.ru_utime - p0.ru_utime, p1.ru_stime - p0.ru_stime)]\n"
    "    for i, (w, u, s) in enumerate(times):\n"
    "        out.append('phase %d %.9f %.9f %.9f\\n' % (i, w, u, s))\n"
    "    return failed, out\n"
    "\n"
    "main()\n";

int pb_launch_prepare(struct pb_launch *l, char *err, size_t errlen)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(l->dir, sizeof(l->dir), "%s/pyprof-bench-launch.XXXXXX",
             tmp && *tmp && strlen(tmp) < 200 ? tmp : "/tmp");
    if (!mkdtemp(l->dir))
        return pb_error(err, errlen, "cannot make a temporary folder %s: %s", l->dir,
                        strerror(errno));
    snprintf(l->driver, sizeof(l->driver), "%s/driver.py", l->dir);
    snprintf(l->timings, sizeof(l->timings), "%s/timings", l->dir);
    snprintf(l->log, sizeof(l->log), "%s/tool.log", l->dir);
    int fd = open(l->driver, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 || pb_write_all(fd, driver_src, sizeof(driver_src) - 1) < 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return pb_error(err, errlen, "cannot write %s: %s", l->driver, strerror(e));
    }
    close(fd);
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
    buf[0] = '\0';
    FILE *f = fopen(l->log, "r");
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

int pb_launch_parse_timings(struct pb_launch *l, FILE *f, char *err, size_t errlen)
{
    char line[PB_ERRLEN + 64];
    unsigned char seen[PB_MAX_PHASES] = { 0 };
    int have_region = 0, have_error = 0, bad = 0;
    size_t nphase = 0;
    l->failed_phase = -1;
    l->error[0] = '\0';
    l->nlatency = 0;
    l->window_s = 0;
    l->process_cpu_s = NAN;
    while (!bad && fgets(line, sizeof(line), f)) {
        long idx;
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
    if (!l->dir[0])
        return;
    /* The folder is private and flat: the driver, its timings, the log and
     * whatever report files the tool wrote. */
    DIR *d = opendir(l->dir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char path[600];
        snprintf(path, sizeof(path), "%s/%s", l->dir, e->d_name);
        unlink(path);
    }
    if (d)
        closedir(d);
    if (rmdir(l->dir) < 0)
        fprintf(stderr, "pyprof-bench: could not remove %s: %s\n", l->dir, strerror(errno));
    l->dir[0] = '\0';
}
