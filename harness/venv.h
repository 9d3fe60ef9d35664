/*
 * venv.h: the virtual environment of the real profilers (`make deps` makes
 * it from Debian's python3.11 and backends/requirements.txt). The path is
 * PB_VENV from the build, or PYPROF_BENCH_VENV when set ("" means none).
 * Without it everything still runs on Debian's interpreter alone and the
 * tools that are missing give skipped rows.
 */
#ifndef PB_VENV_H
#define PB_VENV_H

#include <stddef.h>

/* The name the pinned interpreter goes by when none is named ("python3.11",
 * PB_PYTHON_EXE's basename): also the interpreter of a result file that
 * names none (interpreter.h). Static storage. */
const char *pb_interpreter_pinned_name(void);

/* The venv's folder: PYPROF_BENCH_VENV when set, else PB_VENV ("" for
 * none). Other interpreters' venvs are named after it (interpreter.h). */
const char *pb_venv_dir(void);

/* The interpreter to present as the worker's program name and to launch
 * tools and the launched baseline with: VENV/bin/python3.11 when that is
 * executable (Python then takes VENV as its prefix, so site-packages are
 * the venv's), else PB_PYTHON_EXE. Static storage. */
const char *pb_python_exe(void);

/* Put VENV/bin first on PATH (and set VIRTUAL_ENV) for this process and
 * its children, when the venv is there. Idempotent. */
void pb_venv_activate(void);

/* Why `make deps` could not install the distribution dist ("scalene"),
 * from VENV/pb-failed.txt, into buf ("scalene==2.4.0: ERROR: ..."); ""
 * when it did not fail there. Also says when there is no venv at all. */
void pb_venv_failure(const char *dist, char *buf, size_t len);

#endif
