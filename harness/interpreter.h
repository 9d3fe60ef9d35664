/*
 * interpreter.h: the interpreter axis. A config (`interpreters:`) or the
 * command line (--interpreter, repeatable) names the CPython interpreters
 * to run every workload x backend cell on; by default, the pinned one (the
 * interpreter this binary embeds, PB_PYTHON_EXE).
 *
 * A name is found, in order: a path (it holds a '/': an executable, or a
 * virtual environment's folder, whose bin/python is used); an executable of
 * that name on PATH (pyenv's shims are passed over: they fail unless a
 * version is selected); pyenv's PYENV_ROOT/versions/X.Y.Z/bin/NAME, the
 * newest X.Y.Z holding it. The executable is run once (`-E -s
 * harness/py/interpreter_info.py`, within a timeout) for its version,
 * prefix, base_prefix and site-packages.
 *
 * Its workers: the binary built against its X.Y (the pinned X.Y: this binary
 * itself; others: PB_INTERP_DIR/X.Y/pyprof-bench, made by `make` where X.Y's
 * development files are found). The venv they are given (PYPROF_BENCH_VENV,
 * harness/venv.h): a virtual environment named by the user is used as it is
 * (its site-packages in the worker, its bin/ for launched tools); for a plain
 * interpreter, the profilers' venv of its X.Y, the pinned venv's path with
 * "-X.Y" appended (build/venv-3.12, made by `make deps`), else its own
 * prefix (its own site-packages; the tools it lacks give skipped rows).
 *
 * An interpreter that cannot be found, run, or has no worker is not an
 * error: its rows are skipped with the reason.
 */
#ifndef PB_INTERPRETER_H
#define PB_INTERPRETER_H

#include <stddef.h>

#include "util.h"
#include "venv.h"

#define PB_PATHLEN 1024

struct pb_interpreter {
    char name[256];             /* as named ("python3.12", "/path/venv"); the
                                   pinned default: its executable's basename */
    int pinned;                 /* runs on this binary's own X.Y */
    char executable[PB_PATHLEN];
    char version[32];           /* "3.12.1"; "" when unknown */
    int major, minor;
    char prefix[PB_PATHLEN], base_prefix[PB_PATHLEN];
    char site_packages[PB_PATHLEN];   /* the first of site.getsitepackages() */
    int is_venv;                /* prefix != base_prefix */
    char worker[PB_PATHLEN];    /* the binary its workers run; "" = this one */
    char venv[PB_PATHLEN];      /* PYPROF_BENCH_VENV of its workers */
    int usable;
    char why[PB_ERRLEN];        /* why not: the reason its rows are skipped */
};

/* The pinned interpreter's name, pb_interpreter_pinned_name(): venv.h. */
/* Find and run interpreter `name`, within timeout_s, into out. Always fills
 * out->name; returns 0 when usable, else -1 with out->why set. */
int pb_interpreter_resolve(const char *name, double timeout_s, struct pb_interpreter *out);

/* The pinned interpreter (none named): PB_PYTHON_EXE, run like any other
 * for its prefixes, but usable whatever that says (its workers are this
 * binary, with the venv of harness/venv.h). */
void pb_interpreter_pinned(double timeout_s, struct pb_interpreter *out);

/* Parse the output of interpreter_info.py into out (version, prefixes,
 * site-packages, venv or not). 0, or -1 with the reason in out->why. For
 * pb_interpreter_resolve and tests. */
int pb_interpreter_parse_info(const char *text, struct pb_interpreter *out);

/* Choose out's worker and venv from its version (after parse_info): the
 * rule above, with interp_dir in place of PB_INTERP_DIR and pinned_venv of
 * the pinned venv's path (harness/venv.h). 0, or -1 with out->why ("no
 * worker for python3.12 ..."). For pb_interpreter_resolve and tests. */
int pb_interpreter_place(struct pb_interpreter *out, const char *interp_dir,
                         const char *pinned_venv);

#endif
