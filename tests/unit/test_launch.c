/* test_launch.c: launch.c, the driver of launcher tools and its timings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../harness/launch.h"
#include "../../harness/util.h"

#ifndef PB_PYTHON_EXE
#define PB_PYTHON_EXE "/usr/bin/python3"
#endif

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void free_argv(char **argv, size_t argc)
{
    for (size_t i = 0; i < argc; i++)
        free(argv[i]);
    free(argv);
}

/* A good timings file is read back field by field; the folder goes away. */
static void test_read_timings(void **state)
{
    (void)state;
    struct pb_launch l;
    memset(&l, 0, sizeof(l));
    l.nphases = 2;
    char err[PB_ERRLEN];
    assert_int_equal(pb_launch_prepare(&l, err, sizeof(err)), 0);
    assert_int_equal(access(l.driver, R_OK), 0);
    write_text(l.timings, "region 0.5 0.001 0.002 0.4 0.05\n"
                          "phase 0 0.3 0.29 0.01\nphase 1 0.19 0.1 0.04\n");
    assert_int_equal(pb_launch_read_timings(&l, err, sizeof(err)), 0);
    assert_true(l.wall_s == 0.5 && l.start_s == 0.001 && l.stop_s == 0.002);
    assert_true(l.cpu_user_s == 0.4 && l.cpu_sys_s == 0.05);
    assert_true(l.phase_wall_s[1] == 0.19 && l.phase_sys_s[1] == 0.04);
    assert_int_equal(l.failed_phase, -1);
    assert_int_equal(l.nlatency, 0);
    assert_true(isnan(l.process_cpu_s));   /* no process line */
    /* the program's own CPU at its end (the driver's last getrusage) */
    write_text(l.timings, "region 0.5 0.001 0.002 0.4 0.05\n"
                          "phase 0 0.3 0.29 0.01\nphase 1 0.19 0.1 0.04\nprocess 0.75\n");
    assert_int_equal(pb_launch_read_timings(&l, err, sizeof(err)), 0);
    assert_true(l.process_cpu_s == 0.75);
    write_text(l.timings, "region 0.5 0.001 0.002 0.4 0.05\n"
                          "phase 0 0.3 0.29 0.01\nphase 1 0.19 0.1 0.04\nprocess -1\n");
    assert_int_equal(pb_launch_read_timings(&l, err, sizeof(err)), -1);
    /* the requests a phase recorded (pyprof_bench.record_requests) */
    write_text(l.timings, "region 0.5 0.001 0.002 0.4 0.05\n"
                          "phase 0 0.3 0.29 0.01\nphase 1 0.19 0.1 0.04\n"
                          "latency 0.002\nlatency 0.004\nwindow 0.25\n"
                          "latency 0.003\nwindow 0.25\n");
    assert_int_equal(pb_launch_read_timings(&l, err, sizeof(err)), 0);
    assert_int_equal(l.nlatency, 3);
    assert_true(l.latency[0] == 0.002 && l.latency[2] == 0.003 && l.window_s == 0.5);
    write_text(l.timings, "region 0.5 0 0 0 0\nphase 0 0.3 0.29 0.01\n"
                          "phase 1 0.1 0 0\nwindow -1\n");
    assert_int_equal(pb_launch_read_timings(&l, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "malformed"));
    /* the threads' truth: phase, native TID, wall, user, sys, the name to
     * the end of the line (spaces kept); phase -1 is before any phase */
    write_text(l.timings, "region 0.5 0.001 0.002 0.4 0.05\n"
                          "phase 0 0.3 0.29 0.01\nphase 1 0.19 0.1 0.04\n"
                          "thread 1 4242 0.18 0.17 0.01 Thread-3 (work)\n"
                          "thread -1 4243 0.01 0 0 early\n");
    assert_int_equal(pb_launch_read_timings(&l, err, sizeof(err)), 0);
    assert_int_equal(l.nthreads, 2);
    assert_int_equal(l.threads[0].phase, 1);
    assert_int_equal(l.threads[0].tid, 4242);
    assert_true(l.threads[0].wall_s == 0.18 && l.threads[0].user_s == 0.17 &&
                l.threads[0].sys_s == 0.01);
    assert_string_equal(l.threads[0].name, "Thread-3 (work)");
    assert_int_equal(l.threads[1].phase, -1);
    assert_string_equal(l.threads[1].name, "early");
    /* read again: the list starts over */
    assert_int_equal(pb_launch_read_timings(&l, err, sizeof(err)), 0);
    assert_int_equal(l.nthreads, 2);
    /* the coroutine calls: phase, wall, then name, function and file
     * tab-separated (a file may hold spaces) */
    write_text(l.timings, "region 0.5 0.001 0.002 0.4 0.05\n"
                          "phase 0 0.3 0.29 0.01\nphase 1 0.19 0.1 0.04\n"
                          "task 0 0.12 Box.fetch\tfetch\t/my dir/w.py\n");
    assert_int_equal(pb_launch_read_timings(&l, err, sizeof(err)), 0);
    assert_int_equal(l.ntasks, 1);
    assert_true(l.tasks[0].phase == 0 && l.tasks[0].wall_s == 0.12);
    assert_string_equal(l.tasks[0].name, "Box.fetch");
    assert_string_equal(l.tasks[0].func, "fetch");
    assert_string_equal(l.tasks[0].file, "/my dir/w.py");
    static const char *const bad_threads[] = {
        "task 0 0.1 name\tfunc\n",                   /* no file */
        "task 0 0.1 \tfunc\tfile\n",                 /* no name */
        "task 0 -1 name\tfunc\tfile\n",
        "task 5 0.1 name\tfunc\tfile\n",
        "thread 2 1 0.1 0.1 0 beyond the phases\n",   /* 2 phases: 0 and 1 */
        "thread 0 1 -0.1 0.1 0 negative\n",
        "thread 0 1 0.1 nan 0 not a number\n",
        "thread 0 1 0.1 0.1 0\n",                      /* no name */
        "thread 0 x 0.1 0.1 0 name\n",
    };
    for (size_t i = 0; i < sizeof(bad_threads) / sizeof(bad_threads[0]); i++) {
        char text[256];
        snprintf(text, sizeof(text), "region 0.5 0 0 0 0\nphase 0 0.3 0.29 0.01\n"
                                     "phase 1 0.1 0 0\n%s", bad_threads[i]);
        write_text(l.timings, text);
        assert_int_equal(pb_launch_read_timings(&l, err, sizeof(err)), -1);
        assert_non_null(strstr(err, "malformed"));
    }
    char dir[sizeof(l.dir)];
    snprintf(dir, sizeof(dir), "%s", l.dir);
    pb_launch_cleanup(&l);
    struct stat st;
    assert_int_equal(stat(dir, &st), -1);
}

/* Missing, malformed and incomplete files are errors; a failed phase is not. */
static void test_bad_timings(void **state)
{
    (void)state;
    struct pb_launch l;
    memset(&l, 0, sizeof(l));
    l.nphases = 2;
    char err[PB_ERRLEN];
    assert_int_equal(pb_launch_prepare(&l, err, sizeof(err)), 0);
    assert_int_equal(pb_launch_read_timings(&l, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "wrote no timings"));
    write_text(l.timings, "region 0.5 x\n");
    assert_int_equal(pb_launch_read_timings(&l, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "malformed"));
    write_text(l.timings, "region 0.5 0 0 0 0\nphase 0 0.3 0.29 0.01\n");
    assert_int_equal(pb_launch_read_timings(&l, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "incomplete"));
    write_text(l.timings, "region 0.5 0 0 0 0\nphase 0 0.3 0.29 0.01\n"
                          "phase 1 0.1 0 0\nerror 1 ValueError: boom 42\n");
    assert_int_equal(pb_launch_read_timings(&l, err, sizeof(err)), 0);
    assert_int_equal(l.failed_phase, 1);
    assert_string_equal(l.error, "ValueError: boom 42");
    write_text(l.timings, "error -1 ModuleNotFoundError: No module named 'nope'\n");
    assert_int_equal(pb_launch_read_timings(&l, err, sizeof(err)), 0);
    assert_int_equal(l.failed_phase, -1);
    assert_non_null(strstr(l.error, "nope"));
    /* What the timings fuzzer's invariants require: one phase twice is not
     * both phases, a failed phase is one of the phases (the worker indexes
     * its phase table with it), durations are finite and not negative. */
    static const char *const refused[] = {
        "region 0.5 0 0 0 0\nphase 0 0.3 0.29 0.01\nphase 0 0.3 0.29 0.01\n",
        "region 0.5 0 0 0 0\nerror 7 ValueError: out of range\n",
        "region 0.5 0 0 0 0\nphase 0 nan 0.29 0.01\nphase 1 0.1 0 0\n",
        "region 0.5 0 0 0 0\nphase 0 0.3 -1 0.01\nphase 1 0.1 0 0\n",
        "region inf 0 0 0 0\nphase 0 0.3 0.2 0.01\nphase 1 0.1 0 0\n",
    };
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        write_text(l.timings, refused[i]);
        assert_int_equal(pb_launch_read_timings(&l, err, sizeof(err)), -1);
        assert_non_null(strstr(err, "malformed"));
        assert_int_equal(l.failed_phase, -1);
    }
    pb_launch_cleanup(&l);
}

/* The real driver under plain python3: the region holds the phases, the
 * phase that sleeps is off-CPU (in a thread of its own, whose truth the
 * driver writes), and a raising phase is reported. */
static void test_driver_runs_phases(void **state)
{
    (void)state;
    if (access(PB_PYTHON_EXE, X_OK) != 0)
        skip();
    char wdir[] = "/tmp/pb-test-launch.XXXXXX";
    assert_non_null(mkdtemp(wdir));
    char wfile[128];
    snprintf(wfile, sizeof(wfile), "%s/work.py", wdir);
    write_text(wfile, "import threading, time\n"
                      "def spin(n):\n    return sum(i * i for i in range(n))\n"
                      "def nap(t):\n"
                      "    th = threading.Thread(target=time.sleep, args=(t,), name='nap per')\n"
                      "    th.start()\n    th.join()\n"
                      "def boom():\n    raise KeyError('gone')\n");
    struct pb_launch l;
    memset(&l, 0, sizeof(l));
    l.python_exe = PB_PYTHON_EXE;
    l.workload_file = wfile;
    l.nphases = 2;
    l.phase_func[0] = "spin";
    l.phase_args[0] = "[200000]";
    l.phase_func[1] = "nap";
    l.phase_args[1] = "[0.05]";
    char err[PB_ERRLEN];
    assert_int_equal(pb_launch_prepare(&l, err, sizeof(err)), 0);
    char **argv = pb_xcalloc(2, sizeof(*argv));
    size_t argc = 0;
    argv[argc++] = pb_xstrdup(PB_PYTHON_EXE);
    pb_launch_driver_args(&l, "", &argv, &argc);
    assert_int_equal(pb_launch_exec(&l, argv, err, sizeof(err)), 0);
    free_argv(argv, argc);
    assert_int_equal(pb_launch_read_timings(&l, err, sizeof(err)), 0);
    assert_int_equal(l.failed_phase, -1);
    assert_true(l.phase_wall_s[1] >= 0.05 && l.phase_wall_s[1] < 5);
    assert_true(l.phase_user_s[1] + l.phase_sys_s[1] < 0.5 * l.phase_wall_s[1]);
    assert_true(l.wall_s >= l.phase_wall_s[0] + l.phase_wall_s[1]);
    /* the thread nap started, with the truth the worker would record */
    assert_int_equal(l.nthreads, 1);
    assert_int_equal(l.threads[0].phase, 1);
    assert_string_equal(l.threads[0].name, "nap per");
    assert_true(l.threads[0].tid > 0 && l.threads[0].wall_s >= 0.05 &&
                l.threads[0].user_s < 0.5 * l.threads[0].wall_s);
    /* the driver's CPU at its end, and wait4's for the process (the same
     * process here: no tool around it), within the interpreter's teardown */
    assert_true(l.process_cpu_s >= l.phase_user_s[0] && l.process_cpu_s < 30);
    assert_true(l.tree_cpu_s >= l.process_cpu_s && l.tree_cpu_s < l.process_cpu_s + 5);
    pb_launch_cleanup(&l);

    memset(&l, 0, sizeof(l));
    l.python_exe = PB_PYTHON_EXE;
    l.workload_file = wfile;
    l.nphases = 1;
    l.phase_func[0] = "boom";
    l.phase_args[0] = "[]";
    assert_int_equal(pb_launch_prepare(&l, err, sizeof(err)), 0);
    argv = pb_xcalloc(2, sizeof(*argv));
    argc = 0;
    argv[argc++] = pb_xstrdup(PB_PYTHON_EXE);
    pb_launch_driver_args(&l, "", &argv, &argc);
    assert_int_equal(pb_launch_exec(&l, argv, err, sizeof(err)), 0);
    free_argv(argv, argc);
    assert_int_equal(pb_launch_read_timings(&l, err, sizeof(err)), 0);
    assert_int_equal(l.failed_phase, 0);
    assert_non_null(strstr(l.error, "KeyError"));
    pb_launch_cleanup(&l);

    /* A tool that fails is an error quoting its last line. */
    memset(&l, 0, sizeof(l));
    assert_int_equal(pb_launch_prepare(&l, err, sizeof(err)), 0);
    char *bad[] = { (char *)"/bin/sh", (char *)"-c", (char *)"echo 'no such thing' >&2; exit 3",
                    NULL };
    assert_int_equal(pb_launch_exec(&l, bad, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "exited with status 3: no such thing"));
    pb_launch_cleanup(&l);
    unlink(wfile);
    rmdir(wdir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_timings),
        cmocka_unit_test(test_bad_timings),
        cmocka_unit_test(test_driver_runs_phases),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
