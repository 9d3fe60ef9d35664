/*
 * main.c: the pyprof-bench command line. Parses options, loads the config,
 * probes the backends, runs the matrix through the runner, and writes the
 * result files and the terminal table. The worker mode (--worker, internal)
 * is dispatched to worker_main.c before anything else.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "charts.h"
#include "compare.h"
#include "config.h"
#include "fault.h"
#include "instr.h"
#include "json_parse.h"
#include "merge.h"
#include "estimators.h"
#include "output_dir.h"
#include "results.h"
#include "runner.h"
#include "shard.h"
#include "util.h"
#include "worker.h"
#include "worker_main.h"
#include "writers.h"

#ifndef PB_VERSION
#define PB_VERSION "dev"
#endif
#ifndef PB_GIT_REV
#define PB_GIT_REV "unknown"
#endif

enum { EXIT_OK = 0, EXIT_RUNS_FAILED = 1, EXIT_USAGE = 2, EXIT_INTERRUPTED = 130 };

static const char usage_text[] =
    "usage: pyprof-bench [options] CONFIG.yaml [options]\n"
    "       pyprof-bench [options] run SCRIPT [ARGS...]\n"
    "       pyprof-bench [options] SCRIPT.py [ARGS...]\n"
    "       pyprof-bench compare [--threshold P] [--force] [--quiet] BASE NEW\n"
    "       pyprof-bench merge [--out DIR] [--config FILE] [--force] SHARD_DIR...\n"
    "       pyprof-bench estimators [--pair BURN:BASE] RESULTS.json\n"
    "\n"
    "Runs every workload of CONFIG under every backend in fresh worker processes,\n"
    "measures ground truth and overhead, and writes results.json, summary.csv and\n"
    "summary.md into the result folder. Options may come before or after CONFIG;\n"
    "'--' ends them.\n"
    "\n"
    "run SCRIPT [ARGS...] (or a bare SCRIPT.py): benchmark a plain Python script,\n"
    "run as __main__ with sys.argv [SCRIPT, ARGS...], under the default backends\n"
    "(none, sampling, deterministic, cprofile), with no config; everything after\n"
    "SCRIPT is the script's.\n"
    "\n"
    "options:\n"
    "  --list                 list the config's workloads and backends (those of\n"
    "                         --only-*), with whether each backend can run on this\n"
    "                         machine (and why not)\n"
    "  --out DIR              result folder (default: a new timestamped folder under\n"
    "                         the config's defaults.output, 'results')\n"
    "  --only-backend NAME    run only this backend; repeatable\n"
    "  --only-workload NAME   run only this workload; repeatable\n"
    "  --interpreter NAME     run every cell on this interpreter, in place of the\n"
    "                         config's interpreters (default: the pinned one):\n"
    "                         a name on PATH or in pyenv (python3.13), or the path\n"
    "                         of an executable or of a virtual environment;\n"
    "                         repeatable\n"
    "  --rounds N             measured rounds per cell, overriding the config (with\n"
    "                         --precision: the least number of rounds)\n"
    "  --precision P          add rounds to each cell until its wall-overhead interval\n"
    "                         is within +-P of the ratio (5% or 0.05), up to the\n"
    "                         config's max_rounds (default 40) or --max-time\n"
    "  --max-time D           stop adding rounds after D (10m, 300s; default 15m);\n"
    "                         cells still wider than P are marked 'not converged'\n"
    "  --quiet                no progress and no table on the terminal\n"
    "  --format table|md      the terminal summary: aligned tables (default) or\n"
    "                         the Markdown of summary.md, to paste into a README\n"
    "  --shard K/N            run only slice K of N of the workload x backend cells\n"
    "                         (contiguous blocks, workload-major; see README), with\n"
    "                         the baselines those cells need; merge puts them together\n"
    "  --metric wall|instructions\n"
    "                         what overheads are ratios of: wall time (default), or\n"
    "                         the region's instruction count under valgrind's\n"
    "                         callgrind (noise-free; timer-driven backends are n/a)\n"
    "  --export-profiles      backends that can (sampling) write each run's profile\n"
    "                         to DIR/profiles/ as folded stacks and speedscope JSON\n"
    "  -h, --help             this help\n"
    "  --version              version and git revision\n"
    "  --baseline BASE        after the run, compare its overheads with BASE (a\n"
    "                         results.json or its folder); exit 3 on a regression\n"
    "                         or a cell of BASE missing from this run; both need\n"
    "                         9 rounds or more (else exit 2)\n"
    "  --allow-inconclusive   with --baseline: accept fewer than 9 rounds (every\n"
    "                         cell is then inconclusive, which never fails)\n"
    "  --threshold P          smallest change that counts as a regression: 5% (default)\n"
    "  --force                compare or merge results from different machines or\n"
    "                         Pythons\n"
    "\n"
    "compare: BASE and NEW are results.json files or result folders; a cell of\n"
    "BASE that NEW lacks or did not measure fails (missing); results with no cell\n"
    "in common are refused (exit 2); --quiet prints only the failures (stderr).\n"
    "\n"
    "merge: combines the result folders of every shard of one --shard run into one\n"
    "result set (results.json, summary, charts) in --out DIR; --config FILE names\n"
    "the config they ran when its recorded path does not reach it.\n"
    "\n"
    "exit status:\n"
    "  0    every run succeeded (skipped backends do not count as failures)\n"
    "  1    some runs failed; the others are still measured and reported\n"
    "  2    usage or config error (a missing workload file or phase function\n"
    "       included), or unreadable or incomparable result files; merge: mixed\n"
    "       configs, machines, a shard twice or missing\n"
    "  3    --baseline or compare: an overhead regressed past the threshold, or a\n"
    "       cell of the base is missing\n"
    "  130  interrupted (Ctrl-C) or 143 (SIGTERM); finished runs are written\n"
    "\n"
    "environment: NO_COLOR disables colours; PB_PROBE_TIMEOUT (default 10s) bounds\n"
    "each backend's availability probe (a backend whose probe takes longer is\n"
    "skipped: \"probe of X timed out after N s\").\n";

struct cli {
    const char *config;
    const char *out;
    const char **only_backend;
    size_t n_only_backend;
    const char **only_workload;
    size_t n_only_workload;
    const char **interpreters;  /* --interpreter, in order */
    size_t n_interpreters;
    long rounds;        /* 0: from the config */
    double precision;   /* --precision; 0: from the config */
    double max_time_s;  /* --max-time; 0: from the config */
    int list;
    int quiet;
    int export_profiles;
    const char *baseline;
    double threshold;
    int force;
    int markdown;           /* --format md */
    long shard_k, shard_n;  /* --shard K/N; 0/0 when not given */
    int instructions;       /* --metric instructions */
    int compare;            /* the compare subcommand */
    int merge;              /* the merge subcommand */
    const char *merge_config;
    char **merge_dirs;
    size_t n_merge;
    const char *compare_base, *compare_new;
    int allow_inconclusive; /* --allow-inconclusive */
    const char *script;     /* run SCRIPT / SCRIPT.py: no config */
    char **script_args;     /* its sys.argv[1:] */
    size_t n_script_args;
    const char **operands;  /* the non-option arguments, in order */
    size_t n_operands;
};

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "pyprof-bench: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\nTry 'pyprof-bench --help'.\n");
    va_end(ap);
    return EXIT_USAGE;
}

/* SUB_SCRIPT: `run SCRIPT [ARGS...]` (parse_cli switches to it when the
 * first operand is "run"). */
enum subcommand { SUB_RUN, SUB_SCRIPT, SUB_COMPARE, SUB_MERGE };

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n > m && !strcmp(s + n - m, suffix);
}

static int parse_cli(int argc, char **argv, struct cli *c, int *exit_now, enum subcommand sub)
{
    enum { OPT_LIST = 256, OPT_OUT, OPT_ONLY_BACKEND, OPT_ONLY_WORKLOAD, OPT_ROUNDS,
           OPT_QUIET, OPT_VERSION, OPT_EXPORT, OPT_BASELINE, OPT_THRESHOLD, OPT_FORCE,
           OPT_FORMAT, OPT_SHARD, OPT_CONFIG, OPT_METRIC, OPT_PRECISION, OPT_MAX_TIME,
           OPT_ALLOW_INCONCLUSIVE, OPT_INTERPRETER };
    static const struct option longopts[] = {
        { "list", no_argument, NULL, OPT_LIST },
        { "out", required_argument, NULL, OPT_OUT },
        { "only-backend", required_argument, NULL, OPT_ONLY_BACKEND },
        { "only-workload", required_argument, NULL, OPT_ONLY_WORKLOAD },
        { "interpreter", required_argument, NULL, OPT_INTERPRETER },
        { "rounds", required_argument, NULL, OPT_ROUNDS },
        { "quiet", no_argument, NULL, OPT_QUIET },
        { "export-profiles", no_argument, NULL, OPT_EXPORT },
        { "baseline", required_argument, NULL, OPT_BASELINE },
        { "threshold", required_argument, NULL, OPT_THRESHOLD },
        { "force", no_argument, NULL, OPT_FORCE },
        { "format", required_argument, NULL, OPT_FORMAT },
        { "shard", required_argument, NULL, OPT_SHARD },
        { "config", required_argument, NULL, OPT_CONFIG },
        { "metric", required_argument, NULL, OPT_METRIC },
        { "precision", required_argument, NULL, OPT_PRECISION },
        { "max-time", required_argument, NULL, OPT_MAX_TIME },
        { "allow-inconclusive", no_argument, NULL, OPT_ALLOW_INCONCLUSIVE },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, OPT_VERSION },
        { NULL, 0, NULL, 0 },
    };
    memset(c, 0, sizeof(*c));
    c->threshold = 0.05;
    c->compare = sub == SUB_COMPARE;
    c->merge = sub == SUB_MERGE;
    *exit_now = -1;
    c->only_backend = pb_xcalloc((size_t)argc + 1, sizeof(char *));
    c->only_workload = pb_xcalloc((size_t)argc + 1, sizeof(char *));
    c->interpreters = pb_xcalloc((size_t)argc + 1, sizeof(char *));
    c->operands = pb_xcalloc((size_t)argc + 1, sizeof(char *));
    opterr = 0;
    int opt;
    /* Options anywhere (a leading '-': operands come back in order as 1,
     * whatever POSIXLY_CORRECT says); '--' ends them. A script ends them
     * too: what follows it is its own command line. */
    while ((opt = getopt_long(argc, argv, "-h", longopts, NULL)) != -1) {
        switch (opt) {
        case 1:
            if (sub == SUB_RUN && !c->n_operands && !strcmp(optarg, "run")) {
                sub = SUB_SCRIPT;   /* `[options] run SCRIPT [ARGS...]` */
                break;
            }
            c->operands[c->n_operands++] = optarg;
            if ((sub == SUB_SCRIPT || (sub == SUB_RUN && ends_with(optarg, ".py"))) &&
                c->n_operands == 1) {
                c->script = optarg;
                c->script_args = argv + optind;
                c->n_script_args = (size_t)(argc - optind);
                optind = argc;
            }
            break;
        case OPT_ALLOW_INCONCLUSIVE: c->allow_inconclusive = 1; break;
        case OPT_LIST: c->list = 1; break;
        case OPT_OUT: c->out = optarg; break;
        case OPT_ONLY_BACKEND: c->only_backend[c->n_only_backend++] = optarg; break;
        case OPT_ONLY_WORKLOAD: c->only_workload[c->n_only_workload++] = optarg; break;
        case OPT_INTERPRETER:
            if (!*optarg)
                return *exit_now = usage_error("--interpreter needs a name or a path");
            for (size_t i = 0; i < c->n_interpreters; i++)
                if (!strcmp(c->interpreters[i], optarg))
                    return *exit_now = usage_error("--interpreter %s given twice", optarg);
            c->interpreters[c->n_interpreters++] = optarg;
            break;
        case OPT_ROUNDS:
            if (pb_parse_long(optarg, &c->rounds) < 0 || c->rounds < 1 || c->rounds > 100000)
                return *exit_now = usage_error("--rounds needs an integer from 1 to 100000, "
                                               "got '%s'", optarg);
            break;
        case OPT_QUIET: c->quiet = 1; break;
        case OPT_EXPORT: c->export_profiles = 1; break;
        case OPT_BASELINE: c->baseline = optarg; break;
        case OPT_FORCE: c->force = 1; break;
        case OPT_FORMAT:
            if (!strcmp(optarg, "md") || !strcmp(optarg, "markdown"))
                c->markdown = 1;
            else if (strcmp(optarg, "table"))
                return *exit_now = usage_error("--format is table or md, got '%s'", optarg);
            break;
        case OPT_METRIC:
            if (!strcmp(optarg, "instructions"))
                c->instructions = 1;
            else if (strcmp(optarg, "wall"))
                return *exit_now = usage_error("--metric is wall or instructions, got '%s'",
                                               optarg);
            break;
        case OPT_CONFIG:
            if (!c->merge)
                return *exit_now = usage_error("--config is an option of merge");
            c->merge_config = optarg;
            break;
        case OPT_SHARD: {
            char why[PB_ERRLEN];
            if (pb_shard_parse(optarg, &c->shard_k, &c->shard_n, why, sizeof(why)) < 0)
                return *exit_now = usage_error("%s", why);
            break;
        }
        case OPT_THRESHOLD:
            if (pb_parse_fraction(optarg, &c->threshold) < 0)
                return *exit_now = usage_error("--threshold needs a percentage such as 5%% or "
                                               "0.05, got '%s'", optarg);
            break;
        case OPT_PRECISION:
            if (pb_parse_fraction(optarg, &c->precision) < 0 || !(c->precision > 0))
                return *exit_now = usage_error("--precision needs a percentage more than 0 such "
                                               "as 5%% or 0.05, got '%s'", optarg);
            break;
        case OPT_MAX_TIME: {
            char why[PB_ERRLEN];
            if (pb_parse_duration(optarg, &c->max_time_s, why, sizeof(why)) < 0 ||
                !(c->max_time_s > 0))
                return *exit_now = usage_error("--max-time needs a duration such as 10m or "
                                               "300s, got '%s'", optarg);
            break;
        }
        case 'h':
            fputs(usage_text, stdout);
            return *exit_now = EXIT_OK;
        case OPT_VERSION:
            printf("pyprof-bench %s (git %s)\n", PB_VERSION, PB_GIT_REV);
            return *exit_now = EXIT_OK;
        case ':':
            return *exit_now = usage_error("option '%s' needs a value", argv[optind - 1]);
        default:
            return *exit_now = usage_error("unknown option '%s'", argv[optind - 1]);
        }
    }
    /* After '--': operands (a script's arguments when it is the first). */
    if (!c->script && optind < argc && sub == SUB_RUN && !c->n_operands &&
        !strcmp(argv[optind], "run")) {
        sub = SUB_SCRIPT;
        optind++;
    }
    if (!c->script && optind < argc && !c->n_operands &&
        (sub == SUB_SCRIPT || (sub == SUB_RUN && ends_with(argv[optind], ".py")))) {
        c->script = argv[optind];
        c->script_args = argv + optind + 1;
        c->n_script_args = (size_t)(argc - optind - 1);
        c->operands[c->n_operands++] = argv[optind];
        optind = argc;
    }
    while (optind < argc)
        c->operands[c->n_operands++] = argv[optind++];
    if (c->allow_inconclusive && !c->baseline)
        return *exit_now = usage_error("--allow-inconclusive goes with --baseline");
    if (c->merge) {
        const char *bad = c->shard_n ? "--shard" : c->instructions ? "--metric"
                        : c->baseline ? "--baseline" : c->list ? "--list"
                        : c->n_only_backend ? "--only-backend"
                        : c->n_only_workload ? "--only-workload" : c->rounds ? "--rounds"
                        : c->n_interpreters ? "--interpreter"
                        : c->precision > 0 ? "--precision" : c->max_time_s > 0 ? "--max-time"
                        : c->export_profiles ? "--export-profiles" : NULL;
        if (bad)
            return *exit_now = usage_error("%s is not an option of merge (the shards' "
                                           "results are merged as they ran)", bad);
        if (!c->n_operands)
            return *exit_now = usage_error("merge needs the result folders of the shards");
        c->merge_dirs = (char **)c->operands;
        c->n_merge = c->n_operands;
        return 0;
    }
    if (c->compare) {
        if (c->n_operands != 2)
            return *exit_now = usage_error("compare needs BASE and NEW (results.json files or "
                                           "result folders)");
        c->compare_base = c->operands[0];
        c->compare_new = c->operands[1];
        return 0;
    }
    if (c->script)
        return 0;
    if (sub == SUB_SCRIPT)
        return *exit_now = usage_error("run needs a SCRIPT to benchmark");
    if (!c->n_operands)
        return *exit_now = usage_error("missing CONFIG.yaml");
    if (c->n_operands > 1)
        return *exit_now = usage_error("unexpected argument '%s' (one config at a time; a "
                                       "script to run ends in .py)", c->operands[1]);
    c->config = c->operands[0];
    return 0;
}

/* Apply --only-*: every entry of that name (a workload has one per
 * interpreter); unknown names are errors, answered with the valid ones. */
static int select_names(const char *what, const char **want, size_t nwant,
                        const char *const *names, size_t n, int *on)
{
    if (!nwant)
        return 0;
    for (size_t i = 0; i < n; i++)
        on[i] = 0;
    for (size_t k = 0; k < nwant; k++) {
        int found = 0;
        for (size_t i = 0; i < n; i++)
            if (!strcmp(names[i], want[k]))
                on[i] = found = 1;
        if (found)
            continue;
        const char *s = pb_suggest(want[k], names);
        char *all = pb_join(names, ", ");
        if (s)
            fprintf(stderr, "pyprof-bench: no %s named '%s' in the config; did you mean '%s'?\n",
                    what, want[k], s);
        else
            fprintf(stderr, "pyprof-bench: no %s named '%s' in the config (expected: %s)\n",
                    what, want[k], all);
        free(all);
        return -1;
    }
    return 0;
}

static void widen(int *width, const char *name)
{
    if ((int)strlen(name) > *width)
        *width = (int)strlen(name);
}

/* The selected (--only-*) workloads and backends. */
static void print_list(const struct pb_results *res)
{
    const struct pb_config *cfg = res->cfg;
    /* The name column: as wide as the longest name listed, 16 at least. */
    int wn = 16;
    for (size_t w = 0; w < cfg->per_interpreter; w++)
        if (res->workload_on[w])
            widen(&wn, cfg->workloads[w].name);
    for (size_t b = 0; b < cfg->nbackends; b++)
        if (res->backend_on[b])
            widen(&wn, cfg->backends[b].name);
    for (size_t i = 0; i < res->ninterps; i++)
        widen(&wn, res->interps[i].name);
    printf("workloads in %s:\n", cfg->path);
    for (size_t w = 0; w < cfg->per_interpreter; w++) {
        const struct pb_workload *wl = &cfg->workloads[w];
        if (!res->workload_on[w])
            continue;
        printf("  %-*s %s\n", wn, wl->name, wl->file);
        if (wl->variant_of)
            printf("  %-*s   variant of %s, response to the change in %s\n", wn, "",
                   wl->variant_of, wl->phases[wl->response_phase].function);
        for (size_t p = 0; p < wl->nphases; p++) {
            char *lit = pb_phase_args_literal(&wl->phases[p], wl->scale);
            printf("  %-*s   %s%s  [%s]\n", wn, "", wl->phases[p].function, lit,
                   pb_category_name(wl->phases[p].category));
            free(lit);
        }
    }
    printf("interpreters:\n");
    for (size_t i = 0; i < res->ninterps; i++) {
        const struct pb_interpreter *ip = &res->interps[i];
        if (ip->usable)
            printf("  %-*s %s %s%s%s, venv %s\n", wn, ip->name, ip->version[0] ? ip->version : "?",
                   ip->executable, ip->worker[0] ? ", worker " : "", ip->worker,
                   ip->venv[0] ? ip->venv : "(none)");
        else
            printf("  %-*s skipped: %s\n", wn, ip->name, ip->why);
    }
    printf("backends:\n");
    for (size_t b = 0; b < cfg->nbackends; b++) {
        const struct pb_backend_conf *bc = &cfg->backends[b];
        if (!res->backend_on[b])
            continue;
        struct pb_strbuf opts = PB_STRBUF_INIT;
        for (size_t i = 0; i < bc->options.count; i++)
            pb_strbuf_addf(&opts, "%s%s=%s", i ? " " : "", bc->options.values[i].spec->name,
                           bc->options.values[i].text);
        /* One line per interpreter when there are several: "on NAME: ...". */
        for (size_t i = 0; i < res->ninterps; i++) {
            size_t a = i * cfg->nbackends + b;
            char on[300] = "";
            if (res->ninterps > 1)
                snprintf(on, sizeof(on), "on %s: ", res->interps[i].name);
            printf("  %-*s %s%-14s %s%s%s%s%s\n", wn, i ? "" : bc->name, i ? "     " : "kind ",
                   i ? "" : bc->ops->kind, on,
                   res->available[a] ? "available" : "unavailable: ",
                   res->available[a] ? "" : res->why[a],
                   res->available[a] && res->tool_version[a][0] ? ", version " : "",
                   res->available[a] ? res->tool_version[a] : "");
        }
        if (opts.len)
            printf("  %-*s options: %s\n", wn, "", opts.buf);
        pb_strbuf_release(&opts);
    }
    if (res->shard_count > 1) {
        printf("cells of shard %ld/%ld:\n", res->shard_index, res->shard_count);
        for (size_t w = 0; w < cfg->nworkloads; w++)
            for (size_t b = 0; b < cfg->nbackends; b++)
                if (pb_results_cell_on(res, w, b))
                    printf("  %s / %s%s%s\n", cfg->workloads[w].name, cfg->backends[b].name,
                           res->ninterps > 1 ? " / " : "",
                           res->ninterps > 1 ? pb_results_interp(res, w)->name : "");
    }
}

static void on_signal(int sig)
{
    pb_worker_stop_requested = sig;
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;   /* no SA_RESTART: poll() must wake up */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
}

static int write_outputs(const struct pb_results *res, const struct pb_output_dir *dir)
{
    struct {
        const char *name;
        char *(*render)(const struct pb_results *);
    } files[] = {
        { "results.json", pb_write_results_json },
        { "summary.csv", pb_write_summary_csv },
        { "summary.md", pb_write_summary_md },
    };
    int rc = 0;
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        char err[PB_ERRLEN];
        char *text = files[i].render(res);
        if (pb_output_dir_write(dir, files[i].name, text, strlen(text), err, sizeof(err)) < 0) {
            fprintf(stderr, "pyprof-bench: %s\n", err);
            rc = -1;
        }
        free(text);
    }
    return rc;
}

/* Write the result files and charts into dir, and print the terminal
 * summary: the same for a run and a merge. -1 when something could not be
 * written. */
static int emit(const struct cli *c, const struct pb_results *res,
                const struct pb_output_dir *dir, const char *out_path)
{
    char err[PB_ERRLEN];
    int write_failed = write_outputs(res, dir) < 0;
    struct pb_strbuf charts = PB_STRBUF_INIT;
    pb_strbuf_addf(&charts, "%s/charts", out_path);
    int nscripts = pb_charts_write(res, charts.buf, err, sizeof(err));
    int rendered = nscripts > 0 ? pb_charts_render(charts.buf, err, sizeof(err)) : 0;
    if (nscripts < 0 || rendered < 0) {
        fprintf(stderr, "pyprof-bench: charts: %s\n", err);
        write_failed = 1;
    }
    /* report.html embeds the rendered charts: written after them. */
    char *html = pb_write_report_html(res, charts.buf);
    if (pb_output_dir_write(dir, "report.html", html, strlen(html), err, sizeof(err)) < 0) {
        fprintf(stderr, "pyprof-bench: %s\n", err);
        write_failed = 1;
    }
    free(html);
    if (!c->quiet) {
        char *table = c->markdown ? pb_write_summary_md(res)
                                  : pb_write_table(res, pb_use_color(STDOUT_FILENO));
        fputs(table, stdout);
        free(table);
        printf("\n%zu runs in %.1f s. Results: %s/{results.json,summary.csv,summary.md,"
               "report.html}\n",
               res->nruns, res->elapsed_s, out_path);
        if (rendered > 0)
            printf("Charts: %s/*.png and *.svg (%d charts)\n", charts.buf, rendered);
        else if (nscripts > 0 && rendered == 0)
            printf("Charts: gnuplot is not installed; the scripts are in %s: "
                   "cd there and run 'gnuplot NAME.gp' (Debian: apt-get install gnuplot-nox)\n",
                   charts.buf);
    }
    pb_strbuf_release(&charts);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "pyprof-bench: write failure on standard output\n");
        write_failed = 1;
    }
    return write_failed ? -1 : 0;
}

/* The exit status of a harness stopped by a signal. */
static int interrupted_status(void)
{
    return pb_worker_stop_requested == SIGTERM ? 128 + SIGTERM : EXIT_INTERRUPTED;
}

/* PB_PROBE_TIMEOUT, else 10 s: what one backend's probe may take. */
static double probe_timeout(void)
{
    const char *env = getenv("PB_PROBE_TIMEOUT");
    double t;
    char why[PB_ERRLEN];
    if (env && *env && pb_parse_duration(env, &t, why, sizeof(why)) == 0 && t > 0)
        return t;
    return 10.0;
}

/* The config checks that need Python, run in a worker that parses (never
 * runs) the selected workloads' files: every phase function and main is
 * defined there. 0, or -1 with the message printed; *stopped when a signal
 * interrupted it. */
static int check_functions(const struct pb_results *res, double timeout_s, int *stopped)
{
    const struct pb_config *cfg = res->cfg;
    const char **files = pb_xcalloc(cfg->nworkloads + 1, sizeof(*files));
    size_t n = 0;
    for (size_t w = 0; w < cfg->nworkloads; w++) {
        const struct pb_workload *wl = &cfg->workloads[w];
        if (!res->workload_on[w] ||
            (wl->overhead_only && !strcmp(wl->phases[0].function, PB_MAIN_SCRIPT)))
            continue;
        size_t i;
        for (i = 0; i < n && strcmp(files[i], wl->file); i++)
            ;
        if (i == n)
            files[n++] = wl->file;
    }
    int rc = 0;
    char err[PB_ERRLEN];
    struct pb_module_names *names = pb_xcalloc(n + 1, sizeof(*names));
    if (n && pb_worker_names(files, n, timeout_s, names, err, sizeof(err)) < 0) {
        *stopped = pb_worker_stop_requested != 0;
        if (!*stopped)
            fprintf(stderr, "pyprof-bench: cannot check the workload files: %s\n", err);
        rc = -1;
    }
    for (size_t w = 0; rc == 0 && w < cfg->nworkloads; w++) {
        const struct pb_workload *wl = &cfg->workloads[w];
        for (size_t i = 0; res->workload_on[w] && i < n; i++)
            if (!strcmp(files[i], wl->file) &&
                pb_config_check_functions(wl, &names[i], err, sizeof(err)) < 0) {
                fprintf(stderr, "pyprof-bench: %s\n", err);
                rc = -1;
            }
    }
    for (size_t i = 0; i < n; i++)
        pb_module_names_release(&names[i]);
    free(names);
    free(files);
    return rc;
}

/* Find and run each interpreter of the axis (interpreter.h); one that
 * cannot be used is said (its rows will be skipped), not an error. */
static void resolve_interpreters(struct pb_results *res, double timeout_s, int quiet)
{
    for (size_t i = 0; i < res->ninterps; i++) {
        struct pb_interpreter *ip = &res->interps[i];
        if (!res->cfg->ninterpreters) {
            pb_interpreter_pinned(timeout_s, ip);
            continue;
        }
        char name[sizeof(ip->name)];
        pb_copy(name, sizeof(name), ip->name);
        pb_interpreter_resolve(name, timeout_s, ip);
        if (quiet)
            continue;
        if (ip->usable)
            fprintf(stderr, "pyprof-bench: interpreter %s: %s, %s%s%s\n", ip->name,
                    ip->version, ip->executable, ip->is_venv ? " (virtual environment)" : "",
                    ip->pinned ? " (pinned X.Y: this binary's workers)" : "");
        else
            fprintf(stderr, "pyprof-bench: interpreter %s: its rows are skipped: %s\n",
                    ip->name, ip->why);
    }
}

/* --baseline: a cell the run left out on purpose (--only-*, --shard) is
 * not missing from it. */
static int left_out(const char *workload, const char *backend, const char *interpreter,
                    void *ctx)
{
    const struct pb_results *res = ctx;
    const struct pb_config *cfg = res->cfg;
    for (size_t w = 0; w < cfg->nworkloads; w++)
        for (size_t b = 0; b < cfg->nbackends; b++)
            if (!strcmp(cfg->workloads[w].name, workload) &&
                !strcmp(cfg->backends[b].name, backend) &&
                !strcmp(pb_results_interp(res, w)->name, interpreter))
                return !pb_results_cell_on(res, w, b);
    return 0;
}

/* --baseline's rule, checked before anything runs: the base is a readable
 * results.json, and both it and this run have PB_COMPARE_MIN_ROUNDS rounds
 * (fewer can only be inconclusive: a gate that cannot fail) unless
 * --allow-inconclusive. 0, or -1 with the message printed. */
static int check_baseline(const struct cli *c, const char *path, long rounds)
{
    char err[PB_ERRLEN];
    struct pb_jval doc;
    if (pb_results_json_load(path, &doc, err, sizeof(err)) < 0) {
        fprintf(stderr, "pyprof-bench: --baseline: %s\n", err);
        return -1;
    }
    const struct pb_jval *r = pb_jval_get(pb_jval_get(&doc, "config"), "rounds");
    long base_rounds = r && r->type == PB_J_NUM ? (long)r->num : 0;
    pb_jval_release(&doc);
    if (c->allow_inconclusive)
        return 0;
    if (rounds < PB_COMPARE_MIN_ROUNDS || base_rounds < PB_COMPARE_MIN_ROUNDS) {
        int here = rounds < PB_COMPARE_MIN_ROUNDS;
        usage_error("--baseline needs at least %d rounds on both sides to pass or fail a "
                    "cell, but %s has %ld%s: every cell would be inconclusive and the gate "
                    "could never fail; %s, or give --allow-inconclusive",
                    PB_COMPARE_MIN_ROUNDS, here ? "this run" : path,
                    here ? rounds : base_rounds, here ? "" : " (or does not say)",
                    here ? "raise --rounds" : "make the base with more rounds");
        return -1;
    }
    return 0;
}

static int run(struct cli *c)
{
    char err[PB_ERRLEN];
    struct pb_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    pb_fault_scope(PB_FAULT_SCOPE_CONFIG);
    int loaded = c->script ? pb_config_for_script(&cfg, c->script, c->script_args,
                                                  c->n_script_args, err, sizeof(err))
                           : pb_config_load(&cfg, c->config, err, sizeof(err));
    pb_fault_scope(PB_FAULT_SCOPE_NONE);
    if (loaded < 0) {
        fprintf(stderr, "pyprof-bench: %s\n", err);
        return EXIT_USAGE;
    }
    if (c->n_interpreters)
        pb_config_set_interpreters(&cfg, c->interpreters, c->n_interpreters);
    pb_config_expand_interpreters(&cfg);
    struct pb_results res;
    pb_results_init(&res, &cfg);
    struct pb_output_dir dir = { NULL, -1 };
    char *out_path = NULL, *baseline = NULL;
    int status = EXIT_USAGE;

    const char **wnames = pb_xcalloc(cfg.nworkloads + 1, sizeof(char *));
    const char **bnames = pb_xcalloc(cfg.nbackends + 1, sizeof(char *));
    for (size_t i = 0; i < cfg.nworkloads; i++)
        wnames[i] = cfg.workloads[i].name;
    for (size_t i = 0; i < cfg.nbackends; i++)
        bnames[i] = cfg.backends[i].name;
    int bad = select_names("workload", c->only_workload, c->n_only_workload, wnames,
                           cfg.nworkloads, res.workload_on) < 0 ||
              select_names("backend", c->only_backend, c->n_only_backend, bnames,
                           cfg.nbackends, res.backend_on) < 0;
    free(wnames);
    free(bnames);
    if (bad)
        goto out;
    if (c->rounds)
        res.rounds = c->rounds;
    if (c->precision > 0)
        res.precision = c->precision;
    if (c->max_time_s > 0)
        res.max_time_s = c->max_time_s;
    if (c->instructions) {
        if (!pb_instr_available(err, sizeof(err))) {
            fprintf(stderr, "pyprof-bench: --metric instructions: %s\n", err);
            goto out;
        }
        res.metric = PB_METRIC_INSTRUCTIONS;
        pb_worker_set_instructions(1);
    }
    if (c->shard_n) {
        res.shard_index = c->shard_k;
        res.shard_count = c->shard_n;
        size_t mine = 0, all = pb_shard_cell_count(&res);
        for (size_t w = 0; w < cfg.nworkloads; w++)
            for (size_t b = 0; b < cfg.nbackends; b++)
                mine += pb_results_cell_on(&res, w, b);
        if (!c->quiet || c->list)
            fprintf(stderr, "pyprof-bench: shard %ld/%ld: %zu of %zu cells%s\n", c->shard_k,
                    c->shard_n, mine, all, mine ? "" : " (nothing to run: more shards than cells)");
    }
    if (c->baseline) {
        baseline = pb_results_path(c->baseline);
        if (check_baseline(c, baseline, res.rounds) < 0)
            goto out;
    }
    /* Config checks that need no Python: every selected workload's file. */
    if (pb_config_check_files(&cfg, res.workload_on, err, sizeof(err)) < 0) {
        fprintf(stderr, "pyprof-bench: %s\n", err);
        goto out;
    }

    /* From here workers run: Ctrl-C stops them and says so. */
    install_signals();
    if (pb_worker_init(NULL, err, sizeof(err)) < 0) {
        fprintf(stderr, "pyprof-bench: cannot start a worker: %s\n", err);
        goto out;
    }
    double probe_s = probe_timeout();
    int stopped = 0;
    if (check_functions(&res, probe_s, &stopped) < 0) {
        if (stopped) {
            fprintf(stderr, "pyprof-bench: interrupted while checking the workload files; "
                    "nothing was run\n");
            status = interrupted_status();
        }
        goto out;
    }
    resolve_interpreters(&res, probe_s, c->quiet && !c->list);
    pb_worker_set_interpreters(res.interps, res.ninterps);
    size_t nprobe = 0;
    for (size_t b = 0; b < cfg.nbackends; b++)
        nprobe += res.backend_on[b] != 0;
    if (!c->quiet)
        fprintf(stderr, "pyprof-bench: probing %zu backend%s%s ...\n", nprobe,
                nprobe == 1 ? "" : "s", res.ninterps > 1 ? " on each interpreter" : "");
    if (pb_worker_stop_requested || pb_runner_probe(&res, probe_s, err, sizeof(err)) < 0 ||
        pb_worker_stop_requested) {
        if (pb_worker_stop_requested) {
            fprintf(stderr, "pyprof-bench: interrupted while probing the backends; nothing "
                    "was run\n");
            status = interrupted_status();
        } else {
            fprintf(stderr, "pyprof-bench: cannot start a worker: %s\n", err);
        }
        goto out;
    }
    if (c->list) {
        print_list(&res);
        status = fflush(stdout) == 0 && !ferror(stdout) ? EXIT_OK : EXIT_RUNS_FAILED;
        goto out;
    }

    if (c->out)
        out_path = pb_xstrdup(c->out);
    else if (pb_output_dir_new_name(cfg.defaults.output, &out_path, err, sizeof(err)) < 0) {
        fprintf(stderr, "pyprof-bench: %s\n", err);
        goto out;
    }
    if (pb_output_dir_open(&dir, out_path, err, sizeof(err)) < 0) {
        fprintf(stderr, "pyprof-bench: %s\n", err);
        goto out;
    }

    pb_sysinfo_read(&res.sys);
    struct pb_strbuf profiles = PB_STRBUF_INIT;
    pb_strbuf_addf(&profiles, "%s/profiles", out_path);
    struct pb_runner_opts ropts = { c->quiet, profiles.buf, c->export_profiles };
    if (!c->quiet)
        fprintf(stderr, "pyprof-bench: %s -> %s\n", cfg.path, out_path);
    pb_runner_run(&res, &ropts);
    pb_strbuf_release(&profiles);
    pb_results_summarise(&res);
    /* Truth that contradicts its declaration: the machine was too loaded or
     * the workload is wrong; said on stderr too, even with --quiet. */
    for (size_t w = 0; w < cfg.nworkloads; w++) {
        if (!res.workload_on[w])
            continue;
        struct pb_strbuf warn = PB_STRBUF_INIT;
        char prefix[200];
        snprintf(prefix, sizeof(prefix), "pyprof-bench: warning: truth of %.100s%s%.60s, ",
                 cfg.workloads[w].name, res.ninterps > 1 ? " on " : "",
                 res.ninterps > 1 ? pb_results_interp(&res, w)->name : "");
        if (pb_truth_warnings(&res, w, prefix, &warn))
            fputs(warn.buf, stderr);
        pb_strbuf_release(&warn);
    }

    int write_failed = emit(c, &res, &dir, out_path) < 0;

    int any_failed = pb_results_any_failed(&res);
    for (size_t i = 0; i < res.nruns; i++)
        if (res.runs[i].run.status == PB_RUN_FAILED && !res.runs[i].run.skipped)
            any_failed = 1;
    int regressed = 0, baseline_bad = 0;
    if (c->baseline && !res.interrupted) {
        struct pb_strbuf now = PB_STRBUF_INIT;
        pb_strbuf_addf(&now, "%s/results.json", out_path);
        if (!c->quiet)
            printf("\nCompared with %s:\n", c->baseline);
        FILE *table = c->quiet ? fopen("/dev/null", "w") : stdout;
        struct pb_compare_opts o = { c->threshold, c->force, left_out, &res };
        int rc = pb_compare_files(baseline, now.buf, &o, table ? table : stdout, stderr, err,
                                  sizeof(err));
        if (table && table != stdout)
            fclose(table);
        pb_strbuf_release(&now);
        if (rc == 2) {
            fprintf(stderr, "pyprof-bench: --baseline: %s\n", err);
            baseline_bad = 1;
        }
        regressed = rc == 3;
    }
    if (res.interrupted)
        status = interrupted_status();
    else if (baseline_bad)
        status = EXIT_USAGE;
    else if (regressed)
        status = 3;
    else
        status = any_failed || write_failed ? EXIT_RUNS_FAILED : EXIT_OK;
out:
    pb_output_dir_close(&dir);
    free(out_path);
    free(baseline);
    pb_results_release(&res);
    pb_config_release(&cfg);
    return status;
}

/* Refuse an --out folder that is one of the folders being merged. */
static int out_is_input(const char *out, char **dirs, size_t n)
{
    char *ro = realpath(out, NULL);
    int same = 0;
    for (size_t i = 0; ro && i < n && !same; i++) {
        char *rd = realpath(dirs[i], NULL);
        same = rd && !strcmp(ro, rd);
        free(rd);
    }
    free(ro);
    return same;
}

static int merge(struct cli *c)
{
    char err[PB_ERRLEN];
    struct pb_config cfg;
    struct pb_results res;
    if (pb_merge_load((const char *const *)c->merge_dirs, c->n_merge, c->merge_config, c->force,
                      &cfg, &res, stderr, err, sizeof(err)) < 0) {
        fprintf(stderr, "pyprof-bench: merge: %s\n", err);
        return EXIT_USAGE;
    }
    int status = EXIT_USAGE;
    struct pb_output_dir dir = { NULL, -1 };
    char *out_path = NULL;
    if (c->out)
        out_path = pb_xstrdup(c->out);
    else if (pb_output_dir_new_name(cfg.defaults.output, &out_path, err, sizeof(err)) < 0) {
        fprintf(stderr, "pyprof-bench: merge: %s\n", err);
        goto out;
    }
    if (out_is_input(out_path, c->merge_dirs, c->n_merge)) {
        fprintf(stderr, "pyprof-bench: merge: --out %s is one of the folders being merged; "
                "name a new folder\n", out_path);
        goto out;
    }
    if (pb_output_dir_open(&dir, out_path, err, sizeof(err)) < 0) {
        fprintf(stderr, "pyprof-bench: merge: %s\n", err);
        goto out;
    }
    pb_results_summarise(&res);
    if (!c->quiet)
        fprintf(stderr, "pyprof-bench: merged %zu shards of %s (%zu runs) -> %s\n", c->n_merge,
                cfg.path, res.nruns, out_path);
    int write_failed = emit(c, &res, &dir, out_path) < 0;
    int any_failed = pb_results_any_failed(&res) || res.interrupted;
    for (size_t i = 0; i < res.nruns; i++)
        if (res.runs[i].run.status == PB_RUN_FAILED)
            any_failed = 1;
    status = any_failed || write_failed ? EXIT_RUNS_FAILED : EXIT_OK;
out:
    pb_output_dir_close(&dir);
    free(out_path);
    pb_results_release(&res);
    pb_config_release(&cfg);
    return status;
}

/* `estimators RESULTS.json [--pair BURN:BASE]`: argv[0] is "estimators". */
static int estimators(int argc, char **argv)
{
    const char *path = NULL, *pair = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--pair") && i + 1 < argc)
            pair = argv[++i];
        else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            fputs("usage: pyprof-bench estimators [--pair BURN:BASE] RESULTS.json\n", stdout);
            return EXIT_OK;
        } else if (argv[i][0] == '-' || path)
            return usage_error("estimators takes one RESULTS.json and --pair BURN:BASE, got "
                               "'%s'", argv[i]);
        else
            path = argv[i];
    }
    if (!path)
        return usage_error("estimators needs a RESULTS.json");
    char err[PB_ERRLEN];
    int rc = pb_estimators_report(path, pair, stdout, err, sizeof(err));
    if (rc)
        fprintf(stderr, "pyprof-bench: estimators: %s\n", err);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "--worker"))
        return pb_worker_main(argc, argv);
    struct cli c;
    int exit_now;
    if (argc > 1 && !strcmp(argv[1], "estimators"))
        return estimators(argc - 1, argv + 1);
    enum subcommand sub = argc > 1 && !strcmp(argv[1], "compare") ? SUB_COMPARE
                        : argc > 1 && !strcmp(argv[1], "merge") ? SUB_MERGE : SUB_RUN;
    if (sub != SUB_RUN) {
        argv[1] = argv[0];   /* getopt starts after the subcommand */
        argc--;
        argv++;
    }
    parse_cli(argc, argv, &c, &exit_now, sub);
    int rc;
    if (exit_now >= 0) {
        rc = exit_now;
    } else if (sub == SUB_COMPARE) {
        char err[PB_ERRLEN];
        struct pb_compare_opts o = { c.threshold, c.force, NULL, NULL };
        FILE *table = c.quiet ? fopen("/dev/null", "w") : stdout;
        rc = pb_compare_files(c.compare_base, c.compare_new, &o, table ? table : stdout,
                              stderr, err, sizeof(err));
        if (table && table != stdout)
            fclose(table);
        if (rc == 2)
            fprintf(stderr, "pyprof-bench: compare: %s\n", err);
        if (fflush(stdout) != 0)
            rc = 2;
    } else if (sub == SUB_MERGE) {
        rc = merge(&c);
    } else {
        rc = run(&c);
    }
    free(c.only_backend);
    free(c.only_workload);
    free(c.interpreters);
    free(c.operands);
    return rc;
}
