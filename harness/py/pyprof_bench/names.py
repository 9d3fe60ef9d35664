"""The names a workload file defines at its top level, found by parsing it,
never running it (the config checks, harness/config.h)."""
import ast


def top_names(path):
    """(callables, values, complete): space-separated names; values are only
    ever assigned a literal; complete is False when the module can define
    names no parse sees (star import, globals(), exec, __getattr__)."""
    with open(path, "rb") as f:
        tree = ast.parse(f.read(), path)
    defs, values, other = set(), set(), set()
    complete = [True]
    lit = (ast.Constant, ast.List, ast.Tuple, ast.Dict, ast.Set, ast.JoinedStr,
           ast.ListComp, ast.DictComp, ast.SetComp)

    def targets(t, out):
        if isinstance(t, ast.Name):
            out.add(t.id)
        elif isinstance(t, (ast.Tuple, ast.List)):
            for e in t.elts:
                targets(e, out)
        elif isinstance(t, ast.Starred):
            targets(t.value, out)

    def walk(body):
        for s in body:
            if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                defs.add(s.name)
                if s.name == "__getattr__":
                    complete[0] = False
                continue
            if isinstance(s, (ast.Import, ast.ImportFrom)):
                for a in s.names:
                    if a.name == "*":
                        complete[0] = False
                    else:
                        defs.add(a.asname or a.name.split(".")[0])
            elif isinstance(s, ast.Assign):
                for t in s.targets:
                    targets(t, values if isinstance(s.value, lit) else other)
            elif isinstance(s, (ast.AnnAssign, ast.AugAssign, ast.For, ast.AsyncFor)):
                targets(s.target, other)
            elif isinstance(s, (ast.With, ast.AsyncWith)):
                for i in s.items:
                    if i.optional_vars is not None:
                        targets(i.optional_vars, other)
            for field in ("body", "orelse", "finalbody"):
                walk(getattr(s, field, []) or [])
            for h in getattr(s, "handlers", []) or []:
                if h.name:
                    other.add(h.name)
                walk(h.body)
            for c in getattr(s, "cases", []) or []:
                walk(c.body)

    walk(tree.body)
    for n in ast.walk(tree):
        if isinstance(n, ast.NamedExpr):
            targets(n.target, other)
        if isinstance(n, ast.Global):
            complete[0] = False
        if isinstance(n, ast.Name) and n.id in ("globals", "exec", "vars", "setattr"):
            complete[0] = False
    callables = defs | other
    return (" ".join(sorted(callables)), " ".join(sorted(values - callables)), complete[0])
