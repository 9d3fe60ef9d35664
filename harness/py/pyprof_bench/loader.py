"""Loading a workload file and resolving its phases, for the worker and the
launched driver alike."""
import ast
import importlib.util
import os
import runpy
import sys
import traceback

# A phase of this name runs the workload file as a script (`main:
# __main__`); harness/config.h's PB_MAIN_SCRIPT.
MAIN_SCRIPT = "__main__"


def load(path, execute):
    """The workload's module; executed (imported as its own name) when
    execute is true, else only made (a script run inside the region)."""
    name = os.path.splitext(os.path.basename(path))[0] or "workload"
    d = os.path.dirname(path)
    if d not in sys.path:
        sys.path.insert(0, d)
    sys.argv = [path]
    if not os.path.isfile(path):
        raise FileNotFoundError(f"workload file not found: {path}")
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path} as a Python module")
    mod = importlib.util.module_from_spec(spec)
    if execute:
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
    return mod


def run_script(path, argv=()):
    """Run the file as __main__ with argv; sys.exit(0) is success, another
    status an error."""
    sys.argv = [path, *argv]
    try:
        runpy.run_path(path, run_name="__main__")
    except SystemExit as e:
        if e.code not in (None, 0):
            raise RuntimeError(f"the script exited with status {e.code!r}") from None


def phase(mod, fname, literal):
    """(callable, args, co_filename, co_name) of phase fname called with the
    Python literal `literal` (a list or tuple of arguments)."""
    if fname == MAIN_SCRIPT:
        path = mod.__file__
        argv = tuple(ast.literal_eval(literal))
        return (lambda: run_script(path, argv), (), path, "<module>")
    f = getattr(mod, fname, None)
    if f is None:
        raise AttributeError(f"workload {mod.__file__} has no function {fname!r}")
    if not callable(f):
        raise TypeError(f"{fname!r} in {mod.__file__} is not callable")
    args = ast.literal_eval(literal)
    code = getattr(f, "__code__", None)
    return (f, tuple(args), code.co_filename if code else "", code.co_name if code else fname)


def is_skip(t):
    """True when exception type t is unittest.SkipTest: the workload cannot
    run on this machine (numpy missing, say)."""
    u = sys.modules.get("unittest")
    return u is not None and isinstance(t, type) and issubclass(t, u.SkipTest)


def last_line(t, v):
    """The exception as one line ("ValueError: boom"), as a traceback ends."""
    return traceback.format_exception_only(t, v)[-1].strip()


def one_line(e):
    """The exception on one line, whitespace folded (the timings file)."""
    text = f"{type(e).__name__}: {e}" if str(e) else type(e).__name__
    return " ".join(text.split())
