"""Backends declared in YAML (backends/declared.c): `kind: python-api`, a
profiler driven through its Python API in the worker, and `kind: command`,
a tool that launches the program, both read through formats/ or a result
callable."""
import importlib
import importlib.util
import json
import os
import sys

from .. import formats

CATEGORIES = ("python", "native", "system")


def _module(file, module):
    if module:
        return importlib.import_module(module)
    name = os.path.splitext(os.path.basename(file))[0]
    if name in sys.modules and getattr(sys.modules[name], "__file__", None) == file:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, file)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {file} as a Python module")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


def _callable(owner, dotted, what):
    name = getattr(owner, "__name__", type(owner).__name__)
    obj = owner
    for part in dotted.split("."):
        if not hasattr(obj, part):
            raise AttributeError(f"{name} has no {dotted!r} (the {what} callable)")
        obj = getattr(obj, part)
    if not callable(obj):
        raise TypeError(f"{dotted!r} in {name} is not callable (the {what} callable)")
    return obj


def _args(text, output):
    return tuple(a.replace("{output}", output) if isinstance(a, str) else a
                 for a in json.loads(text))


def prepare(file, module, setup, setup_args, start, start_args, stop, stop_args, save,
            save_args, result, output):
    """(start, start args, stop, stop args, collect, finish) of a python-api
    backend: the C side calls start and stop itself, so that nothing of the
    harness's runs between them, and collect() after the region (with
    result); with an output file, finish() (save, or nothing) after the
    region, then the C side reads the file (read_output()). setup, when
    given, is called here, outside the region, and start, stop and save are
    attributes of what it returns."""
    mod = _module(file, module)
    owner = mod
    if setup:
        owner = _callable(mod, setup, "setup")(*_args(setup_args, output))
    start_fn = _callable(owner, start, "start")
    stop_fn = _callable(owner, stop, "stop")
    save_fn = _callable(owner, save, "save") if save else None
    result_fn = _callable(mod, result, "result") if result else None

    def collect():
        return result_rows(result_fn())

    def finish():
        if save_fn is not None:
            save_fn(*_args(save_args, output))

    return (start_fn, _args(start_args, output), stop_fn, _args(stop_args, output), collect,
            finish)


def result_rows(rows):
    """A result callable's answer as (total, rows, category rows): an
    iterable of (file, function, line, inclusive, self[, count[, {category:
    seconds}]]), seconds, one per function."""
    out, cats = [], []
    try:
        items = list(rows)
    except TypeError:
        raise ValueError(f"the result callable returned {type(rows).__name__}, "
                         "not rows") from None
    for r in items:
        if not isinstance(r, (tuple, list)) or not 5 <= len(r) <= 7:
            raise ValueError(f"a result row is not (file, function, line, inclusive, self"
                             f"[, count[, categories]]): {r!r}")
        file, func, line, incl, self_s = r[:5]
        count = r[5] if len(r) > 5 else 0
        c = r[6] if len(r) > 6 else None
        if not isinstance(file, str) or not isinstance(func, str):
            raise ValueError(f"a result row's file and function must be strings: {r!r}")
        try:
            line, count, incl, self_s = int(line), int(count), float(incl), float(self_s)
        except (TypeError, ValueError):
            raise ValueError(f"a result row's numbers are not numbers: {r!r}") from None
        if c is not None:
            if not isinstance(c, dict) or any(k not in CATEGORIES for k in c):
                raise ValueError(f"a result row's categories must be a dict of "
                                 f"{', '.join(CATEGORIES)}: {r!r}")
            c = tuple(float(c.get(k, 0.0)) for k in CATEGORIES)
        out.append((file, func, line, 0, incl, self_s, count))
        cats.append(c)
    return None, out, cats


def read_output(fmt, data, interval):
    """(total, rows, category rows) of the file the tool wrote (its bytes)."""
    total, rows = formats.read(fmt, data, interval)
    if total is None:
        total = formats.region_total(rows)
    return total, rows, [None] * len(rows)
