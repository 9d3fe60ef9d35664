/* pyembed.h: an embedded interpreter for the backend tests, set up like the
 * worker's (isolated, Debian's prefix, no bytecode files). */
#ifndef PYEMBED_H
#define PYEMBED_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* Initialise Python; 0, or -1 (printed) on failure. */
int pyembed_start(void);
/* A new namespace with builtins where code has run; NULL (printed) on error. */
PyObject *pyembed_run(const char *code);
/* The Python file at path imported as a module called name (a new
 * reference); NULL (printed) on error. */
PyObject *pyembed_load(const char *name, const char *path);

#endif
