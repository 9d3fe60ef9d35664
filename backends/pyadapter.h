/*
 * pyadapter.h: helpers for the backends that drive a real profiler through
 * its Python API (cprofile.c, yappi.c) and the C tracers (tracer.c,
 * reach.c). All need the GIL.
 */
#ifndef PB_PYADAPTER_H
#define PB_PYADAPTER_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stddef.h>

/* Write the pending Python exception as one line ("ImportError: ...") into
 * err, prefixed with what; clear it; return -1. */
int pyad_error(char *err, size_t errlen, const char *what);

/* Call obj.name(*args) built from fmt (Py_BuildValue, may be NULL); return
 * 0, or -1 with the exception in err. */
int pyad_call(PyObject *obj, const char *name, char *err, size_t errlen, const char *fmt, ...);

/* 1 when `import module` works; else 0 with "MODULE not importable
 * (ImportError: ...)" in why, and why `make deps` could not install dist
 * when it recorded that (venv.h). */
int pyad_importable(const char *module, const char *dist, char *why, size_t whylen);

/* The installed distribution's version ("1.4.0"), or "" when unknown. */
void pyad_version(const char *dist, char *buf, size_t len);

/* Attribute of obj as a double / long / UTF-8 string (borrowed into buf). */
double pyad_double(PyObject *obj, const char *attr);
long pyad_long(PyObject *obj, const char *attr);
void pyad_string(PyObject *obj, const char *attr, char *buf, size_t len);

/* threading.setprofile(fn): fn is installed in every thread started from
 * now on (Py_None removes it). 0, or -1 with a Python exception set. */
int pyad_threading_setprofile(PyObject *fn);

#endif
