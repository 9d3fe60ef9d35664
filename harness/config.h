/*
 * config.h: the benchmark configuration, loaded from YAML with libyaml.
 *
 * Schema (documented in README.md, "Config"):
 *
 *   include: common.yaml            # string or list; paths relative to this file
 *   interpreters: [python3.11, python3.13, ../venv]
 *                                   # optional: names on PATH or in pyenv, or
 *                                   # paths (relative to this file) to an
 *                                   # executable or a virtual environment
 *                                   # (interpreter.h); default: the pinned one
 *   defaults:
 *     rounds: 10                    # measured rounds, >= 1
 *     warmup: 1                     # discarded rounds, >= 0
 *     timeout: 60s                  # per worker run, duration > 0
 *     precision: 5%                 # optional: add rounds until each cell's
 *                                   # wall-overhead interval is within +-5%
 *     max_rounds: 40                # with precision: the most rounds
 *     max_time: 15m                 # with precision: no round starts after
 *     output: results               # parent folder of timestamped result folders
 *     seed: 1                       # run-order seed, integer >= 0
 *     scale: 1.0                    # multiplies every numeric phase argument, > 0
 *   workloads:
 *     - name: mixed
 *       file: ../workloads/mixed.py # relative to the config file that names it
 *       scale: 1.0                  # optional, multiplies with defaults.scale
 *       phases:
 *         - function: f1
 *           args: [1500000]         # optional list of scalars
 *           category: python        # python | native | system
 *           threads:                # optional: threads the phase starts,
 *             hasher: native        #   by Python thread name, and their category
 *     - name: mixed_more            # a variant: the same phase functions as
 *       variant_of: mixed           #   a workload defined before it, with a
 *       response_phase: f1          #   known change in one of them
 *       file: ../workloads/mixed.py
 *       phases: [...]
 *   backends:
 *     - name: none
 *       kind: none
 *     - name: sampling-2ms
 *       kind: sampling
 *       interval: 2ms               # options of the kind, inline
 *
 * Includes: the included file is loaded first; its workloads and backends come
 * before the including file's, its defaults are overridden key by key by the
 * including file's, and its interpreters by the including file's list. A name
 * defined twice is an error. Include cycles are an error.
 *
 * Every error message starts with "FILE:LINE:COLUMN: " (1-based) and nothing is
 * run on a bad config.
 */
#ifndef PB_CONFIG_H
#define PB_CONFIG_H

#include <stddef.h>

#include "backend.h"
#include "category.h"
#include "option.h"

/* Limits, enforced by the loader with a message. */
#define PB_MAX_PHASES 64        /* phases per workload */
#define PB_MAX_INCLUDE_DEPTH 16 /* nested includes */

/* A YAML scalar given as a phase argument. */
enum pb_arg_kind { PB_ARG_INT, PB_ARG_FLOAT, PB_ARG_STRING, PB_ARG_BOOL, PB_ARG_NONE };

struct pb_arg {
    enum pb_arg_kind kind;
    long long i;      /* PB_ARG_INT, PB_ARG_BOOL (0/1) */
    double f;         /* PB_ARG_FLOAT */
    char *s;          /* PB_ARG_STRING, owned */
};

/* A thread a phase starts, by its Python thread name, and what its user-mode
 * time is (threads not declared take the phase's category). */
struct pb_thread_decl {
    char *name;                     /* owned */
    enum pb_category category;
};

struct pb_phase {
    char *function;                 /* owned */
    struct pb_arg *args;            /* owned array */
    size_t nargs;
    enum pb_category category;      /* declared category of its user-mode time */
    struct pb_thread_decl *threads; /* owned array: `threads: {name: category}` */
    size_t nthreads;
};

/* The phase function of a `main: __main__` workload: the file run as a script
 * (run_name "__main__"), not imported beforehand. Its `argv:` list is the
 * phase's args, every item a string (never scaled): sys.argv[1:] of the
 * script, whose sys.argv[0] is its path. */
#define PB_MAIN_SCRIPT "__main__"   /* also pyprof_bench.loader.MAIN_SCRIPT */
/* The declared category of the thread called name started in phase ph. */
enum pb_category pb_phase_thread_category(const struct pb_phase *ph, const char *name);

struct pb_workload {
    char *name;                     /* owned, unique */
    char *file;                     /* absolute path (resolved against the
                                       config that named it; need not exist
                                       at load time), owned */
    double scale;                   /* workload scale * defaults.scale */
    int overhead_only;              /* `main:` instead of phases: one phase
                                       with no declared category, so no
                                       accuracy (FAE, CE) and no truth split */
    struct pb_phase *phases;        /* owned array, in call order */
    size_t nphases;
    char *where;                    /* "file:line:col" of its definition, owned */
    char *file_where;               /* "file:line:col" of its `file:` value, owned */
    char **phase_where;             /* per phase, "file:line:col" of its
                                       `function:` (or `main:`) value; owned,
                                       NULL when not loaded from YAML */
    /* `variant_of: BASE` with `response_phase: PHASE`: this workload is BASE
     * with a known change in PHASE (same phase functions, in the same order);
     * the response figure (response.c) compares what a backend reports for
     * PHASE in the two. BASE is defined before it (an include counts). */
    char *variant_of;               /* the base's name, owned; NULL: not a variant */
    size_t base;                    /* index of the base in cfg->workloads */
    size_t response_phase;          /* index of PHASE in phases */
    /* The interpreter axis (pb_config_expand_interpreters): the index of the
     * interpreter it runs on in cfg->interpreters (0 without the axis), and
     * whether it is a copy for another interpreter, whose owned fields are
     * those of the first interpreter's entry (released once). */
    size_t interp;
    int borrowed;
};

struct pb_backend_conf {
    char *name;                     /* owned, unique; the row name in tables */
    const struct pb_backend_ops *ops;
    struct pb_options options;      /* every option of the kind, defaults filled */
    char *where;                    /* "file:line:col" of its definition, owned */
    /* `workloads: [...]`: the only workloads it runs (a slow tool measured
     * where it matters); its other cells are n/a. NULL (nworkloads 0): all.
     * workloads_where[i] is where name i was written, for errors. */
    char **workloads, **workloads_where;
    size_t nworkloads;
};

struct pb_defaults {
    long rounds;                    /* default 10 */
    long warmup;                    /* default 1 */
    double timeout_s;               /* default 60 */
    char *output;                   /* default "results" relative to the cwd, owned */
    long seed;                      /* default 1 */
    double scale;                   /* default 1.0 */
    /* Precision-driven rounds (runner.h): 0 = a fixed number of rounds;
     * else the wall-overhead interval half-width, as a fraction of the
     * ratio, each cell is run to (rounds is then the least number). */
    double precision;               /* default 0 */
    long max_rounds;                /* default 40: the most measured rounds */
    double max_time_s;              /* default 900: no round starts after it */
};

struct pb_paper;

struct pb_config {
    char *path;                     /* the top-level file as given, owned */
    char *hash;                     /* hex FNV-1a 64 of every loaded file's bytes
                                       in load order, owned */
    struct pb_defaults defaults;
    struct pb_workload *workloads;
    size_t nworkloads;
    struct pb_backend_conf *backends;
    size_t nbackends;
    /* `interpreters:` as named (a path made absolute against its config),
     * owned; none: the pinned interpreter. */
    char **interpreters;
    size_t ninterpreters;
    /* After pb_config_expand_interpreters: workloads are interpreter-major,
     * workloads[i * per_interpreter + k] is workload k on interpreter i;
     * per_interpreter is nworkloads until then. */
    size_t per_interpreter;
    /* `paper: FILE`: a published overhead table (paper.h) that summary.md
     * sets this run's figures beside; NULL without the key. An including
     * file's key replaces an included one's. */
    char *paper_path;               /* absolute, owned */
    struct pb_paper *paper;         /* owned */
};

/* Load path (and its includes). Returns 0, or -1 with "file:line:col: message"
 * in err. On failure cfg is left released (safe to release again). */
int pb_config_load(struct pb_config *cfg, const char *path, char *err, size_t errlen);
/* The config of `pyprof-bench run SCRIPT [ARGS...]`: one workload named
 * after the script (`main: __main__`, ARGS its sys.argv[1:]) under the
 * default backends of PB_SCRIPT_BACKENDS (a kind missing from the registry
 * is left out), with the config defaults. The script must be a readable
 * file. Returns 0, or -1 with a message in err. */
#define PB_SCRIPT_BACKENDS { "none", "sampling", "deterministic", "cprofile" }
int pb_config_for_script(struct pb_config *cfg, const char *script, char *const *args,
                         size_t nargs, char *err, size_t errlen);
/* Load from a memory buffer; name is used in messages and includes are
 * resolved relative to the current directory. For tests and fuzzing. */
int pb_config_load_buffer(struct pb_config *cfg, const char *name, const char *data,
                          size_t len, char *err, size_t errlen);
void pb_config_release(struct pb_config *cfg);

/* Tests only: look backend kinds up in registry (NULL-terminated) instead of
 * pb_backends; NULL restores the default. */
void pb_config_set_registry(const struct pb_backend_ops *const *registry);

/* The names a workload file defines at its top level, found by parsing it
 * without running it (the worker's `names` mode, worker.h). */
struct pb_module_names {
    char *callables;     /* space-separated: def, async def, class, import and
                            other assignments; owned */
    char *values;        /* space-separated: names only ever assigned a
                            literal (not callable); owned */
    int complete;        /* 0: the module may define names the parse cannot
                            see (star import, globals(), exec, __getattr__) */
    char error[256];     /* why it could not be parsed ("" when it was) */
};

/* Config-time checks of the workloads with on[w] set (on NULL: all), none
 * of which runs anything. pb_config_check_files: every file is a readable
 * regular file, else "FILE:LINE:COL: workload 'w': file '...' not found;
 * did you mean 'x.py'?" (a .py file of the same folder) citing `file:`.
 * pb_config_check_functions: every phase function (or main) of w is defined
 * at the top level of its file as names says and is not a plain value,
 * else an error citing `function:` (or `main:`) with the nearest defined
 * name. A `main: __main__` workload and a module whose names are not
 * complete are not checked by name. Return 0, or -1 with the message. */
void pb_module_names_release(struct pb_module_names *names);
int pb_config_check_files(const struct pb_config *cfg, const int *on, char *err, size_t errlen);
int pb_config_check_functions(const struct pb_workload *w, const struct pb_module_names *names,
                              char *err, size_t errlen);

/* Does backend b run workload w (its `workloads:` list, all without one)? */
int pb_backend_runs_workload(const struct pb_backend_conf *b, const char *workload);

const struct pb_workload *pb_config_workload(const struct pb_config *cfg, const char *name);
/* Workload name on interpreter interp (an index into cfg->interpreters, 0
 * without the axis), or NULL. */
const struct pb_workload *pb_config_workload_on(const struct pb_config *cfg, const char *name,
                                                size_t interp);

/* Replace the config's interpreters by names (--interpreter; copied). Before
 * pb_config_expand_interpreters. */
void pb_config_set_interpreters(struct pb_config *cfg, const char *const *names, size_t n);
/* The interpreter axis in the matrix: with two interpreters or more, every
 * workload is repeated once per interpreter (interpreter-major; a variant's
 * base is the base on the same interpreter). Each (interpreter, workload) is
 * then a workload of the matrix, with its own truth, baseline and cells, so
 * that ratios pair runs of one interpreter. Call once, after loading. */
void pb_config_expand_interpreters(struct pb_config *cfg);
/* Interpreters on the axis: ninterpreters, at least 1. */
size_t pb_config_interpreter_count(const struct pb_config *cfg);
const struct pb_backend_conf *pb_config_backend(const struct pb_config *cfg, const char *name);

/* The Python literal of a phase's arguments as a tuple, scale applied to every
 * numeric (non-bool) argument; ints are rounded and kept >= 1 when they were
 * >= 1. Example: "(1500000, 0.25, 'x')". You own the result. */
char *pb_phase_args_literal(const struct pb_phase *ph, double scale);

#endif
