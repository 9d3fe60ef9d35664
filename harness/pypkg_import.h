/*
 * pypkg_import.h: importing the embedded pyprof_bench package (pypkg.h) in
 * an embedded interpreter. Needs the GIL.
 */
#ifndef PB_PYPKG_IMPORT_H
#define PB_PYPKG_IMPORT_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* Put the embedded package's finder first on sys.meta_path, once per
 * interpreter (later calls do nothing). 0, or -1 with a Python exception
 * set. */
int pb_pypkg_install(void);

/* import module ("pyprof_bench.loader") after pb_pypkg_install(): a new
 * reference, or NULL with a Python exception set. */
PyObject *pb_pypkg_import(const char *module);

/* module.name: a new reference, or NULL with a Python exception set. */
PyObject *pb_pypkg_attr(const char *module, const char *name);

#endif
