/* test_shard.c: the --shard K/N slicing rule (shard.c) and the pairing of
 * profiled and baseline runs within a shard (summary.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "../../harness/results.h"
#include "../../harness/shard.h"

extern const struct pb_backend_ops pb_backend_none;

static struct pb_phase phase = { .function = "f", .category = PB_CAT_PYTHON };
static struct pb_workload workloads[3] = {
    { .name = "w0", .file = "/w0.py", .scale = 1.0,
      .phases = &phase, .nphases = 1, .where = "x:1:1" },
    { .name = "w1", .file = "/w1.py", .scale = 1.0,
      .phases = &phase, .nphases = 1, .where = "x:2:1" },
    { .name = "w2", .file = "/w2.py", .scale = 1.0,
      .phases = &phase, .nphases = 1, .where = "x:3:1" },
};
static struct pb_backend_conf backends[4] = {
    { "b0", &pb_backend_none, { NULL, 0 }, "x:4:1", NULL, NULL, 0 },
    { "b1", &pb_backend_none, { NULL, 0 }, "x:5:1", NULL, NULL, 0 },
    { "b2", &pb_backend_none, { NULL, 0 }, "x:6:1", NULL, NULL, 0 },
    { "b3", &pb_backend_none, { NULL, 0 }, "x:7:1", NULL, NULL, 0 },
};
static struct pb_config config;

static void setup_config(void)
{
    memset(&config, 0, sizeof(config));
    config.path = (char *)"test.yaml";
    config.hash = (char *)"0";
    config.defaults.rounds = 3;
    config.defaults.warmup = 0;
    config.workloads = workloads;
    config.nworkloads = 3;
    config.backends = backends;
    config.nbackends = 4;
}

static void test_parse(void **state)
{
    (void)state;
    char err[256];
    long k, n;
    assert_int_equal(pb_shard_parse("2/4", &k, &n, err, sizeof(err)), 0);
    assert_int_equal(k, 2);
    assert_int_equal(n, 4);
    assert_int_equal(pb_shard_parse("1/1", &k, &n, err, sizeof(err)), 0);
    const char *bad[] = { "0/3", "4/3", "3", "/3", "3/", "a/b", "1/0", "1/3x", "-1/3",
                          "1/100001", "" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        assert_int_equal(pb_shard_parse(bad[i], &k, &n, err, sizeof(err)), -1);
        assert_non_null(strstr(err, "--shard"));
    }
}

/* Every selected cell is in exactly one shard, shards are contiguous in
 * workload-major order, and their sizes differ by at most one. */
static void test_partition(void **state)
{
    (void)state;
    setup_config();
    struct pb_results res;
    pb_results_init(&res, &config);
    assert_int_equal(pb_shard_cell_count(&res), 12);
    for (long n = 1; n <= 15; n++) {
        res.shard_count = n;
        size_t size[16] = { 0 };
        long prev = 1;
        for (size_t w = 0; w < 3; w++)
            for (size_t b = 0; b < 4; b++) {
                long k = pb_shard_of(&res, w, b);
                assert_true(k >= 1 && k <= n);
                assert_true(k >= prev);   /* contiguous: never goes back */
                prev = k;
                size[k]++;
                /* owned by exactly one shard index */
                int owners = 0;
                for (long s = 1; s <= n; s++) {
                    res.shard_index = s;
                    owners += pb_results_cell_on(&res, w, b);
                }
                assert_int_equal(owners, 1);
            }
        size_t lo = 99, hi = 0;
        for (long s = 1; s <= n; s++) {
            lo = size[s] < lo ? size[s] : lo;
            hi = size[s] > hi ? size[s] : hi;
        }
        assert_true(hi - lo <= 1);
    }
    /* 12 cells in 5 shards: 3, 2, 3, 2, 2 by floor(i * 5 / 12) */
    res.shard_count = 5;
    assert_int_equal(pb_shard_of(&res, 0, 0), 1);
    assert_int_equal(pb_shard_of(&res, 0, 2), 1);
    assert_int_equal(pb_shard_of(&res, 0, 3), 2);
    assert_int_equal(pb_shard_of(&res, 2, 3), 5);
    pb_results_release(&res);
}

/* The rule runs over the selection only: unselected cells are in no shard. */
static void test_selection(void **state)
{
    (void)state;
    setup_config();
    struct pb_results res;
    pb_results_init(&res, &config);
    res.workload_on[0] = 0;
    res.backend_on[1] = 0;
    res.shard_count = 2;
    assert_int_equal(pb_shard_cell_count(&res), 6);
    assert_int_equal(pb_shard_of(&res, 0, 0), 0);
    assert_int_equal(pb_shard_of(&res, 1, 1), 0);
    /* w1: b0 b2 b3 are cells 0-2 (shard 1), w2: cells 3-5 (shard 2) */
    assert_int_equal(pb_shard_of(&res, 1, 0), 1);
    assert_int_equal(pb_shard_of(&res, 1, 3), 1);
    assert_int_equal(pb_shard_of(&res, 2, 0), 2);
    res.shard_index = 2;
    assert_false(pb_results_workload_active(&res, 1));
    assert_true(pb_results_workload_active(&res, 2));
    pb_results_release(&res);
}

static void add(struct pb_results *res, size_t w, long b, long round, long shard, double wall)
{
    struct pb_run_record *r = pb_results_add(res);
    r->workload = w;
    r->backend = b;
    r->round = round;
    r->shard = shard;
    r->run.status = PB_RUN_OK;
    r->run.wall_s = wall;
    r->run.cpu_s = wall;
    r->run.nphases = 1;
    r->run.phase_wall_s[0] = wall;
    r->run.phase_user_s[0] = wall;
}

/* A merged result holds the baseline runs of several shards for the same
 * rounds: each profiled run is divided by the baseline of its own shard. */
static void test_pairs_within_shard(void **state)
{
    (void)state;
    setup_config();
    struct pb_results res;
    pb_results_init(&res, &config);
    res.rounds = 3;
    res.warmup = 0;
    for (long r = 0; r < 3; r++) {
        add(&res, 0, PB_BASELINE, r, 1, 1.0);     /* shard 1's machine: 1.0 s */
        add(&res, 0, PB_BASELINE, r, 2, 2.0);     /* shard 2's machine: 2.0 s */
        add(&res, 0, 0, r, 1, 1.5);               /* b0 ran in shard 1: 1.5x */
        add(&res, 0, 3, r, 2, 5.0);               /* b3 ran in shard 2: 2.5x */
    }
    res.workload_on[1] = res.workload_on[2] = 0;
    res.backend_on[1] = res.backend_on[2] = 0;
    pb_results_summarise(&res);
    const struct pb_cell *c0 = pb_results_cell(&res, 0, 0), *c3 = pb_results_cell(&res, 0, 3);
    assert_int_equal(c0->status, PB_CELL_OK);
    assert_int_equal(c0->nrounds, 3);
    assert_true(fabs(c0->wall_ratio - 1.5) < 1e-12);
    assert_true(fabs(c3->wall_ratio - 2.5) < 1e-12);
    /* the truth is over every shard's baseline runs */
    assert_int_equal(res.truth[0].nruns, 6);
    const struct pb_run *base, *prof;
    assert_int_equal(pb_results_round_pair(&res, 0, 3, 1, &base, &prof), 0);
    assert_true(base->wall_s == 2.0 && prof->wall_s == 5.0);
    assert_int_equal(pb_results_round_pair(&res, 0, 1, 1, &base, &prof), -1);
    assert_null(base);
    pb_results_release(&res);
}

/* In a shard, cells of other shards are skipped rows, not failures. */
static void test_other_shards_cells(void **state)
{
    (void)state;
    setup_config();
    struct pb_results res;
    pb_results_init(&res, &config);
    res.rounds = 1;
    res.warmup = 0;
    res.shard_index = 1;
    res.shard_count = 2;   /* shard 1: w0 and w1 b0-b1; shard 2: the rest */
    add(&res, 0, PB_BASELINE, 0, 1, 1.0);
    add(&res, 0, 0, 0, 1, 1.0);
    pb_results_summarise(&res);
    const struct pb_cell *c = pb_results_cell(&res, 2, 0);
    assert_int_equal(c->status, PB_CELL_SKIPPED);
    assert_string_equal(c->reason, "in shard 2/2");
    assert_true(isnan(c->wall_ratio));
    assert_false(pb_results_workload_active(&res, 2));
    assert_true(pb_results_workload_active(&res, 1));
    pb_results_release(&res);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_partition),
        cmocka_unit_test(test_selection),
        cmocka_unit_test(test_pairs_within_shard),
        cmocka_unit_test(test_other_shards_cells),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
