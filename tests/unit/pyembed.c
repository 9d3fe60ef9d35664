/* pyembed.c: see pyembed.h. */
#include "pyembed.h"

int pyembed_start(void)
{
    PyConfig config;
    PyConfig_InitIsolatedConfig(&config);
    config.write_bytecode = 0;
    PyStatus st = PyConfig_SetBytesString(&config, &config.program_name, PB_PYTHON_EXE);
    if (!PyStatus_Exception(st))
        st = Py_InitializeFromConfig(&config);
    PyConfig_Clear(&config);
    return PyStatus_Exception(st) ? -1 : 0;
}

PyObject *pyembed_run(const char *code)
{
    PyObject *g = PyDict_New();
    if (!g)
        return NULL;
    PyDict_SetItemString(g, "__builtins__", PyEval_GetBuiltins());
    PyObject *r = PyRun_String(code, Py_file_input, g, g);
    if (!r) {
        PyErr_Print();
        Py_DECREF(g);
        return NULL;
    }
    Py_DECREF(r);
    return g;
}

PyObject *pyembed_load(const char *name, const char *path)
{
    PyObject *loader = pyembed_run(
        "import importlib.util\n"
        "def load(name, path):\n"
        "    spec = importlib.util.spec_from_file_location(name, path)\n"
        "    mod = importlib.util.module_from_spec(spec)\n"
        "    spec.loader.exec_module(mod)\n"
        "    return mod\n");
    if (!loader)
        return NULL;
    PyObject *mod = PyObject_CallFunction(PyDict_GetItemString(loader, "load"), "ss", name,
                                          path);
    if (!mod)
        PyErr_Print();
    Py_DECREF(loader);
    return mod;
}
