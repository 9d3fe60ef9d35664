/* pypkg_import.c: the embedded package's import hook (see pypkg_import.h). */
#include "pypkg_import.h"

#include "pypkg.h"

/* 1 when the finder is on sys.meta_path already, 0 when not. */
static int installed(void)
{
    PyObject *path = PySys_GetObject("meta_path");   /* borrowed */
    for (Py_ssize_t i = 0; path && PyList_Check(path) && i < PyList_GET_SIZE(path); i++)
        if (PyObject_HasAttrString(PyList_GET_ITEM(path, i), "_pyprof_bench_embedded"))
            return 1;
    return 0;
}

int pb_pypkg_install(void)
{
    if (installed())
        return 0;
    const struct pb_pysrc *imp = pb_pysrc_find("embedded_importer.py");
    if (!imp) {
        PyErr_SetString(PyExc_ImportError, "the embedded importer is missing (build error)");
        return -1;
    }
    PyObject *files = PyDict_New(), *ns = PyDict_New(), *code = NULL, *r = NULL;
    int rc = -1;
    if (!files || !ns)
        goto out;
    for (const struct pb_pysrc *f = pb_pysrc_files; f->path; f++) {
        PyObject *text = PyUnicode_DecodeUTF8(f->text, (Py_ssize_t)f->len, "strict");
        int bad = !text || PyDict_SetItemString(files, f->path, text) < 0;
        Py_XDECREF(text);
        if (bad)
            goto out;
    }
    PyObject *name = PyUnicode_FromString("pyprof_bench_importer");
    int bad = !name || PyDict_SetItemString(ns, "__name__", name) < 0 ||
              PyDict_SetItemString(ns, "__builtins__", PyEval_GetBuiltins()) < 0;
    Py_XDECREF(name);
    if (bad)
        goto out;
    code = Py_CompileString(imp->text, "<pyprof-bench>/embedded_importer.py", Py_file_input);
    r = code ? PyEval_EvalCode(code, ns, ns) : NULL;
    if (!r)
        goto out;
    Py_DECREF(r);
    PyObject *install = PyDict_GetItemString(ns, "install");   /* borrowed */
    r = install ? PyObject_CallOneArg(install, files) : NULL;
    if (r)
        rc = 0;
out:
    Py_XDECREF(r);
    Py_XDECREF(code);
    Py_XDECREF(ns);
    Py_XDECREF(files);
    return rc;
}

PyObject *pb_pypkg_import(const char *module)
{
    if (pb_pypkg_install() < 0)
        return NULL;
    return PyImport_ImportModule(module);
}

PyObject *pb_pypkg_attr(const char *module, const char *name)
{
    PyObject *mod = pb_pypkg_import(module);
    PyObject *attr = mod ? PyObject_GetAttrString(mod, name) : NULL;
    Py_XDECREF(mod);
    return attr;
}
