#!/bin/sh
# pinned-python.sh: prints X.Y of the CPython the project pins (the build's
# ./pyprof-bench embeds it, build/venv is made from it). Debian's 3.11 where
# Debian packages it (Debian 12, the results' reference); where it does not
# (Debian 13 packages 3.13 alone), Debian's own python3. Decided without the
# network and before `make deps` has installed anything: an installed
# python3.11, then the Debian release, then apt's view, then python3.
if [ -x /usr/bin/python3.11 ]; then
    echo 3.11
    exit 0
fi
major=$(cut -d. -f1 /etc/debian_version 2>/dev/null)
case "$major" in
    11|12) echo 3.11; exit 0 ;;   # bullseye has no 3.11, but nothing else either
    13) echo 3.13; exit 0 ;;
esac
if apt-cache policy python3.11-dev 2>/dev/null | grep -q 'Candidate: [0-9]'; then
    echo 3.11
    exit 0
fi
v=$(apt-cache depends python3-dev 2>/dev/null | sed -n 's/.*Depends: python\(3\.[0-9][0-9]*\)-dev.*/\1/p' | head -1)
if [ -n "$v" ]; then
    echo "$v"
    exit 0
fi
if [ -x /usr/bin/python3 ]; then
    /usr/bin/python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])'
    exit 0
fi
echo 3.11
