# The import hook of the embedded pyprof_bench package (harness/pypkg.h):
# the C side runs this file's source once per interpreter and calls
# install() with the package's sources, so that `import pyprof_bench` works
# with no file on disk.
import sys
from importlib.machinery import ModuleSpec

# Files of embedded modules have this prefix (tracebacks, profiles).
ORIGIN = "<pyprof-bench>/"


class EmbeddedFinder:
    """A meta-path finder and loader over {module name: (path, source)},
    path relative ("pyprof_bench/region.py"); a path ending in __init__.py
    is a package."""

    _pyprof_bench_embedded = True

    def __init__(self, sources):
        self.sources = sources

    def find_spec(self, name, path=None, target=None):
        entry = self.sources.get(name)
        if entry is None:
            return None
        is_pkg = entry[0].endswith("/__init__.py")
        spec = ModuleSpec(name, self, origin=ORIGIN + entry[0], is_package=is_pkg)
        spec.has_location = True
        return spec

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        path, source = self.sources[module.__spec__.name]
        code = compile(source, ORIGIN + path, "exec", dont_inherit=True)
        exec(code, module.__dict__)

    def get_source(self, name):
        entry = self.sources.get(name)
        return entry[1] if entry else None

    def invalidate_caches(self):
        pass


def install(files):
    """files: {relative path: source}. Puts the finder first on
    sys.meta_path (once per interpreter)."""
    if any(getattr(f, "_pyprof_bench_embedded", False) for f in sys.meta_path):
        return
    sources = {}
    for path, source in files.items():
        mod = path[:-3].replace("/", ".")
        if mod.endswith(".__init__"):
            mod = mod[: -len(".__init__")]
        sources[mod] = (path, source)
    sys.meta_path.insert(0, EmbeddedFinder(sources))
