/* test_config.c: the YAML config loader: the schema, includes, and every kind
 * of bad input, each checked for its message and its line:column. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../harness/config.h"
#include "../../harness/paper.h"
#include "../../harness/util.h"

static const char *const clocks[] = { "wall", "cpu", NULL };
static const struct pb_option_spec withopts_options[] = {
    { "interval", PB_OPT_DURATION, "1ms", 100e-6, 0.1, NULL, "interval" },
    { "clock", PB_OPT_ENUM, "wall", 0, -1, clocks, "clock" },
    { NULL, 0, NULL, 0, 0, NULL, NULL },
};
static const struct pb_backend_ops withopts = {
    .kind = "withopts", .summary = "test", .mechanism = "test", .options = withopts_options,
};
static const struct pb_backend_ops sampling = {
    .kind = "sampling", .summary = "test", .mechanism = "test", .options = withopts_options,
};
/* A declared-style kind: a list, a path and a check of them together. */
static const struct pb_option_spec listy_options[] = {
    { "argv", PB_OPT_LIST, "[]", 0, -1, NULL, "argv" },
    { "file", PB_OPT_PATH, "", 0, -1, NULL, "file" },
    { NULL, 0, NULL, 0, 0, NULL, NULL },
};
static int listy_check(const struct pb_options *opts, const char **key, char *err,
                       size_t errlen)
{
    *key = "argv";
    if (!strcmp(pb_options_text(opts, "argv"), "[]"))
        return pb_error(err, errlen, "argv is empty");
    return 0;
}
static const struct pb_backend_ops listy = {
    .kind = "listy", .summary = "test", .mechanism = "test", .options = listy_options,
    .check = listy_check,
};
extern const struct pb_backend_ops pb_backend_none;
static const struct pb_backend_ops *const test_registry[] = {
    &pb_backend_none, &withopts, &sampling, &listy, NULL,
};

static int setup(void **state)
{
    (void)state;
    pb_config_set_registry(test_registry);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    pb_config_set_registry(NULL);
    return 0;
}

static const char prefix[] = "workloads:\n"
                             "  - name: w\n"
                             "    file: w.py\n"
                             "    phases:\n"
                             "      - function: f\n"
                             "        category: python\n"
                             "backends:\n"
                             "  - name: b\n"
                             "    kind: none\n";

/* Load text; expect failure with exactly msg. */
static void expect_error(const char *text, const char *msg)
{
    struct pb_config cfg;
    char err[PB_ERRLEN] = "";
    int rc = pb_config_load_buffer(&cfg, "t.yaml", text, strlen(text), err, sizeof(err));
    if (rc == 0) {
        pb_config_release(&cfg);
        fail_msg("loaded, expected: %s", msg);
    }
    if (strcmp(err, msg))
        fail_msg("got:  %s\nwant: %s", err, msg);
    pb_config_release(&cfg);   /* safe after a failure */
}

static void expect_file_error(const char *path, const char *msg)
{
    struct pb_config cfg;
    char err[PB_ERRLEN] = "";
    if (pb_config_load(&cfg, path, err, sizeof(err)) == 0) {
        pb_config_release(&cfg);
        fail_msg("loaded %s, expected: %s", path, msg);
    }
    if (!strstr(err, msg))
        fail_msg("got:  %s\nwant: %s", err, msg);
}

/* Every field of a good config with an include, merged as documented. */
static void test_good_config(void **state)
{
    (void)state;
    struct pb_config cfg;
    char err[PB_ERRLEN];
    if (pb_config_load(&cfg, "tests/configs/good.yaml", err, sizeof(err)) < 0)
        fail_msg("%s", err);
    assert_int_equal(cfg.defaults.rounds, 5);       /* overridden */
    assert_int_equal(cfg.defaults.warmup, 2);       /* from the include */
    assert_int_equal(cfg.defaults.seed, 9);
    assert_true(cfg.defaults.timeout_s == 120);
    assert_string_equal(cfg.defaults.output, "results");
    assert_int_equal(cfg.nworkloads, 2);
    assert_string_equal(cfg.workloads[0].name, "w1");   /* included first */
    assert_string_equal(cfg.workloads[1].name, "w2");
    assert_non_null(strstr(cfg.workloads[0].file, "/tests/configs/w1.py"));
    assert_null(strstr(cfg.workloads[0].file, ".."));
    assert_true(cfg.workloads[0].scale == 2.0);
    assert_true(cfg.workloads[1].scale == 1.0);     /* 0.5 * defaults 2 */
    assert_int_equal(cfg.workloads[0].phases[0].category, PB_CAT_NATIVE);
    const struct pb_phase *ph = &cfg.workloads[1].phases[0];
    assert_int_equal(ph->nargs, 6);
    assert_int_equal(ph->args[0].kind, PB_ARG_INT);
    assert_int_equal(ph->args[1].kind, PB_ARG_FLOAT);
    assert_int_equal(ph->args[2].kind, PB_ARG_STRING);
    assert_int_equal(ph->args[3].kind, PB_ARG_BOOL);
    assert_int_equal(ph->args[4].kind, PB_ARG_NONE);
    assert_int_equal(ph->args[5].kind, PB_ARG_STRING);
    char *lit = pb_phase_args_literal(ph, 2.0);
    assert_string_equal(lit, "(2002, 1.0, 'text', True, None, 'it\\'s')");
    free(lit);
    assert_int_equal(cfg.nbackends, 2);
    const struct pb_backend_conf *b = pb_config_backend(&cfg, "det");
    assert_non_null(b);
    assert_ptr_equal(b->ops, &withopts);
    assert_true(fabs(pb_options_double(&b->options, "interval") - 0.002) < 1e-15);
    assert_string_equal(pb_options_text(&b->options, "clock"), "cpu");
    assert_non_null(pb_config_workload(&cfg, "w1"));
    assert_null(pb_config_workload(&cfg, "nope"));
    assert_int_equal(strlen(cfg.hash), 16);
    pb_config_release(&cfg);
    pb_config_release(&cfg);
}

/* Typos get the nearest key; unrelated keys get the list. */
static void test_unknown_keys(void **state)
{
    (void)state;
    char text[2048];
    snprintf(text, sizeof(text), "%s  - name: sampling\n    kind: sampling\n    interva: 2ms\n",
             prefix);
    expect_error(text, "t.yaml:12:5: unknown key 'interva' in backend 'sampling'; did you "
                       "mean 'interval'?");
    expect_error("defaults:\n  zzzzzz: 1\n",
                 "t.yaml:2:3: unknown key 'zzzzzz' in defaults (expected: rounds, warmup, "
                 "timeout, output, seed, scale, precision, max_rounds, max_time)");
    expect_error("defaults:\n  warmpu: 1\n",
                 "t.yaml:2:3: unknown key 'warmpu' in defaults; did you mean 'warmup'?");
    expect_error("workload:\n  - x\n",
                 "t.yaml:1:1: unknown key 'workload' in the config; did you mean 'workloads'?");
}

/* Wrong types and out-of-range values are rejected where they are. */
static void test_types_and_ranges(void **state)
{
    (void)state;
    expect_error("defaults:\n  rounds: 0\n", "t.yaml:2:11: rounds must be at least 1, got 0");
    expect_error("defaults:\n  rounds: ten\n",
                 "t.yaml:2:11: rounds must be an integer, got 'ten'");
    expect_error("defaults:\n  rounds: [1]\n",
                 "t.yaml:2:11: rounds must be a single value, got a list");
    expect_error("defaults:\n  warmup: -1\n", "t.yaml:2:11: warmup must be at least 0, got -1");
    expect_error("defaults:\n  timeout: 0s\n",
                 "t.yaml:2:12: timeout must be more than 0, got '0s'");
    expect_error("defaults:\n  timeout: soon\n",
                 "t.yaml:2:12: timeout: 'soon' is not a duration (expected a number of "
                 "seconds or a number with ns, us, ms, s or m)");
    expect_error("defaults:\n  scale: -2\n",
                 "t.yaml:2:10: scale must be a number more than 0, got '-2'");
    expect_error("defaults:\n  precision: 0%\n",
                 "t.yaml:2:14: precision must be a percentage more than 0 such as 5%, got '0%'");
    expect_error("defaults:\n  precision: tight\n",
                 "t.yaml:2:14: precision must be a percentage more than 0 such as 5%, got "
                 "'tight'");
    expect_error("defaults:\n  max_time: 0s\n",
                 "t.yaml:2:13: max_time must be more than 0, got '0s'");
    expect_error("defaults:\n  max_rounds: 0\n",
                 "t.yaml:2:15: max_rounds must be at least 1, got 0");
    expect_error("defaults: 3\n", "t.yaml:1:11: defaults must be a mapping, got a scalar");
    expect_error("- a\n", "t.yaml:1:1: a config must be a mapping with include, defaults, "
                          "workloads and backends, got a list");
    char text[2048];
    snprintf(text, sizeof(text), "%s  - name: s\n    kind: sampling\n    interval: -1ms\n",
             prefix);
    expect_error(text, "t.yaml:12:15: in backend 's': option 'interval': must not be "
                       "negative, got '-1ms'");
    snprintf(text, sizeof(text), "%s  - name: s\n    kind: sampling\n    interval: 1s\n",
             prefix);
    expect_error(text, "t.yaml:12:15: in backend 's': option 'interval': must be between "
                       "100us and 100ms");
}

/* List and path options (the declared kinds, backends/declared.c): a YAML
 * list becomes a JSON array with plain numbers and booleans typed, a path is
 * made absolute against the config's folder and must exist, and the kind's
 * check() is located at the option it names. */
static void test_list_and_path_options(void **state)
{
    (void)state;
    char text[2048];
    snprintf(text, sizeof(text),
             "%s  - name: l\n    kind: listy\n    argv: [a, 2, true, '3', \"q\\\"x\"]\n"
             "    file: /etc/hostname\n",
             prefix);
    struct pb_config cfg;
    char err[PB_ERRLEN] = "";
    assert_int_equal(pb_config_load_buffer(&cfg, "t.yaml", text, strlen(text), err,
                                           sizeof(err)), 0);
    const struct pb_backend_conf *b = pb_config_backend(&cfg, "l");
    assert_non_null(b);
    assert_string_equal(pb_options_text(&b->options, "argv"), "[\"a\", 2, true, \"3\", \"q\\\"x\"]");
    assert_string_equal(pb_options_text(&b->options, "file"), "/etc/hostname");
    pb_config_release(&cfg);
    snprintf(text, sizeof(text), "%s  - name: l\n    kind: listy\n", prefix);
    expect_error(text, "t.yaml:10:5: in backend 'l': argv is empty");
    snprintf(text, sizeof(text), "%s  - name: l\n    kind: listy\n    argv: []\n", prefix);
    expect_error(text, "t.yaml:12:11: in backend 'l': argv is empty");
    snprintf(text, sizeof(text), "%s  - name: l\n    kind: listy\n    argv: [a, [b]]\n",
             prefix);
    expect_error(text, "t.yaml:12:15: in backend 'l': the items of 'argv' must be single "
                       "values, got a list");
    snprintf(text, sizeof(text), "%s  - name: l\n    kind: listy\n    argv: {a: 1}\n",
             prefix);
    expect_error(text, "t.yaml:12:11: in backend 'l': option 'argv' must be a single value "
                       "or a list, got a mapping");
    snprintf(text, sizeof(text), "%s  - name: l\n    kind: listy\n    argv: nolist\n",
             prefix);
    expect_error(text, "t.yaml:12:11: in backend 'l': option 'argv': expected a list (JSON "
                       "array): line 1, column 1: unexpected text");
    snprintf(text, sizeof(text),
             "%s  - name: l\n    kind: listy\n    argv: [a]\n    file: /nonexistent/p.py\n",
             prefix);
    expect_error(text, "t.yaml:13:11: in backend 'l': option 'file': no such file "
                       "'/nonexistent/p.py'");
    snprintf(text, sizeof(text), "%s  - name: l\n    kind: listy\n    argv: [a]\n    file: /\n",
             prefix);
    expect_error(text, "t.yaml:13:11: in backend 'l': option 'file': not a file '/'");
    /* The interval of another kind is still a single value. */
    snprintf(text, sizeof(text), "%s  - name: s\n    kind: sampling\n    interval: [1ms]\n",
             prefix);
    expect_error(text, "t.yaml:12:15: in backend 's': option 'interval' must be a single "
                       "value, got a list");
}

/* Workloads and phases: required fields, categories, names, args. */
static void test_workload_errors(void **state)
{
    (void)state;
    expect_error("workloads:\n  - name: w\n    file: w.py\n    phases:\n      - function: f\n"
                 "        category: cpu\n",
                 "t.yaml:6:19: category must be python, native or system, got 'cpu'");
    expect_error("workloads:\n  - name: w\n    file: w.py\n    phases:\n      - function: f\n",
                 "t.yaml:5:9: phase 'f' of workload 'w' has no category (python, native or "
                 "system)");
    expect_error("workloads:\n  - name: w\n    file: w.py\n    phases: []\n",
                 "t.yaml:4:13: workload 'w' has an empty list of phases");
    expect_error("workloads:\n  - name: w b\n", "t.yaml:2:11: workload name 'w b' may only "
                 "use letters, digits, '_', '.' and '-'");
    expect_error("workloads:\n  - name: w\n    file: w.py\n    phases:\n      - function: 1f\n"
                 "        category: python\n",
                 "t.yaml:5:19: function must be a Python identifier, got '1f'");
    expect_error("workloads:\n  - name: w\n    file: w.py\n    phases:\n      - function: f\n"
                 "        args: [[1]]\n        category: python\n",
                 "t.yaml:6:16: phase arguments must be single values, got a list");
    expect_error("workloads:\n  - name: w\n    phases: []\n", "t.yaml:2:5: workload 'w' has no file");
    char text[2048];
    snprintf(text, sizeof(text), "%s  - name: b\n    kind: none\n", prefix);
    expect_error(text, "t.yaml:10:11: backend 'b' is defined twice");
    expect_error("workloads: []\nbackends: []\n", "t.yaml:1:1: no workloads defined");
}

/* `main:` instead of phases: one undeclared phase, overhead only. */
static void test_main_workloads(void **state)
{
    (void)state;
    static const char text[] = "workloads:\n"
                               "  - name: fn\n    file: u.py\n    main: run\n    args: [3, 0.5]\n"
                               "  - name: script\n    file: u.py\n    main: __main__\n"
                               "backends:\n  - name: b\n    kind: none\n";
    struct pb_config cfg;
    char err[PB_ERRLEN] = "";
    assert_int_equal(pb_config_load_buffer(&cfg, "t.yaml", text, strlen(text), err,
                                           sizeof(err)), 0);
    assert_int_equal(cfg.nworkloads, 2);
    const struct pb_workload *fn = &cfg.workloads[0], *script = &cfg.workloads[1];
    assert_true(fn->overhead_only);
    assert_int_equal(fn->nphases, 1);
    assert_string_equal(fn->phases[0].function, "run");
    char *lit = pb_phase_args_literal(&fn->phases[0], 2.0);
    assert_string_equal(lit, "(6, 1.0)");
    free(lit);
    assert_true(script->overhead_only);
    assert_int_equal(script->nphases, 1);
    assert_string_equal(script->phases[0].function, PB_MAIN_SCRIPT);
    assert_int_equal(script->phases[0].nargs, 0);
    pb_config_release(&cfg);

    expect_error("workloads:\n  - name: w\n    file: w.py\n    main: m\n    phases:\n"
                 "      - function: f\n        category: python\n",
                 "t.yaml:2:5: workload 'w' has both phases and main: phases measure accuracy "
                 "and overhead, main only overhead; choose one");
    expect_error("workloads:\n  - name: w\n    file: w.py\n    main: __main__\n    args: [1]\n",
                 "t.yaml:5:11: args go with a main function; a file run as __main__ takes argv "
                 "(its sys.argv[1:])");
    expect_error("workloads:\n  - name: w\n    file: w.py\n    main: m\n    argv: [a]\n",
                 "t.yaml:5:11: argv goes with main: __main__ (the script's sys.argv[1:]); a main "
                 "function takes args");
    expect_error("workloads:\n  - name: w\n    file: w.py\n    main: 1x\n",
                 "t.yaml:4:11: main must be a function name or __main__, got '1x'");
    expect_error("workloads:\n  - name: w\n    file: w.py\n",
                 "t.yaml:2:5: workload 'w' has neither phases (accuracy and overhead) nor main "
                 "(overhead only)");
    expect_error("workloads:\n  - name: w\n    file: w.py\n    args: [1]\n    phases:\n"
                 "      - function: f\n        category: python\n",
                 "t.yaml:4:11: args of workload 'w' belong to a phase or to main");
}

/* `variant_of:` and `response_phase:`: a base defined before (an include
 * counts), the same phase functions, a phase of the workload. */
/* `argv:` of a `main: __main__` workload: strings, never scaled. */
static void test_script_argv(void **state)
{
    (void)state;
    static const char text[] = "defaults: {scale: 2}\n"
                               "workloads:\n"
                               "  - name: s\n    file: u.py\n    main: __main__\n"
                               "    argv: [10, --fast, \"it's\"]\n"
                               "backends:\n  - name: b\n    kind: none\n";
    struct pb_config cfg;
    char err[PB_ERRLEN] = "";
    assert_int_equal(pb_config_load_buffer(&cfg, "t.yaml", text, strlen(text), err,
                                           sizeof(err)), 0);
    char *lit = pb_phase_args_literal(&cfg.workloads[0].phases[0], cfg.workloads[0].scale);
    assert_string_equal(lit, "('10', '--fast', 'it\\'s')");
    free(lit);
    assert_string_equal(cfg.workloads[0].phase_where[0], "t.yaml:5:11");
    assert_string_equal(cfg.workloads[0].file_where, "t.yaml:4:11");
    pb_config_release(&cfg);
}

/* Phase functions checked against the names a parse of the file found. */
static void test_check_functions(void **state)
{
    (void)state;
    static const char text[] = "workloads:\n"
                               "  - name: p\n    file: u.py\n    phases:\n"
                               "      - {function: wrok, category: python}\n"
                               "  - name: m\n    file: u.py\n    main: LIMIT\n"
                               "backends:\n  - name: b\n    kind: none\n";
    struct pb_config cfg;
    char err[PB_ERRLEN] = "";
    assert_int_equal(pb_config_load_buffer(&cfg, "t.yaml", text, strlen(text), err,
                                           sizeof(err)), 0);
    struct pb_module_names names = { (char *)"main work", (char *)"LIMIT", 1, "" };
    assert_int_equal(pb_config_check_functions(&cfg.workloads[0], &names, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "t.yaml:5:20: workload 'p': no function 'wrok' in"));
    assert_non_null(strstr(err, "did you mean 'work'?"));
    assert_int_equal(pb_config_check_functions(&cfg.workloads[1], &names, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "t.yaml:8:11: workload 'm': main 'LIMIT' in"));
    assert_non_null(strstr(err, "is not callable"));
    names.complete = 0;   /* a star import: an unknown name may exist */
    assert_int_equal(pb_config_check_functions(&cfg.workloads[0], &names, err, sizeof(err)), 0);
    snprintf(names.error, sizeof(names.error), "SyntaxError: invalid syntax (u.py, line 3)");
    assert_int_equal(pb_config_check_functions(&cfg.workloads[0], &names, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "t.yaml:3:11: workload 'p': cannot parse"));
    pb_config_release(&cfg);
}

static void test_variants(void **state)
{
    (void)state;
    struct pb_config cfg;
    char err[PB_ERRLEN];
    if (pb_config_load(&cfg, "tests/configs/variant.yaml", err, sizeof(err)) < 0)
        fail_msg("%s", err);
    assert_int_equal(cfg.nworkloads, 2);
    assert_null(cfg.workloads[0].variant_of);
    assert_string_equal(cfg.workloads[1].variant_of, "w1");
    assert_int_equal(cfg.workloads[1].base, 0);
    assert_int_equal(cfg.workloads[1].response_phase, 0);
    pb_config_release(&cfg);
    expect_file_error("tests/configs/bad/variant_unknown.yaml",
                      "tests/configs/bad/variant_unknown.yaml:6:17: unknown workload 'w2' in "
                      "variant_of (expected one defined before 'w1_more': w1)");

    static const char base[] = "workloads:\n"
                               "  - name: a\n    file: c.py\n    phases:\n"
                               "      - {function: f, category: python}\n"
                               "      - {function: g, category: native}\n";
    static const char tail[] = "backends:\n  - {name: b, kind: none}\n";
    char text[2048];
    snprintf(text, sizeof(text), "%s  - name: v\n    file: c.py\n    variant_of: a\n"
             "    response_phase: g\n    phases:\n      - {function: f, category: python}\n"
             "      - {function: g, args: [2], category: native}\n%s", base, tail);
    assert_int_equal(pb_config_load_buffer(&cfg, "t.yaml", text, strlen(text), err,
                                           sizeof(err)), 0);
    assert_string_equal(cfg.workloads[1].variant_of, "a");
    assert_int_equal(cfg.workloads[1].base, 0);
    assert_int_equal(cfg.workloads[1].response_phase, 1);
    pb_config_release(&cfg);

    /* unknown base, with the workloads defined before it */
    snprintf(text, sizeof(text), "%s  - name: v\n    file: c.py\n    variant_of: x\n"
             "    response_phase: g\n    phases:\n      - {function: f, category: python}\n"
             "      - {function: g, category: native}\n%s", base, tail);
    expect_error(text, "t.yaml:9:17: unknown workload 'x' in variant_of (expected one defined "
                       "before 'v': a)");
    /* a base defined after its variant is unknown where the variant names it */
    expect_error("workloads:\n  - name: v\n    file: c.py\n    variant_of: a\n"
                 "    response_phase: f\n    phases:\n      - {function: f, category: python}\n"
                 "  - name: a\n    file: c.py\n    phases:\n"
                 "      - {function: f, category: python}\n",
                 "t.yaml:4:17: unknown workload 'a' in variant_of (expected one defined "
                 "before 'v': none)");
    snprintf(text, sizeof(text), "%s  - name: v\n    file: c.py\n    variant_of: v\n"
             "    response_phase: g\n    phases:\n      - {function: f, category: python}\n"
             "      - {function: g, category: native}\n%s", base, tail);
    expect_error(text, "t.yaml:9:17: workload 'v' cannot be a variant of itself");
    /* the response phase must be one of the workload's phases */
    snprintf(text, sizeof(text), "%s  - name: v\n    file: c.py\n    variant_of: a\n"
             "    response_phase: h\n    phases:\n      - {function: f, category: python}\n"
             "      - {function: g, category: native}\n%s", base, tail);
    expect_error(text, "t.yaml:10:21: unknown phase 'h' in response_phase of workload 'v' "
                       "(expected: f, g)");
    /* the same phase functions, in the same order */
    snprintf(text, sizeof(text), "%s  - name: v\n    file: c.py\n    variant_of: a\n"
             "    response_phase: g\n    phases:\n      - {function: f, category: python}\n"
             "      - {function: h, category: native}\n%s", base, tail);
    expect_error(text, "t.yaml:13:9: variant 'v' and its base 'a' must have the same phase "
                       "functions: phase 2 is 'h' here, 'g' in 'a'");
    snprintf(text, sizeof(text), "%s  - name: v\n    file: c.py\n    variant_of: a\n"
             "    response_phase: f\n    phases:\n      - {function: f, category: python}\n%s",
             base, tail);
    expect_error(text, "t.yaml:12:7: variant 'v' and its base 'a' must have the same phase "
                       "functions: phases: 1 here, 2 in 'a'");
    /* the two keys go together */
    snprintf(text, sizeof(text), "%s  - name: v\n    file: c.py\n    variant_of: a\n"
             "    phases:\n      - {function: f, category: python}\n"
             "      - {function: g, category: native}\n%s", base, tail);
    expect_error(text, "t.yaml:7:5: workload 'v' has variant_of but no response_phase (the "
                       "phase whose work differs from 'a')");
    snprintf(text, sizeof(text), "%s  - name: v\n    file: c.py\n    response_phase: g\n"
             "    phases:\n      - {function: f, category: python}\n"
             "      - {function: g, category: native}\n%s", base, tail);
    expect_error(text, "t.yaml:9:21: response_phase goes with variant_of: workload 'v' is not "
                       "a variant of another");
    snprintf(text, sizeof(text), "%s  - name: v\n    file: c.py\n    variant_of: [a]\n"
             "    response_phase: g\n    phases:\n      - {function: f, category: python}\n"
             "      - {function: g, category: native}\n%s", base, tail);
    expect_error(text, "t.yaml:9:17: variant_of must be a single value, got a list");
    /* no chains, no main-only bases or variants */
    snprintf(text, sizeof(text), "%s  - name: v\n    file: c.py\n    variant_of: a\n"
             "    response_phase: g\n    phases:\n      - {function: f, category: python}\n"
             "      - {function: g, category: native}\n"
             "  - name: vv\n    file: c.py\n    variant_of: v\n"
             "    response_phase: g\n    phases:\n      - {function: f, category: python}\n"
             "      - {function: g, category: native}\n%s", base, tail);
    expect_error(text, "t.yaml:16:17: variant_of must name a base workload: 'v' is itself a "
                       "variant of 'a'");
    expect_error("workloads:\n  - name: m\n    file: c.py\n    main: run\n"
                 "  - name: v\n    file: c.py\n    variant_of: m\n    response_phase: run\n"
                 "    phases:\n      - {function: run, category: python}\n",
                 "t.yaml:7:17: workload 'm' in variant_of has main, not phases: there is no "
                 "phase to compare");
    snprintf(text, sizeof(text), "%s  - name: v\n    file: c.py\n    variant_of: a\n"
             "    main: run\n%s", base, tail);
    expect_error(text, "t.yaml:7:5: workload 'v' has main and a variant key: a variant needs "
                       "phases to compare");
    expect_error("workloads:\n  - name: w\n    file: c.py\n    variant_off: a\n",
                 "t.yaml:4:5: unknown key 'variant_off' in workload 'w'; did you mean "
                 "'variant_of'?");
}

/* Unknown backend kinds are answered with a suggestion or the list. */
/* A backend's `workloads:`: the cells it runs, names checked once the whole
 * config is loaded (a backend may come before its workloads). */
static void test_backend_workloads(void **state)
{
    (void)state;
    static const char good[] = "backends:\n"
                               "  - {name: slow, kind: none, workloads: [w2]}\n"
                               "  - {name: all, kind: none}\n"
                               "workloads:\n"
                               "  - {name: w1, file: w.py, phases: [{function: f, category: python}]}\n"
                               "  - {name: w2, file: w.py, phases: [{function: f, category: python}]}\n";
    struct pb_config cfg;
    char err[PB_ERRLEN];
    if (pb_config_load_buffer(&cfg, "t.yaml", good, strlen(good), err, sizeof(err)) < 0)
        fail_msg("%s", err);
    assert_int_equal(cfg.backends[0].nworkloads, 1);
    assert_false(pb_backend_runs_workload(&cfg.backends[0], "w1"));
    assert_true(pb_backend_runs_workload(&cfg.backends[0], "w2"));
    assert_true(pb_backend_runs_workload(&cfg.backends[1], "w1"));
    assert_true(pb_backend_runs_workload(&cfg.backends[1], "w2"));
    pb_config_release(&cfg);

    char text[1024];
    snprintf(text, sizeof(text), "%s    workloads: [zzz]\n", prefix);
    expect_error(text, "t.yaml:10:17: in backend 'b': no workload 'zzz' in this config "
                       "(expected: w)");
    snprintf(text, sizeof(text), "%s    workloads: [ww]\n", prefix);
    expect_error(text, "t.yaml:10:17: in backend 'b': no workload 'ww' in this config "
                       "(did you mean 'w'?)");
    snprintf(text, sizeof(text), "%s    workloads: [w, w]\n", prefix);
    expect_error(text, "t.yaml:10:20: in backend 'b': workload 'w' listed twice");
    snprintf(text, sizeof(text), "%s    workloads: w\n", prefix);
    expect_error(text, "t.yaml:10:16: in backend 'b': workloads must be a non-empty list of "
                       "workload names, got a scalar");
    snprintf(text, sizeof(text), "%s    workloads: []\n", prefix);
    expect_error(text, "t.yaml:10:16: in backend 'b': workloads must be a non-empty list of "
                       "workload names, got a list");
    snprintf(text, sizeof(text), "%s    workloads: [[w]]\n", prefix);
    expect_error(text, "t.yaml:10:17: workloads entry must be a single value, got a list");
}

static void test_unknown_kind(void **state)
{
    (void)state;
    expect_error("backends:\n  - name: s\n    kind: samplin\n",
                 "t.yaml:3:11: unknown backend kind 'samplin' (did you mean 'sampling'?)");
    expect_error("backends:\n  - name: s\n    kind: zzzzzzzz\n",
                 "t.yaml:3:11: unknown backend kind 'zzzzzzzz' (expected: none, withopts, "
                 "sampling, listy)");
    expect_error("backends:\n  - name: s\n", "t.yaml:2:5: backend 's' has no kind");
}

/* Hostile YAML: duplicate keys, syntax errors, aliases, nesting, two documents. */
static void test_hostile_yaml(void **state)
{
    (void)state;
    expect_error("defaults:\n  rounds: 3\n  rounds: 4\n",
                 "t.yaml:3:3: duplicate key 'rounds' in defaults");
    expect_error("defaults: [1, 2\n",
                 "t.yaml:2:1: yaml syntax error: did not find expected ',' or ']' while "
                 "parsing a flow sequence");
    /* billion laughs: rejected at the first alias, before any expansion */
    clock_t t0 = clock();
    expect_error("a: &a [x, x, x, x, x, x, x, x, x]\n"
                 "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                 "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
                 "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n",
                 "t.yaml:2:8: aliases (*name) are not supported");
    assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 1.0);
    char *deep = pb_xmalloc(20002);
    memset(deep, '[', 10000);
    memset(deep + 10000, ']', 10000);
    deep[20000] = '\n';
    deep[20001] = '\0';
    struct pb_config cfg;
    char err[PB_ERRLEN];
    assert_int_equal(pb_config_load_buffer(&cfg, "t.yaml", deep, 20001, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "t.yaml:1:"));
    free(deep);
    expect_error("defaults: {}\n---\ndefaults: {}\n",
                 "t.yaml:2:1: a config holds one YAML document, found another");
    char *huge = pb_xmalloc(4 << 20);
    memset(huge, 'x', (4 << 20) - 1);
    memcpy(huge, "zz: ", 4);
    huge[(4 << 20) - 1] = '\0';
    expect_error(huge, "t.yaml:1:1: unknown key 'zz' in the config (expected: include, "
                       "interpreters, defaults, workloads, backends, paper)");
    free(huge);
}

/* Files: empty, a directory, invalid UTF-8, missing, includes that fail. */
static void test_bad_files(void **state)
{
    (void)state;
    expect_file_error("tests/configs/bad/empty.yaml", "tests/configs/bad/empty.yaml:1:1: "
                      "empty config");
    expect_file_error("tests/configs/bad", "cannot open 'tests/configs/bad': is a directory");
    expect_file_error("tests/configs/bad/utf8.yaml", "tests/configs/bad/utf8.yaml:2:");
    expect_file_error("tests/configs/bad/utf8.yaml", "invalid");
    expect_file_error("tests/configs/nope.yaml", "cannot open 'tests/configs/nope.yaml': No "
                      "such file or directory");
    expect_file_error("tests/configs/bad/missing_include.yaml",
                      "tests/configs/bad/missing_include.yaml:3:10: cannot open include "
                      "'nowhere.yaml': No such file or directory");
    expect_file_error("tests/configs/bad/cycle_a.yaml", "include cycle: ");
    expect_file_error("tests/configs/bad/cycle_a.yaml", "cycle_a.yaml -> ");
    expect_file_error("tests/configs/bad/inner_error.yaml",
                      "tests/configs/bad/inner_bad.yaml:2:11: rounds must be at least 1, got 0");
}

/* `paper:` names a paper table's data file (paper.h), read at load and
 * resolved against the config's folder; a bad one fails the load at the key. */
static void test_paper_key(void **state)
{
    (void)state;
    const char *good = "paper: configs/papers/scalene-osdi23.txt\n"
                       "workloads:\n  - {name: w, file: x.py, main: f}\n"
                       "backends:\n  - {name: b, kind: none}\n";
    struct pb_config cfg;
    char err[PB_ERRLEN] = "";
    if (pb_config_load_buffer(&cfg, "t.yaml", good, strlen(good), err, sizeof(err)) < 0)
        fail_msg("%s", err);
    assert_non_null(cfg.paper);
    assert_int_equal(cfg.paper->nrows, 12);
    assert_true(cfg.paper_path[0] == '/');
    assert_non_null(strstr(cfg.paper_path, "/configs/papers/scalene-osdi23.txt"));
    pb_config_release(&cfg);
    const char *bad = "workloads:\n  - {name: w, file: x.py, main: f}\n"
                      "backends:\n  - {name: b, kind: none}\npaper: nowhere.txt\n";
    assert_int_equal(pb_config_load_buffer(&cfg, "t.yaml", bad, strlen(bad), err,
                                           sizeof(err)), -1);
    if (strncmp(err, "t.yaml:5:8: paper: /", 20) || !strstr(err, "nowhere.txt: No such file"))
        fail_msg("got: %s", err);
    expect_error("paper: [a]\n", "t.yaml:1:8: paper must be a single value, got a list");
}

/* Argument literals: tuples, escaping, scaling. */
static void test_args_literal(void **state)
{
    (void)state;
    struct pb_arg args[4] = {
        { PB_ARG_INT, 3, 0, NULL },
        { PB_ARG_FLOAT, 0, 0.1, NULL },
        { PB_ARG_STRING, 0, 0, "a\nb\\" },
        { PB_ARG_BOOL, 0, 0, NULL },
    };
    struct pb_phase ph = { "f", args, 4, PB_CAT_PYTHON, NULL, 0 };
    char *s = pb_phase_args_literal(&ph, 1.0);
    assert_string_equal(s, "(3, 0.1, 'a\\x0ab\\\\', False)");
    free(s);
    s = pb_phase_args_literal(&ph, 0.1);
    assert_string_equal(s, "(1, 0.010000000000000002, 'a\\x0ab\\\\', False)");
    free(s);
    ph.nargs = 1;
    s = pb_phase_args_literal(&ph, 1.0);
    assert_string_equal(s, "(3,)");
    free(s);
    ph.nargs = 0;
    s = pb_phase_args_literal(&ph, 1.0);
    assert_string_equal(s, "()");
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_config),
        cmocka_unit_test(test_unknown_keys),
        cmocka_unit_test(test_types_and_ranges),
        cmocka_unit_test(test_workload_errors),
        cmocka_unit_test(test_main_workloads),
        cmocka_unit_test(test_script_argv),
        cmocka_unit_test(test_check_functions),
        cmocka_unit_test(test_variants),
        cmocka_unit_test(test_backend_workloads),
        cmocka_unit_test(test_unknown_kind),
        cmocka_unit_test(test_hostile_yaml),
        cmocka_unit_test(test_bad_files),
        cmocka_unit_test(test_args_literal),
        cmocka_unit_test(test_list_and_path_options),
        cmocka_unit_test(test_paper_key),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
