/* test_instr.c: the callgrind side of --metric instructions (instr.c): the
 * command line that wraps a worker, and reading the count back; and which
 * backends the metric applies to (summary.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../harness/backend.h"
#include "../../harness/instr.h"
#include "../../harness/results.h"

static char path[] = "/tmp/pb-test-instr-XXXXXX";

static void write_file(const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_read(void **state)
{
    (void)state;
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    char err[256];
    double n = 0;
    /* the shape callgrind 3.19 writes: totals after the cost lines */
    write_file("# callgrind format\nversion: 1\ncreator: callgrind-3.19.0\npid: 42\n"
               "cmd:  pyprof-bench --worker run\npart: 1\n\npositions: line\n"
               "events: Ir\nsummary: 123456789\n\nfl=(1) x.c\nfn=(1) f\n5 100\n\n"
               "totals: 123456789\n");
    assert_int_equal(pb_instr_read(path, &n, err, sizeof(err)), 0);
    assert_true(n == 123456789.0);
    /* only a summary line */
    write_file("events: Ir\nsummary: 77\n");
    assert_int_equal(pb_instr_read(path, &n, err, sizeof(err)), 0);
    assert_true(n == 77.0);
    /* another event first: refused rather than misread */
    write_file("events: Dr Ir\ntotals: 5 6\n");
    assert_int_equal(pb_instr_read(path, &n, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "Ir"));
    write_file("events: Ir\n");
    assert_int_equal(pb_instr_read(path, &n, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "no totals"));
    unlink(path);
    assert_int_equal(pb_instr_read(path, &n, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "no callgrind output"));
}

static void test_wrap(void **state)
{
    (void)state;
    char *argv[] = { (char *)"/bin/pyprof-bench", (char *)"--worker", (char *)"run", NULL };
    char **w = pb_instr_wrap(argv, "/tmp/x/callgrind.out");
    size_t n = 0;
    while (w[n])
        n++;
    assert_string_equal(w[0], "valgrind");
    assert_string_equal(w[1], "--tool=callgrind");
    int instr_off = 0, collect_off = 0, out = 0;
    size_t prog = 0;
    for (size_t i = 0; i < n; i++) {
        instr_off |= !strcmp(w[i], "--instr-atstart=no");
        collect_off |= !strcmp(w[i], "--collect-atstart=no");
        out |= !strcmp(w[i], "--callgrind-out-file=/tmp/x/callgrind.out");
        if (!strcmp(w[i], "/bin/pyprof-bench"))
            prog = i;
    }
    assert_true(instr_off && collect_off && out);
    /* the worker's own arguments follow, unchanged */
    assert_true(prog > 0 && prog + 3 == n);
    assert_string_equal(w[prog + 1], "--worker");
    assert_string_equal(w[prog + 2], "run");
    for (size_t i = 0; i < n; i++)
        free(w[i]);
    free(w);
    /* outside valgrind the client requests do nothing */
    pb_instr_region_begin();
    pb_instr_region_end();
}

extern const struct pb_backend_ops pb_backend_none, pb_backend_deterministic,
    pb_backend_multiclock, pb_backend_cprofile, pb_backend_yappi, pb_backend_sampling,
    pb_backend_launched, pb_backend_scalene, pb_backend_pyinstrument;

static void test_applies(void **state)
{
    (void)state;
    const struct pb_backend_ops *yes[] = { &pb_backend_none, &pb_backend_deterministic,
                                           &pb_backend_multiclock, &pb_backend_cprofile,
                                           &pb_backend_yappi };
    const struct pb_backend_ops *no[] = { &pb_backend_sampling, &pb_backend_scalene,
                                          &pb_backend_pyinstrument, &pb_backend_launched };
    const char *why;
    for (size_t i = 0; i < 5; i++) {
        assert_true(pb_metric_applies(PB_METRIC_INSTRUCTIONS, yes[i], &why));
        assert_true(pb_metric_applies(PB_METRIC_WALL, yes[i], &why));
    }
    for (size_t i = 0; i < 4; i++) {
        assert_false(pb_metric_applies(PB_METRIC_INSTRUCTIONS, no[i], &why));
        assert_non_null(strstr(why, i < 3 ? "timer-driven" : "launched"));
        assert_true(pb_metric_applies(PB_METRIC_WALL, no[i], &why));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read),
        cmocka_unit_test(test_wrap),
        cmocka_unit_test(test_applies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
