/* pyadapter.c: Python API helpers of the adapter backends (see pyadapter.h). */
#include "pyadapter.h"

#include <stdarg.h>
#include <stdio.h>

#include "../harness/util.h"
#include "../harness/venv.h"

int pyad_error(char *err, size_t errlen, const char *what)
{
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    char text[PB_ERRLEN] = "unknown error";
    if (type) {
        const char *tname = PyExceptionClass_Check(type) ? ((PyTypeObject *)type)->tp_name : "?";
        PyObject *s = value ? PyObject_Str(value) : NULL;
        const char *msg = s ? PyUnicode_AsUTF8(s) : NULL;
        snprintf(text, sizeof(text), "%s%s%s", tname, msg && *msg ? ": " : "", msg ? msg : "");
        Py_XDECREF(s);
    }
    PyErr_Clear();
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
    return pb_error(err, errlen, "%s: %s", what, text);
}

int pyad_call(PyObject *obj, const char *name, char *err, size_t errlen, const char *fmt, ...)
{
    PyObject *fn = PyObject_GetAttrString(obj, name);
    if (!fn)
        return pyad_error(err, errlen, name);
    PyObject *args = NULL;
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        args = Py_VaBuildValue(fmt, ap);
        va_end(ap);
        if (args && !PyTuple_Check(args)) {
            PyObject *t = PyTuple_Pack(1, args);
            Py_DECREF(args);
            args = t;
        }
    } else {
        args = PyTuple_New(0);
    }
    PyObject *r = args ? PyObject_Call(fn, args, NULL) : NULL;
    Py_XDECREF(args);
    Py_DECREF(fn);
    if (!r)
        return pyad_error(err, errlen, name);
    Py_DECREF(r);
    return 0;
}

void pyad_version(const char *dist, char *buf, size_t len)
{
    buf[0] = '\0';
    PyObject *md = PyImport_ImportModule("importlib.metadata");
    PyObject *v = md ? PyObject_CallMethod(md, "version", "s", dist) : NULL;
    const char *s = v ? PyUnicode_AsUTF8(v) : NULL;
    if (s)
        snprintf(buf, len, "%s", s);
    Py_XDECREF(v);
    Py_XDECREF(md);
    PyErr_Clear();
}

double pyad_double(PyObject *obj, const char *attr)
{
    PyObject *v = PyObject_GetAttrString(obj, attr);
    double d = v ? PyFloat_AsDouble(v) : 0;
    Py_XDECREF(v);
    if (PyErr_Occurred()) {
        PyErr_Clear();
        d = 0;
    }
    return d;
}

long pyad_long(PyObject *obj, const char *attr)
{
    PyObject *v = PyObject_GetAttrString(obj, attr);
    long l = v ? PyLong_AsLong(v) : 0;
    Py_XDECREF(v);
    if (PyErr_Occurred()) {
        PyErr_Clear();
        l = 0;
    }
    return l;
}

void pyad_string(PyObject *obj, const char *attr, char *buf, size_t len)
{
    PyObject *v = PyObject_GetAttrString(obj, attr);
    PyObject *s = v ? PyObject_Str(v) : NULL;
    const char *u = s ? PyUnicode_AsUTF8(s) : NULL;
    snprintf(buf, len, "%s", u ? u : "");
    Py_XDECREF(s);
    Py_XDECREF(v);
    PyErr_Clear();
}

int pyad_threading_setprofile(PyObject *fn)
{
    PyObject *threading = PyImport_ImportModule("threading");
    if (!threading)
        return -1;
    PyObject *r = PyObject_CallMethod(threading, "setprofile", "O", fn);
    Py_DECREF(threading);
    if (!r)
        return -1;
    Py_DECREF(r);
    return 0;
}

int pyad_importable(const char *module, const char *dist, char *why, size_t whylen)
{
    PyObject *mod = PyImport_ImportModule(module);
    if (mod) {
        Py_DECREF(mod);
        return 1;
    }
    char text[PB_ERRLEN], failed[512];
    pyad_error(text, sizeof(text), "import");
    pb_venv_failure(dist, failed, sizeof(failed));
    snprintf(why, whylen, "%s not importable (%.300s%s%.300s)", module, text,
             failed[0] ? "; " : "", failed);
    return 0;
}
