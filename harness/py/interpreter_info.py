"""What the harness needs to know about an interpreter (harness/interpreter.c).

Run by the harness as `PYTHON -E -s -c TEXT` (the text embedded in the binary,
harness/pypkg.h); prints one JSON object:
implementation, version ("3.12.1"), major, minor, executable, prefix,
base_prefix (different from prefix in a virtual environment) and
site_packages. Written so that any Python, 2.7 included, gets as far as
saying what it is: an interpreter the harness cannot run says why instead of
failing with a syntax error.
"""
import json
import site
import sys

info = {
    "implementation": getattr(getattr(sys, "implementation", None), "name", "cpython"),
    "version": "%d.%d.%d" % tuple(sys.version_info[:3]),
    "major": sys.version_info[0],
    "minor": sys.version_info[1],
    "executable": sys.executable,
    "prefix": sys.prefix,
    "base_prefix": getattr(sys, "base_prefix", sys.prefix),
    "site_packages": list(site.getsitepackages()) if hasattr(site, "getsitepackages") else [],
}
sys.stdout.write(json.dumps(info) + "\n")
