/* test_interpreter.c: the interpreter axis. The `interpreters:` key, the
 * matrix repeated per interpreter, finding and placing interpreters (worker
 * and venv of each), and compare pairing cells by interpreter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <patchlevel.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../harness/compare.h"
#include "../../harness/config.h"
#include "../../harness/interpreter.h"
#include "../../harness/json_parse.h"
#include "../../harness/results.h"
#include "../../harness/util.h"

static const char workloads_yaml[] =
    "workloads:\n"
    "  - name: base\n"
    "    file: w.py\n"
    "    phases: [{function: f1, category: python}, {function: f2, category: native}]\n"
    "  - name: more\n"
    "    variant_of: base\n"
    "    response_phase: f1\n"
    "    file: w.py\n"
    "    phases: [{function: f1, category: python}, {function: f2, category: native}]\n"
    "backends:\n"
    "  - {name: none, kind: none}\n";

static int load(struct pb_config *cfg, const char *head, char *err, size_t errlen)
{
    struct pb_strbuf sb = PB_STRBUF_INIT;
    pb_strbuf_addf(&sb, "%s%s", head, workloads_yaml);
    int rc = pb_config_load_buffer(cfg, "t.yaml", sb.buf, sb.len, err, errlen);
    pb_strbuf_release(&sb);
    return rc;
}

/* The key: a list or one name; paths made absolute against the config's
 * folder; none: no interpreter named (the pinned one). */
static void test_config_key(void **state)
{
    (void)state;
    struct pb_config cfg;
    char err[PB_ERRLEN], cwd[4096];
    assert_non_null(getcwd(cwd, sizeof(cwd)));
    assert_int_equal(load(&cfg, "interpreters: [python3.12, ../venvs/v1, /opt/py/bin/python3]\n",
                          err, sizeof(err)), 0);
    assert_int_equal(cfg.ninterpreters, 3);
    assert_string_equal(cfg.interpreters[0], "python3.12");
    char want[4200];
    const char *up = strrchr(cwd, '/');
    snprintf(want, sizeof(want), "%.*s/venvs/v1", (int)(up - cwd), cwd);
    assert_string_equal(cfg.interpreters[1], up == cwd ? "/venvs/v1" : want);
    assert_string_equal(cfg.interpreters[2], "/opt/py/bin/python3");
    assert_int_equal(pb_config_interpreter_count(&cfg), 3);
    pb_config_release(&cfg);

    assert_int_equal(load(&cfg, "interpreters: python3.13\n", err, sizeof(err)), 0);
    assert_int_equal(cfg.ninterpreters, 1);
    assert_string_equal(cfg.interpreters[0], "python3.13");
    pb_config_release(&cfg);

    assert_int_equal(load(&cfg, "", err, sizeof(err)), 0);
    assert_int_equal(cfg.ninterpreters, 0);
    assert_int_equal(pb_config_interpreter_count(&cfg), 1);
    pb_config_release(&cfg);

    static const struct { const char *yaml, *msg; } bad[] = {
        { "interpreters: []\n", "t.yaml:1:15: interpreters is an empty list" },
        { "interpreters: [python3.12, python3.12]\n",
          "t.yaml:1:28: interpreter 'python3.12' named twice" },
        { "interpreters: {a: 1}\n", "t.yaml:1:15: interpreters must be a name or a list" },
        { "interpreters: [[x]]\n", "t.yaml:1:16: an interpreter must be a single value" },
        { "interpreters: ['']\n", "t.yaml:1:16: an interpreter needs a name or a path" },
        { "interpreter: [python3.12]\n", "did you mean 'interpreters'?" },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (load(&cfg, bad[i].yaml, err, sizeof(err)) == 0)
            fail_msg("accepted %s", bad[i].yaml);
        if (!strstr(err, bad[i].msg))
            fail_msg("%s: got '%s', want '%s'", bad[i].yaml, err, bad[i].msg);
    }
}

/* Two interpreters: every workload twice, interpreter-major, a variant's
 * base on its own interpreter, one copy owning the strings; --interpreter's
 * list replaces the config's. */
static void test_expand(void **state)
{
    (void)state;
    struct pb_config cfg;
    char err[PB_ERRLEN];
    assert_int_equal(load(&cfg, "interpreters: [python3.11]\n", err, sizeof(err)), 0);
    const char *names[] = { "python3.11", "python3.13" };
    pb_config_set_interpreters(&cfg, names, 2);
    pb_config_expand_interpreters(&cfg);
    assert_int_equal(cfg.nworkloads, 4);
    assert_int_equal(cfg.per_interpreter, 2);
    static const char *const want[] = { "base", "more", "base", "more" };
    for (size_t w = 0; w < 4; w++) {
        assert_string_equal(cfg.workloads[w].name, want[w]);
        assert_int_equal(cfg.workloads[w].interp, w / 2);
        assert_int_equal(cfg.workloads[w].borrowed, w >= 2);
    }
    assert_int_equal(cfg.workloads[1].base, 0);
    assert_int_equal(cfg.workloads[3].base, 2);
    assert_ptr_equal(pb_config_workload_on(&cfg, "more", 1), &cfg.workloads[3]);
    assert_ptr_equal(pb_config_workload_on(&cfg, "base", 0), &cfg.workloads[0]);
    assert_null(pb_config_workload_on(&cfg, "base", 2));

    /* The results: one interpreter record each, availability per interpreter,
     * labels naming the interpreter. */
    struct pb_results res;
    pb_results_init(&res, &cfg);
    assert_int_equal(res.ninterps, 2);
    assert_string_equal(res.interps[1].name, "python3.13");
    assert_int_equal(pb_results_avail(&res, 3, 0), 1 * cfg.nbackends + 0);
    assert_ptr_equal(pb_results_interp(&res, 2), &res.interps[1]);
    snprintf(res.interps[1].version, sizeof(res.interps[1].version), "3.13.0");
    char label[256];
    pb_workload_label(&res, 3, label, sizeof(label));
    assert_string_equal(label, "more on python3.13 (3.13.0)");
    pb_workload_file_label(&res, 3, label, sizeof(label));
    assert_string_equal(label, "more@python3.13");
    pb_results_release(&res);
    pb_config_release(&cfg);

    /* One interpreter: nothing repeated, labels are the names. */
    assert_int_equal(load(&cfg, "", err, sizeof(err)), 0);
    pb_config_expand_interpreters(&cfg);
    assert_int_equal(cfg.nworkloads, 2);
    pb_results_init(&res, &cfg);
    assert_int_equal(res.ninterps, 1);
    assert_string_equal(res.interps[0].name, pb_interpreter_pinned_name());
    pb_workload_label(&res, 1, label, sizeof(label));
    assert_string_equal(label, "more");
    pb_results_release(&res);
    pb_config_release(&cfg);
}

/* What interpreter_info.py prints, read back; what the harness cannot run
 * says why. */
static void test_parse_info(void **state)
{
    (void)state;
    struct pb_interpreter ip;
    memset(&ip, 0, sizeof(ip));
    snprintf(ip.name, sizeof(ip.name), "v");
    const char *venv = "{\"implementation\": \"cpython\", \"version\": \"3.12.1\", \"major\": 3, "
                       "\"minor\": 12, \"executable\": \"/v/bin/python\", \"prefix\": \"/v\", "
                       "\"base_prefix\": \"/root/.pyenv/versions/3.12.1\", \"site_packages\": "
                       "[\"/v/lib/python3.12/site-packages\"]}";
    assert_int_equal(pb_interpreter_parse_info(venv, &ip), 0);
    assert_string_equal(ip.version, "3.12.1");
    assert_int_equal(ip.minor, 12);
    assert_true(ip.is_venv);
    assert_string_equal(ip.site_packages, "/v/lib/python3.12/site-packages");
    const char *plain = "{\"implementation\": \"cpython\", \"version\": \"3.13.0\", \"major\": 3, "
                        "\"minor\": 13, \"prefix\": \"/p\", \"base_prefix\": \"/p\"}";
    assert_int_equal(pb_interpreter_parse_info(plain, &ip), 0);
    assert_false(ip.is_venv);
    static const struct { const char *json, *msg; } bad[] = {
        { "{\"major\": 2, \"minor\": 7, \"version\": \"2.7.18\"}",
          "v is Python 2.7.18; the harness runs CPython 3.9 or newer" },
        { "{\"implementation\": \"pypy\", \"major\": 3, \"minor\": 10, \"version\": \"3.10.14\"}",
          "v is pypy 3.10.14, not CPython" },
        { "{\"version\": \"3.12.1\"}", "v did not say its version" },
        { "Traceback (most recent call last):", "v did not say what it is" },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(pb_interpreter_parse_info(bad[i].json, &ip), -1);
        if (!strstr(ip.why, bad[i].msg))
            fail_msg("got '%s', want '%s'", ip.why, bad[i].msg);
    }
}

static void touch_exec(const char *path)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("#!/bin/sh\n", f);
    fclose(f);
    assert_int_equal(chmod(path, 0755), 0);
}

/* Worker and venv of an interpreter: this binary's X.Y runs here; another
 * X.Y needs its worker; the venv is the user's, else VENV-X.Y, else the
 * interpreter's own prefix. */
static void test_place(void **state)
{
    (void)state;
    char dir[] = "/tmp/pb-test-interp-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char p[700], venv[100];
    struct pb_interpreter ip;
    memset(&ip, 0, sizeof(ip));
    snprintf(ip.name, sizeof(ip.name), "python3.99");
    snprintf(ip.prefix, sizeof(ip.prefix), "/opt/py399");
    snprintf(ip.base_prefix, sizeof(ip.base_prefix), "/opt/py399");
    ip.major = 3;
    ip.minor = 99;
    snprintf(venv, sizeof(venv), "%s/venv", dir);
    assert_int_equal(pb_interpreter_place(&ip, dir, venv), -1);
    assert_false(ip.usable);
    snprintf(p, sizeof(p), "no worker for python3.99: %s/3.99/pyprof-bench was not built", dir);
    if (!strstr(ip.why, p))
        fail_msg("got '%s'", ip.why);

    snprintf(p, sizeof(p), "%s/3.99", dir);
    assert_int_equal(mkdir(p, 0755), 0);
    snprintf(p, sizeof(p), "%s/3.99/pyprof-bench", dir);
    touch_exec(p);
    assert_int_equal(pb_interpreter_place(&ip, dir, venv), 0);
    assert_true(ip.usable);
    assert_string_equal(ip.worker, p);
    assert_string_equal(ip.venv, "/opt/py399");   /* no venv-3.99: its own prefix */

    char vbin[600];
    snprintf(vbin, sizeof(vbin), "%s-3.99", venv);
    assert_int_equal(mkdir(vbin, 0755), 0);
    snprintf(vbin, sizeof(vbin), "%s-3.99/bin", venv);
    assert_int_equal(mkdir(vbin, 0755), 0);
    snprintf(vbin, sizeof(vbin), "%s-3.99/bin/python3.99", venv);
    touch_exec(vbin);
    assert_int_equal(pb_interpreter_place(&ip, dir, venv), 0);
    snprintf(p, sizeof(p), "%s-3.99", venv);
    assert_string_equal(ip.venv, p);               /* the profilers' venv of 3.99 */

    ip.is_venv = 1;                                /* the user's own venv wins */
    assert_int_equal(pb_interpreter_place(&ip, dir, venv), 0);
    assert_string_equal(ip.venv, "/opt/py399");

    ip.is_venv = 0;                                /* this binary's X.Y: no worker to find */
    ip.major = PY_MAJOR_VERSION;
    ip.minor = PY_MINOR_VERSION;
    assert_int_equal(pb_interpreter_place(&ip, dir, venv), 0);
    assert_true(ip.pinned);
    assert_string_equal(ip.worker, "");
    assert_string_equal(ip.venv, venv);

    unlink(vbin);
    snprintf(p, sizeof(p), "%s-3.99/bin", venv);
    rmdir(p);
    snprintf(p, sizeof(p), "%s-3.99", venv);
    rmdir(p);
    snprintf(p, sizeof(p), "%s/3.99/pyprof-bench", dir);
    unlink(p);
    snprintf(p, sizeof(p), "%s/3.99", dir);
    rmdir(p);
    rmdir(dir);
}

/* Finding: the pinned executable runs and says its version; names and paths
 * that lead nowhere say so. */
static void test_resolve(void **state)
{
    (void)state;
    struct pb_interpreter ip;
    pb_interpreter_pinned(30, &ip);
    assert_true(ip.usable && ip.pinned);
    assert_string_equal(ip.name, pb_interpreter_pinned_name());
    assert_int_equal(ip.major, PY_MAJOR_VERSION);
    assert_int_equal(ip.minor, PY_MINOR_VERSION);

    assert_int_equal(pb_interpreter_resolve("python3.99-nowhere", 30, &ip), -1);
    assert_string_equal(ip.why, "python3.99-nowhere not found on PATH or in pyenv");
    assert_int_equal(pb_interpreter_resolve("/nonexistent/bin/python3", 30, &ip), -1);
    assert_string_equal(ip.why, "/nonexistent/bin/python3: not found");
    assert_int_equal(pb_interpreter_resolve("/tmp", 30, &ip), -1);
    assert_string_equal(ip.why, "/tmp is a folder without bin/python (not a virtual "
                                "environment)");
    /* An executable that is not Python: its exit status and last words. */
    assert_int_equal(pb_interpreter_resolve("/bin/false", 30, &ip), -1);
    assert_non_null(strstr(ip.why, "/bin/false (/bin/false) cannot run: exit status 1"));
}

/* A result doc with one cell per (workload, backend, interpreter); NULL
 * interpreter: a file from before the axis. ratios: 10 rounds around r. */
static void doc_cell(struct pb_strbuf *sb, const char *w, const char *ip, double r)
{
    pb_strbuf_addf(sb, "%s{\"workload\": \"%s\", \"backend\": \"b\", \"status\": \"ok\"",
                   sb->buf && sb->buf[sb->len - 1] == '}' ? ", " : "", w);
    if (ip)
        pb_strbuf_addf(sb, ", \"interpreter\": \"%s\"", ip);
    pb_strbuf_adds(sb, ", \"wall_ratios\": [");
    for (int i = 0; i < 10; i++)
        pb_strbuf_addf(sb, "%s%.4f", i ? ", " : "", r * (1 + 0.005 * (i % 5 - 2)));
    pb_strbuf_adds(sb, "]}");
}

static void parse_doc(struct pb_strbuf *cells, struct pb_jval *out)
{
    struct pb_strbuf sb = PB_STRBUF_INIT;
    pb_strbuf_addf(&sb, "{\"python\": \"3.11.2\", \"machine\": {\"cpu_model\": \"x\"}, "
                   "\"config\": {\"path\": \"c.yaml\", \"hash\": \"h\"}, \"summary\": [%s]}",
                   cells->buf ? cells->buf : "");
    char err[PB_ERRLEN];
    if (pb_json_parse(sb.buf, sb.len, out, err, sizeof(err)) < 0)
        fail_msg("%s: %s", err, sb.buf);
    pb_strbuf_release(&sb);
    pb_strbuf_release(cells);
}

/* compare pairs cells by interpreter: a slowdown on one interpreter is
 * that interpreter's regression, not hidden by the other's; a file that
 * names no interpreter is the pinned one's. */
static void test_compare_pairs(void **state)
{
    (void)state;
    struct pb_strbuf b = PB_STRBUF_INIT, n = PB_STRBUF_INIT;
    const char *pinned = pb_interpreter_pinned_name();
    /* another interpreter than this build's pinned one */
    const char *other = strcmp(pinned, "python3.13") ? "python3.13" : "python3.12";
    doc_cell(&b, "w", pinned, 1.5);
    doc_cell(&b, "w", other, 1.2);
    doc_cell(&n, "w", other, 1.5);    /* the other's ratio went up 25% */
    doc_cell(&n, "w", pinned, 1.2);   /* the pinned one's down */
    struct pb_jval base, now;
    parse_doc(&b, &base);
    parse_doc(&n, &now);
    char err[PB_ERRLEN];
    char *outbuf = NULL, *errbuf = NULL;
    size_t outlen = 0, errlen = 0;
    FILE *out = open_memstream(&outbuf, &outlen), *eout = open_memstream(&errbuf, &errlen);
    struct pb_compare_opts o = { 0.05, 0, NULL, NULL };
    assert_int_equal(pb_compare_run(&base, &now, &o, out, eout, err, sizeof(err)), 3);
    fclose(out);
    fclose(eout);
    assert_non_null(strstr(outbuf, "interpreter"));
    char want[64];
    snprintf(want, sizeof(want), "regression: w / b / %s:", other);
    assert_non_null(strstr(errbuf, want));
    assert_null(strstr(errbuf, pinned));
    free(outbuf);
    free(errbuf);
    pb_jval_release(&base);
    pb_jval_release(&now);

    /* An older base without interpreter fields pairs with the pinned cells. */
    doc_cell(&b, "w", NULL, 1.5);
    doc_cell(&n, "w", pinned, 1.5);
    parse_doc(&b, &base);
    parse_doc(&n, &now);
    out = open_memstream(&outbuf, &outlen);
    eout = open_memstream(&errbuf, &errlen);
    assert_int_equal(pb_compare_run(&base, &now, &o, out, eout, err, sizeof(err)), 0);
    fclose(out);
    fclose(eout);
    assert_non_null(strstr(outbuf, "pass"));
    assert_null(strstr(outbuf, "interpreter"));   /* one interpreter: no column */
    free(outbuf);
    free(errbuf);
    pb_jval_release(&base);
    pb_jval_release(&now);

    /* The same cell on another interpreter only: nothing in common. */
    doc_cell(&b, "w", "python3.12", 1.5);
    doc_cell(&n, "w", "python3.13", 1.5);
    parse_doc(&b, &base);
    parse_doc(&n, &now);
    out = fopen("/dev/null", "w");
    assert_int_equal(pb_compare_run(&base, &now, &o, out, out, err, sizeof(err)), 2);
    fclose(out);
    assert_non_null(strstr(err, "no workload / backend cell in common"));
    pb_jval_release(&base);
    pb_jval_release(&now);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_key),
        cmocka_unit_test(test_expand),
        cmocka_unit_test(test_parse_info),
        cmocka_unit_test(test_place),
        cmocka_unit_test(test_resolve),
        cmocka_unit_test(test_compare_pairs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
